/* Principals: sessions (cookie hash → user) and API tokens (token hash → service user), and
 * loading the signed-in user's permissions and scope from their roles. */
#include "store/store.h"
#include <stdio.h>
#include <string.h>

static void read_principal(struct db_res *r, int col, struct principal *p)
{
	snprintf(p->username, sizeof p->username, "%s", db_text(r, col));
	snprintf(p->name, sizeof p->name, "%s", db_text(r, col + 1));
	p->org_id = db_int(r, col + 2);
	snprintf(p->org_path, sizeof p->org_path, "%s", db_text(r, col + 3));
	p->must_change_password = db_int(r, col + 4) != 0;
}

#define PRINCIPAL_COLS "u.username, u.name, u.org_id, i.path, u.must_change_password"

/* Fills p->perms and p->scope from the user's roles. */
static int principal_roles(struct db *d, struct principal *p)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT r.permissions, r.data_scope FROM user_roles ur JOIN roles r ON r.id = ur.role_id"
		     " WHERE ur.user_id = ?",
		     DB_INT(p->user_id));
	if (rc < 0)
		return rc;
	p->perms = 0;
	p->scope = SCOPE_SELF;
	while ((rc = db_next(r)) == 1) {
		uint32_t mask = 0;
		/* Unknown codes (from a newer version's data) grant nothing. */
		perm_parse_list(db_text(r, 0), &mask, NULL);
		p->perms |= mask;
		int s = scope_from_code(db_text(r, 1));
		if (s > (int)p->scope)
			p->scope = (enum data_scope)s;
	}
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}

int store_principal_load(struct db *d, int64_t user_id, struct principal *p)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT " PRINCIPAL_COLS " FROM users u JOIN institutions i ON i.id = u.org_id"
		     " WHERE u.id = ? AND u.status = 'active'",
		     DB_INT(user_id));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		p->user_id = user_id;
		read_principal(r, 0, p);
	}
	db_done(r);
	if (rc != 1)
		return rc;
	rc = principal_roles(d, p);
	return rc < 0 ? rc : 1;
}

/* Session, user, institution and the union of the user's roles in one round trip: the query
 * every signed-in request makes. Only the string aggregate differs between the dialects. */
#define SESSION_PRINCIPAL(AGG)                                                                  \
	"SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, " PRINCIPAL_COLS ", "      \
	AGG " AS perms, MAX(CASE r.data_scope WHEN 'all' THEN 3 WHEN 'subtree' THEN 2"             \
	" WHEN 'org' THEN 1 ELSE 0 END) AS scope"                                                 \
	" FROM sessions s JOIN users u ON u.id = s.user_id JOIN institutions i ON i.id = u.org_id" \
	" LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id"    \
	" WHERE s.id_hash = ? AND u.status = 'active'"                                            \
	" GROUP BY s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.username, u.name,"    \
	" u.org_id, i.path, u.must_change_password"

int store_session_principal(struct db *d, const char *id_hash, struct principal *p,
			    int64_t *created_at, int64_t *last_seen_at)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     db_backend(d) == DB_PG ? SESSION_PRINCIPAL("string_agg(r.permissions, ' ')")
					    : SESSION_PRINCIPAL("group_concat(r.permissions, ' ')"),
		     DB_TEXT(id_hash));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		p->user_id = db_int(r, 0);
		snprintf(p->csrf, sizeof p->csrf, "%s", db_text(r, 1));
		*created_at = db_int(r, 2);
		*last_seen_at = db_int(r, 3);
		read_principal(r, 4, p);
		uint32_t mask = 0;
		/* Unknown codes (from a newer version's data) grant nothing. */
		perm_parse_list(db_text(r, 9), &mask, NULL);
		p->perms = mask;
		p->scope = (enum data_scope)db_int(r, 10);
	}
	db_done(r);
	return rc;
}

int store_session_insert(struct db *d, const char *id_hash, int64_t user_id, const char *csrf,
			 const char *ip, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO sessions (id_hash, user_id, csrf_token, ip, created_at, last_seen_at)"
		     " VALUES (?, ?, ?, ?, ?, ?)",
		     DB_TEXT(id_hash), DB_INT(user_id), DB_TEXT(csrf), DB_TEXT(ip), DB_INT(now), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_session_touch(struct db *d, const char *id_hash, int64_t now)
{
	int rc = DBX(d, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", DB_INT(now),
		     DB_TEXT(id_hash));
	return rc < 0 ? rc : DB_OK;
}

int store_session_delete(struct db *d, const char *id_hash)
{
	int rc = DBX(d, "DELETE FROM sessions WHERE id_hash = ?", DB_TEXT(id_hash));
	return rc < 0 ? rc : DB_OK;
}

int store_session_delete_user(struct db *d, int64_t user_id)
{
	int rc = DBX(d, "DELETE FROM sessions WHERE user_id = ?", DB_INT(user_id));
	return rc < 0 ? rc : DB_OK;
}

int store_session_delete_others(struct db *d, int64_t user_id, const char *keep_hash)
{
	int rc = DBX(d, "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", DB_INT(user_id),
		     DB_TEXT(keep_hash ? keep_hash : ""));
	return rc < 0 ? rc : DB_OK;
}

int store_token_insert(struct db *d, int64_t user_id, const char *name, const char *hash,
		       const char *prefix, int64_t created_by, int64_t now, int64_t expires_at,
		       int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_by, created_at,"
		     " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		     DB_INT(user_id), DB_TEXT(name), DB_TEXT(hash), DB_TEXT(prefix), DB_INT(created_by),
		     DB_INT(now), DB_INT_OR_NULL(expires_at > 0, expires_at));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_token_user(struct db *d, const char *hash, int64_t now, int64_t *user_id, int64_t *last_used_at)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT user_id, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL"
		     " AND (expires_at IS NULL OR expires_at > ?)",
		     DB_TEXT(hash), DB_INT(now));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		*user_id = db_int(r, 0);
		*last_used_at = db_int(r, 1); /* 0 when never used */
	}
	db_done(r);
	return rc;
}

int store_token_touch(struct db *d, const char *hash, int64_t now)
{
	/* At most one write a minute per token. */
	int rc = DBX(d,
		     "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?"
		     " AND (last_used_at IS NULL OR last_used_at < ?)",
		     DB_INT(now), DB_TEXT(hash), DB_INT(now - 60000));
	return rc < 0 ? rc : DB_OK;
}

int store_token_list(struct db *d, int64_t user_id, json_t **items)
{
	return DBJ(d, items,
		   "SELECT id, name, prefix, created_at, last_used_at, expires_at, revoked_at"
		   " FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
		   DB_INT(user_id));
}

int store_token_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT id, user_id, name, prefix, revoked_at FROM api_tokens WHERE id = ?",
		      DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_token_revoke(struct db *d, int64_t id, int64_t now)
{
	int rc = DBX(d, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
		     DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}
