/* The transactional outbox, the gateway's settings and shared state, and sync alerts. Everything
 * here runs inside a caller's write transaction: a complaint change and its submission, an alert
 * and its audit event and notifications, commit together or not at all. */
#include "domain/audit.h"
#include "regulator/gateway.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int regulator_settings_get(struct db *d, struct regulator_settings *s)
{
	regulator_settings_defaults(s);
	char text[2048];
	int rc = store_setting_get(d, "regulator_settings", text, sizeof text);
	if (rc <= 0)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	const char *msg, *field;
	/* Checked when saved; a newer version's extra keys fall back to the defaults. */
	if (o && regulator_settings_apply(s, o, &msg, &field) != 0)
		regulator_settings_defaults(s);
	json_decref(o);
	return 0;
}

/* Stores a JSON object under a settings key. */
static int save_json(struct db *d, const char *key, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!text)
		return DB_HARD;
	int rc = store_setting_set(d, key, text);
	free(text);
	return rc < 0 ? rc : 0;
}

int regulator_settings_save(struct db *d, const struct regulator_settings *s)
{
	return save_json(d, "regulator_settings", regulator_settings_json(s));
}

int regulator_state_get(struct db *d, struct regulator_state *st)
{
	memset(st, 0, sizeof *st);
	char text[1024];
	int rc = store_setting_get(d, "regulator_state", text, sizeof text);
	if (rc <= 0)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	st->consecutive_failures = json_integer_value(json_object_get(o, "consecutive_failures"));
	st->last_success_at = json_integer_value(json_object_get(o, "last_success_at"));
	st->last_attempt_at = json_integer_value(json_object_get(o, "last_attempt_at"));
	st->last_run_at = json_integer_value(json_object_get(o, "last_run_at"));
	st->last_scheduled_run = json_integer_value(json_object_get(o, "last_scheduled_run"));
	snprintf(st->last_error, sizeof st->last_error, "%s", json_string_value(json_object_get(o, "last_error")) ?: "");
	json_decref(o);
	return 0;
}

int regulator_state_save(struct db *d, const struct regulator_state *st)
{
	return save_json(d, "regulator_state",
			 json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "consecutive_failures",
				   (json_int_t)st->consecutive_failures, "last_success_at", (json_int_t)st->last_success_at,
				   "last_attempt_at", (json_int_t)st->last_attempt_at, "last_run_at",
				   (json_int_t)st->last_run_at, "last_scheduled_run", (json_int_t)st->last_scheduled_run,
				   "last_error", st->last_error));
}

int regulator_enqueue(struct db *d, json_t *rec, const char *event, bool now_run, int64_t now)
{
	int64_t cid = json_integer_value(json_object_get(rec, "id")), seq, id;
	const char *no = json_string_value(json_object_get(rec, "complaint_no"));
	struct regulator_settings s;
	int rc = regulator_settings_get(d, &s);
	if (rc < 0 || (rc = store_reg_next_seq(d, cid, &seq)) < 0)
		return rc;
	/* The institution's 14-character code: the complained institution's financial code. */
	json_t *org = NULL;
	int64_t org_id = json_integer_value(json_object_get(rec, "complained_org_id"));
	if (org_id && (rc = store_org_get(d, org_id, &org)) < 0)
		return rc;
	json_t *r = regulator_record(rec, json_string_value(json_object_get(org, "fin_code")), event, seq, now);
	json_decref(org);
	char *payload = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (!payload)
		return DB_HARD;
	char key[128];
	regulator_idem_key(no, seq, key, sizeof key);
	rc = store_reg_insert(d, cid, no, seq, key, event, payload, now_run || !strcmp(s.schedule, "realtime"), now, &id);
	free(payload);
	return rc;
}

/* ---- alerts ---- */

static int alert_audit(struct db *d, const char *action, int64_t id, const char *kind, const char *scope_key,
		       const char *message, int64_t now)
{
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)id);
	json_t *detail = json_pack("{s:s, s:s, s:s}", "kind", kind, "scope", scope_key, "message", message);
	struct audit_event ev = {.at = now, .actor = "system", .action = action, .target_type = "regulator_alert",
				 .target_id = tid, .result = "ok", .detail = detail};
	int rc = audit_append(d, &ev);
	json_decref(detail);
	return rc;
}

int regulator_alert_raise(struct db *d, const struct regulator_settings *s, const char *kind, const char *scope_key,
			  const char *message, int64_t now)
{
	int64_t id;
	int rc = store_reg_alert_raise(d, kind, scope_key, message, now, &id);
	if (rc <= 0)
		return rc;
	if ((rc = alert_audit(d, "regulator.alert.raise", id, kind, scope_key, message, now)) < 0)
		return rc;
	char roles[sizeof s->notify_roles], *save = NULL, msg[400];
	snprintf(roles, sizeof roles, "%s", s->notify_roles);
	snprintf(msg, sizeof msg, "数据同步异常：%s", message);
	for (char *role = strtok_r(roles, " ,", &save); role; role = strtok_r(NULL, " ,", &save)) {
		json_t *users;
		if ((rc = store_users_with_role(d, role, &users)) < 0)
			return rc;
		size_t i;
		json_t *u;
		json_array_foreach(users, i, u)
		{
			int64_t uid = json_integer_value(json_object_get(u, "id"));
			char dedup[96];
			snprintf(dedup, sizeof dedup, "regalert:%lld:%lld", (long long)id, (long long)uid);
			if ((rc = store_notification_insert(d, uid, 0, "regulator_alert", msg, dedup, now)) < 0)
				break;
		}
		json_decref(users);
		if (rc < 0)
			return rc;
	}
	return 1;
}

int regulator_alert_clear(struct db *d, const char *kind, const char *scope_key, int64_t now)
{
	int64_t id;
	int rc = store_reg_alert_clear(d, kind, scope_key, now, &id);
	if (rc <= 0)
		return rc;
	rc = alert_audit(d, "regulator.alert.clear", id, kind, scope_key, "已恢复", now);
	return rc < 0 ? rc : 1;
}
