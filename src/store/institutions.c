/* Institution queries. The tree is kept as a materialised path ('/1/5/23/') so a subtree is a
 * prefix match that both backends index. */
#include "store/scope_sql.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

#define ORG_COLS                                                                                \
	"id, parent_id, name, internal_code, fin_code, region_code, type, address, sort, status," \
	" path, depth, created_at, updated_at"

int store_org_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, DB_GENERIC_PLAN "SELECT " ORG_COLS " FROM institutions WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_org_list(struct db *d, const struct scope_filter *sf, const char *q, const char *status,
		   json_t **items)
{
	char like[300];
	store_like_pattern(like, sizeof like, q);
	return DBJ(d, items,
		   "SELECT " ORG_COLS " FROM institutions i WHERE " SCOPE_SQL("i.path", "i.id", "0")
		   " AND (name LIKE ? ESCAPE '\\' OR internal_code LIKE ? ESCAPE '\\' OR fin_code LIKE ? ESCAPE '\\')"
		   " AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY path",
		   SCOPE_ARGS(sf), DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(status),
		   DB_TEXT(status));
}

int store_org_root_id(struct db *d, int64_t *id)
{
	return DB_SCALAR(d, id, "SELECT id FROM institutions WHERE parent_id IS NULL", DB_END);
}

int store_org_insert(struct db *d, int64_t parent_id, const struct org_fields *f, int64_t now,
		     int64_t *id)
{
	char parent_path[512] = "/";
	int64_t depth = 0;
	if (parent_id) {
		struct db_res *r;
		int rc = DBQ(d, &r, "SELECT path, depth FROM institutions WHERE id = ?", DB_INT(parent_id));
		if (rc < 0)
			return rc;
		rc = db_next(r);
		if (rc == 1) {
			snprintf(parent_path, sizeof parent_path, "%s", db_text(r, 0));
			depth = db_int(r, 1) + 1;
		}
		db_done(r);
		if (rc != 1)
			return rc < 0 ? rc : DB_HARD;
	}
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO institutions (parent_id, path, depth, name, internal_code, fin_code,"
		     " region_code, type, address, sort, status, created_at, updated_at)"
		     " VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		     DB_INT_OR_NULL(parent_id > 0, parent_id), DB_INT(depth), DB_TEXT(f->name),
		     DB_TEXT(f->internal_code), DB_TEXT(f->fin_code), DB_TEXT(f->region_code),
		     DB_TEXT(f->type), DB_TEXT(f->address ? f->address : ""), DB_INT(f->sort),
		     DB_TEXT(f->status ? f->status : "active"), DB_INT(now), DB_INT(now));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	char path[560];
	snprintf(path, sizeof path, "%s%lld/", parent_path, (long long)*id);
	rc = DBX(d, "UPDATE institutions SET path = ? WHERE id = ?", DB_TEXT(path), DB_INT(*id));
	return rc < 0 ? rc : DB_OK;
}

int store_org_update(struct db *d, int64_t id, const struct org_fields *f, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE institutions SET name = COALESCE(?, name),"
		     " internal_code = COALESCE(?, internal_code), fin_code = COALESCE(?, fin_code),"
		     " region_code = COALESCE(?, region_code), type = COALESCE(?, type),"
		     " address = COALESCE(?, address), status = COALESCE(?, status),"
		     " sort = COALESCE(?, sort), updated_at = ? WHERE id = ?",
		     DB_TEXT(f->name), DB_TEXT(f->internal_code), DB_TEXT(f->fin_code),
		     DB_TEXT(f->region_code), DB_TEXT(f->type), DB_TEXT(f->address), DB_TEXT(f->status),
		     DB_INT_OR_NULL(f->has_sort, f->sort), DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_org_move(struct db *d, int64_t id, int64_t new_parent, int64_t now)
{
	json_t *self = NULL, *parent = NULL;
	int rc = store_org_get(d, id, &self);
	if (rc == 1)
		rc = store_org_get(d, new_parent, &parent);
	if (rc != 1) {
		json_decref(self);
		return rc < 0 ? rc : DB_HARD;
	}
	const char *old_path = json_string_value(json_object_get(self, "path"));
	char new_path[560], like[570];
	snprintf(new_path, sizeof new_path, "%s%lld/",
		 json_string_value(json_object_get(parent, "path")), (long long)id);
	snprintf(like, sizeof like, "%s%%", old_path);
	int64_t delta = json_integer_value(json_object_get(parent, "depth")) + 1 -
			json_integer_value(json_object_get(self, "depth"));
	int64_t old_len = (int64_t)strlen(old_path);
	rc = DBX(d, "UPDATE institutions SET parent_id = ?, updated_at = ? WHERE id = ?",
		 DB_INT(new_parent), DB_INT(now), DB_INT(id));
	if (rc >= 0)
		rc = DBX(d,
			 "UPDATE institutions SET path = ? || substr(path, ?), depth = depth + ?"
			 " WHERE path LIKE ?",
			 DB_TEXT(new_path), DB_INT(old_len + 1), DB_INT(delta), DB_TEXT(like));
	/* The complaints handled in the subtree carry its path for data scope: they move with it. */
	if (rc >= 0)
		rc = DBX(d, "UPDATE complaints SET org_path = ? || substr(org_path, ?) WHERE org_path LIKE ?",
			 DB_TEXT(new_path), DB_INT(old_len + 1), DB_TEXT(like));
	json_decref(self);
	json_decref(parent);
	return rc < 0 ? rc : DB_OK;
}

int store_org_delete(struct db *d, int64_t id)
{
	return DBX(d, "DELETE FROM institutions WHERE id = ?", DB_INT(id));
}

int store_org_dependents(struct db *d, int64_t id, int64_t *children, int64_t *users)
{
	int rc = DB_SCALAR(d, children, "SELECT COUNT(*) FROM institutions WHERE parent_id = ?", DB_INT(id));
	if (rc >= 0)
		rc = DB_SCALAR(d, users, "SELECT COUNT(*) FROM users WHERE org_id = ?", DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}
