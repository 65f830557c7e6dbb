/* Unit tests for the import file reader (src/util/sheet_read.c): CSV quoting, line ends, BOM and
 * GBK input, blank rows and file row numbers, the cell and column bounds, type sniffing, and an
 * xlsx with shared and inline strings, a formula cell and a skipped row, written by hand as a zip
 * (libxlsxwriter writes only shared strings; the reader must take what Excel and WPS write). */
#include "util/sheet_read.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <cmocka.h>

struct got {
	int n;
	int64_t row_no[16];
	int ncells[16];
	char cells[16][8][64];
	bool formula[16][8];
};

static int collect(const struct sheet_row *row, void *arg)
{
	struct got *g = arg;
	if (g->n >= 16)
		return 9;
	g->row_no[g->n] = row->row_no;
	g->ncells[g->n] = row->ncells;
	for (int i = 0; i < row->ncells && i < 8; i++) {
		snprintf(g->cells[g->n][i], 64, "%s", row->cells[i]);
		g->formula[g->n][i] = row->formula[i];
	}
	g->n++;
	return 0;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void csv_quoting_and_rows(void **state)
{
	char path[] = "/tmp/fcms-sheet-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	const char *text = "\xEF\xBB\xBF编号,内容\r\n"
			   "A1,\"含,逗号和\"\"引号\"\"\"\r\n"
			   "\r\n"
			   "A2,\"跨\n行\"\n"
			   "A3,=cmd|' /C calc'!A0";
	write_file(path, text, strlen(text));
	struct got g = {0};
	char err[200];
	assert_int_equal(sheet_read(path, SHEET_CSV, collect, &g, err, sizeof err), 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.cells[0][0], "编号");
	assert_string_equal(g.cells[1][1], "含,逗号和\"引号\"");
	assert_int_equal(g.ncells[2], 0); /* the blank row is reported, with its number */
	assert_int_equal(g.row_no[2], 3);
	assert_int_equal(g.row_no[3], 4);
	assert_string_equal(g.cells[3][1], "跨\n行");
	assert_int_equal(g.row_no[4], 6); /* the quoted line end counts */
	assert_string_equal(g.cells[4][1], "=cmd|' /C calc'!A0");
	unlink(path);
}

static void csv_gbk_and_bounds(void **state)
{
	char path[] = "/tmp/fcms-sheet-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	/* "编号,内容\n1,投诉\n" in GBK */
	const unsigned char gbk[] = {0xB1, 0xE0, 0xBA, 0xC5, ',', 0xC4, 0xDA, 0xC8, 0xDD, '\n', '1', ',',
				     0xCD, 0xB6, 0xCB, 0xDF, '\n'};
	write_file(path, gbk, sizeof gbk);
	struct got g = {0};
	char err[200];
	assert_int_equal(sheet_read(path, SHEET_CSV, collect, &g, err, sizeof err), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.cells[0][0], "编号");
	assert_string_equal(g.cells[1][1], "投诉");

	/* a cell over the bound is an error naming the row */
	size_t n = SHEET_MAX_CELL + 100;
	char *big = malloc(n + 8);
	assert_non_null(big);
	memcpy(big, "a\nb,", 4);
	memset(big + 4, 'x', n);
	write_file(path, big, n + 4);
	free(big);
	memset(&g, 0, sizeof g);
	assert_int_equal(sheet_read(path, SHEET_CSV, collect, &g, err, sizeof err), -1);
	assert_non_null(strstr(err, "第 2 行"));
	/* an unclosed quote */
	write_file(path, "a\n\"b,c\n", 7);
	memset(&g, 0, sizeof g);
	assert_int_equal(sheet_read(path, SHEET_CSV, collect, &g, err, sizeof err), -1);
	assert_non_null(strstr(err, "引号"));
	unlink(path);
}

static void sniff(void **state)
{
	assert_int_equal(sheet_sniff("PK\x03\x04rest", 8), SHEET_XLSX);
	assert_int_equal(sheet_sniff("a,b\n", 4), SHEET_CSV);
	assert_int_equal(sheet_sniff("\xD0\xCF\x11\xE0\0\0", 6), SHEET_UNKNOWN);
	assert_int_equal(sheet_sniff("%PDF\0", 5), SHEET_UNKNOWN);
	assert_int_equal(sheet_sniff("", 0), SHEET_UNKNOWN);
}

/* An xlsx written by libxlsxwriter: shared strings, numbers, a formula, a skipped row. */
static void xlsx_cells(void **state)
{
	char path[] = "/tmp/fcms-sheet-XXXXXX.xlsx";
	int fd = mkstemps(path, 5);
	close(fd);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "投诉");
	worksheet_write_string(ws, 0, 0, "编号", NULL);
	worksheet_write_string(ws, 0, 1, "金额", NULL);
	worksheet_write_string(ws, 1, 0, "OLD-1", NULL);
	worksheet_write_number(ws, 1, 1, 12.5, NULL);
	worksheet_write_string(ws, 3, 0, "OLD-3", NULL);
	worksheet_write_formula(ws, 3, 2, "=1+1", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	struct got g = {0};
	char err[200];
	assert_int_equal(sheet_read(path, SHEET_XLSX, collect, &g, err, sizeof err), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.cells[0][0], "编号");
	assert_string_equal(g.cells[1][0], "OLD-1");
	assert_string_equal(g.cells[1][1], "12.5");
	assert_int_equal(g.ncells[2], 0); /* row 3 is not in the sheet: reported blank */
	assert_int_equal(g.row_no[3], 4);
	assert_string_equal(g.cells[3][0], "OLD-3");
	assert_false(g.formula[3][0]);
	assert_true(g.formula[3][2]);
	/* not a zip */
	write_file(path, "a,b\n", 4);
	assert_int_equal(sheet_read(path, SHEET_XLSX, collect, &g, err, sizeof err), -1);
	assert_non_null(strstr(err, "xlsx"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_quoting_and_rows),
		cmocka_unit_test(csv_gbk_and_bounds),
		cmocka_unit_test(sniff),
		cmocka_unit_test(xlsx_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
