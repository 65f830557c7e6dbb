/* 监管报送 API (docs/api-regulator.md): the gateway's status with CFPB-style freshness flags,
 * manual sync (everything due, a date range, the failed set), the submissions with their payload
 * and attempts, retry, the gateway and alert settings (数据同步异常提醒设置), and the alerts.
 * Every state-changing call is audited in its own transaction. */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/complaint.h"
#include "http/request.h"
#include "regulator/gateway.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Epoch-ms members of o named in keys become ISO 8601 (bank time), 0/null stays null. */
static void iso_members(json_t *o, const char *const *keys)
{
	for (int i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		if (!json_is_integer(v) || json_integer_value(v) == 0) {
			if (v)
				json_object_set_new(o, keys[i], json_null());
			continue;
		}
		char iso[40];
		iso8601_format(json_integer_value(v), CN_TZ_OFFSET_MIN, iso, sizeof iso);
		json_object_set_new(o, keys[i], json_string(iso));
	}
}

static const char *const SUBMISSION_TIMES[] = {"created_at", "updated_at", "sent_at", "next_attempt_at",
					       "lease_until", NULL};

int api_regulator_status(struct request *r)
{
	json_t *st;
	struct regulator_settings s;
	struct regulator_state state;
	int rc = store_reg_status(r->db, &st);
	if (rc == 0)
		rc = regulator_settings_get(r->db, &s);
	if (rc == 0)
		rc = regulator_state_get(r->db, &state);
	json_t *alerts = NULL;
	if (rc == 0)
		rc = store_reg_alert_list(r->db, true, 100, &alerts);
	if (rc < 0) {
		json_decref(st);
		return reply_db_error(r, rc);
	}
	int64_t now = now_ms(), oldest = json_integer_value(json_object_get(st, "oldest_pending_at"));
	json_object_set_new(st, "oldest_pending_age_s", oldest ? json_integer((now - oldest) / 1000) : json_null());
	json_object_set_new(st, "last_attempt_at", json_integer(state.last_attempt_at));
	json_object_set_new(st, "last_run_at", json_integer(state.last_run_at));
	json_object_set_new(st, "consecutive_failures", json_integer(state.consecutive_failures));
	json_object_set_new(st, "last_error", state.last_error[0] ? json_string(state.last_error) : json_null());
	const char *target = regulator_worker_target();
	enum regulator_transport_kind k = regulator_transport_kind(target);
	json_object_set_new(st, "transport", json_string(k == REG_HTTP ? "http" : k == REG_DIR ? "dir" : "none"));
	json_object_set_new(st, "target", json_string(target ? target : ""));
	json_object_set_new(st, "schedule", json_string(s.schedule));
	json_object_set_new(st, "daily_at", json_string(s.daily_at));
	json_object_set_new(st, "alerts_open", json_integer((json_int_t)json_array_size(alerts)));
	/* Freshness in the manner of the CFPB complaint API's _meta flags. */
	bool stale = oldest && s.alert_pending_hours > 0 && now - oldest > (int64_t)s.alert_pending_hours * 3600000;
	json_t *meta = json_pack("{s:O, s:O, s:b, s:b, s:s}", "total_record_count", json_object_get(st, "total"),
				 "last_updated", json_object_get(st, "last_success_at"), "has_data_issue",
				 json_array_size(alerts) > 0, "is_data_stale", stale, "transport",
				 k == REG_NONE ? "none" : "configured");
	iso_members(meta, (const char *const[]){"last_updated", NULL});
	json_object_set_new(st, "_meta", meta);
	iso_members(st, (const char *const[]){"oldest_pending_at", "last_success_at", "last_attempt_at", "last_run_at", NULL});
	json_decref(alerts);
	return reply_json(r, 200, st);
}

/* ---- manual sync ---- */

/* A YYYY-MM-DD date (v may be NULL: *ms = 0) as the start (end = false) or the end (exclusive)
 * of that bank day. 0, or replies 400 naming field and returns -1. */
static int day_ms(struct request *r, const char *v, const char *field, bool end, int64_t *ms)
{
	*ms = 0;
	if (!v)
		return 0;
	int y, m, dd;
	char tail;
	if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || !ymd_valid(y * 10000 + m * 100 + dd))
		return reply_error(r, 400, "invalid_field", "日期格式应为 YYYY-MM-DD", field), -1;
	int32_t ymd = y * 10000 + m * 100 + dd;
	*ms = ymd_end_ms(end ? ymd : ymd_add_days(ymd, -1), CN_TZ_OFFSET_MIN) + 1;
	return 0;
}

#define SYNC_RANGE_MAX 10000

struct sync_ctx {
	struct request *r;
	int64_t from, to;
	bool failed;
	int64_t released, queued;
	struct refusal err;
};

static int sync_tx(struct db *d, void *arg)
{
	struct sync_ctx *c = arg;
	int64_t now = now_ms();
	c->released = c->queued = 0;
	int rc;
	if (c->from || c->to) {
		/* A date range: every complaint received in it is sent again as it now stands. */
		json_t *ids;
		if ((rc = store_reg_complaints_in_range(d, c->from, c->to ? c->to : now + 1, SYNC_RANGE_MAX + 1, &ids)) < 0)
			return rc;
		if (json_array_size(ids) > SYNC_RANGE_MAX) {
			json_decref(ids);
			return refusef(&c->err, 400, "too_many", "from", "一次手动同步最多%d件投诉，请缩小日期范围", SYNC_RANGE_MAX);
		}
		size_t i;
		json_t *row;
		json_array_foreach(ids, i, row)
		{
			json_t *rec;
			if ((rc = store_complaint_get(d, json_integer_value(json_object_get(row, "id")), &rec)) == 1) {
				json_object_set_new(rec, "sync_status", json_string("pending"));
				rc = regulator_enqueue(d, rec, "sync", true, now);
				if (rc == 0)
					rc = store_reg_complaint_sync(d, json_integer_value(json_object_get(rec, "id")), INT64_MAX,
								      "pending", NULL, NULL, now);
				json_decref(rec);
				c->queued++;
			}
			if (rc < 0)
				break;
		}
		json_decref(ids);
		if (rc < 0)
			return rc;
	}
	if ((rc = store_reg_release(d, now, c->failed, 0, 0, &c->released)) < 0)
		return rc;
	return api_audit(c->r, d, "regulator.sync", "regulator", 0, "ok",
			 json_pack("{s:s?, s:s?, s:b, s:I, s:I}", "from", body_str(c->r, "from"), "to", body_str(c->r, "to"),
				   "failed", c->failed, "queued", (json_int_t)c->queued, "released",
				   (json_int_t)c->released));
}

int api_regulator_sync(struct request *r)
{
	static const struct field_spec spec[] = {{"from", F_STRING, false, 10, 10, "开始日期"},
						 {"to", F_STRING, false, 10, 10, "结束日期"},
						 {"failed", F_BOOL, false, 0, 0, "重发失败记录"},
						 {NULL}};
	if (r->json && req_validate(r, spec) != 0)
		return 0;
	struct sync_ctx c = {.r = r, .failed = r->json && body_bool(r, "failed", false)};
	if (r->json && (day_ms(r, body_str(r, "from"), "from", false, &c.from) != 0 ||
			day_ms(r, body_str(r, "to"), "to", true, &c.to) != 0))
		return 0;
	if (c.from && c.to && c.from >= c.to)
		return reply_error(r, 400, "invalid_field", "开始日期不能晚于结束日期", "from");
	int rc = store_write(sync_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	regulator_worker_kick();
	return reply_json(r, 200, json_pack("{s:I, s:I}", "queued", (json_int_t)c.queued, "released", (json_int_t)c.released));
}

/* ---- submissions ---- */

int api_regulator_submissions(struct request *r)
{
	struct reg_filter f = {.status = req_query(r, "status"), .complaint_no = req_query(r, "complaint_no"),
			       .event = req_query(r, "event")};
	static const char *const statuses[] = {"pending", "sent", "failed", "rejected", NULL};
	if (f.status) {
		int i = 0;
		while (statuses[i] && strcmp(statuses[i], f.status))
			i++;
		if (!statuses[i])
			return reply_error(r, 400, "invalid_field", "状态只能是 pending、sent、failed 或 rejected", "status");
	}
	if (day_ms(r, req_query(r, "from"), "from", false, &f.from) != 0 ||
	    day_ms(r, req_query(r, "to"), "to", true, &f.to) != 0)
		return 0;
	if (req_paging(r, &f.limit, &f.offset) != 0)
		return 0;
	json_t *items;
	int64_t total;
	int rc = store_reg_list(r->db, &f, &items, &total);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		iso_members(it, SUBMISSION_TIMES);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

int api_regulator_submission(struct request *r)
{
	json_t *s;
	int rc = store_reg_get(r->db, req_arg_id(r, 0), &s);
	if (rc < 0)
		return reply_db_error(r, rc);
	if (rc == 0)
		return reply_error(r, 404, "not_found", "报送记录不存在", NULL);
	json_t *payload = json_loads(json_string_value(json_object_get(s, "payload")) ?: "null", 0, NULL);
	json_object_set_new(s, "payload", payload ? payload : json_null());
	iso_members(s, SUBMISSION_TIMES);
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(s, "attempts"), i, a)
		iso_members(a, (const char *const[]){"at", NULL});
	return reply_json(r, 200, s);
}

struct retry_ctx {
	struct request *r;
	int64_t id;
	struct refusal err;
};

static int retry_tx(struct db *d, void *arg)
{
	struct retry_ctx *c = arg;
	json_t *s;
	int rc = store_reg_get(d, c->id, &s);
	if (rc <= 0)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "报送记录不存在", NULL);
	char status[16];
	snprintf(status, sizeof status, "%s", json_string_value(json_object_get(s, "status")));
	json_decref(s);
	if (!strcmp(status, "sent"))
		return refuse(&c->err, 409, "invalid_transition", "该记录已报送成功，无需重发", NULL);
	if (!strcmp(status, "rejected"))
		return refuse(&c->err, 409, "invalid_transition",
			      "被拒收的记录原样重发仍会被拒收：请修正投诉单（修正后自动生成新的报送记录）或在投诉详情页手动同步", NULL);
	if ((rc = store_reg_retry(d, c->id, now_ms())) < 0)
		return rc;
	return api_audit(c->r, d, "regulator.retry", "regulator_submission", c->id, "ok",
			 json_pack("{s:s}", "status_before", status));
}

int api_regulator_retry(struct request *r)
{
	struct retry_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(retry_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	regulator_worker_kick();
	return api_regulator_submission(r);
}

/* ---- settings and alerts ---- */

static json_t *settings_view(const struct regulator_settings *s)
{
	return regulator_settings_json(s);
}

int api_regulator_settings_get(struct request *r)
{
	struct regulator_settings s;
	int rc = regulator_settings_get(r->db, &s);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, settings_view(&s));
}

struct rsettings_ctx {
	struct request *r;
	struct regulator_settings after;
	struct refusal err;
};

static int rsettings_tx(struct db *d, void *arg)
{
	struct rsettings_ctx *c = arg;
	struct regulator_settings before;
	int rc = regulator_settings_get(d, &before);
	if (rc < 0)
		return rc;
	c->after = before;
	const char *msg, *field;
	if (regulator_settings_apply(&c->after, c->r->json, &msg, &field) != 0)
		return refuse(&c->err, 400, "invalid_field", msg, field);
	char roles[sizeof c->after.notify_roles], *save = NULL;
	snprintf(roles, sizeof roles, "%s", c->after.notify_roles);
	for (char *role = strtok_r(roles, " ,", &save); role; role = strtok_r(NULL, " ,", &save)) {
		int64_t id;
		if ((rc = store_role_id(d, role, &id)) < 0)
			return rc;
		if (rc == 0)
			return refusef(&c->err, 400, "invalid_field", "notify_roles", "通知角色不存在：%.40s", role);
	}
	if ((rc = regulator_settings_save(d, &c->after)) < 0)
		return rc;
	/* Going real time lets everything held for a run go out now. */
	int64_t n;
	if (!strcmp(c->after.schedule, "realtime") && strcmp(before.schedule, "realtime") &&
	    (rc = store_reg_release(d, now_ms(), false, 0, 0, &n)) < 0)
		return rc;
	return api_audit(c->r, d, "regulator.settings.update", "regulator_settings", 0, "ok",
			 audit_diff(settings_view(&before), settings_view(&c->after)));
}

int api_regulator_settings_put(struct request *r)
{
	if (!r->json || !json_is_object(r->json))
		return reply_error(r, 400, "invalid_json", "请求体必须是JSON对象", NULL);
	struct rsettings_ctx c = {.r = r};
	int rc = store_write(rsettings_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	regulator_worker_kick();
	return reply_json(r, 200, settings_view(&c.after));
}

int api_regulator_alerts(struct request *r)
{
	const char *open = req_query(r, "open");
	json_t *items;
	int rc = store_reg_alert_list(r->db, open && !strcmp(open, "true"), 200, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *a;
	json_array_foreach(items, i, a)
		iso_members(a, (const char *const[]){"raised_at", "cleared_at", NULL});
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
