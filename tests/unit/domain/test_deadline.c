/* Deadline engine scenarios: calendar and working days, receipt on a holiday, make-up workdays
 * (调休), pauses, first and second extension, a calendar edited after registration, the civil-code
 * roll past holidays, time zone edges. Dates use the 2025 official holiday arrangement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/deadline.h"

#define TZ 480
/* 2025: Spring Festival Jan 28 - Feb 4 (work Jan 26 Sun, Feb 8 Sat); National Day and
 * Mid-Autumn Oct 1 - 8 (work Sep 28 Sun, Oct 11 Sat). */
static const int32_t holidays_2025[] = {20250128, 20250129, 20250130, 20250131, 20250201,
					20250202, 20250203, 20250204, 20251001, 20251002,
					20251003, 20251004, 20251005, 20251006, 20251007, 20251008};
static const int32_t workdays_2025[] = {20250126, 20250208, 20250928, 20251011};
static const struct calendar cal = {holidays_2025, 16, workdays_2025, 4};

/* Epoch ms of a local (UTC+8) wall-clock time. */
static int64_t local_ms(int32_t ymd, int hour, int minute)
{
	return ymd_end_ms(ymd_add_days(ymd, -1), TZ) + 1 + ((int64_t)hour * 60 + minute) * 60000;
}

static void assert_due(int64_t due, int32_t ymd)
{
	assert_int_equal(due, ymd_end_ms(ymd, TZ));
	assert_int_equal(ymd_from_ms(due, TZ), ymd);
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(ymd_add_days(20241231, 1), 20250101);
	assert_int_equal(ymd_add_days(20240228, 1), 20240229); /* leap year */
	assert_int_equal(ymd_add_days(20250228, 1), 20250301);
	assert_int_equal(ymd_add_days(20250301, -1), 20250228);
	assert_int_equal(ymd_weekday(20251001), 3); /* Wednesday */
	assert_int_equal(ymd_weekday(20250928), 7); /* Sunday */
	assert_true(ymd_valid(20240229));
	assert_false(ymd_valid(20250229));
	assert_false(ymd_valid(20251301));
	/* 23:30 local on Mar 3 is 15:30 UTC Mar 3; 00:30 local Mar 4 is 16:30 UTC Mar 3. */
	assert_int_equal(ymd_from_ms(local_ms(20250303, 23, 30), TZ), 20250303);
	assert_int_equal(ymd_from_ms(local_ms(20250304, 0, 30), TZ), 20250304);
	assert_int_equal(ymd_from_ms(local_ms(20250304, 0, 30), 0), 20250303);
}

static void test_workdays(void **state)
{
	(void)state;
	assert_true(calendar_is_workday(&cal, 20250303));  /* Monday */
	assert_false(calendar_is_workday(&cal, 20250301)); /* Saturday */
	assert_false(calendar_is_workday(&cal, 20251001)); /* holiday on a Wednesday */
	assert_true(calendar_is_workday(&cal, 20250928));  /* make-up Sunday */
	assert_true(calendar_is_workday(&cal, 20251011));  /* make-up Saturday */
	assert_true(calendar_is_workday(NULL, 20251001));  /* no calendar: weekdays only */
}

static void test_calendar_15(void **state)
{
	(void)state;
	struct deadline_rule r = {DAY_CALENDAR, 15, false, TZ};
	assert_due(deadline_due_at(&cal, &r, local_ms(20250303, 10, 0), NULL, 0), 20250318);
	/* Received just before midnight still counts from the next day. */
	assert_due(deadline_due_at(&cal, &r, local_ms(20250303, 23, 59), NULL, 0), 20250318);
	/* Received at 00:01 is a day later. */
	assert_due(deadline_due_at(&cal, &r, local_ms(20250304, 0, 1), NULL, 0), 20250319);
}

static void test_received_on_holiday(void **state)
{
	(void)state;
	struct deadline_rule cald = {DAY_CALENDAR, 15, false, TZ};
	struct deadline_rule work = {DAY_WORKING, 15, false, TZ};
	int64_t rec = local_ms(20251001, 9, 0);
	assert_due(deadline_due_at(&cal, &cald, rec, NULL, 0), 20251016);
	/* Working days: Oct 9, 10, 11 (make-up Saturday), 13-17, 20-24, 27, 28. */
	assert_due(deadline_due_at(&cal, &work, rec, NULL, 0), 20251028);
}

static void test_across_makeup_days(void **state)
{
	(void)state;
	struct deadline_rule work = {DAY_WORKING, 15, false, TZ};
	/* Friday Sep 26: Sep 28 (make-up Sunday) 1, Sep 29 2, Sep 30 3, Oct 9 4, Oct 10 5,
	 * Oct 11 6, Oct 13-17 7-11, Oct 20-23 12-15. */
	assert_due(deadline_due_at(&cal, &work, local_ms(20250926, 15, 0), NULL, 0), 20251023);
	/* Spring Festival: Friday Jan 24 -> Jan 26 (Sun, make-up) counts, Jan 27 counts, then
	 * Feb 5, 6, 7, 8 (Sat, make-up), 10-14, 17-20. */
	assert_due(deadline_due_at(&cal, &work, local_ms(20250124, 11, 0), NULL, 0), 20250220);
}

static void test_pause(void **state)
{
	(void)state;
	struct deadline_rule r = {DAY_CALENDAR, 15, false, TZ};
	int64_t rec = local_ms(20250303, 10, 0);
	/* Paused Mar 5 10:00 to Mar 10 10:00: Mar 5-9 (five days) do not count. */
	struct pause p = {local_ms(20250305, 10, 0), local_ms(20250310, 10, 0)};
	assert_due(deadline_due_at(&cal, &r, rec, &p, 1), 20250323);
	/* Two pauses add up. */
	struct pause two[2] = {p, {local_ms(20250312, 9, 0), local_ms(20250314, 9, 0)}};
	assert_due(deadline_due_at(&cal, &r, rec, two, 2), 20250325);
	/* A pause started and ended the same day costs nothing. */
	struct pause same = {local_ms(20250305, 9, 0), local_ms(20250305, 17, 0)};
	assert_due(deadline_due_at(&cal, &r, rec, &same, 1), 20250318);
	/* An open pause stops the clock. */
	struct pause open = {local_ms(20250305, 9, 0), 0};
	assert_int_equal(deadline_due_at(&cal, &r, rec, &open, 1), 0);
	assert_int_equal(deadline_state(0, local_ms(20250401, 0, 0), 86400000), DEADLINE_PAUSED);
}

static void test_extensions(void **state)
{
	(void)state;
	int64_t rec = local_ms(20250303, 10, 0);
	struct deadline_rule first = {DAY_CALENDAR, 30, false, TZ};
	struct deadline_rule second = {DAY_CALENDAR, 60, false, TZ};
	assert_due(deadline_due_at(&cal, &first, rec, NULL, 0), 20250402);
	assert_due(deadline_due_at(&cal, &second, rec, NULL, 0), 20250502);
}

static void test_calendar_edited_after_registration(void **state)
{
	(void)state;
	struct deadline_rule work = {DAY_WORKING, 15, false, TZ};
	int64_t rec = local_ms(20250303, 10, 0);
	/* Mar 4-7, 10-14, 17-21, 24 -> Mar 24. */
	assert_due(deadline_due_at(&cal, &work, rec, NULL, 0), 20250324);
	/* The bank adds a local holiday on Mar 12: the same complaint is now due a day later. */
	int32_t more[17];
	for (int i = 0; i < 8; i++)
		more[i] = holidays_2025[i];
	more[8] = 20250312;
	for (int i = 8; i < 16; i++)
		more[i + 1] = holidays_2025[i];
	struct calendar edited = {more, 17, workdays_2025, 4};
	assert_due(deadline_due_at(&edited, &work, rec, NULL, 0), 20250325);
	/* Calendar days ignore the calendar. */
	struct deadline_rule cald = {DAY_CALENDAR, 15, false, TZ};
	assert_int_equal(deadline_due_at(&edited, &cald, rec, NULL, 0), deadline_due_at(&cal, &cald, rec, NULL, 0));
}

static void test_roll_past_holiday(void **state)
{
	(void)state;
	int64_t rec = local_ms(20250916, 10, 0); /* 15 days later is Oct 1, a holiday */
	struct deadline_rule strict = {DAY_CALENDAR, 15, false, TZ};
	struct deadline_rule civil = {DAY_CALENDAR, 15, true, TZ};
	assert_due(deadline_due_at(&cal, &strict, rec, NULL, 0), 20251001);
	assert_due(deadline_due_at(&cal, &civil, rec, NULL, 0), 20251009);
	/* Ending on a make-up Saturday stays there. */
	int64_t rec2 = local_ms(20250926, 10, 0); /* +15 = Oct 11 (make-up Saturday) */
	assert_due(deadline_due_at(&cal, &civil, rec2, NULL, 0), 20251011);
}

static void test_state(void **state)
{
	(void)state;
	int64_t due = ymd_end_ms(20250318, TZ);
	assert_int_equal(deadline_state(due, due - 3 * 86400000LL, 2 * 86400000LL), DEADLINE_ON_TIME);
	assert_int_equal(deadline_state(due, due - 86400000LL, 2 * 86400000LL), DEADLINE_DUE_SOON);
	assert_int_equal(deadline_state(due, due, 0), DEADLINE_DUE_SOON);
	assert_int_equal(deadline_state(due, due + 1, 2 * 86400000LL), DEADLINE_OVERDUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_workdays),
		cmocka_unit_test(test_calendar_15),
		cmocka_unit_test(test_received_on_holiday),
		cmocka_unit_test(test_across_makeup_days),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_calendar_edited_after_registration),
		cmocka_unit_test(test_roll_past_holiday),
		cmocka_unit_test(test_state),
	};
	return cmocka_run_group_tests_name("deadline", tests, NULL, NULL);
}
