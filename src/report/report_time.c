/* Time reports (see report_parts.h): time (buckets of a day, week, month, quarter or year, and
 * the hours of the day), mom (each bucket against the whole period before it) and yoy (against
 * the same dates a year earlier). One scan by day (and hour, for time) over everything the
 * comparisons need. */
#include "report/report_parts.h"
#include "domain/refusal.h"
#include "store/db.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum gran { G_DAY, G_WEEK, G_MONTH, G_QUARTER, G_YEAR };

static int parse_gran(const char *g)
{
	static const char *const names[] = {"day", "week", "month", "quarter", "year"};
	if (!g)
		return G_MONTH;
	for (int i = 0; i < 5; i++)
		if (!strcmp(g, names[i]))
			return i;
	return -1;
}

/* The first day of the period holding day. */
static int32_t period_start(int g, int32_t day)
{
	int32_t ymd = facts_day_ymd(day);
	int y = ymd / 10000, m = ymd / 100 % 100;
	switch (g) {
	case G_WEEK:
		return day - (int32_t)(((day + 3) % 7 + 7) % 7); /* Monday */
	case G_MONTH:
		return facts_ymd_day(y * 10000 + m * 100 + 1);
	case G_QUARTER:
		return facts_ymd_day(y * 10000 + ((m - 1) / 3 * 3 + 1) * 100 + 1);
	case G_YEAR:
		return facts_ymd_day(y * 10000 + 101);
	default:
		return day;
	}
}

/* The first day of the next period. */
static int32_t period_next(int g, int32_t start)
{
	int32_t ymd = facts_day_ymd(start);
	int y = ymd / 10000, m = ymd / 100 % 100;
	switch (g) {
	case G_WEEK:
		return start + 7;
	case G_MONTH:
		return facts_ymd_day(m == 12 ? (y + 1) * 10000 + 101 : y * 10000 + (m + 1) * 100 + 1);
	case G_QUARTER:
		return facts_ymd_day(m >= 10 ? (y + 1) * 10000 + 101 : y * 10000 + (m + 3) * 100 + 1);
	case G_YEAR:
		return facts_ymd_day((y + 1) * 10000 + 101);
	default:
		return start + 1;
	}
}

static void period_label(int g, int32_t start, char *code, size_t n, char *name, size_t nn)
{
	int32_t ymd = facts_day_ymd(start);
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	switch (g) {
	case G_WEEK: {
		int32_t thu = start + 3, tymd = facts_day_ymd(thu);
		int week = (thu - facts_ymd_day(tymd / 10000 * 10000 + 101)) / 7 + 1;
		snprintf(code, n, "%04d-W%02d", tymd / 10000, week);
		snprintf(name, nn, "%d年第%d周", tymd / 10000, week);
		break;
	}
	case G_MONTH:
		snprintf(code, n, "%04d-%02d", y, m);
		snprintf(name, nn, "%d年%d月", y, m);
		break;
	case G_QUARTER:
		snprintf(code, n, "%04d-Q%d", y, (m - 1) / 3 + 1);
		snprintf(name, nn, "%d年第%d季度", y, (m - 1) / 3 + 1);
		break;
	case G_YEAR:
		snprintf(code, n, "%04d", y);
		snprintf(name, nn, "%d年", y);
		break;
	default:
		snprintf(code, n, "%04d-%02d-%02d", y, m, d);
		snprintf(name, nn, "%d年%d月%d日", y, m, d);
	}
}


/* The same calendar date a year earlier; 29 February becomes 28 February. */
static int32_t year_before(int32_t day)
{
	int32_t ymd = facts_day_ymd(day);
	int y = ymd / 10000 - 1, md = ymd % 10000;
	if (md == 229)
		md = 228;
	return facts_ymd_day(y * 10000 + md);
}

/* Counts per day over [first, last] (prefix sums) for comparisons. */
struct daily {
	int32_t first, last;
	uint64_t *prefix; /* prefix[i] = complaints received on days first .. first+i-1 */
};

static uint64_t daily_count(const struct daily *dc, int32_t a, int32_t b)
{
	if (a < dc->first)
		a = dc->first;
	if (b > dc->last)
		b = dc->last;
	if (a > b)
		return 0;
	return dc->prefix[b - dc->first + 1] - dc->prefix[a - dc->first];
}

static json_t *growth(uint64_t cur, uint64_t prev)
{
	return prev ? json_real(round(((double)cur - (double)prev) * 10000.0 / (double)prev) / 10000.0) : json_null();
}

/* time, mom and yoy: one scan by day (and hour) over everything the comparisons need. */

/* A time report being built: the range asked for, the first day the comparisons read, and the
 * scan's figures per day (and per hour of the days in [from, to]). */
struct time_run {
	int g;
	enum report_compare cmp;
	int32_t from, to, first;
	struct fact_agg *days, hours[24], total;
	struct daily dc;
};

/* Sets the granularity and the days to scan. 0 or 1 with *e. */
static int time_range(struct time_run *t, const struct report_run *run, struct refusal *e)
{
	t->g = parse_gran(run->p->granularity);
	if (t->g < 0)
		return refuse(e, 400, "invalid_field", "统计粒度应为 day、week、month、quarter 或 year", "granularity");
	t->cmp = run->def->compare;
	t->from = run->scan.q.from_day, t->to = run->scan.q.to_day;
	t->first = t->from;
	if (t->cmp == CMP_MOM) {
		int32_t before = t->from - (t->to - t->from + 1);
		int32_t prev_bucket = period_start(t->g, period_start(t->g, t->from) - 1);
		t->first = before < prev_bucket ? before : prev_bucket;
	} else if (t->cmp == CMP_YOY) {
		t->first = year_before(t->from);
	}
	/* The limit is on the range asked for; mom and yoy also read the period before it (up to as
	 * long again), per day only (no hours), so the scan stays bounded. */
	if ((int64_t)t->to - t->from > 20 * 366)
		return refuse(e, 400, "invalid_field", "统计区间过长（最长二十年）", "from");
	return 0;
}

/* Scans by day (and hour) and sums per day, per hour and in total. 0 or DB_HARD. */
static int time_scan(struct time_run *t, struct report_scan *s)
{
	int per_day = t->cmp != CMP_NONE ? 1 : 24; /* groups per day: hours only where they are shown */
	s->q.from_day = t->first;
	s->q.group = FD_DAY;
	s->q.ngroups = (uint32_t)(t->to - t->first + 1);
	s->q.group2 = t->cmp != CMP_NONE ? FD_NONE : FD_HOUR;
	s->q.ngroups2 = (uint32_t)per_day;
	if (report_scan_run(s) != 0)
		return DB_HARD;
	t->days = calloc(s->q.ngroups, sizeof *t->days);
	t->dc = (struct daily){.first = t->first, .last = t->to, .prefix = calloc(s->q.ngroups + 1, sizeof(uint64_t))};
	if (!t->days || !t->dc.prefix)
		return DB_HARD;
	for (uint32_t d = 0; d < s->q.ngroups; d++)
		for (int h = 0; h < per_day; h++) {
			const struct fact_agg *cell = &s->groups[d * (uint32_t)per_day + (uint32_t)h];
			facts_agg_merge(&t->days[d], cell);
			if ((int32_t)d + t->first >= t->from) {
				facts_agg_merge(&t->hours[h], cell);
				facts_agg_merge(&t->total, cell);
			}
		}
	for (uint32_t d = 0; d < s->q.ngroups; d++)
		t->dc.prefix[d + 1] = t->dc.prefix[d] + t->days[d].count;
	return 0;
}

/* Adds the comparison with days [pa, pb] to row, whose own count is cur. */
static void set_previous(json_t *row, const struct daily *dc, int32_t pa, int32_t pb, uint64_t cur)
{
	uint64_t prev = daily_count(dc, pa, pb);
	char pf[16], pt[16];
	report_day_text(pa, pf, sizeof pf);
	report_day_text(pb, pt, sizeof pt);
	json_object_set_new(row, "previous_from", json_string(pf));
	json_object_set_new(row, "previous_to", json_string(pt));
	json_object_set_new(row, "previous_count", json_integer((json_int_t)prev));
	json_object_set_new(row, "growth_rate", growth(cur, prev));
}

/* One row per bucket of the range. */
static json_t *bucket_rows(const struct time_run *t)
{
	json_t *rows = json_array();
	for (int32_t start = period_start(t->g, t->from); start <= t->to; start = period_next(t->g, start)) {
		int32_t a = start < t->from ? t->from : start, b = period_next(t->g, start) - 1;
		if (b > t->to)
			b = t->to;
		struct fact_agg bucket = {0};
		for (int32_t d = a; d <= b; d++)
			facts_agg_merge(&bucket, &t->days[d - t->first]);
		char code[32], name[64], af[16], bf[16];
		period_label(t->g, start, code, sizeof code, name, sizeof name);
		report_day_text(a, af, sizeof af);
		report_day_text(b, bf, sizeof bf);
		json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name", name, "from", af, "to", bf);
		report_measures_json(row, &bucket, t->total.count);
		/* mom: the whole period before; yoy: the same dates a year earlier. */
		if (t->cmp == CMP_MOM)
			set_previous(row, &t->dc, period_start(t->g, start - 1), start - 1, bucket.count);
		else if (t->cmp == CMP_YOY)
			set_previous(row, &t->dc, year_before(a), year_before(b), bucket.count);
		json_array_append_new(rows, row);
	}
	return rows;
}

static json_t *hour_rows(const struct time_run *t)
{
	json_t *hrows = json_array();
	for (int h = 0; h < 24; h++) {
		char code[16], name[24];
		snprintf(code, sizeof code, "%02d", h);
		snprintf(name, sizeof name, "%d时", h);
		json_t *row = json_pack("{s:s, s:s}", "code", code, "name", name);
		report_measures_json(row, &t->hours[h], t->total.count);
		json_array_append_new(hrows, row);
	}
	return hrows;
}

int report_build_time(struct report_run *run, json_t *out, struct refusal *e)
{
	struct time_run t = {0};
	int rc = time_range(&t, run, e);
	if (rc == 0)
		rc = time_scan(&t, &run->scan);
	if (rc != 0)
		goto done;
	json_object_set_new(out, "granularity",
			    json_string((const char *[]){"day", "week", "month", "quarter", "year"}[t.g]));
	json_object_set_new(out, "rows", bucket_rows(&t));
	json_object_set_new(out, "total", json_integer(t.total.count));
	json_t *summary = json_object();
	report_measures_json(summary, &t.total, 0);
	if (t.cmp == CMP_MOM)
		set_previous(summary, &t.dc, t.from - (t.to - t.from + 1), t.from - 1, t.total.count);
	else if (t.cmp == CMP_YOY)
		set_previous(summary, &t.dc, year_before(t.from), year_before(t.to), t.total.count);
	json_object_set_new(out, "summary", summary);
	if (t.cmp == CMP_NONE)
		json_object_set_new(out, "hours", hour_rows(&t));
done:
	free(t.days);
	free(t.dc.prefix);
	return rc;
}
