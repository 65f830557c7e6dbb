/* The complaint vocabulary (src/domain/vocabulary.c, issue 14): every status of status.h and
 * every workflow action has one Chinese label, the codes follow the enums, wf_status_label and
 * the audit catalogue read the same table, and the JSON for GET /api/v1/meta holds all of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/audit_catalogue.h"
#include "domain/status.h"
#include "domain/vocabulary.h"
#include "domain/workflow.h"

static void test_every_status_and_action_is_labelled(void **state)
{
	(void)state;
	size_t n;
	const struct vocab_entry *st = vocab_entries(VOCAB_STATUS, &n);
	assert_int_equal(n, ST_COUNT);
	for (int i = 0; i < ST_COUNT; i++) {
		assert_string_equal(st[i].code, status_code(i));
		assert_int_equal(status_index(st[i].code), i);
		assert_true(strlen(st[i].label) >= 3); /* one CJK character is 3 bytes */
		assert_string_equal(wf_status_label(st[i].code), st[i].label);
	}
	for (int i = 0; i < ST_COUNT; i++) { /* the queue set, in C and in SQL */
		char quoted[24] = "'";
		strcat(strcat(quoted, status_code(i)), "'");
		assert_int_equal(status_in_set(status_code(i), STATUS_QUEUE_SET), strstr(STATUS_QUEUE_SQL, quoted) != NULL);
	}
	assert_int_equal(status_index("nonsense"), -1);
	assert_null(status_code(ST_COUNT));
	assert_string_equal(wf_status_label("nonsense"), "nonsense");
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		const char *name = wf_action_name((enum wf_action)a), *label = vocab_action_label((enum wf_action)a);
		assert_true(*name && strlen(label) >= 3);
		assert_int_equal(wf_action_from_name(name), a);
		char code[64];
		strcpy(code, "complaint.");
		strcat(code, name);
		assert_string_equal(audit_action_label(code), label);
		for (int b = 0; b < a; b++)
			assert_string_not_equal(vocab_action_label((enum wf_action)b), label);
	}
	assert_string_equal(vocab_action_label(WF_ACTION_COUNT), "");
}

static void test_results_and_satisfaction(void **state)
{
	(void)state;
	assert_string_equal(vocab_label(VOCAB_REPLY_RESULT, "accepted"), "满足诉求");
	assert_true(vocab_known(VOCAB_REPLY_RESULT, "explained"));
	assert_false(vocab_known(VOCAB_REPLY_RESULT, "satisfied"));
	assert_false(vocab_known(VOCAB_SATISFACTION, NULL));
	assert_true(vocab_known(VOCAB_SATISFACTION, "basically_satisfied"));
	size_t n;
	assert_null(vocab_entries(VOCAB_LIST_COUNT, &n));
	assert_int_equal(n, 0);
}

static void test_json_holds_everything(void **state)
{
	(void)state;
	json_t *m = vocab_json();
	assert_non_null(m);
	assert_int_equal(json_array_size(json_object_get(m, "statuses")), ST_COUNT);
	assert_int_equal(json_array_size(json_object_get(m, "actions")), WF_ACTION_COUNT + 1); /* + print */
	assert_int_equal(json_array_size(json_object_get(m, "reply_results")), 4);
	assert_int_equal(json_array_size(json_object_get(m, "satisfaction")), 3);
	json_t *sets = json_object_get(m, "status_sets");
	assert_int_equal(json_array_size(json_object_get(sets, "open")), 4);
	assert_int_equal(json_array_size(json_object_get(sets, "clock")), 3);
	assert_int_equal(json_array_size(json_object_get(sets, "unfinished")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "limits"), "max_extensions")),
			 VOCAB_MAX_EXTENSIONS);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_status_and_action_is_labelled),
		cmocka_unit_test(test_results_and_satisfaction),
		cmocka_unit_test(test_json_holds_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
