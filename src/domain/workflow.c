/* Complaint state machine (see workflow.h). */
#include "domain/workflow.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include <string.h>

static const struct {
	const char *name, *label;
	uint32_t perms;
} actions[WF_ACTION_COUNT] = {
	[WF_SUBMIT] = {"submit", "提交登记", P_COMPLAINT_REGISTER},
	[WF_ASSIGN] = {"assign", "分派", P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW},
	[WF_TRANSFER] = {"transfer", "转办", P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW},
	[WF_RETURN] = {"return", "退回", P_COMPLAINT_HANDLE},
	[WF_EXTEND] = {"extend", "申请延期", P_COMPLAINT_HANDLE},
	[WF_APPROVE_EXTENSION] = {"approve_extension", "批准延期", P_COMPLAINT_REVIEW},
	[WF_PAUSE] = {"pause", "中止计时", P_COMPLAINT_HANDLE},
	[WF_RESUME] = {"resume", "恢复计时", P_COMPLAINT_HANDLE},
	[WF_REPLY] = {"reply", "答复", P_COMPLAINT_HANDLE},
	[WF_APPROVE_REPLY] = {"approve_reply", "审核通过", P_COMPLAINT_REVIEW},
	[WF_REJECT_REPLY] = {"reject_reply", "审核退回", P_COMPLAINT_REVIEW},
	[WF_CALLBACK] = {"callback", "回访", P_COMPLAINT_CALLBACK},
	[WF_CLOSE] = {"close", "办结", P_COMPLAINT_REVIEW | P_COMPLAINT_CALLBACK},
	[WF_REOPEN] = {"reopen", "重新处理", P_COMPLAINT_REVIEW},
	[WF_WITHDRAW] = {"withdraw", "撤诉", P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE},
	[WF_REQUEST_DELETE] = {"request_delete", "申请删除",
			       P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW},
	[WF_APPROVE_DELETE] = {"approve_delete", "批准删除", P_COMPLAINT_DELETE_APPROVE},
	[WF_SYNC] = {"sync", "手动同步", P_REGULATOR_MANAGE | P_COMPLAINT_REVIEW},
	[WF_MERGE] = {"merge", "合并重复投诉", P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW},
	[WF_NEW_FACTS] = {"new_facts", "补充新事实并申请重新计时", P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW},
	[WF_APPROVE_NEW_FACTS] = {"approve_new_facts", "批准重新计时", P_COMPLAINT_REVIEW},
	[WF_REJECT_NEW_FACTS] = {"reject_new_facts", "驳回重新计时", P_COMPLAINT_REVIEW},
	[WF_REJECT_EXTENSION] = {"reject_extension", "驳回延期", P_COMPLAINT_REVIEW},
	[WF_REJECT_DELETE] = {"reject_delete", "驳回删除", P_COMPLAINT_DELETE_APPROVE},
	[WF_WITHDRAW_REQUEST] = {"withdraw_request", "撤回申请",
				 P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW},
};

static const struct {
	const char *code, *label;
} statuses[] = {
	{"draft", "暂存"},       {"registered", "待分派"}, {"processing", "处理中"}, {"reviewing", "待审核"},
	{"replied", "已答复待回访"}, {"closed", "已办结"}, {"withdrawn", "已撤诉"}, {"deleted", "已删除"},
};

int wf_action_from_name(const char *name)
{
	for (int i = 0; name && i < WF_ACTION_COUNT; i++)
		if (strcmp(actions[i].name, name) == 0)
			return i;
	return -1;
}

const char *wf_action_name(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? actions[a].name : "";
}

const char *wf_action_label(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? actions[a].label : "";
}

const char *wf_status_label(const char *status)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (status && strcmp(statuses[i].code, status) == 0)
			return statuses[i].label;
	return status ? status : "";
}

bool wf_status_open(const char *status)
{
	return status_is_open(status); /* the sets live in domain/status.h */
}

static bool is(const char *status, const char *want)
{
	return status && strcmp(status, want) == 0;
}

#define REFUSE(msg) return (*why = (msg), WF_REFUSED_STATE)
#define REFUSE_AS(kind, msg) return (*why = (msg), (kind))

static bool pending_is(const struct wf_state *s, const char *kind)
{
	return s->pending && strcmp(s->pending, kind) == 0;
}

int wf_decide(const struct wf_state *s, enum wf_action a, const struct wf_settings *cfg,
	      struct wf_outcome *out, const char **why)
{
	if ((unsigned)a >= WF_ACTION_COUNT)
		REFUSE("未知的操作");
	const char *st = s->status;
	out->perm_any = actions[a].perms;
	out->status = st;
	if (is(st, "deleted"))
		REFUSE("投诉单已删除，不能再操作");
	if (pending_is(s, "delete") && a != WF_APPROVE_DELETE && a != WF_REJECT_DELETE &&
	    a != WF_WITHDRAW_REQUEST && a != WF_SYNC)
		REFUSE("投诉单正在等待删除审批");
	switch (a) {
	case WF_SUBMIT:
		if (!is(st, "draft"))
			REFUSE("只有暂存的投诉单可以提交");
		out->status = "registered";
		return 0;
	case WF_ASSIGN:
		if (!is(st, "registered") && !is(st, "processing"))
			REFUSE("只有待分派或处理中的投诉单可以分派");
		out->status = "processing";
		return 0;
	case WF_TRANSFER:
	case WF_RETURN:
	case WF_EXTEND:
	case WF_PAUSE:
	case WF_REPLY:
		if (!is(st, "processing"))
			REFUSE("只有处理中的投诉单可以执行该操作");
		if (a == WF_PAUSE && s->paused)
			REFUSE("投诉单已中止计时");
		if (a == WF_EXTEND && s->pending)
			REFUSE("已有延期申请等待审批");
		if (a == WF_EXTEND && s->extension_count >= 2)
			REFUSE("最多延期两次（合计不超过60日）");
		if (a == WF_REPLY && s->paused)
			REFUSE("请先恢复计时再答复");
		if (a == WF_REPLY && s->pending)
			REFUSE("有审批未完成，暂不能答复");
		/* Back in the queue nobody could resume the clock or approve the extension. */
		if (a == WF_RETURN && s->paused)
			REFUSE("请先恢复计时再退回");
		if (a == WF_RETURN && s->pending)
			REFUSE("有审批未完成，暂不能退回");
		if (a == WF_RETURN)
			out->status = "registered";
		if (a == WF_REPLY)
			out->status = cfg->review_step ? "reviewing" : cfg->callback_step ? "replied" : "closed";
		return 0;
	case WF_APPROVE_EXTENSION:
	case WF_REJECT_EXTENSION:
		if (!is(st, "processing") || !pending_is(s, "extension"))
			REFUSE("没有待审批的延期申请");
		if (s->own_request)
			REFUSE_AS(WF_REFUSED_FOUR_EYES, a == WF_APPROVE_EXTENSION ? "不能审批自己提交的延期申请"
										 : "不能驳回自己提交的延期申请");
		return 0;
	case WF_RESUME:
		if (!is(st, "processing") || !s->paused)
			REFUSE("投诉单未中止计时");
		return 0;
	case WF_APPROVE_REPLY:
	case WF_REJECT_REPLY:
		if (!is(st, "reviewing"))
			REFUSE("只有待审核的投诉单可以审核");
		if (a == WF_APPROVE_REPLY && s->pending)
			REFUSE("有审批未完成，暂不能审核通过");
		out->status = a == WF_REJECT_REPLY ? "processing" : cfg->callback_step ? "replied" : "closed";
		return 0;
	case WF_CALLBACK:
		if (!is(st, "replied"))
			REFUSE("只有已答复的投诉单可以回访");
		out->status = "closed"; /* "processing" when unsatisfied, decided by the caller */
		return 0;
	case WF_CLOSE:
		if (!is(st, "replied"))
			REFUSE("只有已答复的投诉单可以办结");
		out->status = "closed";
		return 0;
	case WF_REOPEN:
		if (!is(st, "closed"))
			REFUSE("只有已办结的投诉单可以重新处理");
		out->status = "processing";
		return 0;
	case WF_WITHDRAW:
		if (!wf_status_open(st))
			REFUSE("只有办理中的投诉单可以撤诉");
		out->status = "withdrawn";
		return 0;
	case WF_REQUEST_DELETE:
		if (s->pending)
			REFUSE("已有审批等待处理");
		return 0;
	case WF_APPROVE_DELETE:
	case WF_REJECT_DELETE:
		if (!pending_is(s, "delete"))
			REFUSE("没有待审批的删除申请");
		if (s->own_request)
			REFUSE_AS(WF_REFUSED_FOUR_EYES, a == WF_APPROVE_DELETE ? "不能审批自己提交的删除申请"
									      : "不能驳回自己提交的删除申请");
		if (a == WF_APPROVE_DELETE)
			out->status = "deleted";
		return 0;
	case WF_WITHDRAW_REQUEST:
		if (!s->pending)
			REFUSE("没有可撤回的申请");
		if (!s->own_request)
			REFUSE_AS(WF_REFUSED_NOT_REQUESTER, "只能撤回本人提交的申请");
		return 0;
	case WF_SYNC:
		if (is(st, "draft"))
			REFUSE("暂存的投诉单不报送");
		return 0;
	case WF_MERGE:
		if (!is(st, "registered") && !is(st, "processing"))
			REFUSE("只有待分派或处理中的投诉单可以合并");
		if (s->pending)
			REFUSE("有审批未完成，暂不能合并");
		out->status = "closed";
		return 0;
	case WF_NEW_FACTS:
		if (!is(st, "registered") && !is(st, "processing") && !is(st, "reviewing"))
			REFUSE("只有办理中的投诉单可以补充新事实");
		if (s->pending)
			REFUSE("已有审批等待处理");
		return 0;
	case WF_APPROVE_NEW_FACTS:
	case WF_REJECT_NEW_FACTS:
		if (!wf_status_open(st) || is(st, "replied") || !pending_is(s, "new_facts"))
			REFUSE("没有待审批的重新计时申请");
		if (s->own_request)
			REFUSE_AS(WF_REFUSED_FOUR_EYES, a == WF_APPROVE_NEW_FACTS ? "不能审批自己提交的重新计时申请"
										   : "不能驳回自己提交的重新计时申请");
		return 0;
	case WF_ACTION_COUNT:
		break;
	}
	REFUSE("未知的操作");
}

uint32_t wf_allowed(const struct wf_state *s, const struct wf_settings *cfg, uint32_t perms)
{
	uint32_t bits = 0;
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		struct wf_outcome o;
		const char *why;
		if (wf_decide(s, (enum wf_action)a, cfg, &o, &why) == 0 && (o.perm_any & perms))
			bits |= 1u << a;
	}
	return bits;
}
