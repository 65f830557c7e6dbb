/* The values of a historical-complaint import row (domain/import.c): trimming, the formula
 * injection test, dates and times, yuan amounts, the old system's words for statuses and reply
 * results, and the rights list. Pure functions: no database, no state. */
#ifndef FCMS_IMPORT_VALUES_H
#define FCMS_IMPORT_VALUES_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s without leading and trailing spaces (ASCII and U+3000) into out[n] (cut at n - 1 bytes). */
void import_trim_to(const char *s, char *out, size_t n);
/* Whether a spreadsheet would run s as a formula when the data is opened again. */
bool import_formula_like(const char *s);
/* A date or date and time (several layouts, ISO 8601, an Excel serial), bank local time unless
 * an offset is given, as UTC epoch ms. 0 or -1. */
int import_parse_time(const char *s, int64_t *ms);
/* "1,234.56" yuan as fen (at most two decimals, at most 10^12 yuan). 0 or -1. */
int import_parse_yuan(const char *s, int64_t *fen);
/* The fcms status of an old system's status word (English or Chinese), NULL when unknown. */
const char *import_status_from(const char *s);
/* The fcms reply result of an old system's word, NULL when unknown. */
const char *import_reply_result_from(const char *s);
/* The rights cell as a new JSON array of codes (caller decrefs); NULL when out of memory. */
json_t *import_split_rights(const char *s);

#endif
