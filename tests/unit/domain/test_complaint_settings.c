/* Unit tests for the complaint process settings (src/domain/complaint_settings.c): members are
 * range-checked, and a refusal carries its message and the field at fault by value (the settings
 * body runs on the writer thread; the reply is made on the request thread). */
#include "domain/complaint_settings.h"
#include "domain/refusal.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_apply_refusals_by_value(void **state)
{
	(void)state;
	struct complaint_settings s;
	complaint_settings_defaults(&s);
	struct refusal a = {0}, b = {0};
	json_t *bad_days = json_pack("{s:i}", "standard_days", 99);
	json_t *bad_key = json_pack("{s:b}", "no_such_setting", 1);
	assert_int_equal(complaint_settings_apply(&s, bad_days, &a), -1);
	assert_int_equal(complaint_settings_apply(&s, bad_key, &b), -1);
	json_decref(bad_key); /* the key's text is gone; the refusal keeps its own copy */
	assert_string_equal(a.message, "标准处理时限（日）必须是1到60之间的整数");
	assert_string_equal(a.field, "standard_days");
	assert_string_equal(a.code, "invalid_field");
	assert_int_equal(a.status, 400);
	assert_string_equal(b.message, "不支持的设置项：no_such_setting");
	assert_string_equal(b.field, "no_such_setting");
	assert_int_equal(s.standard_days, 15); /* unchanged on a refusal */
	json_decref(bad_days);
}

static void test_apply_ok_and_order(void **state)
{
	(void)state;
	struct complaint_settings s;
	complaint_settings_defaults(&s);
	struct refusal e = {0};
	json_t *ok = json_pack("{s:i, s:b}", "standard_days", 10, "working_days", 1);
	assert_int_equal(complaint_settings_apply(&s, ok, &e), 0);
	assert_int_equal(s.standard_days, 10);
	assert_true(s.working_days);
	json_t *order = json_pack("{s:i}", "first_extension_max", 5);
	assert_int_equal(complaint_settings_apply(&s, order, &e), -1);
	assert_string_equal(e.field, "first_extension_max");
	assert_int_equal(s.first_extension_max, 30);
	json_decref(ok);
	json_decref(order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_refusals_by_value),
		cmocka_unit_test(test_apply_ok_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
