/* Queries of the consumer channel (see consumer.h). */
#include "store/consumer.h"
#include "store/store.h"
#include <string.h>

static int one(int rc, json_t **out)
{
	return rc < 0 ? rc : *out != NULL;
}

int store_sms_counts(struct db *d, const char *phone_bidx, const char *ip, int64_t since_hour,
		     int64_t since_minute, struct sms_counts *out)
{
	memset(out, 0, sizeof *out);
	int rc = DB_SCALAR(d, &out->phone, "SELECT COUNT(*) FROM sms_codes WHERE phone_bidx = ? AND created_at >= ?",
			   DB_TEXT(phone_bidx), DB_INT(since_hour));
	if (rc >= 0)
		rc = DB_SCALAR(d, &out->ip, "SELECT COUNT(*) FROM sms_codes WHERE ip = ? AND created_at >= ?",
			       DB_TEXT(ip), DB_INT(since_hour));
	if (rc >= 0)
		rc = DB_SCALAR(d, &out->global, "SELECT COUNT(*) FROM sms_codes WHERE created_at >= ?",
			       DB_INT(since_minute));
	if (rc >= 0)
		rc = DB_SCALAR(d, &out->phone_last_at,
			       "SELECT COALESCE(MAX(created_at), 0) FROM sms_codes WHERE phone_bidx = ? AND created_at >= ?",
			       DB_TEXT(phone_bidx), DB_INT(since_hour));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_code_insert(struct db *d, const char *purpose, const char *phone_bidx, const char *subject,
			  const char *code_hash, const char *ip, const char *challenge, int64_t now,
			  int64_t expires_at)
{
	int rc = DBX(d,
		     "INSERT INTO sms_codes (purpose, phone_bidx, subject, code_hash, ip, challenge, created_at, expires_at)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		     DB_TEXT(purpose), DB_TEXT(phone_bidx), DB_TEXT(subject), DB_TEXT(code_hash), DB_TEXT(ip),
		     DB_TEXT(challenge), DB_INT(now), DB_INT(expires_at));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_code_latest(struct db *d, const char *purpose, const char *phone_bidx, const char *subject,
			  json_t **out)
{
	return one(DBJ1(d, out,
			"SELECT id, code_hash, expires_at, attempts, used_at FROM sms_codes"
			" WHERE phone_bidx = ? AND purpose = ? AND subject = ? ORDER BY created_at DESC, id DESC LIMIT 1",
			DB_TEXT(phone_bidx), DB_TEXT(purpose), DB_TEXT(subject)),
		   out);
}

int store_sms_code_attempt(struct db *d, int64_t id)
{
	int rc = DBX(d, "UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_code_use(struct db *d, int64_t id, int64_t now)
{
	int rc = DBX(d, "UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : rc > 0;
}

int store_consumer_failure_add(struct db *d, const char *ip, int64_t now)
{
	int rc = DBX(d, "INSERT INTO consumer_failures (ip, at) VALUES (?, ?)", DB_TEXT(ip), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_failures(struct db *d, const char *ip, int64_t since, int64_t *n)
{
	int rc = DB_SCALAR(d, n, "SELECT COUNT(*) FROM consumer_failures WHERE ip = ? AND at >= ?", DB_TEXT(ip),
			   DB_INT(since));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_outbox_insert(struct db *d, const char *key_id, const char *phone_sealed, const char *tmpl,
			    const char *params_sealed, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO sms_outbox (key_id, phone, template, params, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)",
		     DB_TEXT(key_id), DB_TEXT(phone_sealed), DB_TEXT(tmpl), DB_TEXT(params_sealed), DB_INT(now),
		     DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_outbox_due(struct db *d, int64_t now, int limit, json_t **items)
{
	int rc = DBJ(d, items,
		     "SELECT id, key_id, phone, template, params, attempts FROM sms_outbox"
		     " WHERE sent_at IS NULL AND next_at <= ? ORDER BY next_at, id LIMIT ?",
		     DB_INT(now), DB_INT(limit));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_outbox_sent(struct db *d, int64_t id, int64_t now)
{
	int rc = DBX(d, "UPDATE sms_outbox SET sent_at = ?, phone = '', params = '' WHERE id = ?", DB_INT(now),
		     DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_sms_outbox_retry(struct db *d, int64_t id, int64_t next_at, const char *error)
{
	int rc = DBX(d, "UPDATE sms_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
		     DB_INT(next_at), DB_TEXT(error), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_session_insert(struct db *d, const char *token_hash, const char *purpose,
				  const char *phone_bidx, const char *complaint_no, int64_t now, int64_t expires_at)
{
	int rc = DBX(d,
		     "INSERT INTO consumer_sessions (token_hash, purpose, phone_bidx, complaint_no, created_at, expires_at)"
		     " VALUES (?, ?, ?, ?, ?, ?)",
		     DB_TEXT(token_hash), DB_TEXT(purpose), DB_TEXT(phone_bidx), DB_TEXT(complaint_no), DB_INT(now),
		     DB_INT(expires_at));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_session_get(struct db *d, const char *token_hash, int64_t now, json_t **out)
{
	return one(DBJ1(d, out,
			"SELECT purpose, phone_bidx, complaint_no, uploads, expires_at FROM consumer_sessions"
			" WHERE token_hash = ? AND expires_at > ?",
			DB_TEXT(token_hash), DB_INT(now)),
		   out);
}

int store_consumer_session_set_no(struct db *d, const char *token_hash, const char *complaint_no)
{
	int rc = DBX(d, "UPDATE consumer_sessions SET complaint_no = ? WHERE token_hash = ?", DB_TEXT(complaint_no),
		     DB_TEXT(token_hash));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_session_upload(struct db *d, const char *token_hash, int max)
{
	int rc = DBX(d, "UPDATE consumer_sessions SET uploads = uploads + 1 WHERE token_hash = ? AND uploads < ?",
		     DB_TEXT(token_hash), DB_INT(max));
	return rc < 0 ? rc : rc > 0;
}

int store_consumer_session_end(struct db *d, const char *token_hash)
{
	int rc = DBX(d, "DELETE FROM consumer_sessions WHERE token_hash = ?", DB_TEXT(token_hash));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_expire(struct db *d, int64_t before)
{
	int rc = DBX(d, "DELETE FROM consumer_sessions WHERE expires_at < ?", DB_INT(before));
	if (rc >= 0)
		rc = DBX(d, "DELETE FROM sms_codes WHERE created_at < ?", DB_INT(before));
	if (rc >= 0)
		rc = DBX(d, "DELETE FROM consumer_failures WHERE at < ?", DB_INT(before));
	return rc < 0 ? rc : DB_OK;
}

int store_submission_insert(struct db *d, json_t *s, int64_t *id)
{
#define S(k) DB_TEXT(json_string_value(json_object_get(s, k)))
#define I(k) DB_INT(json_integer_value(json_object_get(s, k)))
	int rc = DB_SCALAR(d, id,
			   "INSERT INTO consumer_submissions (complaint_no, received_at, phone_bidx, complained_org_id,"
			   " org_path, business_type_code, key_id, identity, masked, content, demand, ip)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   S("complaint_no"), I("received_at"), S("phone_bidx"), I("complained_org_id"), S("org_path"),
			   S("business_type_code"), S("key_id"), S("identity"), S("masked"), S("content"), S("demand"),
			   S("ip"));
#undef S
#undef I
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

#define SUBMISSION_COLS                                                                                 \
	"SELECT s.id, s.complaint_no, s.status, s.received_at, s.phone_bidx, s.complained_org_id,"     \
	" i.name AS complained_org_name, s.org_path, s.business_type_code, s.key_id, s.identity, s.masked," \
	" s.content, s.demand, s.complaint_id, s.confirmed_at"                                          \
	" FROM consumer_submissions s JOIN institutions i ON i.id = s.complained_org_id"

int store_submission_get(struct db *d, int64_t id, json_t **out)
{
	return one(DBJ1(d, out, SUBMISSION_COLS " WHERE s.id = ?", DB_INT(id)), out);
}

int store_submission_by_no(struct db *d, const char *complaint_no, json_t **out)
{
	return one(DBJ1(d, out, SUBMISSION_COLS " WHERE s.complaint_no = ?", DB_TEXT(complaint_no)), out);
}

int store_submission_pending(struct db *d, const char *path_like, int64_t limit, json_t **items)
{
	int rc = DBJ(d, items,
		     "SELECT s.id, s.complaint_no, s.received_at, s.complained_org_id, i.name AS complained_org_name,"
		     " s.business_type_code, s.masked, s.content, s.demand"
		     " FROM consumer_submissions s JOIN institutions i ON i.id = s.complained_org_id"
		     " WHERE s.status = 'pending' AND s.org_path LIKE ?"
		     " ORDER BY s.received_at, s.id LIMIT ?",
		     DB_TEXT(path_like), DB_INT(limit));
	return rc < 0 ? rc : DB_OK;
}

int store_submission_confirm(struct db *d, int64_t id, int64_t complaint_id, int64_t user_id, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE consumer_submissions SET status = 'confirmed', complaint_id = ?, confirmed_by = ?,"
		     " confirmed_at = ? WHERE id = ? AND status = 'pending'",
		     DB_INT(complaint_id), DB_INT(user_id), DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : rc > 0;
}

int store_consumer_message_insert(struct db *d, const char *complaint_no, const char *kind, const char *content,
				  const char *satisfaction, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO consumer_messages (complaint_no, kind, content, satisfaction, created_at) VALUES (?, ?, ?, ?, ?)",
		     DB_TEXT(complaint_no), DB_TEXT(kind), DB_TEXT(content), DB_TEXT(satisfaction), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_messages(struct db *d, const char *complaint_no, json_t **items)
{
	int rc = DBJ(d, items,
		     "SELECT id, kind, content, satisfaction, created_at FROM consumer_messages WHERE complaint_no = ? ORDER BY id",
		     DB_TEXT(complaint_no));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_file_insert(struct db *d, const char *complaint_no, const char *name, const char *mime,
			       int64_t size, const char *sha256, const char *storage_name, int64_t now, int64_t *id)
{
	int rc = DB_SCALAR(d, id,
			   "INSERT INTO consumer_files (complaint_no, name, mime, size, sha256, storage_name, created_at)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   DB_TEXT(complaint_no), DB_TEXT(name), DB_TEXT(mime), DB_INT(size), DB_TEXT(sha256),
			   DB_TEXT(storage_name), DB_INT(now));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_consumer_files(struct db *d, const char *complaint_no, json_t **items)
{
	int rc = DBJ(d, items,
		     "SELECT id, name, mime, size, sha256, created_at FROM consumer_files WHERE complaint_no = ? ORDER BY id",
		     DB_TEXT(complaint_no));
	return rc < 0 ? rc : DB_OK;
}

int store_consumer_file_get(struct db *d, int64_t id, json_t **out)
{
	return one(DBJ1(d, out, "SELECT id, complaint_no, name, mime, size, storage_name FROM consumer_files WHERE id = ?",
			DB_INT(id)),
		   out);
}

int store_consumer_complaint_id(struct db *d, const char *complaint_no, const char *phone_bidx, int64_t *id)
{
	*id = 0;
	int rc = DB_SCALAR(d, id,
			   "SELECT id FROM complaints WHERE complaint_no = ? AND phone_bidx = ?"
			   " AND status NOT IN ('draft', 'deleted')",
			   DB_TEXT(complaint_no), DB_TEXT(phone_bidx));
	return rc < 0 ? rc : rc == 1;
}

int store_consumer_owns(struct db *d, const char *complaint_no, const char *phone_bidx)
{
	int64_t id;
	int rc = store_consumer_complaint_id(d, complaint_no, phone_bidx, &id);
	if (rc != 0)
		return rc;
	rc = DB_SCALAR(d, &id, "SELECT id FROM consumer_submissions WHERE complaint_no = ? AND phone_bidx = ?",
		       DB_TEXT(complaint_no), DB_TEXT(phone_bidx));
	return rc < 0 ? rc : rc == 1;
}

int store_consumer_institutions(struct db *d, json_t **items)
{
	int rc = DBJ(d, items, "SELECT id, name FROM institutions WHERE status = 'active' ORDER BY path LIMIT 2000",
		     DB_END);
	return rc < 0 ? rc : DB_OK;
}
