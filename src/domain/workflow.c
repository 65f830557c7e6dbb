/* Complaint state machine (see workflow.h). */
#include "domain/workflow.h"
#include "domain/permissions.h"
#include "domain/status.h"
#include "domain/vocabulary.h"
#include <string.h>

_Static_assert(ST_COUNT <= 8, "a status set is one byte");
#define B(st) STATUS_BIT(st)
#define ANY 0xffu /* every status; a deleted complaint is refused before the table */
#define OPEN STATUS_OPEN_SET
#define QUEUE STATUS_QUEUE_SET
#define CLOCK STATUS_CLOCK_SET /* registered, processing, reviewing */
#define AT_PROC B(ST_PROCESSING)
#define P_HR (P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW)
#define P_ANY_STAFF (P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW)
#define ONLY_PROCESSING "只有处理中的投诉单可以执行该操作"
#define NOT_BY_ME "不能审批自己提交的"
#define NOT_BY_ME_REJ "不能驳回自己提交的"

/* Where an action leads: a status, the same one, or a step that depends on the settings. */
enum target { T_SAME = -1, T_AFTER_REPLY = -2, T_AFTER_APPROVAL = -3 };
/* What an action needs besides the status. */
enum need { N_NONE, N_SUBMITTED, N_PAUSED, N_PENDING, N_EXTENSION, N_DELETE, N_NEW_FACTS };
/* The requester's part: the four eyes (not by the requester) or the requester only. */
enum own { O_ANY, O_NOT_MINE, O_MINE_ONLY };

/* One row per action, checked in this order: the status is in from and the need is met (else
 * state_msg), not paused (else paused_msg, when set), nothing pending (else pending_msg, when
 * set), the requester's part (own_msg). A pending deletion blocks every action not marked
 * during_delete. */
static const struct rule {
	const char *name; /* the API name, as in POST /complaints/{id}/actions/{name} */
	uint32_t perms;
	uint8_t from, need, own;
	bool during_delete;
	int to;
	const char *state_msg, *paused_msg, *pending_msg, *own_msg;
} rules[WF_ACTION_COUNT] = {
	[WF_SUBMIT] = {"submit", P_COMPLAINT_REGISTER, B(ST_DRAFT), 0, 0, 0, ST_REGISTERED, "只有暂存的投诉单可以提交"},
	[WF_ASSIGN] = {"assign", P_HR, QUEUE, 0, 0, 0, ST_PROCESSING, "只有待分派或处理中的投诉单可以分派"},
	[WF_TRANSFER] = {"transfer", P_HR, AT_PROC, 0, 0, 0, T_SAME, ONLY_PROCESSING},
	[WF_RETURN] = {"return", P_COMPLAINT_HANDLE, AT_PROC, 0, 0, 0, ST_REGISTERED, ONLY_PROCESSING,
		       /* back in the queue nobody could resume the clock or approve a request */
		       "请先恢复计时再退回", "有审批未完成，暂不能退回"},
	[WF_EXTEND] = {"extend", P_COMPLAINT_HANDLE, AT_PROC, 0, 0, 0, T_SAME, ONLY_PROCESSING, NULL, "已有延期申请等待审批"},
	[WF_APPROVE_EXTENSION] = {"approve_extension", P_COMPLAINT_REVIEW, AT_PROC, N_EXTENSION, O_NOT_MINE, 0, T_SAME,
				  "没有待审批的延期申请", NULL, NULL, NOT_BY_ME "延期申请"},
	[WF_PAUSE] = {"pause", P_COMPLAINT_HANDLE, AT_PROC, 0, 0, 0, T_SAME, ONLY_PROCESSING, "投诉单已中止计时"},
	[WF_RESUME] = {"resume", P_COMPLAINT_HANDLE, AT_PROC, N_PAUSED, 0, 0, T_SAME, "投诉单未中止计时"},
	[WF_REPLY] = {"reply", P_COMPLAINT_HANDLE, AT_PROC, 0, 0, 0, T_AFTER_REPLY, ONLY_PROCESSING, "请先恢复计时再答复",
		      "有审批未完成，暂不能答复"},
	[WF_APPROVE_REPLY] = {"approve_reply", P_COMPLAINT_REVIEW, B(ST_REVIEWING), 0, 0, 0, T_AFTER_APPROVAL,
			      "只有待审核的投诉单可以审核", NULL, "有审批未完成，暂不能审核通过"},
	[WF_REJECT_REPLY] = {"reject_reply", P_COMPLAINT_REVIEW, B(ST_REVIEWING), 0, 0, 0, ST_PROCESSING, "只有待审核的投诉单可以审核"},
	/* "processing" when unsatisfied, decided by the caller */
	[WF_CALLBACK] = {"callback", P_COMPLAINT_CALLBACK, B(ST_REPLIED), 0, 0, 0, ST_CLOSED, "只有已答复的投诉单可以回访"},
	[WF_CLOSE] = {"close", P_COMPLAINT_REVIEW | P_COMPLAINT_CALLBACK, B(ST_REPLIED), 0, 0, 0, ST_CLOSED,
		      "只有已答复的投诉单可以办结"},
	[WF_REOPEN] = {"reopen", P_COMPLAINT_REVIEW, B(ST_CLOSED), 0, 0, 0, ST_PROCESSING, "只有已办结的投诉单可以重新处理"},
	[WF_WITHDRAW] = {"withdraw", P_COMPLAINT_REGISTER | P_COMPLAINT_HANDLE, OPEN, 0, 0, 0, ST_WITHDRAWN,
			 "只有办理中的投诉单可以撤诉"},
	[WF_REQUEST_DELETE] = {"request_delete", P_ANY_STAFF, ANY, 0, 0, 0, T_SAME, NULL, NULL, "已有审批等待处理"},
	[WF_APPROVE_DELETE] = {"approve_delete", P_COMPLAINT_DELETE_APPROVE, ANY, N_DELETE, O_NOT_MINE, 1, ST_DELETED,
			       "没有待审批的删除申请", NULL, NULL, NOT_BY_ME "删除申请"},
	[WF_SYNC] = {"sync", P_REGULATOR_MANAGE | P_COMPLAINT_REVIEW, ANY, N_SUBMITTED, 0, 1, T_SAME, "暂存的投诉单不报送"},
	[WF_MERGE] = {"merge", P_HR, QUEUE, 0, 0, 0, ST_CLOSED, "只有待分派或处理中的投诉单可以合并", NULL,
		      "有审批未完成，暂不能合并"},
	[WF_NEW_FACTS] = {"new_facts", P_HR, CLOCK, 0, 0, 0, T_SAME, "只有办理中的投诉单可以补充新事实", NULL,
			  "已有审批等待处理"},
	[WF_APPROVE_NEW_FACTS] = {"approve_new_facts", P_COMPLAINT_REVIEW, CLOCK, N_NEW_FACTS, O_NOT_MINE, 0, T_SAME,
				  "没有待审批的重新计时申请", NULL, NULL, NOT_BY_ME "重新计时申请"},
	[WF_REJECT_NEW_FACTS] = {"reject_new_facts", P_COMPLAINT_REVIEW, CLOCK, N_NEW_FACTS, O_NOT_MINE, 0, T_SAME,
				 "没有待审批的重新计时申请", NULL, NULL, NOT_BY_ME_REJ "重新计时申请"},
	[WF_REJECT_EXTENSION] = {"reject_extension", P_COMPLAINT_REVIEW, AT_PROC, N_EXTENSION, O_NOT_MINE, 0, T_SAME,
				 "没有待审批的延期申请", NULL, NULL, NOT_BY_ME_REJ "延期申请"},
	[WF_REJECT_DELETE] = {"reject_delete", P_COMPLAINT_DELETE_APPROVE, ANY, N_DELETE, O_NOT_MINE, 1, T_SAME,
			      "没有待审批的删除申请", NULL, NULL, NOT_BY_ME_REJ "删除申请"},
	[WF_WITHDRAW_REQUEST] = {"withdraw_request", P_ANY_STAFF, ANY, N_PENDING, O_MINE_ONLY, 1, T_SAME, "没有可撤回的申请", NULL, NULL,
				 "只能撤回本人提交的申请"},
};

int wf_action_from_name(const char *name)
{
	for (int i = 0; name && i < WF_ACTION_COUNT; i++)
		if (strcmp(rules[i].name, name) == 0)
			return i;
	return -1;
}

const char *wf_action_name(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? rules[a].name : "";
}

const char *wf_status_label(const char *status)
{
	const char *label = vocab_label(VOCAB_STATUS, status);
	return label ? label : status ? status : "";
}

bool wf_status_open(const char *status)
{
	return status_is_open(status); /* the sets live in domain/status.h */
}

static bool pending_is(const struct wf_state *s, const char *kind)
{
	return s->pending && strcmp(s->pending, kind) == 0;
}

static bool need_met(const struct wf_state *s, enum need n)
{
	switch (n) {
	case N_NONE:
		return true;
	case N_SUBMITTED:
		return status_index(s->status) != ST_DRAFT;
	case N_PAUSED:
		return s->paused;
	case N_PENDING:
		return s->pending != NULL;
	case N_EXTENSION:
		return pending_is(s, "extension");
	case N_DELETE:
		return pending_is(s, "delete");
	case N_NEW_FACTS:
		return pending_is(s, "new_facts");
	}
	return false;
}

static const char *target(int to, const char *now, const struct wf_settings *cfg)
{
	if (to == T_AFTER_REPLY)
		to = cfg->review_step ? ST_REVIEWING : T_AFTER_APPROVAL;
	if (to == T_AFTER_APPROVAL)
		to = cfg->callback_step ? ST_REPLIED : ST_CLOSED;
	return to == T_SAME ? now : status_code(to);
}

#define REFUSE(msg) return (*why = (msg), WF_REFUSED_STATE)

int wf_decide(const struct wf_state *s, enum wf_action a, const struct wf_settings *cfg,
	      struct wf_outcome *out, const char **why)
{
	if ((unsigned)a >= WF_ACTION_COUNT)
		REFUSE("未知的操作");
	const struct rule *r = &rules[a];
	int st = status_index(s->status);
	out->perm_any = r->perms;
	out->status = s->status;
	if (st == ST_DELETED)
		REFUSE("投诉单已删除，不能再操作");
	if (pending_is(s, "delete") && !r->during_delete)
		REFUSE("投诉单正在等待删除审批");
	if ((r->from != ANY && !(st >= 0 && (r->from & B(st)))) || !need_met(s, (enum need)r->need))
		REFUSE(r->state_msg);
	if (r->paused_msg && s->paused)
		REFUSE(r->paused_msg);
	if (r->pending_msg && s->pending)
		REFUSE(r->pending_msg);
	if (a == WF_EXTEND && s->extension_count >= VOCAB_MAX_EXTENSIONS)
		REFUSE("最多延期两次");
	if (r->own == O_NOT_MINE && s->own_request)
		return (*why = r->own_msg, WF_REFUSED_FOUR_EYES);
	if (r->own == O_MINE_ONLY && !s->own_request)
		return (*why = r->own_msg, WF_REFUSED_NOT_REQUESTER);
	out->status = target(r->to, s->status, cfg);
	return 0;
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
