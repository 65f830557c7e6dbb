/* Reading the audit log for the 审计日志 page, and the rows of the audit chain (audit_chain.h). */
#include "store/audit_chain.h"
#include "store/query_builder.h"
#include "store/store.h"
#include <stdio.h>

/* " WHERE ..." with a term for each filter given, nothing for the others, so the indexes on
 * (target_type, target_id) and on at serve the query. (One statement for every filter, written
 * "(? IS NULL OR target_id = ?)", used none: a complaint's timeline read the whole log, 45 ms at
 * 70,000 events and growing with it — issue 13.) */
static void audit_where(struct qb *q, const struct audit_filter *f)
{
	qb_add(q, " WHERE 1 = 1");
	if (f->from) {
		qb_add(q, " AND at >= ?");
		qb_arg(q, DB_INT(f->from));
	}
	if (f->to) {
		qb_add(q, " AND at < ?");
		qb_arg(q, DB_INT(f->to));
	}
	const struct {
		const char *term, *value;
	} text[] = {
		{" AND actor = ?", f->actor},		{" AND action LIKE ?", f->action},
		{" AND target_type = ?", f->target_type}, {" AND target_id = ?", f->target_id},
		{" AND result = ?", f->result},
	};
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
		if (text[i].value) {
			qb_add(q, text[i].term);
			qb_arg(q, DB_TEXT(text[i].value));
		}
	}
}

int store_audit_list(struct db *d, const struct audit_filter *f, json_t **items, int64_t *total)
{
	struct qb q;
	qb_reset(&q);
	qb_add(&q, "SELECT COUNT(*) FROM audit_events");
	audit_where(&q, f);
	int rc = qb_check(&q);
	if (rc < 0 || (rc = db_scalar_int(d, total, q.sql, q.args)) < 0)
		return rc;
	qb_reset(&q);
	qb_add(&q, "SELECT seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail, hash,"
		   " (SELECT u.name FROM users u WHERE u.id = audit_events.actor_id) AS actor_name FROM audit_events");
	audit_where(&q, f);
	qb_add(&q, f->oldest_first ? " ORDER BY seq LIMIT ? OFFSET ?" : " ORDER BY seq DESC LIMIT ? OFFSET ?");
	qb_arg(&q, DB_INT(f->limit));
	qb_arg(&q, DB_INT(f->offset));
	if ((rc = qb_check(&q)) < 0 || (rc = db_query_json(d, items, q.sql, q.args)) < 0)
		return rc;
	/* detail is stored as JSON text; hand it out as JSON. */
	size_t i;
	json_t *e;
	json_array_foreach(*items, i, e)
	{
		json_t *detail = json_loads(json_string_value(json_object_get(e, "detail")), 0, NULL);
		json_object_set_new(e, "detail", detail ? detail : json_object());
	}
	return DB_OK;
}

int store_audit_count_since(struct db *d, const char *target_type, const char *target_id, const char *result,
			    int64_t since, int64_t *n)
{
	int rc = DB_SCALAR(d, n,
			   "SELECT COUNT(*) FROM audit_events WHERE target_type = ? AND target_id = ? AND result = ?"
			   " AND at >= ?",
			   DB_TEXT(target_type), DB_TEXT(target_id), DB_TEXT(result), DB_INT(since));
	return rc < 0 ? rc : DB_OK;
}

/* ---- the chain's rows (store/audit_chain.h) ---- */

/* Runs a statement returning the head's seq, hash, alg. 1 with *h filled, 0 no head row. */
static int head_row(struct db *d, const char *sql, struct store_audit_head *h)
{
	struct db_res *r;
	int rc = DBQ(d, &r, sql, DB_END);
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		h->seq = db_int(r, 0);
		snprintf(h->hash, sizeof h->hash, "%s", db_text(r, 1));
		snprintf(h->alg, sizeof h->alg, "%s", db_text(r, 2));
	}
	db_done(r);
	return rc;
}

int store_audit_head_next(struct db *d, struct store_audit_head *h)
{
	int rc = head_row(d, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, alg", h);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_audit_head_get(struct db *d, struct store_audit_head *h)
{
	return head_row(d, "SELECT seq, hash, alg FROM audit_head WHERE id = 1", h);
}

int store_audit_head_set_hash(struct db *d, const char *hash)
{
	int rc = DBX(d, "UPDATE audit_head SET hash = ? WHERE id = 1", DB_TEXT(hash));
	return rc < 0 ? rc : DB_OK;
}

int store_audit_head_set_alg(struct db *d, const char *alg)
{
	int rc = DBX(d, "UPDATE audit_head SET alg = ? WHERE id = 1", DB_TEXT(alg));
	return rc < 0 ? rc : DB_OK;
}

int store_audit_insert(struct db *d, const struct store_audit_row *e)
{
	int rc = DBX(d,
		     "INSERT INTO audit_events (seq, at, actor_id, actor, ip, action, target_type, target_id,"
		     " result, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     DB_INT(e->seq), DB_INT(e->at), DB_INT_OR_NULL(e->actor_id > 0, e->actor_id), DB_TEXT(e->actor),
		     DB_TEXT(e->ip), DB_TEXT(e->action), DB_TEXT(e->target_type), DB_TEXT(e->target_id),
		     DB_TEXT(e->result), DB_TEXT(e->detail), DB_TEXT(e->prev_hash), DB_TEXT(e->hash));
	return rc < 0 ? rc : DB_OK;
}

int store_audit_each(struct db *d, void (*fn)(void *ctx, const struct store_audit_row *row), void *ctx)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail,"
		     " prev_hash, hash FROM audit_events ORDER BY seq",
		     DB_END);
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) == 1) {
		struct store_audit_row e = {
			.seq = db_int(r, 0), .at = db_int(r, 1), .actor_id = db_int(r, 2),
			.actor = db_text(r, 3), .ip = db_text(r, 4), .action = db_text(r, 5),
			.target_type = db_text(r, 6), .target_id = db_text(r, 7), .result = db_text(r, 8),
			.detail = db_text(r, 9), .prev_hash = db_text(r, 10), .hash = db_text(r, 11),
		};
		fn(ctx, &e);
	}
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}
