/* 投诉处理 actions (POST /complaints/{id}/actions/{action}): the action's parameters are checked
 * against its spec and bound into a typed command (struct complaint_cmd), complaint_act runs it
 * in one write transaction, and the saved complaint is sent back with any warnings. The OA's
 * decisions (api/integration.c) come in through api_complaint_act_in_tx. No rule lives here:
 * every check of the values and of who may act is the domain's (domain/complaint/). */
#include "api/api.h"
#include "api/complaint_view.h"
#include "http/events.h"
#include "http/request.h"
#include "regulator/gateway.h"
#include "store/store.h"
#include <stddef.h>
#include <string.h>


/* Parameters each action takes besides "version", checked and bound into the command by one
 * spec table each (util/json_spec.h): where each goes in struct complaint_cmd is its offset. */
#define TO(kind, member) kind, offsetof(struct complaint_cmd, member)
#define V {{"version", F_INT, true, 0, 0, "版本号"}, TO(FB_INT, version)}
#define REASON(req, label) {{"reason", F_STRING, req, 500, req, label}, TO(FB_TEXT, reason)}
static const struct field_bind only_version[] = {V, FIELD_BIND_END};
static const struct field_bind with_note[] = {V, {{"note", F_STRING, false, 500, 0, "备注"}, TO(FB_TEXT, note)},
					       FIELD_BIND_END};
static const struct field_bind with_reason[] = {V, REASON(true, "原因"), FIELD_BIND_END};
static const struct field_bind opt_reason[] = {V, REASON(false, "原因"), FIELD_BIND_END};
static const struct field_bind assign[] = {V, {{"org_id", F_ID, false, 0, 0, "处理机构"}, TO(FB_INT, org_id)},
					    {{"user_id", F_ID, true, 0, 0, "处理人"}, TO(FB_INT, user_id)}, FIELD_BIND_END};
static const struct field_bind transfer[] = {V, {{"org_id", F_ID, true, 0, 0, "转办机构"}, TO(FB_INT, org_id)},
					      REASON(true, "转办原因"), FIELD_BIND_END};
static const struct field_bind extend[] = {V, {{"days", F_INT, true, 0, 0, "延期天数"}, TO(FB_INT, days)},
					    REASON(true, "延期原因"),
					    {{"notified", F_BOOL, false, 0, 0, "已告知投诉人"}, TO(FB_BOOL, notified)},
					    FIELD_BIND_END};
static const struct field_bind reply[] = {
	V,
	{{"result", F_STRING, true, 32, 1, "处理结果"}, TO(FB_TEXT, result)},
	{{"reply_content", F_STRING, true, 4000, 1, "答复内容"}, TO(FB_TEXT, reply_content)},
	{{"compensation_fen", F_INT, false, 0, 0, "补偿金额"}, TO(FB_INT, compensation_fen)},
	{{"late_reason", F_STRING, false, 500, 0, "超期办结原因"}, TO(FB_TEXT, late_reason)},
	FIELD_BIND_END,
};
static const struct field_bind merge[] = {V, {{"into", F_ID, true, 0, 0, "合并到的投诉单"}, TO(FB_INT, into)},
					   REASON(false, "原因"), FIELD_BIND_END};
static const struct field_bind callback[] = {V, {{"satisfaction", F_STRING, true, 32, 1, "满意度"}, TO(FB_TEXT, satisfaction)},
					      {{"note", F_STRING, false, 1000, 0, "回访记录"}, TO(FB_TEXT, note)},
					      FIELD_BIND_END};
#undef REASON
#undef V
#undef TO

static const struct field_bind *action_spec(enum wf_action a)
{
	switch (a) {
	case WF_ASSIGN:
		return assign;
	case WF_TRANSFER:
		return transfer;
	case WF_EXTEND:
		return extend;
	case WF_REPLY:
		return reply;
	case WF_CALLBACK:
		return callback;
	case WF_PAUSE:
	case WF_REJECT_REPLY:
	case WF_REQUEST_DELETE:
	case WF_REJECT_EXTENSION:
	case WF_REJECT_DELETE:
	case WF_NEW_FACTS:
	case WF_REJECT_NEW_FACTS:
		return with_reason;
	case WF_WITHDRAW_REQUEST:
	case WF_RETURN:
	case WF_REOPEN:
	case WF_WITHDRAW:
		return opt_reason;
	case WF_MERGE:
		return merge;
	case WF_APPROVE_EXTENSION:
	case WF_APPROVE_NEW_FACTS:
	case WF_APPROVE_REPLY:
	case WF_CLOSE:
		return with_note;
	default:
		return only_version;
	}
}

struct action_ctx {
	struct actor a;
	struct complaint_cmd cmd;
	struct complaint_settings cfg;
	struct complaint_act_out out;
	struct refusal err;
};

static int action_tx(struct db *d, void *arg)
{
	struct action_ctx *c = arg;
	return complaint_act(d, &c->a, &c->cmd, &c->cfg, &c->out, &c->err);
}

/* Live news after the commit: the complaint changed; an assignment tells the handler. */
static void announce(struct action_ctx *c)
{
	const struct complaint *res = &c->out.result;
	json_t *row = complaint_record_json(res);
	if (row)
		api_complaint_publish(row, wf_action_name(c->cmd.action));
	json_decref(row);
	regulator_worker_kick();
	if (c->cmd.action != WF_ASSIGN)
		return;
	json_t *note = json_pack("{s:I, s:s?, s:s}", "complaint_id", (json_int_t)res->id, "complaint_no",
				 res->complaint_no, "kind", "assigned");
	events_publish("notification", note, NULL, 0, res->handler_id.v);
	json_decref(note);
}

int api_complaint_action(struct request *r)
{
	int a = wf_action_from_name(r->args[1]);
	if (a < 0)
		return reply_error(r, 404, "not_found", "不支持的投诉操作", NULL);
	struct action_ctx c = {.a = api_actor(r), .cmd = {.action = (enum wf_action)a, .id = req_arg_id(r, 0)}};
	if (req_bind(r, action_spec((enum wf_action)a), &c.cmd) != 0)
		return 0;
	c.cmd.params = r->json;
	int rc = complaint_settings_get(r->db, &c.cfg);
	if (rc == 0)
		rc = store_write(action_tx, &c);
	if (rc != 0) {
		complaint_act_out_free(&c.out); /* what a run left whose batch then failed */
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	announce(&c);
	json_t *v = api_complaint_view_record(r, &c.out.result, &c.cfg);
	complaint_record_free(&c.out.result);
	json_object_set_new(v, "warnings", c.out.warnings);
	return reply_json(r, 200, v);
}

int api_complaint_act_in_tx(struct request *r, struct db *d, const struct principal *as, int64_t id,
			    const char *action, json_t *params, json_t **result, struct refusal *e)
{
	*result = NULL;
	int a = wf_action_from_name(action);
	struct complaint rec;
	int rc = a < 0 ? DB_HARD : store_complaint_read(d, id, &rec);
	if (rc != 1)
		return rc < 0 ? rc : refuse(e, 404, "not_found", "投诉单不存在", NULL);
	int64_t version = rec.version;
	complaint_record_free(&rec);
	json_t *body = json_deep_copy(params);
	if (!body)
		return DB_HARD;
	json_object_set_new(body, "version", json_integer(version));
	struct action_ctx c = {.a = {.user = as, .ip = r->ip}, .cmd = {.action = (enum wf_action)a, .id = id, .via_oa = true}};
	json_spec_bind(body, action_spec((enum wf_action)a), &c.cmd); /* the OA's note or reason, as its action takes */
	c.cmd.params = body;
	rc = complaint_settings_get(d, &c.cfg);
	if (rc == 0)
		rc = complaint_act(d, &c.a, &c.cmd, &c.cfg, &c.out, &c.err);
	json_decref(body);
	if (rc == 0 && !(*result = complaint_record_json(&c.out.result)))
		rc = DB_HARD;
	complaint_act_out_free(&c.out);
	if (rc > 0)
		*e = c.err;
	return rc;
}
