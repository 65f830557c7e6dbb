/* The complaint use cases (domain model §3): register (create), edit, and the workflow actions
 * (act). Each owns the whole step inside the caller's write transaction: fetch within the actor's
 * scope + version check → workflow decision → apply the rule → deadline → save as the next
 * version → audit → outbox (regulator, webhooks, OA). The api layer parses the request into a
 * command, runs one of these as (or inside) a store_write body, and replies; no rule lives there.
 *
 * Every function here that takes a struct db * runs inside a transaction body and MAY RUN TWICE:
 * it resets its outputs at entry and keeps nothing across runs. Returns follow the store's
 * convention: 0 done, 1 refused (*e filled, the transaction is rolled back), negative db status. */
#ifndef FCMS_COMPLAINT_SERVICE_H
#define FCMS_COMPLAINT_SERVICE_H
#include "domain/actor.h"
#include "domain/refusal.h"
#include "domain/complaint.h"
#include "domain/workflow.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* ---- shared steps ---- */

/* complaint_record_visible: true when the actor may see the stored complaint c (registrar,
 * handler, or data scope). complaint_load: loads a complaint the actor may see: 1 with *c
 * (caller frees with complaint_record_free), 0 with a 404 refusal in *e, or negative.
 * complaint_load_for_change: 0 with *c when version is the stored one, 1 with *e (404, or 409
 * stale_version), or negative. complaint_save_next writes c back as version + 1 (c->version,
 * updated_at = now set here) if nobody wrote in between: 0, 1 with a 409 in *e, or negative. */
bool complaint_record_visible(const struct actor *a, const struct complaint *c);
int complaint_load(struct db *d, const struct actor *a, int64_t id, struct complaint *c, struct refusal *e);
int complaint_load_for_change(struct db *d, const struct actor *a, int64_t id, int64_t version, struct complaint *c,
			      struct refusal *e);
int complaint_save_next(struct db *d, struct complaint *c, int64_t version, int64_t now, struct refusal *e);
/* Appends the audit event of a complaint step by the actor; steals detail. 0 or negative. */
int complaint_audit(struct db *d, const struct actor *a, const char *action, int64_t id, json_t *detail);
/* The 被投诉机构 a registrar names must be one they may register against; 0 when org_id is 0 or
 * unknown (complaint_record_apply_input refuses an unknown one), 1 with a 403 in *e, or negative. */
int complaint_check_register_org(struct db *d, const struct actor *a, int64_t org_id, struct refusal *e);
/* Leaves the draft state: completeness, status registered, repeat detection (重复投诉),
 * deadline. 0, 1 with *e, or negative. */
int complaint_register(struct db *d, const struct actor *a, struct complaint *rec, const struct complaint_settings *cfg,
		       int64_t now, struct refusal *e);

/* 查看完整个人信息: the decrypted complainant identity for those with pii.unmask, or for the
 * registrar of their own draft; audited (complaint.unmask). 0 with *identity (caller decrefs; a
 * previous run's is released), 1 with *e (404, 403), or negative. */
int complaint_unmask(struct db *d, const struct actor *a, int64_t id, json_t **identity, struct refusal *e);

/* ---- create (POST /complaints, the confirmation of a 网上投诉) ---- */

struct complaint_create_cmd {
	struct complaint_input input; /* bound from the body (COMPLAINT_INPUT_FIELDS) */
	bool draft;           /* 暂存: stays a draft, nothing goes to the regulator */
	const char *fixed_no; /* a number reserved at receipt (网上投诉), or NULL for a new one */
	const char *idem_key; /* Idempotency-Key (call id), or NULL */
	char idem_sha[65];    /* hex SHA-256 of the canonical body, with idem_key */
	/* more writes in the same transaction (0, 1 refused, or negative), or NULL */
	int (*also)(struct db *d, void *arg, int64_t id);
	void *also_arg;
};

/* The record checked with plain reads, before the write transaction (the single writer is held
 * only for the writes): *rec (caller frees with complaint_record_free; overwritten here, so a
 * rerun's caller frees the previous one first) and the number prefix (at least 64 bytes).
 * A read transaction body: may run twice. 0, 1 with *e, or negative (*rec then empty). */
int complaint_create_prepare(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd,
			     const struct complaint_settings *cfg, struct complaint *rec, char *prefix, size_t prefix_len,
			     struct refusal *e);

struct complaint_created {
	int64_t id;    /* the new complaint's (or the earlier one's when replayed) */
	bool replayed; /* the Idempotency-Key was seen with the same body: nothing new was written */
};
/* Numbers, inserts, audits and queues the prepared record rec (its id, complaint_no and
 * sync_status are set here, reset on a rerun). A write transaction body. 0, 1 with *e, or
 * negative. */
int complaint_create(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd, struct complaint *rec,
		     const char *prefix, struct complaint_created *out, struct refusal *e);

/* ---- edit (PATCH /complaints/{id}: drafts; re-coding of open complaints) ---- */

struct complaint_edit_cmd {
	int64_t id, version;
	struct complaint_input input; /* bound from the body (COMPLAINT_INPUT_FIELDS) */
};
/* Edits and reads back the complaint: 0 with *result (caller decrefs; NULL at entry is not
 * required, a previous run's is released), 1 with *e, or negative. */
int complaint_edit(struct db *d, const struct actor *a, const struct complaint_edit_cmd *cmd,
		   const struct complaint_settings *cfg, json_t **result, struct refusal *e);

/* ---- workflow actions (POST /complaints/{id}/actions/{action}) ---- */

/* One action's parameters, typed. Which are set depends on the action (api's action spec). */
struct complaint_cmd {
	enum wf_action action;
	int64_t id, version;
	int64_t org_id;  /* assign (0: the handler's institution), transfer */
	int64_t user_id; /* assign */
	int64_t days;    /* extend */
	bool notified;   /* extend: the complainant was told (beyond the first extension) */
	int64_t into;    /* merge */
	int64_t compensation_fen; /* reply */
	const char *reason, *note, *result, *reply_content, *late_reason, *satisfaction; /* borrowed */
	json_t *params; /* borrowed: the parameters as sent, for the audit detail and the OA only */
	bool via_oa;    /* the OA's decision: in-app approval rules about OA do not apply */
};

struct complaint_act_out {
	struct complaint result; /* the complaint as saved, read back (owned) */
	json_t *warnings; /* array of strings for the user, e.g. the transfer warning line (owned) */
};
/* Runs one action: 0 with out filled (reset at entry: may run twice), 1 with *e, or negative. */
int complaint_act(struct db *d, const struct actor *a, const struct complaint_cmd *cmd,
		  const struct complaint_settings *cfg, struct complaint_act_out *out, struct refusal *e);
/* Releases what out holds (after the transaction, whatever it returned). */
void complaint_act_out_free(struct complaint_act_out *out);

#endif
