/* A report's JSON (reports.h) as a formatted Excel workbook. */
#ifndef FCMS_REPORT_XLSX_H
#define FCMS_REPORT_XLSX_H
#include <jansson.h>
#include <stddef.h>

struct report_params;

/* Writes res (a report as report_build returns it) to path: a title, the filter summary line
 * `filters`, a frozen header with column widths, numbers as numbers (rates as percentages,
 * money in yuan); tree rows indented with bold subtotals, period columns for the time reports
 * (hours on a second sheet), and merged multi-level header cells for the matrix layout. 0, or -1. */
int report_xlsx_write(json_t *res, const char *path, const char *filters);

/* The filter summary line of a report or ledger workbook: "统计区间 … 至 …；机构 …；状态 …". */
void report_filter_text(const struct report_params *p, char *out, size_t n);

#endif
