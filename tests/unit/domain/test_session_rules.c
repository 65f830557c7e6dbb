/* Unit tests for session expiry and lockout arithmetic (src/domain/session_rules.c): the exact
 * millisecond where a session turns idle or absolute-expired, which wins when both apply, the
 * write-back threshold and the lockout threshold. */
#include "domain/session_rules.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
static const int64_t IDLE = 30 * MIN_MS, ABS = 12 * HOUR_MS, T0 = 1700000000000LL;

static void fresh_session_is_valid(void **state)
{
	assert_int_equal(session_state(T0, T0, T0, IDLE, ABS), SESSION_VALID);
	assert_int_equal(session_state(T0, T0, T0 + 1, IDLE, ABS), SESSION_VALID);
}

static void idle_boundary(void **state)
{
	int64_t seen = T0 + HOUR_MS;
	assert_int_equal(session_state(T0, seen, seen + IDLE - 1, IDLE, ABS), SESSION_VALID);
	assert_int_equal(session_state(T0, seen, seen + IDLE, IDLE, ABS), SESSION_IDLE_EXPIRED);
	assert_int_equal(session_state(T0, seen, seen + 2 * IDLE, IDLE, ABS), SESSION_IDLE_EXPIRED);
}

static void absolute_boundary(void **state)
{
	/* Active all the time (seen a second ago) but too old. */
	assert_int_equal(session_state(T0, T0 + ABS - 1000, T0 + ABS - 1, IDLE, ABS), SESSION_VALID);
	assert_int_equal(session_state(T0, T0 + ABS - 1000, T0 + ABS, IDLE, ABS),
			 SESSION_ABSOLUTE_EXPIRED);
}

static void absolute_wins_over_idle(void **state)
{
	/* Both limits passed: the absolute one is reported (it cannot be cured by activity). */
	assert_int_equal(session_state(T0, T0, T0 + ABS + IDLE, IDLE, ABS),
			 SESSION_ABSOLUTE_EXPIRED);
}

static void other_limits(void **state)
{
	/* Policy values come from settings: 1-minute idle, 1-hour absolute. */
	assert_int_equal(session_state(T0, T0, T0 + MIN_MS - 1, MIN_MS, HOUR_MS), SESSION_VALID);
	assert_int_equal(session_state(T0, T0, T0 + MIN_MS, MIN_MS, HOUR_MS), SESSION_IDLE_EXPIRED);
	assert_int_equal(session_state(T0, T0 + HOUR_MS - 10, T0 + HOUR_MS, MIN_MS, HOUR_MS),
			 SESSION_ABSOLUTE_EXPIRED);
}

static void touch_due(void **state)
{
	assert_int_equal(session_touch_due(T0, T0), 0);
	assert_int_equal(session_touch_due(T0, T0 + 29999), 0);
	assert_int_equal(session_touch_due(T0, T0 + 30000), 1);
	assert_int_equal(session_touch_due(T0, T0 + IDLE), 1);
	/* A clock that stepped back never forces a write. */
	assert_int_equal(session_touch_due(T0, T0 - 5000), 0);
}

static void lockout(void **state)
{
	assert_int_equal(lockout_reached(1, 5), 0);
	assert_int_equal(lockout_reached(4, 5), 0);
	assert_int_equal(lockout_reached(5, 5), 1);
	assert_int_equal(lockout_reached(6, 5), 1);
	assert_int_equal(lockout_reached(1, 1), 1);
	assert_int_equal(lockout_reached(0, 1), 0);
	/* Threshold 0 (or below) means lockout is off. */
	assert_int_equal(lockout_reached(1000, 0), 0);
	assert_int_equal(lockout_reached(1000, -1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_session_is_valid),
		cmocka_unit_test(idle_boundary),
		cmocka_unit_test(absolute_boundary),
		cmocka_unit_test(absolute_wins_over_idle),
		cmocka_unit_test(other_limits),
		cmocka_unit_test(touch_due),
		cmocka_unit_test(lockout),
	};
	return cmocka_run_group_tests_name("session_rules", tests, NULL, NULL);
}
