/* Unit tests for the password policy (src/domain/password_policy.c): the two profiles' numbers,
 * length counted in Unicode characters, character classes, the username rule, the common-password
 * list, control characters, and expiry arithmetic. */
#include "domain/password_policy.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define DAY_MS 86400000LL

static const char *const R_SHORT8 = "密码长度不能少于8位";
static const char *const R_SHORT12 = "密码长度不能少于12位";
static const char *const R_LONG = "密码长度不能超过128位";
static const char *const R_CTRL = "密码不能包含控制字符";
static const char *const R_CLASSES = "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类";
static const char *const R_USER = "密码不能包含用户名";
static const char *const R_COMMON = "密码过于常见，请更换";

static struct password_policy dengbao, asvs;

static int setup(void **state)
{
	return password_policy_for("dengbao", &dengbao) || password_policy_for("asvs", &asvs);
}

/* Expects password_check to give want_reason (NULL = accepted). */
static void check(const struct password_policy *p, const char *pw, const char *user,
		  const char *want_reason)
{
	const char *reason = NULL;
	int rc = password_check(p, pw, user, &reason);
	if (!want_reason) {
		if (rc != 0)
			fail_msg("%s: '%s' refused (%s), want accepted", p->profile, pw, reason);
		return;
	}
	if (rc != -1)
		fail_msg("%s: '%s' accepted, want '%s'", p->profile, pw, want_reason);
	assert_non_null(reason);
	if (strcmp(reason, want_reason) != 0)
		fail_msg("%s: '%s' refused with '%s', want '%s'", p->profile, pw, reason, want_reason);
}

static void profiles(void **state)
{
	assert_string_equal(dengbao.profile, "dengbao");
	assert_int_equal(dengbao.min_length, 8);
	assert_int_equal(dengbao.min_classes, 3);
	assert_int_equal(dengbao.expiry_days, 90);
	assert_int_equal(dengbao.history, 5);

	assert_string_equal(asvs.profile, "asvs");
	assert_int_equal(asvs.min_length, 12);
	assert_int_equal(asvs.min_classes, 0);
	assert_int_equal(asvs.expiry_days, 0);
	assert_int_equal(asvs.history, 0);

	struct password_policy p = {"untouched", 1, 2, 3, 4};
	assert_int_equal(password_policy_for("DENGBAO", &p), -1);
	assert_int_equal(password_policy_for("", &p), -1);
	assert_int_equal(password_policy_for(NULL, &p), -1);
	assert_string_equal(p.profile, "untouched");
	assert_int_equal(p.min_length, 1);
}

static void dengbao_length(void **state)
{
	check(&dengbao, "Bcd1234", NULL, R_SHORT8); /* 7 */
	check(&dengbao, "Tq7vKw9m", NULL, NULL);    /* 8 */
	check(&dengbao, "", NULL, R_SHORT8);
	/* Length is in characters, not bytes: 6 Chinese characters are 18 bytes but 6 long. */
	check(&dengbao, "中文密码中文", NULL, R_SHORT8);
	/* 4 Chinese + "ab12": 8 characters, classes lower + digit + other. */
	check(&dengbao, "中文密码ab12", NULL, NULL);
}

static void max_length(void **state)
{
	char pw[400];
	/* 128 characters: a varied 16-character run repeated (cracklib refuses a few repeated ones). */
	for (int i = 0; i < 128; i++)
		pw[i] = "Tq7vKw9m!Xr3#Lp5"[i % 16];
	pw[128] = '\0';
	check(&dengbao, pw, NULL, NULL);
	check(&asvs, pw, NULL, NULL);
	pw[128] = 'x';
	pw[129] = '\0';
	check(&dengbao, pw, NULL, R_LONG);
	check(&asvs, pw, NULL, R_LONG);

	/* 128 Chinese characters (384 bytes) pass asvs, 129 do not (varied: one character repeated
	 * 128 times is refused by the dictionary check). */
	static const char *const hanzi[] = {"银", "行", "投", "诉", "处", "理", "密", "码", "安", "全", "审", "计", "合", "规", "客", "户"};
	pw[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(pw, hanzi[(i * 7 + i / 16) % 16]);
	assert_int_equal(strlen(pw), 384);
	check(&asvs, pw, NULL, NULL);
	/* Swap the last character for two ASCII ones: 129 characters. */
	strcpy(pw + 381, "ab");
	check(&asvs, pw, NULL, R_LONG);
}

static void dengbao_classes(void **state)
{
	check(&dengbao, "abcdefgh", NULL, R_CLASSES);  /* lower */
	check(&dengbao, "abcdefg1", NULL, R_CLASSES);  /* lower digit */
	check(&dengbao, "ABCDEFG!", NULL, R_CLASSES);  /* upper other */
	check(&dengbao, "tqvkWMZ9", NULL, NULL);       /* lower upper digit */
	check(&dengbao, "tqvkwmz9!", NULL, NULL);      /* lower digit other */
	check(&dengbao, "TQVKWMZ9 ", NULL, NULL);      /* space counts as other */
	check(&dengbao, "银行投诉处理a1", NULL, NULL); /* non-ASCII counts as other */
	check(&dengbao, "银行投诉处理中心", NULL, R_CLASSES);
}

static void asvs_rules(void **state)
{
	check(&asvs, "abcdefghijk", NULL, R_SHORT12); /* 11 */
	check(&asvs, "tqvkwmzhrjxp", NULL, NULL);     /* 12, one class is fine */
	check(&asvs, "correct horse battery", NULL, NULL);
	check(&asvs, "密码密码密码密码密码密", NULL, R_SHORT12); /* 11 characters */
	check(&asvs, "密码密码密码密码密码密码", NULL, NULL);     /* 12 characters */
	check(&asvs, "1234567890", NULL, R_SHORT12);  /* length is checked first */
}

static void control_characters(void **state)
{
	check(&dengbao, "Abc1234\x01x", NULL, R_CTRL);
	check(&dengbao, "Abc\t12345", NULL, R_CTRL);
	check(&dengbao, "Abc12345\n", NULL, R_CTRL);
	check(&dengbao, "Abc1\x7f" "2345", NULL, R_CTRL);
	check(&asvs, "a long enough pass\x1f", NULL, R_CTRL);
}

static void username_rule(void **state)
{
	check(&dengbao, "xzhangsan1A", "zhangsan", R_USER);
	check(&dengbao, "zhangsan#1A", "zhangsan", R_USER);
	check(&asvs, "my name is zhangsan", "zhangsan", R_USER);
	check(&dengbao, "Tq7vKw9m", "zhangsan", NULL);
	check(&dengbao, "Tq7vKw9m", "", NULL);
	check(&dengbao, "Tq7vKw9m", NULL, NULL);
}

static void common_passwords(void **state)
{
	check(&dengbao, "P@ssw0rd", NULL, R_COMMON);
	check(&dengbao, "Passw0rd!", NULL, R_COMMON);
	check(&dengbao, "PASSW0RD!", NULL, R_COMMON); /* case-insensitive */
	check(&dengbao, "Aa123456", NULL, R_COMMON);
	check(&dengbao, "Abc12345", NULL, R_COMMON); /* "abc12345" in any case */
	check(&asvs, "password1234", NULL, NULL);     /* not on the list */
	check(&asvs, "Password123", NULL, R_SHORT12); /* 11 characters: length first */
	/* Not common once anything is added. */
	check(&dengbao, "P@ssw0rd2", NULL, NULL);
}

/* Issue 11 L7: passwords a cracking list tries early passed the class rules; Debian's cracklib
 * dictionary refuses them now. The user-name rule ignores letter case. */
static void dictionary_words(void **state)
{
	const char *const weak[] = {"Password1!", "Qwerty123", "12345678Aa", "Admin@12345678", "Abcd1234!", NULL};
	for (int i = 0; weak[i]; i++) {
		const char *reason = NULL;
		if (password_check(&dengbao, weak[i], NULL, &reason) != -1)
			fail_msg("'%s' accepted; the dictionary check must refuse it", weak[i]);
		assert_non_null(reason);
		assert_non_null(strstr(reason, "请更换")); /* a Chinese sentence, not cracklib's English */
	}
	check(&dengbao, "ZHANGSAN#2026x", "zhangsan", R_USER);
	check(&dengbao, "Zhangsan#2026x", "ZhangSan", R_USER);
	check(&asvs, "hello ZhangSan 2026", "zhangsan", R_USER);
	check(&dengbao, "Tq7vKw9m", "zhangsan", NULL);
	assert_int_equal(password_dictionary_ready(), 0);
}

static void expiry(void **state)
{
	int64_t changed = 1700000000000LL;
	assert_false(password_expired(&dengbao, changed, changed));
	assert_false(password_expired(&dengbao, changed, changed + 90 * DAY_MS - 1));
	assert_true(password_expired(&dengbao, changed, changed + 90 * DAY_MS));
	assert_true(password_expired(&dengbao, changed, changed + 400 * DAY_MS));
	/* Never changed (0) is not "expired": must_change_password handles first sign-in. */
	assert_false(password_expired(&dengbao, 0, changed));
	/* asvs never expires. */
	assert_false(password_expired(&asvs, changed, changed + 10000 * DAY_MS));
	struct password_policy custom = dengbao;
	custom.expiry_days = 1;
	assert_false(password_expired(&custom, changed, changed + DAY_MS - 1));
	assert_true(password_expired(&custom, changed, changed + DAY_MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(profiles),
		cmocka_unit_test(dengbao_length),
		cmocka_unit_test(max_length),
		cmocka_unit_test(dengbao_classes),
		cmocka_unit_test(asvs_rules),
		cmocka_unit_test(control_characters),
		cmocka_unit_test(username_rule),
		cmocka_unit_test(common_passwords),
		cmocka_unit_test(dictionary_words),
		cmocka_unit_test(expiry),
	};
	return cmocka_run_group_tests_name("password_policy", tests, setup, NULL);
}
