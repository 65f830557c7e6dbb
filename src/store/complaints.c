/* Complaint queries. A complaint is read whole (all columns plus the names of the institutions
 * and people it points to) — typed (store_complaint_read, store/complaint_record.h) or as one
 * JSON object — and written back whole by the save, whose WHERE clause carries the version the
 * caller read: optimistic concurrency in one statement. The columns are listed once, in
 * store/complaint_record.h. The list, ledger and count queries are store/complaint_list.c. */
#include "store/complaint_record.h"
#include "store/complaint_sql.h"
#include "store/query_builder.h"
#include "store/scope_sql.h"
#include "store/store.h"
#include "util/due_order.h"
#include <stdio.h>
#include <string.h>

/* The JSON forms of the insert and the save, for the callers that still build a complaint as
 * a JSON object (create, edit, import, the deadline recomputation): the record's own statements
 * (store/complaint_record.c) with the object mapped by the one column list. */
int store_complaint_insert(struct db *d, json_t *obj, int64_t *id)
{
	struct complaint c;
	int rc = complaint_record_from_json(obj, &c);
	if (rc == 0)
		rc = store_complaint_insert_record(d, &c, id);
	complaint_record_free(&c);
	return rc;
}

int store_complaint_insert_imported(struct db *d, json_t *obj, int64_t job_id, int64_t *id)
{
	struct complaint c;
	int rc = complaint_record_from_json(obj, &c);
	c.import_job_id = OPT_SOME(job_id);
	if (rc == 0)
		rc = store_complaint_insert_record(d, &c, id);
	complaint_record_free(&c);
	return rc;
}

int store_complaint_save(struct db *d, json_t *obj, int64_t expected_version)
{
	struct complaint c;
	int rc = complaint_record_from_json(obj, &c);
	if (rc == 0)
		rc = store_complaint_save_record(d, &c, expected_version);
	complaint_record_free(&c);
	return rc;
}

int store_complaints_counting_after(struct db *d, int64_t after_id, int64_t limit, json_t **items)
{
	int rc = DBJ(d, items,
		     "SELECT * FROM complaints c WHERE c.id > ? AND" UNFINISHED " AND c.status IN " STATUS_CLOCK_SQL
		     " ORDER BY c.id LIMIT ?",
		     DB_INT(after_id), DB_INT(limit));
	return rc < 0 ? rc : DB_OK;
}

int store_complaint_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, DB_GENERIC_PLAN COMPLAINT_SELECT " WHERE c.id = ?", DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_complaint_next_no(struct db *d, const char *prefix, int64_t *seq)
{
	int rc = DBX(d,
		     "INSERT INTO complaint_numbers (prefix, last) VALUES (?, 1)"
		     " ON CONFLICT (prefix) DO UPDATE SET last = complaint_numbers.last + 1",
		     DB_TEXT(prefix));
	if (rc < 0)
		return rc;
	rc = DB_SCALAR(d, seq, "SELECT last FROM complaint_numbers WHERE prefix = ?", DB_TEXT(prefix));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_complaint_find_repeat(struct db *d, const char *id_no_bidx, const char *phone_bidx,
				int64_t since, int64_t exclude_id, int64_t *repeat_id)
{
	/* One index walk per identity (newest first), not an OR that reads every match. */
	*repeat_id = 0;
	int64_t best_at = -1;
	const char *keys[2] = {id_no_bidx, phone_bidx};
	for (int k = 0; k < 2; k++) {
		if (!keys[k] || !*keys[k])
			continue;
		static const char *const sql[2] = {
			"SELECT id, received_at FROM complaints WHERE id_no_bidx = ? AND received_at >= ?"
			" AND id <> ? AND status NOT IN ('draft', 'deleted') ORDER BY received_at DESC LIMIT 1",
			"SELECT id, received_at FROM complaints WHERE phone_bidx = ? AND received_at >= ?"
			" AND id <> ? AND status NOT IN ('draft', 'deleted') ORDER BY received_at DESC LIMIT 1"};
		struct db_res *r;
		int rc = DBQ(d, &r, sql[k], DB_TEXT(keys[k]), DB_INT(since), DB_INT(exclude_id));
		if (rc < 0)
			return rc;
		if ((rc = db_next(r)) == 1 && db_int(r, 1) > best_at) {
			best_at = db_int(r, 1);
			*repeat_id = db_int(r, 0);
		}
		db_done(r);
		if (rc < 0)
			return rc;
	}
	return *repeat_id ? 1 : 0;
}

int store_complaint_org_count(struct db *d, int64_t org_id, int64_t *n)
{
	int rc = DB_SCALAR(d, n,
			   "SELECT COUNT(*) FROM complaints WHERE complained_org_id = ? OR handling_org_id = ?"
			   " OR registrar_org_id = ?",
			   DB_INT(org_id), DB_INT(org_id), DB_INT(org_id));
	return rc < 0 ? rc : DB_OK;
}

/* ---- pauses ---- */

int store_pauses_list(struct db *d, int64_t complaint_id, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, start_at, end_at, reason FROM complaint_pauses WHERE complaint_id = ? ORDER BY id",
		   DB_INT(complaint_id));
}

int store_pause_start(struct db *d, int64_t complaint_id, int64_t now, const char *reason)
{
	int rc = DBX(d, "INSERT INTO complaint_pauses (complaint_id, start_at, reason) VALUES (?, ?, ?)",
		     DB_INT(complaint_id), DB_INT(now), DB_TEXT(reason));
	return rc < 0 ? rc : DB_OK;
}

int store_pause_end(struct db *d, int64_t complaint_id, int64_t now)
{
	int rc = DBX(d, "UPDATE complaint_pauses SET end_at = ? WHERE complaint_id = ? AND end_at IS NULL",
		     DB_INT(now), DB_INT(complaint_id));
	return rc < 0 ? rc : DB_OK;
}

/* ---- to-do and notifications ---- */

#define TODO_KIND                                                                               \
	"CASE WHEN c.pending = 'delete' AND ? = 1 THEN 'approve_delete'"                          \
	" WHEN c.pending = 'extension' AND ? = 1 THEN 'approve_extension'"                        \
	" WHEN c.pending = 'new_facts' AND ? = 1 THEN 'approve_new_facts'"                        \
	" WHEN c.status = 'reviewing' AND ? = 1 THEN 'review'"                                    \
	" WHEN c.status = 'replied' AND ? = 1 THEN 'callback'"                                    \
	" WHEN c.status = 'processing' AND c.handler_id = ? AND ? = 1 THEN 'assigned'"            \
	" WHEN c.status IN " STATUS_QUEUE_SQL " AND c.handler_id IS NULL"                         \
	" AND c.handling_org_id = ? AND ? = 1 THEN 'queue' END"

/* One arm of the to-do: the open complaints reached through cond (the caller binds its values
 * next) with their kind. On SQLite the arm names its index (INDEXED BY): the access path is
 * chosen here, by what the arm is for, not left to sampled statistics that can prefer a
 * non-covering index and read every open complaint of the table (issue 13). */
static void todo_arm(struct qb *b, const struct todo_query *q, bool pg, const char *index, const char *cond)
{
	qb_add(b, "SELECT c.id, c.due_at, c.deadline_state, " TODO_KIND " AS todo_kind FROM complaints c");
	if (!pg) {
		qb_add(b, " INDEXED BY ");
		qb_add(b, index);
	}
	qb_add(b, " WHERE" UNFINISHED " AND (c.status <> 'draft' OR c.pending = 'delete') AND ");
	qb_add(b, cond);
	const struct db_val kind_args[] = {
		DB_INT(q->can_approve_delete), DB_INT(q->can_review), DB_INT(q->can_review), DB_INT(q->can_review),
		DB_INT(q->can_callback),       DB_INT(q->user_id),    DB_INT(q->can_handle), DB_INT(q->org_id),
		DB_INT(q->can_handle)};
	for (size_t i = 0; i < sizeof kind_args / sizeof kind_args[0]; i++)
		qb_arg(b, kind_args[i]);
}

/* " AND (...)": the rows of an arm that can have a kind for this caller (TODO_KIND's conditions
 * whose permission the caller holds; with assigned, the handler's own cases in processing), so
 * an arm does not read the rows TODO_KIND would give no kind: the head office handler's own
 * cases waiting for review were a third of their to-do's rows. */
static void kinds_held(struct qb *b, const struct todo_query *q, bool assigned)
{
	qb_add(b, " AND (0 = 1");
	if (assigned && q->can_handle)
		qb_add(b, " OR c.status = 'processing'");
	if (q->can_review)
		qb_add(b, " OR c.status = 'reviewing' OR c.pending IN ('extension', 'new_facts')");
	if (q->can_callback)
		qb_add(b, " OR c.status = 'replied'");
	if (q->can_approve_delete)
		qb_add(b, " OR c.pending = 'delete'");
	qb_add(b, ")");
}

/* " AND <the data scope>" as a test on rows another index found (no handler clause). */
static void scope_test(struct qb *b, const struct scope_filter *sf, const char *path, const char *end)
{
	switch (sf->kind) {
	case SCOPE_ALL:
		return;
	case SCOPE_SUBTREE:
		qb_add(b, " AND c.org_path >= ? AND c.org_path < ?");
		qb_arg(b, DB_TEXT(path));
		qb_arg(b, DB_TEXT(end));
		return;
	case SCOPE_ORG:
		qb_add(b, " AND c.handling_org_id = ?");
		qb_arg(b, DB_INT(sf->org_id));
		return;
	default:
		qb_add(b, " AND c.registrar_id = ?");
		qb_arg(b, DB_INT(sf->user_id));
	}
}

/* The union of the to-do's arms: rows (id, due_at, deadline_state, todo_kind) of the caller's
 * open work, each arm an index seek into open work: what is the caller's own (handler), the
 * institution's queue (handlers), and — only for reviewers, approvers and callback staff — the
 * open complaints of the scope waiting for a review, a callback or an approval (the subtree's
 * range of the partial index, or for the head office the index of that work, migration
 * sqlite/0038, pg/0035). A handler's to-do
 * thus costs their own items, never the branch's open work. Every arm's index carries what the
 * arm reads (migration sqlite/0031, pg/0029 and 0034). The arms are disjoint (the queue's have no
 * handler; the last leaves out what the first two hold), so they are joined with UNION ALL: a
 * UNION deduplicated the head office handler's 6,400 items in a temporary b-tree, a third of
 * the to-do's cost. path/end: the subtree's range when sf is SCOPE_SUBTREE. */
static void todo_union(struct qb *b, const struct scope_filter *sf, const struct todo_query *q, bool pg,
		       const char *path, const char *end)
{
	todo_arm(b, q, pg, "complaints_open_handler", "c.handler_id = ?");
	qb_arg(b, DB_INT(q->user_id));
	kinds_held(b, q, true);
	if (q->can_handle) {
		qb_add(b, " UNION ALL ");
		todo_arm(b, q, pg, "complaints_open_org",
			 "c.handling_org_id = ? AND c.handler_id IS NULL AND c.status IN " STATUS_QUEUE_SQL);
		qb_arg(b, DB_INT(q->org_id));
		scope_test(b, sf, path, end);
	}
	if (q->can_review || q->can_callback || q->can_approve_delete) {
		static const char *const index[] = {[SCOPE_SELF] = "complaints_registrar", [SCOPE_ORG] = "complaints_open_org",
						    [SCOPE_SUBTREE] = "complaints_open_path", [SCOPE_ALL] = "complaints_open_review"};
		qb_add(b, " UNION ALL ");
		/* Only the kinds of this arm: a case assigned to the caller or waiting in their
		 * institution's queue comes from the arms above (the head office's whole open set
		 * is 48,000 at 1M, its reviews and approvals a third of that). */
		todo_arm(b, q, pg, index[sf->kind >= SCOPE_SELF && sf->kind <= SCOPE_ALL ? sf->kind : SCOPE_SELF],
			 "c.handler_id IS DISTINCT FROM ?");
		qb_arg(b, DB_INT(q->user_id));
		kinds_held(b, q, false);
		/* Implied by the kinds above; written as complaints_open_review's WHERE (migration
		 * sqlite/0038, pg/0035) so that either may read the whole bank's share from that index. */
		qb_add(b, " AND (c.status IN ('reviewing', 'replied') OR c.pending IS NOT NULL)");
		if (q->can_handle) { /* IS: true or false, never NULL, so NOT never drops a row */
			qb_add(b, " AND NOT (c.handling_org_id IS NOT DISTINCT FROM ? AND c.handler_id IS NULL AND c.status IN "
				  STATUS_QUEUE_SQL ")");
			qb_arg(b, DB_INT(q->org_id));
		}
		scope_test(b, sf, path, end);
	}
}

/* A to-do query being built: head, the union of the arms, then the caller's tail. The subtree's
 * range lives here because the bound arguments point at it until the query has run. */
struct todo_sql {
	struct qb b;
	char path[600], end[600];
};

static int todo_begin(struct todo_sql *t, struct db *d, const struct scope_filter *sf, const struct todo_query *q,
		      const char *head)
{
	if (sf->kind == SCOPE_SUBTREE && !complaint_sql_subtree_range(sf, t->path, t->end, sizeof t->path))
		return DB_HARD;
	qb_reset(&t->b);
	qb_add(&t->b, head);
	todo_union(&t->b, sf, q, db_backend(d) == DB_PG, t->path, t->end);
	return DB_OK;
}

/* Whether the caller holds a permission that gives to-do items: without one the to-do is empty
 * and no query runs (its arms would read nothing: "0 = 1"; PostgreSQL's plan for each
 * execution then names a scan that never runs). */
static bool todo_kinds_held(const struct todo_query *q)
{
	return q->can_handle || q->can_review || q->can_callback || q->can_approve_delete;
}

static const char *const TODO_KIND_NAMES[] = {"assigned",          "queue",          "review", "approve_extension",
					      "approve_new_facts", "approve_delete", "callback"};
#define TODO_NKINDS (sizeof TODO_KIND_NAMES / sizeof TODO_KIND_NAMES[0])
#define TODO_NSTATES 8 /* deadline states seen in one to-do; more are counted as the last */

/* The page's rows, in deadline order, each with its todo_kind. */
static int todo_page_rows(struct db *d, const struct due_item *page, size_t n, json_t **items)
{
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return DB_HARD;
	for (size_t i = 0; i < n; i++)
		ids[i] = page[i].id;
	json_t *rows = NULL;
	int rc = n ? store_complaint_rows(d, ids, n, &rows) : ((rows = json_array()) ? DB_OK : DB_HARD);
	free(ids);
	if (rc < 0)
		return rc;
	/* store_complaint_rows gives them in the page's order, a complaint gone since the pass left
	 * out: each row takes the kind of the page item it matches. */
	size_t nrows = json_array_size(rows), i = 0;
	for (size_t k = 0; k < nrows; k++) {
		json_t *row = json_array_get(rows, k);
		while (i < n && json_integer_value(json_object_get(row, "id")) != page[i].id)
			i++;
		if (i < n)
			json_object_set_new(row, "todo_kind", json_string(TODO_KIND_NAMES[page[i++].tag]));
	}
	*items = rows;
	return DB_OK;
}

int store_todo(struct db *d, const struct scope_filter *sf, const struct todo_query *q, json_t **counts,
	       json_t **items)
{
	*counts = *items = NULL;
	if (!todo_kinds_held(q)) {
		*counts = json_array();
		*items = json_array();
		return *counts && *items ? DB_OK : DB_HARD;
	}
	struct todo_sql t;
	if (todo_begin(&t, d, sf, q, "SELECT k.id, k.due_at, k.deadline_state, k.todo_kind FROM (") != DB_OK)
		return DB_HARD;
	qb_add(&t.b, ") k WHERE k.todo_kind IS NOT NULL");
	int rc = qb_check(&t.b);
	struct db_res *r = NULL;
	if (rc < 0 || (rc = db_query(d, &r, t.b.sql, t.b.args)) < 0)
		return rc < 0 ? rc : DB_HARD;
	/* Counts per kind and deadline state; the page: the first offset + limit in deadline order. */
	int64_t n[TODO_NKINDS][TODO_NSTATES] = {{0}};
	char states[TODO_NSTATES][24] = {{0}};
	int nstates = 0;
	size_t keep = q->offset + q->limit > 0 ? (size_t)(q->offset + q->limit) : 0, held = 0, cap = 0;
	struct due_item *heap = NULL;
	while ((rc = db_next(r)) == 1) {
		const char *kind = db_text(r, 3), *state = db_text(r, 2);
		int k = 0;
		while (k < (int)TODO_NKINDS && strcmp(TODO_KIND_NAMES[k], kind ? kind : "") != 0)
			k++;
		if (k == (int)TODO_NKINDS)
			continue;
		int st = 0;
		while (st < nstates && strcmp(states[st], state ? state : "") != 0)
			st++;
		if (st == nstates && nstates < TODO_NSTATES)
			snprintf(states[nstates++], sizeof states[0], "%s", state ? state : "");
		if (st == TODO_NSTATES)
			st = TODO_NSTATES - 1;
		n[k][st]++;
		if (q->kind && strcmp(q->kind, TODO_KIND_NAMES[k]) != 0)
			continue;
		if (held == cap && held < keep) {
			size_t want = cap ? cap * 2 : 64;
			struct due_item *grown = realloc(heap, (want < keep ? want : keep) * sizeof *heap);
			if (!grown) {
				rc = DB_HARD;
				break;
			}
			heap = grown;
			cap = want < keep ? want : keep;
		}
		struct due_item it = {.due = db_is_null(r, 1) ? DUE_LAST : db_int(r, 1), .id = db_int(r, 0),
				      .tag = (uint32_t)k};
		due_keep(heap, &held, keep, it);
	}
	db_done(r);
	if (rc < 0) {
		free(heap);
		return rc;
	}
	due_sort(heap, held);
	size_t from = (size_t)q->offset < held ? (size_t)q->offset : held;
	json_t *c = json_array();
	for (size_t k = 0; c && k < TODO_NKINDS; k++)
		for (int st = 0; st < nstates; st++)
			if (n[k][st] &&
			    json_array_append_new(c, json_pack("{s:s, s:s?, s:I}", "todo_kind", TODO_KIND_NAMES[k],
							       "deadline_state", states[st][0] ? states[st] : NULL,
							       "n", (json_int_t)n[k][st])) != 0) {
				json_decref(c);
				c = NULL;
			}
	rc = c ? todo_page_rows(d, heap ? heap + from : NULL, held - from, items) : DB_HARD;
	free(heap);
	if (rc < 0) {
		json_decref(c);
		return rc;
	}
	*counts = c;
	return DB_OK;
}

int store_notification_insert(struct db *d, int64_t user_id, int64_t complaint_id, const char *kind,
			      const char *message, const char *dedup_key, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO notifications (user_id, complaint_id, kind, message, dedup_key, created_at)"
		     " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
		     DB_INT(user_id), DB_INT_OR_NULL(complaint_id > 0, complaint_id), DB_TEXT(kind),
		     DB_TEXT(message), DB_TEXT(dedup_key), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_notification_list(struct db *d, int64_t user_id, bool unread_only, int64_t limit, json_t **items,
			    int64_t *unread)
{
	int rc = DB_SCALAR(d, unread, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
			   DB_INT(user_id));
	if (rc < 0)
		return rc;
	rc = DBJ(d, items,
		 "SELECT n.id, n.complaint_id, c.complaint_no, n.kind, n.message, n.created_at, n.read_at"
		 " FROM notifications n LEFT JOIN complaints c ON c.id = n.complaint_id"
		 " WHERE n.user_id = ? AND (? = 0 OR n.read_at IS NULL) ORDER BY n.id DESC LIMIT ?",
		 DB_INT(user_id), DB_INT(unread_only), DB_INT(limit));
	return rc < 0 ? rc : DB_OK;
}

int store_notification_read(struct db *d, int64_t user_id, int64_t id, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE notifications SET read_at = ? WHERE user_id = ? AND (? = 0 OR id = ?) AND read_at IS NULL",
		     DB_INT(now), DB_INT(user_id), DB_INT(id), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

/* ---- deadline watch ---- */

int store_deadline_changes(struct db *d, int64_t now, int64_t soon_ms, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, complaint_no, due_at, deadline_state, handler_id, handling_org_id, org_path,"
		   " registrar_id FROM complaints c WHERE" UNFINISHED " AND c.status IN " STATUS_CLOCK_SQL
		   " AND due_at IS NOT NULL AND ((due_at < ? AND (reminded IS NULL OR reminded <> 'overdue'))"
		   " OR (due_at >= ? AND due_at - ? <= ? AND reminded IS NULL)) ORDER BY due_at LIMIT 1000",
		   DB_INT(now), DB_INT(now), DB_INT(now), DB_INT(soon_ms));
}

int store_complaint_set_deadline_state(struct db *d, int64_t id, const char *state)
{
	int rc = DBX(d, "UPDATE complaints SET deadline_state = ?, reminded = ? WHERE id = ?", DB_TEXT(state),
		     DB_TEXT(state), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

/* ---- attachments ---- */

int store_attachment_insert(struct db *d, int64_t complaint_id, const char *name, const char *mime,
			    int64_t size, const char *sha256, const char *storage_name, int64_t user_id,
			    int64_t now, int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO attachments (complaint_id, name, mime, size, sha256, storage_name, uploaded_by,"
		     " uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		     DB_INT(complaint_id), DB_TEXT(name), DB_TEXT(mime), DB_INT(size), DB_TEXT(sha256),
		     DB_TEXT(storage_name), DB_INT(user_id), DB_INT(now));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_attachment_list(struct db *d, int64_t complaint_id, json_t **items)
{
	return DBJ(d, items,
		   "SELECT a.id, a.name, a.mime, a.size, a.sha256, a.uploaded_by, u.name AS uploaded_by_name,"
		   " a.uploaded_at FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by"
		   " WHERE a.complaint_id = ? ORDER BY a.id",
		   DB_INT(complaint_id));
}

int store_attachment_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out,
		      "SELECT id, complaint_id, name, mime, size, sha256, storage_name FROM attachments WHERE id = ?",
		      DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}
