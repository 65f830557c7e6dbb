/* Counting over the report index (see facts.h): a pass over the rows of the days asked for,
 * testing only the filters in use, adding each match to its group; large scans run in two halves
 * on two threads. Callers hold the read lock. */
#include "report/facts_index.h"
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

/* Counts rows [lo, hi) into groups and *total (both zeroed by the caller). */
static void scan_range(const struct fact_query *q, uint32_t lo, uint32_t hi, struct fact_agg *groups,
		       struct fact_agg *total)
{
	int32_t from = q->from_day < 0 ? 0 : q->from_day, to = q->to_day >= NDAYS ? NDAYS - 1 : q->to_day;
	/* Only the filters in use are tested, each a table lookup. */
	const uint16_t *fcol[FD_NDICT];
	const uint8_t *fsel[FD_NDICT];
	int nf = 0;
	for (int k = 0; k < FD_NDICT; k++)
		if (q->sel[k]) {
			fcol[nf] = F.dv[k];
			fsel[nf++] = q->sel[k];
		}
	uint32_t span = (uint32_t)(to - from);
	uint16_t need = q->rows == FR_COUNTED ? F_COUNTED : q->rows == FR_LISTED ? F_LISTED : 0;
	bool rights = q->group == FD_RIGHT;
	uint32_t n2 = q->group2 == FD_NONE ? 1 : q->ngroups2;
	for (uint32_t i = lo; i < hi; i++) {
		uint16_t fl = F.flags[i];
		if ((fl & need) != need || (uint32_t)(F.day[i] - from) > span)
			continue;
		int f = 0;
		while (f < nf && fsel[f][fcol[f][i]])
			f++;
		if (f < nf)
			continue;
		agg_add(total, fl, F.handling[i], F.comp[i]);
		if (rights) {
			for (uint32_t bits = F.dv[FD_RIGHT][i], b = 0; bits; bits >>= 1, b++)
				if (bits & 1)
					agg_add(&groups[b + 1], fl, F.handling[i], F.comp[i]);
			continue;
		}
		if (q->group == FD_NONE)
			continue;
		uint32_t g = group_of(q->group, q->map, i, q->from_day) * n2;
		if (n2 > 1)
			g += group_of(q->group2, q->map2, i, q->from_day);
		agg_add(&groups[g], fl, F.handling[i], F.comp[i]);
	}
}

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

void facts_scan(const struct fact_query *q, struct fact_agg *groups, struct fact_agg *total)
{
	*total = (struct fact_agg){0};
	if (!F.day_lo || q->from_day > q->to_day)
		return;
	int32_t from = q->from_day < 0 ? 0 : q->from_day, to = q->to_day >= NDAYS ? NDAYS - 1 : q->to_day;
	uint32_t lo = UINT32_MAX, hi = 0;
	for (int32_t d = from; d <= to; d++) {
		if (F.day_lo[d] < lo)
			lo = F.day_lo[d];
		if (F.day_hi[d] > hi)
			hi = F.day_hi[d];
	}
	if (lo >= hi)
		return;
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
