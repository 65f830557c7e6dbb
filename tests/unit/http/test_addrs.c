/* Address lists of the configuration (src/http/addrs.c): trusted_proxies and metrics_allow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "http/addrs.h"

static void test_parse_and_match(void **state)
{
	(void)state;
	struct addr_list l;
	assert_int_equal(addrs_parse("127.0.0.1, ::1,10.0.0.0/8 ,192.168.1.128/25", &l), 0);
	assert_int_equal(l.n, 4);
	assert_true(addrs_contains(&l, "127.0.0.1"));
	assert_false(addrs_contains(&l, "127.0.0.2"));
	assert_true(addrs_contains(&l, "::1"));
	assert_true(addrs_contains(&l, "::ffff:127.0.0.1"));
	assert_true(addrs_contains(&l, "10.255.1.2"));
	assert_false(addrs_contains(&l, "11.0.0.1"));
	assert_true(addrs_contains(&l, "192.168.1.200"));
	assert_false(addrs_contains(&l, "192.168.1.127"));
	assert_false(addrs_contains(&l, "not-an-ip"));
	assert_false(addrs_contains(&l, NULL));
	assert_false(addrs_contains(&l, ""));
}

static void test_empty_and_bad(void **state)
{
	(void)state;
	struct addr_list l;
	assert_int_equal(addrs_parse("none", &l), 0);
	assert_int_equal(l.n, 0);
	assert_false(addrs_contains(&l, "127.0.0.1"));
	assert_int_equal(addrs_parse("", &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(addrs_parse("0.0.0.0/0", &l), 0);
	assert_true(addrs_contains(&l, "8.8.8.8"));
	assert_false(addrs_contains(&l, "::2"));
	const char *bad[] = {"localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "1.2.3", "::1/129",
			     "1.2.3.4,,nope"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (addrs_parse(bad[i], &l) != -1)
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_match),
		cmocka_unit_test(test_empty_and_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
