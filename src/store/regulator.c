/* Regulator gateway queries: the outbox of submissions (written inside the complaint change's
 * transaction), leases for delivery, outcomes reflected onto complaints, attempts and alerts.
 * Leases rather than row locks, so one code path serves SQLite (single writer) and several
 * PostgreSQL instances (the claim runs in a SERIALIZABLE transaction: two instances racing for
 * the same rows conflict and one retries, so a row is never leased twice). */
#include "store/store.h"
#include <string.h>

int store_reg_next_seq(struct db *d, int64_t complaint_id, int64_t *seq)
{
	int rc = DB_SCALAR(d, seq, "SELECT COALESCE(MAX(seq), 0) + 1 FROM regulator_submissions WHERE complaint_id = ?",
			   DB_INT(complaint_id));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_reg_insert(struct db *d, int64_t complaint_id, const char *complaint_no, int64_t seq,
		     const char *idem_key, const char *event, const char *payload, bool released, int64_t now,
		     int64_t *id)
{
	int rc = DB_SCALAR(d, id,
			   "INSERT INTO regulator_submissions (complaint_id, complaint_no, seq, idem_key, event, payload,"
			   " released, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			   " RETURNING id",
			   DB_INT(complaint_id), DB_TEXT(complaint_no), DB_INT(seq), DB_TEXT(idem_key), DB_TEXT(event),
			   DB_TEXT(payload), DB_INT(released), DB_INT(now), DB_INT(now), DB_INT(now));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_reg_claim(struct db *d, const char *owner, int64_t now, int64_t lease_until, int64_t limit,
		    json_t **items)
{
	/* The payload is read after the lease is taken, in the same transaction. */
	json_t *ids;
	int rc = DBJ(d, &ids,
		     "UPDATE regulator_submissions SET lease_owner = ?, lease_until = ?, batch_id = NULL, updated_at = ?"
		     " WHERE id IN ("
		     " SELECT s.id FROM regulator_submissions s WHERE s.status = 'pending' AND s.released = 1"
		     " AND s.next_attempt_at <= ? AND (s.lease_until IS NULL OR s.lease_until < ?)"
		     " AND NOT EXISTS (SELECT 1 FROM regulator_submissions p WHERE p.complaint_id = s.complaint_id"
		     " AND p.seq < s.seq AND p.status = 'pending')"
		     " ORDER BY s.id LIMIT ?) RETURNING id",
		     DB_TEXT(owner), DB_INT(lease_until), DB_INT(now), DB_INT(now), DB_INT(now), DB_INT(limit));
	if (rc < 0)
		return rc;
	size_t n = json_array_size(ids);
	json_decref(ids);
	if (n == 0) {
		*items = json_array();
		return DB_OK;
	}
	return DBJ(d, items,
		   "SELECT id, complaint_id, complaint_no, seq, idem_key, payload, attempts FROM regulator_submissions"
		   " WHERE lease_owner = ? AND lease_until = ? AND status = 'pending' ORDER BY id",
		   DB_TEXT(owner), DB_INT(lease_until));
}

int store_reg_finish(struct db *d, int64_t id, const char *owner, const char *status, int64_t next_attempt_at,
		     const char *receipt_no, const char *reject_codes, const char *error, int64_t now)
{
	bool sent = strcmp(status, "sent") == 0;
	return DBX(d,
		   "UPDATE regulator_submissions SET status = ?, next_attempt_at = ?, attempts = attempts + 1,"
		   " lease_owner = NULL, lease_until = NULL, batch_id = NULL, receipt_no = COALESCE(?, receipt_no),"
		   " reject_codes = ?, last_error = ?, sent_at = ?, updated_at = ?"
		   " WHERE id = ? AND lease_owner = ? AND status = 'pending'",
		   DB_TEXT(status), DB_INT(next_attempt_at), DB_TEXT(receipt_no), DB_TEXT(reject_codes),
		   DB_TEXT(error), DB_INT_OR_NULL(sent, now), DB_INT(now), DB_INT(id), DB_TEXT(owner));
}

int store_reg_batched(struct db *d, int64_t id, const char *owner, const char *batch_id, int64_t lease_until,
		      int64_t now)
{
	return DBX(d,
		   "UPDATE regulator_submissions SET batch_id = ?, lease_until = ?, updated_at = ?"
		   " WHERE id = ? AND lease_owner = ? AND status = 'pending'",
		   DB_TEXT(batch_id), DB_INT(lease_until), DB_INT(now), DB_INT(id), DB_TEXT(owner));
}

int store_reg_batch_rows(struct db *d, const char *batch_id, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, complaint_id, complaint_no, seq, idem_key, attempts, lease_owner FROM regulator_submissions"
		   " WHERE batch_id = ? AND status = 'pending'",
		   DB_TEXT(batch_id));
}

int store_reg_attempt_insert(struct db *d, int64_t submission_id, const char *instance, const char *transport,
			     const char *outcome, const char *detail, int64_t duration_ms, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO regulator_attempts (submission_id, at, instance, transport, outcome, detail, duration_ms)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?)",
		     DB_INT(submission_id), DB_INT(now), DB_TEXT(instance), DB_TEXT(transport), DB_TEXT(outcome),
		     DB_TEXT(detail ? detail : ""), DB_INT(duration_ms));
	return rc < 0 ? rc : DB_OK;
}

int store_reg_complaint_sync(struct db *d, int64_t complaint_id, int64_t seq, const char *status,
			     const char *receipt_no, const char *error, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE complaints SET sync_status = ?, regulator_receipt_no = COALESCE(?, regulator_receipt_no),"
		     " sync_error = ?, synced_at = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM regulator_submissions"
		     " WHERE complaint_id = ? AND seq > ?)",
		     DB_TEXT(status), DB_TEXT(receipt_no), DB_TEXT(error), DB_INT(now), DB_INT(complaint_id),
		     DB_INT(complaint_id), DB_INT(seq));
	return rc < 0 ? rc : DB_OK;
}

int store_reg_status(struct db *d, json_t **out)
{
	int rc = DBJ1(d, out,
		      "SELECT COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,"
		      " COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) AS sent,"
		      " COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,"
		      " COALESCE(SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), 0) AS rejected,"
		      " COALESCE(SUM(CASE WHEN status = 'pending' AND released = 0 THEN 1 ELSE 0 END), 0) AS held,"
		      " MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest_pending_at,"
		      " MAX(sent_at) AS last_success_at, COUNT(*) AS total FROM regulator_submissions",
		      DB_END);
	return rc < 0 ? rc : *out ? DB_OK : DB_HARD;
}

int store_reg_list(struct db *d, const struct reg_filter *f, json_t **items, int64_t *total)
{
#define REG_WHERE                                                                                \
	" WHERE (CAST(? AS TEXT) IS NULL OR status = ?) AND (CAST(? AS TEXT) IS NULL OR complaint_no = ?)" \
	" AND (CAST(? AS TEXT) IS NULL OR event = ?)" \
	" AND (CAST(? AS BIGINT) = 0 OR created_at >= ?) AND (CAST(? AS BIGINT) = 0 OR created_at < ?)"
#define REG_ARGS                                                                                 \
	DB_TEXT(f->status), DB_TEXT(f->status), DB_TEXT(f->complaint_no), DB_TEXT(f->complaint_no),     \
		DB_TEXT(f->event), DB_TEXT(f->event), DB_INT(f->from), DB_INT(f->from), DB_INT(f->to), DB_INT(f->to)
	int rc = DB_SCALAR(d, total, "SELECT COUNT(*) FROM regulator_submissions" REG_WHERE, REG_ARGS);
	if (rc < 0)
		return rc;
	return DBJ(d, items,
		   "SELECT id, complaint_id, complaint_no, seq, idem_key, event, status, released, attempts,"
		   " next_attempt_at, receipt_no, reject_codes, last_error, created_at, updated_at, sent_at, batch_id"
		   " FROM regulator_submissions" REG_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?",
		   REG_ARGS, DB_INT(f->limit), DB_INT(f->offset));
#undef REG_WHERE
#undef REG_ARGS
}

int store_reg_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT * FROM regulator_submissions WHERE id = ?", DB_INT(id));
	if (rc < 0 || !*out)
		return rc < 0 ? rc : 0;
	json_t *attempts;
	if ((rc = DBJ(d, &attempts,
		      "SELECT id, at, instance, transport, outcome, detail, duration_ms FROM regulator_attempts"
		      " WHERE submission_id = ? ORDER BY id",
		      DB_INT(id))) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "attempts", attempts);
	return 1;
}

int store_reg_retry(struct db *d, int64_t id, int64_t now)
{
	return DBX(d,
		   "UPDATE regulator_submissions SET status = 'pending', released = 1, attempts = 0, next_attempt_at = ?,"
		   " last_error = NULL, updated_at = ? WHERE id = ? AND status IN ('pending', 'failed')",
		   DB_INT(now), DB_INT(now), DB_INT(id));
}

int store_reg_release(struct db *d, int64_t now, bool failed, int64_t from, int64_t to, int64_t *n)
{
	int rc = DBX(d,
		     "UPDATE regulator_submissions SET released = 1, next_attempt_at = ?, updated_at = ?"
		     " WHERE status = 'pending' AND (released = 0 OR next_attempt_at > ?)",
		     DB_INT(now), DB_INT(now), DB_INT(now));
	if (rc < 0)
		return rc;
	*n = rc;
	if (!failed)
		return DB_OK;
	rc = DBX(d,
		 "UPDATE regulator_submissions SET status = 'pending', released = 1, attempts = 0, next_attempt_at = ?,"
		 " updated_at = ? WHERE status = 'failed' AND (CAST(? AS BIGINT) = 0 OR created_at >= ?)"
		 " AND (CAST(? AS BIGINT) = 0 OR created_at < ?)",
		 DB_INT(now), DB_INT(now), DB_INT(from), DB_INT(from), DB_INT(to), DB_INT(to));
	if (rc < 0)
		return rc;
	*n += rc;
	return DB_OK;
}

int store_reg_complaints_in_range(struct db *d, int64_t from, int64_t to, int64_t limit, json_t **ids)
{
	return DBJ(d, ids,
		   "SELECT id FROM complaints WHERE received_at >= ? AND received_at < ? AND status <> 'draft'"
		   " ORDER BY id LIMIT ?",
		   DB_INT(from), DB_INT(to), DB_INT(limit));
}

/* The open alert of kind/scope_key: 1 with *id, 0 none. */
static int open_alert(struct db *d, const char *kind, const char *scope_key, int64_t *id)
{
	return DB_SCALAR(d, id, "SELECT id FROM regulator_alerts WHERE kind = ? AND scope_key = ? AND cleared_at IS NULL",
			 DB_TEXT(kind), DB_TEXT(scope_key));
}

int store_reg_alert_raise(struct db *d, const char *kind, const char *scope_key, const char *message, int64_t now,
			  int64_t *id)
{
	int rc = open_alert(d, kind, scope_key, id);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = DB_SCALAR(d, id,
		       "INSERT INTO regulator_alerts (kind, scope_key, message, raised_at) VALUES (?, ?, ?, ?) RETURNING id",
		       DB_TEXT(kind), DB_TEXT(scope_key), DB_TEXT(message), DB_INT(now));
	return rc == 1 ? 1 : rc < 0 ? rc : DB_HARD;
}

int store_reg_alert_clear(struct db *d, const char *kind, const char *scope_key, int64_t now, int64_t *id)
{
	int rc = open_alert(d, kind, scope_key, id);
	if (rc != 1)
		return rc;
	rc = DBX(d, "UPDATE regulator_alerts SET cleared_at = ? WHERE id = ?", DB_INT(now), DB_INT(*id));
	return rc < 0 ? rc : 1;
}

int store_reg_alert_list(struct db *d, bool open_only, int64_t limit, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, kind, scope_key, message, raised_at, cleared_at FROM regulator_alerts"
		   " WHERE (CAST(? AS BIGINT) = 0 OR cleared_at IS NULL) ORDER BY id DESC LIMIT ?",
		   DB_INT(open_only), DB_INT(limit));
}
