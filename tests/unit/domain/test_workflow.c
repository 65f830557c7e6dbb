/* The complaint state table: what each state allows, where actions lead with the review and
 * callback steps on and off, and the refusals for pending approvals and paused clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/permissions.h"
#include "domain/workflow.h"

static const struct wf_settings full = {true, true}, lean = {false, false};

static const char *to(const char *status, enum wf_action a, const struct wf_settings *cfg)
{
	struct wf_state s = {status, NULL, false, 0, false};
	struct wf_outcome out;
	const char *why;
	return wf_decide(&s, a, cfg, &out, &why) == 0 ? out.status : NULL;
}

static void test_main_path(void **state)
{
	(void)state;
	assert_string_equal(to("draft", WF_SUBMIT, &full), "registered");
	assert_string_equal(to("registered", WF_ASSIGN, &full), "processing");
	assert_string_equal(to("processing", WF_REPLY, &full), "reviewing");
	assert_string_equal(to("reviewing", WF_APPROVE_REPLY, &full), "replied");
	assert_string_equal(to("reviewing", WF_REJECT_REPLY, &full), "processing");
	assert_string_equal(to("replied", WF_CALLBACK, &full), "closed");
	assert_string_equal(to("closed", WF_REOPEN, &full), "processing");
	assert_string_equal(to("processing", WF_RETURN, &full), "registered");
	assert_string_equal(to("processing", WF_TRANSFER, &full), "processing");
}

static void test_configurable_steps(void **state)
{
	(void)state;
	/* Without review and callback a reply closes the complaint at once. */
	assert_string_equal(to("processing", WF_REPLY, &lean), "closed");
	struct wf_settings review_only = {true, false};
	assert_string_equal(to("reviewing", WF_APPROVE_REPLY, &review_only), "closed");
	struct wf_settings callback_only = {false, true};
	assert_string_equal(to("processing", WF_REPLY, &callback_only), "replied");
}

static void test_refusals(void **state)
{
	(void)state;
	assert_null(to("draft", WF_ASSIGN, &full));
	assert_null(to("registered", WF_REPLY, &full));
	assert_null(to("closed", WF_WITHDRAW, &full));
	assert_null(to("withdrawn", WF_REOPEN, &full));
	assert_null(to("deleted", WF_SYNC, &full));
	assert_null(to("draft", WF_SYNC, &full));
	assert_null(to("replied", WF_REOPEN, &full));
	struct wf_outcome out;
	const char *why = NULL;
	/* A paused clock: no reply and no return until resumed. */
	struct wf_state paused = {"processing", NULL, true, 0, false};
	assert_int_equal(wf_decide(&paused, WF_REPLY, &full, &out, &why), -1);
	assert_non_null(why);
	assert_int_equal(wf_decide(&paused, WF_RETURN, &full, &out, &why), -1);
	assert_int_equal(wf_decide(&paused, WF_PAUSE, &full, &out, &why), -1);
	assert_int_equal(wf_decide(&paused, WF_RESUME, &full, &out, &why), 0);
	/* Two extensions at most; one request at a time. */
	struct wf_state twice = {"processing", NULL, false, 2, false};
	assert_int_equal(wf_decide(&twice, WF_EXTEND, &full, &out, &why), -1);
	struct wf_state waiting = {"processing", "extension", false, 0, false};
	assert_int_equal(wf_decide(&waiting, WF_EXTEND, &full, &out, &why), -1);
	assert_int_equal(wf_decide(&waiting, WF_APPROVE_EXTENSION, &full, &out, &why), 0);
	/* A deletion waiting blocks everything but its approval or rejection, the regulator sync and
	 * its withdrawal (by the requester only: this caller is not). */
	struct wf_state del = {"processing", "delete", false, 0, false};
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		int rc = wf_decide(&del, (enum wf_action)a, &full, &out, &why);
		assert_int_equal(rc, a == WF_APPROVE_DELETE || a == WF_REJECT_DELETE || a == WF_SYNC ? 0
				     : a == WF_WITHDRAW_REQUEST				       ? WF_REFUSED_NOT_REQUESTER
											       : -1);
	}
	assert_int_equal(wf_decide(&del, WF_APPROVE_DELETE, &full, &out, &why), 0);
	assert_string_equal(out.status, "deleted");
}

static void test_allowed_by_permission(void **state)
{
	(void)state;
	struct wf_state s = {"processing", NULL, false, 0, false};
	uint32_t handler = wf_allowed(&s, &full, P_COMPLAINT_HANDLE | P_COMPLAINT_VIEW);
	assert_true(handler & (1u << WF_REPLY));
	assert_true(handler & (1u << WF_EXTEND));
	assert_false(handler & (1u << WF_APPROVE_EXTENSION));
	uint32_t viewer = wf_allowed(&s, &full, P_COMPLAINT_VIEW);
	assert_int_equal(viewer, 0);
	assert_int_equal(wf_action_from_name("approve_extension"), WF_APPROVE_EXTENSION);
	assert_int_equal(wf_action_from_name("fly"), -1);
	assert_string_equal(wf_status_label("replied"), "已答复待回访");
	assert_true(wf_status_open("reviewing"));
	assert_false(wf_status_open("closed"));
}

/* Pending requests: others approve or reject, only the requester withdraws (issue 12 items 1-2). */
static void test_requests(void **state)
{
	(void)state;
		const struct wf_settings full_cfg = {true, true};
	struct wf_outcome out;
	const char *why;
	struct wf_state ext = {"processing", "extension", false, 0, false}, own_ext = ext;
	own_ext.own_request = true;
	assert_int_equal(wf_decide(&ext, WF_REJECT_EXTENSION, &full_cfg, &out, &why), 0);
	assert_string_equal(out.status, "processing");
	assert_int_equal(wf_decide(&own_ext, WF_REJECT_EXTENSION, &full_cfg, &out, &why), WF_REFUSED_FOUR_EYES);
	assert_int_equal(wf_decide(&own_ext, WF_APPROVE_EXTENSION, &full_cfg, &out, &why), WF_REFUSED_FOUR_EYES);
	assert_int_equal(wf_decide(&own_ext, WF_WITHDRAW_REQUEST, &full_cfg, &out, &why), 0);
	assert_int_equal(wf_decide(&ext, WF_WITHDRAW_REQUEST, &full_cfg, &out, &why), WF_REFUSED_NOT_REQUESTER);
	struct wf_state del = {"processing", "delete", false, 0, false}, own_del = del;
	own_del.own_request = true;
	assert_int_equal(wf_decide(&del, WF_REJECT_DELETE, &full_cfg, &out, &why), 0);
	assert_string_equal(out.status, "processing");
	assert_int_equal(wf_decide(&own_del, WF_APPROVE_DELETE, &full_cfg, &out, &why), WF_REFUSED_FOUR_EYES);
	assert_int_equal(wf_decide(&own_del, WF_WITHDRAW_REQUEST, &full_cfg, &out, &why), 0);
	struct wf_state none = {"processing", NULL, false, 0, true};
	assert_int_equal(wf_decide(&none, WF_WITHDRAW_REQUEST, &full_cfg, &out, &why), WF_REFUSED_STATE);
	assert_int_equal(wf_decide(&none, WF_REJECT_DELETE, &full_cfg, &out, &why), WF_REFUSED_STATE);
	/* The requester is not offered approval or rejection of their own request. */
	uint32_t all = ~0u;
	uint32_t bits = wf_allowed(&own_del, &full_cfg, all);
	assert_false(bits & (1u << WF_APPROVE_DELETE));
	assert_false(bits & (1u << WF_REJECT_DELETE));
	assert_true(bits & (1u << WF_WITHDRAW_REQUEST));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_path),
		cmocka_unit_test(test_configurable_steps),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_allowed_by_permission),
	};
	return cmocka_run_group_tests_name("workflow", tests, NULL, NULL);
}
