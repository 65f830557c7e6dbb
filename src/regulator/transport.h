/* Transports of the regulator gateway (private to src/regulator): HTTP(S) POST of a batch with
 * libcurl, and a file-exchange directory (atomic batch files out, receipt files in) that a
 * TongLINK/Q or other MQ file agent carries. Both move the same bytes: a batch is one compact
 * JSON record per line, with a manifest (count and SHA-256) — headers over HTTP, a manifest file
 * in the directory. */
#ifndef FCMS_REGULATOR_TRANSPORT_H
#define FCMS_REGULATOR_TRANSPORT_H
#include "regulator/gateway.h"
#include <stdbool.h>
#include <stddef.h>

/* One HTTP client per worker thread (keeps its connection alive between batches). */
struct reg_http;
struct reg_http *reg_http_new(const struct regulator_config *cfg);
void reg_http_free(struct reg_http *h);
/* POSTs the batch to the target. Returns 0 with the reply's receipts array in *receipts (caller
 * owns), or -1 with a reason in err (transport failure, HTTP error status, malformed reply). */
/* sig: the batch signature ({"signed_with": profile, "signature": base64}, borrowed) or NULL;
 * sent as X-Batch-Signed-With / X-Batch-Signature over HTTP, and as manifest fields in a directory. */
int reg_http_send(struct reg_http *h, const char *body, size_t len, int count, const char *sha256,
		  json_t *sig, json_t **receipts, char *err, size_t errlen);

/* The one HTTP POST of the delivery engine, shared by the regulator batches and the webhook
 * channel: body to url with the extra headers ("Name: value", NULL-terminated), the worker's
 * connection kept alive. With guard, a connection to a link-local / metadata / unspecified
 * address is refused after name resolution (a webhook host that resolves there). Returns 0 when
 * an HTTP reply came (*status set, *reply the body when reply is not NULL, caller frees), or -1
 * with a reason in err (connection, timeout, refused address). */
int reg_http_post(struct reg_http *h, const char *url, const char *const *headers, const char *body, size_t len,
		  long timeout_ms, bool guard, long *status, char **reply, char *err, size_t errlen);
/* True when a numeric address (IPv4 or IPv6 text) is link-local, unspecified or a cloud metadata
 * address: never a webhook target. */
bool reg_addr_forbidden(const char *ip);

/* Writes batch_id's batch file then its manifest into DIR/outbox, each through a temporary name,
 * fsync and rename, so a reader never sees half a file and never a manifest without its batch.
 * 0, or -1 with err. */
int reg_dir_write(const char *dir, const char *batch_id, const char *body, size_t len, int count,
		  const char *sha256, json_t *sig, char *err, size_t errlen);
/* Receipt files waiting in DIR/inbox (names, caller frees with json_decref). */
json_t *reg_dir_receipts(const char *dir);
/* Reads DIR/inbox/name as JSON (caller owns) or NULL. */
json_t *reg_dir_read_receipt(const char *dir, const char *name);
/* Moves a handled receipt to DIR/inbox/processed. */
void reg_dir_done(const char *dir, const char *name);
/* Creates DIR/outbox, DIR/inbox and DIR/inbox/processed. 0 or -1. */
int reg_dir_prepare(const char *dir);
/* Writes path atomically (temp file, fsync, rename). 0 or -1 (errno kept). */
int reg_write_atomic(const char *path, const char *data, size_t len);

#endif
