/* Excel writer (see xlsx.h). */
#include "report/xlsx.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xlsx_sheet {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	struct xlsx_formats fmt;
	const struct xlsx_col *cols;
	size_t ncols;
	lxw_row_t row;
};

void xlsx_formats_add(lxw_workbook *wb, struct xlsx_formats *f)
{
	f->title = workbook_add_format(wb);
	format_set_bold(f->title);
	format_set_font_size(f->title, 14);
	f->header = workbook_add_format(wb);
	format_set_bold(f->header);
	format_set_bg_color(f->header, 0xDCE6F1);
	format_set_border(f->header, LXW_BORDER_THIN);
	format_set_text_wrap(f->header);
	format_set_align(f->header, LXW_ALIGN_CENTER);
	format_set_align(f->header, LXW_ALIGN_VERTICAL_CENTER);
	f->text = workbook_add_format(wb);
	format_set_text_wrap(f->text);
	format_set_align(f->text, LXW_ALIGN_VERTICAL_TOP);
	f->money = workbook_add_format(wb);
	format_set_num_format(f->money, "#,##0.00");
	f->num = workbook_add_format(wb);
	format_set_num_format(f->num, "0.0");
	f->pct = workbook_add_format(wb);
	format_set_num_format(f->pct, "0.00%");
	f->time = workbook_add_format(wb);
	format_set_num_format(f->time, "yyyy-mm-dd hh:mm");
	format_set_align(f->time, LXW_ALIGN_VERTICAL_TOP);
}

double xlsx_round(double x, enum xlsx_kind kind)
{
	double scale = kind == XLSX_PCT ? 1e4 : 1e2;
	if (!isfinite(x) || x == floor(x))
		return x;
	return round(x * scale) / scale;
}

int xlsx_parse_time(const char *t, lxw_datetime *out)
{
	int y, mo, d, h, mi, n = 0;
	double sec = 0;
	if (!t || sscanf(t, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n < 16)
		return -1;
	if (t[n] == ':' && sscanf(t + n + 1, "%2lf", &sec) != 1)
		return -1;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec >= 60)
		return -1;
	*out = (lxw_datetime){.year = y, .month = mo, .day = d, .hour = h, .min = mi, .sec = sec};
	return 0;
}

struct xlsx_sheet *xlsx_open(const char *path, const char *sheet_name, const char *title,
			     const char *filters, const struct xlsx_col *cols, size_t ncols)
{
	struct xlsx_sheet *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
	s->wb = workbook_new_opt(path, &opt);
	if (!s->wb) {
		free(s);
		return NULL;
	}
	s->ws = workbook_add_worksheet(s->wb, sheet_name);
	xlsx_formats_add(s->wb, &s->fmt);
	s->cols = cols;
	s->ncols = ncols;
	for (size_t c = 0; c < ncols; c++)
		worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width > 0 ? cols[c].width : 14, NULL);
	worksheet_write_string(s->ws, 0, 0, title, s->fmt.title);
	worksheet_write_string(s->ws, 1, 0, filters ? filters : "", NULL);
	for (size_t c = 0; c < ncols; c++)
		worksheet_write_string(s->ws, 2, (lxw_col_t)c, cols[c].title, s->fmt.header);
	worksheet_freeze_panes(s->ws, 3, 0);
	s->row = 3;
	return s;
}

int xlsx_row(struct xlsx_sheet *s, json_t *row)
{
	for (size_t c = 0; c < s->ncols; c++) {
		json_t *v = json_object_get(row, s->cols[c].key);
		if (!v || json_is_null(v))
			continue;
		lxw_col_t col = (lxw_col_t)c;
		lxw_error e;
		lxw_datetime dt;
		if (s->cols[c].kind == XLSX_TIME && xlsx_parse_time(json_string_value(v), &dt) == 0)
			e = worksheet_write_datetime(s->ws, s->row, col, &dt, s->fmt.time);
		else if (s->cols[c].kind == XLSX_YUAN && json_is_integer(v))
			e = worksheet_write_number(s->ws, s->row, col, (double)json_integer_value(v) / 100.0, s->fmt.money);
		else if (json_is_integer(v))
			e = worksheet_write_number(s->ws, s->row, col, (double)json_integer_value(v), NULL);
		else if (json_is_number(v))
			e = worksheet_write_number(s->ws, s->row, col, xlsx_round(json_number_value(v), s->cols[c].kind),
						   s->cols[c].kind == XLSX_PCT ? s->fmt.pct : s->cols[c].kind == XLSX_NUM ? s->fmt.num : NULL);
		else
			e = worksheet_write_string(s->ws, s->row, col, json_string_value(v) ? json_string_value(v) : "", s->fmt.text);
		if (e != LXW_NO_ERROR)
			return -1;
	}
	s->row++;
	return 0;
}

int xlsx_close(struct xlsx_sheet *s)
{
	lxw_error e = workbook_close(s->wb);
	free(s);
	return e == LXW_NO_ERROR ? 0 : -1;
}
