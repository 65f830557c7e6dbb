/* Directory sign-in queries (see directory_links.h). */
#include "store/directory_links.h"
#include "store/db.h"
#include <stdbool.h>
#include <stdio.h>

int store_dirlink_user(struct db *d, const char *provider, const char *subject, int64_t *user_id)
{
	*user_id = 0;
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT user_id FROM directory_links WHERE provider = ? AND subject = ?",
		     DB_TEXT(provider), DB_TEXT(subject));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*user_id = db_int(r, 0);
	db_done(r);
	return rc;
}

int store_dirlink_local_off(struct db *d, int64_t user_id)
{
	int64_t n = 0;
	int rc = DB_SCALAR(d, &n,
			   "SELECT COUNT(*) FROM directory_links WHERE user_id = ? AND local_password_off = 1",
			   DB_INT(user_id));
	return rc < 0 ? rc : n > 0;
}

int store_dirlink_set(struct db *d, int64_t user_id, const char *provider, const char *subject,
		      bool local_off, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO directory_links (user_id, provider, subject, local_password_off, created_at)"
		     " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, provider) DO UPDATE SET"
		     " subject = excluded.subject, local_password_off = excluded.local_password_off",
		     DB_INT(user_id), DB_TEXT(provider), DB_TEXT(subject), DB_INT(local_off ? 1 : 0), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_dirlink_delete(struct db *d, int64_t user_id, const char *provider)
{
	int64_t n = 0;
	int rc = DB_SCALAR(d, &n, "SELECT COUNT(*) FROM directory_links WHERE user_id = ? AND provider = ?",
			   DB_INT(user_id), DB_TEXT(provider));
	if (rc >= 0 && n)
		rc = DBX(d, "DELETE FROM directory_links WHERE user_id = ? AND provider = ?", DB_INT(user_id),
			 DB_TEXT(provider));
	return rc < 0 ? rc : n > 0;
}

int store_dirlink_list(struct db *d, json_t **items)
{
	return db_query_json(d, items,
			     "SELECT l.user_id, u.username, u.name, u.status, l.provider, l.subject,"
			     " l.local_password_off, l.created_at FROM directory_links l"
			     " JOIN users u ON u.id = l.user_id ORDER BY u.username, l.provider",
			     (const struct db_val[]){DB_END});
}

int store_oidc_state_put(struct db *d, const char *state_hash, const char *nonce,
			 const char *verifier, int64_t now, int64_t prune_before)
{
	int rc = DBX(d, "DELETE FROM oidc_states WHERE created_at < ?", DB_INT(prune_before));
	if (rc >= 0)
		rc = DBX(d, "INSERT INTO oidc_states (state_hash, nonce, verifier, created_at) VALUES (?, ?, ?, ?)",
			 DB_TEXT(state_hash), DB_TEXT(nonce), DB_TEXT(verifier), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_oidc_state_take(struct db *d, const char *state_hash, int64_t since, char nonce[64],
			  char verifier[64])
{
	nonce[0] = verifier[0] = '\0';
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT nonce, verifier FROM oidc_states WHERE state_hash = ? AND created_at >= ?",
		     DB_TEXT(state_hash), DB_INT(since));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		snprintf(nonce, 64, "%s", db_text(r, 0));
		snprintf(verifier, 64, "%s", db_text(r, 1));
	}
	db_done(r);
	if (rc == 1) {
		int x = DBX(d, "DELETE FROM oidc_states WHERE state_hash = ?", DB_TEXT(state_hash));
		if (x < 0)
			return x;
	}
	return rc;
}

/* ---- group → role mapping ---- */

int store_dirgroup_list(struct db *d, json_t **items)
{
	return db_query_json(d, items,
			     "SELECT g.group_name, g.role_id, r.code AS role_code, r.name AS role_name, r.sanyuan,"
			     " r.permissions FROM directory_group_roles g JOIN roles r ON r.id = g.role_id"
			     " ORDER BY g.group_name, r.code",
			     (const struct db_val[]){DB_END});
}

int store_dirgroup_replace(struct db *d, const char *const *groups, const int64_t *role_ids, int n,
			   int64_t now)
{
	int rc = db_exec(d, "DELETE FROM directory_group_roles", (const struct db_val[]){DB_END});
	for (int i = 0; rc >= 0 && i < n; i++)
		rc = DBX(d, "INSERT INTO directory_group_roles (group_name, role_id, created_at) VALUES (?, ?, ?)"
			    " ON CONFLICT DO NOTHING",
			 DB_TEXT(groups[i]), DB_INT(role_ids[i]), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_dirgroup_roles_of(struct db *d, const char *const *groups, int n, int64_t *ids, int max)
{
	int count = 0;
	for (int i = 0; i < n; i++) {
		struct db_res *r;
		int rc = DBQ(d, &r, "SELECT role_id FROM directory_group_roles WHERE group_name = ?", DB_TEXT(groups[i]));
		if (rc < 0)
			return rc;
		while ((rc = db_next(r)) == 1) {
			int64_t id = db_int(r, 0);
			bool dup = false;
			for (int k = 0; k < count; k++)
				dup |= ids[k] == id;
			if (!dup && count < max)
				ids[count++] = id;
		}
		db_done(r);
		if (rc < 0)
			return rc;
	}
	return count;
}

int store_dirgrant_own_roles(struct db *d, int64_t user_id, json_t **items)
{
	return db_query_json(d, items,
			     "SELECT r.sanyuan, r.permissions FROM user_roles ur JOIN roles r ON r.id = ur.role_id"
			     " WHERE ur.user_id = ? AND NOT EXISTS (SELECT 1 FROM directory_role_grants g"
			     " WHERE g.user_id = ur.user_id AND g.role_id = ur.role_id)",
			     (const struct db_val[]){DB_INT(user_id), DB_END});
}

static bool has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int store_dirgrant_sync(struct db *d, int64_t user_id, const int64_t *want, int n, json_t **added,
			json_t **removed)
{
	*added = json_array();
	*removed = json_array();
	if (!*added || !*removed)
		return DB_HARD;
	int64_t granted[64];
	int ng = 0;
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT role_id FROM directory_role_grants WHERE user_id = ?", DB_INT(user_id));
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) == 1 && ng < 64)
		granted[ng++] = db_int(r, 0);
	db_done(r);
	if (rc < 0)
		return rc;
	for (int i = 0; i < ng; i++) {
		if (has_id(want, n, granted[i]))
			continue;
		rc = DBX(d, "DELETE FROM user_roles WHERE user_id = ? AND role_id = ?", DB_INT(user_id), DB_INT(granted[i]));
		if (rc >= 0)
			rc = DBX(d, "DELETE FROM directory_role_grants WHERE user_id = ? AND role_id = ?", DB_INT(user_id),
				 DB_INT(granted[i]));
		if (rc < 0)
			return rc;
		json_array_append_new(*removed, json_integer(granted[i]));
	}
	for (int i = 0; i < n; i++) {
		if (has_id(granted, ng, want[i]))
			continue;
		int64_t held = 0;
		rc = DB_SCALAR(d, &held, "SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role_id = ?",
			       DB_INT(user_id), DB_INT(want[i]));
		if (rc < 0)
			return rc;
		if (held) /* the security administrator granted it: not the directory's to withdraw */
			continue;
		rc = DBX(d, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", DB_INT(user_id), DB_INT(want[i]));
		if (rc >= 0)
			rc = DBX(d, "INSERT INTO directory_role_grants (user_id, role_id) VALUES (?, ?)", DB_INT(user_id),
				 DB_INT(want[i]));
		if (rc < 0)
			return rc;
		json_array_append_new(*added, json_integer(want[i]));
	}
	return DB_OK;
}
