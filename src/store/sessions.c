/* Sessions (cookie hash → user) and API tokens (token hash → service user), and the rows a
 * signed-in user is made of: account, institution and roles (domain/principal.c builds the
 * principal from them). */
#include "store/store.h"
#include <stdio.h>
#include <string.h>

static void read_identity(struct db_res *r, int col, struct store_identity *id)
{
	snprintf(id->username, sizeof id->username, "%s", db_text(r, col));
	snprintf(id->name, sizeof id->name, "%s", db_text(r, col + 1));
	id->org_id = db_int(r, col + 2);
	snprintf(id->org_path, sizeof id->org_path, "%s", db_text(r, col + 3));
	id->must_change_password = db_int(r, col + 4) != 0;
}

#define IDENTITY_COLS "u.username, u.name, u.org_id, i.path, u.must_change_password"
/* A role's data scope code as enum data_scope (store/scope_filter.h). */
#define SCOPE_RANK(col)                                                                          \
	"CASE " col " WHEN 'all' THEN 3 WHEN 'subtree' THEN 2 WHEN 'org' THEN 1 ELSE 0 END"

static int identity_roles(struct db *d, int64_t user_id, store_role_fn fn, void *ctx)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT r.permissions, " SCOPE_RANK("r.data_scope")
		     " FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = ?",
		     DB_INT(user_id));
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) == 1)
		fn(ctx, db_text(r, 0), (int)db_int(r, 1));
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}

int store_identity_load(struct db *d, int64_t user_id, struct store_identity *id, store_role_fn fn,
			void *ctx)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT " IDENTITY_COLS " FROM users u JOIN institutions i ON i.id = u.org_id"
		     " WHERE u.id = ? AND u.status = 'active'",
		     DB_INT(user_id));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		id->user_id = user_id;
		read_identity(r, 0, id);
	}
	db_done(r);
	if (rc != 1)
		return rc;
	rc = identity_roles(d, user_id, fn, ctx);
	return rc < 0 ? rc : 1;
}

/* Session, user, institution and the union of the user's roles in one round trip: the query
 * every signed-in request makes. Only the string aggregate differs between the dialects. */
#define SESSION_IDENTITY(AGG)                                                                   \
	DB_GENERIC_PLAN "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, " IDENTITY_COLS ", " \
	AGG " AS perms, MAX(" SCOPE_RANK("r.data_scope") ") AS scope"                              \
	" FROM sessions s JOIN users u ON u.id = s.user_id JOIN institutions i ON i.id = u.org_id" \
	" LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id"    \
	" WHERE s.id_hash = ? AND u.status = 'active'"                                            \
	" GROUP BY s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.username, u.name,"    \
	" u.org_id, i.path, u.must_change_password"

int store_session_identity(struct db *d, const char *id_hash, struct store_identity *id,
			   store_role_fn fn, void *ctx)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     db_backend(d) == DB_PG ? SESSION_IDENTITY("string_agg(r.permissions, ' ')")
					    : SESSION_IDENTITY("group_concat(r.permissions, ' ')"),
		     DB_TEXT(id_hash));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		id->user_id = db_int(r, 0);
		snprintf(id->csrf, sizeof id->csrf, "%s", db_text(r, 1));
		id->created_at = db_int(r, 2);
		id->last_seen_at = db_int(r, 3);
		read_identity(r, 4, id);
		fn(ctx, db_text(r, 9), (int)db_int(r, 10));
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
