/* Complaint lists: the list page with its bounded count (store_complaint_list), the ledger's
 * keyset walk (store_complaint_keyset) and the count of the caller's own complaints outside
 * their scope. The WHERE clause is built from the filters given where an index may serve them;
 * every value is bound. The single-row queries are store/complaints.c. */
#include "store/complaint_sql.h"
#include "store/query_builder.h"
#include "store/scope_sql.h"
#include "store/store.h"
#include "store/plan_count_cache.h"
#include "store/text_match_cache.h"
#include "util/dates.h"
#include "util/log.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define COUNT_CAP_TEXT "10001"      /* COMPLAINT_COUNT_CAP + 1 */
#define TEXT_COUNT_CAP_TEXT "10001" /* COMPLAINT_TEXT_COUNT_CAP + 1 */

/* The list query is built from the filters given where an index may serve them (scope, status,
 * dates, subtree, text, number, deadline state, people, identity, open), so each of those
 * combinations gets a plan that uses its indexes. Filters no index serves (channel, codes,
 * region, tag, right, the counting rule) come as one block, each with its value or NULL
 * ("(CAST(? AS TEXT) IS NULL OR ...)"), present when any of them is set: they are tested row by
 * row either way, and 8 optional filters make 2 shapes instead of 256 (the connection's
 * statement cache is bounded). Values are always
 * bound. A value too long for its buffer is an error, never a truncated filter. */

bool complaint_sql_prefix_end(const char *prefix, char *out, size_t n)
{
	size_t len = strlen(prefix);
	if (len >= n)
		return false;
	memcpy(out, prefix, len + 1);
	if (len)
		out[len - 1]++;
	return true;
}

bool complaint_sql_subtree_range(const struct scope_filter *sf, char *path, char *end, size_t n)
{
	size_t len = strlen(sf->path_like); /* "<path>%" */
	if (len == 0 || len > n)
		return false;
	memcpy(path, sf->path_like, len - 1);
	path[len - 1] = '\0';
	return complaint_sql_prefix_end(path, end, n);
}

static void where_prefix(struct qb *q, const char *col, const char *prefix, char *end, size_t endlen)
{
	if (!complaint_sql_prefix_end(prefix, end, endlen)) {
		q->overflow = true;
		return;
	}
	char cond[128];
	snprintf(cond, sizeof cond, " AND %s >= ? AND %s < ?", col, col);
	qb_add(q, cond);
	qb_arg(q, DB_TEXT(prefix));
	qb_arg(q, DB_TEXT(end));
}

/* A blind index's value in the other family, or the value itself when there is none. */
static const char *alt(const char *v, const char *other)
{
	return other ? other : v ? v : "";
}

/* Adds cond (one "?") with v, unless v is DB_END (the filter is not set). */
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
	if (prefix && !complaint_sql_prefix_end(prefix, end, endlen)) {
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

/* unindex_column for each of cols (n) in q's text from byte at on; q->len follows. */
static void unindex_columns(struct qb *q, size_t at, const char *const *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		unindex_column(q->sql + at, sizeof q->sql - at, cols[i]);
	q->len = strlen(q->sql);
}

/* When the scope drives, the filters with indexes of their own only test its rows: the status
 * (unless open work is asked, whose partial indexes the status set selects), the dates and the
 * complained institution. (A deadline state stays: its index holds only open work.) */
static void unindex_scope_tested(struct qb *q, size_t at, const struct complaint_filter *f)
{
	static const char *const cols[] = {"c.received_at ", "c.complained_org_id ", "c.status "};
	unindex_columns(q, at, cols, f->open ? 2 : 3);
}

/* A scope too large to drive (SQLite) is only tested when counting: '+' before its columns in
 * its clause " WHERE (...)" at byte at of q (and nowhere else), so that the filters' own
 * indexes find the rows. (The call centre's registrar, 780,000 own complaints at 1M: unioning
 * the scope's indexes read them all for each count, 20 s under load.) */
static void unindex_scope_clause(struct qb *q, size_t at)
{
	const char *w = q->sql + at;
	if (strncmp(w, " WHERE (", 8) != 0)
		return;
	size_t i = 7;
	for (int depth = 0; w[i]; i++) {
		if (w[i] == '(')
			depth++;
		else if (w[i] == ')' && --depth == 0)
			break;
	}
	if (!w[i])
		return;
	char tail[sizeof q->sql];
	size_t end = at + i + 1;
	snprintf(tail, sizeof tail, "%s", q->sql + end);
	q->sql[end] = '\0';
	static const char *const cols[] = {"c.org_path ", "c.registrar_id ", "c.handler_id "};
	unindex_columns(q, at, cols, 3);
	qb_add(q, tail);
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
 * two characters or more, a number, a deadline state, a person, an identity, open work or a
 * complained institution. Without one (a tag, a right, a code, a channel or a
 * shorter text alone at the head office, whose subtree is the whole bank) counting would read
 * the whole table. */
static bool scope_whole_bank(const struct scope_filter *sf)
{
	/* A subtree at the root ("/1/": one step) is the whole bank too. */
	const char *p = sf->path_like;
	return sf->kind == SCOPE_ALL ||
	       (sf->kind == SCOPE_SUBTREE && p[0] == '/' && strchr(p + 1, '/') && !strchr(strchr(p + 1, '/') + 1, '/'));
}

static bool index_driven(const struct scope_filter *sf, const struct complaint_filter *f)
{
	return !scope_whole_bank(sf) || f->status || f->from || f->to || f->org_path || (f->q && utf8_chars(f->q) >= 2) ||
	       f->complaint_no || f->deadline_state || f->handler_id || f->registrar_id || f->id_no_bidx || f->phone_bidx ||
	       f->open || f->complained_org_path;
}

/* Buffers the WHERE clause's bound text points into. */
struct where_bufs {
	/* Room for the api's longest filter value (50 characters, 200 bytes) escaped. */
	char ends[6][600], text[600], like[600], tag_like[420], cause_end[208], region_end[208], corg_end[600],
		right_like[420];
	bool bigram; /* the text's index is complaints_bigram (two characters), else complaints_fts */
};

/* The full-text statements, for either index (t: its name): m(t) of the index b->bigram says. */
#define ON_TEXT_INDEX(bigram, m) ((bigram) ? m("complaints_bigram") : m("complaints_fts"))
#define TEXT_INDEX_IN(t) "c.id IN (SELECT rowid FROM " t " WHERE " t " MATCH ?) OR "
#define TEXT_INDEX_IDS(t) "SELECT rowid FROM " t " WHERE " t " MATCH ? ORDER BY rowid"
#define TEXT_INDEX_IDS_AFTER(t) "SELECT rowid FROM " t " WHERE " t " MATCH ? AND rowid > ? ORDER BY rowid"
#define TEXT_INDEX_EXAMINED(t) \
	"SELECT COUNT(*) FROM (SELECT 1 FROM " t " WHERE " t " MATCH ? AND rowid BETWEEN ? AND ? LIMIT " TEXT_COUNT_CAP_TEXT ") n"
#define TEXT_INDEX_NEWEST(t)                                                                                 \
	"SELECT COUNT(*) FROM (SELECT f.rowid AS id FROM " t " f WHERE " t " MATCH ? AND f.rowid BETWEEN ? AND ?" \
	" ORDER BY f.rowid DESC LIMIT " TEXT_COUNT_CAP_TEXT ") m CROSS JOIN complaints c ON c.id = m.id WHERE"
/* The index's matches within id bounds (received_id_bounds). */
#define INDEXED_MATCHES(t) " FROM " t " f JOIN complaints c ON c.id = f.rowid WHERE " t " MATCH ? AND f.rowid BETWEEN ? AND ? AND"

/* " WHERE <the data scope>": the scope's rows and the caller's own registrations / handling.
 * With status (a small scope driving, SQLite), the institution branch also tests it, written
 * "c.status=?" so that unindex_scope_tested leaves it to complaints_status_org's seek. */
static void where_scope(struct qb *wq, const struct scope_filter *sf, const char *status, struct where_bufs *b)
{
	char (*ends)[600] = b->ends, *path = b->ends[5];
	switch (sf->kind) {
	case SCOPE_ALL:
		qb_add(wq, " WHERE 1 = 1");
		return;
	case SCOPE_SUBTREE:
		/* path_like is "<path>%"; the subtree is the range [path, path with '/' -> '0'). */
		snprintf(path, sizeof b->ends[5], "%.*s", (int)strlen(sf->path_like) - 1, sf->path_like);
		if (!complaint_sql_prefix_end(path, ends[0], sizeof b->ends[0]))
			wq->overflow = true;
		qb_add(wq, status ? " WHERE ((c.status=? AND c.org_path >= ? AND c.org_path < ?) OR c.registrar_id = ? OR c.handler_id = ?)"
				  : " WHERE ((c.org_path >= ? AND c.org_path < ?) OR c.registrar_id = ? OR c.handler_id = ?)");
		if (status)
			qb_arg(wq, DB_TEXT(status));
		qb_arg(wq, DB_TEXT(path));
		qb_arg(wq, DB_TEXT(ends[0]));
		break;
	case SCOPE_ORG:
		/* The institution's own complaints through org_path (its path when it handles them),
		 * which the org_path indexes serve; handling_org_id, which no index leads, only tests. */
		snprintf(path, sizeof b->ends[5], "%.*s", (int)strlen(sf->path_like) - 1, sf->path_like);
		qb_add(wq, status ? " WHERE ((c.status=? AND c.org_path = ? AND c.handling_org_id = ?) OR c.registrar_id = ? OR c.handler_id = ?)"
				  : " WHERE ((c.org_path = ? AND c.handling_org_id = ?) OR c.registrar_id = ? OR c.handler_id = ?)");
		if (status)
			qb_arg(wq, DB_TEXT(status));
		qb_arg(wq, DB_TEXT(path));
		qb_arg(wq, DB_INT(sf->org_id));
		break;
	default:
		qb_add(wq, " WHERE (c.registrar_id = ? OR c.handler_id = ?)");
	}
	qb_arg(wq, DB_INT(sf->user_id));
	qb_arg(wq, DB_INT(sf->user_id));
}

/* The FTS5 phrase of q ("..." with quotes doubled) into b->text. */
static void fts_phrase(struct qb *wq, const char *q, struct where_bufs *b)
{
	char *text = b->text;
	size_t o = 0;
	text[o++] = '"';
	for (const char *p = q; *p; p++) {
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
}

/* PostgreSQL's text tests, as a list writes them: three characters or more by pg_trgm (one
 * argument, the LIKE pattern); two where they are one piece of the bigram index (migration
 * pg/0031; the text twice). */
#define PG_TEXT_TRIGRAM "(c.content || ' ' || c.demand) ILIKE ? ESCAPE '\\'"
#define PG_TEXT_BIGRAM                                                           \
	"(strpos(lower(c.content || ' ' || c.demand), lower(CAST(? AS TEXT))) > 0" \
	" AND fcms_bigrams(lower(c.content || ' ' || c.demand)) @> ARRAY[lower(CAST(? AS TEXT))])"

/* Whether a complaint has the number f->q or its complainant the name (blind index): *n 1 or 0.
 * Then the text query means that one, not the text. 0 or negative. */
static int exact_hits(struct db *d, const struct complaint_filter *f, int64_t *n)
{
	return DB_SCALAR(d, n, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE complaint_no = ?"
			       " OR name_bidx IN (?, ?) LIMIT 1) e",
			 DB_TEXT(f->q), DB_TEXT(f->name_bidx ? f->name_bidx : ""), DB_TEXT(alt(f->name_bidx, f->name_bidx_alt)));
}

/* The text query q: a number, an exact complainant name (blind index) or text: on SQLite the
 * FTS5 trigram index for three characters or more and the bigram one (fts_bigram.c) for two,
 * on PostgreSQL pg_trgm for three or more and the fcms_bigrams index for two; a substring scan
 * for one. On SQLite a text query with no exact hit (and allow_fts) sets *fts: the full-text
 * index then drives. 0 or negative. */
static int where_text(struct db *d, const struct complaint_filter *f, bool allow_fts, struct qb *wq,
		      struct where_bufs *b, bool *fts)
{
	bool pg = db_backend(d) == DB_PG;
	size_t chars = utf8_chars(f->q);
	bool trigram = !pg && chars >= 2; /* an FTS5 index: the trigram one, or for two the bigram one */
	b->bigram = chars == 2;
	if (trigram) {
		fts_phrase(wq, f->q, b);
		int64_t exact = 1;
		int rc = !allow_fts ? 0 : exact_hits(d, f, &exact);
		if (rc < 0)
			return rc;
		*fts = exact == 0;
	}
	if (!like_escaped(b->like, sizeof b->like, "%", f->q, "%"))
		wq->overflow = true;
	if (*fts)
		return 0;
	qb_add(wq, " AND (c.complaint_no = ? OR c.name_bidx IN (?, ?) OR ");
	qb_arg(wq, DB_TEXT(f->q));
	qb_arg(wq, DB_TEXT(f->name_bidx ? f->name_bidx : ""));
	qb_arg(wq, DB_TEXT(alt(f->name_bidx, f->name_bidx_alt)));
	if (trigram) {
		/* Complaints not yet indexed (migration 0010) are matched by scanning. */
		qb_add(wq, ON_TEXT_INDEX(b->bigram, TEXT_INDEX_IN));
		qb_add(wq, "(c.id IN (SELECT complaint_id FROM complaint_text_queue) AND " TEXT_LIKE "))");
		qb_arg(wq, DB_TEXT(b->text));
	} else if (pg && chars == 2) {
		/* Found in the text, and its two characters one piece of the bigram index (migration
		 * pg/0031), which gives the matches when no other index narrows them. Not by ILIKE:
		 * the planner then also read the whole trigram index, which has no piece of a
		 * two-character pattern (1.2 s at 1M). The text first: where the scope's rows are
		 * tested, the pieces are computed for its matches only (a city branch's page took
		 * 250 ms computing them for every row). */
		qb_add(wq, PG_TEXT_BIGRAM ")");
		qb_arg(wq, DB_TEXT(f->q));
		qb_arg(wq, DB_TEXT(f->q));
		return 0;
	} else {
		qb_add(wq, pg ? PG_TEXT_TRIGRAM ")" : TEXT_LIKE ")");
	}
	qb_arg(wq, DB_TEXT(b->like));
	if (!pg)
		qb_arg(wq, DB_TEXT(b->like));
	return 0;
}

/* No index serves these: when any is set, all are in the text, each with its value or NULL
 * (one shape). When none is, none is: an index can then still answer the count alone. */
static void where_unindexed(struct qb *wq, const struct complaint_filter *f, struct where_bufs *b)
{
	if (!(f->source_channel || f->business_channel_code || f->business_type_code || f->cause_code ||
	      f->region_code || f->tag || f->right || f->counted))
		return;
	where_opt_equal(wq, "c.source_channel", f->source_channel);
	where_opt_prefix(wq, "c.business_channel_code", f->business_channel_code, b->ends[3], sizeof b->ends[3]);
	where_opt_prefix(wq, "c.business_type_code", f->business_type_code, b->ends[4], sizeof b->ends[4]);
	where_opt_prefix(wq, "c.cause_code", f->cause_code, b->cause_end, sizeof b->cause_end);
	where_opt_prefix(wq, "c.region_code", f->region_code, b->region_end, sizeof b->region_end);
	where_opt_item(wq, "c.tags", f->tag, b->tag_like, sizeof b->tag_like);
	where_opt_item(wq, "c.rights", f->right, b->right_like, sizeof b->right_like);
	qb_add(wq, " AND (? = 0 OR (c.status NOT IN ('draft', 'deleted') AND c.merged_into IS NULL))");
	qb_arg(wq, DB_INT(f->counted));
}

/* A blind index pair " AND col IN (?, ?)" when v is set. */
static void where_bidx(struct qb *wq, const char *cond, const char *v, const char *v_alt)
{
	if (!v)
		return;
	qb_add(wq, cond);
	qb_arg(wq, DB_TEXT(v));
	qb_arg(wq, DB_TEXT(alt(v, v_alt)));
}

/* The WHERE clause (" WHERE ...") of the list and the ledger for sf and f into *wq, values bound
 * from *b. With allow_fts, a text query on SQLite with no exact hit sets *fts: the caller then
 * drives the query from complaints_fts or complaints_bigram (b->bigram; MATCH argument
 * b->text). With branch_status the scope's institution branch also tests the status
 * (where_scope). 0 or a negative status. */
static int complaint_where(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			   bool allow_fts, bool branch_status, struct qb *wq, struct where_bufs *b, bool *fts_out)
{
	bool fts = false;
	where_scope(wq, sf, branch_status ? f->status : NULL, b);
	if (f->status) {
		qb_add(wq, " AND c.status = ?");
		qb_arg(wq, DB_TEXT(f->status));
	} else {
		qb_add(wq, " AND c.status <> 'deleted'");
	}
	where_equal(wq, " AND c.received_at >= ?", f->from ? DB_INT(f->from) : DB_END);
	where_equal(wq, " AND c.received_at < ?", f->to ? DB_INT(f->to) : DB_END);
	if (f->org_path)
		where_prefix(wq, "c.org_path", f->org_path, b->ends[1], sizeof b->ends[1]);
	int rc = f->q && *f->q ? where_text(d, f, allow_fts, wq, b, &fts) : 0;
	if (rc < 0)
		return rc;
	if (f->complaint_no)
		where_prefix(wq, "c.complaint_no", f->complaint_no, b->ends[2], sizeof b->ends[2]);
	if (f->open)
		qb_add(wq, " AND" UNFINISHED " AND c.status IN " STATUS_OPEN_SQL);
	if (f->complained_org_path) {
		if (!complaint_sql_prefix_end(f->complained_org_path, b->corg_end, sizeof b->corg_end))
			wq->overflow = true;
		qb_add(wq, " AND c.complained_org_id IN (SELECT id FROM institutions WHERE path >= ? AND path < ?)");
		qb_arg(wq, DB_TEXT(f->complained_org_path));
		qb_arg(wq, DB_TEXT(b->corg_end));
	}
	where_unindexed(wq, f, b);
	where_equal(wq, " AND c.deadline_state = ?", f->deadline_state ? DB_TEXT(f->deadline_state) : DB_END);
	where_equal(wq, " AND c.handler_id = ?", f->handler_id ? DB_INT(f->handler_id) : DB_END);
	where_equal(wq, " AND c.registrar_id = ?", f->registrar_id ? DB_INT(f->registrar_id) : DB_END);
	where_bidx(wq, " AND c.id_no_bidx IN (?, ?)", f->id_no_bidx, f->id_no_bidx_alt);
	where_bidx(wq, " AND c.phone_bidx IN (?, ?)", f->phone_bidx, f->phone_bidx_alt);
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
	int64_t first_day = f->from > 0 ? f->from / MS_PER_DAY : 0, last_day = f->to ? (f->to - 1) / MS_PER_DAY : INT64_MAX;
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

/* The caller's own complaints outside a subtree [path, end) (above: ">=") or outside one
 * institution's path (path = end, above: ">"): `what` of each by two seeks on each side in the
 * handler's and the registrar's (…, org_path) indexes (migration sqlite/0019, pg/0017), joined
 * by `with` (UNION deduplicates; UNION ALL counts one held and registered by the caller twice). */
#define OWN_OUTSIDE(what, with, above)                                                              \
	"SELECT " what " FROM complaints WHERE handler_id = ? AND org_path < ? " with " SELECT " what \
	" FROM complaints WHERE handler_id = ? AND org_path " above " ? " with " SELECT " what         \
	" FROM complaints WHERE registrar_id = ? AND org_path < ? " with " SELECT " what              \
	" FROM complaints WHERE registrar_id = ? AND org_path " above " ?"
/* At most how many there are, on the indexes alone, stopping past the cap. */
#define OWN_OUTSIDE_BOUND(above) \
	"SELECT COUNT(*) FROM (" OWN_OUTSIDE("1", "UNION ALL", above) " LIMIT " COUNT_CAP_TEXT ") n"
/* Their count under the filters (w), the ids first: CROSS JOIN makes SQLite walk the few own
 * ids and test the filters on them; no filter index (status, dates) may drive. (PostgreSQL
 * knows no CROSS JOIN ... ON and plans it alone.) */
#define OWN_OUTSIDE_MATCHING(what, above, join) \
	"SELECT " what " FROM (" OWN_OUTSIDE("id", "UNION", above) ") o " join " complaints c ON c.id = o.id WHERE"
#define OWN_OUTSIDE_COUNT(above, join) OWN_OUTSIDE_MATCHING("COUNT(*)", above, join)
#define OWN_OUTSIDE_IDS(above, join) OWN_OUTSIDE_MATCHING("c.id", above, join)

/* The bounds OWN_OUTSIDE leaves out for sf: a subtree's range, or one institution's path as both
 * (path and end hold n bytes each). False for any other scope or a path too long. */
static bool own_outside_bounds(const struct scope_filter *sf, char *path, char *end, size_t n)
{
	if (sf->kind != SCOPE_ORG)
		return sf->kind == SCOPE_SUBTREE && complaint_sql_subtree_range(sf, path, end, n);
	size_t len = strlen(sf->path_like);
	if (len == 0 || len > n)
		return false;
	snprintf(path, n, "%.*s", (int)len - 1, sf->path_like);
	snprintf(end, n, "%s", path);
	return true;
}

/* OWN_OUTSIDE's arguments, in its order, appended to q. */
static void own_outside_args(struct qb *q, int64_t user_id, const char *path, const char *end)
{
	for (int i = 0; i < 4; i++) {
		qb_arg(q, DB_INT(user_id));
		qb_arg(q, DB_TEXT(i % 2 ? end : path));
	}
}

/* One list query's plan: the WHERE clause, whether the full-text index drives, and what the
 * counting found (the waiting matches, the id span of the date range, whether the total is a
 * lower bound). */
struct list_plan {
	struct qb w;
	struct where_bufs b;
	bool fts, beyond;
	bool scope_drives;  /* scope_is_small: the scope's indexes find the rows, filters only test */
	bool scope_big;     /* SQLite: the scope only tests rows a filter's index found: it holds
			     * more than SCOPE_DRIVES_MAX (however a test forces the path), or a
			     * number or an identity pinpoints the rows; counted only where a
			     * filter's index narrows */
	int64_t scope_rows; /* then: how many complaints the scope holds (at most: own ones inside count twice) */
	int64_t queued, lo, hi;
	bool due_floored;   /* SQLite, sort=due from a date: a walk in deadline order starts at due_floor */
	bool open_walk;     /* SQLite, open work by deadline: the page walks complaints_open_due */
	bool subtree_drives; /* SQLite, scope_big: the institution filter's subtree finds the rows */
	bool newest_registered; /* PostgreSQL, a full-text query: the page in SQLite's full-text order */
	int64_t due_floor;  /* the earliest deadline a complaint received in the range can have */
	/* scope_union's filters without the scope, and the scope's bounds (bound by reference) */
	struct qb fw;
	struct where_bufs fb;
	char path[600], end[600];
};

/* Issue 13: which access path serves a list page (SQLite; PostgreSQL's planner weighs its own
 * statistics). SQLite's planner, told "status = 'closed'" beside a scope written as
 * "(subtree OR own registrations OR own handling)", read every closed complaint of the bank
 * (2.4 s at 1M for a registrar whose institution holds 3,170); a page of 17 matches walked the
 * whole date index (1 s); sort=due sorted the whole scope (3–6 s). The choice is made here:
 * - a scope of at most SCOPE_DRIVES_MAX complaints (a sub-branch, a city branch at 1M, an
 *   institution's own, one person's) drives: its indexes are unioned (MULTI-INDEX OR; with a
 *   status, complaints_status_org seeks the institution branch), the status, date and
 *   complained-institution terms only test its rows (unindex_scope_tested), and the matches are
 *   sorted — unless the known total is dense enough that the walk below reads fewer rows;
 * - the matches are also found by the filters' indexes and sorted when an index other than the
 *   status narrows them, the known total is at most SORT_MATCHES_MAX and (without a status,
 *   narrowed by institutions only) a walk of the covering order index would pass more than
 *   WALK_ENTRIES_PER_MATCH entries per match, and for sort=due with
 *   a date range or a deadline state (deadlines follow receipt, and only open work has a
 *   deadline state: a walk in deadline order would pass every older complaint first) unless
 *   the range has a start and the walk, seeking the start's first possible deadline
 *   (due_floor_of), passes few entries per match; a scope too large for the first rule still
 *   drives such a sort when the status and date indexes hold four times more
 *   (big_scope_drives);
 * - otherwise the page walks the order's index — by status when one is given
 *   (complaints_status_received, complaints_status_due), else complaints_received or
 *   complaints_due — testing each row, and stops at the page's LIMIT. */
#define SCOPE_DRIVES_MAX 20000
/* PostgreSQL: the scope written as one condition is read by a BitmapOr, a table page per
 * complaint of the scope (a province's 100,000: 73,000 buffers), so scope_union's index entries
 * (about 50 per page) are cheaper than any plan the planner finds for far larger scopes. */
#define PG_SCOPE_DRIVES_MAX 150000
#define SORT_MATCHES_MAX COMPLAINT_COUNT_CAP /* the largest exact SQL count */
/* A walk of a covering index is taken over sorting the matches while it passes at most this
 * many entries per match the sort would read (an entry tested in the index costs a fraction of
 * a table row read and sorted; the margin covers matches denser in old complaints than new). */
#define WALK_ENTRIES_PER_MATCH 4.0

/* Test hook: FCMS_TEST_LIST_PATH=scope|sort|walk (read once, only when set) forces one access
 * path on SQLite wherever it can serve, so tests/api/complaints-access-paths.test.mjs can check
 * that every path gives the same pages and totals; =small-bounds keeps the server's choice with
 * the scope bounds SCOPE_DRIVES_MAX at 100 and BIG_SCOPE_DRIVES_MAX at 5,000, so that a test's
 * few thousand complaints make scopes large. Unset in production. */
enum list_path { PATH_CHOSEN, PATH_SCOPE, PATH_SORT, PATH_WALK };
static pthread_once_t forced_once = PTHREAD_ONCE_INIT;
static enum list_path forced;
static bool small_bounds;

static void forced_read(void)
{
	const char *v = getenv("FCMS_TEST_LIST_PATH");
	if (v && !strcmp(v, "small-bounds"))
		small_bounds = true;
	forced = !v ? PATH_CHOSEN
		 : !strcmp(v, "scope") ? PATH_SCOPE
		 : !strcmp(v, "sort") ? PATH_SORT
		 : !strcmp(v, "walk") ? PATH_WALK
				     : PATH_CHOSEN;
}

static enum list_path forced_path(void)
{
	pthread_once(&forced_once, forced_read);
	return forced;
}

bool store_list_path_forced(void)
{
	return forced_path() != PATH_CHOSEN;
}

/* A scope bound (SCOPE_DRIVES_MAX, BIG_SCOPE_DRIVES_MAX) as the server uses it (test hook above). */
static int64_t scope_bound(int64_t max)
{
	pthread_once(&forced_once, forced_read);
	return !small_bounds ? max : max == SCOPE_DRIVES_MAX ? 100 : 5000;
}

static int text_index_version(struct db *d, struct text_match_version *v);

/* A bounded count that only steers the access path ("SELECT COUNT(*) FROM (SELECT 1 FROM
 * complaints WHERE ... LIMIT ?) s" with args) into *n: kept PLAN_COUNT_TTL_MS for this database
 * (plan_count_cache.h; the key is the database's token, the statement and its arguments), else
 * counted and kept. 0 or negative. */
static int plan_count(struct db *d, const char *sql, const struct db_val *args, int64_t *n)
{
	struct text_match_version v = {0};
	char key[PLAN_COUNT_KEY_MAX];
	/* PostgreSQL has no token table: a server process serves one database (its --db). */
	int rc = db_backend(d) == DB_PG ? (snprintf(v.token, sizeof v.token, "pg"), 1) : text_index_version(d, &v);
	if (rc < 0)
		return rc;
	int len = snprintf(key, sizeof key, "%s\x1f%s", v.token, sql);
	for (const struct db_val *a = args; a->type != DBV_END && len >= 0 && (size_t)len < sizeof key; a++)
		len += a->type == DBV_TEXT ? snprintf(key + len, sizeof key - (size_t)len, "\x1ft%s", a->s)
		       : a->type == DBV_INT ? snprintf(key + len, sizeof key - (size_t)len, "\x1fi%lld", (long long)a->i)
					    : snprintf(key + len, sizeof key - (size_t)len, "\x1fn");
	bool keyed = rc == 1 && v.token[0] && len >= 0 && (size_t)len < sizeof key;
	int64_t now = (int64_t)(mono_ns() / 1000000u);
	if (keyed && plan_count_cache_get(key, now, n))
		return 0;
	if ((rc = db_scalar_int(d, n, sql, args)) < 0)
		return rc;
	if (keyed)
		plan_count_cache_put(key, now, *n);
	return 0;
}

/* PostgreSQL: the rows the planner expects sql (a SELECT, with args) to return, into *n, from
 * its statistics alone (EXPLAIN plans, never runs it). 0 or negative. */
static int plan_rows_estimate(struct db *d, const char *sql, const struct db_val *args, int64_t *n)
{
	char explain[512];
	if (snprintf(explain, sizeof explain, "EXPLAIN (FORMAT JSON) %s", sql) >= (int)sizeof explain)
		return DB_HARD;
	struct db_res *r;
	int rc = db_query(d, &r, explain, args);
	if (rc < 0)
		return rc;
	*n = 0;
	if ((rc = db_next(r)) == 1) {
		json_t *plan = json_loads(db_text(r, 0) ? db_text(r, 0) : "", 0, NULL);
		json_t *rows = json_object_get(json_object_get(json_array_get(plan, 0), "Plan"), "Plan Rows");
		rc = json_is_number(rows) ? 0 : DB_HARD;
		if (rc == 0)
			*n = (int64_t)json_number_value(rows);
		json_decref(plan);
	}
	db_done(r);
	return rc < 0 ? rc : 0;
}

/* How many complaints sf's scope holds, counting up to max + 1 (its institutions' through the
 * org_path index, the caller's own registrations and cases through theirs; own ones inside the
 * institutions count twice, so it is an upper bound; on PostgreSQL the institutions' part is the
 * planner's estimate). Not the whole bank. 0, 1 when
 * the subtree's range cannot be written (not counted), or negative. */
static int scope_rows_upto(struct db *d, const struct scope_filter *sf, int64_t max, int64_t *rows)
{
	char path[600], end[600];
	int64_t n = 0;
	int rc = 0;
	*rows = 0;
	/* PostgreSQL: the planner's estimate of the institutions' rows (its histogram of org_path;
	 * counting a province's 100,000 entries took 50-76 ms and was asked for 370 times a minute
	 * in the working day at 1M). At 1M: a province 96,800 for 103,600, a city branch 11,800
	 * for 18,500; a sub-branch 127 for 2,600, small enough to be read whole either way. */
	bool pg = db_backend(d) == DB_PG;
	if (sf->kind == SCOPE_SUBTREE) {
		if (!complaint_sql_subtree_range(sf, path, end, sizeof path))
			return 1;
		rc = pg ? plan_rows_estimate(d, "SELECT 1 FROM complaints WHERE org_path >= ? AND org_path < ?",
					     (const struct db_val[]){DB_TEXT(path), DB_TEXT(end), DB_END}, &n)
			: plan_count(d, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE org_path >= ? AND org_path < ? LIMIT ?) s",
				     (const struct db_val[]){DB_TEXT(path), DB_TEXT(end), DB_INT(max + 1), DB_END}, &n);
	} else if (sf->kind == SCOPE_ORG) {
		snprintf(path, sizeof path, "%.*s", (int)strlen(sf->path_like) - 1, sf->path_like);
		rc = pg ? plan_rows_estimate(d, "SELECT 1 FROM complaints WHERE org_path = ?",
					     (const struct db_val[]){DB_TEXT(path), DB_END}, &n)
			: plan_count(d, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE org_path = ? LIMIT ?) s",
				     (const struct db_val[]){DB_TEXT(path), DB_INT(max + 1), DB_END}, &n);
	} /* else the caller's own complaints only */
	static const char *const own_sql[] = {
		"SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE registrar_id = ? LIMIT ?) s",
		"SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE handler_id = ? LIMIT ?) s",
	};
	for (int i = 0; i < 2 && rc >= 0 && n <= max; i++) {
		int64_t own = 0;
		rc = plan_count(d, own_sql[i], (const struct db_val[]){DB_INT(sf->user_id), DB_INT(max + 1), DB_END}, &own);
		n += own;
	}
	*rows = n;
	return rc < 0 ? rc : 0;
}

/* Whether sf's scope holds at most SCOPE_DRIVES_MAX complaints: its institutions' (org_path
 * index) and the caller's own registrations and cases (registrar and handler indexes), each
 * count stopping at the bound (a few ms). The own ones count: the head office's call-centre
 * registrar registers most of the bank's complaints (780,000 of 1M in the demo), and sorting
 * them for a page took 9–14 s. Always false for the whole bank. On PostgreSQL only a subtree
 * or one institution's own (the scopes scope_union reads) may drive, up to PG_SCOPE_DRIVES_MAX,
 * without a text query, and *big stays false (its paths are SQLite's). 0 or negative. */
static int scope_is_small(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f, bool *small,
			  bool *big, int64_t *rows)
{
	*small = *big = false;
	*rows = 0;
	bool pg = db_backend(d) == DB_PG;
	/* PostgreSQL: a text query is found through its bigram index, never by reading the
	 * scope's rows for their text. */
	if (scope_whole_bank(sf) ||
	    (pg && ((sf->kind != SCOPE_SUBTREE && sf->kind != SCOPE_ORG) || (f->q && *f->q))))
		return 0;
	int64_t n = 0;
	int64_t max = scope_bound(SCOPE_DRIVES_MAX);
	if (pg && max == SCOPE_DRIVES_MAX)
		max = PG_SCOPE_DRIVES_MAX;
	int rc = scope_rows_upto(d, sf, max, &n);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	*big = !pg && n > max;
	*small = forced_path() == PATH_SCOPE || (forced_path() == PATH_CHOSEN && n <= max);
	*rows = n;
	return 0;
}

/* Whether some index other than the status's and the dates' (both also served by a walk in
 * received order) can find f's matches. */
static bool narrowed_by_index(const struct complaint_filter *f)
{
	return f->org_path || f->complained_org_path || f->complaint_no || f->deadline_state ||
	       f->open || f->handler_id || f->registrar_id || f->id_no_bidx || f->phone_bidx;
}

/* Whether only institution subtrees (the handling one, the complained one) narrow f: their
 * complaints arrive all year round, so a walk finds a page's matches about as densely as the
 * total says. Open work, a person's cases, a deadline state, a number or an identity cluster in
 * time (the head office handler's 3,400 open cases lay far behind the newest complaints: a walk
 * read 27 ms of entries where the sort took 3 ms). */
static bool narrowed_only_by_institutions(const struct complaint_filter *f)
{
	return !(f->open || f->handler_id || f->registrar_id || f->deadline_state || f->complaint_no || f->id_no_bidx ||
		 f->phone_bidx);
}

/* SQLite, sort=due from a date on: the earliest deadline a complaint received from f->from can
 * have (migration sqlite/0035 keeps the smallest gap between receipt and deadline) into
 * pl->due_floor, and pl->due_floored. 0 or negative. */
static int due_floor_of(struct db *d, const struct complaint_filter *f, struct list_plan *pl)
{
	pl->due_floored = false;
	if (db_backend(d) == DB_PG || pl->fts || !f->sort_by_due || f->from <= 0)
		return 0;
	int64_t gap = 0;
	int rc = db_scalar_int(d, &gap, "SELECT min_gap FROM complaint_due_floor WHERE id = 1",
			       (const struct db_val[]){DB_END});
	if (rc < 0)
		return rc;
	pl->due_floored = rc == 1 && !__builtin_add_overflow(f->from, gap, &pl->due_floor);
	return 0;
}

/* SQLite, open work by deadline (open=true&sort=due) with no other filter an index narrows:
 * whether the page walks the open work's own deadline index (complaints_open_due, partial,
 * carrying every scope column) and stops at the page's end. Open work is a few per cent of the
 * complaints and the newest, so the walk of complaints_due passed every closed complaint first
 * (a city branch handler's 25,000 open cases: 4.3 million steps, 71 ms of CPU), and the sort read
 * every open complaint of the bank from the table through complaints_status_due for a scope too
 * large to drive (a province registrar: 140 ms). The walk passes about (offset + limit) × open
 * work / total entries, at worst the open work once from index entries. A scope that drives
 * keeps its sort of its own matches: they may cluster in time (a branch's new complaints all come
 * last by deadline) and then the walk passes the bank's open work for them (a sub-branch
 * handler's phone complaints, page 3: 50 ms walked, 6 ms sorted). */
static bool open_walk_fits(struct db *d, const struct complaint_filter *f, const struct list_plan *pl)
{
	if (db_backend(d) == DB_PG || pl->fts || !f->open || !f->sort_by_due)
		return false;
	if (forced_path() != PATH_CHOSEN)
		return forced_path() == PATH_WALK;
	bool narrowed = f->from || f->to || f->org_path || f->complained_org_path || f->complaint_no ||
			f->deadline_state || f->handler_id || f->registrar_id || f->id_no_bidx || f->phone_bidx;
	return !narrowed && !pl->scope_drives;
}

/* SQLite, a scope too large to drive: whether the institution filter's subtree, when it holds at
 * most SCOPE_DRIVES_MAX complaints, finds the rows for the count and the sorted page, the dates
 * and the status only testing them (pl->subtree_drives). SQLite's planner, with sampled
 * statistics, took the date range's index instead: the call centre's registrar asking for a
 * sub-branch's complaints of one cause over six months read the half million complaints of the
 * range (3 million steps, 70 ms of CPU) for 21 matches among the sub-branch's 3,800. 0 or
 * negative. */
static int subtree_drives_of(struct db *d, const struct complaint_filter *f, struct list_plan *pl)
{
	pl->subtree_drives = false;
	if (db_backend(d) == DB_PG || forced_path() != PATH_CHOSEN || !pl->scope_big || pl->fts || !f->org_path ||
	    !(f->from || f->to || f->status))
		return 0;
	char end[600];
	if (!complaint_sql_prefix_end(f->org_path, end, sizeof end))
		return 0;
	int64_t max = scope_bound(SCOPE_DRIVES_MAX), rows = 0;
	int rc = plan_count(d, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE org_path >= ? AND org_path < ? LIMIT ?) s",
			    (const struct db_val[]){DB_TEXT(f->org_path), DB_TEXT(end), DB_INT(max + 1), DB_END}, &rows);
	if (rc < 0)
		return rc;
	pl->subtree_drives = rows <= max;
	return 0;
}

/* With pl->subtree_drives, the dates and the status of q's text from byte at on only test. */
static void unindex_subtree_tested(struct qb *q, size_t at, const struct list_plan *pl)
{
	static const char *const cols[] = {"c.received_at ", "c.status "};
	if (pl->subtree_drives)
		unindex_columns(q, at, cols, 2);
}

/* Whether the page is chosen among the matches found by the indexes and sorted (true), or by
 * walking the order's index (false), given the total when known; see SCOPE_DRIVES_MAX. With a
 * small scope the walk is taken when it reads fewer rows than the scope holds: about
 * (offset + limit) × rows in the table / total. 0 or negative. */
static int page_sorts_matches(struct db *d, const struct complaint_filter *f, const struct list_plan *pl,
			      int64_t total, bool *sorts)
{
	*sorts = false;
	/* PostgreSQL's planner weighs the other choices itself; a driving scope's is made here. */
	if (pl->fts || (db_backend(d) == DB_PG && !pl->scope_drives))
		return 0;
	if (forced_path() != PATH_CHOSEN) {
		*sorts = forced_path() != PATH_WALK;
	} else if (f->sort_by_due && (f->from || f->to || f->deadline_state)) {
		/* From a date on, a walk in deadline order starts at the range's first possible
		 * deadline (due_floor_of) and passes about as many entries per match as a walk in
		 * received order: taken by the rule below. Without a start, or for a deadline state
		 * (open work only, the newest), the matches are sorted. */
		*sorts = true;
		if (pl->due_floored && !pl->scope_drives && !f->deadline_state && !pl->beyond && total > 0) {
			int64_t lo = 1, hi = 0;
			int rc = received_id_bounds(d, f, &lo, &hi);
			if (rc < 0)
				return rc;
			int64_t span = hi >= lo ? hi - lo + 1 : 0;
			*sorts = (double)(f->offset + f->limit) * (double)span / (double)total >
				 WALK_ENTRIES_PER_MATCH * (double)total;
		}
	} else if (pl->scope_drives && f->sort_by_due && f->open) {
		/* Open work is the newest, so in deadline order it comes last: a walk passed every
		 * closed complaint first (a sub-branch handler's own open cases: 135 ms walked, 5 ms
		 * sorted; the sub-branch's 11,500 open ones: 140-220 ms walked, 46-54 ms sorted). */
		*sorts = true;
	} else if (pl->scope_drives) {
		int64_t rows = 0;
		int rc = db_scalar_int(d, &rows, "SELECT COALESCE(MAX(id), 0) FROM complaints", (const struct db_val[]){DB_END});
		if (rc < 0)
			return rc;
		*sorts = pl->beyond || total <= 0 ||
			 (double)(f->offset + f->limit) * (double)rows / (double)total > (double)pl->scope_rows;
	} else {
		*sorts = !pl->beyond && total <= SORT_MATCHES_MAX && narrowed_by_index(f);
		if (*sorts && !f->status && total > 0 && narrowed_only_by_institutions(f)) {
			/* Without a status the walk reads complaints_received / complaints_due, whose
			 * entries carry every filter's column (migration sqlite/0032): it passes about
			 * (offset + limit) × span / total entries, where the sort reads all total rows
			 * (and more: the narrowing index's rows the other filters drop). Issue 13: an
			 * institution's cause over six months at the head office, 3,118 matches, took
			 * 70–150 ms sorted (the date range's 360,000 entries) and ~2 ms walked. */
			int64_t lo = 1, hi = 0, span = 0;
			int rc = f->from || f->to ? received_id_bounds(d, f, &lo, &hi)
						  : db_scalar_int(d, &hi, "SELECT COALESCE(MAX(id), 0) FROM complaints",
								  (const struct db_val[]){DB_END});
			if (rc < 0)
				return rc;
			span = hi >= lo ? hi - lo + 1 : 0;
			*sorts = (double)(f->offset + f->limit) * (double)span / (double)total >
				 WALK_ENTRIES_PER_MATCH * (double)total;
		}
	}
	return 0;
}

/* A scope too large to drive by SCOPE_DRIVES_MAX still drives a sorted page when the indexes
 * that would find the matches instead — a status's, the dates', spanning the whole bank — hold
 * many times more: a sub-branch handler with 11,000 cases of their own (25,000 complaints in
 * scope) asking for last year's closed complaints by deadline (857) read the bank's 468,000
 * through complaints_status_received (0.6-0.8 s); through the scope's indexes they are 25,000.
 * Counted with bounds: the scope up to BIG_SCOPE_DRIVES_MAX, the filter's index up to
 * SCOPE_VS_FILTER times that. Sets pl->scope_drives. 0 or negative. */
#define BIG_SCOPE_DRIVES_MAX 50000
#define SCOPE_VS_FILTER 4
static int big_scope_drives(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			    struct list_plan *pl)
{
	if (db_backend(d) == DB_PG || forced_path() != PATH_CHOSEN || !pl->scope_big || pl->scope_drives || pl->fts ||
	    narrowed_by_index(f) || !(f->status || f->from || f->to))
		return 0;
	int64_t scope = 0, filter = 0, max = scope_bound(BIG_SCOPE_DRIVES_MAX);
	int rc = scope_rows_upto(d, sf, max, &scope);
	if (rc != 0 || scope > max)
		return rc < 0 ? rc : 0;
	/* The status and dates terms of the filter alone (complaint_where writes them the same). */
	struct qb q;
	qb_reset(&q);
	qb_add(&q, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints c WHERE 1 = 1");
	if (f->status) {
		qb_add(&q, " AND c.status = ?");
		qb_arg(&q, DB_TEXT(f->status));
	}
	where_equal(&q, " AND c.received_at >= ?", f->from ? DB_INT(f->from) : DB_END);
	where_equal(&q, " AND c.received_at < ?", f->to ? DB_INT(f->to) : DB_END);
	qb_add(&q, " LIMIT ?) n");
	qb_arg(&q, DB_INT(SCOPE_VS_FILTER * scope + 1));
	if ((rc = qb_check(&q)) < 0 || (rc = plan_count(d, q.sql, q.args, &filter)) < 0)
		return rc;
	if (filter > SCOPE_VS_FILTER * scope) {
		pl->scope_drives = true;
		pl->scope_rows = scope;
	}
	return 0;
}

/* Counting with a text query on SQLite: the waiting matches (counted even when the caller has
 * the total: paging needs them), then the statement counting the index's bounded matches into q. */
static int fts_count_query(struct db *d, const struct complaint_filter *f, struct list_plan *pl, struct qb *q)
{
	const struct db_val text = DB_TEXT(pl->b.text), like = DB_TEXT(pl->b.like);
	int rc = received_id_bounds(d, f, &pl->lo, &pl->hi);
	if (rc < 0)
		return rc;
	qb_add(q, "SELECT COUNT(*)" QUEUED_MATCHES);
	qb_arg(q, like);
	qb_arg(q, like);
	qb_add_where(q, &pl->w, true);
	if ((rc = qb_check(q)) < 0 || (rc = db_scalar_int(d, &pl->queued, q->sql, q->args)) < 0)
		return rc;
	/* Bounded counting: only the newest COMPLAINT_TEXT_COUNT_CAP + 1 matches of the index are
	 * tested against the filters (a common word matches a quarter of a million complaints, and
	 * a branch holds a few % of them: counting them all read every match). With more matches
	 * than that, the count is a lower bound and *capped says so. */
	if (!f->skip_count) {
		int64_t examined = 0;
		rc = DB_SCALAR(d, &examined, ON_TEXT_INDEX(pl->b.bigram, TEXT_INDEX_EXAMINED), text, DB_INT(pl->lo),
			       DB_INT(pl->hi));
		if (rc < 0)
			return rc;
		pl->beyond = examined > COMPLAINT_TEXT_COUNT_CAP;
	}
	qb_reset(q);
	qb_add(q, ON_TEXT_INDEX(pl->b.bigram, TEXT_INDEX_NEWEST));
	qb_arg(q, text);
	qb_arg(q, DB_INT(pl->lo));
	qb_arg(q, DB_INT(pl->hi));
	qb_add_where(q, &pl->w, true);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Appends v to the growing array *ids (*n of *cap). False when out of memory. */
static bool ids_push(int64_t **ids, size_t *n, size_t *cap, int64_t v)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		int64_t *p = realloc(*ids, c * sizeof *p);
		if (!p)
			return false;
		*ids = p;
		*cap = c;
	}
	(*ids)[(*n)++] = v;
	return true;
}

/* Appends the ids sql returns to *ids, leaving out those among the first `sorted` (ascending).
 * 0, or negative (DB_HARD when out of memory). */
static int push_ids(struct db *d, const char *sql, const struct db_val *args, int64_t **ids, size_t *n,
		    size_t *cap, size_t sorted)
{
	struct db_res *r;
	int rc = db_query(d, &r, sql, args);
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) == 1) {
		int64_t id = db_int(r, 0);
		if (sorted && bsearch(&id, *ids, sorted, sizeof id, cmp_id))
			continue;
		if (!ids_push(ids, n, cap, id)) {
			rc = DB_HARD;
			break;
		}
	}
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}

/* Sorts ids[sorted..n) (a few: the complaints waiting for the index) into the ascending
 * ids[0..sorted), so that all of ids[0..n) ascend. 0 or DB_HARD (out of memory). */
static int merge_tail(int64_t *ids, size_t sorted, size_t n)
{
	size_t tail = n - sorted;
	int64_t *t = malloc(tail * sizeof *t);
	if (!t)
		return DB_HARD;
	memcpy(t, ids + sorted, tail * sizeof *t);
	qsort(t, tail, sizeof *t, cmp_id);
	size_t i = sorted, j = tail, k = n;
	while (j > 0)
		ids[--k] = i > 0 && ids[i - 1] > t[j - 1] ? ids[--i] : t[--j];
	free(t);
	return DB_OK;
}

/* The version of the full-text index the kept matches must have (migration sqlite/0039) into
 * *v: 1, 0 when the row is missing, or negative. */
static int text_index_version(struct db *d, struct text_match_version *v)
{
	struct db_res *r;
	int rc = db_query(d, &r, "SELECT token, edits FROM complaint_text_edits WHERE id = 1",
			  (const struct db_val[]){DB_END});
	if (rc < 0)
		return rc;
	if ((rc = db_next(r)) == 1) {
		snprintf(v->token, sizeof v->token, "%s", db_text(r, 0) ? db_text(r, 0) : "");
		v->edits = db_int(r, 1);
	}
	db_done(r);
	return rc;
}

/* PostgreSQL: the complaints changed in the change log after position `from` up to `to`, each
 * with whether its text matches (pred, args), in the kept ascending ids[0..*n): a match not kept
 * is added, a kept one that no longer matches removed. 1 when done; 0 when the log no longer
 * holds `from` (pruned, or another database) or says "all changed" (complaint 0): then all are
 * read again; or negative. */
static int pg_text_changes(struct db *d, const char *changed_sql, const struct db_val *args, int64_t from, int64_t to,
			   int64_t **ids, size_t *n, size_t *cap)
{
	int64_t held = 0;
	if (to < from)
		return 0;
	int rc = DB_SCALAR(d, &held, "SELECT COUNT(*) FROM complaint_changes WHERE seq = ?", DB_INT(from));
	if (rc < 0 || !held)
		return rc < 0 ? rc : 0;
	struct db_res *r;
	if ((rc = db_query(d, &r, changed_sql, args)) < 0)
		return rc;
	size_t sorted = *n, ngone = 0, gone_cap = 0;
	int64_t *gone = NULL; /* kept ids whose text no longer matches */
	bool all_changed = false;
	while ((rc = db_next(r)) == 1) {
		int64_t id = db_int(r, 0);
		bool match = db_int(r, 1) != 0, kept = bsearch(&id, *ids, sorted, sizeof id, cmp_id) != NULL;
		all_changed |= id == 0;
		if ((match && !kept && !ids_push(ids, n, cap, id)) ||
		    (!match && kept && !ids_push(&gone, &ngone, &gone_cap, id))) {
			rc = DB_HARD;
			break;
		}
	}
	db_done(r);
	if (rc >= 0 && ngone) { /* drop them, keeping the order */
		qsort(gone, ngone, sizeof *gone, cmp_id);
		size_t w = 0;
		for (size_t i = 0; i < *n; i++)
			if (i >= sorted || !bsearch(&(*ids)[i], gone, ngone, sizeof *gone, cmp_id))
				(*ids)[w++] = (*ids)[i];
		sorted -= ngone;
		*n = w;
	}
	free(gone);
	if (rc >= 0 && *n > sorted)
		rc = merge_tail(*ids, sorted, *n);
	return rc < 0 ? rc : all_changed ? 0 : 1;
}

/* The complaints whose text matches pred (PG_TEXT_*), ascending; those the change log names in
 * (?, ?], each with 1 when its text matches (0 when not, or gone). */
#define PG_TEXT_ALL(pred) "SELECT c.id FROM complaints c WHERE " pred " ORDER BY c.id"
#define PG_TEXT_CHANGED(pred)                                                                        \
	"SELECT ch.complaint_id, CASE WHEN " pred " THEN 1 ELSE 0 END FROM (SELECT DISTINCT complaint_id" \
	" FROM complaint_changes WHERE seq > ? AND seq <= ?) ch LEFT JOIN complaints c ON c.id = ch.complaint_id"

/* store_complaint_text_ids on PostgreSQL: no full-text table, so the ids are read by the list's
 * own text test (pg_trgm or the bigram index) and kept with the change log's position they were
 * read at (text_match_cache); a later search tests again only the complaints changed since,
 * whichever server changed them (the log is in commit order, pg/0007). A working day's search of
 * a common word in a branch's scope rechecked every candidate of the bank on its table row for
 * the page and again for the count (6,900 buffers, 270 ms a search at 1M). */
static int pg_text_ids(struct db *d, const struct complaint_filter *f, int64_t **ids, size_t *n, bool *found)
{
	int64_t exact = 0, head = 0;
	int rc = exact_hits(d, f, &exact);
	if (rc < 0 || exact)
		return rc < 0 ? rc : DB_OK; /* a number or a name: the list counts it */
	bool bigram = utf8_chars(f->q) == 2;
	char like[600];
	if (!bigram && !like_escaped(like, sizeof like, "%", f->q, "%"))
		return DB_OK; /* too long: the list refuses it */
	const struct db_val text = DB_TEXT(bigram ? f->q : like);
	char key[sizeof like + 8];
	snprintf(key, sizeof key, "pg %s", f->q);
	/* The log's position first: the ids read after it hold every change up to it. */
	if ((rc = store_changes_head(d, &head)) < 0)
		return rc;
	struct text_match_version v = {.token = "pg"};
	size_t cap = 0;
	rc = 0;
	if (text_match_cache_get_any(key, &v, ids, n, &cap)) {
		const struct db_val bigram_args[] = {text, text, DB_INT(v.edits), DB_INT(head), DB_END},
				    trigram_args[] = {text, DB_INT(v.edits), DB_INT(head), DB_END};
		rc = pg_text_changes(d, bigram ? PG_TEXT_CHANGED(PG_TEXT_BIGRAM) : PG_TEXT_CHANGED(PG_TEXT_TRIGRAM),
				     bigram ? bigram_args : trigram_args, v.edits, head, ids, n, &cap);
	}
	bool reread = rc == 0;
	if (reread) { /* not kept, or no longer to be brought up to date: all of them */
		free(*ids);
		*ids = NULL;
		*n = cap = 0;
		/* One such read at a time: after a restart the first searches of a day's common words
		 * held every read worker in reads of the whole table, each slower for the others;
		 * meanwhile a search is answered by the list's SQL, as before there was a cache. */
		if (!text_match_cache_claim_read())
			return DB_OK;
		const char *all = bigram ? PG_TEXT_ALL(PG_TEXT_BIGRAM) : PG_TEXT_ALL(PG_TEXT_TRIGRAM);
		const struct db_val args[] = {text, bigram ? text : DB_END, DB_END};
		/* A text more common than an entry keeps (a common word at 10M) would be read in
		 * full for every search: the list's SQL answers it instead. */
		int64_t expected = 0;
		rc = plan_rows_estimate(d, all, args, &expected);
		if (rc >= 0 && expected <= (int64_t)TEXT_MATCH_ENTRY_IDS_MAX)
			rc = push_ids(d, all, args, ids, n, &cap, 0);
		text_match_cache_end_read();
		if (rc >= 0 && expected > (int64_t)TEXT_MATCH_ENTRY_IDS_MAX)
			return DB_OK;
	}
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return rc;
	}
	if (reread || v.edits != head) { /* read, or brought up to date: kept at the new position */
		v.edits = head;
		text_match_cache_put(key, &v, *ids, *n);
	}
	*found = true;
	return DB_OK;
}

int store_complaint_text_ids(struct db *d, const struct complaint_filter *f, int64_t **ids, size_t *n, bool *found)
{
	*ids = NULL;
	*n = 0;
	*found = false;
	if (!f->q || utf8_chars(f->q) < 2)
		return DB_OK;
	if (db_backend(d) == DB_PG)
		return pg_text_ids(d, f, ids, n, found);
	struct list_plan pl = {.lo = 1, .hi = INT64_MAX};
	qb_reset(&pl.w);
	bool fts = false;
	int rc = where_text(d, f, true, &pl.w, &pl.b, &fts);
	if (rc < 0 || (rc = qb_check(&pl.w)) < 0 || !fts)
		return rc < 0 ? rc : DB_OK; /* an exact number or name: the list counts it */
	size_t cap = 0;
	/* The index's matches in rowid order: those kept from an earlier search of the same
	 * version of the index and the new ones above them, or all of them; then the waiting ones
	 * it does not hold yet. */
	struct text_match_version v;
	char key[sizeof pl.b.text + 32];
	snprintf(key, sizeof key, "%s %s", pl.b.bigram ? "complaints_bigram" : "complaints_fts", pl.b.text);
	bool versioned = (rc = text_index_version(d, &v)) == 1;
	size_t kept = 0;
	if (rc >= 0 && versioned && text_match_cache_get(key, &v, ids, &kept, &cap)) {
		*n = kept;
		rc = push_ids(d, ON_TEXT_INDEX(pl.b.bigram, TEXT_INDEX_IDS_AFTER),
			      (const struct db_val[]){DB_TEXT(pl.b.text), DB_INT(kept ? (*ids)[kept - 1] : 0), DB_END}, ids,
			      n, &cap, 0);
	} else if (rc >= 0) {
		kept = SIZE_MAX; /* nothing kept: all read */
		rc = push_ids(d, ON_TEXT_INDEX(pl.b.bigram, TEXT_INDEX_IDS),
			      (const struct db_val[]){DB_TEXT(pl.b.text), DB_END}, ids, n, &cap, 0);
	}
	size_t indexed = *n;
	if (rc >= 0 && versioned && indexed != kept)
		text_match_cache_put(key, &v, *ids, indexed);
	if (rc >= 0)
		rc = push_ids(d, "SELECT c.id" QUEUED_MATCHES " 1 = 1",
			      (const struct db_val[]){DB_TEXT(pl.b.like), DB_TEXT(pl.b.like), DB_END}, ids, n, &cap, *n);
	if (rc >= 0 && *n > indexed)
		rc = merge_tail(*ids, indexed, *n);
	if (rc < 0) { /* no partial list: a count from it would be wrong */
		free(*ids);
		*ids = NULL;
		*n = 0;
		return rc;
	}
	*found = true;
	return DB_OK;
}

/* Whether scope_union can read a driving scope (a subtree, or one institution's own). */
static bool scope_union_fits(const struct scope_filter *sf, const struct list_plan *pl)
{
	return pl->scope_drives && !pl->fts && (sf->kind == SCOPE_SUBTREE || sf->kind == SCOPE_ORG);
}

/* Appends "SELECT cols ... UNION ALL SELECT cols ..." to q: the driving scope's matches
 * of f read from index entries alone, then the caller's own complaints outside the scope (a
 * handful, OWN_OUTSIDE) tested on their rows. The scope written as one condition "(subtree OR
 * own registrations OR own handling)" was read by a MULTI-INDEX OR, which looks up every row of
 * the scope in the table, sorting key and filters included: a sub-branch's 2,800 complaints were
 * 2,800 table reads per page and per count, each one a read from the file under writes (the
 * list page was a fifth of the server's CPU in the working day, 20-40 ms of CPU for a
 * sub-branch's page). complaints_org_path carries every column the filters and the sort test
 * (migration sqlite/0036). The two parts are disjoint: the second takes only own complaints
 * whose org_path lies outside the scope, which for one institution is its path (domain/complaint:
 * the handling institution and org_path change together). PostgreSQL (migration pg/0033) read
 * the scope written as one condition by a BitmapOr and then a table page per complaint: 17,000
 * buffers for a city branch's page, 73,000 for a province's (pg_stat_statements, issue 13); the
 * union reads its index-only scans. 0 or negative. */
static int scope_union(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
		       struct list_plan *pl, struct qb *q, const char *cols)
{
	bool org = sf->kind == SCOPE_ORG, pg = db_backend(d) == DB_PG;
	if (!own_outside_bounds(sf, pl->path, pl->end, sizeof pl->path))
		return DB_HARD;
	if (pl->fw.len == 0) {
		struct scope_filter all = {.kind = SCOPE_ALL};
		bool fts = false;
		qb_reset(&pl->fw);
		int rc = complaint_where(d, &all, f, false, false, &pl->fw, &pl->fb, &fts);
		if (rc < 0)
			return rc;
		/* Tests only: an indexable term could still drive a part, the complained
		 * institutions' IN list first of all (SQLite made it the outer loop and read the
		 * scope's entries once per institution: 68 ms of CPU per page under load). */
		static const char *const tested[] = {"c.received_at ", "c.complained_org_id ", "c.status "};
		if (!pg)
			unindex_columns(&pl->fw, 0, tested, 3);
	}
	const char *table = pg ? " FROM complaints c" : " FROM complaints c INDEXED BY complaints_org_path";
	qb_add(q, "SELECT ");
	qb_add(q, cols);
	qb_add(q, table);
	if (org) {
		qb_add(q, " WHERE c.org_path = ? AND c.handling_org_id = ? AND");
		qb_arg(q, DB_TEXT(pl->path));
		qb_arg(q, DB_INT(sf->org_id));
	} else {
		qb_add(q, " WHERE c.org_path >= ? AND c.org_path < ? AND");
		qb_arg(q, DB_TEXT(pl->path));
		qb_arg(q, DB_TEXT(pl->end));
	}
	qb_add_where(q, &pl->fw, true);
	qb_add(q, " UNION ALL SELECT ");
	qb_add(q, cols);
	qb_add(q, org ? " FROM (" OWN_OUTSIDE("id", "UNION", ">") ") o" : " FROM (" OWN_OUTSIDE("id", "UNION", ">=") ") o");
	/* Each own id looks its row up: PostgreSQL otherwise hashed the ids and walked the date
	 * range's complaints_received entries to meet them (14,000 buffers for a registrar's 209). */
	qb_add(q, pg ? " CROSS JOIN LATERAL (SELECT * FROM complaints c WHERE c.id = o.id OFFSET 0) c WHERE"
		     : " CROSS JOIN complaints c ON c.id = o.id WHERE");
	own_outside_args(q, sf->user_id, pl->path, pl->end);
	qb_add_where(q, &pl->fw, true);
	return qb_check(q);
}

static int list_count_ms; /* store_set_list_count_ms (serve: config list_count_ms); 0 = no bound */

void store_set_list_count_ms(int ms)
{
	list_count_ms = ms;
}

/* Counting stops past a cap: a broad filter over millions of rows must not cost a full count
 * for a number nobody pages through (full-text matches stop earlier still), and past a time
 * (list_count_ms: a count that would read far more rows than it finds). *total is set unless
 * f->skip_count; pl->beyond when it is a lower bound. 0 or negative. */
static int list_count(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
		      struct list_plan *pl, int64_t *total)
{
	struct qb q;
	qb_reset(&q);
	int rc = 0;
	int64_t indexed = 0;
	if (pl->fts) {
		rc = fts_count_query(d, f, pl, &q);
	} else if (!index_driven(sf, f) || (pl->scope_big && !narrowed_by_index(f))) {
		/* Bounded counting: no index narrows the rows (the whole bank, or a scope too large
		 * to drive with no filter but a status or dates, whose indexes span the bank), so
		 * none are counted; the total is what the pages up to this one hold
		 * (store_complaint_list), flagged as a lower bound. (A status or dates alone in a
		 * subtree or an institution are counted by the report index before this.) */
		if (!f->skip_count) {
			pl->beyond = true;
			*total = 0;
		}
		qb_add(&q, "SELECT 0");
	} else if (scope_union_fits(sf, pl)) {
		qb_add(&q, "SELECT COUNT(*) FROM (");
		rc = scope_union(d, sf, f, pl, &q, "1");
		qb_add(&q, " LIMIT " COUNT_CAP_TEXT ") n");
	} else {
		qb_add(&q, "SELECT COUNT(*) FROM (SELECT 1 FROM complaints c");
		size_t where_at = q.len;
		qb_add_where(&q, &pl->w, false);
		qb_add(&q, " LIMIT " COUNT_CAP_TEXT ") n");
		if (pl->scope_drives) {
			unindex_scope_tested(&q, 0, f);
		} else if (pl->scope_big) {
			unindex_scope_clause(&q, where_at);
			unindex_subtree_tested(&q, 0, pl);
		} else if (db_backend(d) != DB_PG && f->status && !f->open && !scope_whole_bank(sf)) {
			static const char *const outer_status[] = {"c.status "};
			unindex_columns(&q, 0, outer_status, 1);
		}
	}
	if (rc < 0 || (rc = qb_check(&q)) < 0)
		return rc;
	if (!f->skip_count && !(pl->beyond && !pl->fts)) {
		rc = db_scalar_int_within(d, list_count_ms, &indexed, q.sql, q.args);
		if (rc == DB_TIMEOUT) { /* out of time: counted like the lists nothing narrows */
			pl->beyond = true;
			indexed = 0;
		} else if (rc < 0) {
			return rc;
		}
		*total = pl->queued + indexed;
	}
	return 0;
}

/* The page's ids with the full-text index driving: rows [offset, offset + limit) of the waiting
 * matches followed by the index's. */
static void fts_page(struct qb *q, const struct complaint_filter *f, const struct list_plan *pl)
{
	const struct db_val text = DB_TEXT(pl->b.text), like = DB_TEXT(pl->b.like);
	int64_t first = f->offset < pl->queued ? f->offset : pl->queued;
	int64_t from_queue = pl->queued - first < f->limit ? pl->queued - first : f->limit;
	if (from_queue > 0) {
		qb_add(q, "SELECT id FROM (SELECT c.id" QUEUED_MATCHES);
		qb_arg(q, like);
		qb_arg(q, like);
		qb_add_where(q, &pl->w, true);
		qb_add(q, " ORDER BY c.id DESC LIMIT ? OFFSET ?) UNION ALL ");
		qb_arg(q, DB_INT(from_queue));
		qb_arg(q, DB_INT(first));
	}
	qb_add(q, "SELECT id FROM (SELECT c.id");
	qb_add(q, ON_TEXT_INDEX(pl->b.bigram, INDEXED_MATCHES));
	qb_arg(q, text);
	qb_arg(q, DB_INT(pl->lo));
	qb_arg(q, DB_INT(pl->hi));
	qb_add_where(q, &pl->w, true);
	qb_add(q, " ORDER BY f.rowid DESC LIMIT ? OFFSET ?)");
	qb_arg(q, DB_INT(f->limit - from_queue));
	qb_arg(q, DB_INT(f->offset - first));
}

/* A walk: only the order's index drives, by status when one is given; a range of received_at
 * still narrows the walk of its own index. The registrar's and the handler's are tested too: a
 * walk is chosen for them when they have more matches than are sorted (the head office's
 * call-centre registrar, 780,000 of 1M: their index found them all and sorted them, 10 s).
 * Without a status asked, the status terms (not deleted; open work's set) are tested too: as an
 * IN list they drew the walk onto complaints_status_received once per status and a sort of
 * every open complaint (0.45 s at the head office, 0.17 s for a sub-branch handler's own open
 * cases). q's text from byte at on. */
static void unindex_walk_tested(struct qb *q, size_t at, const struct complaint_filter *f)
{
	static const char *const tested[] = {"c.org_path ",    "c.deadline_state ", "c.complained_org_id ",
					     "c.registrar_id ", "c.handler_id ",     "c.received_at "};
	unindex_columns(q, at, tested, f->sort_by_due ? 6 : 5);
	static const char *const status[] = {"c.status "};
	if (!f->status)
		unindex_columns(q, at, status, 1);
}

/* The rest of a walk in deadline order, after "SELECT id FROM (SELECT id, due_at FROM (SELECT
 * c.id, c.due_at FROM <table> WHERE <filters>" in q: the deadlines (from pl->due_floor on when
 * pl->due_floored: an index seek), then the complaints without a deadline, which that order puts
 * last; each part stops at offset + limit, and the page is cut from both. */
static void due_split_walk(struct qb *q, const struct list_plan *pl, const struct complaint_filter *f,
			   const char *table)
{
	/* Each part's term as its index reads it: complaints_due leads with the expression
	 * (due_at IS NULL), complaints_open_due with due_at (a NULL seek, not a scan of the rest). */
	qb_add(q, pl->open_walk ? " AND c.due_at IS NOT NULL" : " AND (c.due_at IS NULL) = 0");
	if (pl->due_floored) {
		qb_add(q, " AND c.due_at >= ?");
		qb_arg(q, DB_INT(pl->due_floor));
	}
	qb_add(q, " ORDER BY c.due_at, c.id LIMIT ?) UNION ALL SELECT id, due_at FROM (SELECT c.id, c.due_at FROM ");
	qb_arg(q, DB_INT(f->offset + f->limit));
	qb_add(q, table);
	qb_add_where(q, &pl->w, false);
	qb_add(q, pl->open_walk ? " AND c.due_at IS NULL" : " AND (c.due_at IS NULL) = 1");
	qb_add(q, " ORDER BY c.id LIMIT ?)) ORDER BY due_at IS NULL, due_at, id LIMIT ? OFFSET ?");
	qb_arg(q, DB_INT(f->offset + f->limit));
	qb_arg(q, DB_INT(f->limit));
	qb_arg(q, DB_INT(f->offset));
}

/* The page is chosen on the narrow table first; only its rows are joined for names. With
 * sorts_matches the order's terms are kept out of index choice ("+", SQLite): the filters'
 * indexes find the matches, which are sorted. */
static int list_page(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
		     struct list_plan *pl, bool sorts_matches, json_t **items)
{
	const char *order = f->sort_by_due ? " ORDER BY c.due_at IS NULL, c.due_at, c.id"
					   : " ORDER BY c.received_at DESC, c.id DESC";
	const char *page_order = !sorts_matches ? order
				 : f->sort_by_due ? " ORDER BY +(c.due_at IS NULL), +c.due_at, c.id"
						  : " ORDER BY +c.received_at DESC, c.id DESC";
	struct qb q;
	qb_reset(&q);
	qb_add(&q, COMPLAINT_SELECT_KIND("NULL") " JOIN (");
	/* SQLite: a subtree range is selective enough to tempt the planner into the org_path indexes
	 * and a sort of every match; for a page, walking the order's index (or the full-text
	 * index) and testing the range is cheaper, so the range is kept out of index choice ("+")
	 * unless the matches are sorted. */
	size_t page_where = q.len;
	bool sqlite = db_backend(d) != DB_PG; /* PostgreSQL's planner weighs the choice itself */
	if (pl->newest_registered)
		order = page_order = " ORDER BY c.id DESC";
	if (pl->fts) {
		fts_page(&q, f, pl);
		order = " ORDER BY c.id DESC";
		if (sqlite) {
			static const char *const range[] = {"c.org_path "};
			unindex_columns(&q, page_where, range, 1);
		}
	} else if (sorts_matches && scope_union_fits(sf, pl)) {
		qb_add(&q, "SELECT id FROM (");
		int rc = scope_union(d, sf, f, pl, &q, "c.id, c.received_at, c.due_at");
		if (rc < 0)
			return rc;
		qb_add(&q, f->sort_by_due ? ") u ORDER BY (due_at IS NULL), due_at, id" : ") u ORDER BY received_at DESC, id DESC");
		qb_add(&q, " LIMIT ? OFFSET ?");
		qb_arg(&q, DB_INT(f->limit));
		qb_arg(&q, DB_INT(f->offset));
	} else {
		bool walk = sqlite && !sorts_matches, open_walk = walk && pl->open_walk;
		bool split = walk && (pl->due_floored || open_walk);
		const char *table = open_walk ? "complaints c INDEXED BY complaints_open_due" : "complaints c";
		qb_add(&q, split ? "SELECT id FROM (SELECT id, due_at FROM (SELECT c.id, c.due_at FROM " : "SELECT c.id FROM ");
		qb_add(&q, table);
		size_t where_at = q.len;
		qb_add_where(&q, &pl->w, false);
		if (sqlite && sorts_matches && pl->scope_drives) {
			unindex_scope_tested(&q, page_where, f);
		} else if (sqlite && sorts_matches && pl->scope_big) {
			/* The filter's index finds the matches (a number, a complained institution);
			 * the scope's union would read every own complaint of the call-centre
			 * registrar (an exact number took 17 s under load). */
			unindex_scope_clause(&q, where_at);
			unindex_subtree_tested(&q, page_where, pl);
		} else if (walk) {
			if (split)
				due_split_walk(&q, pl, f, table); /* the page's order and bounds too */
			/* The open work's index serves only terms that keep its status set as written. */
			if (!open_walk)
				unindex_walk_tested(&q, page_where, f);
		}
		if (!split) {
			qb_add(&q, page_order);
			qb_add(&q, " LIMIT ? OFFSET ?");
			qb_arg(&q, DB_INT(f->limit));
			qb_arg(&q, DB_INT(f->offset));
		}
	}
	qb_add(&q, ") page ON page.id = c.id");
	qb_add(&q, order);
	int rc = qb_check(&q);
	return rc < 0 ? rc : db_query_json(d, items, q.sql, q.args);
}

/* With a text query on SQLite the FTS5 table drives: its matches come newest registered first
 * (rowid order) and the filters are checked on them, so a page costs a few lookups however many
 * complaints match. The few complaints not yet indexed are matched by scanning and come first. */
/* Whether sf's institutions lie outside the institution filter's subtree (org_path, "/1/2/3/"),
 * so that only the caller's own registrations and cases can match: an institution's registrar
 * filtering on a sub-branch below it, or a branch's staff on another branch. */
static bool scope_misses_subtree(const struct scope_filter *sf, const char *org_path)
{
	if (sf->kind != SCOPE_ORG && sf->kind != SCOPE_SUBTREE)
		return false;
	size_t n = strlen(sf->path_like), m = strlen(org_path);
	if (n < 2 || sf->path_like[n - 1] != '%')
		return false;
	n--; /* the scope's path without its '%' */
	bool scope_inside = n >= m && strncmp(sf->path_like, org_path, m) == 0;
	bool filter_inside = m >= n && strncmp(org_path, sf->path_like, n) == 0;
	return sf->kind == SCOPE_ORG ? !scope_inside : !scope_inside && !filter_inside;
}

int store_complaint_list(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			 json_t **items, int64_t *total, bool *capped)
{
	/* An institution filter the scope's institutions lie outside leaves the caller's own
	 * complaints only; without one in the filter's subtree nothing matches. The province
	 * registrar's closed complaints of a city branch by deadline walked the bank's 470,000
	 * closed ones testing the scope (1.3 s) to find none; two index seeks say so at once. */
	char end[600];
	if (f->org_path && scope_misses_subtree(sf, f->org_path) && complaint_sql_prefix_end(f->org_path, end, sizeof end)) {
		int64_t own = 0;
		const struct db_val id = DB_INT(sf->user_id), lo = DB_TEXT(f->org_path), hi = DB_TEXT(end);
		int rc = DB_SCALAR(d, &own,
				   "SELECT CASE WHEN EXISTS (SELECT 1 FROM complaints WHERE registrar_id = ? AND org_path >= ?"
				   " AND org_path < ?) OR EXISTS (SELECT 1 FROM complaints WHERE handler_id = ? AND org_path >= ?"
				   " AND org_path < ?) THEN 1 ELSE 0 END",
				   id, lo, hi, id, lo, hi);
		if (rc < 0)
			return rc;
		if (!own) {
			*total = 0;
			if (capped)
				*capped = false;
			*items = json_array();
			return *items ? DB_OK : DB_HARD;
		}
	}
	/* The caller's own registrations (mine=true) lie inside every data scope (where_scope:
	 * "... OR c.registrar_id = me"), so the scope adds no condition: testing it read each
	 * match's table row for the institution columns (the call centre's registrar's mine=true:
	 * 10,001 rows per count, past its time budget, 53 ms of CPU and a total of "21+"; now the
	 * count reads complaints_registrar's entries). Own cases (handler=me) keep the scope: a
	 * driving scope sorts them from index entries, where the bank-wide plan read each open
	 * case's row for its receipt time (a sub-branch handler: 7 -> 23 ms). */
	const struct scope_filter whole_bank = {.kind = SCOPE_ALL};
	if (f->registrar_id && f->registrar_id == sf->user_id)
		sf = &whole_bank;
	struct list_plan pl = {.lo = 1, .hi = INT64_MAX};
	qb_reset(&pl.w);
	/* A number or an identity finds its complaints through its own index, and the scope only
	 * tests them: an institution's union of 5,000-20,000 complaints was sorted for each exact
	 * number asked (20-50 ms under load), after three counts to size the scope. */
	bool pinpointed = forced_path() == PATH_CHOSEN && (f->complaint_no || f->id_no_bidx || f->phone_bidx);
	int rc = pinpointed ? 0 : scope_is_small(d, sf, f, &pl.scope_drives, &pl.scope_big, &pl.scope_rows);
	if (pinpointed && db_backend(d) != DB_PG)
		pl.scope_big = !scope_whole_bank(sf);
	/* SQLite, below the whole bank: the status also in the institution branch, so that the
	 * scope's union can seek complaints_status_org (list_count and a small scope's page keep
	 * the outer status term out of index choice). */
	bool branch_status = db_backend(d) != DB_PG && !scope_whole_bank(sf);
	if (rc < 0 || (rc = complaint_where(d, sf, f, true, branch_status, &pl.w, &pl.b, &pl.fts)) < 0 ||
	    (rc = subtree_drives_of(d, f, &pl)) < 0)
		return rc;
	/* Full-text matches come newest registered first on either backend: SQLite's full-text
	 * index's order, which the report index's text page (report_list_page) keeps; a
	 * number or a name keeps the list's order. */
	if (db_backend(d) == DB_PG && f->q && utf8_chars(f->q) >= 2) {
		int64_t exact = 0;
		if ((rc = exact_hits(d, f, &exact)) < 0)
			return rc;
		pl.newest_registered = !exact;
	}
	if ((rc = list_count(d, sf, f, &pl, total)) < 0)
		return rc;
	int64_t cap = f->skip_count ? INT64_MAX : pl.fts ? COMPLAINT_TEXT_COUNT_CAP : COMPLAINT_COUNT_CAP;
	bool over_cap = *total > cap;
	if (capped)
		*capped = over_cap || pl.beyond;
	if (over_cap)
		*total = cap;
	if (!pl.beyond && *total == 0 && pl.queued == 0) { /* exact: nothing to page (a walk would read all) */
		*items = json_array();
		return *items ? DB_OK : DB_HARD;
	}
	bool sorts_matches = false;
	/* Past the cap the matches are many: their number is not known, so it is not a bound. */
	pl.open_walk = open_walk_fits(d, f, &pl);
	if ((rc = due_floor_of(d, f, &pl)) < 0 ||
	    (!pl.open_walk && (rc = page_sorts_matches(d, f, &pl, over_cap ? INT64_MAX : *total, &sorts_matches)) < 0) ||
	    (sorts_matches && (rc = big_scope_drives(d, sf, f, &pl)) < 0) ||
	    (rc = list_page(d, sf, f, &pl, sorts_matches, items)) < 0)
		return rc;
	/* A lower bound is at least what the pages up to this one hold, and one more after a full
	 * page, so that a pager still offers the next page. */
	int64_t n = (int64_t)json_array_size(*items), seen = f->offset + n + (n == f->limit);
	if (pl.beyond && !f->skip_count && *total < seen)
		*total = seen < cap ? seen : cap;
	return DB_OK;
}

int store_complaint_rows(struct db *d, const int64_t *ids, size_t n, json_t **items)
{
	*items = NULL;
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, json_integer(ids[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	if (!text)
		return DB_HARD;
	bool pg = db_backend(d) == DB_PG;
	if (pg) { /* the same list as an array literal: [1,2] -> {1,2} */
		text[0] = '{';
		text[strlen(text) - 1] = '}';
	}
	int rc = db_query_json(d, items,
			       pg ? DB_GENERIC_PLAN COMPLAINT_SELECT_KIND("NULL") " WHERE c.id = ANY(CAST(? AS bigint[]))"
					    " ORDER BY c.id DESC"
				  : COMPLAINT_SELECT_KIND("NULL") " WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY c.id DESC",
			       (const struct db_val[]){DB_TEXT(text), DB_END});
	free(text);
	if (rc < 0)
		return rc;
	/* By id, highest first: each of ids finds its row by a binary search (a complaint gone is
	 * left out). */
	json_t *rows = *items, *out = json_array();
	size_t nrows = json_array_size(rows);
	for (size_t i = 0; out && i < n; i++) {
		size_t lo = 0, hi = nrows;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (json_integer_value(json_object_get(json_array_get(rows, mid), "id")) > ids[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		json_t *row = json_array_get(rows, lo);
		if (row && json_integer_value(json_object_get(row, "id")) == ids[i] && json_array_append(out, row) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	json_decref(rows);
	*items = out;
	return out ? DB_OK : DB_HARD;
}

int store_complaint_keyset(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			   const struct complaint_cursor *after, int64_t limit, json_t **items)
{
	bool fts = false;
	struct qb w;
	qb_reset(&w);
	struct where_bufs b;
	int rc = complaint_where(d, sf, f, false, false, &w, &b, &fts);
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

int store_complaint_count_own_outside(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
				     const int64_t *among, size_t n_among, int64_t *n, int64_t **matched)
{
	if (matched)
		*matched = NULL;
	*n = 0;
	char path[600], end[600];
	bool org = sf->kind == SCOPE_ORG; /* then outside the institution's own path: below or above it */
	if (!own_outside_bounds(sf, path, end, sizeof path))
		return DB_HARD;
	/* First how many there are at most: past the cap their filters are not tested (the call
	 * centre's registrar has 780,000 outside its institution at 1M). */
	struct db_val id = DB_INT(sf->user_id), lo = DB_TEXT(path), hi = DB_TEXT(end);
	int rc = db_scalar_int(d, n, org ? OWN_OUTSIDE_BOUND(">") : OWN_OUTSIDE_BOUND(">="),
			       (const struct db_val[]){id, lo, id, hi, id, lo, id, hi, DB_END});
	if (rc < 0 || *n > COMPLAINT_COUNT_CAP)
		return rc < 0 ? rc : DB_OK;
	struct scope_filter all = {.kind = SCOPE_ALL};
	struct complaint_filter untexted;
	if (among) { /* the ids hold the text's matches: the text is not tested again */
		untexted = *f;
		untexted.q = NULL;
		f = &untexted;
	}
	struct qb w, q;
	qb_reset(&w);
	qb_reset(&q);
	struct where_bufs b;
	bool fts = false;
	if ((rc = complaint_where(d, &all, f, false, false, &w, &b, &fts)) < 0)
		return rc;
	bool pg = db_backend(d) == DB_PG;
	if (among)
		qb_add(&q, org ? (pg ? OWN_OUTSIDE_IDS(">", "JOIN") : OWN_OUTSIDE_IDS(">", "CROSS JOIN"))
			       : (pg ? OWN_OUTSIDE_IDS(">=", "JOIN") : OWN_OUTSIDE_IDS(">=", "CROSS JOIN")));
	else
		qb_add(&q, org ? (pg ? OWN_OUTSIDE_COUNT(">", "JOIN") : OWN_OUTSIDE_COUNT(">", "CROSS JOIN"))
			       : (pg ? OWN_OUTSIDE_COUNT(">=", "JOIN") : OWN_OUTSIDE_COUNT(">=", "CROSS JOIN")));
	own_outside_args(&q, sf->user_id, path, end);
	qb_add_where(&q, &w, true);
	if ((rc = qb_check(&q)) < 0)
		return rc;
	if (!among)
		return (rc = db_scalar_int(d, n, q.sql, q.args)) < 0 ? rc : DB_OK;
	struct db_res *r;
	if ((rc = db_query(d, &r, q.sql, q.args)) < 0)
		return rc;
	size_t cap = 0, got = 0;
	while ((rc = db_next(r)) == 1) {
		int64_t own = db_int(r, 0);
		if (!bsearch(&own, among, n_among, sizeof own, cmp_id))
			continue;
		if (!matched)
			got++;
		else if (!ids_push(matched, &got, &cap, own)) {
			rc = DB_HARD;
			break;
		}
	}
	db_done(r);
	*n = (int64_t)got;
	if (rc < 0 && matched) {
		free(*matched);
		*matched = NULL;
	}
	return rc < 0 ? rc : DB_OK;
}

