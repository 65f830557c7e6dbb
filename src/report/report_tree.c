/* Tree and flat reports (see report_parts.h): a tree rolled up along a catalog (A/B/C code
 * tables, regions, institutions), listed depth-first with "level" and "parent", a parent's
 * figures the sums of its children; a flat list (source channels, rights) in catalog order. The
 * tree container is also the column tree of the matrix (report_matrix.c). */
#include "report/report_parts.h"
#include "store/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- trees ---- */

int report_tree_node(struct report_tree *t, const char *key)
{
	json_t *at = json_object_get(t->index, key);
	if (at)
		return (int)json_integer_value(at);
	json_t *e = json_object_get(t->cat, key);
	const char *parent = json_string_value(json_object_get(e, "parent"));
	int p = -1;
	if (parent && *parent && json_object_get(t->cat, parent) && !(t->root && !strcmp(key, t->root)))
		if ((p = report_tree_node(t, parent)) < 0)
			return -1;
	if (!t->index) {
		t->oom = true;
		return -1;
	}
	if (t->len == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		struct report_tnode *n = realloc(t->n, (size_t)cap * sizeof *n);
		if (!n) {
			t->oom = true;
			return -1;
		}
		t->n = n;
		t->cap = cap;
	}
	t->n[t->len] = (struct report_tnode){.key = e ? json_object_iter_key(json_object_iter_at(t->cat, key)) : key,
				      .parent = p,
				      .sort = json_integer_value(json_object_get(e, "sort"))};
	if (p >= 0)
		t->n[p].nchildren++;
	json_object_set_new(t->index, key, json_integer(t->len));
	return t->len++;
}

/* Adds a's figures to the node of key and all its ancestors. */
static void tree_add(struct report_tree *t, const char *key, const struct fact_agg *a)
{
	int i = report_tree_node(t, key);
	if (i < 0)
		return; /* t->oom */
	facts_agg_merge(&t->n[i].own, a);
	for (; i >= 0; i = t->n[i].parent)
		facts_agg_merge(&t->n[i].sum, a);
}

static int by_parent_sort(const void *a, const void *b, void *arg)
{
	const struct report_tree *t = arg;
	const struct report_tnode *x = &t->n[*(const int *)a], *y = &t->n[*(const int *)b];
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->sort != y->sort)
		return x->sort < y->sort ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Orders the nodes by parent, then sort, then key, so each node's children are one run of
 * t->order starting at t->first[parent + 1] (-1, the top, comes first). Call once after the
 * last report_tree_node(). */
void report_tree_finish(struct report_tree *t)
{
	t->order = malloc((size_t)(t->len + 1) * sizeof *t->order);
	t->first = malloc((size_t)(t->len + 2) * sizeof *t->first);
	if (!t->order || !t->first || t->oom) {
		t->oom = true;
		return;
	}
	for (int i = 0; i < t->len; i++)
		t->order[i] = i;
	qsort_r(t->order, (size_t)t->len, sizeof *t->order, by_parent_sort, t);
	for (int p = 0; p <= t->len + 1; p++)
		t->first[p] = t->len;
	for (int k = t->len - 1; k >= 0; k--)
		t->first[t->n[t->order[k]].parent + 1] = k;
}

/* The children of parent (-1: top nodes), in order: *kids points into t->order. */
int report_tree_children(const struct report_tree *t, int parent, const int **kids)
{
	int k = t->first[parent + 1], n = 0;
	while (k + n < t->len && t->n[t->order[k + n]].parent == parent)
		n++;
	*kids = t->order + k;
	return n;
}

static const char *node_label(const struct report_tree *t, int i)
{
	const char *label = json_string_value(json_object_get(json_object_get(t->cat, t->n[i].key), "label"));
	return label ? label : t->n[i].key;
}

static json_t *tree_row(const struct report_tree *t, int i, int level, const struct fact_agg *a, uint32_t total)
{
	json_t *row = json_pack("{s:s, s:s, s:i}", "code", node_label(t, i), "name", report_cat_name(t->cat, t->n[i].key),
				"level", level);
	if (t->n[i].parent >= 0)
		json_object_set_new(row, "parent", json_string(node_label(t, t->n[i].parent)));
	json_object_set_new(row, "key", json_string(t->n[i].key));
	report_measures_json(row, a, total);
	return row;
}

/* Depth-first rows of the nodes with complaints; a node with children and complaints of its own
 * gets a "（本级）" child for them. */
static void tree_emit(const struct report_tree *t, int parent, int level, uint32_t total, json_t *rows)
{
	const int *kids;
	int k = report_tree_children(t, parent, &kids);
	for (int j = 0; j < k; j++) {
		int i = kids[j];
		if (!t->n[i].sum.count)
			continue;
		json_t *row = tree_row(t, i, level, &t->n[i].sum, total);
		json_object_set_new(row, "has_children", json_boolean(t->n[i].nchildren > 0));
		json_array_append_new(rows, row);
		if (t->n[i].nchildren > 0) {
			if (t->n[i].own.count) {
				json_t *self = tree_row(t, i, level + 1, &t->n[i].own, total);
				char code[160];
				snprintf(code, sizeof code, "%s.self", node_label(t, i));
				json_object_set_new(self, "code", json_string(code));
				json_object_set_new(self, "parent", json_string(node_label(t, i)));
				json_object_set_new(self, "name", json_string("（本级）"));
				json_object_set_new(self, "self", json_true());
				json_object_set_new(self, "has_children", json_false());
				json_array_append_new(rows, self);
			}
			tree_emit(t, i, level + 1, total, rows);
		}
	}
}

void report_tree_free(struct report_tree *t)
{
	free(t->n);
	free(t->order);
	free(t->first);
	json_decref(t->index);
}

json_t *report_tree_rows(struct report_scan *s, enum fact_dim dim, json_t *cat, const char *root, int max_level)
{
	struct report_tree t = {.cat = cat, .root = root, .index = json_object()};
	uint32_t n = s->q.ngroups;
	for (uint32_t v = 1; v < n; v++)
		if (s->groups[v].count)
			tree_add(&t, facts_dict_key(dim, v), &s->groups[v]);
	if (s->groups[0].count)
		tree_add(&t, "", &s->groups[0]); /* not filled in */
	report_tree_finish(&t);
	if (t.oom) {
		report_tree_free(&t);
		return NULL;
	}
	json_t *rows = json_array();
	tree_emit(&t, -1, 1, s->total.count, rows);
	if (max_level) {
		json_t *top = json_array();
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r)
			if (json_integer_value(json_object_get(r, "level")) <= max_level)
				json_array_append(top, r);
		json_decref(rows);
		rows = top;
	}
	report_tree_free(&t);
	return rows;
}

/* A flat report over a dictionary dimension, rows in catalog order then the unknown values. */
json_t *report_flat_rows(struct report_scan *s, enum fact_dim dim, json_t *cat)
{
	json_t *rows = json_array();
	json_t *done = json_object();
	const char *key;
	json_t *e;
	static const struct fact_agg zero;
	json_object_foreach(cat, key, e)
	{
		const struct fact_agg *a = &zero;
		for (uint32_t v = 1; v < s->q.ngroups; v++)
			if (!strcmp(facts_dict_key(dim, v), key))
				a = &s->groups[v];
		json_t *row = json_pack("{s:s, s:s, s:I}", "code", key, "name", report_cat_name(cat, key), "sort",
					json_integer_value(json_object_get(e, "sort")));
		report_measures_json(row, a, s->total.count);
		json_array_append_new(rows, row);
		json_object_set_new(done, key, json_true());
	}
	for (uint32_t v = 0; v < s->q.ngroups; v++) {
		const char *k = facts_dict_key(dim, v);
		if (!s->groups[v].count || json_object_get(done, k))
			continue;
		json_t *row = json_pack("{s:s, s:s, s:I}", "code", k, "name", *k ? k : "（未填）", "sort", (json_int_t)1 << 40);
		report_measures_json(row, &s->groups[v], s->total.count);
		json_array_append_new(rows, row);
	}
	json_decref(done);
	/* Catalog order; rows with no complaints stay (a channel with 0 is an answer too). */
	size_t n = json_array_size(rows);
	json_t *sorted = json_array();
	for (size_t pass = 0; pass < n; pass++) {
		size_t best = SIZE_MAX;
		json_int_t best_sort = 0;
		for (size_t i = 0; i < json_array_size(rows); i++) {
			json_int_t so = json_integer_value(json_object_get(json_array_get(rows, i), "sort"));
			if (best == SIZE_MAX || so < best_sort) {
				best = i;
				best_sort = so;
			}
		}
		json_t *row = json_incref(json_array_get(rows, best));
		json_object_del(row, "sort");
		json_array_append_new(sorted, row);
		json_array_remove(rows, best);
	}
	json_decref(rows);
	return sorted;
}

/* Rows, total and summary of a tree or flat report. */
static int build_rows(struct report_run *run, json_t *res, bool flat)
{
	struct report_scan *s = &run->scan;
	const struct report_def *def = run->def;
	s->q.group = def->dim;
	s->q.ngroups = facts_dict_size(def->dim);
	json_t *rows = NULL;
	if (report_scan_run(s) == 0)
		rows = flat ? report_flat_rows(s, def->dim, run->cat)
			    : report_tree_rows(s, def->dim, run->cat, def->org_root ? report_root_org(run->orgs, run->p) : NULL,
					       def->max_level);
	json_object_set_new(res, "rows", rows);
	json_object_set_new(res, "total", json_integer(s->total.count));
	json_t *summary = json_object();
	report_measures_json(summary, &s->total, 0);
	json_object_set_new(res, "summary", summary);
	return rows ? 0 : DB_HARD;
}

int report_build_tree(struct report_run *run, json_t *res, struct refusal *e)
{
	return build_rows(run, res, false);
}

int report_build_flat(struct report_run *run, json_t *res, struct refusal *e)
{
	return build_rows(run, res, true);
}
