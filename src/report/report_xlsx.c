/* Report workbooks: list reports as one row per report row (tree rows indented by level, parent
 * rows as subtotals), matrix reports with the code tree as columns. */
#include "report/report_xlsx.h"
#include "report/xlsx.h"
#include <stdio.h>
#include <string.h>

static const struct xlsx_col list_cols[] = {
	{"code", "代码", XLSX_TEXT, 14},
	{"label", "名称", XLSX_TEXT, 40},
	{"count", "投诉量", XLSX_INT, 10},
	{"closed", "办结量", XLSX_INT, 10},
	{"closed_on_time", "按期办结", XLSX_INT, 10},
	{"overdue", "超期", XLSX_INT, 8},
	{"avg_handling_days", "平均办理天数", XLSX_NUM, 12},
	{"satisfaction_rate", "满意率", XLSX_PCT, 10},
	{"repeat_rate", "重复投诉率", XLSX_PCT, 10},
	{"compensation_fen", "补偿金额（元）", XLSX_YUAN, 14},
};

int report_xlsx_write(json_t *res, const char *path, const char *filters)
{
	const char *title = json_string_value(json_object_get(res, "title"));
	json_t *rows = json_object_get(res, "rows");
	struct xlsx_sheet *s = xlsx_open(path, title ? title : "报表", title ? title : "报表", filters, list_cols,
					 sizeof list_cols / sizeof list_cols[0]);
	if (!s)
		return -1;
	size_t i;
	json_t *row;
	int rc = 0;
	json_array_foreach(rows, i, row)
	{
		json_t *copy = json_copy(row);
		int level = (int)json_integer_value(json_object_get(row, "level"));
		char label[400];
		snprintf(label, sizeof label, "%*s%s", level > 1 ? (level - 1) * 2 : 0, "",
			 json_string_value(json_object_get(row, "name")) ?: "");
		json_object_set_new(copy, "label", json_string(label));
		rc |= xlsx_row(s, copy);
		json_decref(copy);
	}
	return xlsx_close(s) | rc;
}
