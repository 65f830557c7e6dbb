/* The rows of each value of the listed dimensions (facts_index.h: struct value_rows): scope
 * institutions, registrars, handlers. A branch's list count, dashboard or report scanned every
 * row of the days asked, the whole index without dates: 1M rows (1.3 ms of a sub-branch's 4.5 ms
 * list request at 1M) for the 12,000 of its subtree. A row that takes another value (a transfer,
 * an assignment) leaves a hole in its old list; a list with more holes than rows is compacted. */
#include "report/facts_index.h"
#include <stdlib.h>
#include <string.h>

int facts_listed_dim(enum fact_dim dim)
{
	switch (dim) {
	case FD_SCOPE_ORG:
		return 0;
	case FD_REGISTRAR:
		return 1;
	case FD_HANDLER:
		return 2;
	default:
		return -1;
	}
}

/* Room in l for rows [0, F.cap) (new ones in no list) and values [0, v]. */
static void make_room(struct dim_rows *l, uint32_t v)
{
	if (l->pos_cap < F.cap) {
		l->pos = facts_grow(l->pos, sizeof *l->pos, F.cap);
		memset(l->pos + l->pos_cap, 0xff, (size_t)(F.cap - l->pos_cap) * sizeof *l->pos);
		l->pos_cap = F.cap;
	}
	if (v >= l->len) {
		uint32_t len = l->len ? l->len : 64;
		while (len <= v)
			len *= 2;
		l->of = facts_grow(l->of, sizeof *l->of, len);
		memset(l->of + l->len, 0, (size_t)(len - l->len) * sizeof *l->of);
		l->len = len;
	}
}

/* Drops the holes of one value's rows r, moving its rows forward (their places in pos follow). */
static void compact(struct value_rows *r, uint32_t *pos)
{
	uint32_t k = 0;
	for (uint32_t j = 0; j < r->n; j++)
		if (r->rows[j] != ROW_GONE) {
			r->rows[k] = r->rows[j];
			pos[r->rows[k]] = k;
			k++;
		}
	r->n = k;
}

void facts_set_value(enum fact_dim dim, uint32_t i, uint16_t v)
{
	int k = facts_listed_dim(dim);
	if (k < 0) {
		F.dv[dim][i] = v;
		return;
	}
	struct dim_rows *l = &F.listed[k];
	make_room(l, v);
	uint32_t at = l->pos[i];
	if (at != ROW_GONE) {
		uint16_t old = F.dv[dim][i];
		if (old == v)
			return;
		struct value_rows *r = &l->of[old];
		r->rows[at] = ROW_GONE;
		r->live--;
		if (r->n > 2 * r->live + 64)
			compact(r, l->pos);
	}
	struct value_rows *r = &l->of[v];
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->rows = facts_grow(r->rows, sizeof *r->rows, r->cap);
	}
	l->pos[i] = r->n;
	r->rows[r->n++] = i;
	r->live++;
	F.dv[dim][i] = v;
}

void facts_value_rows_reset(void)
{
	for (int k = 0; k < LISTED_DIMS; k++) {
		struct dim_rows *l = &F.listed[k];
		for (uint32_t v = 0; v < l->len; v++)
			l->of[v].n = l->of[v].live = 0;
		if (l->pos_cap)
			memset(l->pos, 0xff, (size_t)l->pos_cap * sizeof *l->pos);
	}
}

void facts_value_rows_rebuild(void)
{
	facts_value_rows_reset();
	static const enum fact_dim dims[] = {FD_SCOPE_ORG, FD_REGISTRAR, FD_HANDLER};
	for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++)
		for (uint32_t i = 0; i < F.n; i++)
			facts_set_value(dims[k], i, F.dv[dims[k]][i]);
}

void facts_value_rows_free(void)
{
	for (int k = 0; k < LISTED_DIMS; k++) {
		struct dim_rows *l = &F.listed[k];
		for (uint32_t v = 0; v < l->len; v++)
			free(l->of[v].rows);
		free(l->of);
		free(l->pos);
		*l = (struct dim_rows){0};
	}
}

const struct value_rows *facts_value_rows(enum fact_dim dim, uint32_t v)
{
	int k = facts_listed_dim(dim);
	return k >= 0 && v < F.listed[k].len ? &F.listed[k].of[v] : NULL;
}
