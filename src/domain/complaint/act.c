/* complaint_act: one workflow action (POST /complaints/{id}/actions/{action}, or the OA's
 * decision) in the caller's write transaction — fetch within scope and check the version, let
 * the state machine decide (wf_decide: state, four eyes, permissions), apply the action's rule
 * (act_rules.c, act_requests.c), recompute the deadline, save as the next version, append the
 * audit event, and queue the regulator submission, the webhooks and the OA request with it
 * (transactional outbox) — or nothing happens. */
#include "domain/complaint/act.h"
#include "regulator/record.h"
#include "regulator/gateway.h"
#include "regulator/webhooks.h"
#include "store/store.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

void complaint_act_out_free(struct complaint_act_out *out)
{
	complaint_record_free(&out->result);
	json_decref(out->warnings);
	*out = (struct complaint_act_out){0};
}

/* The state machine's word and the permission: 0, or 1 with *x->e. */
static int decide(struct act *x, const struct complaint *rec, struct wf_outcome *o)
{
	struct wf_state ws = {rec->status, rec->pending, strcmp(rec->deadline_state, "paused") == 0,
			      (int)rec->extension_count, complaint_requested_by(rec->pending_data, x->a->user->user_id)};
	struct wf_settings wcfg = {x->cfg->review_step, x->cfg->callback_step};
	const char *why;
	int decided = wf_decide(&ws, x->cmd->action, &wcfg, o, &why);
	if (decided == WF_REFUSED_FOUR_EYES)
		return refuse(x->e, 403, "four_eyes", why, NULL);
	if (decided == WF_REFUSED_NOT_REQUESTER)
		return refuse(x->e, 403, "forbidden", why, NULL);
	if (decided != 0)
		return refuse(x->e, 409, "invalid_transition", why, NULL);
	if (!(o->perm_any & x->a->user->perms))
		return refuse(x->e, 403, "forbidden", "没有执行该操作的权限", NULL);
	enum wf_action a = x->cmd->action;
	bool decides = a == WF_APPROVE_EXTENSION || a == WF_REJECT_EXTENSION || a == WF_APPROVE_DELETE ||
		       a == WF_REJECT_DELETE;
	int rc;
	if (decides && !x->cmd->via_oa && (rc = oa_pending(x->d, x->cmd->id, x->now)) != 0)
		return rc < 0 ? rc : refuse(x->e, 409, "oa_pending", "该申请已提交行内OA审批，请在OA中审批；OA超时未答复后方可在本系统审批", NULL);
	return 0;
}

/* The audit detail: what changed (the records as row JSON), the parameters as sent, and for a
 * restart of the period what it moved (the timeline shows it). Caller owns. */
static json_t *audit_detail(struct act *x, const struct complaint *was_rec, const struct complaint *now_rec,
			    json_t *before, json_t *rec)
{
	json_t *detail = complaint_diff(before, rec);
	json_t *params = json_deep_copy(x->cmd->params);
	json_object_del(params, "version");
	json_object_set_new(detail, "params", params);
	if (x->cmd->action == WF_APPROVE_NEW_FACTS) {
		char was[40] = "", is[40] = "";
		iso8601_format(was_rec->due_at.v, CN_TZ_OFFSET_MIN, was, sizeof was);
		iso8601_format(now_rec->due_at.v, CN_TZ_OFFSET_MIN, is, sizeof is);
		json_object_set_new(detail, "clock_restart", json_pack("{s:s, s:s, s:I}", "old_due_at", was, "new_due_at",
								       is, "restarts", (json_int_t)now_rec->clock_restarts));
	}
	return detail;
}

/* Audit and the transactional outbox: the regulator's submission (when the change is news for
 * it), the webhooks, and the bank's OA for 延期 / 删除 requests (item 4). */
static int record(struct act *x, const struct complaint *was, const struct complaint *now_rec, const char *event)
{
	enum wf_action a = x->cmd->action;
	char name[64];
	snprintf(name, sizeof name, "complaint.%s", wf_action_name(a));
	json_t *before = complaint_record_json(was), *rec = complaint_record_json(now_rec);
	int rc = before && rec ? 0 : DB_HARD;
	if (rc == 0)
		rc = complaint_audit(x->d, x->a, name, x->cmd->id, audit_detail(x, was, now_rec, before, rec));
	if (rc == 0 && event)
		rc = regulator_enqueue(x->d, rec, event, a == WF_SYNC, x->now);
	if (rc == 0 && a != WF_SYNC) {
		json_t *extra = x->cmd->via_oa ? json_pack("{s:s}", "decided_by", "oa") : NULL;
		rc = webhook_enqueue(x->d, rec, name, extra, x->now);
		json_decref(extra);
	}
	if (rc == 0 && (a == WF_EXTEND || a == WF_REQUEST_DELETE)) {
		rc = oa_route_request(x->d, rec, a == WF_EXTEND ? "extension" : "delete", x->a->user->user_id,
				      x->cmd->params, x->now);
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0 && a == WF_WITHDRAW_REQUEST)
		rc = oa_withdrawn(x->d, rec, x->now);
	json_decref(before);
	json_decref(rec);
	return rc;
}

/* Decide, apply, deadline, save, record: 0, 1 with *x->e, or negative. */
static int run(struct act *x, struct complaint *rec)
{
	struct wf_outcome o;
	int rc = decide(x, rec, &o);
	if (rc != 0)
		return rc;
	struct complaint before;
	if (complaint_record_copy(&before, rec) != 0)
		return DB_HARD;
	const char *event = NULL;
	if ((rc = act_apply(x, rec, &o)) == 0) {
		event = regulator_event_for(x->cmd->action, before.status, o.status);
		CREC_SET_TEXT(rec, status, o.status);
		rc = complaint_record_update_deadline(x->d, rec, x->cfg, x->now);
		if (event) /* news for the regulator: its 报送状态 is pending until the receipt */
			CREC_SET_TEXT(rec, sync_status, "pending");
	}
	if (rc == 0)
		rc = complaint_save_next(x->d, rec, x->cmd->version, x->now, x->e);
	if (rc == 0)
		rc = record(x, &before, rec, event);
	complaint_record_free(&before);
	return rc;
}

int complaint_act(struct db *d, const struct actor *a, const struct complaint_cmd *cmd,
		  const struct complaint_settings *cfg, struct complaint_act_out *out, struct refusal *e)
{
	/* a retried transaction starts over */
	complaint_record_free(&out->result);
	if (!out->warnings && !(out->warnings = json_array()))
		return DB_HARD;
	json_array_clear(out->warnings);
	struct act x = {d, a, cmd, cfg, out, e, now_ms()};
	struct complaint rec;
	int rc = complaint_load_for_change(d, a, cmd->id, cmd->version, &rec, e);
	if (rc != 0)
		return rc;
	rc = run(&x, &rec);
	complaint_record_free(&rec);
	if (rc != 0)
		return rc;
	rc = store_complaint_read(d, cmd->id, &out->result);
	return rc == 1 ? 0 : rc < 0 ? rc : DB_HARD;
}
