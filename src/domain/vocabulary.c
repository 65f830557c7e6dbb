/* The complaint vocabulary (see vocabulary.h): one table per list, and its JSON for the web. */
#include "domain/vocabulary.h"
#include "domain/audit_catalogue.h"
#include "domain/status.h"
#include <string.h>

static const struct vocab_entry statuses[ST_COUNT] = {
	[ST_DRAFT] = {"draft", "暂存"},           [ST_REGISTERED] = {"registered", "待分派"},
	[ST_PROCESSING] = {"processing", "处理中"}, [ST_REVIEWING] = {"reviewing", "待审核"},
	[ST_REPLIED] = {"replied", "已答复待回访"}, [ST_CLOSED] = {"closed", "已办结"},
	[ST_WITHDRAWN] = {"withdrawn", "已撤诉"},   [ST_DELETED] = {"deleted", "已删除"},
};

/* The wording of the 投诉处理结单 and of the regulator's dictionary. */
static const struct vocab_entry reply_results[] = {
	{"accepted", "满足诉求"},
	{"partially_accepted", "部分满足"},
	{"not_accepted", "不予支持"},
	{"explained", "解释说明"},
};

static const struct vocab_entry satisfaction[] = {
	{"satisfied", "满意"},
	{"basically_satisfied", "基本满意"},
	{"unsatisfied", "不满意"},
};

/* Indexed by enum wf_action; the API names are in the workflow table (domain/workflow.c). */
static const char *const action_labels[WF_ACTION_COUNT] = {
	[WF_SUBMIT] = "提交登记",
	[WF_ASSIGN] = "分派",
	[WF_TRANSFER] = "转办",
	[WF_RETURN] = "退回",
	[WF_EXTEND] = "申请延期",
	[WF_APPROVE_EXTENSION] = "批准延期",
	[WF_PAUSE] = "中止计时",
	[WF_RESUME] = "恢复计时",
	[WF_REPLY] = "答复",
	[WF_APPROVE_REPLY] = "审核通过",
	[WF_REJECT_REPLY] = "审核退回",
	[WF_CALLBACK] = "回访",
	[WF_CLOSE] = "办结",
	[WF_REOPEN] = "重新处理",
	[WF_WITHDRAW] = "撤诉",
	[WF_REQUEST_DELETE] = "申请删除",
	[WF_APPROVE_DELETE] = "批准删除",
	[WF_SYNC] = "手动同步",
	[WF_MERGE] = "合并重复投诉",
	[WF_NEW_FACTS] = "补充新事实并申请重新计时",
	[WF_APPROVE_NEW_FACTS] = "批准重新计时",
	[WF_REJECT_NEW_FACTS] = "驳回重新计时",
	[WF_REJECT_EXTENSION] = "驳回延期",
	[WF_REJECT_DELETE] = "驳回删除",
	[WF_WITHDRAW_REQUEST] = "撤回申请",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct vocab_entry *vocab_entries(enum vocab_list l, size_t *n)
{
	switch (l) {
	case VOCAB_STATUS:
		return (*n = COUNT(statuses), statuses);
	case VOCAB_REPLY_RESULT:
		return (*n = COUNT(reply_results), reply_results);
	case VOCAB_SATISFACTION:
		return (*n = COUNT(satisfaction), satisfaction);
	case VOCAB_LIST_COUNT:
		break;
	}
	*n = 0;
	return NULL;
}

const char *vocab_label(enum vocab_list l, const char *code)
{
	size_t n;
	const struct vocab_entry *e = vocab_entries(l, &n);
	for (size_t i = 0; code && i < n; i++)
		if (strcmp(e[i].code, code) == 0)
			return e[i].label;
	return NULL;
}

bool vocab_known(enum vocab_list l, const char *code)
{
	return vocab_label(l, code) != NULL;
}

const char *vocab_action_label(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? action_labels[a] : "";
}

/* [{"code":..,"label":..}] of n entries; NULL on allocation failure. */
static json_t *entries_json(const struct vocab_entry *e, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, json_pack("{s:s, s:s}", "code", e[i].code, "label", e[i].label))) {
			json_decref(list);
			return NULL;
		}
	return list;
}

/* [{"code":..,"label":..}] of every workflow action, in the order of enum wf_action, then
 * "print": every name a complaint's "actions" list can hold (domain/complaint.c). */
static json_t *actions_json(void)
{
	json_t *list = json_array();
	for (int a = 0; list && a <= WF_ACTION_COUNT; a++) {
		const char *code = a < WF_ACTION_COUNT ? wf_action_name((enum wf_action)a) : "print";
		const char *label = a < WF_ACTION_COUNT ? action_labels[a] : audit_action_label("complaint.print");
		if (json_array_append_new(list, json_pack("{s:s, s:s}", "code", code, "label", label))) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* The status list with each status's sets, and the sets as code lists. */
static int add_statuses(json_t *meta)
{
	json_t *list = json_array(), *open = json_array(), *clock = json_array(), *unfinished = json_array();
	json_t *sets = json_pack("{s:o, s:o, s:o}", "open", open, "clock", clock, "unfinished", unfinished);
	int bad = !list || !sets || json_object_set_new(meta, "statuses", list) ||
		  json_object_set_new(meta, "status_sets", sets);
	for (int i = 0; !bad && i < ST_COUNT; i++) {
		const char *c = statuses[i].code;
		bad = json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b, s:b}", "code", c, "label",
							    statuses[i].label, "open", status_is_open(c), "clock",
							    status_is_clock(c), "unfinished", status_is_unfinished(c))) ||
		      (status_is_open(c) && json_array_append_new(open, json_string(c))) ||
		      (status_is_clock(c) && json_array_append_new(clock, json_string(c))) ||
		      (status_is_unfinished(c) && json_array_append_new(unfinished, json_string(c)));
	}
	return bad ? -1 : 0;
}

json_t *vocab_json(void)
{
	json_t *meta = json_object();
	int bad = !meta || add_statuses(meta) != 0 ||
		  json_object_set_new(meta, "actions", actions_json()) ||
		  json_object_set_new(meta, "reply_results", entries_json(reply_results, COUNT(reply_results))) ||
		  json_object_set_new(meta, "satisfaction", entries_json(satisfaction, COUNT(satisfaction))) ||
		  json_object_set_new(meta, "limits",
				      json_pack("{s:i, s:i, s:I}", "max_extensions", VOCAB_MAX_EXTENSIONS, "max_days",
						VOCAB_MAX_DAYS, "max_compensation_fen",
						(json_int_t)VOCAB_MAX_COMPENSATION_FEN));
	if (bad) {
		json_decref(meta);
		return NULL;
	}
	return meta;
}
