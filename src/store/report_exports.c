/* Ledger export jobs (report_exports, migration 0009): their filters, heartbeat and final state.
 * Live progress is in the worker's memory (src/report/ledger_export.c) and reaches this table
 * with each heartbeat. */
#include "store/store.h"

int store_report_export_insert(struct db *d, int64_t user_id, const char *filters, int64_t rows_total,
			       int64_t now, int64_t *id)
{
	int rc = DB_SCALAR(d, id,
			   "INSERT INTO report_exports (user_id, filters, status, rows_total, created_at, heartbeat_at)"
			   " VALUES (?, ?, 'queued', ?, ?, ?) RETURNING id",
			   DB_INT(user_id), DB_TEXT(filters), DB_INT(rows_total), DB_INT(now), DB_INT(now));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_report_export_update(struct db *d, int64_t id, const char *status, int64_t rows_done,
			       const char *error, const char *file_name, int64_t finished_at)
{
	int rc = DBX(d,
		     "UPDATE report_exports SET status = ?, rows_done = ?, error = ?, file_name = ?,"
		     " finished_at = ? WHERE id = ?",
		     DB_TEXT(status), DB_INT(rows_done), DB_TEXT(error), DB_TEXT(file_name),
		     DB_INT_OR_NULL(finished_at > 0, finished_at), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_report_export_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out,
		      "SELECT id, user_id, filters, status, rows_done, rows_total, error, file_name, created_at,"
		      " heartbeat_at, finished_at, expired_at FROM report_exports WHERE id = ?",
		      DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_report_export_heartbeat(struct db *d, int64_t id, int64_t rows_done, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE report_exports SET heartbeat_at = ?, rows_done = ? WHERE id = ?"
		     " AND status IN ('queued', 'running')",
		     DB_INT(now), DB_INT(rows_done), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}

int store_report_export_fail_stale(struct db *d, const char *error, int64_t stale_before, int64_t now)
{
	int rc = DBX(d,
		     "UPDATE report_exports SET status = 'failed', error = ?, finished_at = ?"
		     " WHERE status IN ('queued', 'running') AND COALESCE(heartbeat_at, created_at) < ?",
		     DB_TEXT(error), DB_INT(now), DB_INT(stale_before));
	return rc < 0 ? rc : DB_OK;
}

int store_report_export_expiring(struct db *d, int64_t finished_before, json_t **items)
{
	int rc = DBJ(d, items,
		     "SELECT id, file_name FROM report_exports WHERE status = 'done' AND expired_at IS NULL"
		     " AND finished_at < ?",
		     DB_INT(finished_before));
	return rc < 0 ? rc : DB_OK;
}

int store_report_export_expire(struct db *d, int64_t id, int64_t now)
{
	int rc = DBX(d, "UPDATE report_exports SET expired_at = ? WHERE id = ?", DB_INT(now), DB_INT(id));
	return rc < 0 ? rc : DB_OK;
}
