/* JR/T 0169 code tables as versioned data: CSV import/export in the layout
 * dimension,code,parent,level,name,suggest_rights[,valid_from,valid_to,sort] and the checks a row
 * must pass. The numeric codes in the shipped table are provisional (the standard's numbering is
 * not public), so banks load their official copy through the import. Pure functions. */
#ifndef FCMS_CODES_H
#define FCMS_CODES_H
#include <jansson.h>
#include <stddef.h>

/* Parses CSV text into an array of row objects {dimension, code, parent, level, name,
 * suggest_rights, valid_from, valid_to, sort} (caller owns). A header line is recognised and
 * skipped. Missing valid_from defaults to default_from. Returns 0, or -1 with a Chinese
 * message naming the line in err. */
int codes_parse_csv(const char *text, size_t len, const char *default_from, json_t **rows,
		    char *err, size_t errlen);
/* Checks one row (as produced by codes_parse_csv or sent by the API). 0, or -1 with err. */
int codes_check_row(json_t *row, char *err, size_t errlen);
/* Formats rows as CSV with a header; caller frees. */
char *codes_format_csv(json_t *rows);
/* True for a YYYY-MM-DD date. */
int date_valid(const char *s);

#endif
