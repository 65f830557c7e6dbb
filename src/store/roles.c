/* Role queries. Permissions are stored as a space-separated list of catalogue codes. */
#include "store/store.h"

#define ROLE_COLS                                                                              \
	"r.id, r.code, r.name, r.description, r.permissions, r.data_scope, r.builtin, r.sanyuan," \
	" (SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id"                 \
	" WHERE ur.role_id = r.id AND u.status <> 'closed') AS user_count"

int store_role_list(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT " ROLE_COLS " FROM roles r ORDER BY r.builtin DESC, r.id", DB_END);
}

int store_role_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT " ROLE_COLS " FROM roles r WHERE r.id = ?", DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_role_insert(struct db *d, const char *code, const char *name, const char *description,
		      const char *permissions, const char *scope, bool builtin, const char *sanyuan,
		      int64_t now, int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO roles (code, name, description, permissions, data_scope, builtin,"
		     " sanyuan, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		     DB_TEXT(code), DB_TEXT(name), DB_TEXT(description ? description : ""),
		     DB_TEXT(permissions), DB_TEXT(scope), DB_INT(builtin), DB_TEXT(sanyuan), DB_INT(now),
		     DB_INT(now));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_role_update(struct db *d, int64_t id, const char *name, const char *description,
		      const char *permissions, const char *scope, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE roles SET name = COALESCE(?, name), description = COALESCE(?, description),"
		     " permissions = COALESCE(?, permissions), data_scope = COALESCE(?, data_scope),"
		     " updated_at = ? WHERE id = ?",
		     DB_TEXT(name), DB_TEXT(description), DB_TEXT(permissions), DB_TEXT(scope), DB_INT(now),
		     DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_role_delete(struct db *d, int64_t id)
{
	/* Closed accounts may still hold the role in their rows; those links go with it. */
	int rc = DBX(d, "DELETE FROM user_roles WHERE role_id = ?", DB_INT(id));
	/* and its directory group mappings (migration sqlite 0022 / pg 0020) */
	if (rc >= 0)
		rc = DBX(d, "DELETE FROM directory_group_roles WHERE role_id = ?", DB_INT(id));
	if (rc >= 0)
		rc = DBX(d, "DELETE FROM directory_role_grants WHERE role_id = ?", DB_INT(id));
	if (rc >= 0)
		rc = DBX(d, "DELETE FROM roles WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_role_user_count(struct db *d, int64_t id, int64_t *count)
{
	/* Closed accounts keep their role rows for history, but do not hold a role in use. */
	int rc = DB_SCALAR(d, count,
			   "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id"
			   " WHERE ur.role_id = ? AND u.status <> 'closed'",
			   DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_role_service_holders(struct db *d, int64_t id, int64_t *count)
{
	return DB_SCALAR(d, count,
			 "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id"
			 " WHERE ur.role_id = ? AND u.is_service = 1",
			 DB_INT(id));
}

int store_role_id(struct db *d, const char *code, int64_t *id)
{
	return DB_SCALAR(d, id, "SELECT id FROM roles WHERE code = ?", DB_TEXT(code));
}

int store_roles_by_ids(struct db *d, const int64_t *ids, int n, json_t **out)
{
	*out = json_array();
	for (int i = 0; i < n; i++) {
		json_t *row;
		int rc = DBJ1(d, &row, "SELECT id, sanyuan, permissions FROM roles WHERE id = ?", DB_INT(ids[i]));
		if (rc < 0) {
			json_decref(*out);
			*out = NULL;
			return rc;
		}
		if (row)
			json_array_append_new(*out, row);
	}
	return DB_OK;
}
