/* Webhooks to the bank's service bus and the OA (issue 15 items 2 and 4): the second channel of
 * the regulator's delivery engine. Complaint events are queued in the transaction of the change
 * (webhook_enqueue, called by regulator_enqueue's callers through the same outbox step), one row
 * per matching subscription; the worker thread of worker.c claims them with the same leases,
 * backoff and attempt log as submissions to the regulator, and POSTs each event signed with
 * HMAC-SHA256 over "t.body" (header X-Fcms-Signature: t=<unix s>,v1=<hex>). Order per complaint
 * holds per subscription: only the oldest undelivered event of a complaint is ever due.
 * PII: the stored event carries the complainant masked and no free text; a subscription with
 * carries_pii gets the identity and texts added at send time from the complaint itself, so the
 * outbox never holds PII in clear. docs/integration/webhooks.md is the specification. */
#ifndef FCMS_WEBHOOKS_H
#define FCMS_WEBHOOKS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct reg_http;

/* 集成设置 (stored under "integration_settings"). */
struct integration_settings {
	int max_attempts;                  /* then the delivery is failed (replay sends it again) */
	int backoff_base_ms, backoff_max_ms;
	int timeout_ms;                    /* per HTTP request */
	int replay_window_s;               /* signature timestamps older/newer than this are refused */
	bool oa_extension, oa_delete;      /* route these approvals to the OA */
	int oa_timeout_s;                  /* then in-app approval takes over */
	int recording_max_mb;              /* call recordings (resumable upload and fetch) */
	int recording_fetch_timeout_s;     /* a fetch from a recording server, whole transfer */
	char recording_fetch_prefixes[1024]; /* recording servers allowed (domain/recording_source.h) */
	char allow_hosts[512];             /* webhook hosts allowed, space-separated; "" = any */
};
void integration_settings_defaults(struct integration_settings *s);
/* The settings in force. 0 or a negative db status. */
int integration_settings_get(struct db *d, struct integration_settings *s);
/* Applies the members of json over *s. 0, or -1 with a Chinese message and the field. */
int integration_settings_apply(struct integration_settings *s, json_t *json, const char **msg, const char **field);
json_t *integration_settings_json(const struct integration_settings *s);
int integration_settings_save(struct db *d, const struct integration_settings *s);

/* A subscription URL: http(s) only, no user info, never a link-local/metadata address, and
 * when allow_hosts is not empty its host must be listed. 0, or -1 with a Chinese message. */
int webhook_url_check(const char *url, const char *allow_hosts, const char **msg);

/* Known event types ("complaint.registered", "complaint.updated", "complaint.<action>",
 * "approval.requested", "approval.expired"): true when type is one. */
bool webhook_event_known(const char *type);

/* Queues event type for complaint rec (a saved store row) to every enabled subscription whose
 * scope holds the complaint and whose event types match; extra (borrowed, may be NULL) joins the
 * event's top level. Runs inside the caller's write transaction (may run twice). DB_OK or a
 * negative db status. */
int webhook_enqueue(struct db *d, json_t *rec, const char *type, json_t *extra, int64_t now);
/* The same to one subscription only (the OA), whatever its event types. */
int webhook_enqueue_to(struct db *d, int64_t sub_id, json_t *rec, const char *type, json_t *extra, int64_t now);

/* The secret sealed for storage with the PII key ("<key id>:<sealed>") and opened again.
 * Caller frees; NULL on failure. */
char *webhook_secret_seal(const char *plain);
char *webhook_secret_open(const char *sealed);

/* Signature header value "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>." body)>" into out. */
void webhook_sign(const char *secret, int64_t t, const char *body, size_t len, char *out, size_t n);
/* Verifies a signature header against body at now_s within window_s. 0 valid (v1 copied into
 * v1_out[65] for replay bookkeeping), -1 malformed, -2 outside the window, -3 mismatch. */
int webhook_verify(const char *secret, const char *header, const char *body, size_t len, int64_t now_s,
		   int window_s, char v1_out[65]);

/* One round of the webhook channel (worker thread): claims due deliveries for owner, POSTs each
 * with http, records every outcome. Returns the deliveries claimed (0 = nothing due) or -1. */
int webhook_deliver_round(struct reg_http *http, const char *owner, int lease_s);
/* Expires OA approvals past their timeout (in-app approval takes over). Worker thread. */
void webhook_oa_expire(void);

/* ---- OA approvals (item 4) ---- */
/* After an extension request or a deletion request (kind "extension" / "delete") was applied to
 * rec by requester: when the settings route that kind to the OA and an OA subscription is
 * enabled, records the approval and queues "approval.requested" to the OA (params, borrowed: the
 * request's days and reason). Inside the change's transaction. 1 routed, 0 not, negative. */
int oa_route_request(struct db *d, json_t *rec, const char *kind, int64_t requester, json_t *params, int64_t now);
/* True (1) when complaint_id has an approval waiting in the OA and not yet timed out: in-app
 * approval is closed until then. 0, or a negative db status. */
int oa_pending(struct db *d, int64_t complaint_id, int64_t now);
/* The request was withdrawn in fcms: the open approval is closed and the OA told. */
int oa_withdrawn(struct db *d, json_t *rec, int64_t now);

#endif
