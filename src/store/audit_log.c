/* Reading the audit log for the 审计日志 page. */
#include "store/store.h"

#define AUDIT_WHERE                                                                             \
	" WHERE (CAST(? AS BIGINT) = 0 OR at >= ?) AND (CAST(? AS BIGINT) = 0 OR at < ?)"        \
	" AND (CAST(? AS TEXT) IS NULL OR actor = ?) AND (CAST(? AS TEXT) IS NULL OR action LIKE ?)" \
	" AND (CAST(? AS TEXT) IS NULL OR target_type = ?)"                                       \
	" AND (CAST(? AS TEXT) IS NULL OR target_id = ?) AND (CAST(? AS TEXT) IS NULL OR result = ?)"

int store_audit_list(struct db *d, const struct audit_filter *f, json_t **items, int64_t *total)
{
#define AUDIT_ARGS                                                                              \
	DB_INT(f->from), DB_INT(f->from), DB_INT(f->to), DB_INT(f->to), DB_TEXT(f->actor),       \
		DB_TEXT(f->actor), DB_TEXT(f->action), DB_TEXT(f->action), DB_TEXT(f->target_type), \
		DB_TEXT(f->target_type), DB_TEXT(f->target_id), DB_TEXT(f->target_id),              \
		DB_TEXT(f->result), DB_TEXT(f->result)
	int rc = DB_SCALAR(d, total, "SELECT COUNT(*) FROM audit_events" AUDIT_WHERE, AUDIT_ARGS);
	if (rc < 0)
		return rc;
#define AUDIT_SELECT                                                                            \
	"SELECT seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail,"   \
	" hash, (SELECT u.name FROM users u WHERE u.id = audit_events.actor_id) AS actor_name"  \
	" FROM audit_events" AUDIT_WHERE
	rc = DBJ(d, items,
		 f->oldest_first ? AUDIT_SELECT " ORDER BY seq LIMIT ? OFFSET ?"
				 : AUDIT_SELECT " ORDER BY seq DESC LIMIT ? OFFSET ?",
		 AUDIT_ARGS, DB_INT(f->limit), DB_INT(f->offset));
#undef AUDIT_ARGS
	if (rc < 0)
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
