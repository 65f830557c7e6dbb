/* Reading a request in: the raw target, the checks of the request head, the capped body. */
#ifndef FCMS_INTAKE_H
#define FCMS_INTAKE_H
#include "http/request.h"
#include <stddef.h>

struct MHD_Connection;

/* A zeroed request with its arena; NULL when out of memory. Freed by server.c's completion
 * callback. */
struct request *intake_new(void);
/* MHD's URI log callback: starts the request (intake_new) with the raw target, before MHD
 * decodes %XX or splits the query, and notes a NUL or control byte in it. NULL when out of
 * memory (the access handler then allocates). */
void *intake_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
/* Checks the head of r (r->conn, r->body_cap set): ambiguous framing (Content-Length with
 * Transfer-Encoding, two Content-Lengths, another coding) or a bad target → 400 and the
 * connection closed; a target or headers over 8 KiB → 414/431; a Content-Length over the cap →
 * 413. 0 when the head is fine, else -1 with the reply in r (not yet queued). */
int intake_head(struct request *r, const char *url, const char *version);
/* Appends one body chunk under r->body_cap (beyond it the body is dropped and r->too_big set,
 * answered 413 later). 0, or -1 when out of memory (drop the connection). */
int intake_body(struct request *r, const char *data, size_t n);
/* 413 naming the limit (in KiB, or MiB for uploads) and giving it as "limit_bytes". */
void intake_reply_too_large(struct request *r);

#endif
