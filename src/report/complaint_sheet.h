/* Complaint rows as Excel sheet rows, shared by the query export (投诉单查询 → Excel) and the
 * statistical ledger (投诉明细报表): the columns, the code and channel names, and one masked
 * complaint view (complaint_view) shaped into a row of those columns. Identity stays as the
 * view masked it; nothing here unmasks. */
#ifndef FCMS_COMPLAINT_SHEET_H
#define FCMS_COMPLAINT_SHEET_H
#include "report/xlsx.h"
#include <jansson.h>

struct db;
struct complaint_settings;

extern const struct xlsx_col report_complaint_cols[];
extern const size_t report_complaint_ncols;
/* code → "code name" for the A, B, C codes, "channel:<code>" → name for source channels,
 * "region:<code>" → the region's full name ("广东省广州市海珠区").
 * Caller owns. */
json_t *report_complaint_names(struct db *d);
/* A sheet row for report_complaint_cols from a complaint view (borrowed) and the names above.
 * Caller owns. */
json_t *report_complaint_row(json_t *view, json_t *names);

/* Writes store complaint records (a page of store_complaint_list or store_complaint_keyset,
 * borrowed) to sheet as masked rows of report_complaint_cols. 0, or -1 when a row failed. */
int report_complaint_write(struct xlsx_sheet *sheet, json_t *records, const struct complaint_settings *cfg,
			   json_t *names);

#endif
