/* 投诉明细报表 export jobs: POST /report-exports queues the ledger of the complaints the reports
 * count for the given filters (validated as the reports validate them, data scope of the
 * caller); GET /report-exports/{id} tells its state; GET /report-exports/{id}/file downloads the
 * finished workbook. Only the creator, or an auditor, sees a job. The job itself runs in
 * src/report/ledger_export.c. Creation, completion and each download are audited. */
#include "api/api.h"
#include "domain/complaint.h"
#include "http/request.h"
#include "http/server.h"
#include "report/ledger_export.h"
#include "report/reports.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

static const struct field_spec create_spec[] = {
	{"from", F_STRING, false, 10, 0, "开始日期"},
	{"to", F_STRING, false, 10, 0, "结束日期"},
	{"org_id", F_ID, false, 0, 0, "机构"},
	{"status", F_STRING, false, 20, 0, "状态"},
	{"source_channel", F_STRING, false, 40, 0, "投诉反映渠道"},
	{"business_channel_code", F_STRING, false, 20, 0, "业务办理渠道代码"},
	{"business_type_code", F_STRING, false, 20, 0, "业务类别代码"},
	{"cause_code", F_STRING, false, 20, 0, "投诉原因代码"},
	{"region_code", F_STRING, false, 12, 0, "地区代码"},
	{NULL},
};

struct create_ctx {
	struct request *r;
	const char *filters;
	int64_t total, id, now;
};

static int create_tx(struct db *d, void *arg)
{
	struct create_ctx *c = arg;
	int rc = store_report_export_insert(d, c->r->user->user_id, c->filters, c->total, c->now, &c->id);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, "report.export", "report_exports", c->id, "ok",
			 json_pack("{s:s, s:O, s:I, s:b}", "report", "detail", "filters", c->r->json, "rows_total",
				   (json_int_t)c->total, "masked", 1));
}

static void put_time(json_t *o, const char *key, json_t *ms)
{
	if (!json_is_integer(ms)) {
		json_object_set_new(o, key, json_null());
		return;
	}
	char buf[40];
	iso8601_format(json_integer_value(ms), CN_TZ_OFFSET_MIN, buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

/* The reply for a job's row, with this server's live progress while it runs. */
static json_t *job_view(json_t *row)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	json_t *v = json_pack("{s:I, s:O, s:O, s:O, s:O}", "id", (json_int_t)id, "status", json_object_get(row, "status"),
			      "rows_done", json_object_get(row, "rows_done"), "rows_total",
			      json_object_get(row, "rows_total"), "error", json_object_get(row, "error"));
	report_ledger_progress(id, v);
	put_time(v, "created_at", json_object_get(row, "created_at"));
	put_time(v, "finished_at", json_object_get(row, "finished_at"));
	json_t *exp = json_object_get(row, "expired_at");
	json_object_set_new(v, "expired", json_boolean(json_is_integer(exp)));
	json_t *fin = json_object_get(row, "finished_at");
	if (json_is_integer(fin) && !strcmp(json_string_value(json_object_get(row, "status")) ?: "", "done")) {
		json_t *expires = json_integer(json_integer_value(fin) + LEDGER_EXPORT_TTL_MS);
		put_time(v, "expires_at", expires);
		json_decref(expires);
	}
	json_t *filters = json_loads(json_string_value(json_object_get(row, "filters")) ?: "{}", 0, NULL);
	json_object_set_new(v, "filters", filters ? filters : json_object());
	return v;
}

int api_report_export_create(struct request *r)
{
	if (req_validate(r, create_spec) != 0)
		return 0;
	struct report_params p;
	json_t *org;
	if (api_report_params(r, &p, &org) != 0)
		return 0;
	p.name = "detail";
	struct create_ctx c = {.r = r, .now = now_ms()};
	int rc = report_count(r->db, &p, &c.total);
	char *filters = rc == 0 ? json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	c.filters = filters;
	if (rc == 0)
		rc = filters ? store_write(create_tx, &c) : DB_HARD;
	free(filters);
	if (rc == 0 && report_ledger_submit(c.id, r->user, r->ip, &p) != 0)
		rc = DB_HARD;
	json_decref(org);
	if (rc != 0)
		return reply_db_error(r, rc);
	json_t *row;
	if ((rc = store_report_export_get(r->db, c.id, &row)) != 1)
		return reply_db_error(r, rc < 0 ? rc : DB_HARD);
	json_t *v = job_view(row);
	json_decref(row);
	return reply_json(r, 202, v);
}

/* The job in the path if the caller may see it: 1 with *row, or 0 after replying. */
static int load_job(struct request *r, json_t **row)
{
	int64_t id = req_arg_id(r, 0);
	int rc = id ? store_report_export_get(r->db, id, row) : 0;
	if (rc < 0)
		return reply_db_error(r, rc), 0;
	if (rc == 1 && (json_integer_value(json_object_get(*row, "user_id")) == r->user->user_id ||
			(r->user->perms & P_AUDIT_VIEW)))
		return 1;
	if (rc == 1)
		json_decref(*row);
	return reply_error(r, 404, "not_found", "导出任务不存在", "id"), 0;
}

int api_report_export_get(struct request *r)
{
	json_t *row;
	if (!load_job(r, &row))
		return 0;
	json_t *v = job_view(row);
	json_decref(row);
	return reply_json(r, 200, v);
}

struct download_ctx {
	struct request *r;
	json_t *row;
};

static int download_tx(struct db *d, void *arg)
{
	struct download_ctx *c = arg;
	return api_audit(c->r, d, "report.export_download", "report_exports",
			 json_integer_value(json_object_get(c->row, "id")), "ok",
			 json_pack("{s:s, s:O}", "report", "detail", "rows", json_object_get(c->row, "rows_done")));
}

int api_report_export_file(struct request *r)
{
	json_t *row;
	if (!load_job(r, &row))
		return 0;
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *file = json_string_value(json_object_get(row, "file_name"));
	int rc;
	if (json_is_integer(json_object_get(row, "expired_at")))
		rc = reply_error(r, 410, "expired", "导出文件已过期（保留 24 小时），请重新导出", NULL);
	else if (!status || strcmp(status, "done") != 0 || !file || strchr(file, '/'))
		rc = reply_error(r, 409, "not_ready", "导出尚未完成", NULL);
	else {
		struct download_ctx c = {.r = r, .row = row};
		char path[900];
		snprintf(path, sizeof path, "%s/exports/%s", r->app->cfg.data_dir, file);
		rc = store_write(download_tx, &c);
		rc = rc != 0 ? reply_db_error(r, rc)
			     : api_reply_file(r, path, XLSX_MIME,
					      "attachment; filename=\"ledger.xlsx\"; "
					      "filename*=UTF-8''%E6%8A%95%E8%AF%89%E6%98%8E%E7%BB%86%E6%8A%A5%E8%A1%A8.xlsx");
	}
	json_decref(row);
	return rc;
}
