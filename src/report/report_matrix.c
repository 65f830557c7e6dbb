/* The regulator layout of the code-tree reports (layout=matrix, see report_parts.h): rows are
 * branches (children of the subtree root) or provinces, columns the whole code tree in force,
 * each parent as a 小计 column after its children, then 投诉量合计. */
#include "report/report_parts.h"
#include "store/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct matrix_axis {
	uint32_t *map; /* value → row index */
	json_t *rows;  /* row headers {code, name} */
};

static void matrix_columns(json_t *cat, json_t *cols, const struct report_tree *t, int parent, int level)
{
	const int *kids;
	int k = report_tree_children(t, parent, &kids);
	for (int j = 0; j < k; j++) {
		int i = kids[j];
		bool sub = t->n[i].nchildren > 0;
		if (sub)
			matrix_columns(cat, cols, t, i, level + 1);
		char name[300];
		snprintf(name, sizeof name, "%s%s", report_cat_name(cat, t->n[i].key), sub ? " 小计" : "");
		json_t *col = json_pack("{s:s, s:s, s:i, s:b}", "code", t->n[i].key, "name", name, "level", level,
					"subtotal", sub);
		if (t->n[i].parent >= 0)
			json_object_set_new(col, "parent", json_string(t->n[t->n[i].parent].key));
		json_object_set_new(col, "node", json_integer(i));
		json_array_append_new(cols, col);
	}
}

static json_t *matrix_report(struct report_scan *s, enum fact_dim dim, json_t *cat, const struct matrix_axis *ax)
{
	/* The full column tree: every code of the table, whether counted or not. */
	struct report_tree t = {.cat = cat, .index = json_object()};
	const char *key;
	json_t *e;
	json_object_foreach(cat, key, e)
		report_tree_node(&t, key);
	report_tree_finish(&t);
	size_t nrows = json_array_size(ax->rows);
	uint64_t *sums = NULL, *node_sum = NULL;
	if (t.oom || !(node_sum = malloc(((size_t)t.len + 1) * sizeof *node_sum))) {
		report_tree_free(&t);
		return NULL;
	}
	json_t *cols = json_array();
	matrix_columns(cat, cols, &t, -1, 1);
	json_array_append_new(cols, json_pack("{s:s, s:s, s:i, s:b}", "code", "total", "name", "投诉量合计", "level", 1,
					      "subtotal", true));
	size_t ncols = json_array_size(cols);
	uint32_t n2 = s->q.ngroups2;
	if (!(sums = calloc((nrows + 1) * ncols, sizeof *sums))) { /* last row: 合计 */
		json_decref(cols);
		free(node_sum);
		report_tree_free(&t);
		return NULL;
	}
	json_t *out_rows = json_array();
	for (size_t r = 0; r < nrows; r++) {
		/* Roll the row's leaf counts up the tree. */
		memset(node_sum, 0, ((size_t)t.len + 1) * sizeof *node_sum);
		uint64_t row_total = 0;
		for (uint32_t v = 0; v < n2; v++) {
			uint32_t c = s->groups[r * n2 + v].count;
			if (!c)
				continue;
			row_total += c;
			json_t *at = json_object_get(t.index, facts_dict_key(dim, v));
			for (int i = at ? (int)json_integer_value(at) : -1; i >= 0; i = t.n[i].parent)
				node_sum[i] += c;
		}
		for (size_t c = 0; c + 1 < ncols; c++)
			sums[r * ncols + c] = node_sum[json_integer_value(json_object_get(json_array_get(cols, c), "node"))];
		sums[r * ncols + ncols - 1] = row_total;
		for (size_t c = 0; c < ncols; c++)
			sums[nrows * ncols + c] += sums[r * ncols + c];
	}
	free(node_sum);
	for (size_t r = 0; r <= nrows; r++) {
		json_t *row = r < nrows ? json_deep_copy(json_array_get(ax->rows, r))
					: json_pack("{s:s, s:s}", "code", "total", "name", "合计");
		json_t *cells = json_array();
		for (size_t c = 0; c < ncols; c++)
			json_array_append_new(cells, json_integer((json_int_t)sums[r * ncols + c]));
		json_object_set_new(row, "cells", cells);
		json_object_set_new(row, "count", json_integer((json_int_t)sums[r * ncols + ncols - 1]));
		json_array_append_new(out_rows, row);
	}
	size_t i;
	json_array_foreach(cols, i, e)
		json_object_del(e, "node");
	free(sums);
	report_tree_free(&t);
	return json_pack("{s:o, s:o}", "columns", cols, "rows", out_rows);
}

/* Matrix rows by branch: the children of the subtree root (complaints of the root itself form
 * a "（本级）" row). */
static void axis_branches(struct matrix_axis *ax, json_t *orgs, const char *root_id)
{
	uint32_t n = facts_dict_size(FD_SCOPE_ORG);
	ax->map = calloc(n, sizeof *ax->map);
	ax->rows = json_array();
	if (!ax->map || !ax->rows)
		return; /* the caller checks */
	json_t *root = json_object_get(orgs, root_id);
	json_int_t depth = json_integer_value(json_object_get(root, "depth"));
	json_t *seen = json_object();
	json_array_append_new(ax->rows, json_pack("{s:s, s:s}", "code", root_id, "name", "（本级）"));
	/* Branch rows in catalog (path) order. */
	const char *key;
	json_t *e;
	json_object_foreach(orgs, key, e)
	{
		const char *parent = json_string_value(json_object_get(e, "parent"));
		if (parent && !strcmp(parent, root_id) && json_integer_value(json_object_get(e, "depth")) == depth + 1) {
			json_object_set_new(seen, key, json_integer((json_int_t)json_array_size(ax->rows)));
			json_array_append_new(ax->rows, json_pack("{s:s, s:s, s:O}", "code", key, "name",
								  report_cat_name(orgs, key), "fin_code", json_object_get(e, "label")));
		}
	}
	for (uint32_t v = 1; v < n; v++) {
		/* Walk up from the handling institution to the root's child. */
		const char *k = facts_dict_key(FD_SCOPE_ORG, v);
		for (int guard = 0; k && guard < 64; guard++) {
			json_t *at = json_object_get(seen, k);
			if (at) {
				ax->map[v] = (uint32_t)json_integer_value(at);
				break;
			}
			k = json_string_value(json_object_get(json_object_get(orgs, k), "parent"));
		}
	}
	json_decref(seen);
}

/* Matrix rows by province (the first level of the region tree). */
static void axis_provinces(struct matrix_axis *ax, json_t *regions)
{
	uint32_t n = facts_dict_size(FD_REGION);
	ax->map = calloc(n, sizeof *ax->map);
	ax->rows = json_array();
	if (!ax->map || !ax->rows)
		return; /* the caller checks */
	json_t *seen = json_object();
	json_array_append_new(ax->rows, json_pack("{s:s, s:s}", "code", "", "name", "（未填地区）"));
	for (uint32_t v = 1; v < n; v++) {
		const char *k = facts_dict_key(FD_REGION, v), *up;
		for (int guard = 0; guard < 4 && (up = json_string_value(json_object_get(json_object_get(regions, k), "parent")));
		     guard++)
			k = up;
		json_t *at = json_object_get(seen, k);
		if (!at) {
			at = json_integer((json_int_t)json_array_size(ax->rows));
			json_object_set_new(seen, k, at);
			json_array_append_new(ax->rows, json_pack("{s:s, s:s}", "code", k, "name", report_cat_name(regions, k)));
		}
		ax->map[v] = (uint32_t)json_integer_value(at);
	}
	json_decref(seen);
}

int report_build_matrix(struct report_run *run, json_t *res, struct refusal *e)
{
	struct report_scan *s = &run->scan;
	enum fact_dim dim = run->def->dim;
	struct matrix_axis ax = {0};
	bool by_region = run->p->rows_by && !strcmp(run->p->rows_by, "region");
	if (by_region) {
		axis_provinces(&ax, run->regions);
	} else {
		const char *root = report_root_org(run->orgs, run->p);
		axis_branches(&ax, run->orgs, root ? root : "");
	}
	s->q.group = by_region ? FD_REGION : FD_SCOPE_ORG;
	s->q.map = ax.map;
	s->q.ngroups = (uint32_t)json_array_size(ax.rows);
	s->q.group2 = dim;
	s->q.ngroups2 = facts_dict_size(dim);
	json_t *m = ax.map && ax.rows && report_scan_run(s) == 0 ? matrix_report(s, dim, run->cat, &ax) : NULL;
	json_object_set(res, "columns", json_object_get(m, "columns"));
	json_object_set(res, "rows", json_object_get(m, "rows"));
	json_object_set_new(res, "layout", json_string("matrix"));
	json_object_set_new(res, "rows_by", json_string(by_region ? "region" : "branch"));
	json_object_set_new(res, "total", json_integer(s->total.count));
	int rc = m ? 0 : DB_HARD;
	json_decref(m);
	free(ax.map);
	json_decref(ax.rows);
	return rc;
}
