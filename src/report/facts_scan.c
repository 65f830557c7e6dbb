/* Counting over the report index (see facts.h): a pass over the rows of the days asked for,
 * testing only the filters in use, adding each match to its group; large scans run in two halves
 * on two threads. Callers hold the read lock. */
#include "report/facts_index.h"
#include "util/due_order.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Money sums saturate instead of wrapping: rows stored before compensation was range-checked
 * (issue 11 M5) may hold up to INT64_MAX, and two of them once summed to -2 fen. */
static inline int64_t money_add(int64_t a, int64_t b)
{
	int64_t s;
	if (!__builtin_add_overflow(a, b, &s))
		return s;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

static inline void agg_add(struct fact_agg *a, uint16_t fl, uint16_t handling, int64_t comp)
{
	a->count++;
	a->closed += (fl >> 1) & 1;
	a->on_time += (fl >> 2) & 1;
	a->overdue += (fl >> 3) & 1;
	a->open += (fl >> 4) & 1;
	a->due_soon += (fl >> 5) & 1;
	a->open_overdue += (fl >> 4) & (fl >> 3) & 1;
	a->callbacks += (fl >> 6) & 1;
	a->satisfied += (fl >> 7) & 1;
	a->repeats += (fl >> 8) & 1;
	a->clock_restarted += (fl >> 10) & 1;
	a->handling_tenths += handling;
	a->compensation_fen = money_add(a->compensation_fen, comp);
}

/* The group index of row i on one axis. */
static inline uint32_t group_of(enum fact_dim dim, const uint32_t *map, uint32_t i, int32_t from_day)
{
	switch (dim) {
	case FD_DAY:
		return (uint32_t)(F.day[i] - from_day);
	case FD_HOUR:
		return F.hour[i];
	case FD_NONE:
		return 0;
	default:
		return map ? map[F.dv[dim][i]] : F.dv[dim][i];
	}
}

/* A query's row test, prepared once per scan: only the filters in use, each a table lookup. */
struct row_test {
	uint16_t need, any_right, any_tag;
	/* With own: the scope's institutions, or the caller's registrations or cases. */
	const uint8_t *scope;
	uint16_t own_registrar, own_handler;
	int32_t from;
	uint32_t span;
	const uint16_t *fcol[FD_NDICT];
	const uint8_t *fsel[FD_NDICT];
	int nf;
};

static void row_test_init(struct row_test *t, const struct fact_query *q)
{
	int32_t from = q->from_day < 0 ? 0 : q->from_day, to = q->to_day >= NDAYS ? NDAYS - 1 : q->to_day;
	t->nf = 0;
	t->scope = q->own ? q->sel[FD_SCOPE_ORG] : NULL;
	t->own_registrar = q->own_registrar;
	t->own_handler = q->own_handler;
	for (int k = 0; k < FD_NDICT; k++)
		if (q->sel[k] && !(k == FD_SCOPE_ORG && t->scope)) {
			t->fcol[t->nf] = F.dv[k];
			t->fsel[t->nf++] = q->sel[k];
		}
	t->from = from;
	t->span = (uint32_t)(to - from);
	t->need = (uint16_t)((q->rows == FR_COUNTED ? F_COUNTED : q->rows == FR_LISTED ? F_LISTED : 0) | q->need_flags);
	t->any_right = q->any_right;
	t->any_tag = q->any_tag;
}

static inline bool row_passes(const struct row_test *t, uint32_t i)
{
	if ((F.flags[i] & t->need) != t->need || (uint32_t)(F.day[i] - t->from) > t->span)
		return false;
	for (int f = 0; f < t->nf; f++)
		if (!t->fsel[f][t->fcol[f][i]])
			return false;
	if (t->scope && !t->scope[F.dv[FD_SCOPE_ORG][i]] &&
	    !(t->own_registrar && F.dv[FD_REGISTRAR][i] == t->own_registrar) &&
	    !(t->own_handler && F.dv[FD_HANDLER][i] == t->own_handler))
		return false;
	return (!t->any_right || (F.dv[FD_RIGHT][i] & t->any_right)) && (!t->any_tag || (F.dv[FD_TAG][i] & t->any_tag));
}

/* Adds row i, when it passes t, to its group and *total. */
static inline void scan_row(const struct fact_query *q, const struct row_test *t, uint32_t i, struct fact_agg *groups,
			    struct fact_agg *total)
{
	if (!row_passes(t, i))
		return;
	uint16_t fl = F.flags[i];
	agg_add(total, fl, F.handling[i], F.comp[i]);
	if (q->group == FD_RIGHT) {
		for (uint32_t bits = F.dv[FD_RIGHT][i], b = 0; bits; bits >>= 1, b++)
			if (bits & 1)
				agg_add(&groups[b + 1], fl, F.handling[i], F.comp[i]);
		return;
	}
	if (q->group == FD_NONE)
		return;
	uint32_t n2 = q->group2 == FD_NONE ? 1 : q->ngroups2;
	uint32_t g = group_of(q->group, q->map, i, q->from_day) * n2;
	if (n2 > 1)
		g += group_of(q->group2, q->map2, i, q->from_day);
	agg_add(&groups[g], fl, F.handling[i], F.comp[i]);
}

/* Counts rows [lo, hi) into groups and *total (both zeroed by the caller). */
static void scan_range(const struct fact_query *q, uint32_t lo, uint32_t hi, struct fact_agg *groups,
		       struct fact_agg *total)
{
	struct row_test t;
	row_test_init(&t, q);
	for (uint32_t i = lo; i < hi; i++)
		scan_row(q, &t, i, groups, total);
}

/* Calls visit(ctx, row) for each row of the scope institutions q selects (their lists,
 * facts_value_rows.c), and with q->own the caller's registrations and cases outside them, each
 * row once; the rows are not tested against q here. */
static void visit_listed_rows(const struct fact_query *q, void (*visit)(void *ctx, uint32_t i), void *ctx)
{
	const uint8_t *sel = q->sel[FD_SCOPE_ORG];
	for (uint32_t v = 0; v < F.dicts[FD_SCOPE_ORG].n; v++) {
		const struct value_rows *l = sel[v] ? facts_value_rows(FD_SCOPE_ORG, v) : NULL;
		for (uint32_t j = 0; l && j < l->n; j++)
			if (l->rows[j] != ROW_GONE)
				visit(ctx, l->rows[j]);
	}
	if (!q->own)
		return;
	const struct value_rows *reg = q->own_registrar ? facts_value_rows(FD_REGISTRAR, q->own_registrar) : NULL;
	for (uint32_t j = 0; reg && j < reg->n; j++) {
		uint32_t i = reg->rows[j];
		if (i != ROW_GONE && !sel[F.dv[FD_SCOPE_ORG][i]])
			visit(ctx, i);
	}
	const struct value_rows *own = q->own_handler ? facts_value_rows(FD_HANDLER, q->own_handler) : NULL;
	for (uint32_t j = 0; own && j < own->n; j++) {
		uint32_t i = own->rows[j];
		if (i != ROW_GONE && !sel[F.dv[FD_SCOPE_ORG][i]] &&
		    !(q->own_registrar && F.dv[FD_REGISTRAR][i] == q->own_registrar))
			visit(ctx, i);
	}
}

struct listed_scan {
	const struct fact_query *q;
	struct row_test t;
	struct fact_agg *groups, *total;
};

static void listed_scan_row(void *ctx, uint32_t i)
{
	struct listed_scan *c = ctx;
	scan_row(c->q, &c->t, i, c->groups, c->total);
}

/* Counts the rows visit_listed_rows gives into groups and *total (both zeroed by the caller). */
static void scan_listed_rows(const struct fact_query *q, struct fact_agg *groups, struct fact_agg *total)
{
	struct listed_scan c = {.q = q, .groups = groups, .total = total};
	row_test_init(&c.t, q);
	visit_listed_rows(q, listed_scan_row, &c);
}

/* How many entries scan_listed_rows would pass (holes not counted). */
static uint64_t listed_rows_count(const struct fact_query *q)
{
	uint64_t n = 0;
	const struct value_rows *l;
	for (uint32_t v = 0; v < F.dicts[FD_SCOPE_ORG].n; v++)
		if (q->sel[FD_SCOPE_ORG][v] && (l = facts_value_rows(FD_SCOPE_ORG, v)))
			n += l->live;
	if (q->own && q->own_registrar && (l = facts_value_rows(FD_REGISTRAR, q->own_registrar)))
		n += l->live;
	if (q->own && q->own_handler && (l = facts_value_rows(FD_HANDLER, q->own_handler)))
		n += l->live;
	return n;
}

/* A scan reads the lists when they hold fewer rows than this share of the days' span: a list's
 * rows lie scattered over the columns (a cache miss each), where the span is read in order. */
#define LISTED_ROWS_SHARE 4

/* A share of a scan run on another thread. */
struct scan_part {
	const struct fact_query *q;
	uint32_t lo, hi;
	size_t ngroups;
	struct fact_agg *groups, total;
};

static void *scan_part_main(void *arg)
{
	struct scan_part *p = arg;
	scan_range(p->q, p->lo, p->hi, p->groups, &p->total);
	return NULL;
}

void facts_agg_merge(struct fact_agg *to, const struct fact_agg *a)
{
	to->count += a->count;
	to->closed += a->closed;
	to->on_time += a->on_time;
	to->overdue += a->overdue;
	to->open += a->open;
	to->due_soon += a->due_soon;
	to->open_overdue += a->open_overdue;
	to->callbacks += a->callbacks;
	to->satisfied += a->satisfied;
	to->repeats += a->repeats;
	to->clock_restarted += a->clock_restarted;
	to->handling_tenths += a->handling_tenths;
	to->compensation_fen = money_add(to->compensation_fen, a->compensation_fen);
}

/* Below this many rows one thread is quicker than starting another. */
static uint32_t split_rows = 1000000u;

void facts_set_split_rows(uint32_t rows)
{
	split_rows = rows ? rows : 1;
}

void facts_scan_ids(const struct fact_query *q, const int64_t *ids, size_t n, struct fact_agg *total, int64_t *newest,
		    size_t want, size_t *got)
{
	*total = (struct fact_agg){0};
	if (got)
		*got = 0;
	if (!F.row_of || q->from_day > q->to_day)
		return;
	struct row_test t;
	row_test_init(&t, q);
	for (size_t k = n; k-- > 0;) { /* newest first */
		int64_t id = ids[k];
		if (id <= 0 || id >= F.row_of_len || !F.row_of[id])
			continue;
		uint32_t i = F.row_of[id] - 1;
		if (!row_passes(&t, i))
			continue;
		agg_add(total, F.flags[i], F.handling[i], F.comp[i]);
		if (newest && *got < want)
			newest[(*got)++] = id;
	}
}

/* The rows holding q's days lie in [*lo, *hi): false when none can. */
static bool days_rows(const struct fact_query *q, uint32_t *lo, uint32_t *hi)
{
	if (!F.day_lo || q->from_day > q->to_day)
		return false;
	int32_t from = q->from_day < 0 ? 0 : q->from_day, to = q->to_day >= NDAYS ? NDAYS - 1 : q->to_day;
	*lo = UINT32_MAX;
	*hi = 0;
	for (int32_t d = from; d <= to; d++) {
		if (F.day_lo[d] < *lo)
			*lo = F.day_lo[d];
		if (F.day_hi[d] > *hi)
			*hi = F.day_hi[d];
	}
	return *lo < *hi;
}

/* True when the scope's row lists are read rather than the days' rows [lo, hi). */
static bool reads_listed_rows(const struct fact_query *q, uint32_t lo, uint32_t hi)
{
	return q->sel[FD_SCOPE_ORG] && listed_rows_count(q) * LISTED_ROWS_SHARE < hi - lo;
}

void facts_scan(const struct fact_query *q, struct fact_agg *groups, struct fact_agg *total)
{
	*total = (struct fact_agg){0};
	uint32_t lo, hi;
	if (!days_rows(q, &lo, &hi))
		return;
	if (reads_listed_rows(q, lo, hi)) {
		scan_listed_rows(q, groups, total);
		return;
	}
	/* Large scans are split in two: the second half runs on a helper thread. */
	struct scan_part part = {.q = q};
	bool split = hi - lo >= split_rows;
	pthread_t t;
	if (split) {
		part.ngroups = (size_t)(q->group == FD_NONE ? 1 : q->ngroups) * (q->group2 == FD_NONE ? 1 : q->ngroups2);
		part.groups = calloc(part.ngroups, sizeof *part.groups);
		part.lo = lo + (hi - lo) / 2;
		part.hi = hi;
		hi = part.lo;
		if (!part.groups || pthread_create(&t, NULL, scan_part_main, &part) != 0) {
			free(part.groups);
			hi = part.hi;
			split = false;
		}
	}
	scan_range(q, lo, hi, groups, total);
	if (split) {
		pthread_join(t, NULL);
		facts_agg_merge(total, &part.total);
		for (size_t g = 0; g < part.ngroups; g++)
			if (part.groups[g].count)
				facts_agg_merge(&groups[g], &part.groups[g]);
		free(part.groups);
	}
}

/* facts_page_hours reads this many rows between two looks at the days completed (a day is
 * complete once the scan, going down, passed its first row, day_lo; complaints are received
 * before they are registered, so recent days complete soon after their own rows). */
#define PAGE_HOURS_STEP 2048
#define PAGE_HOURS_WINDOW 366 /* days below the newest a page may reach */

bool facts_page_hours(const struct fact_query *q, uint64_t want, int32_t *first, int32_t *last)
{
	int32_t top = q->to_day < F.max_day ? q->to_day : F.max_day;
	int32_t bottom = q->from_day > 1 ? q->from_day : 1; /* day 0: not received (NULL sorts last) */
	if (want == 0 || top < bottom || !F.day_lo)
		return false;
	if (top - bottom >= PAGE_HOURS_WINDOW)
		bottom = top - PAGE_HOURS_WINDOW + 1;
	/* Matches per hour, newest first: slot (top - day) * 24 + 23 - hour. */
	uint32_t *count = calloc((size_t)(top - bottom + 1) * 24, sizeof *count);
	if (!count)
		return false;
	struct row_test t;
	row_test_init(&t, q);
	bool found = false;
	for (uint32_t r = F.n; r > 0 && !found;) {
		uint32_t stop = r > PAGE_HOURS_STEP ? r - PAGE_HOURS_STEP : 0;
		for (uint32_t i = r; i-- > stop;)
			if (F.day[i] >= bottom && F.day[i] <= top && row_passes(&t, i))
				count[(size_t)(top - F.day[i]) * 24 + 23 - F.hour[i]]++;
		r = stop;
		/* From the top down, while each day is complete: enough matches? */
		uint64_t seen = 0;
		for (int32_t day = top; day >= bottom && F.day_lo[day] >= r && !found; day--)
			for (int h = 23; h >= 0; h--) {
				uint32_t n = count[(size_t)(top - day) * 24 + 23 - (uint32_t)h];
				if (n && !seen)
					*last = day * 24 + h;
				seen += n;
				if (seen >= want) {
					*first = day * 24 + h;
					found = true;
					break;
				}
			}
	}
	free(count);
	return found;
}

/* ---- deadline order ---- */

/* A pass in deadline order: the row test, the first want matches seen (due_order.h), their
 * number. */
struct due_pass {
	struct row_test t;
	struct due_item *heap;
	size_t n, want;
	uint64_t matches;
};

static void due_offer(void *ctx, uint32_t i)
{
	struct due_pass *p = ctx;
	if (!row_passes(&p->t, i))
		return;
	p->matches++;
	due_keep(p->heap, &p->n, p->want, (struct due_item){.due = F.due[i], .id = F.id[i]});
}

bool facts_due_page(const struct fact_query *q, size_t want, int64_t *ids, size_t *got, uint64_t *matches)
{
	*got = 0;
	*matches = 0;
	struct due_pass p = {.want = want, .heap = malloc((want ? want : 1) * sizeof *p.heap)};
	if (!p.heap || !F.id || !F.due)
		return free(p.heap), false;
	row_test_init(&p.t, q);
	uint32_t lo, hi;
	if (days_rows(q, &lo, &hi)) {
		if (reads_listed_rows(q, lo, hi))
			visit_listed_rows(q, due_offer, &p);
		else
			for (uint32_t i = lo; i < hi; i++)
				due_offer(&p, i);
	}
	due_sort(p.heap, p.n);
	for (size_t k = 0; k < p.n; k++)
		ids[k] = p.heap[k].id;
	*got = p.n;
	*matches = p.matches;
	free(p.heap);
	return true;
}
