/* Integration queries (issue 15): webhook subscriptions and their deliveries (the webhook
 * channel of the delivery engine: leases and backoff as for regulator_submissions), call-centre
 * idempotency keys, OA approvals and the OA callback signatures already taken. SQL only: the
 * rules are in regulator/webhooks.c and api/integration.c. */
#include "store/store.h"
#include <stdio.h>
#include <string.h>

#define SUB_COLS                                                                                \
	"id, name, kind, url, event_types, org_id, org_path, carries_pii, enabled, created_by, created_at," \
	" updated_at"

int store_hook_sub_insert(struct db *d, const struct hook_sub *s, int64_t now, int64_t *id)
{
	int rc = DB_SCALAR(d, id,
			   "INSERT INTO webhook_subscriptions (name, kind, url, event_types, org_id, org_path, secret,"
			   " carries_pii, enabled, created_by, created_at, updated_at)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   DB_TEXT(s->name), DB_TEXT(s->kind), DB_TEXT(s->url), DB_TEXT(s->event_types),
			   DB_INT_OR_NULL(s->org_id > 0, s->org_id), DB_TEXT(s->org_path), DB_TEXT(s->secret),
			   DB_INT(s->carries_pii), DB_INT(s->enabled), DB_INT(s->created_by), DB_INT(now), DB_INT(now));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_hook_sub_update(struct db *d, int64_t id, const struct hook_sub *s, int64_t now)
{
	return DBX(d,
		   "UPDATE webhook_subscriptions SET name = ?, url = ?, event_types = ?, org_id = ?, org_path = ?,"
		   " secret = COALESCE(?, secret), carries_pii = ?, enabled = ?, updated_at = ? WHERE id = ?",
		   DB_TEXT(s->name), DB_TEXT(s->url), DB_TEXT(s->event_types), DB_INT_OR_NULL(s->org_id > 0, s->org_id),
		   DB_TEXT(s->org_path), DB_TEXT(s->secret[0] ? s->secret : NULL), DB_INT(s->carries_pii),
		   DB_INT(s->enabled), DB_INT(now), DB_INT(id));
}

int store_hook_sub_list(struct db *d, json_t **items)
{
	return DBJ(d, items,
		   "SELECT " SUB_COLS ", (SELECT COUNT(*) FROM webhook_deliveries w WHERE w.subscription_id = s.id"
		   " AND w.status = 'pending') AS pending, (SELECT COUNT(*) FROM webhook_deliveries w"
		   " WHERE w.subscription_id = s.id AND w.status = 'failed') AS failed"
		   " FROM webhook_subscriptions s ORDER BY id",
		   DB_END);
}

int store_hook_sub_get(struct db *d, int64_t id, bool with_secret, json_t **out)
{
	int rc = with_secret ? DBJ1(d, out, "SELECT " SUB_COLS ", secret FROM webhook_subscriptions WHERE id = ?", DB_INT(id))
			     : DBJ1(d, out, "SELECT " SUB_COLS " FROM webhook_subscriptions WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : *out ? 1 : 0;
}

int store_hook_subs_for(struct db *d, const char *org_path, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, kind, event_types FROM webhook_subscriptions WHERE enabled = 1"
		   " AND (org_path = '' OR substr(?, 1, length(org_path)) = org_path) ORDER BY id",
		   DB_TEXT(org_path ? org_path : ""));
}

int store_hook_enqueue(struct db *d, int64_t sub_id, const char *event_id, const char *event, int64_t complaint_id,
		       const char *complaint_no, const char *payload, int64_t now)
{
	return DBX(d,
		   "INSERT INTO webhook_deliveries (subscription_id, event_id, event, complaint_id, complaint_no,"
		   " payload, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		   DB_INT(sub_id), DB_TEXT(event_id), DB_TEXT(event), DB_INT_OR_NULL(complaint_id > 0, complaint_id),
		   DB_TEXT(complaint_no), DB_TEXT(payload), DB_INT(now), DB_INT(now), DB_INT(now));
}

int store_hook_claim(struct db *d, const char *owner, int64_t now, int64_t lease_until, int64_t limit,
		     json_t **items)
{
	/* Only the oldest undelivered event of a (subscription, complaint) chain is due: a failed
	 * one holds the chain back until it is replayed, so order per complaint holds. */
	json_t *ids;
	int rc = DBJ(d, &ids,
		     "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?, updated_at = ? WHERE id IN ("
		     " SELECT w.id FROM webhook_deliveries w JOIN webhook_subscriptions s ON s.id = w.subscription_id"
		     " WHERE w.status = 'pending' AND s.enabled = 1 AND w.next_attempt_at <= ?"
		     " AND (w.lease_until IS NULL OR w.lease_until < ?)"
		     " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.subscription_id = w.subscription_id"
		     " AND p.complaint_id = w.complaint_id AND p.id < w.id AND p.status IN ('pending', 'failed'))"
		     " ORDER BY w.id LIMIT ?) RETURNING id",
		     DB_TEXT(owner), DB_INT(lease_until), DB_INT(now), DB_INT(now), DB_INT(now), DB_INT(limit));
	if (rc < 0)
		return rc;
	size_t n = json_array_size(ids);
	json_decref(ids);
	if (n == 0) {
		*items = json_array();
		return *items ? DB_OK : DB_HARD;
	}
	return DBJ(d, items,
		   "SELECT w.id, w.subscription_id, w.event_id, w.event, w.complaint_id, w.payload, w.attempts,"
		   " s.url, s.secret, s.carries_pii FROM webhook_deliveries w"
		   " JOIN webhook_subscriptions s ON s.id = w.subscription_id"
		   " WHERE w.lease_owner = ? AND w.lease_until = ? AND w.status = 'pending' ORDER BY w.id",
		   DB_TEXT(owner), DB_INT(lease_until));
}

int store_hook_finish(struct db *d, int64_t id, const char *owner, const char *status, int64_t next_attempt_at,
		      int64_t http_status, const char *error, int64_t now)
{
	bool sent = strcmp(status, "sent") == 0;
	return DBX(d,
		   "UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, attempts = attempts + 1,"
		   " lease_owner = NULL, lease_until = NULL, last_http_status = ?, last_error = ?,"
		   " sent_at = COALESCE(?, sent_at), updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'",
		   DB_TEXT(status), DB_INT(next_attempt_at), DB_INT(http_status), DB_TEXT(error), DB_INT_OR_NULL(sent, now),
		   DB_INT(now), DB_INT(id), DB_TEXT(owner));
}

int store_hook_attempt_insert(struct db *d, int64_t delivery_id, const char *instance, const char *outcome,
			      int64_t http_status, const char *detail, int64_t duration_ms, int64_t now)
{
	return DBX(d,
		   "INSERT INTO webhook_attempts (delivery_id, at, instance, outcome, http_status, detail, duration_ms)"
		   " VALUES (?, ?, ?, ?, ?, ?, ?)",
		   DB_INT(delivery_id), DB_INT(now), DB_TEXT(instance), DB_TEXT(outcome), DB_INT(http_status),
		   DB_TEXT(detail), DB_INT(duration_ms));
}

#define DELIVERY_COLS                                                                           \
	"w.id, w.subscription_id, s.name AS subscription_name, w.event_id, w.event, w.complaint_id, w.complaint_no," \
	" w.status, w.attempts, w.next_attempt_at, w.last_http_status, w.last_error, w.created_at, w.updated_at," \
	" w.sent_at"

int store_hook_list(struct db *d, const struct hook_filter *f, json_t **items, int64_t *total)
{
	const char *where = " FROM webhook_deliveries w JOIN webhook_subscriptions s ON s.id = w.subscription_id"
			    " WHERE (? = 0 OR w.subscription_id = ?) AND (CAST(? AS TEXT) IS NULL OR w.status = ?)"
			    " AND (CAST(? AS TEXT) IS NULL OR w.complaint_no = ?) AND (CAST(? AS TEXT) IS NULL OR w.event = ?)";
	char sql[1200];
	snprintf(sql, sizeof sql, "SELECT COUNT(*)%s", where);
#define ARGS                                                                                    \
	DB_INT(f->subscription_id), DB_INT(f->subscription_id), DB_TEXT(f->status), DB_TEXT(f->status),    \
		DB_TEXT(f->complaint_no), DB_TEXT(f->complaint_no), DB_TEXT(f->event), DB_TEXT(f->event)
	int rc = DB_SCALAR(d, total, sql, ARGS);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof sql, "SELECT " DELIVERY_COLS "%s ORDER BY w.id DESC LIMIT ? OFFSET ?", where);
	return DBJ(d, items, sql, ARGS, DB_INT(f->limit), DB_INT(f->offset));
#undef ARGS
}

int store_hook_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out,
		      "SELECT " DELIVERY_COLS ", w.payload FROM webhook_deliveries w"
		      " JOIN webhook_subscriptions s ON s.id = w.subscription_id WHERE w.id = ?",
		      DB_INT(id));
	if (rc < 0 || !*out)
		return rc < 0 ? rc : 0;
	json_t *attempts;
	if ((rc = DBJ(d, &attempts,
		      "SELECT at, instance, outcome, http_status, detail, duration_ms FROM webhook_attempts"
		      " WHERE delivery_id = ? ORDER BY id",
		      DB_INT(id))) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "attempts_log", attempts);
	return 1;
}

int store_hook_replay(struct db *d, int64_t id, int64_t now)
{
	return DBX(d,
		   "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?,"
		   " lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?",
		   DB_INT(now), DB_INT(now), DB_INT(id));
}

/* ---- idempotency keys ---- */

int store_idem_get(struct db *d, int64_t user_id, const char *key, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT request_sha256, complaint_id, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?",
		      DB_INT(user_id), DB_TEXT(key));
	return rc < 0 ? rc : *out ? 1 : 0;
}

int store_idem_insert(struct db *d, int64_t user_id, const char *key, const char *sha, int64_t complaint_id,
		      int64_t now)
{
	return DBX(d,
		   "INSERT INTO idempotency_keys (user_id, key, request_sha256, complaint_id, created_at)"
		   " VALUES (?, ?, ?, ?, ?)",
		   DB_INT(user_id), DB_TEXT(key), DB_TEXT(sha), DB_INT(complaint_id), DB_INT(now));
}

int store_idem_purge(struct db *d, int64_t before)
{
	return DBX(d, "DELETE FROM idempotency_keys WHERE created_at < ?", DB_INT(before));
}

/* ---- OA approvals ---- */

int store_oa_insert(struct db *d, int64_t complaint_id, int64_t sub_id, const char *kind, int64_t requested_by,
		    int64_t now, int64_t expires_at, int64_t *id)
{
	int rc = DB_SCALAR(d, id,
			   "INSERT INTO oa_approvals (complaint_id, subscription_id, kind, requested_by, requested_at,"
			   " expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			   DB_INT(complaint_id), DB_INT(sub_id), DB_TEXT(kind), DB_INT(requested_by), DB_INT(now),
			   DB_INT(expires_at));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

#define OA_COLS                                                                                 \
	"id, complaint_id, subscription_id, kind, status, requested_by, requested_at, expires_at, decided_at," \
	" approver, comment"

int store_oa_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT " OA_COLS " FROM oa_approvals WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : *out ? 1 : 0;
}

int store_oa_open_for(struct db *d, int64_t complaint_id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT " OA_COLS " FROM oa_approvals WHERE complaint_id = ? AND status = 'pending'",
		      DB_INT(complaint_id));
	return rc < 0 ? rc : *out ? 1 : 0;
}

int store_oa_list(struct db *d, const struct oa_filter *f, json_t **items, int64_t *total)
{
	/* The casts: PostgreSQL types a bare "? = 0" as int4, and an epoch in ms overflows it. */
	const char *where = " FROM oa_approvals a JOIN complaints c ON c.id = a.complaint_id"
			    " LEFT JOIN users u ON u.id = a.requested_by"
			    " LEFT JOIN webhook_subscriptions s ON s.id = a.subscription_id"
			    " WHERE (CAST(? AS TEXT) IS NULL OR a.status = ?) AND (CAST(? AS TEXT) IS NULL OR a.kind = ?)"
			    " AND (CAST(? AS TEXT) IS NULL OR c.complaint_no = ?)"
			    " AND (CAST(? AS BIGINT) = 0 OR a.requested_at >= ?) AND (CAST(? AS BIGINT) = 0 OR a.requested_at < ?)";
	char sql[1400];
	snprintf(sql, sizeof sql, "SELECT COUNT(*)%s", where);
#define ARGS                                                                                    \
	DB_TEXT(f->status), DB_TEXT(f->status), DB_TEXT(f->kind), DB_TEXT(f->kind), DB_TEXT(f->complaint_no), \
		DB_TEXT(f->complaint_no), DB_INT(f->from), DB_INT(f->from), DB_INT(f->to), DB_INT(f->to)
	int rc = DB_SCALAR(d, total, sql, ARGS);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof sql,
		 "SELECT a.id, a.complaint_id, c.complaint_no, c.status AS complaint_status, a.subscription_id,"
		 " s.name AS subscription_name, a.kind, a.status, a.requested_by, u.name AS requested_by_name,"
		 " a.requested_at, a.expires_at, a.decided_at, a.approver, a.comment%s"
		 " ORDER BY a.requested_at DESC, a.id DESC LIMIT ? OFFSET ?",
		 where);
	return DBJ(d, items, sql, ARGS, DB_INT(f->limit), DB_INT(f->offset));
#undef ARGS
}

int store_callcenter_accounts(struct db *d, int64_t now, json_t **items)
{
	return DBJ(d, items,
		   "SELECT u.id, u.username, u.name, u.status, u.is_service, o.name AS org_name,"
		   " (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL"
		   " AND (t.expires_at IS NULL OR t.expires_at > ?)) AS active_tokens,"
		   " (SELECT MAX(t.last_used_at) FROM api_tokens t WHERE t.user_id = u.id) AS last_used_at"
		   " FROM users u JOIN institutions o ON o.id = u.org_id WHERE u.id IN (SELECT ur.user_id FROM user_roles ur"
		   " JOIN roles r ON r.id = ur.role_id WHERE ' ' || r.permissions || ' ' LIKE '% callcenter.lookup %')"
		   " ORDER BY u.id",
		   DB_INT(now));
}

int store_oa_decide(struct db *d, int64_t id, const char *status, const char *approver, const char *comment,
		    int64_t now)
{
	return DBX(d,
		   "UPDATE oa_approvals SET status = ?, approver = ?, comment = ?, decided_at = ?"
		   " WHERE id = ? AND status = 'pending'",
		   DB_TEXT(status), DB_TEXT(approver), DB_TEXT(comment), DB_INT(now), DB_INT(id));
}

int store_oa_due(struct db *d, int64_t now, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, complaint_id, kind FROM oa_approvals WHERE status = 'pending' AND expires_at <= ?"
		   " ORDER BY id LIMIT 100",
		   DB_INT(now));
}

int store_oa_signature_take(struct db *d, const char *signature, int64_t now, int64_t forget_before)
{
	int rc = DBX(d, "DELETE FROM oa_callback_signatures WHERE at < ?", DB_INT(forget_before));
	if (rc < 0)
		return rc;
	return DBX(d, "INSERT INTO oa_callback_signatures (signature, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
		   DB_TEXT(signature), DB_INT(now));
}

int store_hook_oa_sub(struct db *d, int64_t *id)
{
	int rc = DB_SCALAR(d, id, "SELECT id FROM webhook_subscriptions WHERE kind = 'oa' AND enabled = 1 ORDER BY id LIMIT 1",
			   DB_END);
	if (rc == 0)
		*id = 0;
	return rc < 0 ? rc : DB_OK;
}
