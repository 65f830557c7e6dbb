/* Unit tests for refusals (src/domain/refusal.c, complaint_settings_apply): a refusal carries its
 * message and field by value. Transaction bodies run on the SQLite writer thread and the reply is
 * made later on the request thread, so a refusal that pointed into the refusing thread's buffer
 * could show one user another's message once the writer refused the next job. */
#include "domain/refusal.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* True when s is well-formed UTF-8. */
static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0)
			return 0;
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

/* Two refusals made one after the other on one thread (the writer refusing two jobs of a batch):
 * the first must still say what it said. */
static void test_two_refusals_one_thread(void **state)
{
	(void)state;
	struct refusal a = {0}, b = {0};
	assert_int_equal(refusef(&a, 400, "invalid_field", "days", "延期后总时限不能超过%d日", 30), 1);
	assert_int_equal(refusef(&b, 409, "invalid_transition", "version", "用户%s的第%d次操作", "乙", 2), 1);
	assert_string_equal(a.message, "延期后总时限不能超过30日");
	assert_string_equal(a.field, "days");
	assert_int_equal(a.status, 400);
	assert_string_equal(b.message, "用户乙的第2次操作");
}

/* A field name built at run time (e.g. the unknown key of a settings document) is copied too. */
static void test_field_copied(void **state)
{
	(void)state;
	char key[32];
	struct refusal e = {0};
	snprintf(key, sizeof key, "%s", "standard_days");
	refuse(&e, 400, "invalid_field", "x", key);
	memset(key, 'Z', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_string_equal(e.field, "standard_days");
}

struct other {
	struct refusal first;
};

/* Runs on another thread like the writer: refuses a job, then the next job. */
static void *refuse_twice(void *arg)
{
	struct other *o = arg;
	struct refusal next;
	refusef(&o->first, 400, "invalid_field", "days", "第一位用户：%s", "时限必须是1到60之间的整数");
	refusef(&next, 400, "invalid_field", "name", "第二位用户：%s", "名称过长");
	return NULL;
}

/* The refusal is read on the request thread after the writer thread made another one (and even
 * after that thread ended): the message is the first user's, intact. */
static void test_refusal_read_on_another_thread(void **state)
{
	(void)state;
	struct other o;
	memset(&o, 0, sizeof o);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, refuse_twice, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_string_equal(o.first.message, "第一位用户：时限必须是1到60之间的整数");
	assert_string_equal(o.first.field, "days");
}

/* A message longer than the buffer is cut at a character boundary: never half a character. */
static void test_long_message_cut_at_character(void **state)
{
	(void)state;
	char longer[1200] = "";
	for (int i = 0; i < 130; i++)
		strcat(longer, "中"); /* 390 bytes */
	struct refusal e = {0};
	refusef(&e, 400, "invalid_field", NULL, "%s", longer);
	assert_true(strlen(e.message) > 200);
	assert_true(strlen(e.message) < 300);
	assert_true(utf8_ok(e.message));
	assert_int_equal(strlen(e.message) % 3, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_refusals_one_thread),
		cmocka_unit_test(test_field_copied),
		cmocka_unit_test(test_refusal_read_on_another_thread),
		cmocka_unit_test(test_long_message_cut_at_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
