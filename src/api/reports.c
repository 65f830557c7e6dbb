/* 统计报表: GET /reports/{name} (JSON or xlsx), GET /dashboard. Parameters are checked here, the
 * figures come from the report index (src/report). Data scope: a report never counts complaints
 * outside the caller's scope, whatever institution it asks for. */
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/permissions.h"
#include "http/request.h"
#include "http/server.h"
#include "report/ledger_export.h"
#include "report/reports.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/dates.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "YYYY-MM-DD" → yyyymmdd, or 0. */
static int32_t parse_day(const char *s)
{
	int y, m, d, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[n])
		return 0;
	int32_t ymd = y * 10000 + m * 100 + d;
	return ymd_valid(ymd) ? ymd : 0;
}

static int32_t today_ymd(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ymd_from_ms((int64_t)ts.tv_sec * 1000, CN_TZ_OFFSET_MIN);
}

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (!strcmp(v, *allowed))
			return true;
	return false;
}

/* A report filter from the query string, or from the JSON body (POST /report-exports, already
 * validated: strings and an org_id number). Empty means absent. */
static const char *param(struct request *r, const char *key)
{
	if (!r->json || strcmp(r->method, "POST") != 0)
		return req_query(r, key);
	json_t *v = json_object_get(r->json, key);
	if (json_is_integer(v))
		return arena_printf(r->arena, "%lld", (long long)json_integer_value(v));
	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* Reads the filters shared by every report into *p; *org holds the institution asked for (caller
 * json_decref's it). 0, or replies and returns -1. */
int api_report_params(struct request *r, struct report_params *p, json_t **org)
{
	*org = NULL;
	const struct principal *u = r->user;
	if (u->scope == SCOPE_SELF)
		return reply_error(r, 403, "forbidden", "数据范围为“本人”的用户不能查看统计报表", NULL), -1;
	*p = (struct report_params){
		.scope_path = u->scope == SCOPE_ALL ? NULL : u->org_path,
		.scope_exact = u->scope == SCOPE_ORG,
		.status = param(r, "status"),
		.source_channel = param(r, "source_channel"),
		.a_code = param(r, "business_channel_code"),
		.b_code = param(r, "business_type_code"),
		.c_code = param(r, "cause_code"),
		.region_code = param(r, "region_code"),
		.granularity = param(r, "granularity"),
		.layout = param(r, "layout"),
		.rows_by = param(r, "rows_by"),
	};
	const char *from = param(r, "from"), *to = param(r, "to");
	p->to_ymd = to ? parse_day(to) : today_ymd();
	if (!p->to_ymd)
		return reply_error(r, 400, "invalid_field", "结束日期格式应为 YYYY-MM-DD", "to"), -1;
	/* Default: the twelve months up to the end date. */
	p->from_ymd = from ? parse_day(from) : ymd_add_days(p->to_ymd - 10000 + (p->to_ymd % 10000 == 229 ? -1 : 0), 1);
	if (!p->from_ymd)
		return reply_error(r, 400, "invalid_field", "开始日期格式应为 YYYY-MM-DD", "from"), -1;
	if (p->from_ymd > p->to_ymd)
		return reply_error(r, 400, "invalid_field", "开始日期不能晚于结束日期", "from"), -1;
	static const char *const statuses[] = {"registered", "processing", "reviewing", "replied", "closed", "withdrawn", NULL};
	if (p->status && !one_of(p->status, statuses))
		return reply_error(r, 400, "invalid_field", "状态取值无效（统计不含暂存和已删除的投诉）", "status"), -1;
	static const char *const layouts[] = {"list", "matrix", NULL}, *const rows_by[] = {"branch", "region", NULL};
	if (p->layout && !one_of(p->layout, layouts))
		return reply_error(r, 400, "invalid_field", "报表格式应为 list 或 matrix", "layout"), -1;
	if (p->rows_by && !one_of(p->rows_by, rows_by))
		return reply_error(r, 400, "invalid_field", "行维度应为 branch（分支机构）或 region（地区）", "rows_by"), -1;
	const char *v = param(r, "org_id");
	if (v) {
		char *end;
		long long id = strtoll(v, &end, 10);
		int rc = *end || id <= 0 ? 0 : store_org_get(r->db, id, org);
		if (rc < 0)
			return reply_db_error(r, rc), -1;
		if (rc == 0)
			return reply_error(r, 400, "invalid_field", "机构不存在", "org_id"), -1;
		p->org_path = json_string_value(json_object_get(*org, "path"));
		p->org_name = json_string_value(json_object_get(*org, "name"));
	}
	return 0;
}

/* The detail ledger: one page of the complaints the reports count, with the index's total. */
static int detail_page(struct request *r, const struct report_params *p, json_t *res)
{
	struct complaint_filter f;
	struct filter_bufs fb;
	if (api_complaint_filter(r, &f, &fb) != 0)
		return -1;
	/* The ledger counts what the reports count: received in [from, to], strictly in scope. */
	report_ledger_filter(p, &f);
	if (req_paging(r, &f.limit, &f.offset) != 0) {
		api_filter_bufs_free(&fb);
		return -1;
	}
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *items = NULL;
	int64_t listed, total = 0;
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = report_count(r->db, p, &total);
	/* The list reads the total it is given (an empty page for 0); it was left unset here. */
	f.skip_count = true;
	listed = total;
	if (rc == 0)
		rc = store_complaint_list(r->db, &sf, &f, &items, &listed, NULL);
	api_filter_bufs_free(&fb);
	if (rc < 0) {
		json_decref(items);
		return reply_db_error(r, rc), -1;
	}
	json_t *rows = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
		json_array_append_new(rows, complaint_view(rec, 0, &cfg));
	json_decref(items);
	json_object_set_new(res, "rows", rows);
	json_object_set_new(res, "total", json_integer(total));
	return 0;
}

int api_report(struct request *r)
{
	const char *name = r->nargs > 0 ? r->args[0] : NULL;
	if (!report_known(name))
		return reply_error(r, 404, "not_found", "没有这个报表", "name");
	const char *format = req_query(r, "format");
	if (format && strcmp(format, "json") != 0 && strcmp(format, "xlsx") != 0)
		return reply_error(r, 400, "invalid_field", "导出格式应为 json 或 xlsx", "format");
	bool xlsx = format && !strcmp(format, "xlsx");
	struct report_params p;
	json_t *org;
	if (api_report_params(r, &p, &org) != 0)
		return 0;
	p.name = name;
	json_t *res = NULL;
	struct refusal e = {0};
	int rc;
	if (report_lists_complaints(name)) {
		if (xlsx) {
			json_decref(org);
			return reply_error(r, 400, "invalid_field", "投诉明细报表请使用后台导出（POST /api/v1/report-exports）",
					   "format");
		}
		res = json_pack("{s:s, s:s}", "report", name, "title", report_title(name));
		char day[16];
		ymd_format(p.from_ymd, day, sizeof day);
		json_object_set_new(res, "from", json_string(day));
		ymd_format(p.to_ymd, day, sizeof day);
		json_object_set_new(res, "to", json_string(day));
		rc = detail_page(r, &p, res);
		json_decref(org);
		if (rc != 0) {
			json_decref(res);
			return 0;
		}
		return reply_json(r, 200, res);
	}
	rc = report_build(r->db, &p, &res, &e);
	if (rc != 0) {
		json_decref(org);
		return rc > 0 ? reply_error(r, e.status, e.code, e.message, refusal_field(&e)) : reply_db_error(r, rc);
	}
	if (p.org_path)
		json_object_set_new(res, "org_id", json_integer(json_integer_value(json_object_get(org, "id"))));
	if (p.org_name)
		json_object_set_new(res, "org_name", json_string(p.org_name));
	if (xlsx) {
		/* p borrows the institution's strings for the filter line: free it after. */
		rc = api_report_send_xlsx(r, &p, res);
		json_decref(org);
		return rc;
	}
	json_decref(org);
	return reply_json(r, 200, res);
}

int api_dashboard(struct request *r)
{
	struct report_params p;
	json_t *org, *res;
	if (api_report_params(r, &p, &org) != 0)
		return 0;
	int rc = report_dashboard(r->db, &p, today_ymd(), &res);
	json_decref(org);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, res);
}
