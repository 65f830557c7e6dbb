/* The client view of a complaint (complaint.h: complaint_view, complaint_view_as) and the rule
 * that only a closed complaint has a closure form to print. The view is presentation; it stays
 * below api because the Excel ledger (report/complaint_sheet.c) renders its rows from it too.
 * It reads the typed record (struct complaint); rows read as JSON go through complaint_view_row. */
#include "domain/complaint.h"
#include "domain/workflow.h"
#include "util/iso8601.h"
#include <string.h>

/* An instant as ISO 8601 in the bank's zone, or null. */
static json_t *iso_or_null(struct opt_int at)
{
	if (!at.set)
		return json_null();
	char buf[40];
	iso8601_format(at.v, CN_TZ_OFFSET_MIN, buf, sizeof buf);
	return json_string(buf);
}

/* A text as the row gives it: null, or a string ("" when not valid UTF-8). */
static json_t *text_or_null(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	return v ? v : json_string("");
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

int complaint_check_printable(const struct complaint *c, struct refusal *e)
{
	if (printable(c->status))
		return 0;
	return refusef(e, 409, "not_printable", NULL, "投诉单当前状态为“%s”，办结后才能打印投诉处理结单",
		       wf_status_label(c->status));
}

/* The members sent as stored, in the view's order: X(KIND, name), KIND TEXT (texts and joined
 * names), INT or OPT (as the column list has them). */
#define VIEW_COPIED(X)                                                                              \
	X(INT, id) X(TEXT, complaint_no) X(TEXT, status) X(INT, version) X(TEXT, source_channel)    \
	X(TEXT, external_no) X(OPT, complained_org_id) X(TEXT, complained_org_name)                 \
	X(OPT, handling_org_id) X(TEXT, handling_org_name) X(OPT, handler_id) X(TEXT, handler_name) \
	X(INT, registrar_id) X(TEXT, registrar_name) X(INT, registrar_org_id)                       \
	X(TEXT, registrar_org_name) X(TEXT, region_code) X(TEXT, business_channel_code)             \
	X(TEXT, business_type_code) X(TEXT, cause_code) X(TEXT, content) X(TEXT, demand)            \
	X(OPT, amount_fen) X(OPT, group_size) X(INT, allowed_days) X(TEXT, day_type)                \
	X(TEXT, deadline_state) X(INT, extension_count) X(INT, transfer_count) X(TEXT, pending)     \
	X(TEXT, reply_result) X(TEXT, reply_content) X(OPT, compensation_fen) X(TEXT, late_reason)  \
	X(TEXT, callback_satisfaction) X(TEXT, callback_note) X(OPT, repeat_of) X(OPT, merged_into) \
	X(TEXT, sync_status) X(TEXT, regulator_receipt_no) X(TEXT, sync_error) X(INT, clock_restarts)
/* The instants, sent as ISO 8601 in the bank's zone (created_at and updated_at are NOT NULL). */
#define VIEW_TIMES(X)                                                                               \
	X(OPT, received_at) X(OPT, registered_at) X(OPT, due_at) X(OPT, replied_at)                 \
	X(OPT, callback_at) X(OPT, closed_at) X(OPT, withdrawn_at) X(OPT, deleted_at)               \
	X(INT, created_at) X(INT, updated_at) X(OPT, synced_at)

#define VIEW_TEXT(n) text_or_null(c->n)
#define VIEW_INT(n) json_integer(c->n)
#define VIEW_OPT(n) (c->n.set ? json_integer(c->n.v) : json_null())
#define AT_OPT(n) c->n
#define AT_INT(n) OPT_SOME(c->n)

/* The actions the permissions allow c's user now, and print when it may be printed. */
static json_t *actions_of(const struct complaint *c, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg)
{
	bool paused = c->deadline_state && strcmp(c->deadline_state, "paused") == 0;
	struct wf_state ws = {c->status, c->pending, paused, (int)c->extension_count,
			      complaint_requested_by(c->pending_data, user_id)};
	struct wf_settings wcfg = {cfg->review_step, cfg->callback_step};
	uint32_t allowed = wf_allowed(&ws, &wcfg, perms);
	json_t *actions = json_array();
	for (int a = 0; actions && a < WF_ACTION_COUNT; a++)
		if (allowed & (1u << a))
			json_array_append_new(actions, json_string(wf_action_name((enum wf_action)a)));
	if (actions && printable(c->status))
		json_array_append_new(actions, json_string("print"));
	return actions;
}

json_t *complaint_view_as(const struct complaint *c, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg)
{
	json_t *v = json_object();
	bool ok = v != NULL;
#define VIEW_COPY(kind, name) ok = ok && json_object_set_new(v, #name, VIEW_##kind(name)) == 0;
#define VIEW_TIME(kind, name) ok = ok && json_object_set_new(v, #name, iso_or_null(AT_##kind(name))) == 0;
	VIEW_COPIED(VIEW_COPY)
	VIEW_TIMES(VIEW_TIME)
	bool draft = c->status && strcmp(c->status, "draft") == 0;
	bool paused = c->deadline_state && strcmp(c->deadline_state, "paused") == 0;
	json_t *masked = json_loads(c->complainant_masked ? c->complainant_masked : "{}", 0, NULL);
	json_t *pending = c->pending_data ? json_loads(c->pending_data, 0, NULL) : NULL;
	ok = ok && json_object_set_new(v, "status_label", json_string(wf_status_label(c->status))) == 0 &&
	     json_object_set_new(v, "draft", json_boolean(draft)) == 0 &&
	     json_object_set_new(v, "paused", json_boolean(paused)) == 0 &&
	     json_object_set_new(v, "rights", split_list(c->rights)) == 0 &&
	     json_object_set_new(v, "tags", split_list(c->tags)) == 0 &&
	     json_object_set_new(v, "complainant", masked ? masked : json_object()) == 0 &&
	     json_object_set_new(v, "pending_data", pending ? pending : json_null()) == 0 &&
	     json_object_set_new(v, "actions", actions_of(c, perms, user_id, cfg)) == 0;
	if (ok)
		return v;
	json_decref(v);
	return NULL;
}

json_t *complaint_view_row(json_t *rec, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg)
{
	struct complaint c;
	if (complaint_record_from_json(rec, &c) != 0)
		return NULL;
	json_t *v = complaint_view_as(&c, perms, user_id, cfg);
	complaint_record_free(&c);
	return v;
}

json_t *complaint_view(json_t *rec, uint32_t perms, const struct complaint_settings *cfg)
{
	return complaint_view_row(rec, perms, 0, cfg);
}
