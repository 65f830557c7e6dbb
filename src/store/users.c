/* User queries: accounts, their roles, credentials and lock state. */
#include "store/scope_sql.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

#define USER_COLS                                                                               \
	"u.id, u.username, u.name, u.org_id, i.name AS org_name, i.path AS org_path, u.phone,"    \
	" u.email, u.status, u.is_service, u.must_change_password, u.password_changed_at,"        \
	" u.lock_reason, u.last_login_at, u.created_at, u.updated_at,"                            \
	/* an admin lock or the latest lock of any source (login_failures), whichever is later */ \
	" (SELECT CASE WHEN COALESCE(MAX(lf.locked_until), 0) > COALESCE(u.locked_until, 0)"      \
	"  THEN MAX(lf.locked_until) ELSE u.locked_until END FROM login_failures lf"               \
	"  WHERE lf.username = u.username) AS locked_until,"                                      \
	" (SELECT CASE WHEN COALESCE(MAX(lf.failures), 0) > u.failed_attempts"                    \
	"  THEN MAX(lf.failures) ELSE u.failed_attempts END FROM login_failures lf"               \
	"  WHERE lf.username = u.username) AS failed_attempts,"                                   \
	" CASE WHEN u.activation_hash IS NULL THEN 'none'"                                        \
	" WHEN u.activation_hash = '' THEN 'pending' ELSE 'issued' END AS activation"

#define USER_WHERE                                                                              \
	" WHERE " SCOPE_SQL("i.path", "u.org_id", "u.id")                                         \
	" AND (u.username LIKE ? ESCAPE '\\' OR u.name LIKE ? ESCAPE '\\')"                       \
	" AND (CAST(? AS BIGINT) = 0 OR i.path LIKE (SELECT path FROM institutions WHERE id = ?) || '%')" \
	" AND (CAST(? AS BIGINT) = 0 OR EXISTS (SELECT 1 FROM user_roles ur"                     \
	" WHERE ur.user_id = u.id AND ur.role_id = ?))"                                           \
	" AND (CAST(? AS TEXT) IS NULL OR u.status = ?)"

static int attach_roles(struct db *d, json_t *user)
{
	json_t *roles;
	int rc = DBJ(d, &roles,
		     "SELECT r.id, r.code, r.name, r.permissions, r.data_scope, r.sanyuan"
		     " FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = ?"
		     " ORDER BY r.id",
		     DB_INT(json_integer_value(json_object_get(user, "id"))));
	if (rc < 0)
		return rc;
	json_object_set_new(user, "roles", roles);
	return DB_OK;
}

int store_user_list(struct db *d, const struct scope_filter *sf, const struct user_filter *f,
		    json_t **items, int64_t *total)
{
	char like[300];
	store_like_pattern(like, sizeof like, f->q);
#define USER_ARGS                                                                               \
	SCOPE_ARGS(sf), DB_TEXT(like), DB_TEXT(like), DB_INT(f->org_id), DB_INT(f->org_id),      \
		DB_INT(f->role_id), DB_INT(f->role_id), DB_TEXT(f->status), DB_TEXT(f->status)
	int rc = DB_SCALAR(d, total,
			   "SELECT COUNT(*) FROM users u JOIN institutions i ON i.id = u.org_id" USER_WHERE,
			   USER_ARGS);
	if (rc < 0)
		return rc;
	rc = DBJ(d, items,
		 "SELECT " USER_COLS " FROM users u JOIN institutions i ON i.id = u.org_id" USER_WHERE
		 " ORDER BY u.id LIMIT ? OFFSET ?",
		 USER_ARGS, DB_INT(f->limit), DB_INT(f->offset));
#undef USER_ARGS
	if (rc < 0)
		return rc;
	size_t i;
	json_t *u;
	json_array_foreach(*items, i, u)
	{
		if ((rc = attach_roles(d, u)) < 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	}
	return DB_OK;
}

int store_user_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out,
		      "SELECT " USER_COLS " FROM users u JOIN institutions i ON i.id = u.org_id"
		      " WHERE u.id = ?",
		      DB_INT(id));
	if (rc < 0 || !*out)
		return rc < 0 ? rc : 0;
	if ((rc = attach_roles(d, *out)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 1;
}

#define AUTH_COLS                                                                               \
	"id, org_id, failed_attempts, COALESCE(locked_until, 0), COALESCE(password_changed_at, 0)," \
	" status, COALESCE(password_hash, ''), COALESCE(lock_reason, ''), is_service,"              \
	" must_change_password"

static int read_auth(struct db_res *r, struct user_auth *out)
{
	int rc = db_next(r);
	if (rc == 1) {
		out->id = db_int(r, 0);
		out->org_id = db_int(r, 1);
		out->failed_attempts = db_int(r, 2);
		out->locked_until = db_int(r, 3);
		out->password_changed_at = db_int(r, 4);
		snprintf(out->status, sizeof out->status, "%s", db_text(r, 5));
		snprintf(out->password_hash, sizeof out->password_hash, "%s", db_text(r, 6));
		snprintf(out->lock_reason, sizeof out->lock_reason, "%s", db_text(r, 7));
		out->is_service = db_int(r, 8) != 0;
		out->must_change_password = db_int(r, 9) != 0;
	}
	db_done(r);
	return rc;
}

int store_user_auth(struct db *d, const char *username, struct user_auth *out)
{
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT " AUTH_COLS " FROM users WHERE username = ?", DB_TEXT(username));
	return rc < 0 ? rc : read_auth(r, out);
}

int store_user_auth_by_id(struct db *d, int64_t id, struct user_auth *out)
{
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT " AUTH_COLS " FROM users WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : read_auth(r, out);
}

int store_user_insert(struct db *d, const char *username, const char *name, int64_t org_id,
		      const char *phone, const char *email, const char *password_hash,
		      bool is_service, int64_t now, int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO users (username, name, org_id, phone, email, password_hash, is_service,"
		     " must_change_password, password_changed_at, created_at, updated_at)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		     DB_TEXT(username), DB_TEXT(name), DB_INT(org_id), DB_TEXT(phone ? phone : ""),
		     DB_TEXT(email ? email : ""), DB_TEXT(password_hash), DB_INT(is_service),
		     DB_INT(password_hash != NULL), DB_INT_OR_NULL(password_hash != NULL, now),
		     DB_INT(now), DB_INT(now));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	if (password_hash) {
		rc = DBX(d, "INSERT INTO password_history (user_id, password_hash, created_at) VALUES (?, ?, ?)",
			 DB_INT(*id), DB_TEXT(password_hash), DB_INT(now));
		if (rc < 0)
			return rc;
	}
	return DB_OK;
}

int store_user_update(struct db *d, int64_t id, const char *name, int64_t org_id,
		      const char *phone, const char *email, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE users SET name = COALESCE(?, name), org_id = COALESCE(?, org_id),"
		     " phone = COALESCE(?, phone), email = COALESCE(?, email), updated_at = ? WHERE id = ?",
		     DB_TEXT(name), DB_INT_OR_NULL(org_id > 0, org_id), DB_TEXT(phone), DB_TEXT(email),
		     DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_user_set_roles(struct db *d, int64_t id, const int64_t *role_ids, int n)
{
	int rc = DBX(d, "DELETE FROM user_roles WHERE user_id = ?", DB_INT(id));
	for (int i = 0; rc >= 0 && i < n; i++)
		rc = DBX(d, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", DB_INT(id),
			 DB_INT(role_ids[i]));
	return rc < 0 ? rc : DB_OK;
}

int store_user_set_status(struct db *d, int64_t id, const char *status, int64_t now)
{
	int rc = DBX(d, "UPDATE users SET status = ?, updated_at = ? WHERE id = ?", DB_TEXT(status),
		     DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_user_set_lock(struct db *d, int64_t id, int64_t failed, int64_t locked_until,
			const char *reason, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE users SET failed_attempts = ?, locked_until = ?, lock_reason = ?,"
		     " updated_at = ? WHERE id = ?",
		     DB_INT(failed), DB_INT_OR_NULL(locked_until > 0, locked_until),
		     DB_TEXT(locked_until > 0 ? reason : NULL), DB_INT(now), DB_INT(id));
	if (rc >= 0 && locked_until <= 0)
		rc = DBX(d, "DELETE FROM login_failures WHERE username = (SELECT username FROM users WHERE id = ?)",
			 DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_login_failures_get(struct db *d, const char *username, const char *source,
			     int64_t *failures, int64_t *locked_until, int64_t *last_at)
{
	*failures = *locked_until = *last_at = 0;
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT failures, COALESCE(locked_until, 0), last_at FROM login_failures"
		     " WHERE username = ? AND source = ?",
		     DB_TEXT(username), DB_TEXT(source));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		*failures = db_int(r, 0);
		*locked_until = db_int(r, 1);
		*last_at = db_int(r, 2);
	}
	db_done(r);
	return rc;
}

int store_login_failures_set(struct db *d, const char *username, const char *source,
			     int64_t failures, int64_t locked_until, int64_t now, int64_t forget_before)
{
	int rc = DBX(d, "DELETE FROM login_failures WHERE last_at < ?", DB_INT(forget_before));
	if (rc >= 0)
		rc = DBX(d,
			 "INSERT INTO login_failures (username, source, failures, locked_until, last_at)"
			 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, source) DO UPDATE SET"
			 " failures = excluded.failures, locked_until = excluded.locked_until,"
			 " last_at = excluded.last_at",
			 DB_TEXT(username), DB_TEXT(source), DB_INT(failures),
			 DB_INT_OR_NULL(locked_until > 0, locked_until), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_login_failures_clear(struct db *d, const char *username, const char *source)
{
	int rc = DBX(d, "DELETE FROM login_failures WHERE username = ? AND source = ?",
		     DB_TEXT(username), DB_TEXT(source));
	return rc < 0 ? rc : DB_OK;
}

int store_login_failures_of_source(struct db *d, const char *source, int64_t since, int64_t *failures)
{
	int rc = DB_SCALAR(d, failures,
			   "SELECT COALESCE(SUM(failures), 0) FROM login_failures WHERE source = ? AND last_at >= ?",
			   DB_TEXT(source), DB_INT(since));
	return rc < 0 ? rc : DB_OK;
}

int store_user_login_ok(struct db *d, int64_t id, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE users SET failed_attempts = 0, locked_until = NULL, lock_reason = NULL,"
		     " last_login_at = ? WHERE id = ?",
		     DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_user_set_must_change(struct db *d, int64_t id, bool must_change)
{
	int rc = DBX(d, "UPDATE users SET must_change_password = ? WHERE id = ?", DB_INT(must_change),
		     DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_user_set_password(struct db *d, int64_t id, const char *hash, bool must_change,
			    int64_t now)
{
	int rc = DBX(d,
		     "UPDATE users SET password_hash = ?, must_change_password = ?,"
		     " password_changed_at = ?, updated_at = ? WHERE id = ?",
		     DB_TEXT(hash), DB_INT(must_change), DB_INT(now), DB_INT(now), DB_INT(id));
	/* The owner's own password ends any activation still asked for. */
	if (rc >= 0 && !must_change)
		rc = DBX(d, "UPDATE users SET activation_hash = NULL WHERE id = ?", DB_INT(id));
	if (rc >= 0)
		rc = DBX(d, "INSERT INTO password_history (user_id, password_hash, created_at) VALUES (?, ?, ?)",
			 DB_INT(id), DB_TEXT(hash), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_user_set_activation(struct db *d, int64_t id, const char *hash)
{
	int rc = DBX(d, "UPDATE users SET activation_hash = ? WHERE id = ?", DB_TEXT(hash), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_user_activation(struct db *d, int64_t id, char hash[65])
{
	struct db_res *r;
	hash[0] = '\0';
	int rc = DBQ(d, &r, "SELECT activation_hash FROM users WHERE id = ?", DB_INT(id), DB_END);
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		const char *h = db_text(r, 0);
		if (h)
			snprintf(hash, 65, "%s", h);
		rc = h ? 1 : 0;
	}
	db_done(r);
	return rc;
}

int store_sanyuan_holders(struct db *d, const char *kind, int64_t except_user, int64_t *count)
{
	return DB_SCALAR(d, count,
			 "SELECT COUNT(DISTINCT ur.user_id) FROM user_roles ur JOIN roles r ON r.id = ur.role_id"
			 " WHERE r.sanyuan = ? AND ur.user_id <> ?",
			 DB_TEXT(kind), DB_INT(except_user));
}

int store_password_history(struct db *d, int64_t id, int n, json_t **hashes)
{
	*hashes = json_array();
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?",
		     DB_INT(id), DB_INT(n));
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) == 1)
		json_array_append_new(*hashes, json_string(db_text(r, 0)));
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}

int store_users_with_role(struct db *d, const char *role_code, json_t **items)
{
	return DBJ(d, items,
		   "SELECT u.id, i.path AS org_path, (SELECT MAX(CASE r2.data_scope WHEN 'all' THEN 3"
		   " WHEN 'subtree' THEN 2 WHEN 'org' THEN 1 ELSE 0 END) FROM user_roles ur2"
		   " JOIN roles r2 ON r2.id = ur2.role_id WHERE ur2.user_id = u.id) AS scope"
		   " FROM users u JOIN institutions i ON i.id = u.org_id"
		   " JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id"
		   " WHERE r.code = ? AND u.status = 'active'",
		   DB_TEXT(role_code));
}

int store_handlers_in_subtree(struct db *d, const char *path, json_t **items)
{
	char end[600];
	snprintf(end, sizeof end, "%s", path);
	size_t n = strlen(end);
	if (n)
		end[n - 1]++; /* "/1/5/" .. "/1/50": the subtree as a range */
	return DBJ(d, items,
		   "SELECT DISTINCT u.id, u.username, u.name, u.org_id, i.name AS org_name, i.path AS org_path"
		   " FROM users u JOIN institutions i ON i.id = u.org_id JOIN user_roles ur ON ur.user_id = u.id"
		   " JOIN roles r ON r.id = ur.role_id WHERE u.status = 'active' AND u.is_service = 0"
		   " AND (' ' || r.permissions || ' ') LIKE '% complaint.handle %'"
		   " AND i.path >= ? AND i.path < ? ORDER BY i.path, u.name",
		   DB_TEXT(path), DB_TEXT(end));
}
