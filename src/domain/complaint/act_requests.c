/* The request actions of the complaint workflow: a handler asks for an extension (延期), a
 * deletion (删除) or a restart of the period on new facts (重新计时); a reviewer approves or
 * rejects (never the requester: wf_decide's four eyes), or the requester withdraws. The request
 * waits in pending / pending_data; a rejection tells the requester why. */
#include "domain/complaint/act.h"
#include "domain/vocabulary.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Client numbers are range-checked before any arithmetic (STYLE: days <= 366). */

/* The request's data (the pending_data text parsed), or NULL. Caller decrefs. */
static json_t *pending_data(const struct complaint *rec)
{
	return rec->pending_data ? json_loads(rec->pending_data, 0, NULL) : NULL;
}

/* Records the request kind with its data p (stolen); the requester is the actor. */
static int set_pending(struct act *x, struct complaint *rec, const char *kind, json_t *p)
{
	json_object_set_new(p, "requested_by", json_integer(x->a->user->user_id));
	json_object_set_new(p, "requested_by_name", json_string(x->a->user->name));
	char *text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	if (!text)
		return DB_HARD;
	CREC_SET_TEXT(rec, pending, kind);
	CREC_SET_TEXT(rec, pending_data, text);
	free(text);
	return 0;
}

static void clear_pending(struct complaint *rec)
{
	CREC_SET_TEXT(rec, pending, NULL);
	CREC_SET_TEXT(rec, pending_data, NULL);
}

static int extend(struct act *x, struct complaint *rec)
{
	const struct complaint_cmd *c = x->cmd;
	int64_t days = c->days, allowed = rec->allowed_days;
	int64_t count = rec->extension_count;
	int64_t cap = count == 0 ? x->cfg->first_extension_max : x->cfg->second_extension_max;
	/* Range first: INT64_MAX days would pass the cap by overflowing the sum (issue 11 M5). */
	if (days < 1 || days > VOCAB_MAX_DAYS || allowed + days > cap)
		return refusef(x->e, 400, "invalid_field", "days", "延期后总时限不能超过自收到投诉之日起%lld日（当前%lld日）",
			       (long long)cap, (long long)allowed);
	if (allowed + days > x->cfg->first_extension_max && !c->notified)
		return refusef(x->e, 400, "invalid_field", "notified", "超过%d日的延期须告知投诉人延期理由，请确认已告知",
			       x->cfg->first_extension_max);
	return set_pending(x, rec, "extension",
			   json_pack("{s:I, s:I, s:s?, s:b}", "days", (json_int_t)days, "total", (json_int_t)(allowed + days),
				     "reason", c->reason, "notified", c->notified));
}

static int approve_extension(struct act *x, struct complaint *rec)
{
	json_t *p = pending_data(rec);
	int64_t total = json_integer_value(json_object_get(p, "total"));
	json_decref(p);
	/* Beyond the first extension only head office (全行范围) may approve. */
	if (total > x->cfg->first_extension_max && x->a->user->scope != SCOPE_ALL)
		return refusef(x->e, 403, "forbidden", NULL, "超过%d日的延期须由总行消费者权益保护部门审批",
			       x->cfg->first_extension_max);
	rec->allowed_days = total;
	rec->extension_count++;
	clear_pending(rec);
	return 0;
}

/* A pending request rejected (驳回, reason required) or withdrawn by its requester (撤回): the
 * request is cleared; a rejection tells the requester why. The timeline entry is the audit event. */
static int end_request(struct act *x, struct complaint *rec)
{
	enum wf_action a = x->cmd->action;
	json_t *p = pending_data(rec);
	int64_t requester = json_integer_value(json_object_get(p, "requested_by"));
	json_decref(p);
	clear_pending(rec);
	if (a == WF_WITHDRAW_REQUEST || requester <= 0)
		return 0;
	const char *what = a == WF_REJECT_DELETE ? "删除" : a == WF_REJECT_NEW_FACTS ? "重新计时" : "延期";
	const char *kind = a == WF_REJECT_DELETE      ? "delete_rejected"
			   : a == WF_REJECT_NEW_FACTS ? "new_facts_rejected"
						      : "extension_rejected";
	char msg[800];
	snprintf(msg, sizeof msg, "投诉单 %s 的%s申请已被驳回：%s", rec->complaint_no, what,
		 x->cmd->reason ? x->cmd->reason : "(null)");
	return store_notification_insert(x->d, requester, x->cmd->id, kind, msg, NULL, x->now);
}

/* New facts restart the period (2020 rules) — once a reviewer agrees: the handler whose deadline
 * it is cannot reset it alone (issue 11 M4). */
static int approve_new_facts(struct act *x, struct complaint *rec)
{
	rec->clock_start_at = OPT_SOME(x->now);
	rec->allowed_days = x->cfg->standard_days;
	rec->extension_count = 0;
	rec->clock_restarts++;
	clear_pending(rec);
	return 0;
}

int act_request(struct act *x, struct complaint *rec)
{
	switch (x->cmd->action) {
	case WF_EXTEND:
		return extend(x, rec);
	case WF_APPROVE_EXTENSION:
		return approve_extension(x, rec);
	case WF_REQUEST_DELETE:
		return set_pending(x, rec, "delete", json_pack("{s:s?}", "reason", x->cmd->reason));
	case WF_APPROVE_DELETE:
		rec->deleted_at = OPT_SOME(x->now);
		clear_pending(rec);
		return 0;
	case WF_NEW_FACTS:
		return set_pending(x, rec, "new_facts", json_pack("{s:s?}", "reason", x->cmd->reason));
	case WF_APPROVE_NEW_FACTS: /* not by the requester: wf_decide (four eyes) */
		return approve_new_facts(x, rec);
	case WF_REJECT_EXTENSION:
	case WF_REJECT_DELETE:
	case WF_REJECT_NEW_FACTS:
	case WF_WITHDRAW_REQUEST:
		return end_request(x, rec);
	default:
		return refuse(x->e, 400, "invalid_action", "未知的操作", NULL);
	}
}
