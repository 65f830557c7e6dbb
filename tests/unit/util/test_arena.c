/* Unit tests for the per-request arena (src/util/arena.c): alignment, zeroing, accounting,
 * dedicated blocks for big allocations, string helpers, and the overflow bound. */
#include "util/arena.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static int setup(void **state)
{
	*state = arena_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void empty_arena(void **state)
{
	struct arena *a = *state;
	assert_int_equal(arena_used(a), 0);
	arena_free(NULL); /* allowed */
}

static void sizes_round_to_16(void **state)
{
	struct arena *a = *state;
	assert_non_null(arena_alloc(a, 1));
	assert_int_equal(arena_used(a), 16);
	assert_non_null(arena_alloc(a, 0)); /* zero still gets a unique slot */
	assert_int_equal(arena_used(a), 32);
	assert_non_null(arena_alloc(a, 16));
	assert_int_equal(arena_used(a), 48);
	assert_non_null(arena_alloc(a, 17));
	assert_int_equal(arena_used(a), 80);
}

static void aligned_zeroed_and_distinct(void **state)
{
	struct arena *a = *state;
	unsigned char *prev = NULL;
	for (size_t n = 0; n < 600; n++) {
		unsigned char *p = arena_alloc(a, n % 97);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_true(all_zero(p, n % 97));
		memset(p, 0xAB, n % 97); /* dirty it; the next allocation must not see this */
		assert_ptr_not_equal(p, prev);
		prev = p;
	}
}

static void small_allocations_are_contiguous(void **state)
{
	struct arena *a = *state;
	char *x = arena_alloc(a, 10);
	char *y = arena_alloc(a, 10);
	assert_ptr_equal(y, x + 16);
}

/* A big allocation that does not fit the current block gets its own block, and the current
 * block keeps serving small ones. */
static void big_allocation_gets_own_block(void **state)
{
	struct arena *a = *state;
	char *small1 = arena_alloc(a, 32);
	for (int i = 0; i < 3; i++)
		assert_non_null(arena_alloc(a, 2048)); /* 8192 - 32 - 6144 = 2016 bytes left */
	unsigned char *big = arena_alloc(a, 3000);
	char *small2 = arena_alloc(a, 32);
	assert_non_null(big);
	assert_true(all_zero(big, 3000));
	memset(big, 0x5A, 3000);
	assert_ptr_equal(small2, small1 + 32 + 3 * 2048);
	assert_int_equal(arena_used(a), 32 + 3 * 2048 + 3008 + 32);

	/* A big allocation that still fits is carved from the current block. */
	struct arena *c = arena_new();
	char *first = arena_alloc(c, 32);
	char *fits = arena_alloc(c, 3000);
	assert_ptr_equal(fits, first + 32);
	assert_int_equal(arena_used(c), 32 + 3008);
	arena_free(c);

	/* A big allocation into an empty arena works too. */
	struct arena *b = arena_new();
	unsigned char *p = arena_alloc(b, 100000);
	assert_non_null(p);
	assert_true(all_zero(p, 100000));
	assert_int_equal(arena_used(b), 100000);
	char *after = arena_alloc(b, 1);
	assert_non_null(after);
	assert_int_equal(arena_used(b), 100016);
	arena_free(b);
}

/* Many allocations across many 8 KiB blocks keep their contents. */
static void contents_survive_block_changes(void **state)
{
	struct arena *a = *state;
	enum { N = 2000 };
	unsigned char **ptrs = calloc(N, sizeof *ptrs);
	assert_non_null(ptrs);
	size_t total = 0;
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 300) + 1;
		ptrs[i] = arena_alloc(a, n);
		assert_non_null(ptrs[i]);
		memset(ptrs[i], i & 0xff, n);
		total += (n + 15) & ~(size_t)15;
	}
	assert_int_equal(arena_used(a), total);
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 300) + 1;
		for (size_t k = 0; k < n; k++)
			if (ptrs[i][k] != (unsigned char)(i & 0xff))
				fail_msg("allocation %d byte %zu was overwritten", i, k);
	}
	free(ptrs);
}

static void strings(void **state)
{
	struct arena *a = *state;
	assert_null(arena_strdup(a, NULL));
	assert_null(arena_strndup(a, NULL, 3));
	assert_int_equal(arena_used(a), 0);

	const char *src = "投诉管理 complaint";
	char *s = arena_strdup(a, src);
	assert_string_equal(s, src);
	assert_ptr_not_equal(s, src);

	char *t = arena_strndup(a, "abcdef", 3);
	assert_string_equal(t, "abc");
	char *e = arena_strndup(a, "abc", 0);
	assert_string_equal(e, "");

	char *f = arena_printf(a, "%s/%d/%05.1f/%lld", "机构", 42, 3.14159, -9000000000LL);
	assert_string_equal(f, "机构/42/003.1/-9000000000");
	char *g = arena_printf(a, "%s", "");
	assert_string_equal(g, "");
}

static void printf_big(void **state)
{
	struct arena *a = *state;
	char *s = arena_printf(a, "%05000d|%s", 7, "end");
	assert_non_null(s);
	assert_int_equal(strlen(s), 5004);
	assert_int_equal(s[4999], '7');
	assert_int_equal(s[0], '0');
	assert_string_equal(s + 5000, "|end");
}

static void overflow_is_refused(void **state)
{
	struct arena *a = *state;
	assert_null(arena_alloc(a, SIZE_MAX));
	assert_null(arena_alloc(a, SIZE_MAX - 15));
	assert_int_equal(arena_used(a), 0);
}

/* Sizes just under the bound must not wrap around when the block header is added: the
 * contract says NULL on overflow (regression test for a wrap in block_new). */
static void overflow_near_bound_is_refused(void **state)
{
	struct arena *a = *state;
	assert_null(arena_alloc(a, SIZE_MAX - 16));
	assert_null(arena_alloc(a, SIZE_MAX - 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_arena, setup, teardown),
		cmocka_unit_test_setup_teardown(sizes_round_to_16, setup, teardown),
		cmocka_unit_test_setup_teardown(aligned_zeroed_and_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(small_allocations_are_contiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(big_allocation_gets_own_block, setup, teardown),
		cmocka_unit_test_setup_teardown(contents_survive_block_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(strings, setup, teardown),
		cmocka_unit_test_setup_teardown(printf_big, setup, teardown),
		cmocka_unit_test_setup_teardown(overflow_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(overflow_near_bound_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
