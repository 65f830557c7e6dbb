/* Unit tests for the bank name typed by the system administrator (src/domain/bank_name.c):
 * blanks at either end (ASCII and the ideographic space U+3000) are dropped, inner ones kept;
 * nothing but blanks, a line break or a tab is refused under bank_name, in Chinese. */
#include "domain/bank_name.h"
#include "domain/refusal.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_trims_blanks(void **state)
{
	(void)state;
	char out[BANK_NAME_BUF];
	struct refusal e = {0};
	assert_int_equal(bank_name_normalize("\xe3\x80\x80 某某银行股份有限公司 \xe3\x80\x80", out, &e), 0);
	assert_string_equal(out, "某某银行股份有限公司");
	assert_int_equal(bank_name_normalize("Bank of 某某\xe3\x80\x80(China)", out, &e), 0);
	assert_string_equal(out, "Bank of 某某\xe3\x80\x80(China)"); /* inner blanks stay */
	assert_null(e.code);
}

static void test_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "   ", "\xe3\x80\x80\xe3\x80\x80", "某某银行\n股份有限公司", "\t某某银行"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[BANK_NAME_BUF];
		struct refusal e = {0};
		assert_int_equal(bank_name_normalize(bad[i], out, &e), 1);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.code, "invalid_field");
		assert_string_equal(e.field, "bank_name");
		assert_true(strstr(e.message, "机构全称") != NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trims_blanks),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
