/* Connections (one per thread, opened lazily, closed by a thread-exit destructor), migrations
 * and settings. */
#include "store/store.h"
#include "store/migrations.h"
#include "util/log.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *db_url;
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void conn_destructor(void *p)
{
	db_close(p);
}

static void make_key(void)
{
	pthread_key_create(&conn_key, conn_destructor);
}

int store_init(const char *url)
{
	pthread_once(&key_once, make_key);
	free(db_url);
	db_url = strdup(url);
	return db_url ? 0 : -1;
}

struct db *store_conn(void)
{
	struct db *d = pthread_getspecific(conn_key);
	if (d)
		return d;
	if (!db_url)
		return NULL;
	d = db_open(db_url);
	if (d)
		pthread_setspecific(conn_key, d);
	return d;
}

void store_release_thread(void)
{
	struct db *d = pthread_getspecific(conn_key);
	if (d) {
		pthread_setspecific(conn_key, NULL);
		db_close(d);
	}
}

/* The secondary indexes of complaints set aside by a bulk load (SQLite, table of migration
 * 0011), created again (store_bulk_load_end: at the end of the load, or at the next start if
 * the load died). */
static int restore_bulk_indexes(struct db *d)
{
	json_t *rows = NULL;
	int rc = db_query_json(d, &rows,
			       "SELECT b.sql FROM bulk_load_indexes b"
			       " WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = b.name)",
			       (const struct db_val[]){DB_END});
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		if (rc >= 0)
			rc = db_exec_script(d, json_string_value(json_object_get(row, "sql")));
	}
	json_decref(rows);
	if (rc >= 0)
		rc = db_exec_script(d, "DELETE FROM bulk_load_indexes");
	return rc < 0 ? rc : DB_OK;
}

int store_bulk_load_begin(struct db *d)
{
	/* Row-by-row change records are pointless for a bulk load: one "reload everything" mark is
	 * written at the end instead (see migration 0007). */
	if (db_backend(d) != DB_SQLITE)
		return db_exec_script(d, "ALTER TABLE complaints DISABLE TRIGGER complaints_changed");
	/* Inserting millions of rows into a dozen indexes keyed by random values (blind indexes,
	 * paths) rewrites pages all over the file; building each index once at the end sorts
	 * instead. The definitions are kept in the database, so a load that dies part way gets
	 * its indexes back at the next start (store_migrate). */
	int rc = db_exec_script(d, "INSERT OR IGNORE INTO bulk_load_indexes (name, sql) SELECT name, sql"
				   " FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints' AND sql IS NOT NULL");
	json_t *names = NULL;
	if (rc >= 0)
		rc = db_query_json(d, &names, "SELECT name FROM bulk_load_indexes", (const struct db_val[]){DB_END});
	size_t i;
	json_t *row;
	json_array_foreach(names, i, row)
	{
		char sql[200];
		snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS \"%s\"", json_string_value(json_object_get(row, "name")));
		if (rc >= 0)
			rc = db_exec_script(d, sql);
	}
	json_decref(names);
	if (rc < 0)
		return rc;
	return db_exec_script(d, "DROP TRIGGER IF EXISTS complaints_fts_insert;"
				 "DROP TRIGGER IF EXISTS complaints_changed_insert;"
				 "DROP TRIGGER IF EXISTS complaints_changed_update");
}

int store_bulk_load_end(struct db *d)
{
	if (db_backend(d) != DB_SQLITE)
		return db_exec_script(d, "BEGIN;"
					 "ALTER TABLE complaints ENABLE TRIGGER complaints_changed;"
					 "WITH h AS (UPDATE complaint_change_head SET seq = seq + 1 WHERE id = 1"
					 " RETURNING seq) INSERT INTO complaint_changes SELECT seq, 0 FROM h;"
					 "COMMIT;");
	int rc = restore_bulk_indexes(d);
	if (rc < 0)
		return rc;
	/* The same triggers as migrations 0010 and 0007 create; the rebuild indexes every complaint,
	 * so none is left waiting. */
	return db_exec_script(d,
			      "BEGIN IMMEDIATE;"
			      "CREATE TRIGGER IF NOT EXISTS complaints_fts_insert AFTER INSERT ON complaints BEGIN"
			      " INSERT OR IGNORE INTO complaint_text_queue (complaint_id) VALUES (new.id);"
			      " END;"
			      "CREATE TRIGGER IF NOT EXISTS complaints_changed_insert AFTER INSERT ON complaints BEGIN"
			      " INSERT INTO complaint_changes (complaint_id) VALUES (new.id);"
			      " END;"
			      "CREATE TRIGGER IF NOT EXISTS complaints_changed_update AFTER UPDATE ON complaints BEGIN"
			      " INSERT INTO complaint_changes (complaint_id) VALUES (new.id);"
			      " END;"
			      "INSERT INTO complaint_changes (complaint_id) VALUES (0);"
			      "DELETE FROM complaint_text_queue;"
			      /* Terms gathered in 64 MiB instead of 1 MiB before each segment is written:
			       * fewer, larger segments and less merging (1M complaints: 8.3 s -> 4.6 s). */
			      "INSERT INTO complaints_fts(complaints_fts, rank) VALUES ('hashsize', 67108864);"
			      "INSERT INTO complaints_fts(complaints_fts) VALUES ('rebuild');"
			      "INSERT INTO complaints_fts(complaints_fts, rank) VALUES ('hashsize', 1048576);"
			      "INSERT INTO complaints_bigram(complaints_bigram, rank) VALUES ('hashsize', 67108864);"
			      "INSERT INTO complaints_bigram(complaints_bigram) VALUES ('rebuild');"
			      "INSERT INTO complaints_bigram(complaints_bigram, rank) VALUES ('hashsize', 1048576);"
			      "COMMIT;");
}

int store_text_index_catch_up(struct db *d, int64_t max_rows, int64_t *indexed)
{
	*indexed = 0;
	if (db_backend(d) != DB_SQLITE)
		return DB_OK;
	/* The batch is the oldest max_rows waiting; one INSERT ... SELECT writes them as one
	 * segment. CROSS JOIN keeps SQLite's planner walking the small queue (a queue with no
	 * statistics may otherwise look big enough to scan complaints instead). */
	int64_t last = 0;
	int rc = DB_SCALAR(d, &last,
			   "SELECT COALESCE(MAX(complaint_id), 0) FROM (SELECT complaint_id FROM complaint_text_queue"
			   " ORDER BY complaint_id LIMIT ?) b",
			   DB_INT(max_rows));
	if (rc < 0 || last == 0)
		return rc < 0 ? rc : DB_OK;
	/* The trigram index, then the two-character one (migration 0034) the same way. */
#define INDEX_WAITING(table)                                                                    \
	"INSERT INTO " table "(rowid, content, demand) SELECT c.id, c.content, c.demand"        \
	" FROM complaint_text_queue t CROSS JOIN complaints c ON c.id = t.complaint_id WHERE t.complaint_id <= ?"
	static const char *const index_sql[] = {INDEX_WAITING("complaints_fts"), INDEX_WAITING("complaints_bigram")};
#undef INDEX_WAITING
	for (size_t i = 0; i < sizeof index_sql / sizeof index_sql[0]; i++) {
		if ((rc = DBX(d, index_sql[i], DB_INT(last))) < 0)
			return rc;
		if (i == 0)
			*indexed = rc;
	}
	rc = DBX(d, "DELETE FROM complaint_text_queue WHERE complaint_id <= ?", DB_INT(last));
	return rc < 0 ? rc : DB_OK;
}

int store_optimize(struct db *d)
{
	if (db_backend(d) != DB_SQLITE)
		return DB_OK;
	/* A sampled ANALYZE: milliseconds even at ten million rows, and good enough for the
	 * planner to prefer the right index.
	 * The queue of complaints waiting for the full-text index is emptied every 200 ms
	 * (text_index.c), so ANALYZE usually finds it empty and records nothing; the planner then
	 * takes it for a table of a million rows and, joining it to complaints, first builds a
	 * Bloom filter of every complaint matching the other terms: a scan of the whole table
	 * (LIKE included) before each search while a complaint waits — 4 to 6 s at 1M (issue 13).
	 * Its statistics say what it is: a handful of rows. "ANALYZE sqlite_schema" reloads them. */
	return db_exec_script(d, "PRAGMA analysis_limit = 1000; ANALYZE;"
				 "DELETE FROM sqlite_stat1 WHERE tbl = 'complaint_text_queue';"
				 "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('complaint_text_queue', NULL, '10');"
				 "ANALYZE sqlite_schema");
}

int store_schema_version(struct db *d, int64_t *version)
{
	*version = 0;
	int rc = db_exec_script(d, "CREATE TABLE IF NOT EXISTS schema_version ("
				   " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
				   " applied_at BIGINT NOT NULL)");
	if (rc < 0)
		return rc;
	rc = DB_SCALAR(d, version, "SELECT COALESCE(MAX(version), 0) FROM schema_version", DB_END);
	return rc < 0 ? rc : DB_OK;
}

struct migrate_ctx {
	const struct migration *m;
};

static int apply_one(struct db *d, void *ctx)
{
	const struct migration *m = ((struct migrate_ctx *)ctx)->m;
	int64_t have = 0;
	int rc = DB_SCALAR(d, &have, "SELECT COUNT(*) FROM schema_version WHERE version = ?",
			   DB_INT(m->version));
	if (rc < 0)
		return rc;
	if (have)
		return DB_OK; /* another instance applied it meanwhile */
	/* A migration builds indexes over every complaint: no statement time limit (30 s per
	 * connection, db_pg.c) for this transaction; an index at 1M took longer. */
	if (db_backend(d) == DB_PG && (rc = db_exec_script(d, "SET LOCAL statement_timeout = 0")) < 0)
		return rc;
	rc = db_exec_script(d, m->sql);
	if (rc < 0)
		return rc;
	rc = DBX(d, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
		 DB_INT(m->version), DB_TEXT(m->name), DB_INT(now_ms()));
	return rc < 0 ? rc : DB_OK;
}

int store_migrate(struct db *d)
{
	int64_t current;
	int rc = store_schema_version(d, &current);
	if (rc < 0)
		return rc;
	const struct migration *list = db_backend(d) == DB_PG ? migrations_pg : migrations_sqlite;
	for (const struct migration *m = list; m->name; m++) {
		/* Numbers may land out of order (work on 0008 merged after 0009 was applied), so
		 * each one is looked up rather than compared with the highest applied. */
		int64_t have = 0;
		if (m->version <= current &&
		    (rc = DB_SCALAR(d, &have, "SELECT COUNT(*) FROM schema_version WHERE version = ?",
				    DB_INT(m->version))) < 0)
			return rc;
		if (have)
			continue;
		struct migrate_ctx ctx = {m};
		if (db_backend(d) == DB_PG)
			/* Several instances may start at once: serialise migrations on a lock. */
			db_exec_script(d, "SELECT pg_advisory_lock(727001)");
		rc = db_tx(d, true, apply_one, &ctx);
		if (db_backend(d) == DB_PG)
			db_exec_script(d, "SELECT pg_advisory_unlock(727001)");
		if (rc != 0) {
			log_error("migration %s failed", m->name);
			return rc < 0 ? rc : DB_HARD;
		}
		log_info("migration %s applied", m->name);
	}
	if (db_backend(d) == DB_SQLITE) {
		/* A bulk load that died part way (its set-aside indexes are still listed): finish it,
		 * so indexes, triggers, the full-text index and the report index's reload mark are
		 * back before anything else runs. */
		int64_t waiting = 0;
		if ((rc = DB_SCALAR(d, &waiting, "SELECT COUNT(*) FROM bulk_load_indexes", DB_END)) < 0)
			return rc;
		if (waiting) {
			log_warn("a bulk load did not finish: restoring its %lld complaint indexes and triggers",
				 (long long)waiting);
			if ((rc = store_bulk_load_end(d)) < 0)
				return rc;
		}
	}
	return DB_OK;
}

void store_like_pattern(char *out, size_t n, const char *q)
{
	size_t o = 0;
	out[o++] = '%';
	for (; q && *q && o + 3 < n; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			out[o++] = '\\';
		out[o++] = *q;
	}
	out[o++] = '%';
	out[o] = '\0';
}

int store_setting_get(struct db *d, const char *key, char *buf, int buflen)
{
	struct db_res *r;
	int rc = DBQ(d, &r, DB_GENERIC_PLAN "SELECT value FROM settings WHERE key = ?", DB_TEXT(key));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		snprintf(buf, (size_t)buflen, "%s", db_text(r, 0));
	db_done(r);
	return rc;
}

int store_setting_set(struct db *d, const char *key, const char *value)
{
	return DBX(d,
		   "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
		   " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		   DB_TEXT(key), DB_TEXT(value), DB_INT(now_ms()));
}
