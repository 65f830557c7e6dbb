/* Complaint rows for Excel sheets (see complaint_sheet.h). */
#include "report/complaint_sheet.h"
#include "domain/complaint.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

const struct xlsx_col report_complaint_cols[] = {
	{"complaint_no", "投诉编号", XLSX_TEXT, 24},     {"status_label", "状态", XLSX_TEXT, 12},
	{"received", "接收时间", XLSX_TIME, 17},         {"channel_name", "投诉反映渠道", XLSX_TEXT, 14},
	{"complainant_name", "投诉人", XLSX_TEXT, 10},   {"complainant_id_no", "证件号码", XLSX_TEXT, 22},
	{"complainant_phone", "联系电话", XLSX_TEXT, 14}, {"complained_org_name", "被投诉机构", XLSX_TEXT, 22},
	{"handling_org_name", "处理机构", XLSX_TEXT, 22}, {"region_name", "行政区划", XLSX_TEXT, 22},
	{"region_code", "行政区划代码", XLSX_TEXT, 12},
	{"a_name", "业务办理渠道", XLSX_TEXT, 18},        {"b_name", "业务类别", XLSX_TEXT, 22},
	{"c_name", "投诉原因", XLSX_TEXT, 26},            {"content", "投诉内容", XLSX_TEXT, 50},
	{"demand", "诉求", XLSX_TEXT, 24},                {"amount_fen", "涉及金额（元）", XLSX_YUAN, 14},
	{"due", "办理期限", XLSX_TIME, 17},               {"deadline_label", "期限状态", XLSX_TEXT, 10},
	{"reply_label", "处理结果", XLSX_TEXT, 12},       {"compensation_fen", "补偿金额（元）", XLSX_YUAN, 14},
	{"closed", "办结时间", XLSX_TIME, 17},
};
const size_t report_complaint_ncols = sizeof report_complaint_cols / sizeof report_complaint_cols[0];

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

json_t *report_complaint_names(struct db *d)
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
	if (store_regions_all(d, &items) == 0) {
		/* Full names from the province down: a parent sorts before its children by code. */
		size_t i;
		json_t *c;
		json_array_foreach(items, i, c)
		{
			char key[64], parent_key[64], text[300];
			const char *parent = json_string_value(json_object_get(c, "parent"));
			snprintf(key, sizeof key, "region:%s", json_string_value(json_object_get(c, "code")));
			snprintf(parent_key, sizeof parent_key, "region:%s", parent ? parent : "");
			const char *above = parent ? json_string_value(json_object_get(map, parent_key)) : NULL;
			const char *name = json_string_value(json_object_get(c, "name"));
			snprintf(text, sizeof text, "%s%s", above ? above : "", name ? name : "");
			json_object_set_new(map, key, json_string(text));
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

json_t *report_complaint_row(json_t *v, json_t *map)
{
	/* Only the sheet's columns: the view's own members shared (not copied), the rest derived. */
	json_t *row = json_object();
	for (size_t c = 0; c < report_complaint_ncols; c++) {
		json_t *x = json_object_get(v, report_complaint_cols[c].key);
		if (x)
			json_object_set(row, report_complaint_cols[c].key, x);
	}
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
	snprintf(key, sizeof key, "region:%s", json_string_value(json_object_get(v, "region_code")) ?: "");
	json_object_set(row, "region_name", json_object_get(map, key));
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

int report_complaint_write(struct xlsx_sheet *sheet, json_t *records, const struct complaint_settings *cfg,
			   json_t *names)
{
	int rc = 0;
	size_t i;
	json_t *rec;
	json_array_foreach(records, i, rec)
	{
		json_t *v = complaint_view(rec, 0, cfg);
		json_t *row = report_complaint_row(v, names);
		if (xlsx_row(sheet, row) != 0)
			rc = -1;
		json_decref(row);
		json_decref(v);
	}
	return rc;
}
