/* The parts the report files share (reports.c, report_scan.c, report_tree.c, report_matrix.c,
 * report_time.c, report_dashboard.c); not for use outside src/report.
 *
 * A report is one row of the table in reports.c: its name and title, its kind (a tree rolled up
 * along a catalog, a flat list, time buckets), the dimension it groups by, where the names of its
 * rows come from (its catalog) and the builder that shapes it. report_build() loads the catalogs,
 * filters the scan by the request and hands the run to the builder under the index's read lock. */
#ifndef FCMS_REPORT_PARTS_H
#define FCMS_REPORT_PARTS_H
#include "report/facts.h"
#include "report/reports.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the report table ---- */

enum report_kind {
	RK_DETAIL, /* rows are complaints (api/reports.c pages them; no builder) */
	RK_TREE,   /* a tree rolled up along a catalog: codes, regions, institutions */
	RK_FLAT,   /* a flat list in catalog order */
	RK_TIME    /* time buckets, optionally compared with the period before or a year earlier */
};
enum report_catalog { CAT_NONE, CAT_REGIONS, CAT_ORGS, CAT_CODES, CAT_DICT };
enum report_compare { CMP_NONE, CMP_MOM, CMP_YOY };

struct report_def;
struct report_run;
/* Shapes a report into res from run->scan (filters set, not yet run). Under the read lock.
 * 0, 1 with *e (a bad parameter), or DB_HARD (out of memory). */
typedef int report_builder(struct report_run *run, json_t *res, struct refusal *e);

struct report_def {
	const char *name, *title;
	enum report_kind kind;
	enum fact_dim dim;           /* tree, flat and matrix: the dimension grouped by */
	enum report_catalog catalog; /* where the names of the rows come from */
	char code_table;             /* CAT_CODES: the code dimension (A, B, C, R) */
	const char *dict_kind;       /* CAT_DICT: the dictionary's kind */
	int max_level;               /* tree: deepest level listed (0 = all) */
	bool org_root;               /* tree: rooted at the institution asked for (report_root_org) */
	bool matrix;                 /* the regulator layout (layout=matrix) applies */
	enum report_compare compare; /* time */
	report_builder *build;
};

/* The scan with the request's filters (report_scan.c). */
struct report_scan {
	struct fact_query q;
	uint8_t *sel[FD_NDICT];
	struct fact_agg *groups;
	struct fact_agg total;
};

/* One report being built. */
struct report_run {
	const struct report_def *def;
	const struct report_params *p;
	struct report_scan scan;
	json_t *orgs;    /* the institution catalog (owned by report_build) */
	json_t *regions; /* the region catalog (borrowed: cached for the process) */
	json_t *cat;     /* the report's own catalog (owned by report_build; NULL for time reports) */
};

report_builder report_build_tree, report_build_flat, report_build_matrix, report_build_time;

/* ---- catalogs: code → {name, parent, sort[, label]} (report_scan.c) ---- */

/* The code table of one dimension ('A', 'B', 'C', 'R'). 0 with *out (caller decrefs), or < 0. */
int report_catalog_codes(struct db *d, char dim, json_t **out);
/* Regions, read once for the process. *out is borrowed. 0 or < 0. */
int report_catalog_regions(struct db *d, json_t **out);
/* Two code tables from one read of the codes (the dashboard's causes and types); out2 may be
 * NULL for one. */
int report_catalog_codes2(struct db *d, char dim1, json_t **out1, char dim2, json_t **out2);
/* Institutions keyed by id, with path, depth and the 金融机构编码 as label. Caller decrefs. */
int report_catalog_orgs(struct db *d, json_t **out);
/* Only the institutions p's subtrees hold, keyed by id with their path: what report_scan_filters
 * reads to select them, for a count that shows no institution (a list's total, the dashboard).
 * Building the whole catalogue for each list's count was 9% of the server's CPU under the
 * working day. Caller decrefs. 0 or negative. */
int report_catalog_org_paths(struct db *d, const struct report_params *p, json_t **out);
/* A dictionary (e.g. "source_channel"). Caller decrefs. */
int report_catalog_dict(struct db *d, const char *kind, json_t **out);
/* The name of code in cat, or code itself when it has none. Borrowed. */
const char *report_cat_name(json_t *cat, const char *code);
/* The subtree root shown by the institution report and the matrix: the institution asked for,
 * else the caller's own (scope), else the top of the bank. A key of orgs, or NULL. */
const char *report_root_org(json_t *orgs, const struct report_params *p);

/* ---- the scan (report_scan.c) ---- */

/* Builds the selections of p under the read lock (orgs: the institution catalog, may be NULL
 * when p selects no institution). 0, or DB_HARD when out of memory (report_scan_free still
 * frees what was made). */
int report_scan_filters(struct report_scan *s, const struct report_params *p, json_t *orgs);
/* Runs the scan grouped as s->q says (group sizes set by the caller); groups are allocated.
 * 0, or DB_HARD when out of memory. */
int report_scan_run(struct report_scan *s);
void report_scan_free(struct report_scan *s);
/* "YYYY-MM-DD" of a day number into out (at least 16 bytes). */
void report_day_text(int32_t day, char *out, size_t n);

/* ---- trees (report_tree.c) ---- */

struct report_tnode {
	const char *key; /* catalog key (borrowed from the catalog or the index dictionary) */
	int parent;      /* node index, -1 for a top node */
	json_int_t sort;
	struct fact_agg sum, own;
	int nchildren;
};

struct report_tree {
	json_t *cat;      /* borrowed */
	const char *root; /* a key shown as a top node even when it has a parent (NULL: none) */
	struct report_tnode *n;
	int len, cap;
	json_t *index;      /* key → node index */
	int *order, *first; /* see report_tree_finish */
	bool oom;           /* an allocation failed: the tree is not to be used */
};

/* The node of key, made with its ancestors when new. Its index, or -1 with t->oom set. */
int report_tree_node(struct report_tree *t, const char *key);
/* Orders the nodes by parent, then sort, then key. Call once after the last report_tree_node(). */
void report_tree_finish(struct report_tree *t);
/* The children of parent (-1: top nodes), in order: *kids points into t->order. Their number. */
int report_tree_children(const struct report_tree *t, int parent, const int **kids);
void report_tree_free(struct report_tree *t);
/* The rows of a tree report over a dictionary dimension (depth-first, levels up to max_level,
 * 0 = all), or NULL when out of memory. Caller decrefs. */
json_t *report_tree_rows(struct report_scan *s, enum fact_dim dim, json_t *cat, const char *root, int max_level);
/* The rows of a flat report: catalog order, then the values the catalog lacks. Caller decrefs. */
json_t *report_flat_rows(struct report_scan *s, enum fact_dim dim, json_t *cat);

#endif
