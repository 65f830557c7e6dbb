/* One HTTP request as the handlers see it, and the reply helpers. A request lives from the
 * first access-handler call to MHD's completion callback; everything in it (arena, body, parsed
 * JSON, reply) is released there. Handlers run on an MHD pool thread and use that thread's
 * database connection (r->db). */
#ifndef FCMS_REQUEST_H
#define FCMS_REQUEST_H
#include "util/json_spec.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;
struct arena;
struct db;
struct app;
struct route;
/* The signed-in user: opaque to http (defined in domain/permissions.h). The authentication hook
 * (struct app) sets r->user; api reads it; http only passes the pointer on. */
struct principal;

/* What http itself needs of the signed-in caller to guard a route and log the request, filled by
 * the authentication hook beside r->user. Strings are borrowed from r->user (request arena). */
struct req_caller {
	int64_t user_id;            /* 0: anonymous */
	uint32_t perms;             /* permission bits, matched against route->perm_any */
	bool via_token;             /* API token: no cookie, so no CSRF or cross-site check */
	bool must_change_password;
	const char *username;       /* for the request log */
	const char *csrf;           /* the session's CSRF token ("" for a token) */
	const char *session_hash;   /* SHA-256 (hex) of the session id ("" for a token) */
};

#define REQ_MAX_ARGS 4

struct request {
	struct MHD_Connection *conn;
	struct app *app;
	struct arena *arena;
	struct db *db;
	const struct route *route;
	int route_index;
	const char *method;
	const char *path;
	const char *args[REQ_MAX_ARGS]; /* path parameters, in the arena */
	int nargs;
	char id[17];                    /* request id for logs */
	char ip[64];
	const char *raw_target;         /* the target as sent (MHD's buffer; first call only) */
	size_t raw_target_len;
	bool bad_target;                /* a control byte or %00 in the target */
	uint64_t started_ns;
	uint64_t cpu_ns;                /* CPU time of the threads that answered it */
	/* body */
	char *body;
	size_t body_len, body_alloc, body_cap;
	bool too_big;
	json_t *json;                   /* parsed JSON body (owned) */
	/* who */
	struct principal *user;         /* NULL when anonymous; opaque to http */
	struct req_caller caller;       /* http's view of r->user (zero when anonymous) */
	bool secure;                    /* served over TLS or behind a TLS proxy */
	/* reply */
	int status;
	struct MHD_Response *response;
	bool done;
	/* server.c's read workers: queued while the connection is suspended, answered by them */
	struct request *next_queued;
	bool answered_by_worker;
};

/* Handlers return 0; they always leave a reply in r via the helpers below. */
typedef int (*handler_fn)(struct request *r);

/* Replies with JSON (steals body; NULL body means out of memory → 500). Returns 0. */
int reply_json(struct request *r, int status, json_t *body);
/* Replies {"error":{"code","message"[,"field"]}}. message is Chinese, shown to users. */
int reply_error(struct request *r, int status, const char *code, const char *message,
		const char *field);
/* Like reply_error, with an extra integer member in the error object (e.g. "position"). */
int reply_error_at(struct request *r, int status, const char *code, const char *message,
		   const char *field, const char *extra_key, long long extra_val);
/* Replies with a raw body; copies body. */
int reply_raw(struct request *r, int status, const char *content_type, const char *body, size_t len);
/* Replies with a response built by the caller (taken over; NULL → 500). Returns 0. */
struct MHD_Response;
int reply_response(struct request *r, int status, struct MHD_Response *resp);
/* Adds a header to the pending reply (call after a reply_* helper). */
void reply_header(struct request *r, const char *name, const char *value);

/* Query-string value (decoded) or NULL. Borrowed from MHD for the request's life. */
const char *req_query(struct request *r, const char *key);
/* Header value or NULL. */
const char *req_header(struct request *r, const char *name);
/* Cookie value or NULL. */
const char *req_cookie(struct request *r, const char *name);
/* Path parameter i as a positive id; 0 when absent or not a number. */
int64_t req_arg_id(struct request *r, int i);
/* Paging from ?page=&page_size= (defaults 1 and 20, page_size capped at 200).
 * Returns 0, or replies 400 and returns -1. */
int req_paging(struct request *r, int64_t *limit, int64_t *offset);

/* ---- JSON body validation (the spec tables: util/json_spec.h) ---- */
/* Checks r->json against spec (terminated by {NULL}): an object, no unknown fields, required
 * present, types right, string lengths in range, no control characters in strings. On failure
 * replies 400 and returns -1; 0 when valid. */
int req_validate(struct request *r, const struct field_spec *spec);
/* req_validate with a bound spec (terminated by FIELD_BIND_END), then the members bound into
 * out (json_spec_bind; out keeps pointers into r->json, which lives as long as the request).
 * 0, or replied 400 and -1 (out untouched). */
int req_bind(struct request *r, const struct field_bind *spec, void *out);
/* Accessors after validation: string or NULL when absent (or JSON null). */
const char *body_str(struct request *r, const char *name);
bool body_has(struct request *r, const char *name);
int64_t body_int(struct request *r, const char *name, int64_t dflt);
bool body_bool(struct request *r, const char *name, bool dflt);

#endif
