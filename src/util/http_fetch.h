/* One HTTP(S) GET streamed into a file descriptor, with the limits a fetch from another system
 * needs: http and https only, never a redirect followed (a 3xx comes back as its status), a
 * ceiling on the body (the declared Content-Length and the bytes actually received are both
 * checked, so a chunked reply cannot run past it) and a deadline for the whole transfer. Used by
 * the call centre's recording fetch (api/attachments.c); knows nothing of fcms. */
#ifndef FCMS_HTTP_FETCH_H
#define FCMS_HTTP_FETCH_H
#include <stddef.h>
#include <stdint.h>

enum {
	HTTP_FETCH_OK = 0,
	HTTP_FETCH_TOO_LARGE = -1, /* the body passes max_bytes */
	HTTP_FETCH_TIMEOUT = -2,   /* not done within timeout_ms */
	HTTP_FETCH_FAILED = -3,    /* connection, TLS, protocol: reason in err */
	HTTP_FETCH_WRITE = -4,     /* the descriptor refused the bytes (errno kept) */
};

/* GETs url and writes the body of a 2xx reply to fd (other replies' bodies are dropped).
 * HTTP_FETCH_OK with *status the reply's status and *bytes what was written; otherwise a
 * negative HTTP_FETCH_* with a reason (Chinese, then libcurl's words) in err. Blocks the calling
 * thread for at most timeout_ms. Thread-safe (one easy handle per call). */
int http_fetch_to_fd(const char *url, int fd, int64_t max_bytes, long timeout_ms, long *status, int64_t *bytes,
		     char *err, size_t errlen);

#endif
