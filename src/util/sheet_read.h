/* Reading a table from a file a bank's old system exported: CSV (RFC 4180, UTF-8 with or without
 * a byte-order mark, or GB18030/GBK, converted) or the first worksheet of an Excel .xlsx (a zip of
 * XML read with minizip and expat, streamed: the sheet is never held whole in memory). Rows come
 * to a callback one at a time, as text cells; the reader knows nothing of complaints.
 *
 * Bounds: at most SHEET_MAX_COLS cells per row and SHEET_MAX_CELL bytes per cell (longer is an
 * error naming the row); an xlsx part may not inflate past SHEET_MAX_XML bytes (zip bombs).
 * A cell that holds an Excel formula is flagged, its cached value kept as text. */
#ifndef FCMS_SHEET_READ_H
#define FCMS_SHEET_READ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHEET_MAX_COLS 128
#define SHEET_MAX_CELL (32 * 1024)
#define SHEET_MAX_XML ((int64_t)1 << 30)

enum sheet_kind { SHEET_UNKNOWN = 0, SHEET_CSV, SHEET_XLSX };

/* The kind of a file from its first bytes: a zip (xlsx), text (CSV: no NUL byte in head), or
 * unknown (other binary: an old .xls, a PDF ...). */
enum sheet_kind sheet_sniff(const void *head, size_t n);

struct sheet_row {
	int64_t row_no;       /* 1-based row number in the file (a CSV record's first line) */
	int ncells;
	const char **cells;   /* borrowed until the callback returns; "" for empty */
	const bool *formula;  /* formula[i]: cell i held a formula (xlsx) */
};

/* Called for each row in file order, blank rows included (ncells 0). Return 0 to go on, non-zero
 * to stop (sheet_read then returns that value). */
typedef int (*sheet_row_fn)(const struct sheet_row *row, void *ctx);

/* Reads the file at path. 0 after the last row, the callback's non-zero value when it stopped,
 * or -1 with a Chinese message in err (not a CSV / xlsx, broken zip or XML, a cell or row over
 * the bounds). */
int sheet_read(const char *path, enum sheet_kind kind, sheet_row_fn fn, void *ctx, char *err, size_t errlen);

#endif
