/* Where the call centre may have fcms fetch a call recording from (issue 15 item 3): an
 * allow-list of URL prefixes (integration setting recording_fetch_prefixes). A prefix is
 * https://host[:port]/path — or http:// only to 127.0.0.1, localhost or [::1] (a recorder on the
 * same machine, and the tests) — with no user info, query or fragment. A URL is allowed when its
 * scheme, host (case-insensitive) and port (80/443 when absent) equal a prefix's and its path
 * starts with the prefix's path at a segment boundary ("/calls" admits "/calls/1.wav", not
 * "/calls-x/1.wav"); a URL with user info, a backslash, a ".." segment or an encoded dot, slash or
 * backslash is never allowed, so it cannot climb out of the prefix. Pure functions; no I/O. */
#ifndef FCMS_RECORDING_SOURCE_H
#define FCMS_RECORDING_SOURCE_H
#include <stdbool.h>

/* A space- or comma-separated list of prefixes ("" allowed: fetching is then off). 0, or -1
 * with a Chinese message naming the rule broken. */
int recording_prefixes_check(const char *list, const char **msg);
/* True when url is under one of the prefixes of list (see above). */
bool recording_url_allowed(const char *url, const char *list);

#endif
