/* The deadline engine: when a complaint is due, from its receipt, the day type (calendar or
 * working days), the bank's holiday calendar with make-up workdays (调休), pauses for external
 * appraisal (excluded from the clock) and the days allowed (15, extended to 30, then 60).
 * Pure functions over plain data; the store loads the calendar and the settings.
 *
 * Conventions: instants are UTC epoch milliseconds; local dates are yyyymmdd integers in the
 * bank's time zone (tz_offset_min, +480 for China, no daylight saving). The day of receipt does
 * not count (the period starts the next day, as Chinese law counts periods), and a complaint is
 * due at the end of its last day (23:59:59.999 local). */
#ifndef FCMS_DEADLINE_H
#define FCMS_DEADLINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/dates.h"

struct calendar {
	const int32_t *holidays; /* sorted yyyymmdd: days off (statutory holidays on weekdays) */
	size_t nholidays;
	const int32_t *workdays; /* sorted yyyymmdd: make-up working days that fall on weekends */
	size_t nworkdays;
};

enum day_type { DAY_CALENDAR = 0, DAY_WORKING = 1 };

struct deadline_rule {
	enum day_type day_type;
	int days;               /* days allowed in total: 15, or up to 30 / 60 after extensions */
	bool roll_past_holiday; /* calendar days: a last day that is not a workday moves to the next
				   workday (民法典 art. 203); off by default — the stricter reading */
	int tz_offset_min;      /* 480 for Asia/Shanghai */
};

struct pause {
	int64_t start_at;
	int64_t end_at; /* 0 while the pause goes on */
};

/* Working day: a make-up workday, or a weekday that is not a holiday. */
bool calendar_is_workday(const struct calendar *c, int32_t ymd);

/* The due instant, or 0 while a pause is still going on (the clock is stopped). Pauses exclude
 * the local dates from the day a pause starts up to the day before it ends. */
int64_t deadline_due_at(const struct calendar *c, const struct deadline_rule *rule,
			int64_t received_at, const struct pause *pauses, size_t npauses);

enum deadline_state { DEADLINE_ON_TIME, DEADLINE_DUE_SOON, DEADLINE_OVERDUE, DEADLINE_PAUSED };
/* State at now: overdue after due_at, due soon within soon_ms of it, paused when due_at is 0. */
enum deadline_state deadline_state(int64_t due_at, int64_t now, int64_t soon_ms);

#endif
