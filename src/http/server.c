/* libmicrohttpd glue. The access handler is called several times per request: first with the
 * headers (allocate the request, route it, check Content-Length against the route's cap), then
 * once per body chunk (append while under the cap — chunked uploads have no Content-Length, so
 * the running cap is what protects us), then a final time (answer). Per-request memory is
 * released in the completion callback, never in the handler.
 *
 * The head checks and the body live in intake.c, the head deadline and shedding in
 * connections.c; authentication and the store connection come from app->hooks (http knows no
 * users and no SQL).
 *
 * Abuse the server defends itself against here, not in the handlers:
 *  - slow request heads (slowloris): MHD's idle timeout restarts with every byte, so a client
 *    sending one header line every few seconds would hold its connection for ever. A sweeper
 *    thread gives every request head an absolute deadline (header_timeout_s from the moment the
 *    connection waits for a request), and when the server nears max_connections it cuts the
 *    connections that have waited longest for a head first, so clients that send whole requests
 *    keep getting in. A connection whose whole request head sits unread in its socket is never
 *    cut: that client was on time and waits for a busy server thread (under load, cutting it
 *    turned slowness into connection resets);
 *  - request smuggling: a request with both Content-Length and Transfer-Encoding, two
 *    Content-Lengths, a transfer coding other than "chunked", or a NUL (raw or %00) or control
 *    byte in its target is refused with 400 and the connection closed, so no leftover bytes are
 *    read as a second request (libmicrohttpd 0.9.75 reads CL+TE as chunked, takes the first of
 *    two Content-Lengths and cuts the path at a NUL);
 *  - /metrics only for metrics_allow addresses or with the metrics_token;
 *  - X-Forwarded-For/-Proto only from a trusted_proxies peer. */
#include "http/server.h"
#include "http/connections.h"
#include "http/events.h"
#include "http/intake.h"
#include "http/metrics.h"
#include "http/static_files.h"
#include "util/arena.h"
#include "util/crypto.h"
#include "util/log.h"
#include "http/addrs.h"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct addr_list trusted_proxies, metrics_allow;

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
	" font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
	" form-action 'self'; object-src 'none'";

/* The public consumer site: nothing inline at all, no frames, no forms posting anywhere. */
static const char CSP_PUBLIC[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:;"
	" connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none';"
	" form-action 'none'; object-src 'none'";

#define PUBLIC_API_PREFIX "/api/public/"

static bool has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/' || prefix[n - 1] == '/');
}

static bool public_path(const char *path)
{
	return has_prefix(path, STATIC_H5_PREFIX) || has_prefix(path, PUBLIC_API_PREFIX);
}

/* The request came to the public origin (public_host), where only the consumer site answers. */
static bool on_public_host(struct request *r)
{
	const char *host = req_header(r, "Host"), *want = r->app->cfg.public_host;
	return want[0] && host && strcasecmp(host, want) == 0;
}

static void add_common_headers(struct request *r)
{
	struct MHD_Response *resp = r->response;
	MHD_add_response_header(resp, "Content-Security-Policy", public_path(r->path) ? CSP_PUBLIC : CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	if (r->secure)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if ((strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/metrics") == 0 ||
	     strcmp(r->path, "/healthz") == 0) && !MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

/* The rightmost address of X-Forwarded-For that is not one of our proxies (each proxy appends
 * the peer it saw, so everything left of the first untrusted hop is the client's own say).
 * False when the header holds no usable address. */
static bool forwarded_client(const char *xff, char *out, size_t n)
{
	char hop[64];
	const char *end = xff + strlen(xff);
	bool any = false;
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *a = start, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		end = start > xff ? start - 1 : xff;
		if ((size_t)(b - a) >= sizeof hop || a == b)
			return any;
		memcpy(hop, a, (size_t)(b - a));
		hop[b - a] = '\0';
		struct in6_addr tmp;
		if (inet_pton(AF_INET, hop, &tmp) != 1 && inet_pton(AF_INET6, hop, &tmp) != 1)
			return any;
		snprintf(out, n, "%s", hop);
		any = true;
		if (!addrs_contains(&trusted_proxies, hop))
			return true;
	}
	return any;
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
	/* Forwarding headers are the peer's say-so: believed only from our own proxies. */
	if (r->app->cfg.trust_proxy && addrs_contains(&trusted_proxies, r->ip)) {
		const char *xff = req_header(r, "X-Forwarded-For");
		char client[64];
		if (xff && forwarded_client(xff, client, sizeof client))
			snprintf(r->ip, sizeof r->ip, "%s", client);
		const char *proto = req_header(r, "X-Forwarded-Proto");
		r->secure = proto && strcmp(proto, "https") == 0;
	}
	if (r->app->cfg.secure_cookies)
		r->secure = true;
}

/* /metrics: from a metrics_allow address, or with "Authorization: Bearer <metrics_token>"
 * (compared in constant time). */
static bool metrics_permitted(struct request *r)
{
	if (addrs_contains(&metrics_allow, r->ip))
		return true;
	const char *tok = r->app->cfg.metrics_token;
	const char *authz = req_header(r, "Authorization");
	if (!tok[0] || !authz || strncasecmp(authz, "Bearer ", 7) != 0)
		return false;
	/* Hashes first, so neither the token's length nor its bytes show in the timing. */
	char a[65], b[65];
	crypto_sha256_hex(authz + 7, strlen(authz + 7), a);
	crypto_sha256_hex(tok, strlen(tok), b);
	return crypto_str_equal(a, b);
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

/* The consumer API: anonymous as far as staff sign-in goes (the handler reads its own short
 * session); a write must be same-origin JSON. */
static void handle_consumer(struct request *r)
{
	const struct route *rt = r->route;
	if (is_body_method(r->method) && cross_site(r)) {
		reply_error(r, 403, "cross_site", "拒绝来自其他站点的请求", NULL);
		return;
	}
	if (is_body_method(r->method) && r->body_len > 0 && !(rt->flags & ROUTE_RAW_BODY) && parse_json_body(r) != 0)
		return;
	rt->handler(r);
	if (!r->done)
		reply_error(r, 500, "internal", "服务器内部错误", NULL);
}

/* Test hook: FCMS_FAULT_HEALTHZ_DELAY_MS=N (read once at server_start, only when set) makes
 * GET /healthz?slow=1 hold its server thread N ms, as a slow handler does (tests/api/http-overload). */
static long healthz_delay_ms;

static void handle_api(struct request *r)
{
	const struct route *rt = r->route;
	/* A consumer route answers under its prefix only, and nothing else does. */
	if (rt && ((rt->flags & ROUTE_CONSUMER) != 0) != has_prefix(r->path, PUBLIC_API_PREFIX))
		rt = r->route = NULL;
	if (!rt) {
		reply_error(r, r->route_index == -2 ? 405 : 404,
			    r->route_index == -2 ? "method_not_allowed" : "not_found",
			    r->route_index == -2 ? "不支持该请求方法" : "请求的资源不存在", NULL);
		return;
	}
	if (r->too_big) {
		intake_reply_too_large(r);
		return;
	}
	r->db = r->app->hooks->db_conn();
	if (!r->db) {
		reply_error(r, 503, "store_unavailable", "数据库暂不可用，请稍后重试", NULL);
		return;
	}
	if (rt->flags & ROUTE_CONSUMER) {
		handle_consumer(r);
		return;
	}
	/* /metrics was let in by handle(); its Authorization header is the metrics token, which
	 * is not an API token. */
	if (strcmp(r->path, "/metrics") != 0 && r->app->hooks->authenticate(r) != 0)
		return;
	if (!(rt->flags & ROUTE_PUBLIC)) {
		if (!r->user) {
			reply_error(r, 401, "unauthenticated", "请先登录", NULL);
			return;
		}
		if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && !r->caller.via_token &&
		    cross_site(r)) {
			reply_error(r, 403, "cross_site", "拒绝来自其他站点的请求", NULL);
			return;
		}
		if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && !r->caller.via_token &&
		    !(rt->flags & ROUTE_NO_CSRF)) {
			const char *tok = req_header(r, "X-CSRF-Token");
			if (!tok || !crypto_str_equal(tok, r->caller.csrf ? r->caller.csrf : "")) {
				reply_error(r, 403, "csrf_invalid", "请求校验失败，请刷新页面后重试", NULL);
				return;
			}
		}
		if (r->caller.must_change_password && !(rt->flags & ROUTE_PW_CHANGE_OK)) {
			reply_error(r, 403, "password_change_required", "请先修改密码", NULL);
			return;
		}
		if (rt->perm_any && !(r->caller.perms & rt->perm_any)) {
			reply_error(r, 403, "forbidden", "没有执行该操作的权限", NULL);
			return;
		}
	}
	if (is_body_method(r->method) && r->body_len > 0 && !(rt->flags & ROUTE_RAW_BODY) && parse_json_body(r) != 0)
		return;
	if (healthz_delay_ms > 0 && strcmp(rt->pattern, "/healthz") == 0 && req_query(r, "slow")) {
		struct timespec ts = {healthz_delay_ms / 1000, (healthz_delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	rt->handler(r);
	if (!r->done)
		reply_error(r, 500, "internal", "服务器内部错误", NULL);
}

static void route_request(struct request *r)
{
	/* The public origin serves the consumer site and its API, and nothing of the staff's. */
	if (on_public_host(r) && !public_path(r->path)) {
		r->route = NULL;
		r->route_index = -1;
		if (strcmp(r->path, "/") == 0) {
			reply_raw(r, 302, "text/plain; charset=utf-8", "", 0);
			reply_header(r, "Location", STATIC_H5_PREFIX "/");
			return;
		}
		reply_error(r, 404, "not_found", "请求的资源不存在", NULL);
		return;
	}
	if (has_prefix(r->path, STATIC_H5_PREFIX)) {
		if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
			reply_error(r, 405, "method_not_allowed", "不支持该请求方法", NULL);
		else
			static_serve_h5(r);
		return;
	}
	if (strcmp(r->path, "/metrics") == 0 && !metrics_permitted(r)) {
		reply_error(r, 403, "metrics_forbidden", "无权读取监控指标：需要监控令牌或来自允许的地址", NULL);
		return;
	}
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

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Answers r on this thread and adds the thread's CPU time to r->cpu_ns (for /metrics). */
static void handle(struct request *r)
{
	uint64_t t0 = thread_cpu_ns();
	route_request(r);
	uint64_t t1 = thread_cpu_ns();
	if (t0 && t1 > t0)
		r->cpu_ns += t1 - t0;
}

/* Request ids: a random per-thread prefix and a counter, so no system call per request. */
static void new_request_id(char out[17])
{
	static _Thread_local uint32_t prefix, counter;
	if (!prefix) {
		crypto_random_bytes(&prefix, sizeof prefix);
		prefix |= 1u;
	}
	snprintf(out, 17, "%08x%08x", prefix, ++counter);
}

/* The first call of the access handler for a request: who sent it, its id, its route and its
 * body cap (the head checks follow in intake_head). */
static void begin_request(struct app *app, struct request *r, struct MHD_Connection *conn,
			  const char *url, const char *method)
{
	r->conn = conn;
	connections_waiting(conn, false);
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
	r->body_cap = r->route && (r->route->flags & ROUTE_UPLOAD)
			      ? (size_t)(r->route->flags & ROUTE_CONSUMER ? app->cfg.consumer_upload_mb
									   : app->cfg.attachment_max_mb) << 20
		      : r->route && r->route->body_cap ? r->route->body_cap
							 : JSON_BODY_CAP;
}

static enum MHD_Result queue_reply(struct request *r)
{
	add_common_headers(r);
	return MHD_queue_response(r->conn, (unsigned)r->status, r->response);
}

/* Reads are answered by READERS_PER_CORE worker threads per core, in arrival order; the
 * connection waits suspended meanwhile, so its server thread serves its other connections.
 * The pool has 32 threads so that writers can wait for a commit together (see server_start),
 * but 32 reads at once on two cores only took turns on the CPU: every read started with a cold
 * cache after each commit, and the writer thread, one runnable thread in 33, got the CPU so
 * rarely that a creation took 4 s under the working-day load (issue 13). Blocking a server
 * thread instead (a counting gate) made each write wait behind the reads of the connections its
 * thread also serves. Writes, /healthz, /metrics, the event stream (which suspends on its own),
 * static files and the consumer site run on the server threads as before. */
#define READERS_PER_CORE 2
static pthread_mutex_t readers_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t readers_wake = PTHREAD_COND_INITIALIZER;
static struct request *readers_head, *readers_tail;
static pthread_t *readers;
static unsigned nreaders;
static bool readers_stopping;

static bool answered_by_reader(const struct request *r)
{
	const struct route *rt = r->route;
	return nreaders > 0 && rt && !(rt->flags & ROUTE_CONSUMER) && !r->too_big &&
	       (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) && has_prefix(r->path, "/api/") &&
	       rt->handler != events_subscribe;
}

/* A reader's shared snapshot: the connection it is open on and when it was asked for. */
struct reader_snapshot {
	struct db *db;
	uint64_t at_ns;
};

static void snapshot_end(const struct app *app, struct reader_snapshot *s)
{
	if (s->db)
		app->hooks->snapshot_end(s->db);
	s->db = NULL;
}

/* Reads answered one after another share a read snapshot (issue 13): each read transaction
 * after another connection's commit starts with an empty page cache, and under the working
 * day's writes every read paid a system call per page it touched (a quarter of the server's CPU).
 * A read may use a snapshot asked for after it arrived, never one older: every write answered
 * before the read was sent is in it, as it would be in a transaction of its own. A snapshot is
 * taken for no read after SNAPSHOT_MAX_NS, so that the log can start over (store/writer.c waits
 * 100 ms for readers; with 50 ms the log grew to 700 MB under the working day, with 10 ms
 * 236 MB, for as many reads), and none is kept while the queue is empty. */
#define SNAPSHOT_MAX_NS (10 * 1000000ull)

static void snapshot_for(struct request *r, struct reader_snapshot *s)
{
	const struct app *app = r->app;
	if (!app->hooks->snapshot_begin)
		return;
	uint64_t now = mono_ns();
	if (s->db && (r->started_ns > s->at_ns || now - s->at_ns > SNAPSHOT_MAX_NS))
		snapshot_end(app, s);
	if (s->db)
		return;
	struct db *d = app->hooks->db_conn();
	if (d && app->hooks->snapshot_begin(d) == 0) {
		s->db = d;
		s->at_ns = now;
	}
}

static void *reader_main(void *arg)
{
	(void)arg;
	struct reader_snapshot snap = {0};
	const struct app *snap_app = NULL;
	pthread_mutex_lock(&readers_mu);
	for (;;) {
		if (!readers_head && snap.db) { /* idle: no snapshot held */
			pthread_mutex_unlock(&readers_mu);
			snapshot_end(snap_app, &snap);
			pthread_mutex_lock(&readers_mu);
			continue;
		}
		while (!readers_head && !readers_stopping)
			pthread_cond_wait(&readers_wake, &readers_mu);
		struct request *r = readers_head;
		if (!r)
			break; /* stopping, and nothing left */
		readers_head = r->next_queued;
		if (!readers_head)
			readers_tail = NULL;
		pthread_mutex_unlock(&readers_mu);
		snap_app = r->app;
		snapshot_for(r, &snap);
		handle(r);
		if (!r->response)
			reply_error(r, 500, "internal", "服务器内部错误", NULL);
		r->answered_by_worker = true;
		MHD_resume_connection(r->conn); /* its server thread calls on_request again */
		pthread_mutex_lock(&readers_mu);
	}
	pthread_mutex_unlock(&readers_mu);
	if (snap.db)
		snapshot_end(snap_app, &snap);
	return NULL;
}

/* Queues r for a reader; false when they are stopping (the caller answers it itself). */
static bool readers_enqueue(struct request *r)
{
	pthread_mutex_lock(&readers_mu);
	if (readers_stopping) {
		pthread_mutex_unlock(&readers_mu);
		return false;
	}
	MHD_suspend_connection(r->conn);
	r->next_queued = NULL;
	if (readers_tail)
		readers_tail->next_queued = r;
	else
		readers_head = r;
	readers_tail = r;
	pthread_cond_signal(&readers_wake);
	pthread_mutex_unlock(&readers_mu);
	return true;
}

/* Starts n readers (fewer when threads cannot be made; none: reads run on the server threads). */
static void readers_start(unsigned n)
{
	readers_stopping = false;
	readers = calloc(n, sizeof *readers);
	for (nreaders = 0; readers && nreaders < n; nreaders++)
		if (pthread_create(&readers[nreaders], NULL, reader_main, NULL) != 0)
			break;
	if (nreaders < n)
		log_warn("only %u of %u read workers started", nreaders, n);
}

/* Answers what is queued, then stops the readers: before MHD_stop_daemon, which wants no
 * connection left suspended. */
static void readers_stop(void)
{
	pthread_mutex_lock(&readers_mu);
	readers_stopping = true;
	pthread_cond_broadcast(&readers_wake);
	pthread_mutex_unlock(&readers_mu);
	for (unsigned i = 0; i < nreaders; i++)
		pthread_join(readers[i], NULL);
	free(readers);
	readers = NULL;
	nreaders = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct request *r = *con_cls;
	if (!r || !r->conn) {
		if (!r && !(r = intake_new())) /* intake_on_uri ran out of memory */
			return MHD_NO;
		*con_cls = r;
		begin_request(cls, r, conn, url, method);
		return intake_head(r, url, version) == 0 ? MHD_YES : queue_reply(r);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return intake_body(r, upload_data, n) == 0 ? MHD_YES : MHD_NO;
	}
	if (r->answered_by_worker)
		return queue_reply(r);
	if (r->response) /* already answered (early 413) */
		return MHD_YES;
	if (answered_by_reader(r) && readers_enqueue(r))
		return MHD_YES;
	handle(r);
	if (!r->response)
		reply_error(r, 500, "internal", "服务器内部错误", NULL);
	if (!r->response)
		return MHD_NO;
	return queue_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct app *app = cls;
	struct request *r = *con_cls;
	if (!r)
		return;
	if (!r->conn) {
		/* The head never completed (cut, timed out, refused by MHD): nothing to count. */
		arena_free(r->arena);
		free(r);
		*con_cls = NULL;
		return;
	}
	uint64_t dur = mono_ns() - r->started_ns;
	int status = r->status ? r->status : 499;
	metrics_record(r->route_index, status, dur, r->cpu_ns);
	if (app->cfg.log_requests)
		log_info("req=%s ip=%s user=%s %s %s %d %.2fms cpu=%.2fms%s", r->id, r->ip,
			 r->caller.username ? r->caller.username : "-", r->method, r->path, status, (double)dur / 1e6,
			 (double)r->cpu_ns / 1e6,
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	if (r->response)
		MHD_destroy_response(r->response);
	json_decref(r->json);
	free(r->body);
	arena_free(r->arena);
	free(r);
	*con_cls = NULL;
	connections_waiting(conn, true); /* keep-alive: the next head has the same deadline */
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
	if (!app->hooks || !app->hooks->authenticate || !app->hooks->db_conn) {
		log_error("server_start: no authentication or store hooks");
		return -1;
	}
	if (metrics_init(app->nroutes) != 0)
		return -1;
	const char *delay = getenv("FCMS_FAULT_HEALTHZ_DELAY_MS");
	if (delay) {
		healthz_delay_ms = strtol(delay, NULL, 10);
		log_warn("test hook: GET /healthz?slow=1 holds its thread %ld ms (FCMS_FAULT_HEALTHZ_DELAY_MS)", healthz_delay_ms);
	}
	/* Handlers block while the writer commits their transaction (an fsync), so the pool is
	 * sized for requests waiting, not for cores: with more of them waiting, each commit carries
	 * more transactions (bench/complaints.sh: 1,250 creations/s with 4 threads, 2,480 with 32,
	 * on two cores). */
	if (addrs_parse(app->cfg.trusted_proxies, &trusted_proxies) != 0) {
		log_error("trusted_proxies: want addresses like 127.0.0.1, 10.0.0.0/8 or ::1, got '%s'",
			  app->cfg.trusted_proxies);
		return -1;
	}
	if (addrs_parse(app->cfg.metrics_allow, &metrics_allow) != 0) {
		log_error("metrics_allow: want addresses like 127.0.0.1, 10.0.0.0/8 or ::1 (or none), got '%s'",
			  app->cfg.metrics_allow);
		return -1;
	}
	/* Every connection is a descriptor: let max_connections (plus files and the database) fit
	 * under the soft limit, which service managers often leave at 1024. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)app->cfg.max_connections + 256)
		log_warn("open files limit %lu is below max_connections + 256; raise LimitNOFILE",
			 (unsigned long)rl.rlim_cur);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = app->cfg.threads > 0 ? (unsigned)app->cfg.threads
						: (unsigned)(cores * 8 > 32 ? cores * 8 : 32);
	readers_start((unsigned)(cores > 0 ? cores : 1) * READERS_PER_CORE);
	app->daemon = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
		NULL, &on_request, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)app->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)app->cfg.per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)app->cfg.connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)16 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_NOTIFY_COMPLETED,
		&on_completed, app, MHD_OPTION_NOTIFY_CONNECTION, &connections_notify, app,
		MHD_OPTION_URI_LOG_CALLBACK, &intake_on_uri, app,
		MHD_OPTION_EXTERNAL_LOGGER, &mhd_log, app, MHD_OPTION_END);
	if (!app->daemon) {
		log_error("cannot listen on %s: %s", app->cfg.listen, strerror(errno));
		readers_stop();
		metrics_free();
		return -1;
	}
	if (connections_start(app->cfg.header_timeout_s, app->cfg.max_connections) != 0) {
		MHD_stop_daemon(app->daemon);
		app->daemon = NULL;
		readers_stop();
		metrics_free();
		return -1;
	}
	events_set_audience(app->hooks->events);
	if (events_start(app->cfg.event_check_s) != 0) {
		connections_stop();
		MHD_stop_daemon(app->daemon);
		app->daemon = NULL;
		readers_stop();
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
	connections_stop();
	readers_stop(); /* answers the queued reads: no connection may stay suspended */
	MHD_stop_daemon(app->daemon); /* waits for in-flight requests */
	app->daemon = NULL;
	metrics_free();
}
