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

/* A new record: a draft of the actor's institution with the settings' standard period. */
static json_t *new_record(const struct actor *a, json_t *org, const struct complaint_settings *cfg, int64_t now)
{
	json_t *rec = json_pack("{s:s, s:I, s:I, s:I, s:O, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
				"status", "draft", "version", (json_int_t)1, "registrar_id", (json_int_t)a->user->user_id,
				"registrar_org_id", (json_int_t)a->user->org_id, "org_path", json_object_get(org, "path"),
				"rights", "", "tags", "", "content", "", "demand", "", "day_type",
				cfg->working_days ? "working" : "calendar", "deadline_state", "on_time", "allowed_days",
				(json_int_t)cfg->standard_days, "extension_count", (json_int_t)0, "transfer_count",
				(json_int_t)0, "created_at", (json_int_t)now, "updated_at", (json_int_t)now,
				"handling_org_id", (json_int_t)a->user->org_id);
	if (!rec)
		return NULL;
	json_object_set_new(rec, "sync_status", json_string("unsent"));
	json_object_set_new(rec, "complainant_masked", json_string("{}"));
	json_object_set_new(rec, "clock_restarts", json_integer(0));
	return rec;
}

int complaint_create_prepare(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd,
			     const struct complaint_settings *cfg, json_t **out, char *prefix, size_t prefix_len,
			     struct refusal *e)
{
	*out = NULL;
	int64_t now = now_ms();
	json_t *org;
	int rc = store_org_get(d, a->user->org_id, &org);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	snprintf(prefix, prefix_len, "%s-%08d", json_string_value(json_object_get(org, "internal_code")),
		 (int)ymd_from_ms(now, CN_TZ_OFFSET_MIN));
	json_t *rec = new_record(a, org, cfg, now);
	json_decref(org);
	if (!rec)
		return DB_HARD;
	int64_t named = json_integer_value(json_object_get(cmd->input, "complained_org_id"));
	if ((rc = complaint_check_register_org(d, a, named, e)) != 0 ||
	    (rc = complaint_apply_input(d, cmd->input, rec, e)) != 0 ||
	    (!cmd->draft && (rc = complaint_register(d, a, rec, cfg, now, e)) != 0)) {
		json_decref(rec);
		return rc;
	}
	*out = rec;
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
static int after_insert(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd, json_t *rec,
			int64_t id)
{
	int64_t now = now_ms();
	int rc = complaint_audit(d, a, cmd->draft ? "complaint.draft" : "complaint.register", id, complaint_diff(NULL, rec));
	if (rc < 0)
		return rc;
	if (!cmd->draft && (rc = regulator_enqueue(d, rec, "registered", false, now)) < 0)
		return rc;
	if (!cmd->draft && (rc = webhook_enqueue(d, rec, "complaint.registered", NULL, now)) < 0)
		return rc;
	if (cmd->idem_key && ((rc = store_idem_purge(d, now - IDEM_KEEP_MS)) < 0 ||
			      (rc = store_idem_insert(d, a->user->user_id, cmd->idem_key, cmd->idem_sha, id, now)) < 0))
		return rc;
	return cmd->also ? cmd->also(d, cmd->also_arg, id) : 0;
}

int complaint_create(struct db *d, const struct actor *a, const struct complaint_create_cmd *cmd, json_t *rec,
		     const char *prefix, struct complaint_created *out, struct refusal *e)
{
	/* a retried transaction starts over: rec is input, only its number and id are ours */
	*out = (struct complaint_created){0};
	json_object_del(rec, "id");
	int rc = cmd->idem_key ? idem_check(d, a, cmd, out, e) : 0;
	if (rc != 0)
		return rc < 0 ? rc : out->replayed ? 0 : 1;
	char no[96];
	int64_t id;
	if ((rc = number(d, cmd, prefix, no, sizeof no)) < 0)
		return rc;
	json_object_set_new(rec, "complaint_no", json_string(no));
	json_object_set_new(rec, "sync_status", json_string(cmd->draft ? "unsent" : "pending"));
	if ((rc = store_complaint_insert(d, rec, &id)) < 0)
		return rc;
	json_object_set_new(rec, "id", json_integer(id));
	if ((rc = after_insert(d, a, cmd, rec, id)) != 0)
		return rc;
	out->id = id;
	return 0;
}
