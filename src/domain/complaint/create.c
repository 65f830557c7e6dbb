/* Registering a complaint (登记) or keeping a draft (暂存): the record is built and checked with
 * plain reads first (complaint_create_prepare), then numbered, inserted, audited and queued for
 * the regulator and webhooks in one write transaction (complaint_create). A repeated
 * Idempotency-Key with the same body answers with the earlier complaint. */
#include "domain/complaint/service.h"
#include "regulator/gateway.h"
#include "regulator/webhooks.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

/* Idempotency keys are kept at least this long (docs/integration/callcenter.md). */
#define IDEM_KEEP_MS (48LL * 3600 * 1000)

/* A new record: a draft of the actor's institution (org_path its path) with the settings'
 * standard period. c is overwritten; c->oom when a text could not be copied. */
static void new_record(struct complaint *c, const struct actor *a, const char *org_path,
		       const struct complaint_settings *cfg, int64_t now)
{
	*c = (struct complaint){.version = 1, .registrar_id = a->user->user_id, .registrar_org_id = a->user->org_id,
				.handling_org_id = OPT_SOME(a->user->org_id), .allowed_days = cfg->standard_days,
				.created_at = now, .updated_at = now};
	CREC_SET_TEXT(c, status, "draft");
	CREC_SET_TEXT(c, org_path, org_path);
	CREC_SET_TEXT(c, rights, "");
	CREC_SET_TEXT(c, content, "");
	CREC_SET_TEXT(c, demand, "");
	CREC_SET_TEXT(c, tags, "");
	CREC_SET_TEXT(c, complainant_masked, "{}");
	CREC_SET_TEXT(c, day_type, cfg->working_days ? "working" : "calendar");
	CREC_SET_TEXT(c, deadline_state, "on_time");
	CREC_SET_TEXT(c, sync_status, "unsent");
}

int complaint_create_prepare(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd,
			     const struct complaint_settings *cfg, struct complaint *rec, char *prefix, size_t prefix_len,
			     struct refusal *e)
{
	*rec = (struct complaint){0};
	int64_t now = now_ms();
	json_t *org;
	int rc = store_org_get(d, a->user->org_id, &org);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	snprintf(prefix, prefix_len, "%s-%08d", json_string_value(json_object_get(org, "internal_code")),
		 (int)ymd_from_ms(now, CN_TZ_OFFSET_MIN));
	new_record(rec, a, json_string_value(json_object_get(org, "path")), cfg, now);
	json_decref(org);
	if ((rc = rec->oom ? DB_HARD : 0) != 0 ||
	    (rc = complaint_check_register_org(d, a, cmd->input.complained_org_id, e)) != 0 ||
	    (rc = complaint_record_apply_input(d, &cmd->input, rec, e)) != 0 ||
	    (!cmd->draft && (rc = complaint_register(d, a, rec, cfg, now, e)) != 0)) {
		complaint_record_free(rec);
		return rc;
	}
	return 0;
}

/* The key seen before: the same body answers with the earlier complaint (1 with out->id and
 * replayed), another body is refused (1 with *e), 0 when the key is new. */
static int idem_check(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd,
		      struct complaint_created *out, struct refusal *e)
{
	json_t *k;
	int rc = store_idem_get(d, a->user->user_id, cmd->idem_key, &k);
	if (rc <= 0)
		return rc;
	bool same = strcmp(json_string_value(json_object_get(k, "request_sha256")), cmd->idem_sha) == 0;
	int64_t id = json_integer_value(json_object_get(k, "complaint_id"));
	json_decref(k);
	if (!same)
		return refuse(e, 422, "idempotency_key_reused",
			      "该幂等键（Idempotency-Key）已用于内容不同的投诉登记请求，请使用新的来电编号", "Idempotency-Key");
	out->id = id;
	out->replayed = true;
	return 1;
}

/* The number: the reserved one, or the next in the institution's day sequence. */
static int number(struct db *d, const struct complaint_create_cmd *cmd, const char *prefix, char *no, size_t len)
{
	int64_t seq;
	if (cmd->fixed_no)
		return snprintf(no, len, "%s", cmd->fixed_no), 0;
	int rc = store_complaint_next_no(d, prefix, &seq);
	if (rc < 0)
		return rc;
	snprintf(no, len, "%s-%05lld", prefix, (long long)seq);
	return 0;
}

/* Audit, the transactional outbox (a registration is news for the regulator and the webhooks),
 * and the Idempotency-Key, all with the insert. */
static int after_insert(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd,
			const struct complaint *rec)
{
	int64_t now = now_ms();
	json_t *row = complaint_record_json(rec);
	if (!row)
		return DB_HARD;
	int rc = complaint_audit(d, a, cmd->draft ? "complaint.draft" : "complaint.register", rec->id,
				 complaint_diff(NULL, row));
	if (rc >= 0 && !cmd->draft)
		rc = regulator_enqueue(d, row, "registered", false, now);
	if (rc >= 0 && !cmd->draft)
		rc = webhook_enqueue(d, row, "complaint.registered", NULL, now);
	json_decref(row);
	if (rc < 0)
		return rc;
	if (cmd->idem_key && ((rc = store_idem_purge(d, now - IDEM_KEEP_MS)) < 0 ||
			      (rc = store_idem_insert(d, a->user->user_id, cmd->idem_key, cmd->idem_sha, rec->id, now)) < 0))
		return rc;
	return cmd->also ? cmd->also(d, cmd->also_arg, rec->id) : 0;
}

int complaint_create(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd, struct complaint *rec,
		     const char *prefix, struct complaint_created *out, struct refusal *e)
{
	/* a retried transaction starts over: rec is input, only its id, number and sync state are ours */
	*out = (struct complaint_created){0};
	rec->id = 0;
	int rc = cmd->idem_key ? idem_check(d, a, cmd, out, e) : 0;
	if (rc != 0)
		return rc < 0 ? rc : out->replayed ? 0 : 1;
	char no[96];
	int64_t id;
	if ((rc = number(d, cmd, prefix, no, sizeof no)) < 0)
		return rc;
	CREC_SET_TEXT(rec, complaint_no, no);
	CREC_SET_TEXT(rec, sync_status, cmd->draft ? "unsent" : "pending");
	if ((rc = store_complaint_insert_record(d, rec, &id)) < 0)
		return rc;
	rec->id = id;
	if ((rc = after_insert(d, a, cmd, rec)) != 0)
		return rc;
	out->id = id;
	return 0;
}
