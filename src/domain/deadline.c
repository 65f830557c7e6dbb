/* Deadline arithmetic (see deadline.h). Dates go through a day number (days since 1970-01-01)
 * using the civil-from-days algorithm, so no libc time-zone state is involved. */
#include "domain/deadline.h"
#include <stdlib.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int32_t civil_from_days(int64_t z)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t y = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	return (int32_t)((y + (m <= 2)) * 10000 + m * 100 + d);
}

static int64_t day_number(int32_t ymd)
{
	return days_from_civil(ymd / 10000, (unsigned)(ymd / 100 % 100), (unsigned)(ymd % 100));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int32_t ymd_from_ms(int64_t ms, int tz_offset_min)
{
	return civil_from_days(floor_div(ms + (int64_t)tz_offset_min * 60000, 86400000));
}

int32_t ymd_add_days(int32_t ymd, int n)
{
	return civil_from_days(day_number(ymd) + n);
}

int ymd_weekday(int32_t ymd)
{
	int64_t z = day_number(ymd); /* 1970-01-01 was a Thursday (4) */
	int64_t w = (z % 7 + 7 + 3) % 7;
	return (int)w + 1;
}

bool ymd_valid(int32_t ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return false;
	return civil_from_days(day_number(ymd)) == ymd;
}

int64_t ymd_end_ms(int32_t ymd, int tz_offset_min)
{
	return (day_number(ymd) + 1) * 86400000 - (int64_t)tz_offset_min * 60000 - 1;
}

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
