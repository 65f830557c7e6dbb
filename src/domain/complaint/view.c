/* The client view of a complaint (complaint.h: complaint_view, complaint_view_as) and the rule
 * that only a closed complaint has a closure form to print. The view is presentation; it stays
 * below api because the Excel ledger (report/complaint_sheet.c) renders its rows from it too. */
#include "domain/complaint.h"
#include "domain/workflow.h"
#include "util/iso8601.h"
#include <string.h>

static json_t *iso_or_null(json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key);
	if (!json_is_integer(v))
		return json_null();
	char buf[40];
	iso8601_format(json_integer_value(v), CN_TZ_OFFSET_MIN, buf, sizeof buf);
	return json_string(buf);
}

static json_t *split_list(const char *s)
{
	json_t *arr = json_array();
	while (s && *s) {
		size_t n = strcspn(s, " ");
		if (n)
			json_array_append_new(arr, json_stringn(s, n));
		s += n;
		while (*s == ' ')
			s++;
	}
	return arr;
}

static bool printable(const char *status)
{
	return status && strcmp(status, "closed") == 0;
}

int complaint_check_printable(json_t *rec, struct refusal *e)
{
	const char *status = json_string_value(json_object_get(rec, "status"));
	if (printable(status))
		return 0;
	return refusef(e, 409, "not_printable", NULL, "投诉单当前状态为“%s”，办结后才能打印投诉处理结单",
		       wf_status_label(status));
}

json_t *complaint_view(json_t *rec, uint32_t perms, const struct complaint_settings *cfg)
{
	return complaint_view_as(rec, perms, 0, cfg);
}

json_t *complaint_view_as(json_t *rec, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg)
{
	json_t *v = json_object();
	static const char *const copy[] = {
		"id", "complaint_no", "status", "version", "source_channel", "external_no", "complained_org_id",
		"complained_org_name", "handling_org_id", "handling_org_name", "handler_id", "handler_name",
		"registrar_id", "registrar_name", "registrar_org_id", "registrar_org_name", "region_code",
		"business_channel_code", "business_type_code", "cause_code", "content", "demand", "amount_fen",
		"group_size", "allowed_days", "day_type", "deadline_state", "extension_count", "transfer_count",
		"pending", "reply_result", "reply_content", "compensation_fen", "late_reason",
		"callback_satisfaction", "callback_note", "repeat_of", "merged_into", "sync_status",
		"regulator_receipt_no", "sync_error", "clock_restarts", NULL};
	for (int i = 0; copy[i]; i++) {
		json_t *x = json_object_get(rec, copy[i]);
		json_object_set_new(v, copy[i], x ? json_incref(x) : json_null());
	}
	static const char *const times[] = {"received_at", "registered_at", "due_at", "replied_at", "callback_at",
					     "closed_at", "withdrawn_at", "deleted_at", "created_at", "updated_at", "synced_at", NULL};
	for (int i = 0; times[i]; i++)
		json_object_set_new(v, times[i], iso_or_null(rec, times[i]));
	const char *status = json_string_value(json_object_get(rec, "status"));
	json_object_set_new(v, "status_label", json_string(wf_status_label(status)));
	json_object_set_new(v, "draft", json_boolean(status && strcmp(status, "draft") == 0));
	json_object_set_new(v, "paused", json_boolean(strcmp(json_string_value(json_object_get(rec, "deadline_state")) ?: "", "paused") == 0));
	json_object_set_new(v, "rights", split_list(json_string_value(json_object_get(rec, "rights"))));
	json_object_set_new(v, "tags", split_list(json_string_value(json_object_get(rec, "tags"))));
	json_t *masked = json_loads(json_string_value(json_object_get(rec, "complainant_masked")) ?: "{}", 0, NULL);
	json_object_set_new(v, "complainant", masked ? masked : json_object());
	const char *pd = json_string_value(json_object_get(rec, "pending_data"));
	json_t *pending = pd ? json_loads(pd, 0, NULL) : NULL;
	json_object_set_new(v, "pending_data", pending ? pending : json_null());
	struct wf_state ws = {status, json_string_value(json_object_get(rec, "pending")),
			      json_object_get(v, "paused") == json_true(),
			      (int)json_integer_value(json_object_get(rec, "extension_count")),
			      complaint_pending_by(rec, user_id)};
	struct wf_settings wcfg = {cfg->review_step, cfg->callback_step};
	uint32_t allowed = wf_allowed(&ws, &wcfg, perms);
	json_t *actions = json_array();
	for (int a = 0; a < WF_ACTION_COUNT; a++)
		if (allowed & (1u << a))
			json_array_append_new(actions, json_string(wf_action_name((enum wf_action)a)));
	if (printable(status))
		json_array_append_new(actions, json_string("print"));
	json_object_set_new(v, "actions", actions);
	return v;
}

