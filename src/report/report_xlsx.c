/* Report workbooks (see report_xlsx.h). Two shapes:
 *
 *  - list reports: one row per report row with every measure, tree rows indented by level (Excel
 *    indentation, so the cell holds the name itself) and parent rows bold as subtotals, then a
 *    合计 row from the summary. Period reports add their date columns, 环比/同比 the comparison
 *    period and growth rate; 投诉时间统计 puts its hour-of-day distribution on a second sheet.
 *  - the regulator matrix (layout=matrix): rows are branches or regions, columns the code tree.
 *    The header has one row per tree level: a parent's cell spans its children and its 小计
 *    column, a leaf's cell and 投诉量合计 reach down to the last header row.
 *
 * Cells hold the JSON's values: counts and amounts as numbers (fen shown as yuan), rates as
 * ratios with a percentage format, a null rate (empty base) as "—". The workbooks are small
 * (thousands of rows at most), so they are written in normal mode: merged header cells need to
 * go back to rows already written, which constant_memory mode cannot. */
#include "report/report_xlsx.h"
#include "report/reports.h"
#include "report/xlsx.h"
#include "util/dates.h"
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#define TITLE_ROW 0
#define FILTER_ROW 1
#define HEADER_ROW 2
#define MAX_INDENT 6

struct book {
	lxw_workbook *wb;
	struct xlsx_formats f;
	lxw_format *bold, *bold_int, *bold_money, *bold_num, *bold_pct, *dash;
	lxw_format *names[2][MAX_INDENT + 1]; /* [bold][indent] */
	int rc;
};

static lxw_format *format_like(lxw_workbook *wb, const char *num_format, bool bold)
{
	lxw_format *f = workbook_add_format(wb);
	if (num_format)
		format_set_num_format(f, num_format);
	if (bold)
		format_set_bold(f);
	return f;
}

static void book_formats(struct book *b)
{
	xlsx_formats_add(b->wb, &b->f);
	b->bold = format_like(b->wb, NULL, true);
	b->bold_int = format_like(b->wb, "#,##0", true);
	b->bold_money = format_like(b->wb, "#,##0.00", true);
	b->bold_num = format_like(b->wb, "0.0", true);
	b->bold_pct = format_like(b->wb, "0.00%", true);
	b->dash = workbook_add_format(b->wb);
	format_set_align(b->dash, LXW_ALIGN_CENTER);
	for (int bold = 0; bold < 2; bold++)
		for (int i = 0; i <= MAX_INDENT; i++) {
			b->names[bold][i] = format_like(b->wb, NULL, bold);
			format_set_indent(b->names[bold][i], (uint8_t)i);
		}
}

static void check(struct book *b, lxw_error e)
{
	if (e != LXW_NO_ERROR)
		b->rc = -1;
}

/* The title and the filter line above a sheet's header. */
static void sheet_head(struct book *b, lxw_worksheet *ws, const char *title, const char *filters)
{
	check(b, worksheet_write_string(ws, TITLE_ROW, 0, title, b->f.title));
	check(b, worksheet_write_string(ws, FILTER_ROW, 0, filters ? filters : "", NULL));
	worksheet_set_row(ws, TITLE_ROW, 24, NULL);
}

/* One JSON value as a cell of the given kind; bold for subtotal and total rows. */
static void put_value(struct book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, json_t *v,
		      enum xlsx_kind kind, bool bold)
{
	if (!v || json_is_null(v)) {
		if (kind != XLSX_TEXT)
			check(b, worksheet_write_string(ws, row, col, "—", b->dash));
		return;
	}
	if (json_is_string(v)) {
		check(b, worksheet_write_string(ws, row, col, json_string_value(v), bold ? b->bold : NULL));
		return;
	}
	double x = json_number_value(v);
	lxw_format *fmt;
	switch (kind) {
	case XLSX_YUAN:
		x /= 100.0;
		fmt = bold ? b->bold_money : b->f.money;
		break;
	case XLSX_PCT:
		x = xlsx_round(x, kind);
		fmt = bold ? b->bold_pct : b->f.pct;
		break;
	case XLSX_NUM:
		x = xlsx_round(x, kind);
		fmt = bold ? b->bold_num : b->f.num;
		break;
	default:
		fmt = bold ? b->bold_int : NULL;
	}
	check(b, worksheet_write_number(ws, row, col, x, fmt));
}

/* ---- list reports ---- */

static const struct xlsx_col measure_cols[] = {
	{"count", "投诉量", XLSX_INT, 10},
	{"share", "占比", XLSX_PCT, 9},
	{"closed", "办结量", XLSX_INT, 10},
	{"closed_on_time", "按期办结量", XLSX_INT, 11},
	{"on_time_rate", "按期办结率", XLSX_PCT, 11},
	{"overdue", "超期量", XLSX_INT, 9},
	{"open", "未办结量", XLSX_INT, 10},
	{"due_soon", "临期量", XLSX_INT, 9},
	{"avg_handling_days", "平均办理天数", XLSX_NUM, 12},
	{"callbacks", "回访量", XLSX_INT, 9},
	{"satisfaction_rate", "满意率", XLSX_PCT, 9},
	{"repeats", "重复投诉量", XLSX_INT, 11},
	{"repeat_rate", "重复投诉率", XLSX_PCT, 11},
	{"compensation_fen", "补偿金额（元）", XLSX_YUAN, 15},
	{"clock_restarted", "重新计时量", XLSX_INT, 11},
};
static const struct xlsx_col period_cols[] = {
	{"from", "起始日期", XLSX_TEXT, 12},
	{"to", "截止日期", XLSX_TEXT, 12},
};
static const struct xlsx_col compare_cols[] = {
	{"previous_from", "对比期起始", XLSX_TEXT, 12},
	{"previous_to", "对比期截止", XLSX_TEXT, 12},
	{"previous_count", "对比期投诉量", XLSX_INT, 12},
	{"growth_rate", "增长率", XLSX_PCT, 10},
};

#define NCOLS(a) (sizeof a / sizeof a[0])
#define MAX_LIST_COLS (2 + NCOLS(period_cols) + NCOLS(measure_cols) + NCOLS(compare_cols))

/* The columns of a list sheet: code and name, the period, the measures, the comparison. */
static size_t list_columns(const char *report, bool periods, const struct xlsx_col **out)
{
	static const struct xlsx_col code = {"code", "代码", XLSX_TEXT, 16}, name = {"name", "名称", XLSX_TEXT, 30};
	size_t n = 0;
	out[n++] = &code;
	out[n++] = &name;
	if (periods)
		for (size_t i = 0; i < NCOLS(period_cols); i++)
			out[n++] = &period_cols[i];
	for (size_t i = 0; i < NCOLS(measure_cols); i++)
		out[n++] = &measure_cols[i];
	if (report && (!strcmp(report, "mom") || !strcmp(report, "yoy")))
		for (size_t i = 0; i < NCOLS(compare_cols); i++)
			out[n++] = &compare_cols[i];
	return n;
}

static void list_sheet(struct book *b, const char *sheet, const char *title, const char *filters,
		       const char *report, json_t *rows, json_t *summary, bool periods)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, sheet);
	if (!ws) {
		b->rc = -1;
		return;
	}
	const struct xlsx_col *cols[MAX_LIST_COLS];
	size_t ncols = list_columns(report, periods, cols);
	sheet_head(b, ws, title, filters);
	for (size_t c = 0; c < ncols; c++) {
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c]->width, NULL);
		check(b, worksheet_write_string(ws, HEADER_ROW, (lxw_col_t)c, cols[c]->title, b->f.header));
	}
	worksheet_set_row(ws, HEADER_ROW, 30, NULL);
	worksheet_freeze_panes(ws, HEADER_ROW + 1, 2);
	lxw_row_t row = HEADER_ROW + 1;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_int_t level = json_integer_value(json_object_get(r, "level"));
		bool parent = json_is_true(json_object_get(r, "has_children"));
		int indent = level > 1 ? (int)(level - 1 > MAX_INDENT ? MAX_INDENT : level - 1) : 0;
		for (size_t c = 0; c < ncols; c++) {
			json_t *v = json_object_get(r, cols[c]->key);
			const char *code = json_string_value(v);
			size_t n = code ? strlen(code) : 0;
			if (!strcmp(cols[c]->key, "code") && n > 5 && !strcmp(code + n - 5, ".self")) {
				/* A parent's own complaints: "110000.self" is the tree's internal key. */
				char text[128];
				snprintf(text, sizeof text, "%.*s（本级）", (int)(n - 5 > 100 ? 100 : n - 5), code);
				check(b, worksheet_write_string(ws, row, (lxw_col_t)c, text, NULL));
			} else if (!strcmp(cols[c]->key, "name"))
				check(b, worksheet_write_string(ws, row, (lxw_col_t)c, json_string_value(v) ? json_string_value(v) : "",
								b->names[parent][indent]));
			else
				put_value(b, ws, row, (lxw_col_t)c, v, cols[c]->kind, parent);
		}
		row++;
	}
	if (!summary)
		return;
	/* 合计: the summary's measures (the share of the whole is 100%). */
	check(b, worksheet_write_string(ws, row, 1, "合计", b->bold));
	for (size_t c = 2; c < ncols; c++) {
		json_t *v = json_object_get(summary, cols[c]->key);
		if (!strcmp(cols[c]->key, "share"))
			check(b, worksheet_write_number(ws, row, (lxw_col_t)c, 1.0, b->bold_pct));
		else if (v || cols[c]->kind != XLSX_TEXT)
			put_value(b, ws, row, (lxw_col_t)c, v, cols[c]->kind, true);
	}
}

/* ---- the regulator matrix ---- */

static json_int_t col_level(json_t *c)
{
	json_int_t l = json_integer_value(json_object_get(c, "level"));
	return l > 0 ? l : 1;
}

/* A cell that may span several rows and columns. */
static void header_cell(struct book *b, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1,
			lxw_col_t c1, const char *text)
{
	if (r0 == r1 && c0 == c1)
		check(b, worksheet_write_string(ws, r0, c0, text, b->f.header));
	else
		check(b, worksheet_merge_range(ws, r0, c0, r1, c1, text, b->f.header));
}

static void matrix_sheet(struct book *b, const char *sheet, const char *title, const char *filters,
			 const char *rows_by, json_t *columns, json_t *rows)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, sheet);
	if (!ws) {
		b->rc = -1;
		return;
	}
	sheet_head(b, ws, title, filters);
	size_t ncols = json_array_size(columns);
	json_int_t depth = 1;
	for (size_t j = 0; j < ncols; j++)
		if (col_level(json_array_get(columns, j)) > depth)
			depth = col_level(json_array_get(columns, j));
	lxw_row_t last_header = HEADER_ROW + (lxw_row_t)depth - 1;
	header_cell(b, ws, HEADER_ROW, 0, last_header, 0, rows_by && !strcmp(rows_by, "region") ? "地区" : "机构");
	worksheet_set_column(ws, 0, 0, 24, NULL);
	worksheet_set_column(ws, 1, (lxw_col_t)ncols, 11, NULL);
	for (size_t j = 0; j < ncols; j++) {
		json_t *c = json_array_get(columns, j);
		const char *code = json_string_value(json_object_get(c, "code"));
		const char *name = json_string_value(json_object_get(c, "name"));
		json_int_t level = col_level(c);
		lxw_col_t col = (lxw_col_t)j + 1;
		lxw_row_t at = HEADER_ROW + (lxw_row_t)level - 1;
		if (code && !strcmp(code, "total")) {
			header_cell(b, ws, HEADER_ROW, col, last_header, col, name ? name : "投诉量合计");
		} else if (json_is_true(json_object_get(c, "subtotal"))) {
			/* The parent's children are the columns just before it that sit deeper. */
			size_t first = j;
			while (first > 0 && col_level(json_array_get(columns, first - 1)) > level)
				first--;
			char parent[300];
			snprintf(parent, sizeof parent, "%s", name ? name : "");
			size_t n = strlen(parent), suffix = strlen(" 小计");
			if (n >= suffix && !strcmp(parent + n - suffix, " 小计"))
				parent[n - suffix] = '\0';
			header_cell(b, ws, at, (lxw_col_t)first + 1, at, col, parent);
			if (at < last_header)
				header_cell(b, ws, at + 1, col, last_header, col, "小计");
		} else {
			header_cell(b, ws, at, col, last_header, col, name ? name : "");
		}
	}
	worksheet_freeze_panes(ws, last_header + 1, 1);
	lxw_row_t row = last_header + 1;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_t *code = json_object_get(r, "code");
		bool total = json_is_string(code) && !strcmp(json_string_value(code), "total");
		const char *name = json_string_value(json_object_get(r, "name"));
		check(b, worksheet_write_string(ws, row, 0, name ? name : "", total ? b->bold : NULL));
		json_t *cells = json_object_get(r, "cells");
		for (size_t j = 0; j < json_array_size(cells) && j < ncols; j++) {
			json_t *c = json_array_get(columns, j);
			put_value(b, ws, row, (lxw_col_t)j + 1, json_array_get(cells, j), XLSX_INT,
				  total || json_is_true(json_object_get(c, "subtotal")));
		}
		row++;
	}
}

static const char *const status_names[][2] = {
	{"registered", "已登记"}, {"processing", "处理中"}, {"reviewing", "待审核"},
	{"replied", "已答复"},    {"closed", "已办结"},     {"withdrawn", "已撤诉"},
};

void report_filter_text(const struct report_params *p, char *out, size_t n)
{
	char from[16], to[16];
	ymd_format(p->from_ymd, from, sizeof from);
	ymd_format(p->to_ymd, to, sizeof to);
	size_t len = (size_t)snprintf(out, n, "统计区间 %s 至 %s；机构 %s", from, to,
				      p->org_name ? p->org_name : "本人数据范围内全部机构");
	const char *status = p->status;
	for (size_t i = 0; status && i < NCOLS(status_names); i++)
		if (!strcmp(status, status_names[i][0]))
			status = status_names[i][1];
	static const char *const grains[][2] = {
		{"day", "日"}, {"week", "周"}, {"month", "月"}, {"quarter", "季度"}, {"year", "年"},
	};
	const char *grain = p->granularity;
	for (size_t i = 0; grain && i < NCOLS(grains); i++)
		if (!strcmp(grain, grains[i][0]))
			grain = grains[i][1];
	const char *const extra[][2] = {
		{"状态", status},
		{"投诉反映渠道", p->source_channel},
		{"业务办理渠道", p->a_code},
		{"业务类别", p->b_code},
		{"投诉原因", p->c_code},
		{"地区", p->region_code},
		{"统计粒度", grain},
	};
	for (size_t i = 0; i < NCOLS(extra) && len < n; i++)
		if (extra[i][1])
			len += (size_t)snprintf(out + len, n - len, "；%s %s", extra[i][0], extra[i][1]);
}

int report_xlsx_write(json_t *res, const char *path, const char *filters)
{
	const char *report = json_string_value(json_object_get(res, "report"));
	const char *title = json_string_value(json_object_get(res, "title"));
	if (!title)
		title = "统计报表";
	struct book b = {.wb = workbook_new(path)};
	if (!b.wb)
		return -1;
	book_formats(&b);
	/* Sheet names: at most 31 characters, the titles are shorter. */
	json_t *columns = json_object_get(res, "columns");
	const char *layout = json_string_value(json_object_get(res, "layout"));
	if (layout && !strcmp(layout, "matrix") && json_is_array(columns)) {
		matrix_sheet(&b, title, title, filters, json_string_value(json_object_get(res, "rows_by")), columns,
			     json_object_get(res, "rows"));
	} else {
		bool periods = report && (!strcmp(report, "time") || !strcmp(report, "mom") || !strcmp(report, "yoy"));
		list_sheet(&b, title, title, filters, report, json_object_get(res, "rows"), json_object_get(res, "summary"),
			   periods);
		json_t *hours = json_object_get(res, "hours");
		if (json_is_array(hours))
			list_sheet(&b, "时段分布", "投诉时段分布（按小时）", filters, "hours", hours, NULL, false);
	}
	lxw_error e = workbook_close(b.wb);
	return e == LXW_NO_ERROR ? b.rc : -1;
}
