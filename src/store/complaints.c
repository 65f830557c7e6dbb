/* Complaint queries. A complaint is read as one JSON object (all columns plus the names of the
 * institutions and people it points to) and written back whole by store_complaint_save(), whose
 * WHERE clause carries the version the caller read: optimistic concurrency in one statement.
 * The list of saved columns is written once (SAVED_COLUMNS) and expanded into both statements. */
#include "store/scope_sql.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

#define SAVED_COLUMNS(X)                                                                        \
	X(status) X(version) X(source_channel) X(external_no) X(received_at) X(registered_at)    \
	X(complained_org_id) X(handling_org_id) X(handler_id) X(org_path) X(region_code)         \
	X(business_channel_code) X(business_type_code) X(cause_code) X(rights) X(content)        \
	X(demand) X(amount_fen) X(tags) X(group_size) X(complainant_enc) X(pii_key_id)           \
	X(complainant_masked) X(name_bidx) X(id_no_bidx) X(phone_bidx) X(day_type)               \
	X(clock_start_at) X(allowed_days) X(due_at) X(deadline_state) X(extension_count)         \
	X(transfer_count) X(pending) X(pending_data) X(reply_result) X(reply_content)            \
	X(compensation_fen) X(late_reason) X(replied_at) X(callback_satisfaction)                \
	X(callback_note) X(callback_at) X(closed_at) X(withdrawn_at) X(deleted_at) X(repeat_of)  \
	X(merged_into) X(sync_status) X(reminded)

#define SET_COL(c) #c " = ?, "
#define NAME_COL(c) #c ", "
#define Q_COL(c) "?, "
#define ARG_COL(c) json_val(obj, #c),

/* A JSON member as a bound value: integers, strings (false/true as 0/1), null. */
static struct db_val json_val(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		return DB_INT(json_integer_value(v));
	if (json_is_boolean(v))
		return DB_INT(json_is_true(v));
	if (json_is_string(v))
		return DB_TEXT(json_string_value(v));
	return DB_NULL;
}

int store_complaint_insert(struct db *d, json_t *obj, int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO complaints (complaint_no, registrar_id, registrar_org_id, created_at, "
		     SAVED_COLUMNS(NAME_COL) "updated_at) VALUES (?, ?, ?, ?, " SAVED_COLUMNS(Q_COL)
		     "?) RETURNING id",
		     json_val(obj, "complaint_no"), json_val(obj, "registrar_id"),
		     json_val(obj, "registrar_org_id"), json_val(obj, "created_at"),
		     SAVED_COLUMNS(ARG_COL) json_val(obj, "updated_at"));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_complaint_save(struct db *d, json_t *obj, int64_t expected_version)
{
	return DBX(d,
		   "UPDATE complaints SET " SAVED_COLUMNS(SET_COL) "updated_at = ? WHERE id = ? AND version = ?",
		   SAVED_COLUMNS(ARG_COL) json_val(obj, "updated_at"), json_val(obj, "id"),
		   DB_INT(expected_version));
}

#define COMPLAINT_SELECT_KIND(EXTRA)                                                            \
	"SELECT c.*, " EXTRA " AS todo_kind, co.name AS complained_org_name, ho.name AS handling_org_name,"              \
	" hu.name AS handler_name, ru.name AS registrar_name, ro.name AS registrar_org_name,"    \
	" co.path AS complained_org_path"                                                         \
	" FROM complaints c LEFT JOIN institutions co ON co.id = c.complained_org_id"           \
	" LEFT JOIN institutions ho ON ho.id = c.handling_org_id"                                 \
	" LEFT JOIN users hu ON hu.id = c.handler_id LEFT JOIN users ru ON ru.id = c.registrar_id" \
	" LEFT JOIN institutions ro ON ro.id = c.registrar_org_id"
#define COMPLAINT_SELECT COMPLAINT_SELECT_KIND("NULL")

int store_complaint_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, COMPLAINT_SELECT " WHERE c.id = ?", DB_INT(id));
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
	*repeat_id = 0;
	int rc = DB_SCALAR(d, repeat_id,
			   "SELECT id FROM complaints WHERE id <> ? AND status NOT IN ('draft', 'deleted')"
			   " AND received_at >= ? AND ((CAST(? AS TEXT) IS NOT NULL AND id_no_bidx = ?)"
			   " OR (CAST(? AS TEXT) IS NOT NULL AND phone_bidx = ?))"
			   " ORDER BY received_at DESC LIMIT 1",
			   DB_INT(exclude_id), DB_INT(since), DB_TEXT(id_no_bidx), DB_TEXT(id_no_bidx),
			   DB_TEXT(phone_bidx), DB_TEXT(phone_bidx));
	return rc < 0 ? rc : rc;
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

/* ---- lists ---- */

/* The text condition differs by backend: FTS5 trigram on SQLite, pg_trgm ILIKE on PostgreSQL. */
#define TEXT_SQLITE "c.id IN (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?)"
#define TEXT_PG "(c.content || ' ' || c.demand) ILIKE ?"

#define LIST_WHERE(TEXT)                                                                        \
	" WHERE (" SCOPE_SQL("c.org_path", "c.handling_org_id", "c.registrar_id")                 \
	" OR c.registrar_id = ?)"                                                                 \
	" AND ((CAST(? AS TEXT) IS NULL AND c.status <> 'deleted') OR c.status = ?)"              \
	" AND (CAST(? AS BIGINT) = 0 OR c.received_at >= ?) AND (CAST(? AS BIGINT) = 0 OR c.received_at < ?)" \
	" AND (CAST(? AS TEXT) IS NULL OR c.org_path LIKE ?)"                                     \
	" AND (CAST(? AS TEXT) IS NULL OR c.complaint_no = ? OR c.name_bidx = ?"                  \
	" OR (CAST(? AS TEXT) IS NOT NULL AND " TEXT ")"                                          \
	" OR (CAST(? AS TEXT) IS NOT NULL AND (c.content LIKE ? OR c.demand LIKE ?)))"            \
	" AND (CAST(? AS TEXT) IS NULL OR c.complaint_no LIKE ?)"                                  \
	" AND (CAST(? AS TEXT) IS NULL OR c.source_channel = ?)"                                  \
	" AND (CAST(? AS TEXT) IS NULL OR c.business_channel_code LIKE ?)"                        \
	" AND (CAST(? AS TEXT) IS NULL OR c.business_type_code LIKE ?)"                           \
	" AND (CAST(? AS TEXT) IS NULL OR c.cause_code LIKE ?)"                                   \
	" AND (CAST(? AS TEXT) IS NULL OR (' ' || c.tags || ' ') LIKE ?)"                         \
	" AND (CAST(? AS TEXT) IS NULL OR c.deadline_state = ?)"                                  \
	" AND (CAST(? AS BIGINT) = 0 OR c.handler_id = ?)"                                        \
	" AND (CAST(? AS BIGINT) = 0 OR c.registrar_id = ?)"                                      \
	" AND (CAST(? AS TEXT) IS NULL OR c.id_no_bidx = ?)"                                      \
	" AND (CAST(? AS TEXT) IS NULL OR c.phone_bidx = ?)"

#define LIST_FROM " FROM complaints c"
#define ORDER_RECEIVED " ORDER BY c.received_at DESC, c.id DESC LIMIT ? OFFSET ?"
#define ORDER_DUE " ORDER BY c.due_at IS NULL, c.due_at, c.id LIMIT ? OFFSET ?"

static char *prefix_like(char *buf, size_t n, const char *v)
{
	if (!v)
		return NULL;
	snprintf(buf, n, "%s%%", v);
	return buf;
}

int store_complaint_list(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			 json_t **items, int64_t *total)
{
	bool pg = db_backend(d) == DB_PG;
	char org_like[560] = "", no_like[80], a_like[40], b_like[40], c_like[40], tag_like[40];
	char text[600], short_like[300];
	const char *text_arg = NULL, *short_arg = NULL;
	if (f->org_path)
		snprintf(org_like, sizeof org_like, "%s%%", f->org_path);
	if (f->q && *f->q) {
		size_t chars = 0;
		for (const char *s = f->q; *s; s++)
			chars += ((unsigned char)*s & 0xC0) != 0x80;
		if (chars >= 3) {
			if (pg) {
				snprintf(text, sizeof text, "%%%s%%", f->q);
			} else { /* an FTS5 phrase: quotes doubled */
				size_t o = 0;
				text[o++] = '"';
				for (const char *s = f->q; *s && o + 3 < sizeof text; s++) {
					if (*s == '"')
						text[o++] = '"';
					text[o++] = *s;
				}
				text[o++] = '"';
				text[o] = '\0';
			}
			text_arg = text;
		} else {
			snprintf(short_like, sizeof short_like, "%%%s%%", f->q);
			short_arg = short_like;
		}
	}
	if (f->tag)
		snprintf(tag_like, sizeof tag_like, "%% %s %%", f->tag);
#define LIST_ARGS                                                                               \
	SCOPE_ARGS(sf), DB_INT(sf->user_id), DB_TEXT(f->status), DB_TEXT(f->status), DB_INT(f->from), \
		DB_INT(f->from), DB_INT(f->to), DB_INT(f->to), DB_TEXT(f->org_path ? org_like : NULL), \
		DB_TEXT(org_like), DB_TEXT(f->q), DB_TEXT(f->q), DB_TEXT(f->name_bidx), DB_TEXT(text_arg), \
		DB_TEXT(text_arg), DB_TEXT(short_arg), DB_TEXT(short_arg), DB_TEXT(short_arg),          \
		DB_TEXT(f->complaint_no), DB_TEXT(prefix_like(no_like, sizeof no_like, f->complaint_no)), \
		DB_TEXT(f->source_channel), DB_TEXT(f->source_channel), DB_TEXT(f->business_channel_code), \
		DB_TEXT(prefix_like(a_like, sizeof a_like, f->business_channel_code)),                 \
		DB_TEXT(f->business_type_code), DB_TEXT(prefix_like(b_like, sizeof b_like, f->business_type_code)), \
		DB_TEXT(f->cause_code), DB_TEXT(prefix_like(c_like, sizeof c_like, f->cause_code)),    \
		DB_TEXT(f->tag), DB_TEXT(tag_like), DB_TEXT(f->deadline_state), DB_TEXT(f->deadline_state), \
		DB_INT(f->handler_id), DB_INT(f->handler_id), DB_INT(f->registrar_id), DB_INT(f->registrar_id), \
		DB_TEXT(f->id_no_bidx), DB_TEXT(f->id_no_bidx), DB_TEXT(f->phone_bidx), DB_TEXT(f->phone_bidx)
	int rc = DB_SCALAR(d, total,
			   pg ? "SELECT COUNT(*)" LIST_FROM LIST_WHERE(TEXT_PG)
			      : "SELECT COUNT(*)" LIST_FROM LIST_WHERE(TEXT_SQLITE),
			   LIST_ARGS);
	if (rc < 0)
		return rc;
	const char *sql;
	if (f->sort_by_due)
		sql = pg ? COMPLAINT_SELECT LIST_WHERE(TEXT_PG) ORDER_DUE : COMPLAINT_SELECT LIST_WHERE(TEXT_SQLITE) ORDER_DUE;
	else
		sql = pg ? COMPLAINT_SELECT LIST_WHERE(TEXT_PG) ORDER_RECEIVED
			 : COMPLAINT_SELECT LIST_WHERE(TEXT_SQLITE) ORDER_RECEIVED;
	rc = DBJ(d, items, sql, LIST_ARGS, DB_INT(f->limit), DB_INT(f->offset));
#undef LIST_ARGS
	return rc < 0 ? rc : DB_OK;
}

/* ---- to-do and notifications ---- */

#define TODO_KIND                                                                               \
	"CASE WHEN c.pending = 'delete' AND ? = 1 THEN 'approve_delete'"                          \
	" WHEN c.pending = 'extension' AND ? = 1 THEN 'approve_extension'"                        \
	" WHEN c.status = 'reviewing' AND ? = 1 THEN 'review'"                                    \
	" WHEN c.status = 'replied' AND ? = 1 THEN 'callback'"                                    \
	" WHEN c.status = 'processing' AND c.handler_id = ? AND ? = 1 THEN 'assigned'"            \
	" WHEN c.status IN ('registered', 'processing') AND c.handler_id IS NULL"                 \
	" AND c.handling_org_id = ? AND ? = 1 THEN 'queue' END"

int store_todo_list(struct db *d, const struct scope_filter *sf, const struct todo_query *q, json_t **items)
{
#define TODO_ARGS                                                                               \
	DB_INT(q->can_approve_delete), DB_INT(q->can_review), DB_INT(q->can_review), DB_INT(q->can_callback), \
		DB_INT(q->user_id), DB_INT(q->can_handle), DB_INT(q->org_id), DB_INT(q->can_handle)
	int rc = DBJ(d, items,
		     "SELECT * FROM (" COMPLAINT_SELECT_KIND(TODO_KIND)
		     " WHERE c.status NOT IN ('draft', 'closed', 'withdrawn', 'deleted')"
		     " AND (" SCOPE_SQL("c.org_path", "c.handling_org_id", "c.registrar_id")
		     " OR c.handler_id = ?)) t WHERE todo_kind IS NOT NULL"
		     " ORDER BY due_at IS NULL, due_at, id LIMIT ?",
		     TODO_ARGS, SCOPE_ARGS(sf), DB_INT(q->user_id), DB_INT(q->limit));
#undef TODO_ARGS
	return rc < 0 ? rc : DB_OK;
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
		   " registrar_id FROM complaints WHERE status IN ('registered', 'processing', 'reviewing')"
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
