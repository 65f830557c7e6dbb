/* Route matching by segments. Tables are small (tens of routes), so a linear scan wins over
 * anything cleverer. */
#include "http/router.h"
#include <string.h>

/* Compares one pattern against the path; fills args on a match. */
static bool match_one(const char *pattern, const char *path, const char **args, int *nargs,
		      char *argbuf, size_t argbuf_len)
{
	const char *p = pattern, *s = path;
	size_t used = 0;
	int n = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || n >= REQ_MAX_ARGS || used + slen + 1 > argbuf_len)
				return false;
			memcpy(argbuf + used, s, slen);
			argbuf[used + slen] = '\0';
			args[n++] = argbuf + used;
			used += slen + 1;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p += plen;
		s += slen;
	}
	if (*p || *s)
		return false;
	*nargs = n;
	return true;
}

enum router_result router_match(const struct route *routes, size_t n, const char *method,
				const char *path, int *index, const char **args, int *nargs,
				char *argbuf, size_t argbuf_len)
{
	bool path_seen = false;
	for (size_t i = 0; i < n; i++) {
		if (!match_one(routes[i].pattern, path, args, nargs, argbuf, argbuf_len))
			continue;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
			*index = (int)i;
			return ROUTER_FOUND;
		}
		path_seen = true;
	}
	return path_seen ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}
