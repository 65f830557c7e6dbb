/* Unit tests for src/store/plan_count_cache.c: the access paths' bounded counts kept between
 * requests, valid for PLAN_COUNT_TTL_MS, per key (database token, statement, arguments). */
#include "store/plan_count_cache.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void test_kept_for_ttl(void **state)
{
	(void)state;
	plan_count_cache_clear();
	int64_t n = -1;
	assert_false(plan_count_cache_get("db1\x1fscope\x1ft/1/2/", 1000, &n));
	plan_count_cache_put("db1\x1fscope\x1ft/1/2/", 1000, 20001);
	assert_true(plan_count_cache_get("db1\x1fscope\x1ft/1/2/", 1000 + PLAN_COUNT_TTL_MS, &n));
	assert_int_equal(n, 20001);
	/* Stale after the time to live; a clock that went back is not trusted either. */
	assert_false(plan_count_cache_get("db1\x1fscope\x1ft/1/2/", 1001 + PLAN_COUNT_TTL_MS, &n));
	assert_false(plan_count_cache_get("db1\x1fscope\x1ft/1/2/", 999, &n));
	/* Another database (token), statement or argument is another key. */
	assert_false(plan_count_cache_get("db2\x1fscope\x1ft/1/2/", 1000, &n));
	assert_false(plan_count_cache_get("db1\x1fscope\x1ft/1/2/3/", 1000, &n));
	/* A newer count replaces the kept one. */
	plan_count_cache_put("db1\x1fscope\x1ft/1/2/", 5000, 7);
	assert_true(plan_count_cache_get("db1\x1fscope\x1ft/1/2/", 5000, &n));
	assert_int_equal(n, 7);
}

static void test_bounds(void **state)
{
	(void)state;
	plan_count_cache_clear();
	int64_t n = -1;
	char key[PLAN_COUNT_KEY_MAX + 1];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	plan_count_cache_put(key, 0, 1); /* too long: not kept */
	assert_false(plan_count_cache_get(key, 0, &n));
	key[PLAN_COUNT_KEY_MAX - 1] = '\0'; /* the longest kept */
	plan_count_cache_put(key, 0, 2);
	assert_true(plan_count_cache_get(key, 0, &n));
	assert_int_equal(n, 2);
	/* Many keys: each lookup gives its own count or a miss, never another key's. */
	char k[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "db\x1fown\x1fi%d", i);
		plan_count_cache_put(k, 0, i);
	}
	int hits = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "db\x1fown\x1fi%d", i);
		if (plan_count_cache_get(k, 0, &n)) {
			assert_int_equal(n, i);
			hits++;
		}
	}
	assert_true(hits > 0 && hits <= 1024);
	plan_count_cache_clear();
	assert_false(plan_count_cache_get(k, 0, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_for_ttl),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
