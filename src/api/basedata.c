/* 基础数据配置: JR/T 0169 code tables (list in force on a date, edit, CSV import/export), the
 * source-channel and ID-type dictionaries, regions, the deadline calendar and the complaint
 * process settings. Reading is open to every signed-in user (forms need it); changing needs
 * config.manage. Every change is audited; the calendar and deadline settings also recompute the
 * deadlines of open complaints (see recompute_open). */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/codes.h"
#include "domain/complaint.h"
#include "domain/complaint_settings.h"
#include "http/request.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool dimension_ok(const char *d)
{
	return d && strlen(d) == 1 && strchr("ABCR", d[0]);
}

int api_codes_list(struct request *r)
{
	const char *dim = req_query(r, "dimension"), *date = req_query(r, "date");
	const char *all = req_query(r, "all");
	if (dim && !dimension_ok(dim))
		return reply_error(r, 400, "invalid_field", "维度必须是A、B、C或R", "dimension");
	if (date && !date_valid(date))
		return reply_error(r, 400, "invalid_field", "日期格式应为YYYY-MM-DD", "date");
	char today[16];
	if (!date) {
		ymd_format(ymd_from_ms(now_ms(), CN_TZ_OFFSET_MIN), today, sizeof today);
		date = today;
	}
	json_t *items;
	int rc = store_codes_list(r->db, dim, all && !strcmp(all, "true") ? NULL : date, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

int api_codes_export(struct request *r)
{
	json_t *items;
	int rc = store_codes_list(r->db, NULL, NULL, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	char *csv = codes_format_csv(items);
	json_decref(items);
	if (!csv)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	reply_raw(r, 200, "text/csv; charset=utf-8", csv, strlen(csv));
	free(csv);
	reply_header(r, "Content-Disposition", "attachment; filename=\"jrt0169-codes.csv\"");
	return 0;
}

struct codes_ctx {
	struct request *r;
	json_t *rows;
	int inserted, updated;
	int64_t id;
	json_t *result;
	struct refusal err;
};

static int import_tx(struct db *d, void *arg)
{
	struct codes_ctx *c = arg;
	c->inserted = c->updated = 0; /* a retried transaction counts again */
	int64_t now = now_ms();
	size_t i;
	json_t *row;
	json_array_foreach(c->rows, i, row)
	{
		bool inserted;
		int rc = store_code_upsert(d, row, now, &inserted);
		if (rc < 0)
			return rc;
		inserted ? c->inserted++ : c->updated++;
	}
	return api_audit(c->r, d, "codes.import", "codes", 0, "ok",
			 json_pack("{s:i, s:i}", "inserted", c->inserted, "updated", c->updated));
}

int api_codes_import(struct request *r)
{
	const char *ct = req_header(r, "Content-Type");
	if (!ct || strncasecmp(ct, "text/csv", 8) != 0)
		return reply_error(r, 415, "unsupported_media_type", "请以 text/csv 上传代码表", NULL);
	json_t *rows;
	char err[300];
	if (codes_parse_csv(r->body ? r->body : "", r->body_len, "2018-01-01", &rows, err, sizeof err) != 0)
		return reply_error(r, 400, "invalid_csv", err, NULL);
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return reply_error(r, 400, "invalid_csv", "文件中没有代码", NULL);
	}
	struct codes_ctx c = {.r = r, .rows = rows};
	int rc = store_write(import_tx, &c);
	json_decref(rows);
	if (rc != 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:i, s:i}", "inserted", c.inserted, "updated", c.updated));
}

static int code_save_tx(struct db *d, void *arg)
{
	struct codes_ctx *c = arg;
	json_t *before = NULL;
	int rc;
	if (c->id) {
		if ((rc = store_code_get(d, c->id, &before)) != 1)
			return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "代码不存在", NULL);
		/* The key (dimension, code, valid_from) stays; the rest may change. */
		json_t *row = json_deep_copy(before);
		json_object_update(row, c->r->json);
		json_object_set(row, "dimension", json_object_get(before, "dimension"));
		json_object_set(row, "code", json_object_get(before, "code"));
		json_object_set(row, "valid_from", json_object_get(before, "valid_from"));
		char why[200];
		if (codes_check_row(row, why, sizeof why) != 0) {
			json_decref(row);
			json_decref(before);
			return refusef(&c->err, 400, "invalid_field", NULL, "%s", why);
		}
		json_decref(c->rows);
		c->rows = row;
	}
	bool inserted;
	if ((rc = store_code_upsert(d, c->rows, now_ms(), &inserted)) < 0) {
		json_decref(before);
		return rc;
	}
	return api_audit(c->r, d, c->id ? "codes.update" : "codes.create", "code", c->id, "ok",
			 audit_diff(before, json_deep_copy(c->rows)));
}

int api_code_create(struct request *r)
{
	static const struct field_spec spec[] = {
		{"dimension", F_STRING, true, 1, 1, "维度"}, {"code", F_STRING, true, 16, 2, "代码"},
		{"parent", F_STRING, false, 16, 0, "上级代码"}, {"level", F_INT, true, 0, 0, "层级"},
		{"name", F_STRING, true, 100, 1, "名称"}, {"sort", F_INT, false, 0, 0, "排序"},
		{"suggest_rights", F_STRING, false, 100, 0, "建议权益"},
		{"valid_from", F_STRING, true, 10, 10, "生效日期"}, {"valid_to", F_STRING, false, 10, 0, "失效日期"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	json_t *row = json_deep_copy(r->json);
	if (!json_object_get(row, "suggest_rights"))
		json_object_set_new(row, "suggest_rights", json_string(""));
	if (!json_object_get(row, "sort"))
		json_object_set_new(row, "sort", json_integer(0));
	char why[200];
	if (codes_check_row(row, why, sizeof why) != 0) {
		json_decref(row);
		return reply_error(r, 400, "invalid_field", why, NULL);
	}
	struct codes_ctx c = {.r = r, .rows = row};
	int rc = store_write(code_save_tx, &c);
	json_decref(c.rows);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, "duplicate_code", "该代码在同一生效日期已存在");
	return reply_json(r, 201, json_pack("{s:b}", "ok", 1));
}

int api_code_update(struct request *r)
{
	static const struct field_spec spec[] = {
		{"parent", F_STRING, false, 16, 0, "上级代码"}, {"level", F_INT, false, 0, 0, "层级"},
		{"name", F_STRING, false, 100, 1, "名称"}, {"sort", F_INT, false, 0, 0, "排序"},
		{"suggest_rights", F_STRING, false, 100, 0, "建议权益"},
		{"valid_to", F_STRING, false, 10, 0, "失效日期"}, {NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct codes_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(code_save_tx, &c);
	json_t *row = c.rows;
	c.rows = NULL;
	if (rc != 0) {
		json_decref(row);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, row);
}

/* ---- dictionaries ---- */

static bool dict_kind_ok(const char *k)
{
	return k && (!strcmp(k, "source_channel") || !strcmp(k, "id_type"));
}

int api_dict_list(struct request *r)
{
	if (!dict_kind_ok(r->args[0]))
		return reply_error(r, 404, "not_found", "字典不存在", NULL);
	json_t *items;
	int rc = store_dict_list(r->db, r->args[0], &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_object_set_new(it, "enabled", json_boolean(json_integer_value(json_object_get(it, "enabled"))));
		json_t *attrs = json_loads(json_string_value(json_object_get(it, "attrs")), 0, NULL);
		json_object_set_new(it, "attrs", attrs ? attrs : json_object());
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

struct dict_ctx {
	struct request *r;
	char *attrs;
	struct refusal err;
};

static int dict_tx(struct db *d, void *arg)
{
	struct dict_ctx *c = arg;
	struct request *r = c->r;
	json_t *before;
	int rc = store_dict_get(d, r->args[0], r->args[1], &before);
	if (rc < 0)
		return rc;
	if ((rc = store_dict_upsert(d, r->args[0], r->args[1], body_str(r, "name"), body_int(r, "sort", 0),
				    body_bool(r, "enabled", true), c->attrs, now_ms())) < 0) {
		json_decref(before);
		return rc;
	}
	json_t *after = json_deep_copy(r->json);
	return api_audit(r, d, "dictionary.update", r->args[0], 0, "ok",
			 json_pack("{s:s, s:o, s:o}", "code", r->args[1], "before", before ? before : json_null(), "after", after));
}

int api_dict_put(struct request *r)
{
	static const struct field_spec spec[] = {
		{"name", F_STRING, true, 50, 1, "名称"}, {"sort", F_INT, false, 0, 0, "排序"},
		{"enabled", F_BOOL, false, 0, 0, "启用"}, {"attrs", F_OBJECT, false, 0, 0, "属性"}, {NULL},
	};
	if (!dict_kind_ok(r->args[0]))
		return reply_error(r, 404, "not_found", "字典不存在", NULL);
	if (req_validate(r, spec) != 0)
		return 0;
	const char *code = r->args[1];
	if (strlen(code) > 32 || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(code))
		return reply_error(r, 400, "invalid_field", "字典代码只能包含小写字母、数字和下划线（最多32位）", "code");
	json_t *attrs = json_object_get(r->json, "attrs");
	json_t *req = json_object_get(attrs, "requires");
	size_t i;
	json_t *f;
	json_array_foreach(req, i, f)
	{
		const char *name = json_string_value(f);
		if (!name || strcmp(name, "external_no"))
			return reply_error(r, 400, "invalid_field", "必填字段目前只支持 external_no（外部工单号）", "attrs");
	}
	struct dict_ctx c = {.r = r, .attrs = attrs ? json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS) : NULL};
	int rc = store_write(dict_tx, &c);
	free(c.attrs);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- regions ---- */

int api_regions_list(struct request *r)
{
	json_t *items;
	int rc = store_regions_list(r->db, req_query(r, "parent"), &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- deadline recomputation after calendar or settings changes ---- */

/* After a calendar or settings change commits, every running deadline is recomputed by the
 * domain (complaint_recompute_after_change: in batches, other writes interleaving). */
static int recompute_after(struct request *r, const struct complaint_settings *cfg, int *count)
{
	return complaint_recompute_after_change(r->db, cfg, now_ms(), count);
}

int api_calendar_list(struct request *r)
{
	const char *y = req_query(r, "year");
	int year = y ? atoi(y) : ymd_from_ms(now_ms(), CN_TZ_OFFSET_MIN) / 10000;
	if (year < 2000 || year > 2100)
		return reply_error(r, 400, "invalid_field", "年份须在2000到2100之间", "year");
	json_t *items;
	int rc = store_calendar_list(r->db, year, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:i, s:o}", "year", year, "items", items));
}

struct calendar_ctx {
	struct request *r;
	int32_t day;
	bool remove;
	int recomputed;
	struct refusal err;
};

static int calendar_tx(struct db *d, void *arg)
{
	struct calendar_ctx *c = arg;
	struct request *r = c->r;
	int rc = c->remove ? store_calendar_delete(d, c->day)
			   : store_calendar_set(d, c->day, body_str(r, "kind"), body_str(r, "note"), now_ms());
	if (rc < 0)
		return rc;
	return api_audit(r, d, c->remove ? "calendar.delete" : "calendar.set", "calendar", c->day, "ok",
			 c->remove ? NULL : json_pack("{s:s, s:s}", "kind", body_str(r, "kind"), "note", body_str(r, "note") ?: ""));
}

static int calendar_change(struct request *r, bool remove)
{
	int32_t day = (int32_t)atoi(r->args[0]);
	if (strlen(r->args[0]) != 8 || !ymd_valid(day))
		return reply_error(r, 400, "invalid_field", "日期格式应为YYYYMMDD", "day");
	if (!remove) {
		static const struct field_spec spec[] = {
			{"kind", F_STRING, true, 10, 1, "类型"}, {"note", F_STRING, false, 50, 0, "说明"}, {NULL}};
		if (req_validate(r, spec) != 0)
			return 0;
		const char *k = body_str(r, "kind");
		if (strcmp(k, "holiday") && strcmp(k, "workday"))
			return reply_error(r, 400, "invalid_field", "类型只能是holiday（休息日）或workday（调休上班）", "kind");
	}
	struct calendar_ctx c = {.r = r, .day = day, .remove = remove};
	int rc = store_write(calendar_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	if ((rc = recompute_after(r, NULL, &c.recomputed)) < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:b, s:i}", "ok", 1, "recomputed", c.recomputed));
}

int api_calendar_put(struct request *r)
{
	return calendar_change(r, false);
}

int api_calendar_delete(struct request *r)
{
	return calendar_change(r, true);
}

/* ---- complaint process settings ---- */

int api_settings_get(struct request *r)
{
	struct complaint_settings s;
	int rc = complaint_settings_get(r->db, &s);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, complaint_settings_json(&s));
}

int api_settings_limits(struct request *r)
{
	json_t *o = complaint_settings_limits_json();
	if (!o)
		return reply_db_error(r, DB_HARD);
	return reply_json(r, 200, o);
}

struct settings_ctx {
	struct request *r;
	int recomputed;
	struct complaint_settings after;
	struct refusal err;
};

static int settings_tx(struct db *d, void *arg)
{
	struct settings_ctx *c = arg;
	struct complaint_settings before;
	int rc = complaint_settings_get(d, &before);
	if (rc < 0)
		return rc;
	c->after = before;
	if (complaint_settings_apply(&c->after, c->r->json, &c->err) != 0)
		return 1;
	int64_t role;
	if ((rc = store_role_id(d, c->after.escalate_role, &role)) < 0)
		return rc;
	if (rc == 0)
		return refuse(&c->err, 400, "invalid_field", "逾期升级通知角色不存在（填写角色代码，如 reviewer）", "escalate_role");
	if ((rc = complaint_settings_save(d, &c->after)) < 0)
		return rc;
	return api_audit(c->r, d, "settings.update", "complaint_settings", 0, "ok",
			 audit_diff(complaint_settings_json(&before), complaint_settings_json(&c->after)));
}

int api_settings_put(struct request *r)
{
	if (!r->json || !json_is_object(r->json))
		return reply_error(r, 400, "invalid_json", "请求体必须是JSON对象", NULL);
	struct settings_ctx c = {.r = r};
	int rc = store_write(settings_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	if ((rc = recompute_after(r, &c.after, &c.recomputed)) < 0)
		return reply_db_error(r, rc);
	json_t *body = complaint_settings_json(&c.after);
	json_object_set_new(body, "recomputed", json_integer(c.recomputed));
	return reply_json(r, 200, body);
}
