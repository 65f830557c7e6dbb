/* The statistical reports (统计报表) over the report index (facts.h): names, filters, the trees
 * they roll up along, and the JSON they answer with (shape fixed in CONTRACT.md:
 * {"report","from","to","rows":[{"code","name","count",...}],"total"}).
 *
 * Every row carries the measures beside the count (see report_measures_json). Tree reports (A/B/C
 * code trees, institutions, regions) list rows depth-first with "level" and "parent"; a parent's
 * figures are the sums of its children (a node that also has complaints of its own gets a child
 * row "（本级）" for them, so subtotals always add up). */
#ifndef FCMS_REPORTS_H
#define FCMS_REPORTS_H
#include "domain/refusal.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct fact_agg;

struct report_params {
	const char *name;
	int32_t from_ymd, to_ymd; /* received date range, inclusive (yyyymmdd) */
	/* Data scope: only complaints whose handling institution path starts with scope_path (or,
	 * when scope_exact, equals it); NULL = the whole bank. */
	const char *scope_path;
	bool scope_exact;
	const char *org_path; /* the institution subtree asked for (NULL = the scope) */
	const char *org_name; /* its name, for titles */
	const char *status, *source_channel;
	const char *a_code, *b_code, *c_code, *region_code; /* code prefixes */
	const char *complained_org_path; /* complained institution subtree */
	const char *granularity;  /* time, mom, yoy: day | week | month | quarter | year */
	const char *layout;       /* "matrix": the regulator layout (code-tree reports) */
	const char *rows_by;      /* matrix rows: "branch" (default) or "region" */
};

/* True when name is one of the twelve reports. */
bool report_known(const char *name);
/* The Chinese title of a report ("投诉原因统计"), or NULL. */
const char *report_title(const char *name);
/* True for the report whose rows are complaints (detail): api pages it, report_build does not. */
bool report_lists_complaints(const char *name);

/* Builds a report (not "detail", whose rows are complaints) after bringing the index up to date
 * on d. Returns 0 with *out (caller owns), 1 with *e for a bad parameter (also for "detail"),
 * negative on a store error. */
int report_build(struct db *d, const struct report_params *p, json_t **out, struct refusal *e);

/* The number of complaints the reports count for p (the detail ledger's total). 0 or negative. */
int report_count(struct db *d, const struct report_params *p, int64_t *total);

/* The complaint list's total from the report index, when the list's filters and the caller's
 * scope are ones the index holds (no number, deadline state, person or identity filters; a tag
 * or right among the 16 it records; a text only as the full-text index's matches, SQLite;
 * whole days; whole-bank scope, a subtree filter inside the caller's subtree, or the caller's
 * own institution without an institution filter). The caller's own complaints outside the scope
 * are tested in the index too (its registrar and handler columns); when it cannot tell people
 * apart (over 65,535), SQL finds them, at most COMPLAINT_COUNT_CAP. Returns 1 with *total, 0
 * when the list must count in SQL, negative on a store error. With hours (may be NULL), found
 * when the index also knew the received hours holding the newest f->offset + f->limit matches:
 * [from, to) in epoch ms, whole local hours; a page newest received first lies in them. */
struct report_page_hours {
	bool found;
	int64_t from, to;
};
struct complaint_filter;
struct scope_filter;
/* A list page (f->offset, f->limit) and its exact total from the report index, for the
 * filters and scope report_list_count takes and a page no deeper than LIST_PAGE_DEPTH_MAX:
 * - a text search (f->q), newest first: its matches found in the full-text index (SQLite) or
 *   the kept matches (PostgreSQL, store_complaint_text_ids), tested here (SQL tested each match,
 *   newest first, against its table row until the page was full, 150 ms p50 under the working
 *   day's load for a sub-branch);
 * - without text, in deadline order (f->sort_by_due): the first matches by (due_at, NULL last,
 *   id) among the index's rows (PostgreSQL sorted a branch's complaints of a date range by their
 *   deadline, or walked the deadline index past other branches': 135-730 ms a page under load).
 * 1 with *items (caller owns) and *total, 0 when the list must ask SQL (other orders, filters or
 * scopes, the index loading), negative on an error. */
#define LIST_PAGE_DEPTH_MAX 10000
int report_list_page(struct db *d, const struct complaint_filter *f, const struct scope_filter *sf, json_t **items,
		     int64_t *total);
int report_list_count(struct db *d, const struct complaint_filter *f, const struct scope_filter *sf,
		      int64_t *total, struct report_page_hours *hours);

/* The dashboard (首页) figures for the scope: today, open, due soon, overdue, a 30-day trend,
 * top causes and business types, channel mix, on-time and satisfaction rates. */
int report_dashboard(struct db *d, const struct report_params *p, int32_t today_ymd, json_t **out);

/* Adds the measures of a (count, closed, closed_on_time, on_time_rate, overdue, open, due_soon,
 * avg_handling_days, callbacks, satisfaction_rate, repeats, repeat_rate, compensation_fen, and
 * share of total when total > 0) to row. Rates are null when their base is 0. */
void report_measures_json(json_t *row, const struct fact_agg *a, uint32_t total);

#endif
