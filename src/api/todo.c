/* 待办 (GET /todo): the complaints waiting for the user, by kind (to assign, to handle, to
 * review, to approve, to call back), soonest due first, with exact counts per kind and of the
 * overdue / due-soon items over the whole to-do.
 * Query: kind (one kind only), page + page_size (a page; without them the first 500 items, as
 * before), view=brief (the columns of the to-do table only: a branch handler's queue of 500 full
 * records was 671 KB). total counts the items of the kind asked (all kinds without one). */
#include "api/api.h"
#include "api/complaint_view.h"
#include "http/request.h"
#include "store/store.h"
#include <string.h>

static const char *const TODO_KINDS[] = {"assigned",          "queue",          "review", "approve_extension",
					 "approve_new_facts", "approve_delete", "callback", NULL};

/* The fields the to-do table, the home page's tiles and the approval pages read. */
static const char *const BRIEF_FIELDS[] = {
	"id", "complaint_no", "status", "status_label", "version", "todo_kind", "cause_code", "pending",
	"pending_data", "handling_org_id", "handling_org_name", "handler_id", "handler_name", "due_at",
	"deadline_state", "paused", "tags", "received_at", "actions", NULL};

static json_t *brief_of(json_t *v)
{
	json_t *b = json_object();
	for (int i = 0; BRIEF_FIELDS[i]; i++) {
		json_t *x = json_object_get(v, BRIEF_FIELDS[i]);
		if (x)
			json_object_set(b, BRIEF_FIELDS[i], x);
	}
	json_t *who = json_object_get(json_object_get(v, "complainant"), "name");
	json_object_set_new(b, "complainant", json_pack("{s:O}", "name", who ? who : json_null()));
	json_decref(v);
	return b;
}

/* counts {kind: n}, overdue, due_soon and the total of the kind asked, from the grouped rows. */
static json_t *summarise(json_t *rows, const char *kind, json_int_t *total, json_int_t *overdue, json_int_t *soon)
{
	json_t *counts = json_object(), *row;
	size_t i;
	*total = *overdue = *soon = 0;
	json_array_foreach(rows, i, row)
	{
		const char *k = json_string_value(json_object_get(row, "todo_kind"));
		const char *state = json_string_value(json_object_get(row, "deadline_state"));
		json_int_t n = json_integer_value(json_object_get(row, "n"));
		if (!k)
			continue;
		json_object_set_new(counts, k, json_integer(json_integer_value(json_object_get(counts, k)) + n));
		if (!kind || strcmp(kind, k) == 0)
			*total += n;
		if (state && strcmp(state, "overdue") == 0)
			*overdue += n;
		else if (state && strcmp(state, "due_soon") == 0)
			*soon += n;
	}
	return counts;
}

static int todo_query_of(struct request *r, struct todo_query *q)
{
	uint32_t p = r->user->perms;
	*q = (struct todo_query){
		.user_id = r->user->user_id,
		.org_id = r->user->org_id,
		.can_handle = (p & P_COMPLAINT_HANDLE) != 0,
		.can_review = (p & P_COMPLAINT_REVIEW) != 0,
		.can_approve_delete = (p & P_COMPLAINT_DELETE_APPROVE) != 0,
		.can_callback = (p & P_COMPLAINT_CALLBACK) != 0,
		.kind = req_query(r, "kind"),
		.limit = 500,
	};
	if (q->kind) {
		int i = 0;
		while (TODO_KINDS[i] && strcmp(TODO_KINDS[i], q->kind) != 0)
			i++;
		if (!TODO_KINDS[i])
			return reply_error(r, 400, "invalid_field", "待办类型不存在", "kind"), -1;
	}
	const char *view = req_query(r, "view");
	if (view && strcmp(view, "brief") != 0 && strcmp(view, "full") != 0)
		return reply_error(r, 400, "invalid_field", "视图只能是 brief 或 full", "view"), -1;
	if ((req_query(r, "page") || req_query(r, "page_size")) && req_paging(r, &q->limit, &q->offset) != 0)
		return -1;
	return 0;
}

int api_todo(struct request *r)
{
	struct todo_query q;
	if (todo_query_of(r, &q) != 0)
		return 0;
	const char *view = req_query(r, "view");
	bool brief = view && strcmp(view, "brief") == 0;
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *items = NULL, *rows = NULL;
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = store_todo(r->db, &sf, &q, &rows, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_int_t total, overdue, soon;
	json_t *counts = summarise(rows, q.kind, &total, &overdue, &soon);
	json_decref(rows);
	json_t *out = json_array(), *rec;
	size_t i;
	json_array_foreach(items, i, rec)
	{
		json_t *v = complaint_view_row(rec, r->user->perms, r->user->user_id, &cfg);
		if (!v)
			continue; /* out of memory: the row is left out, the reply still goes */
		json_object_set(v, "todo_kind", json_object_get(rec, "todo_kind"));
		json_array_append_new(out, brief ? brief_of(v) : v);
	}
	json_decref(items);
	return reply_json(r, 200,
			  json_pack("{s:o, s:I, s:o, s:I, s:I}", "items", out, "total", total, "counts", counts,
				    "overdue", overdue, "due_soon", soon));
}
