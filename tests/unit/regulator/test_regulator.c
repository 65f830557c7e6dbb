/* The regulator record format (src/regulator/record.c): which events are reported, the record
 * built from a complaint row, the regulator's checks, batch manifests, retry backoff with jitter,
 * and the gateway settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "regulator/record.h"
#include "util/crypto.h"

static void test_events(void **state)
{
	(void)state;
	assert_string_equal(regulator_event_for(WF_SUBMIT, "draft", "registered"), "registered");
	assert_string_equal(regulator_event_for(WF_SYNC, "processing", "processing"), "sync");
	assert_string_equal(regulator_event_for(WF_APPROVE_REPLY, "reviewing", "replied"), "replied");
	assert_string_equal(regulator_event_for(WF_REPLY, "processing", "replied"), "replied"); /* review step off */
	assert_string_equal(regulator_event_for(WF_CALLBACK, "replied", "closed"), "closed");
	assert_string_equal(regulator_event_for(WF_CALLBACK, "replied", "processing"), "updated"); /* unsatisfied */
	assert_string_equal(regulator_event_for(WF_MERGE, "processing", "closed"), "closed");
	assert_string_equal(regulator_event_for(WF_WITHDRAW, "processing", "withdrawn"), "withdrawn");
	assert_string_equal(regulator_event_for(WF_APPROVE_DELETE, "closed", "deleted"), "deleted");
	assert_string_equal(regulator_event_for(WF_REOPEN, "closed", "processing"), "reopened");
	/* new facts: the approved restart is news, the request is not (issue 11 M4) */
	assert_string_equal(regulator_event_for(WF_APPROVE_NEW_FACTS, "processing", "processing"), "updated");
	assert_null(regulator_event_for(WF_NEW_FACTS, "processing", "processing"));
	assert_null(regulator_event_for(WF_REJECT_NEW_FACTS, "processing", "processing"));
	/* internal to the bank */
	assert_null(regulator_event_for(WF_ASSIGN, "registered", "processing"));
	assert_null(regulator_event_for(WF_TRANSFER, "processing", "processing"));
	assert_null(regulator_event_for(WF_PAUSE, "processing", "processing"));
	assert_null(regulator_event_for(WF_REPLY, "processing", "reviewing"));
	assert_null(regulator_event_for(WF_REJECT_REPLY, "reviewing", "processing"));
	assert_null(regulator_event_for(WF_REQUEST_DELETE, "processing", "processing"));
	assert_null(regulator_event_for(WF_SYNC, "draft", "draft"));
}

static json_t *complaint_row(void)
{
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:I, s:I, s:n}",
			 "complaint_no", "IC_1-20261127-00001", "id", (json_int_t)7, "status", "replied",
			 "source_channel", "phone", "region_code", "110105", "business_channel_code", "A0101",
			 "business_type_code", "B03011", "cause_code", "C07", "rights", "R04 R07", "amount_fen",
			 (json_int_t)30000, "content", "年费", "demand", "退还", "received_at", (json_int_t)1795743000000LL,
			 "registered_at", (json_int_t)1795743060000LL, "replied_at", (json_int_t)1795829400000LL,
			 "reply_result", "accepted", "compensation_fen", (json_int_t)30000, "extension_count",
			 (json_int_t)0, "closed_at");
}

static void test_record(void **state)
{
	(void)state;
	json_t *rec = complaint_row();
	json_t *r = regulator_record(rec, "B0001H111000001", "replied", 3, 1795829400000LL);
	assert_string_equal(json_string_value(json_object_get(r, "format")), REGULATOR_FORMAT);
	assert_string_equal(json_string_value(json_object_get(r, "idempotency_key")), "IC_1-20261127-00001:3");
	assert_int_equal(json_integer_value(json_object_get(r, "event_seq")), 3);
	assert_string_equal(json_string_value(json_object_get(r, "received_at")), "2026-11-27T09:30:00+08:00");
	assert_string_equal(json_string_value(json_object_get(r, "event_at")), "2026-11-28T09:30:00+08:00");
	assert_true(json_is_null(json_object_get(r, "closed_at")));
	json_t *rights = json_object_get(r, "rights");
	assert_int_equal(json_array_size(rights), 2);
	assert_string_equal(json_string_value(json_array_get(rights, 1)), "R07");
	json_t *res = json_object_get(r, "result");
	assert_string_equal(json_string_value(json_object_get(res, "result")), "accepted");
	assert_int_equal(json_integer_value(json_object_get(res, "compensation_fen")), 30000);
	assert_true(json_is_null(json_object_get(r, "callback")));
	/* The complainant's identity never leaves the bank in the record. */
	assert_null(json_object_get(r, "complainant"));
	struct regulator_problem p;
	assert_int_equal(regulator_record_check(r, &p), 1); /* a 15-character code */
	assert_string_equal(p.field, "institution_code");
	json_decref(r);
	r = regulator_record(rec, "B0001H11100000", "replied", 3, 1795829400000LL);
	assert_int_equal(regulator_record_check(r, &p), 0);
	/* each broken field is named */
	static const struct {
		const char *key, *bad, *field;
	} cases[] = {{"format", "fcms-regulator/0", "format"},  {"cause_code", "X07", "cause_code"},
		     {"region_code", "11010", "region_code"},     {"event", "moved", "event"},
		     {"business_type_code", "", "business_type_code"}, {"received_at", "yesterday", "received_at"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *x = json_deep_copy(r);
		json_object_set_new(x, cases[i].key, json_string(cases[i].bad));
		assert_int_equal(regulator_record_check(x, &p), 1);
		assert_string_equal(p.field, cases[i].field);
		json_decref(x);
	}
	json_t *x = json_deep_copy(r);
	json_array_append_new(json_object_get(x, "rights"), json_string("R4"));
	assert_int_equal(regulator_record_check(x, &p), 1);
	assert_string_equal(p.code, "E303");
	json_decref(x);
	json_decref(r);
	json_decref(rec);
}

static void test_manifest(void **state)
{
	(void)state;
	const char *body = "{\"a\":1}\n{\"b\":2}\n";
	int n;
	char sha[65];
	regulator_manifest(body, strlen(body), &n, sha);
	assert_int_equal(n, 2);
	/* sha256 of the exact bytes */
	char want[65];
	crypto_sha256_hex(body, strlen(body), want);
	assert_string_equal(sha, want);
	const char *why;
	assert_int_equal(regulator_manifest_check(body, strlen(body), 2, sha, &why), 0);
	assert_int_equal(regulator_manifest_check(body, strlen(body), 3, sha, &why), -1);
	assert_non_null(strstr(why, "记录数"));
	assert_int_equal(regulator_manifest_check(body, strlen(body) - 1, 2, sha, &why), -1); /* truncated */
	char other[65];
	memcpy(other, sha, 65);
	other[0] = other[0] == '0' ? '1' : '0';
	assert_int_equal(regulator_manifest_check(body, strlen(body), 2, other, &why), -1);
	assert_non_null(strstr(why, "SHA-256"));
	assert_int_equal(regulator_manifest_check("", 0, 0, want, &why), -1);
}

static void test_backoff(void **state)
{
	(void)state;
	/* exponential, capped, half fixed and half random */
	assert_int_equal(regulator_backoff_ms(1, 1000, 60000, 0), 500);
	assert_int_equal(regulator_backoff_ms(1, 1000, 60000, 500), 1000);
	assert_int_equal(regulator_backoff_ms(2, 1000, 60000, 0), 1000);
	assert_int_equal(regulator_backoff_ms(3, 1000, 60000, 0), 2000);
	assert_int_equal(regulator_backoff_ms(7, 1000, 60000, 0), 30000);
	assert_int_equal(regulator_backoff_ms(8, 1000, 60000, 0), 30000); /* 64 s capped at 60 */
	assert_int_equal(regulator_backoff_ms(50, 1000, 60000, 0), 30000);
	assert_int_equal(regulator_backoff_ms(0, 1000, 60000, 0), 500);
	for (uint32_t r = 0; r < 100000; r += 997) {
		int64_t d = regulator_backoff_ms(4, 1000, 60000, r);
		assert_true(d >= 4000 && d <= 8000);
	}
	/* jitter spreads retries: many random draws give many distinct delays */
	int distinct = 0;
	int64_t prev = -1;
	for (uint32_t r = 1; r < 4000000000u; r += 400000000u) {
		int64_t d = regulator_backoff_ms(5, 1000, 60000, r);
		distinct += d != prev;
		prev = d;
	}
	assert_true(distinct >= 8);
}

static void test_settings(void **state)
{
	(void)state;
	struct regulator_settings s;
	regulator_settings_defaults(&s);
	assert_string_equal(s.schedule, "realtime");
	const char *msg, *field;
	json_t *j = json_pack("{s:s, s:s, s:i, s:b}", "schedule", "daily", "daily_at", "18:30", "alert_failures", 3,
			      "alert_rejection", 0);
	assert_int_equal(regulator_settings_apply(&s, j, &msg, &field), 0);
	json_decref(j);
	assert_string_equal(s.schedule, "daily");
	assert_int_equal(s.alert_failures, 3);
	assert_false(s.alert_rejection);
	assert_true(s.alert_missed_run);
	static const char *const bad[] = {"{\"schedule\":\"hourly\"}", "{\"daily_at\":\"24:00\"}", "{\"daily_at\":\"7:00\"}",
					  "{\"max_attempts\":0}", "{\"batch_size\":5000}", "{\"alert_rejection\":1}",
					  "{\"backoff_base_ms\":90000,\"backoff_max_ms\":1000}", "{\"colour\":\"red\"}", NULL};
	for (int i = 0; bad[i]; i++) {
		struct regulator_settings t = s;
		j = json_loads(bad[i], 0, NULL);
		assert_int_equal(regulator_settings_apply(&t, j, &msg, &field), -1);
		assert_non_null(field);
		assert_memory_equal(&t, &s, sizeof s); /* unchanged on refusal */
		json_decref(j);
	}
	j = regulator_settings_json(&s);
	struct regulator_settings u;
	regulator_settings_defaults(&u);
	assert_int_equal(regulator_settings_apply(&u, j, &msg, &field), 0);
	assert_memory_equal(&u, &s, sizeof s); /* round trip */
	json_decref(j);
}

int main(void)
{
	crypto_init(1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
