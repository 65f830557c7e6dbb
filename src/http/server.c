/* libmicrohttpd glue. The access handler is called several times per request: first with the
 * headers (allocate the request, route it, check Content-Length against the route's cap), then
 * once per body chunk (append while under the cap — chunked uploads have no Content-Length, so
 * the running cap is what protects us), then a final time (answer). Per-request memory is
 * released in the completion callback, never in the handler. */
#include "http/server.h"
#include "api/api.h"
#include "http/events.h"
#include "http/metrics.h"
#include "http/static_files.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/crypto.h"
#include "util/log.h"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sodium.h>
#include <unistd.h>

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
	" font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
	" form-action 'self'; object-src 'none'";

static void add_common_headers(struct request *r)
{
	struct MHD_Response *resp = r->response;
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	if (r->secure)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/metrics") == 0 ||
	    strcmp(r->path, "/healthz") == 0)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static void client_ip(struct request *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(r->ip, sizeof r->ip, "?");
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip, sizeof r->ip);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->ip, sizeof r->ip);
	}
	if (r->app->cfg.trust_proxy) {
		const char *xff = req_header(r, "X-Forwarded-For");
		if (xff && *xff) {
			/* The proxy appends the peer it saw; take the last hop. */
			const char *last = strrchr(xff, ',');
			last = last ? last + 1 : xff;
			while (*last == ' ')
				last++;
			snprintf(r->ip, sizeof r->ip, "%.*s", (int)strcspn(last, " ,"), last);
		}
		const char *proto = req_header(r, "X-Forwarded-Proto");
		r->secure = proto && strcmp(proto, "https") == 0;
	}
	if (r->app->cfg.secure_cookies)
		r->secure = true;
}

static bool is_body_method(const char *m)
{
	return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE");
}

static int parse_json_body(struct request *r)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct && strncasecmp(ct, "application/json", 16) != 0)
		return reply_error(r, 415, "unsupported_media_type", "请求体必须是JSON（application/json）",
				   NULL), -1;
	json_error_t err;
	/* Any JSON value parses (an array or a number is valid JSON); every endpoint wants an object. */
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (r->json && json_is_object(r->json))
		return 0;
	if (r->json) {
		json_decref(r->json);
		r->json = NULL;
		return reply_error(r, 400, "body_not_object", "请求体必须是JSON对象", NULL), -1;
	}
	char msg[300];
	if (json_error_code(&err) == json_error_duplicate_key) {
		snprintf(msg, sizeof msg, "JSON中有重复的字段（第%d行第%d列，位置%d）", err.line,
			 err.column, err.position);
		return reply_error_at(r, 400, "duplicate_key", msg, NULL, "position", err.position), -1;
	}
	snprintf(msg, sizeof msg, "JSON格式错误（第%d行第%d列，位置%d）", err.line, err.column,
		 err.position);
	return reply_error_at(r, 400, "invalid_json", msg, NULL, "position", err.position), -1;
}

/* 413 naming the limit (in KiB, or MiB for uploads) and giving it as "limit_bytes". */
static void reply_too_large(struct request *r)
{
	char msg[120];
	if (r->body_cap >= (1u << 20))
		snprintf(msg, sizeof msg, "请求体过大（上限 %zu MB）", r->body_cap >> 20);
	else
		snprintf(msg, sizeof msg, "请求体过大（上限 %zu KB）", r->body_cap >> 10);
	reply_error_at(r, 413, "body_too_large", msg, NULL, "limit_bytes", (long long)r->body_cap);
}

/* A browser write coming from another site (Fetch Metadata, or an Origin that is not this
 * host): refused even with a valid CSRF token, as defence in depth. */
static bool cross_site(struct request *r)
{
	const char *site = req_header(r, "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return true;
	const char *origin = req_header(r, "Origin"), *host = req_header(r, "Host");
	if (!origin || strcmp(origin, "null") == 0)
		return origin != NULL;
	const char *p = strstr(origin, "://");
	if (!p || !host)
		return true;
	return strcmp(p + 3, host) != 0;
}

static void handle_api(struct request *r)
{
	const struct route *rt = r->route;
	if (!rt) {
		reply_error(r, r->route_index == -2 ? 405 : 404,
			    r->route_index == -2 ? "method_not_allowed" : "not_found",
			    r->route_index == -2 ? "不支持该请求方法" : "请求的资源不存在", NULL);
		return;
	}
	if (r->too_big) {
		reply_too_large(r);
		return;
	}
	r->db = store_conn();
	if (!r->db) {
		reply_error(r, 503, "store_unavailable", "数据库暂不可用，请稍后重试", NULL);
		return;
	}
	if (api_authenticate(r) != 0)
		return;
	if (!(rt->flags & ROUTE_PUBLIC)) {
		if (!r->user) {
			reply_error(r, 401, "unauthenticated", "请先登录", NULL);
			return;
		}
		if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && !r->user->via_token &&
		    cross_site(r)) {
			reply_error(r, 403, "cross_site", "拒绝来自其他站点的请求", NULL);
			return;
		}
		if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && !r->user->via_token &&
		    !(rt->flags & ROUTE_NO_CSRF)) {
			const char *tok = req_header(r, "X-CSRF-Token");
			if (!tok || !crypto_str_equal(tok, r->user->csrf)) {
				reply_error(r, 403, "csrf_invalid", "请求校验失败，请刷新页面后重试", NULL);
				return;
			}
		}
		if (r->user->must_change_password && !(rt->flags & ROUTE_PW_CHANGE_OK)) {
			reply_error(r, 403, "password_change_required", "请先修改密码", NULL);
			return;
		}
		if (rt->perm_any && !(r->user->perms & rt->perm_any)) {
			reply_error(r, 403, "forbidden", "没有执行该操作的权限", NULL);
			return;
		}
	}
	if (is_body_method(r->method) && r->body_len > 0 && !(rt->flags & ROUTE_RAW_BODY) && parse_json_body(r) != 0)
		return;
	rt->handler(r);
	if (!r->done)
		reply_error(r, 500, "internal", "服务器内部错误", NULL);
}

static void handle(struct request *r)
{
	if (strncmp(r->path, "/api/", 5) == 0 || r->route) {
		handle_api(r);
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		reply_error(r, 405, "method_not_allowed", "不支持该请求方法", NULL);
		return;
	}
	static_serve(r);
}

/* Request ids: a random per-thread prefix and a counter, so no system call per request. */
static void new_request_id(char out[17])
{
	static _Thread_local uint32_t prefix, counter;
	if (!prefix)
		prefix = randombytes_random() | 1u;
	snprintf(out, 17, "%08x%08x", prefix, ++counter);
}

#define MAX_URL 8192
#define MAX_HEADERS 8192

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct app *app = cls;
	struct request *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->arena = arena_new();
		if (!r->arena) {
			free(r);
			return MHD_NO;
		}
		*con_cls = r;
		r->conn = conn;
		size_t header_bytes = 0, url_bytes = strlen(url);
		MHD_get_connection_values(conn, MHD_HEADER_KIND, sum_header, &header_bytes);
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, sum_header, &url_bytes);
		r->app = app;
		r->started_ns = mono_ns();
		r->method = arena_strdup(r->arena, method);
		r->path = arena_strndup(r->arena, url, strnlen(url, 2048));
		r->route_index = -1;
		new_request_id(r->id);
		client_ip(r);
		char argbuf[1024];
		int idx;
		const char *args[REQ_MAX_ARGS];
		enum router_result rr = router_match(app->routes, app->nroutes, r->method, r->path, &idx,
						     args, &r->nargs, argbuf, sizeof argbuf);
		if (rr == ROUTER_FOUND) {
			r->route = &app->routes[idx];
			r->route_index = idx;
			for (int i = 0; i < r->nargs; i++)
				r->args[i] = arena_strdup(r->arena, args[i]);
		} else if (rr == ROUTER_METHOD_NOT_ALLOWED) {
			r->route_index = -2;
		}
		r->body_cap = r->route && (r->route->flags & ROUTE_UPLOAD) ? (size_t)app->cfg.attachment_max_mb << 20
			      : r->route && r->route->body_cap ? r->route->body_cap
								 : JSON_BODY_CAP;
		if (url_bytes > MAX_URL || header_bytes > MAX_HEADERS) {
			bool long_url = url_bytes > MAX_URL;
			reply_error(r, long_url ? 414 : 431, long_url ? "uri_too_long" : "headers_too_large",
				    long_url ? "请求地址过长" : "请求头过大", NULL);
			add_common_headers(r);
			return MHD_queue_response(conn, (unsigned)r->status, r->response);
		}
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > r->body_cap) {
			/* Answer at once; MHD closes the connection instead of reading the body. */
			r->too_big = true;
			reply_too_large(r);
			add_common_headers(r);
			return MHD_queue_response(conn, (unsigned)r->status, r->response);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->too_big)
			return MHD_YES;
		if (r->body_len + n > r->body_cap) {
			r->too_big = true;
			return MHD_YES;
		}
		if (r->body_len + n > r->body_alloc) {
			size_t want = r->body_alloc ? r->body_alloc * 2 : 4096;
			while (want < r->body_len + n)
				want *= 2;
			if (want > r->body_cap)
				want = r->body_cap;
			char *nb = realloc(r->body, want + 1);
			if (!nb)
				return MHD_NO;
			r->body = nb;
			r->body_alloc = want;
		}
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		return MHD_YES;
	}
	if (r->response) /* already answered (early 413) */
		return MHD_YES;
	handle(r);
	if (!r->response)
		reply_error(r, 500, "internal", "服务器内部错误", NULL);
	if (!r->response)
		return MHD_NO;
	add_common_headers(r);
	return MHD_queue_response(conn, (unsigned)r->status, r->response);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct app *app = cls;
	struct request *r = *con_cls;
	if (!r)
		return;
	uint64_t dur = mono_ns() - r->started_ns;
	int status = r->status ? r->status : 499;
	metrics_record(r->route_index, status, dur);
	if (app->cfg.log_requests)
		log_info("req=%s ip=%s user=%s %s %s %d %.2fms%s", r->id, r->ip,
			 r->user ? r->user->username : "-", r->method, r->path, status, (double)dur / 1e6,
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	if (r->response)
		MHD_destroy_response(r->response);
	json_decref(r->json);
	free(r->body);
	arena_free(r->arena);
	free(r);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	metrics_connection(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = '\0';
	log_debug("mhd: %s", buf);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
		return -1;
	snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int server_start(struct app *app)
{
	struct sockaddr_in sa;
	if (parse_listen(app->cfg.listen, &sa) != 0) {
		log_error("invalid listen address '%s' (want IPv4:port)", app->cfg.listen);
		return -1;
	}
	if (metrics_init(app->nroutes) != 0)
		return -1;
	/* Handlers block while the writer commits their transaction (an fsync), so the pool is
	 * sized for requests waiting, not for cores: with more of them waiting, each commit carries
	 * more transactions (bench/complaints.sh: 1,250 creations/s with 4 threads, 2,480 with 32,
	 * on two cores). */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = app->cfg.threads > 0 ? (unsigned)app->cfg.threads
						: (unsigned)(cores * 8 > 32 ? cores * 8 : 32);
	app->daemon = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
		NULL, &on_request, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)app->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)app->cfg.per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)app->cfg.connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)16 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_NOTIFY_COMPLETED,
		&on_completed, app, MHD_OPTION_NOTIFY_CONNECTION, &on_connection, app,
		MHD_OPTION_EXTERNAL_LOGGER, &mhd_log, app, MHD_OPTION_END);
	if (!app->daemon) {
		log_error("cannot listen on %s: %s", app->cfg.listen, strerror(errno));
		metrics_free();
		return -1;
	}
	if (events_start() != 0) {
		MHD_stop_daemon(app->daemon);
		app->daemon = NULL;
		metrics_free();
		return -1;
	}
	log_info("fcms listening on http://%s (%u threads)", app->cfg.listen, threads);
	return 0;
}

void server_stop(struct app *app)
{
	if (!app->daemon)
		return;
	MHD_socket s = MHD_quiesce_daemon(app->daemon);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	/* Suspended event streams must be resumed before the daemon stops. */
	events_stop();
	MHD_stop_daemon(app->daemon); /* waits for in-flight requests */
	app->daemon = NULL;
	metrics_free();
}
