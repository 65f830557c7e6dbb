/* Queries of the historical-complaint import (migration 0024 / pg 0022): saved column mappings,
 * import jobs with their progress and per-row errors, and the import key on complaints. */
#include "store/store.h"
#include <string.h>

int store_import_mapping_upsert(struct db *d, const char *name, const char *source, const char *columns,
				int64_t user_id, int64_t now, int64_t *id)
{
	int rc = DBX(d,
		     "INSERT INTO import_mappings (name, source, columns, created_by, created_at, updated_at)"
		     " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET source = excluded.source,"
		     " columns = excluded.columns, updated_at = excluded.updated_at",
		     DB_TEXT(name), DB_TEXT(source), DB_TEXT(columns), DB_INT(user_id), DB_INT(now), DB_INT(now));
	if (rc < 0)
		return rc;
	rc = DB_SCALAR(d, id, "SELECT id FROM import_mappings WHERE name = ?", DB_TEXT(name));
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

#define MAPPING_COLS "id, name, source, columns, created_by, created_at, updated_at"

int store_import_mapping_list(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT " MAPPING_COLS " FROM import_mappings ORDER BY name", DB_END);
}

int store_import_mapping_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT " MAPPING_COLS " FROM import_mappings WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_import_job_insert(struct db *d, const struct import_job_fields *f, int64_t now, int64_t *id)
{
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO import_jobs (mode, status, user_id, mapping_id, columns, file_name, file_kind,"
		     " file_sha256, file_size, send_to_regulator, created_at) VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		     " RETURNING id",
		     DB_TEXT(f->mode), DB_INT(f->user_id), DB_INT(f->mapping_id), DB_TEXT(f->columns),
		     DB_TEXT(f->file_name), DB_TEXT(f->file_kind), DB_TEXT(f->file_sha256), DB_INT(f->file_size),
		     DB_INT(f->send_to_regulator), DB_INT(now));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

#define JOB_COLS                                                                                \
	"j.id, j.mode, j.status, j.user_id, u.username AS username, j.mapping_id, m.name AS mapping_name," \
	" j.columns, j.file_name, j.file_kind, j.file_sha256, j.file_size, j.send_to_regulator, j.rows_total," \
	" j.rows_done, j.rows_ok, j.rows_bad, j.rows_skipped, j.error, j.created_at, j.started_at, j.finished_at" \
	" FROM import_jobs j LEFT JOIN users u ON u.id = j.user_id LEFT JOIN import_mappings m ON m.id = j.mapping_id"

int store_import_job_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT " JOB_COLS " WHERE j.id = ?", DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_import_job_list(struct db *d, int64_t user_id, int64_t limit, json_t **items)
{
	return DBJ(d, items, "SELECT " JOB_COLS " WHERE (? = 0 OR j.user_id = ?) ORDER BY j.id DESC LIMIT ?",
		   DB_INT(user_id), DB_INT(user_id), DB_INT(limit));
}

int store_import_jobs_unfinished(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT id FROM import_jobs WHERE status IN ('queued', 'running') ORDER BY id", DB_END);
}

int store_import_job_start(struct db *d, int64_t id, int64_t rows_total, int64_t now)
{
	int rc = DBX(d, "DELETE FROM import_row_errors WHERE job_id = ?", DB_INT(id));
	if (rc < 0)
		return rc;
	return DBX(d,
		   "UPDATE import_jobs SET status = 'running', rows_total = ?, rows_done = 0, rows_ok = 0,"
		   " rows_bad = 0, rows_skipped = 0, error = NULL, started_at = ? WHERE id = ?",
		   DB_INT(rows_total), DB_INT(now), DB_INT(id));
}

int store_import_job_progress(struct db *d, int64_t id, int64_t done, int64_t ok, int64_t bad, int64_t skipped)
{
	return DBX(d, "UPDATE import_jobs SET rows_done = ?, rows_ok = ?, rows_bad = ?, rows_skipped = ? WHERE id = ?",
		   DB_INT(done), DB_INT(ok), DB_INT(bad), DB_INT(skipped), DB_INT(id));
}

int store_import_job_finish(struct db *d, int64_t id, const char *status, const char *error, int64_t now)
{
	return DBX(d, "UPDATE import_jobs SET status = ?, error = ?, finished_at = ? WHERE id = ?", DB_TEXT(status),
		   DB_TEXT(error), DB_INT(now), DB_INT(id));
}

int store_import_error_insert(struct db *d, int64_t job_id, int64_t row_no, const char *legacy_no,
			      const char *column, const char *reason)
{
	return DBX(d,
		   "INSERT INTO import_row_errors (job_id, row_no, legacy_no, column_name, reason) VALUES (?, ?, ?, ?, ?)",
		   DB_INT(job_id), DB_INT(row_no), DB_TEXT(legacy_no), DB_TEXT(column), DB_TEXT(reason));
}

int store_import_errors_list(struct db *d, int64_t job_id, int64_t offset, int64_t limit, json_t **items)
{
	return DBJ(d, items,
		   "SELECT row_no, legacy_no, column_name AS \"column\", reason FROM import_row_errors WHERE job_id = ?"
		   " ORDER BY row_no LIMIT ? OFFSET ?",
		   DB_INT(job_id), DB_INT(limit), DB_INT(offset));
}

int store_import_key_get(struct db *d, const char *no, int64_t *complaint_id, int64_t *job_id, bool *imported)
{
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT id, import_job_id, legacy_no FROM complaints WHERE complaint_no = ?", DB_TEXT(no));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1) {
		*complaint_id = db_int(r, 0);
		*job_id = db_int(r, 1);
		*imported = !db_is_null(r, 2) && strcmp(db_text(r, 2), no) == 0;
	}
	db_done(r);
	return rc;
}

int store_import_orgs(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT id, name, fin_code, internal_code, path, status FROM institutions", DB_END);
}

int store_import_users(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT id, username, name, org_id FROM users WHERE is_service = 0", DB_END);
}

int store_import_counted(struct db *d, int64_t job_id, int64_t *n)
{
	int rc = DB_SCALAR(d, n, "SELECT COUNT(*) FROM complaints WHERE import_job_id = ?", DB_INT(job_id));
	return rc < 0 ? rc : DB_OK;
}
