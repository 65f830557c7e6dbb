/* The rule of each complaint workflow action that is not a request (act_requests.c): submit,
 * assign, transfer, return, pause/resume, reply and its review, close, callback, reopen,
 * withdraw, merge. wf_decide has already said the action may be taken in this state by this
 * actor's permissions; here the action's parameters are checked and the record is changed. */
#include "domain/complaint/act.h"
#include "domain/principal.h"
#include "domain/vocabulary.h"
#include "store/store.h"
#include "util/dates.h"
#include <stdio.h>
#include <string.h>

/* Client numbers are range-checked before any arithmetic (STYLE: money <= 10^12 fen,
 * VOCAB_MAX_COMPENSATION_FEN). */

/* Moves handling to an active institution. */
static int hand_to(struct act *x, struct complaint *rec, int64_t org_id)
{
	json_t *org;
	int rc = store_org_get(x->d, org_id, &org);
	if (rc < 0)
		return rc;
	if (rc == 0 || strcmp(json_string_value(json_object_get(org, "status")), "active") != 0) {
		json_decref(org);
		return refuse(x->e, 400, "invalid_field", "处理机构不存在或已停用", "org_id");
	}
	rec->handling_org_id = OPT_SOME(org_id);
	CREC_SET_TEXT(rec, org_path, json_string_value(json_object_get(org, "path")));
	json_decref(org);
	return 0;
}

static int assign(struct act *x, struct complaint *rec)
{
	int64_t uid = x->cmd->user_id;
	struct principal who = {0};
	int rc = principal_load(x->d, uid, &who);
	if (rc < 0)
		return rc;
	if (rc == 0 || !(who.perms & P_COMPLAINT_HANDLE))
		return refuse(x->e, 400, "invalid_field", "处理人不存在、已停用或没有投诉处理权限", "user_id");
	if ((rc = hand_to(x, rec, x->cmd->org_id ? x->cmd->org_id : who.org_id)) != 0)
		return rc;
	const char *path = rec->org_path;
	/* Assigning hands work within one's own reach; elsewhere is a transfer (issue 11 L5). */
	if (!scope_allows(x->a->user, path, 0))
		return refuse(x->e, 403, "forbidden", "不能分派到您数据范围以外的机构，请使用转办", "org_id");
	if (strncmp(who.org_path, path, strlen(path)) != 0)
		return refuse(x->e, 400, "invalid_field", "处理人不属于该处理机构", "user_id");
	rec->handler_id = OPT_SOME(uid);
	char msg[200];
	snprintf(msg, sizeof msg, "投诉单 %s 已分派给您处理", rec->complaint_no);
	return store_notification_insert(x->d, uid, x->cmd->id, "assigned", msg, NULL, x->now);
}

static int transfer(struct act *x, struct complaint *rec)
{
	if (x->cmd->org_id == rec->handling_org_id.v)
		return refuse(x->e, 400, "invalid_field", "不能转办给当前处理机构", "org_id");
	int rc = hand_to(x, rec, x->cmd->org_id);
	if (rc != 0)
		return rc;
	rec->handler_id = OPT_NONE;
	int64_t n = ++rec->transfer_count;
	if (n > x->cfg->transfer_warn_after)
		json_array_append_new(x->out->warnings, json_sprintf("该投诉单已转办%lld次，超过%d次预警线", (long long)n,
								     x->cfg->transfer_warn_after));
	return 0;
}

static int reply(struct act *x, struct complaint *rec)
{
	const struct complaint_cmd *c = x->cmd;
	if (!vocab_known(VOCAB_REPLY_RESULT, c->result))
		return refuse(x->e, 400, "invalid_field",
			      "处理结果只能是 accepted（满足诉求）、partially_accepted（部分满足）、not_accepted（不予支持）或 explained（解释说明）",
			      "result");
	if (c->compensation_fen < 0 || c->compensation_fen > VOCAB_MAX_COMPENSATION_FEN)
		return refuse(x->e, 400, "invalid_field", "补偿金额（分）不能为负数或超过10000000000元", "compensation_fen");
	/* Decided after the standard period (15 days from receipt): the reason is required. */
	int32_t start = ymd_from_ms(rec->clock_start_at.v, CN_TZ_OFFSET_MIN);
	bool late = ymd_from_ms(x->now, CN_TZ_OFFSET_MIN) > ymd_add_days(start, x->cfg->standard_days);
	if (late && (!c->late_reason || !*c->late_reason))
		return refusef(x->e, 400, "missing_field", "late_reason", "超过%d日办结的投诉须填写超期原因", x->cfg->standard_days);
	CREC_SET_TEXT(rec, reply_result, c->result);
	CREC_SET_TEXT(rec, reply_content, c->reply_content);
	rec->compensation_fen = OPT_SOME(c->compensation_fen);
	CREC_SET_TEXT(rec, late_reason, c->late_reason);
	rec->replied_at = OPT_SOME(x->now);
	return 0;
}

static int callback(struct act *x, struct complaint *rec, struct wf_outcome *o)
{
	const char *s = x->cmd->satisfaction;
	if (!vocab_known(VOCAB_SATISFACTION, s))
		return refuse(x->e, 400, "invalid_field",
			      "满意度只能是 satisfied（满意）、basically_satisfied（基本满意）或 unsatisfied（不满意）",
			      "satisfaction");
	CREC_SET_TEXT(rec, callback_satisfaction, s);
	CREC_SET_TEXT(rec, callback_note, x->cmd->note);
	rec->callback_at = OPT_SOME(x->now);
	if (!strcmp(s, "unsatisfied")) {
		o->status = "processing"; /* 不满意: handled again */
		rec->replied_at = OPT_NONE;
	} else {
		rec->closed_at = OPT_SOME(x->now);
	}
	return 0;
}

/* A repeat of the same complaint during handling is merged into the open one (2020 rules): the
 * same complainant (ID number or phone), both still being handled. */
static bool same_key(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int merge(struct act *x, struct complaint *rec)
{
	int64_t into = x->cmd->into;
	if (into == x->cmd->id)
		return refuse(x->e, 400, "invalid_field", "不能合并到自身", "into");
	struct complaint target;
	int rc = complaint_load(x->d, x->a, into, &target, x->e);
	if (rc != 1)
		return rc == 0 ? refuse(x->e, 400, "invalid_field", "要合并到的投诉单不存在或不在您的数据范围内", "into") : rc;
	bool open = wf_status_open(target.status) && !target.merged_into.set;
	bool same = same_key(rec->id_no_bidx, target.id_no_bidx) || same_key(rec->phone_bidx, target.phone_bidx);
	complaint_record_free(&target);
	if (!open)
		return refuse(x->e, 409, "invalid_transition", "要合并到的投诉单已办结或已合并", "into");
	if (!same)
		return refuse(x->e, 400, "invalid_field", "只能合并同一投诉人（证件号码或电话相同）的重复投诉", "into");
	rec->merged_into = OPT_SOME(into);
	rec->repeat_of = OPT_SOME(into);
	rec->closed_at = OPT_SOME(x->now);
	complaint_record_add_tag(rec, "repeat");
	return 0;
}

/* Registration (create shares it). */
static int submit(struct act *x, struct complaint *rec)
{
	if (rec->registrar_id != x->a->user->user_id)
		return refuse(x->e, 403, "forbidden", "只能提交自己暂存的投诉单", NULL);
	return complaint_register(x->d, x->a, rec, x->cfg, x->now, x->e);
}

/* The actions that only stamp or clear fields. */
static int stamp(struct act *x, struct complaint *rec, const struct wf_outcome *o)
{
	switch (x->cmd->action) {
	case WF_RETURN:
		rec->handler_id = OPT_NONE;
		return 0;
	case WF_APPROVE_REPLY:
	case WF_CLOSE:
		if (!strcmp(o->status, "closed"))
			rec->closed_at = OPT_SOME(x->now);
		return 0;
	case WF_REJECT_REPLY:
		rec->replied_at = OPT_NONE;
		return 0;
	case WF_REOPEN:
		rec->closed_at = OPT_NONE;
		rec->replied_at = OPT_NONE;
		return 0;
	case WF_WITHDRAW:
		rec->withdrawn_at = OPT_SOME(x->now);
		return 0;
	case WF_SYNC:
		/* 手动同步: queued by complaint_act (regulator_event_for), released at once whatever the schedule. */
		return 0;
	default:
		return act_request(x, rec);
	}
}

int act_apply(struct act *x, struct complaint *rec, struct wf_outcome *o)
{
	switch (x->cmd->action) {
	case WF_SUBMIT:
		return submit(x, rec);
	case WF_ASSIGN:
		return assign(x, rec);
	case WF_TRANSFER:
		return transfer(x, rec);
	case WF_PAUSE:
		return store_pause_start(x->d, x->cmd->id, x->now, x->cmd->reason);
	case WF_RESUME:
		return store_pause_end(x->d, x->cmd->id, x->now);
	case WF_REPLY:
		return reply(x, rec);
	case WF_CALLBACK:
		return callback(x, rec, o);
	case WF_MERGE:
		return merge(x, rec);
	default:
		return stamp(x, rec, o);
	}
}
