/* 投诉单查询 → Excel: the query's results as a formatted sheet, identity masked, with code and
 * channel names; audited with the filters and the row count. At most EXPORT_MAX rows are
 * exported here; the statistical ledger of millions of rows is a background job of the reports. */
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/workflow.h"
#include "http/request.h"
#include "http/server.h"
#include "report/xlsx.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT_MAX 100000

static const struct xlsx_col cols[] = {
	{"complaint_no", "投诉编号", XLSX_TEXT, 24},     {"status_label", "状态", XLSX_TEXT, 12},
	{"received", "接收时间", XLSX_TEXT, 20},         {"channel_name", "投诉反映渠道", XLSX_TEXT, 14},
	{"complainant_name", "投诉人", XLSX_TEXT, 10},   {"complainant_id_no", "证件号码", XLSX_TEXT, 22},
	{"complainant_phone", "联系电话", XLSX_TEXT, 14}, {"complained_org_name", "被投诉机构", XLSX_TEXT, 22},
	{"handling_org_name", "处理机构", XLSX_TEXT, 22}, {"region_code", "行政区划", XLSX_TEXT, 10},
	{"a_name", "业务办理渠道", XLSX_TEXT, 18},        {"b_name", "业务类别", XLSX_TEXT, 22},
	{"c_name", "投诉原因", XLSX_TEXT, 26},            {"content", "投诉内容", XLSX_TEXT, 50},
	{"demand", "诉求", XLSX_TEXT, 24},                {"amount_fen", "涉及金额（元）", XLSX_YUAN, 14},
	{"due", "办理期限", XLSX_TEXT, 20},               {"deadline_label", "期限状态", XLSX_TEXT, 10},
	{"reply_label", "处理结果", XLSX_TEXT, 12},       {"compensation_fen", "补偿金额（元）", XLSX_YUAN, 14},
	{"closed", "办结时间", XLSX_TEXT, 20},
};

static const char *label(const char *const (*map)[2], const char *key)
{
	for (; key && (*map)[0]; map++)
		if (!strcmp((*map)[0], key))
			return (*map)[1];
	return key ? key : "";
}

static const char *const deadline_labels[][2] = {{"on_time", "正常"}, {"due_soon", "临期"}, {"overdue", "逾期"},
						 {"paused", "中止计时"}, {"done", "已答复"}, {NULL, NULL}};
static const char *const reply_labels[][2] = {{"accepted", "满足诉求"}, {"partially_accepted", "部分满足"},
					      {"not_accepted", "不予支持"}, {"explained", "解释说明"}, {NULL, NULL}};

/* code → name for A, B, C, and source channels. */
static json_t *names(struct db *d)
{
	json_t *map = json_object(), *items;
	if (store_codes_list(d, NULL, NULL, &items) == 0) {
		size_t i;
		json_t *c;
		json_array_foreach(items, i, c)
		{
			char text[200];
			snprintf(text, sizeof text, "%s %s", json_string_value(json_object_get(c, "code")),
				 json_string_value(json_object_get(c, "name")));
			json_object_set_new(map, json_string_value(json_object_get(c, "code")), json_string(text));
		}
		json_decref(items);
	}
	if (store_dict_list(d, "source_channel", &items) == 0) {
		size_t i;
		json_t *c;
		json_array_foreach(items, i, c)
		{
			char key[64];
			snprintf(key, sizeof key, "channel:%s", json_string_value(json_object_get(c, "code")));
			json_object_set(map, key, json_object_get(c, "name"));
		}
		json_decref(items);
	}
	return map;
}

static void put_time(json_t *row, const char *key, json_t *iso)
{
	const char *s = json_string_value(iso);
	if (s)
		json_object_set_new(row, key, json_stringn(s, strlen(s) >= 19 ? 19 : strlen(s)));
}

static json_t *export_row(json_t *v, json_t *map)
{
	json_t *row = json_deep_copy(v);
	json_t *who = json_object_get(v, "complainant");
	json_object_set(row, "complainant_name", json_object_get(who, "name"));
	json_object_set(row, "complainant_id_no", json_object_get(who, "id_no"));
	json_object_set(row, "complainant_phone", json_object_get(who, "phone"));
	char key[64];
	snprintf(key, sizeof key, "channel:%s", json_string_value(json_object_get(v, "source_channel")) ?: "");
	json_object_set(row, "channel_name", json_object_get(map, key));
	json_object_set(row, "a_name", json_object_get(map, json_string_value(json_object_get(v, "business_channel_code")) ?: ""));
	json_object_set(row, "b_name", json_object_get(map, json_string_value(json_object_get(v, "business_type_code")) ?: ""));
	json_object_set(row, "c_name", json_object_get(map, json_string_value(json_object_get(v, "cause_code")) ?: ""));
	put_time(row, "received", json_object_get(v, "received_at"));
	put_time(row, "due", json_object_get(v, "due_at"));
	put_time(row, "closed", json_object_get(v, "closed_at"));
	json_object_set_new(row, "deadline_label",
			    json_string(label(deadline_labels, json_string_value(json_object_get(v, "deadline_state")))));
	if (json_string_value(json_object_get(v, "reply_result")))
		json_object_set_new(row, "reply_label",
				    json_string(label(reply_labels, json_string_value(json_object_get(v, "reply_result")))));
	return row;
}

struct export_ctx {
	struct request *r;
	int64_t rows;
};

static int export_audit_tx(struct db *d, void *arg)
{
	struct export_ctx *c = arg;
	json_t *params = json_object();
	const char *keys[] = {"status", "q", "from", "to", "org_id", "complaint_no", "source_channel",
			      "business_channel_code", "business_type_code", "cause_code", "tag",
			      "deadline_state", "overdue", "mine", "handler", "id_no", "phone", NULL};
	for (int i = 0; keys[i]; i++)
		if (req_query(c->r, keys[i]))
			json_object_set_new(params, keys[i], json_string(!strcmp(keys[i], "id_no") || !strcmp(keys[i], "phone")
										? "(已指定)" : req_query(c->r, keys[i])));
	return api_audit(c->r, d, "complaint.export", "complaints", 0, "ok",
			 json_pack("{s:o, s:I, s:s}", "filters", params, "rows", (json_int_t)c->rows, "masked", "yes"));
}

int api_complaint_export(struct request *r)
{
	struct complaint_filter f;
	struct filter_bufs fb;
	if (api_complaint_filter(r, &f, &fb) != 0)
		return 0;
	char dir[600], path[700], tok[40];
	snprintf(dir, sizeof dir, "%s/tmp", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	crypto_random_token(tok, 12);
	snprintf(path, sizeof path, "%s/export-%s.xlsx", dir, tok);
	struct xlsx_sheet *sheet = xlsx_open(path, "投诉明细", "投诉单查询结果", "个人信息已脱敏", cols,
					     sizeof cols / sizeof cols[0]);
	if (!sheet) {
		api_filter_bufs_free(&fb);
		return reply_error(r, 500, "internal", "导出失败", NULL);
	}
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *map = names(r->db);
	struct export_ctx c = {.r = r};
	int rc = complaint_settings_get(r->db, &cfg);
	for (f.offset = 0, f.limit = 1000; rc == 0 && c.rows < EXPORT_MAX; f.offset += f.limit) {
		json_t *items;
		int64_t total;
		if ((rc = store_complaint_list(r->db, &sf, &f, &items, &total, NULL)) < 0)
			break;
		size_t i;
		json_t *rec;
		json_array_foreach(items, i, rec)
		{
			json_t *v = complaint_view(rec, 0, &cfg);
			json_t *row = export_row(v, map);
			if (xlsx_row(sheet, row) != 0)
				rc = -1;
			json_decref(row);
			json_decref(v);
			c.rows++;
		}
		size_t n = json_array_size(items);
		json_decref(items);
		if (n < (size_t)f.limit)
			break;
	}
	json_decref(map);
	api_filter_bufs_free(&fb);
	if (xlsx_close(sheet) != 0 || rc != 0) {
		unlink(path);
		return rc < -1 ? reply_db_error(r, rc) : reply_error(r, 500, "internal", "导出失败", NULL);
	}
	if ((rc = store_write(export_audit_tx, &c)) != 0) {
		unlink(path);
		return reply_db_error(r, rc);
	}
	return api_reply_temp_file(r, path, XLSX_MIME,
				   "attachment; filename=\"complaints.xlsx\"; filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%8D%95.xlsx");
}
