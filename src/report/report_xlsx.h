/* A report's JSON (reports.h) as a formatted Excel workbook. */
#ifndef FCMS_REPORT_XLSX_H
#define FCMS_REPORT_XLSX_H
#include <jansson.h>

/* Writes res (a report as report_build returns it) to path with a title, the filter summary
 * line `filters`, a frozen header and numbers as numbers. 0, or -1. */
int report_xlsx_write(json_t *res, const char *path, const char *filters);

#endif
