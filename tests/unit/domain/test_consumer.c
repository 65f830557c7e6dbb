/* The consumer channel's rules (src/domain/consumer.c): phone numbers, codes (format, keyed hash,
 * lifetime, single use, attempts), the proof of work (forged, expired, wrong nonce, right nonce),
 * the rate limits in their order, and the consumer's view (no reply before approval, no staff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "domain/consumer.h"
#include "domain/pii.h"
#include "store/consumer.h"
#include "util/crypto.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/fcms-unit-consumer-XXXXXX");
	if (!mkdtemp(dir) || crypto_init(1) != 0)
		return -1;
	return pii_init(dir);
}

static int teardown(void **state)
{
	(void)state;
	pii_shutdown();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct consumer_limits L = {300, 60, 5, 20, 300, 5, 8};

static void test_phones(void **state)
{
	(void)state;
	assert_true(consumer_phone_valid("13800000000"));
	assert_true(consumer_phone_valid("19912345678"));
	assert_false(consumer_phone_valid("12800000000"));
	assert_false(consumer_phone_valid("1380000000"));
	assert_false(consumer_phone_valid("138000000001"));
	assert_false(consumer_phone_valid("1380000000a"));
	assert_false(consumer_phone_valid(NULL));
}

static json_t *row(const char *hash, int64_t expires, int attempts, bool used)
{
	return json_pack("{s:I, s:s, s:I, s:i, s:o}", "id", (json_int_t)1, "code_hash", hash, "expires_at",
			 (json_int_t)expires, "attempts", attempts, "used_at", used ? json_integer(5) : json_null());
}

static void test_codes(void **state)
{
	(void)state;
	char code[7], h[33], h2[33];
	consumer_code_new(code);
	assert_int_equal(strlen(code), 6);
	assert_int_equal(strspn(code, "0123456789"), 6);
	consumer_code_hash("phoneA", code, h);
	consumer_code_hash("phoneB", code, h2);
	assert_string_not_equal(h, h2); /* bound to the phone */
	assert_null(strstr(h, code));
	json_t *ok = row(h, 1000, 0, false), *expired = row(h, 999, 0, false), *spent = row(h, 1000, 0, true),
	       *tried = row(h, 1000, 5, false);
	assert_true(consumer_code_matches(&L, ok, "phoneA", code, 999));
	assert_false(consumer_code_matches(&L, ok, "phoneB", code, 999));
	assert_false(consumer_code_matches(&L, ok, "phoneA", "12345", 999));
	assert_false(consumer_code_matches(&L, ok, "phoneA", NULL, 999));
	assert_false(consumer_code_matches(&L, expired, "phoneA", code, 999));
	assert_false(consumer_code_matches(&L, spent, "phoneA", code, 999));
	assert_false(consumer_code_matches(&L, tried, "phoneA", code, 999));
	assert_false(consumer_code_matches(&L, NULL, "phoneA", code, 999));
	json_decref(ok);
	json_decref(expired);
	json_decref(spent);
	json_decref(tried);
}

/* The nonce the page would find. */
static void solve(const char *ch, int bits, char out[24])
{
	for (unsigned n = 0;; n++) {
		snprintf(out, 24, "%u", n);
		if (consumer_challenge_check(ch, out, bits, 0))
			return;
	}
}

static void test_challenge(void **state)
{
	(void)state;
	char ch[128], nonce[24];
	consumer_challenge_new(1000, ch, sizeof ch);
	solve(ch, 10, nonce);
	assert_true(consumer_challenge_check(ch, nonce, 10, 1000));
	assert_false(consumer_challenge_check(ch, nonce, 10, 1000 + 11 * 60 * 1000)); /* expired */
	/* A forged expiry breaks the server's mark. */
	char forged[160];
	snprintf(forged, sizeof forged, "9%s", ch);
	assert_false(consumer_challenge_check(forged, nonce, 10, 1000));
	assert_false(consumer_challenge_check("1.2.00000000000000000000000000000000", "1", 0, 0));
	assert_false(consumer_challenge_check(ch, "", 10, 1000));
	/* 24 bits: nonce 0..9 almost surely fail. */
	int passed = 0;
	for (int i = 0; i < 10; i++) {
		snprintf(nonce, sizeof nonce, "%d", i);
		passed += consumer_challenge_check(ch, nonce, 24, 1000);
	}
	assert_true(passed < 2);
}

static void test_limits(void **state)
{
	(void)state;
	struct refusal e;
	struct sms_counts c = {0};
	assert_int_equal(consumer_limit_check(&L, &c, 100000, &e), 0);
	c = (struct sms_counts){.phone = 1, .phone_last_at = 100000 - 30000};
	assert_int_equal(consumer_limit_check(&L, &c, 100000, &e), 1);
	assert_int_equal(e.status, 429);
	assert_string_equal(e.code, "sms_resend_wait");
	c = (struct sms_counts){.phone = 5, .phone_last_at = 1};
	assert_int_equal(consumer_limit_check(&L, &c, 100000, &e), 1);
	assert_string_equal(e.code, "sms_rate_limited");
	c = (struct sms_counts){.ip = 20};
	assert_int_equal(consumer_limit_check(&L, &c, 100000, &e), 1);
	assert_string_equal(e.code, "sms_rate_limited");
	c = (struct sms_counts){.global = 300};
	assert_int_equal(consumer_limit_check(&L, &c, 100000, &e), 1);
	assert_string_equal(e.code, "sms_busy");
}

static void test_progress(void **state)
{
	(void)state;
	json_t *sub = json_pack("{s:s, s:I}", "complaint_no", "X-20260101-00001", "received_at", (json_int_t)1767225600000);
	json_t *msgs = json_array();
	json_t *v = consumer_progress(sub, NULL, NULL, msgs);
	assert_string_equal(json_string_value(json_object_get(v, "status_text")), "已收到，等待银行工作人员登记");
	assert_int_equal(json_array_size(json_object_get(v, "milestones")), 5);
	assert_null(json_object_get(v, "reply"));
	json_decref(v);
	/* Reviewing: the reply exists but is not approved, so it is not shown; no staff fields. */
	json_t *rec = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:I}", "complaint_no", "X-20260101-00001", "status",
				"reviewing", "received_at", (json_int_t)1767225600000, "due_at", (json_int_t)1768521599000,
				"reply_content", "草稿答复", "late_reason", "内部说明", "handler_id", (json_int_t)7);
	v = consumer_progress(sub, rec, "甲分行", msgs);
	char *text = json_dumps(v, 0);
	assert_null(strstr(text, "草稿答复"));
	assert_null(strstr(text, "内部说明"));
	assert_null(strstr(text, "handler"));
	free(text);
	assert_false(json_is_true(json_object_get(v, "may_rate")));
	json_decref(v);
	json_object_set_new(rec, "status", json_string("replied"));
	v = consumer_progress(sub, rec, "甲分行", msgs);
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "reply"), "content")), "草稿答复");
	assert_true(json_is_true(json_object_get(v, "may_rate")));
	json_decref(v);
	json_decref(rec);
	json_decref(sub);
	json_decref(msgs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phones),   cmocka_unit_test(test_codes),    cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_limits),   cmocka_unit_test(test_progress),
	};
	return cmocka_run_group_tests_name("consumer", tests, setup, teardown);
}
