/* Reply helpers and request accessors (see request.h). */
#include "http/request.h"
#include "util/arena.h"
#include "util/log.h"
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

int reply_response(struct request *r, int status, struct MHD_Response *resp)
{
	if (r->response)
		MHD_destroy_response(r->response);
	r->response = resp;
	r->status = resp ? status : 500;
	r->done = true;
	return 0;
}

int reply_raw(struct request *r, int status, const char *content_type, const char *body, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp && content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	return reply_response(r, status, resp);
}

int reply_json(struct request *r, int status, json_t *body)
{
	/* Reals (report ratios, rounded to 4 decimals where made) with 10 significant digits:
	 * jansson's default 17 prints 0.9726 as 0.97260000000000002. */
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(body);
	if (!text) {
		static const char oom[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"服务器内部错误\"}}";
		return reply_raw(r, 500, "application/json; charset=utf-8", oom, sizeof oom - 1);
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return reply_response(r, 500, NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	return reply_response(r, status, resp);
}

int reply_error_at(struct request *r, int status, const char *code, const char *message,
		   const char *field, const char *extra_key, long long extra_val)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (err && field)
		json_object_set_new(err, "field", json_string(field));
	if (err && extra_key)
		json_object_set_new(err, extra_key, json_integer(extra_val));
	return reply_json(r, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

int reply_error(struct request *r, int status, const char *code, const char *message,
		const char *field)
{
	return reply_error_at(r, status, code, message, field, NULL, 0);
}

void reply_header(struct request *r, const char *name, const char *value)
{
	if (r->response)
		MHD_add_response_header(r->response, name, value);
}

const char *req_query(struct request *r, const char *key)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
	return v && *v ? v : NULL;
}

const char *req_header(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static int64_t parse_id(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return 0;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int64_t req_arg_id(struct request *r, int i)
{
	return i < r->nargs ? parse_id(r->args[i]) : 0;
}

int req_paging(struct request *r, int64_t *limit, int64_t *offset)
{
	const char *p = req_query(r, "page"), *ps = req_query(r, "page_size");
	int64_t page = p ? parse_id(p) : 1, size = ps ? parse_id(ps) : 20;
	if (page < 1 || page > 1000000) {
		reply_error(r, 400, "invalid_field", "页码必须是正整数", "page");
		return -1;
	}
	if (size < 1 || size > 200) {
		reply_error(r, 400, "invalid_field", "每页条数必须在1到200之间", "page_size");
		return -1;
	}
	*limit = size;
	*offset = (page - 1) * size;
	return 0;
}
