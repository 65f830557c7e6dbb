/* Complaint queries. A complaint is read as one JSON object (all columns plus the names of the
 * institutions and people it points to) and written back whole by store_complaint_save(), whose
 * WHERE clause carries the version the caller read: optimistic concurrency in one statement.
 * The list of saved columns is written once (SAVED_COLUMNS) and expanded into both statements. */
#include "domain/status.h"
#include "store/query_builder.h"
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
	X(merged_into) X(sync_status) X(reminded) X(clock_restarts)

/* " c.status IN <unfinished>": the term the partial indexes of open work (migration
 * sqlite/0018, pg/0016) carry in their WHERE, verbatim (domain/status.h). */
#define UNFINISHED " c.status IN " STATUS_UNFINISHED_SQL

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

int store_complaint_insert_imported(struct db *d, json_t *obj, int64_t job_id, int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO complaints (complaint_no, registrar_id, registrar_org_id, created_at, legacy_no,"
		     " legacy_handler, import_job_id, " SAVED_COLUMNS(NAME_COL) "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
		     SAVED_COLUMNS(Q_COL) "?) RETURNING id",
		     json_val(obj, "complaint_no"), json_val(obj, "registrar_id"), json_val(obj, "registrar_org_id"),
		     json_val(obj, "created_at"), json_val(obj, "legacy_no"), json_val(obj, "legacy_handler"),
		     DB_INT(job_id), SAVED_COLUMNS(ARG_COL) json_val(obj, "updated_at"));
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

/* ---- lists ---- */

#define COUNT_CAP_TEXT "100001"     /* COMPLAINT_COUNT_CAP + 1 */
#define TEXT_COUNT_CAP_TEXT "10001" /* COMPLAINT_TEXT_COUNT_CAP + 1 */

/* The list query is built from the filters given where an index may serve them (scope, status,
 * dates, subtree, text, number, deadline state, people, identity, open), so each of those
 * combinations gets a plan that uses its indexes. Filters no index serves (channel, codes,
 * region, tag, right, the counting rule) come as one block, each with its value or NULL
 * ("(CAST(? AS TEXT) IS NULL OR ...)"), present when any of them is set: they are tested row by
 * row either way, and 8 optional filters make 2 shapes instead of 256 (the connection's
 * statement cache is bounded). Values are always
 * bound. A value too long for its buffer is an error, never a truncated filter. */

/* Upper bound of a prefix range: "/1/5/" -> "/1/50" ('0' follows '/'), "B03" -> "B04".
 * false when prefix does not fit in n bytes. */
static bool prefix_end(const char *prefix, char *out, size_t n)
{
	size_t len = strlen(prefix);
	if (len >= n)
		return false;
	memcpy(out, prefix, len + 1);
	if (len)
		out[len - 1]++;
	return true;
}

/* The subtree of a scope as the range [path, end) of org_path; false when it does not fit. */
static bool subtree_range(const struct scope_filter *sf, char *path, char *end, size_t n)
{
	size_t len = strlen(sf->path_like); /* "<path>%" */
	if (len == 0 || len > n)
		return false;
	memcpy(path, sf->path_like, len - 1);
	path[len - 1] = '\0';
	return prefix_end(path, end, n);
}

static void where_prefix(struct qb *q, const char *col, const char *prefix, char *end, size_t endlen)
{
	if (!prefix_end(prefix, end, endlen)) {
		q->overflow = true;
		return;
	}
	char cond[128];
	snprintf(cond, sizeof cond, " AND %s >= ? AND %s < ?", col, col);
	qb_add(q, cond);
	qb_arg(q, DB_TEXT(prefix));
	qb_arg(q, DB_TEXT(end));
}

/* Adds cond (one "?") with v, unless v is DB_END (the filter is not set). */
/* A blind index's value in the other family, or the value itself when there is none. */
static const char *alt(const char *v, const char *other)
{
	return other ? other : v ? v : "";
}

static void where_equal(struct qb *q, const char *cond, struct db_val v)
{
	if (v.type == DBV_END)
		return;
	qb_add(q, cond);
	qb_arg(q, v);
}

/* The optional filters no index serves: always in the text, NULL when not set. */
static void where_opt_equal(struct qb *q, const char *col, const char *v)
{
	char cond[128];
	snprintf(cond, sizeof cond, " AND (CAST(? AS TEXT) IS NULL OR %s = ?)", col);
	qb_add(q, cond);
	qb_arg(q, DB_TEXT(v));
	qb_arg(q, DB_TEXT(v));
}

static void where_opt_prefix(struct qb *q, const char *col, const char *prefix, char *end, size_t endlen)
{
	if (prefix && !prefix_end(prefix, end, endlen)) {
		q->overflow = true;
		return;
	}
	char cond[160];
	snprintf(cond, sizeof cond, " AND (CAST(? AS TEXT) IS NULL OR (%s >= ? AND %s < ?))", col, col);
	qb_add(q, cond);
	qb_arg(q, DB_TEXT(prefix));
	qb_arg(q, DB_TEXT(prefix));
	qb_arg(q, DB_TEXT(prefix ? end : NULL));
}

/* pre + v with LIKE's % _ and \ escaped + post into out (n bytes); false when it does not fit. */
static bool like_escaped(char *out, size_t n, const char *pre, const char *v, const char *post)
{
	size_t o = 0, lp = strlen(pre), lq = strlen(post);
	if (lp >= n)
		return false;
	memcpy(out, pre, lp);
	o = lp;
	for (; *v; v++) {
		if (o + 2 + lq >= n)
			return false;
		if (*v == '%' || *v == '_' || *v == '\\')
			out[o++] = '\\';
		out[o++] = *v;
	}
	if (o + lq >= n)
		return false;
	memcpy(out + o, post, lq + 1);
	return true;
}

/* " AND (CAST(? AS TEXT) IS NULL OR (' ' || list || ' ') LIKE '% v %')": v is one item of a
 * space-separated list column (tags, rights), matched literally. */
static void where_opt_item(struct qb *q, const char *list_col, const char *v, char *buf, size_t n)
{
	if (v && !like_escaped(buf, n, "% ", v, " %")) {
		q->overflow = true;
		return;
	}
	char cond[160];
	snprintf(cond, sizeof cond, " AND (CAST(? AS TEXT) IS NULL OR (' ' || %s || ' ') LIKE ? ESCAPE '\\')", list_col);
	qb_add(q, cond);
	qb_arg(q, DB_TEXT(v ? buf : NULL));
	qb_arg(q, DB_TEXT(v ? buf : NULL));
}

/* Puts '+' before every occurrence of col in the NUL-terminated text (size bytes available):
 * SQLite then uses no index for those terms. */
static void unindex_column(char *text, size_t size, const char *col)
{
	size_t n = strlen(col);
	for (char *p = strstr(text, col); p; p = strstr(p + n + 1, col)) {
		size_t len = strlen(text);
		if (len + 2 > size)
			return;
		memmove(p + 1, p, len - (size_t)(p - text) + 1);
		*p = '+';
	}
}

/* SQLite's substring test of the complaint text (two copies of the LIKE pattern). */
#define TEXT_LIKE "(c.content LIKE ? ESCAPE '\\' OR c.demand LIKE ? ESCAPE '\\')"

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Whether some index can drive the query of f within sf: the data scope below the head office
 * (its range, institution or owner indexes), a status, dates, a subtree, a full-text query of
 * three characters or more, a number, a deadline state, a person, an identity, open work or a
 * complained institution. Without one (a tag, a right, a code, a channel or a one- or
 * two-character text alone at the head office, whose subtree is the whole bank) counting would
 * read the whole table. */
static bool index_driven(const struct scope_filter *sf, const struct complaint_filter *f)
{
	/* A subtree at the root ("/1/": one step) is the whole bank too. */
	const char *p = sf->path_like;
	bool whole = sf->kind == SCOPE_ALL ||
		     (sf->kind == SCOPE_SUBTREE && p[0] == '/' && strchr(p + 1, '/') && !strchr(strchr(p + 1, '/') + 1, '/'));
	return !whole || f->status || f->from || f->to || f->org_path ||
	       (f->q && utf8_chars(f->q) >= 3) || f->complaint_no || f->deadline_state || f->handler_id ||
	       f->registrar_id || f->id_no_bidx || f->phone_bidx || f->open || f->complained_org_path;
}

/* Buffers the WHERE clause's bound text points into. */
struct where_bufs {
	/* Room for the api's longest filter value (50 characters, 200 bytes) escaped. */
	char ends[6][600], text[600], like[600], tag_like[420], cause_end[208], region_end[208], corg_end[600],
		right_like[420];
};

/* The WHERE clause (" WHERE ...") of the list and the ledger for sf and f into *wq, values bound
 * from *b. With allow_fts, a text query on SQLite with no exact hit sets *fts: the caller then
 * drives the query from complaints_fts (MATCH argument b->text). 0 or a negative status. */
static int complaint_where(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			   bool allow_fts, struct qb *wq, struct where_bufs *b, bool *fts_out)
{
	bool pg = db_backend(d) == DB_PG, fts = false;
	char (*ends)[600] = b->ends, *text = b->text, *like = b->like;
	/* Data scope (and the caller's own registrations). */
	switch (sf->kind) {
	case SCOPE_ALL:
		qb_add(wq, " WHERE 1 = 1");
		break;
	case SCOPE_SUBTREE: {
		/* path_like is "<path>%"; the subtree is the range [path, path with '/' -> '0'). */
		char *path = ends[5];
		snprintf(path, sizeof b->ends[5], "%.*s", (int)strlen(sf->path_like) - 1, sf->path_like);
		if (!prefix_end(path, ends[0], sizeof b->ends[0]))
			wq->overflow = true;
		qb_add(wq, " WHERE ((c.org_path >= ? AND c.org_path < ?) OR c.registrar_id = ? OR c.handler_id = ?)");
		qb_arg(wq, DB_TEXT(path));
		qb_arg(wq, DB_TEXT(ends[0]));
		qb_arg(wq, DB_INT(sf->user_id));
		qb_arg(wq, DB_INT(sf->user_id));
		break;
	}
	case SCOPE_ORG: {
		/* The institution's own complaints through org_path (its path when it handles them),
		 * which the org_path indexes serve; handling_org_id, which no index leads, only tests. */
		char *path = ends[5];
		snprintf(path, sizeof b->ends[5], "%.*s", (int)strlen(sf->path_like) - 1, sf->path_like);
		qb_add(wq, " WHERE ((c.org_path = ? AND c.handling_org_id = ?) OR c.registrar_id = ? OR c.handler_id = ?)");
		qb_arg(wq, DB_TEXT(path));
		qb_arg(wq, DB_INT(sf->org_id));
		qb_arg(wq, DB_INT(sf->user_id));
		qb_arg(wq, DB_INT(sf->user_id));
		break;
	}
	default:
		qb_add(wq, " WHERE (c.registrar_id = ? OR c.handler_id = ?)");
		qb_arg(wq, DB_INT(sf->user_id));
		qb_arg(wq, DB_INT(sf->user_id));
	}
	if (f->status) {
		qb_add(wq, " AND c.status = ?");
		qb_arg(wq, DB_TEXT(f->status));
	} else {
		qb_add(wq, " AND c.status <> 'deleted'");
	}
	if (f->from) {
		qb_add(wq, " AND c.received_at >= ?");
		qb_arg(wq, DB_INT(f->from));
	}
	if (f->to) {
		qb_add(wq, " AND c.received_at < ?");
		qb_arg(wq, DB_INT(f->to));
	}
	if (f->org_path)
		where_prefix(wq, "c.org_path", f->org_path, ends[1], sizeof b->ends[1]);
	if (f->q && *f->q) {
		/* q is a number, an exact complainant name (blind index) or text: FTS5 trigram /
		 * pg_trgm for three characters or more, a substring scan for shorter. On SQLite a text
		 * query with no exact hit lets the full-text index drive (see below). */
		bool trigram = utf8_chars(f->q) >= 3 && !pg;
		if (trigram) {
			size_t o = 0;
			text[o++] = '"';
			for (const char *p = f->q; *p; p++) {
				if (o + 4 >= sizeof b->text) {
					wq->overflow = true;
					break;
				}
				if (*p == '"')
					text[o++] = '"';
				text[o++] = *p;
			}
			text[o++] = '"';
			text[o] = '\0';
			int64_t exact = 1;
			int rc = !allow_fts ? 0 : DB_SCALAR(d, &exact,
					   "SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE complaint_no = ?"
					   " OR name_bidx IN (?, ?) LIMIT 1) e",
					   DB_TEXT(f->q), DB_TEXT(f->name_bidx ? f->name_bidx : ""), DB_TEXT(alt(f->name_bidx, f->name_bidx_alt)));
			if (rc < 0)
				return rc;
			fts = exact == 0;
		}
		if (!like_escaped(like, sizeof b->like, "%", f->q, "%"))
			wq->overflow = true;
		if (!fts) {
			qb_add(wq, " AND (c.complaint_no = ? OR c.name_bidx IN (?, ?) OR ");
			qb_arg(wq, DB_TEXT(f->q));
			qb_arg(wq, DB_TEXT(f->name_bidx ? f->name_bidx : ""));
			qb_arg(wq, DB_TEXT(alt(f->name_bidx, f->name_bidx_alt)));
			if (trigram) {
				/* Complaints not yet indexed (migration 0010) are matched by scanning. */
				qb_add(wq, "c.id IN (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?) OR "
					   "(c.id IN (SELECT complaint_id FROM complaint_text_queue) AND " TEXT_LIKE "))");
				qb_arg(wq, DB_TEXT(text));
			} else {
				qb_add(wq, pg ? "(c.content || ' ' || c.demand) ILIKE ? ESCAPE '\\')" : TEXT_LIKE ")");
			}
			qb_arg(wq, DB_TEXT(like));
			if (!pg)
				qb_arg(wq, DB_TEXT(like));
		}
	}
	if (f->complaint_no)
		where_prefix(wq, "c.complaint_no", f->complaint_no, ends[2], sizeof b->ends[2]);
	if (f->open)
		qb_add(wq, " AND" UNFINISHED " AND c.status IN " STATUS_OPEN_SQL);
	if (f->complained_org_path) {
		if (!prefix_end(f->complained_org_path, b->corg_end, sizeof b->corg_end))
			wq->overflow = true;
		qb_add(wq, " AND c.complained_org_id IN (SELECT id FROM institutions WHERE path >= ? AND path < ?)");
		qb_arg(wq, DB_TEXT(f->complained_org_path));
		qb_arg(wq, DB_TEXT(b->corg_end));
	}
	/* No index serves these: when any is set, all are in the text, each with its value or NULL
	 * (one shape). When none is, none is: an index can then still answer the count alone. */
	if (f->source_channel || f->business_channel_code || f->business_type_code || f->cause_code ||
	    f->region_code || f->tag || f->right || f->counted) {
		where_opt_equal(wq, "c.source_channel", f->source_channel);
		where_opt_prefix(wq, "c.business_channel_code", f->business_channel_code, ends[3], sizeof b->ends[3]);
		where_opt_prefix(wq, "c.business_type_code", f->business_type_code, ends[4], sizeof b->ends[4]);
		where_opt_prefix(wq, "c.cause_code", f->cause_code, b->cause_end, sizeof b->cause_end);
		where_opt_prefix(wq, "c.region_code", f->region_code, b->region_end, sizeof b->region_end);
		where_opt_item(wq, "c.tags", f->tag, b->tag_like, sizeof b->tag_like);
		where_opt_item(wq, "c.rights", f->right, b->right_like, sizeof b->right_like);
		qb_add(wq, " AND (? = 0 OR (c.status NOT IN ('draft', 'deleted') AND c.merged_into IS NULL))");
		qb_arg(wq, DB_INT(f->counted));
	}
	where_equal(wq, " AND c.deadline_state = ?", f->deadline_state ? DB_TEXT(f->deadline_state) : DB_END);
	where_equal(wq, " AND c.handler_id = ?", f->handler_id ? DB_INT(f->handler_id) : DB_END);
	where_equal(wq, " AND c.registrar_id = ?", f->registrar_id ? DB_INT(f->registrar_id) : DB_END);
	if (f->id_no_bidx) {
		qb_add(wq, " AND c.id_no_bidx IN (?, ?)");
		qb_arg(wq, DB_TEXT(f->id_no_bidx));
		qb_arg(wq, DB_TEXT(alt(f->id_no_bidx, f->id_no_bidx_alt)));
	}
	if (f->phone_bidx) {
		qb_add(wq, " AND c.phone_bidx IN (?, ?)");
		qb_arg(wq, DB_TEXT(f->phone_bidx));
		qb_arg(wq, DB_TEXT(alt(f->phone_bidx, f->phone_bidx_alt)));
	}
	*fts_out = fts;
	return qb_check(wq);
}

/* Appends the filter clause w (" WHERE ...") with its arguments to q; with after_and, q already
 * ends in "WHERE ... AND" and only the conditions are added. */
static void qb_add_where(struct qb *q, const struct qb *w, bool after_and)
{
	if (w->overflow)
		q->overflow = true;
	qb_add(q, after_and ? w->sql + strlen(" WHERE") : w->sql);
	for (int i = 0; i < w->nargs; i++)
		qb_arg(q, w->args[i]);
}

/* Bounds of the ids of complaints received in f's date range, from complaint_received_days
 * (migration 0011): the full-text index then reads only that span of its matches. Without a
 * range, [1, INT64_MAX]; with no complaint in it, an empty span (lo > hi). */
static int received_id_bounds(struct db *d, const struct complaint_filter *f, int64_t *lo, int64_t *hi)
{
	*lo = 1;
	*hi = INT64_MAX;
	if (!f->from && !f->to)
		return DB_OK;
	const int64_t day_ms = 86400000;
	int64_t first_day = f->from > 0 ? f->from / day_ms : 0, last_day = f->to ? (f->to - 1) / day_ms : INT64_MAX;
	int rc = DB_SCALAR(d, lo, "SELECT COALESCE(MIN(first_id), 1) FROM complaint_received_days WHERE day BETWEEN ? AND ?",
			   DB_INT(first_day), DB_INT(last_day));
	if (rc >= 0)
		rc = DB_SCALAR(d, hi, "SELECT COALESCE(MAX(last_id), 0) FROM complaint_received_days WHERE day BETWEEN ? AND ?",
			       DB_INT(first_day), DB_INT(last_day));
	return rc < 0 ? rc : DB_OK;
}

/* The complaints still waiting for the full-text index (migration 0010) that match the text
 * and the filters; they are the newest, so in newest-first order they precede every match of
 * the index. CROSS JOIN: SQLite walks the (small) queue, never the complaints. */
#define QUEUED_MATCHES " FROM complaint_text_queue t CROSS JOIN complaints c ON c.id = t.complaint_id WHERE " TEXT_LIKE " AND"
/* The full-text index's matches within id bounds (received_id_bounds). */
#define INDEXED_MATCHES " FROM complaints_fts f JOIN complaints c ON c.id = f.rowid WHERE complaints_fts MATCH ? AND f.rowid BETWEEN ? AND ? AND"

int store_complaint_list(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			 json_t **items, int64_t *total, bool *capped)
{
	bool pg = db_backend(d) == DB_PG, fts = false;
	struct qb w;
	qb_reset(&w);
	struct where_bufs b;
	int rc = complaint_where(d, sf, f, true, &w, &b, &fts);
	if (rc < 0)
		return rc;
	/* Counting stops past a cap: a broad filter over millions of rows must not cost a full count
	 * for a number nobody pages through (full-text matches stop earlier still). With a text
	 * query on SQLite the FTS5 table drives: its matches come newest registered first (rowid
	 * order) and the filters are checked on them, so a page costs a few lookups however many
	 * complaints match. The few complaints not yet indexed are matched by scanning and come
	 * first. */
	const struct db_val text = DB_TEXT(b.text), like = DB_TEXT(b.like);
	struct qb q;
	qb_reset(&q);
	int64_t queued = 0, indexed = 0, lo = 1, hi = INT64_MAX;
	bool beyond = false; /* *total is a lower bound: not every candidate was counted */
	if (fts) {
		/* The waiting matches are counted even when the caller has the total: paging needs it. */
		if ((rc = received_id_bounds(d, f, &lo, &hi)) < 0)
			return rc;
		qb_add(&q, "SELECT COUNT(*)" QUEUED_MATCHES);
		qb_arg(&q, like);
		qb_arg(&q, like);
		qb_add_where(&q, &w, true);
		if ((rc = qb_check(&q)) < 0 || (rc = db_scalar_int(d, &queued, q.sql, q.args)) < 0)
			return rc;
		/* Bounded counting: only the newest COMPLAINT_TEXT_COUNT_CAP + 1 matches of the index
		 * are tested against the filters (a common word matches a quarter of a million
		 * complaints, and a branch holds a few % of them: counting them all read every match).
		 * With more matches than that, the count is a lower bound and *capped says so. */
		if (!f->skip_count) {
			int64_t examined = 0;
			rc = DB_SCALAR(d, &examined,
				       "SELECT COUNT(*) FROM (SELECT 1 FROM complaints_fts WHERE complaints_fts MATCH ?"
				       " AND rowid BETWEEN ? AND ? LIMIT " TEXT_COUNT_CAP_TEXT ") n",
				       text, DB_INT(lo), DB_INT(hi));
			if (rc < 0)
				return rc;
			beyond = examined > COMPLAINT_TEXT_COUNT_CAP;
		}
		qb_reset(&q);
		qb_add(&q, "SELECT COUNT(*) FROM (SELECT f.rowid AS id FROM complaints_fts f WHERE complaints_fts MATCH ?"
			   " AND f.rowid BETWEEN ? AND ? ORDER BY f.rowid DESC LIMIT " TEXT_COUNT_CAP_TEXT
			   ") m CROSS JOIN complaints c ON c.id = m.id WHERE");
		qb_arg(&q, text);
		qb_arg(&q, DB_INT(lo));
		qb_arg(&q, DB_INT(hi));
		qb_add_where(&q, &w, true);
	} else if (!index_driven(sf, f)) {
		/* Bounded counting: no index narrows the rows, so none are counted; the total is
		 * what the pages up to this one hold (below), flagged as a lower bound. */
		if (!f->skip_count) {
			beyond = true;
			*total = 0;
		}
		qb_add(&q, "SELECT 0");
	} else {
		qb_add(&q, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints c");
		qb_add_where(&q, &w, false);
		qb_add(&q, " LIMIT " COUNT_CAP_TEXT ") n");
	}
	if ((rc = qb_check(&q)) < 0)
		return rc;
	if (!f->skip_count && !(beyond && !fts)) {
		if ((rc = db_scalar_int(d, &indexed, q.sql, q.args)) < 0)
			return rc;
		*total = queued + indexed;
	}
	int64_t cap = f->skip_count ? INT64_MAX : fts ? COMPLAINT_TEXT_COUNT_CAP : COMPLAINT_COUNT_CAP;
	if (capped)
		*capped = *total > cap || beyond;
	if (*total > cap)
		*total = cap;
	/* The page is chosen on the narrow table first; only its rows are joined for names. */
	const char *order = f->sort_by_due ? " ORDER BY c.due_at IS NULL, c.due_at, c.id"
					   : " ORDER BY c.received_at DESC, c.id DESC";
	qb_reset(&q);
	qb_add(&q, COMPLAINT_SELECT_KIND("NULL") " JOIN (");
	/* SQLite: a subtree range is selective enough to tempt the planner into the org_path indexes
	 * and a sort of every match; for a page, walking the order's index (or the full-text
	 * index) and testing the range is cheaper, so the range is kept out of index choice ("+"). */
	size_t page_where = q.len;
	if (fts) {
		/* Rows [offset, offset + limit) of the waiting matches followed by the index's. */
		int64_t first = f->offset < queued ? f->offset : queued;
		int64_t from_queue = queued - first < f->limit ? queued - first : f->limit;
		if (from_queue > 0) {
			qb_add(&q, "SELECT id FROM (SELECT c.id" QUEUED_MATCHES);
			qb_arg(&q, like);
			qb_arg(&q, like);
			qb_add_where(&q, &w, true);
			qb_add(&q, " ORDER BY c.id DESC LIMIT ? OFFSET ?) UNION ALL ");
			qb_arg(&q, DB_INT(from_queue));
			qb_arg(&q, DB_INT(first));
		}
		qb_add(&q, "SELECT id FROM (SELECT c.id" INDEXED_MATCHES);
		qb_arg(&q, text);
		qb_arg(&q, DB_INT(lo));
		qb_arg(&q, DB_INT(hi));
		qb_add_where(&q, &w, true);
		qb_add(&q, " ORDER BY f.rowid DESC LIMIT ? OFFSET ?)");
		qb_arg(&q, DB_INT(f->limit - from_queue));
		qb_arg(&q, DB_INT(f->offset - first));
		order = " ORDER BY c.id DESC";
	} else {
		qb_add(&q, "SELECT c.id FROM complaints c");
		qb_add_where(&q, &w, false);
		qb_add(&q, order);
		qb_add(&q, " LIMIT ? OFFSET ?");
		qb_arg(&q, DB_INT(f->limit));
		qb_arg(&q, DB_INT(f->offset));
	}
	if (!pg) {
		unindex_column(q.sql + page_where, sizeof q.sql - page_where, "c.org_path ");
		q.len = strlen(q.sql);
	}
	qb_add(&q, ") page ON page.id = c.id");
	qb_add(&q, order);
	if ((rc = qb_check(&q)) < 0)
		return rc;
	rc = db_query_json(d, items, q.sql, q.args);
	if (rc < 0)
		return rc;
	/* A lower bound is at least what the pages up to this one hold, and one more after a full
	 * page, so that a pager still offers the next page. */
	int64_t n = (int64_t)json_array_size(*items), seen = f->offset + n + (n == f->limit);
	if (beyond && !f->skip_count && *total < seen)
		*total = seen < cap ? seen : cap;
	return DB_OK;
}

int store_complaint_keyset(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			   const struct complaint_cursor *after, int64_t limit, json_t **items)
{
	bool fts = false;
	struct qb w;
	qb_reset(&w);
	struct where_bufs b;
	int rc = complaint_where(d, sf, f, false, &w, &b, &fts);
	if (rc < 0)
		return rc;
	if (after) {
		/* (received_at, id) < cursor, with a plain upper bound the index can seek to. */
		qb_add(&w, " AND c.received_at <= ? AND (c.received_at < ? OR c.id < ?)");
		qb_arg(&w, DB_INT(after->received_at));
		qb_arg(&w, DB_INT(after->received_at));
		qb_arg(&w, DB_INT(after->id));
	}
	struct qb q;
	qb_reset(&q);
	qb_add(&q, COMPLAINT_SELECT_KIND("NULL") " JOIN (SELECT c.id FROM complaints c");
	size_t page_where = q.len;
	qb_add(&q, w.sql);
	/* SQLite: walk the received_at index in order (the subtree range is only tested), so each
	 * page costs its own rows, not a sort of everything left. */
	if (db_backend(d) != DB_PG) {
		unindex_column(q.sql + page_where, sizeof q.sql - page_where, "c.org_path ");
		q.len = strlen(q.sql);
	}
	qb_add(&q, " ORDER BY c.received_at DESC, c.id DESC LIMIT ?) page ON page.id = c.id"
		   " ORDER BY c.received_at DESC, c.id DESC");
	memcpy(q.args, w.args, sizeof w.args);
	q.nargs = w.nargs;
	q.overflow |= w.overflow;
	qb_arg(&q, DB_INT(limit));
	if ((rc = qb_check(&q)) < 0)
		return rc;
	rc = db_query_json(d, items, q.sql, q.args);
	return rc < 0 ? rc : DB_OK;
}

/* The caller's own complaints outside a subtree [path, end): ids by two seeks on each side of
 * the range in the handler's and the registrar's (…, org_path) indexes (migration sqlite/0019,
 * pg/0017), deduplicated by UNION. */
#define OWN_OUTSIDE_IDS                                                                         \
	"(SELECT id FROM complaints WHERE handler_id = ? AND org_path < ?"                        \
	" UNION SELECT id FROM complaints WHERE handler_id = ? AND org_path >= ?"                 \
	" UNION SELECT id FROM complaints WHERE registrar_id = ? AND org_path < ?"                \
	" UNION SELECT id FROM complaints WHERE registrar_id = ? AND org_path >= ?)"

int store_complaint_count_own_outside(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
				     int64_t *n)
{
	*n = 0;
	char path[600], end[600];
	if (sf->kind != SCOPE_SUBTREE || !subtree_range(sf, path, end, sizeof path))
		return DB_HARD;
	struct scope_filter all = {.kind = SCOPE_ALL};
	struct qb w, q;
	qb_reset(&w);
	qb_reset(&q);
	struct where_bufs b;
	bool fts = false;
	int rc = complaint_where(d, &all, f, false, &w, &b, &fts);
	if (rc < 0)
		return rc;
	/* CROSS JOIN: SQLite walks the few own ids and tests the filters on them; no filter index
	 * (status, dates) may drive. (PostgreSQL knows no CROSS JOIN ... ON and plans it alone.) */
	qb_add(&q, "SELECT COUNT(*) FROM " OWN_OUTSIDE_IDS " o");
	qb_add(&q, db_backend(d) == DB_PG ? " JOIN" : " CROSS JOIN");
	qb_add(&q, " complaints c ON c.id = o.id WHERE");
	for (int i = 0; i < 4; i++) {
		qb_arg(&q, DB_INT(sf->user_id));
		qb_arg(&q, DB_TEXT(i % 2 ? end : path));
	}
	qb_add_where(&q, &w, true);
	if ((rc = qb_check(&q)) < 0 || (rc = db_scalar_int(d, n, q.sql, q.args)) < 0)
		return rc;
	return DB_OK;
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
	qb_add(b, "SELECT c.id, c.due_at, " TODO_KIND " AS todo_kind FROM complaints c");
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

int store_todo_list(struct db *d, const struct scope_filter *sf, const struct todo_query *q, json_t **items)
{
	/* The work items are the union of at most three arms, each an index seek into open work:
	 * what is the caller's own (handler), the institution's queue (handlers), and — only for
	 * reviewers, approvers and callback staff — every open complaint of the scope (the subtree's
	 * range of the partial index, or the whole open set soonest due first for the head office).
	 * A handler's to-do thus costs their own items, never the branch's open work. Only the
	 * page's rows are then read whole and joined for names. */
	bool pg = db_backend(d) == DB_PG;
	char path[600], end[600];
	if (sf->kind == SCOPE_SUBTREE && !subtree_range(sf, path, end, sizeof path))
		return DB_HARD;
	struct qb b;
	qb_reset(&b);
	qb_add(&b, COMPLAINT_SELECT_KIND("page.todo_kind") " JOIN (SELECT id, due_at, todo_kind FROM (");
	todo_arm(&b, q, pg, "complaints_handler", "c.handler_id = ?");
	qb_arg(&b, DB_INT(q->user_id));
	if (q->can_handle) {
		qb_add(&b, " UNION ");
		todo_arm(&b, q, pg, "complaints_open_org",
			 "c.handling_org_id = ? AND c.handler_id IS NULL AND c.status IN " STATUS_QUEUE_SQL);
		qb_arg(&b, DB_INT(q->org_id));
		scope_test(&b, sf, path, end);
	}
	if (q->can_review || q->can_callback || q->can_approve_delete) {
		static const char *const index[] = {[SCOPE_SELF] = "complaints_registrar", [SCOPE_ORG] = "complaints_open_org",
						    [SCOPE_SUBTREE] = "complaints_open_path", [SCOPE_ALL] = "complaints_open_due"};
		qb_add(&b, " UNION ");
		todo_arm(&b, q, pg, index[sf->kind >= SCOPE_SELF && sf->kind <= SCOPE_ALL ? sf->kind : SCOPE_SELF], "1 = 1");
		scope_test(&b, sf, path, end);
	}
	qb_add(&b, ") k WHERE todo_kind IS NOT NULL ORDER BY due_at IS NULL, due_at, id LIMIT ?) page"
		   " ON page.id = c.id ORDER BY c.due_at IS NULL, c.due_at, c.id");
	qb_arg(&b, DB_INT(q->limit));
	int rc = qb_check(&b);
	if (rc == DB_OK)
		rc = db_query_json(d, items, b.sql, b.args);
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
