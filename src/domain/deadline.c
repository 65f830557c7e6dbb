/* Deadline arithmetic (see deadline.h); dates come from util/dates. */
#include "domain/deadline.h"
#include <stdlib.h>

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static bool in_sorted(const int32_t *v, size_t n, int32_t key)
{
	return n && bsearch(&key, v, n, sizeof *v, cmp_i32) != NULL;
}

bool calendar_is_workday(const struct calendar *c, int32_t ymd)
{
	if (c && in_sorted(c->workdays, c->nworkdays, ymd))
		return true;
	if (c && in_sorted(c->holidays, c->nholidays, ymd))
		return false;
	return ymd_weekday(ymd) <= 5;
}

static bool paused_on(int32_t ymd, const struct pause *p, size_t n, int tz)
{
	for (size_t i = 0; i < n; i++) {
		int32_t from = ymd_from_ms(p[i].start_at, tz);
		int32_t to = ymd_from_ms(p[i].end_at, tz); /* exclusive: the resume day counts */
		if (ymd >= from && ymd < to)
			return true;
	}
	return false;
}

/* Ten years of days: more than any rule allows, so a bad calendar cannot loop forever. */
#define MAX_SCAN 3660

int64_t deadline_due_at(const struct calendar *c, const struct deadline_rule *rule,
			int64_t received_at, const struct pause *pauses, size_t npauses)
{
	for (size_t i = 0; i < npauses; i++)
		if (pauses[i].end_at == 0)
			return 0;
	int tz = rule->tz_offset_min;
	int32_t day = ymd_from_ms(received_at, tz);
	int counted = 0;
	for (int scanned = 0; counted < rule->days && scanned < MAX_SCAN; scanned++) {
		day = ymd_add_days(day, 1);
		if (paused_on(day, pauses, npauses, tz))
			continue;
		if (rule->day_type == DAY_WORKING && !calendar_is_workday(c, day))
			continue;
		counted++;
	}
	if (rule->day_type == DAY_CALENDAR && rule->roll_past_holiday)
		for (int scanned = 0; !calendar_is_workday(c, day) && scanned < 60; scanned++)
			day = ymd_add_days(day, 1);
	return ymd_end_ms(day, tz);
}

enum deadline_state deadline_state(int64_t due_at, int64_t now, int64_t soon_ms)
{
	if (due_at == 0)
		return DEADLINE_PAUSED;
	if (now > due_at)
		return DEADLINE_OVERDUE;
	if (due_at - now <= soon_ms)
		return DEADLINE_DUE_SOON;
	return DEADLINE_ON_TIME;
}
