/* The route table and path matching. A pattern is a path with {name} segments standing for one
 * path segment each, e.g. "/api/v1/users/{id}/roles". Pure functions; unit tested. */
#ifndef FCMS_ROUTER_H
#define FCMS_ROUTER_H
#include "http/request.h"
#include <stddef.h>
#include <stdint.h>

enum route_flags {
	ROUTE_PUBLIC = 1u << 0,       /* no sign-in needed */
	ROUTE_PW_CHANGE_OK = 1u << 1, /* allowed while a password change is pending */
	ROUTE_NO_CSRF = 1u << 2,      /* non-GET that needs no CSRF token (login) */
	ROUTE_RAW_BODY = 1u << 3,     /* the handler reads r->body itself (not JSON) */
	ROUTE_UPLOAD = 1u << 4,       /* file upload: the body cap is the configured attachment limit */
	ROUTE_CONSUMER = 1u << 5,     /* the public consumer API (/api/public/): no staff sign-in is
				       * ever read; writes must come from our own origin */
};

struct route {
	const char *method;
	const char *pattern;
	handler_fn handler;
	uint32_t perm_any;  /* caller needs one of these permission bits; 0 = any signed-in user */
	unsigned flags;
	size_t body_cap;    /* 0 = the default JSON cap (64 KiB) */
	const char *summary;
};

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/* Matches method + path (no query string) against n routes. On ROUTER_FOUND, *index is the
 * route's index and args[0..*nargs) point into argbuf (size argbuf_len) holding the path
 * parameter values. */
enum router_result router_match(const struct route *routes, size_t n, const char *method,
				const char *path, int *index, const char **args, int *nargs,
				char *argbuf, size_t argbuf_len);

#endif
