/* SQLite driver: WAL, synchronous=FULL, foreign keys on, busy timeout, BEGIN IMMEDIATE for
 * writes, statements kept prepared in the connection's bounded cache (SQLITE_PREPARE_PERSISTENT). */
#include "store/db_internal.h"
#include "store/fts_bigram.h"
#include "util/log.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sq_db {
	struct db base;
	sqlite3 *h;
	struct stmt_cache stmts;
	bool committing; /* inside sq_commit: the one commit a guarded connection allows */
	bool limited;           /* sq_time_limit's bound is on: an interrupt is DB_TIMEOUT */
	struct timespec until;  /* the thread's CPU time at which statements stop */
};

struct sq_res {
	const struct db_driver *drv;
	struct sq_db *db;
	sqlite3_stmt *st;
	struct stmt_entry *entry; /* referenced while the cursor lives */
};

static const struct db_driver sq_driver;

#define SQ_BUSY_TIMEOUT_MS 5000 /* how long a statement waits for a lock */

static int map_rc(struct sq_db *d, int rc, const char *sql)
{
	int primary = rc & 0xff;
	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		return DB_SOFT;
	if (primary == SQLITE_INTERRUPT && d->limited)
		return DB_TIMEOUT;
	if (primary == SQLITE_CONSTRAINT && sqlite3_extended_errcode(d->h) != SQLITE_CONSTRAINT_COMMITHOOK)
		return DB_CONSTRAINT;
	log_error("sqlite: %s (%d) in: %.200s", sqlite3_errmsg(d->h), rc, sql);
	return DB_HARD;
}

static void finalize_stmt(void *owner, void *st)
{
	(void)owner;
	sqlite3_finalize(st);
}

static void sq_close(struct db *base)
{
	struct sq_db *d = (struct sq_db *)base;
	stmt_cache_free(&d->stmts);
	sqlite3_close_v2(d->h);
	free(d);
	db_stats_conn(-1);
}

/* A write statement on a connection inside a read snapshot (db_snapshot_begin): refused, so that
 * it fails instead of joining the snapshot. (Not PRAGMA query_only: changing a flag pragma
 * expires every prepared statement of the connection, so each request re-parsed all its SQL,
 * 9% of the server's CPU under the working day.) */
static int refuse_write(const char *sql)
{
	log_error("sqlite: a write inside a read snapshot refused: %.120s", sql);
	return DB_HARD;
}

/* Adds how often st was compiled again since the last look to the /metrics counter. */
static void count_recompiled(sqlite3_stmt *st)
{
	int n = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE, 1);
	if (n)
		db_stats_recompiled(n);
}

static int prepare_bound(struct sq_db *d, const char *sql, const struct db_val *args,
			 struct stmt_entry **out)
{
	struct stmt_entry *e = stmt_cache_get(&d->stmts, sql);
	if (!e) {
		sqlite3_stmt *st;
		int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
		if (rc != SQLITE_OK)
			return map_rc(d, rc, sql);
		if (!(e = stmt_cache_put(&d->stmts, sql, st))) {
			sqlite3_finalize(st);
			return DB_HARD;
		}
	}
	sqlite3_stmt *st = e->stmt;
	if (d->base.snapshot && !sqlite3_stmt_readonly(st))
		return refuse_write(sql);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (int i = 0; args && args[i].type != DBV_END; i++) {
		int rc;
		if (args[i].type == DBV_INT)
			rc = sqlite3_bind_int64(st, i + 1, args[i].i);
		else if (args[i].type == DBV_TEXT)
			rc = sqlite3_bind_text(st, i + 1, args[i].s, -1, SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK)
			return map_rc(d, rc, sql);
	}
	*out = e;
	return DB_OK;
}

static int sq_query(struct db *base, struct db_res **out, const char *sql, const struct db_val *args)
{
	struct sq_db *d = (struct sq_db *)base;
	struct stmt_entry *e;
	int rc = prepare_bound(d, sql, args, &e);
	if (rc < 0)
		return rc;
	struct sq_res *r = malloc(sizeof *r);
	if (!r)
		return DB_HARD;
	r->drv = &sq_driver;
	r->db = d;
	r->st = e->stmt;
	r->entry = e;
	e->refs++; /* not finalized under the cursor by an eviction */
	*out = (struct db_res *)r;
	return DB_OK;
}

static int sq_exec(struct db *base, const char *sql, const struct db_val *args)
{
	struct sq_db *d = (struct sq_db *)base;
	struct stmt_entry *e;
	int rc = prepare_bound(d, sql, args, &e);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = e->stmt;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	count_recompiled(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, sql);
	return sqlite3_changes(d->h);
}

/* sq_exec_script inside a read snapshot: statement by statement, each refused unless it only
 * reads. */
static int exec_read_only(struct sq_db *d, const char *sql)
{
	while (sql && *sql) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(d->h, sql, -1, &st, &tail);
		if (rc != SQLITE_OK)
			return map_rc(d, rc, sql);
		if (st && !sqlite3_stmt_readonly(st)) {
			sqlite3_finalize(st);
			return refuse_write(sql);
		}
		while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (st && rc != SQLITE_DONE)
			return map_rc(d, rc, sql);
		sql = tail;
	}
	return DB_OK;
}

static int sq_exec_script(struct db *base, const char *sql)
{
	struct sq_db *d = (struct sq_db *)base;
	if (d->base.snapshot)
		return exec_read_only(d, sql);
	char *err = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		log_error("sqlite: %s", err ? err : "error");
		sqlite3_free(err);
		return (rc & 0xff) == SQLITE_BUSY ? DB_SOFT : DB_HARD;
	}
	return DB_OK;
}

static int sq_next(struct db_res *res)
{
	struct sq_res *r = (struct sq_res *)res;
	int rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return map_rc(r->db, rc, sqlite3_sql(r->st));
}

static int64_t sq_int(struct db_res *res, int col)
{
	return sqlite3_column_int64(((struct sq_res *)res)->st, col);
}

static const char *sq_text(struct db_res *res, int col)
{
	return (const char *)sqlite3_column_text(((struct sq_res *)res)->st, col);
}

static bool sq_null(struct db_res *res, int col)
{
	return sqlite3_column_type(((struct sq_res *)res)->st, col) == SQLITE_NULL;
}

static int sq_ncols(struct db_res *res)
{
	return sqlite3_column_count(((struct sq_res *)res)->st);
}

static const char *sq_col_name(struct db_res *res, int col)
{
	return sqlite3_column_name(((struct sq_res *)res)->st, col);
}

static int sq_col_kind(struct db_res *res, int col)
{
	switch (sqlite3_column_type(((struct sq_res *)res)->st, col)) {
	case SQLITE_NULL:
		return 0;
	case SQLITE_INTEGER:
		return 1;
	default:
		return 2;
	}
}

static void sq_done(struct db_res *res)
{
	struct sq_res *r = (struct sq_res *)res;
	count_recompiled(r->st);
	sqlite3_reset(r->st);
	stmt_cache_unref(&r->db->stmts, r->entry);
	free(r);
}

static int simple(struct sq_db *d, const char *sql)
{
	struct stmt_entry *e;
	int rc = prepare_bound(d, sql, NULL, &e);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = e->stmt;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? DB_OK : map_rc(d, rc, sql);
}

static int sq_begin(struct db *base, bool write)
{
	return simple((struct sq_db *)base, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int sq_commit(struct db *base)
{
	struct sq_db *d = (struct sq_db *)base;
	d->committing = true;
	int rc = simple(d, "COMMIT");
	d->committing = false;
	return rc;
}

static void sq_rollback(struct db *base)
{
	struct sq_db *d = (struct sq_db *)base;
	if (!sqlite3_get_autocommit(d->h))
		simple(d, "ROLLBACK");
}

static bool sq_in_tx(struct db *base)
{
	return !sqlite3_get_autocommit(((struct sq_db *)base)->h);
}

/* Commit hook of a guarded connection: a non-zero return turns the commit into a rollback
 * (the statement then fails with SQLITE_CONSTRAINT_COMMITHOOK). */
static int commit_guard(void *arg)
{
	struct sq_db *d = arg;
	if (d->committing)
		return 0;
	log_error("sqlite: refused a commit outside db_commit (a write after the transaction ended)");
	return 1;
}

static void sq_forbid_autocommit(struct db *base)
{
	struct sq_db *d = (struct sq_db *)base;
	sqlite3_commit_hook(d->h, commit_guard, d);
}

static int sq_checkpoint(struct db *base, int restart_wait_ms, int64_t *frames)
{
	struct sq_db *d = (struct sq_db *)base;
	int log = 0, copied = 0;
	if (restart_wait_ms > 0)
		sqlite3_busy_timeout(d->h, restart_wait_ms);
	int mode = restart_wait_ms > 0 ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE;
	int rc = sqlite3_wal_checkpoint_v2(d->h, NULL, mode, &log, &copied);
	if (restart_wait_ms > 0)
		sqlite3_busy_timeout(d->h, SQ_BUSY_TIMEOUT_MS);
	*frames = log > 0 ? log : 0;
	if ((rc & 0xff) == SQLITE_BUSY)
		return DB_SOFT;
	return rc == SQLITE_OK ? DB_OK : map_rc(d, rc, "PRAGMA wal_checkpoint");
}

/* Progress handler: nonzero (interrupt) once the thread has used its CPU time. CPU time, not
 * the clock: under load a request waits for a core, and that is not work to cut short. */
static int past_limit(void *arg)
{
	struct sq_db *d = arg;
	struct timespec now;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	return now.tv_sec > d->until.tv_sec || (now.tv_sec == d->until.tv_sec && now.tv_nsec >= d->until.tv_nsec);
}

#define SQ_PROGRESS_STEPS 1000 /* virtual machine steps between two looks at the thread's CPU time */

static int sq_time_limit(struct db *base, int ms)
{
	struct sq_db *d = (struct sq_db *)base;
	d->limited = ms > 0;
	if (!d->limited) {
		sqlite3_progress_handler(d->h, 0, NULL, NULL);
		return DB_OK;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &d->until);
	d->until.tv_sec += ms / 1000;
	d->until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->until.tv_nsec >= 1000000000L) {
		d->until.tv_sec++;
		d->until.tv_nsec -= 1000000000L;
	}
	sqlite3_progress_handler(d->h, SQ_PROGRESS_STEPS, past_limit, d);
	return DB_OK;
}

static const struct db_driver sq_driver = {
	sq_close, sq_query, sq_exec, sq_exec_script, sq_next, sq_int, sq_text, sq_null,
	sq_ncols, sq_col_name, sq_col_kind, sq_done, sq_begin, sq_commit, sq_rollback, NULL,
	sq_in_tx, sq_forbid_autocommit, sq_checkpoint, sq_time_limit,
};

/* Process-wide settings, before SQLite initialises. Memory statistics are off: keeping them
 * takes one global mutex on every allocation, which request threads and the writer then
 * contend for (perf: futex wake-ups under sqlite3Malloc). */
static void sq_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct db *db_sqlite_open(const char *path)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	pthread_once(&configured, sq_configure);
	struct sq_db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->base.drv = &sq_driver;
	d->base.backend = DB_SQLITE;
	if (stmt_cache_init(&d->stmts, finalize_stmt, NULL, d) != 0) {
		free(d);
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &d->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("sqlite: cannot open %s: %s", path, d->h ? sqlite3_errmsg(d->h) : "no memory");
		sqlite3_close_v2(d->h);
		stmt_cache_free(&d->stmts);
		free(d);
		return NULL;
	}
	db_stats_conn(1);
	sqlite3_busy_timeout(d->h, SQ_BUSY_TIMEOUT_MS);
	if (fts_bigram_register(d->h) != SQLITE_OK) {
		log_error("sqlite: cannot register the %s tokenizer: %s", FTS_BIGRAM, sqlite3_errmsg(d->h));
		sq_close(&d->base);
		return NULL;
	}
	/* Memory is counted as PSS (issue 13: at most 600 MB at 1M complaints). A memory map of the
	 * file is counted in full once touched (1 GB of a 1.4 GB database after a working day), and
	 * the page cache is private to each of the ~40 connections: no map, 8 MiB of cache each,
	 * and the kernel's page cache (shared, given back under pressure) holds the rest. */
	if (sq_exec_script(&d->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
				     "PRAGMA cache_size=-8192; PRAGMA mmap_size=0;") != DB_OK) {
		sq_close(&d->base);
		return NULL;
	}
	return &d->base;
}
