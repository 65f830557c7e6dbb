/* Reading a request in (see server.c for the order of libmicrohttpd's calls): the raw target
 * before MHD decodes it, the checks of the request head that refuse smuggling and oversize heads,
 * and the body, appended chunk by chunk under the route's cap. */
#include "http/intake.h"
#include "util/arena.h"
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct request *intake_new(void)
{
	struct request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->arena = arena_new();
	if (!r->arena) {
		free(r);
		return NULL;
	}
	return r;
}

#define MAX_URL 8192
#define MAX_HEADERS 8192

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

struct framing {
	int content_length, transfer_encoding;
	bool bad_te, bad_cl;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->content_length++;
		if (!value || !*value || strspn(value, "0123456789") != strlen(value))
			f->bad_cl = true;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		if (!value || strcasecmp(value, "chunked") != 0)
			f->bad_te = true;
	}
	return MHD_YES;
}

/* The request's body framing is ambiguous (RFC 9112 §6.3): a proxy in front may frame it
 * otherwise than we do and pass the rest of the body on as a request of its own. */
static const char *bad_framing(struct MHD_Connection *conn)
{
	struct framing f = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
	if (f.content_length && f.transfer_encoding)
		return "请求同时带有Content-Length和Transfer-Encoding";
	if (f.content_length > 1)
		return "请求带有多个Content-Length";
	if (f.bad_cl)
		return "Content-Length不是数字";
	if (f.transfer_encoding > 1 || f.bad_te)
		return "只支持Transfer-Encoding: chunked";
	return NULL;
}

/* MHD calls this with the raw request target, before it decodes %XX or splits the query, and
 * passes the result to the access handler as *con_cls: the request starts here. The target
 * still points into the connection's read buffer, NUL-terminated at the space before the HTTP
 * version; a shorter strlen than that span means a NUL inside it, which MHD would cut the path
 * at (checked in the access handler, which gets the version's address). */
void *intake_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *r = intake_new();
	if (!r)
		return NULL;
	r->raw_target = uri;
	r->raw_target_len = strlen(uri);
	for (const char *p = uri; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    (p[0] == '%' && p[1] == '0' && p[2] == '0'))
			r->bad_target = true;
	return r;
}

static bool target_cut(const struct request *r, const char *version)
{
	/* Only when version lies just past the target in the same buffer (MHD 0.9.x); anything
	 * else means a libmicrohttpd that parses differently, which then refuses NULs itself. */
	if (!r->raw_target || !version || version <= r->raw_target ||
	    (size_t)(version - r->raw_target) > MAX_URL + 64)
		return false;
	return r->raw_target_len < (size_t)(version - 1 - r->raw_target);
}

/* 413 naming the limit (in KiB, or MiB for uploads) and giving it as "limit_bytes". */
void intake_reply_too_large(struct request *r)
{
	char msg[120];
	if (r->body_cap >= (1u << 20))
		snprintf(msg, sizeof msg, "请求体过大（上限 %zu MB）", r->body_cap >> 20);
	else
		snprintf(msg, sizeof msg, "请求体过大（上限 %zu KB）", r->body_cap >> 10);
	reply_error_at(r, 413, "body_too_large", msg, NULL, "limit_bytes", (long long)r->body_cap);
}

int intake_head(struct request *r, const char *url, const char *version)
{
	size_t header_bytes = 0, url_bytes = strlen(url);
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, sum_header, &header_bytes);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, sum_header, &url_bytes);
	const char *framing = bad_framing(r->conn);
	if (framing || r->bad_target || target_cut(r, version)) {
		/* Closing is the point: the bytes after this head must never run as a request. */
		reply_error(r, 400, framing ? "bad_framing" : "bad_request_target",
			    framing ? framing : "请求地址含有空字符或控制字符", NULL);
		reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
		r->too_big = true; /* discard any body */
		return -1;
	}
	if (url_bytes > MAX_URL || header_bytes > MAX_HEADERS) {
		bool long_url = url_bytes > MAX_URL;
		reply_error(r, long_url ? 414 : 431, long_url ? "uri_too_long" : "headers_too_large",
			    long_url ? "请求地址过长" : "请求头过大", NULL);
		return -1;
	}
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > r->body_cap) {
		/* Answer at once; MHD closes the connection instead of reading the body. */
		r->too_big = true;
		intake_reply_too_large(r);
		return -1;
	}
	return 0;
}

int intake_body(struct request *r, const char *data, size_t n)
{
	if (r->too_big)
		return 0;
	if (r->body_len + n > r->body_cap) {
		r->too_big = true;
		return 0;
	}
	if (r->body_len + n > r->body_alloc) {
		size_t want = r->body_alloc ? r->body_alloc * 2 : 4096;
		while (want < r->body_len + n)
			want *= 2;
		if (want > r->body_cap)
			want = r->body_cap;
		char *nb = realloc(r->body, want + 1);
		if (!nb)
			return -1;
		r->body = nb;
		r->body_alloc = want;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	return 0;
}
