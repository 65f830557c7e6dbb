/* Formatted Excel sheets with libxlsxwriter, written in constant memory (rows stream to a temp
 * file as they come): a title, a line saying which filters made the data, a frozen bold header
 * with column widths, then the rows — numbers as numbers. libxlsxwriter 1.1.4 writes only to
 * files, so the sheet goes to a path and the caller streams it out. */
#ifndef FCMS_XLSX_H
#define FCMS_XLSX_H
#include <jansson.h>
#include <stddef.h>
#include <xlsxwriter.h>

enum xlsx_kind {
	XLSX_TEXT,
	XLSX_INT,
	XLSX_YUAN, /* integer fen shown as yuan with 2 decimals */
	XLSX_NUM,  /* a number with one decimal */
	XLSX_PCT,  /* a ratio (0.25) shown as a percentage (25.00%) */
	XLSX_TIME  /* "YYYY-MM-DDTHH:MM[:SS]..." (bank local time) written as an Excel date cell */
};

/* Values as written: ratios to 4 decimals (0.00% shows them whole), other fractions to 2, so a
 * cell never holds float noise such as 0.9088000000000001. */
double xlsx_round(double x, enum xlsx_kind kind);
/* Parses the leading "YYYY-MM-DD[ T]HH:MM[:SS]" of text into *out. 0, or -1 when it is not one. */
int xlsx_parse_time(const char *text, lxw_datetime *out);

struct xlsx_col {
	const char *key;   /* member of each row object */
	const char *title; /* Chinese column title */
	enum xlsx_kind kind;
	double width;
};

/* The formats every fcms workbook shares (title, header, and one per xlsx_kind), added to a
 * workbook once. Owned by the workbook. */
struct xlsx_formats {
	lxw_format *title, *header, *text, *money, *num, *pct, *time;
};
void xlsx_formats_add(lxw_workbook *wb, struct xlsx_formats *f);

struct xlsx_sheet;

/* Opens a workbook at path with one sheet. Caller finishes with xlsx_close. NULL on failure. */
struct xlsx_sheet *xlsx_open(const char *path, const char *sheet_name, const char *title,
			     const char *filters, const struct xlsx_col *cols, size_t ncols);
/* Appends one row from an object (missing or null members stay empty). 0, or -1. */
int xlsx_row(struct xlsx_sheet *s, json_t *row);
/* Writes the file and frees everything. 0 when the workbook was written. */
int xlsx_close(struct xlsx_sheet *s);

#endif
