/* Unit tests for group-commit atomicity (src/store/writer.c) over a real SQLite file: a batch of
 * transaction bodies commits whole or not at all. Faults come from SQLite itself, not from hooks
 * in the writer:
 *   - a VFS shim (registered as the default VFS) fails every write with SQLITE_IOERR_WRITE or
 *     SQLITE_FULL while armed: mid-body (a cache spill), SQLite then rolls the whole transaction
 *     back under the body; at COMMIT, the WAL append fails as on a full disk;
 *   - an authorizer (installed on every connection by sqlite3_auto_extension) denies the Nth
 *     SAVEPOINT, ROLLBACK TO or RELEASE, so the statement fails as SQLite would refuse it.
 * Each scenario queues N bodies behind a gate body so they run as one batch, and asserts: every
 * caller got a negative status (a 5xx), no body of the failed batch left a row, and the next
 * batch commits normally. With FCMS_TEST_DB set, db_tx on PostgreSQL is checked the same way: a
 * body that swallows an error or outlives its connection's transaction is not acknowledged. */
#include "store/db.h"
#include "store/store.h"
#include "unit_db.h"
#include "util/log.h"
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- the VFS shim: writes fail while armed ---- */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static atomic_int fail_writes_with; /* 0: pass writes through; else the SQLite code to return */
static atomic_int writes_failed;

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct in the same allocation */
};
#define REAL(f) (((struct shim_file *)(f))->real)

static int sh_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}
static int sh_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}
static int sh_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	int code = atomic_load(&fail_writes_with);
	if (code) {
		atomic_fetch_add(&writes_failed, 1);
		return code;
	}
	return REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}
static int sh_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int sh_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int sh_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int sh_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int sh_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int sh_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int sh_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int sh_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int sh_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int sh_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int sh_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void sh_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int sh_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int sh_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}
static int sh_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods shim_io = {
	3, sh_close, sh_read, sh_write, sh_truncate, sh_sync, sh_size, sh_lock, sh_unlock, sh_check,
	sh_fcntl, sh_sector, sh_devchar, sh_shm_map, sh_shm_lock, sh_shm_barrier, sh_shm_unmap,
	sh_fetch, sh_unfetch,
};

static int sh_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	struct shim_file *sf = (struct shim_file *)f;
	sf->real = (sqlite3_file *)(sf + 1);
	int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out_flags);
	/* Per the VFS contract pMethods stays NULL when the open failed. */
	f->pMethods = rc == SQLITE_OK && sf->real->pMethods ? &shim_io : NULL;
	return rc;
}

static void shim_install(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(real_vfs);
	shim_vfs = *real_vfs;
	shim_vfs.zName = "fcms-test-shim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.xOpen = sh_open;
	shim_vfs.pNext = NULL;
	assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
}

/* ---- the authorizer: deny the Nth SAVEPOINT / RELEASE / ROLLBACK TO ---- */

static const char *volatile deny_op; /* "BEGIN" (SAVEPOINT), "RELEASE", "ROLLBACK" (ROLLBACK TO) */
static atomic_int deny_countdown;    /* the op is denied when this reaches 0 */
static atomic_int denied;

static int authorize(void *arg, int action, const char *a, const char *b, const char *c, const char *d)
{
	(void)arg, (void)b, (void)c, (void)d;
	const char *op = deny_op;
	if (action != SQLITE_SAVEPOINT || !op || !a || strcmp(a, op) != 0)
		return SQLITE_OK;
	if (atomic_fetch_sub(&deny_countdown, 1) == 1) {
		atomic_fetch_add(&denied, 1);
		return SQLITE_DENY;
	}
	return SQLITE_OK;
}

static int on_open(sqlite3 *h, const char **err, const struct sqlite3_api_routines *api)
{
	(void)err, (void)api;
	return sqlite3_set_authorizer(h, authorize, NULL);
}

static void deny(const char *op, int nth)
{
	atomic_store(&deny_countdown, nth);
	deny_op = op;
}

/* ---- batches ---- */

enum fault { F_NONE, F_IOERR_MID, F_FULL_AT_COMMIT, F_DENY_SAVEPOINT, F_DENY_ROLLBACK_TO, F_DENY_RELEASE };
#define N 6 /* bodies per batch */
#define K 3 /* the body (1-based, in run order) at which the fault strikes */

struct scenario {
	enum fault fault;
	int base; /* tags base+1 .. base+N */
	atomic_int executed, submitted;
	atomic_bool gate_open, gate_running;
	bool rolled_back_under_k; /* F_IOERR_MID: the premise, seen from inside body K */
	int late_rc;              /* F_IOERR_MID: what a write after the rollback got */
};

struct job {
	struct scenario *s;
	int tag, rc;
};

static struct unit_db u;
static struct db *check; /* a connection of the test's own, outside the writer */

static int body(struct db *d, void *arg)
{
	struct job *j = arg;
	struct scenario *s = j->s;
	int pos = atomic_fetch_add(&s->executed, 1) + 1;
	int rc = DBX(d, "INSERT INTO t (tag) VALUES (?)", DB_INT(j->tag));
	if (rc < 0)
		return rc;
	if (s->fault == F_FULL_AT_COMMIT && pos == N) /* the last body: the next write is the COMMIT's */
		atomic_store(&fail_writes_with, SQLITE_FULL);
	if (pos != K)
		return 0;
	switch (s->fault) {
	case F_IOERR_MID:
		/* A small page cache makes the big row spill dirty pages to the WAL inside the body;
		 * the failed write is an I/O error, and SQLite rolls the whole transaction back. */
		db_exec_script(d, "PRAGMA cache_size=4");
		atomic_store(&fail_writes_with, SQLITE_IOERR_WRITE);
		rc = DBX(d, "INSERT INTO t (tag, pad) VALUES (?, randomblob(1048576))", DB_INT(j->tag + 500));
		atomic_store(&fail_writes_with, 0);
		db_exec_script(d, "PRAGMA cache_size=-32768");
		s->rolled_back_under_k = !db_in_transaction(d);
		/* A careless body writes on after the error: alone on the connection, in autocommit. */
		s->late_rc = DBX(d, "INSERT INTO t (tag) VALUES (?)", DB_INT(j->tag + 1000));
		return rc < 0 ? rc : DB_HARD;
	case F_DENY_ROLLBACK_TO:
		return 1; /* a refusal: its insert must be rolled back to the savepoint */
	default:
		return 0;
	}
}

/* Holds the writer until all N jobs are queued, so they form the next batch. */
static int gate(struct db *d, void *arg)
{
	(void)d;
	struct scenario *s = arg;
	atomic_store(&s->gate_running, true);
	while (atomic_load(&s->submitted) < N)
		usleep(1000);
	usleep(200 * 1000); /* from the count going up to the job being queued: microseconds */
	return 0;
}

static void *gate_thread(void *arg)
{
	assert_int_equal(store_write(gate, arg), 0);
	return NULL;
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	while (!atomic_load(&j->s->gate_running))
		usleep(1000);
	atomic_fetch_add(&j->s->submitted, 1);
	j->rc = store_write(body, j);
	return NULL;
}

static int64_t rows_between(int lo, int hi)
{
	int64_t n = -1;
	assert_int_equal(DB_SCALAR(check, &n, "SELECT COUNT(*) FROM t WHERE tag BETWEEN ? AND ?",
				   DB_INT(lo), DB_INT(hi)),
			 1);
	return n;
}

/* Runs one batch of N bodies under the fault; returns the callers' statuses in rcs. */
static void run_scenario(struct scenario *s, int rcs[N])
{
	struct job jobs[N];
	pthread_t g, t[N];
	assert_int_equal(pthread_create(&g, NULL, gate_thread, s), 0);
	while (!atomic_load(&s->gate_running))
		usleep(1000);
	/* Armed once the gate body holds the writer, so only the batch's own statements count. */
	if (s->fault == F_DENY_SAVEPOINT)
		deny("BEGIN", K);
	else if (s->fault == F_DENY_ROLLBACK_TO)
		deny("ROLLBACK", 1);
	else if (s->fault == F_DENY_RELEASE)
		deny("RELEASE", K);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){.s = s, .tag = s->base + 1 + i};
		assert_int_equal(pthread_create(&t[i], NULL, job_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		rcs[i] = jobs[i].rc;
	}
	pthread_join(g, NULL);
	deny_op = NULL;
	atomic_store(&fail_writes_with, 0);
}

/* The common claim: the faulty batch failed whole, then a clean batch commits whole. Returns
 * how many faults struck (writes failed plus statements denied). */
static int expect_batch_failed_then_recovery(struct scenario *s)
{
	int rcs[N];
	atomic_store(&writes_failed, 0);
	atomic_store(&denied, 0);
	run_scenario(s, rcs);
	int faults = atomic_load(&writes_failed) + atomic_load(&denied);
	for (int i = 0; i < N; i++)
		if (rcs[i] >= 0)
			fail_msg("caller %d of the failed batch got %d, want a negative status", i, rcs[i]);
	int64_t left = rows_between(s->base, s->base + 2000);
	if (left != 0)
		fail_msg("the failed batch left %lld row(s)", (long long)left);

	struct scenario after = {.fault = F_NONE, .base = s->base + 5000};
	run_scenario(&after, rcs);
	for (int i = 0; i < N; i++)
		assert_int_equal(rcs[i], 0);
	assert_int_equal(rows_between(after.base, after.base + N), N);
	assert_int_equal(atomic_load(&after.executed), N);
	return faults;
}

static void clean_batch_commits_whole(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_NONE, .base = 10000};
	int rcs[N];
	run_scenario(&s, rcs);
	for (int i = 0; i < N; i++)
		assert_int_equal(rcs[i], 0);
	assert_int_equal(rows_between(s.base, s.base + N), N);
	long batches = 0, jobs = 0;
	store_writer_stats(&batches, &jobs);
	assert_true(jobs >= N + 1);
}

static void io_error_mid_batch_fails_the_batch(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_IOERR_MID, .base = 20000};
	assert_true(expect_batch_failed_then_recovery(&s) > 0);
	assert_true(s.rolled_back_under_k); /* the premise: SQLite ended the transaction itself */
	assert_true(s.late_rc < 0);         /* the guard refused the write that would autocommit */
}

static void disk_full_at_commit_fails_the_batch(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_FULL_AT_COMMIT, .base = 30000};
	assert_true(expect_batch_failed_then_recovery(&s) > 0);
}

static void savepoint_failure_fails_the_batch(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_DENY_SAVEPOINT, .base = 40000};
	assert_int_equal(expect_batch_failed_then_recovery(&s), 1);
}

static void rollback_to_failure_fails_the_batch(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_DENY_ROLLBACK_TO, .base = 50000};
	assert_int_equal(expect_batch_failed_then_recovery(&s), 1);
}

static void release_failure_fails_the_batch(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_DENY_RELEASE, .base = 60000};
	assert_int_equal(expect_batch_failed_then_recovery(&s), 1);
}

/* ---- store_write_alone: a body with the transaction to itself ---- */

struct alone {
	struct scenario *s; /* NULL: run at once; else wait for the scenario's gate */
	int tag, result, rc;
};

/* Inserts its tag, then returns what it was told (0, a refusal, an error). */
static int alone_body(struct db *d, void *arg)
{
	struct alone *a = arg;
	int rc = DBX(d, "INSERT INTO t (tag) VALUES (?)", DB_INT(a->tag));
	return rc < 0 ? rc : a->result;
}

static void *alone_thread(void *arg)
{
	struct alone *a = arg;
	while (!atomic_load(&a->s->gate_running))
		usleep(1000);
	usleep(50 * 1000); /* among the batch's jobs, not before them all */
	a->rc = store_write_alone(alone_body, a);
	return NULL;
}

static void alone_body_runs_without_savepoint(void **state)
{
	(void)state;
	/* the first SAVEPOINT would be denied: an alone body takes none */
	atomic_store(&denied, 0);
	deny("BEGIN", 1);
	struct alone ok = {.tag = 70001};
	assert_int_equal(store_write_alone(alone_body, &ok), 0);
	deny_op = NULL;
	assert_int_equal(atomic_load(&denied), 0);
	assert_int_equal(rows_between(70001, 70001), 1);
	/* its refusal or error rolls back the transaction, which is its alone */
	struct alone refused = {.tag = 70002, .result = 1}, failed = {.tag = 70003, .result = DB_HARD};
	assert_int_equal(store_write_alone(alone_body, &refused), 1);
	assert_int_equal(store_write_alone(alone_body, &failed), DB_HARD);
	assert_int_equal(rows_between(70002, 70003), 0);
}

static void alone_body_among_a_batch_leaves_the_others_whole(void **state)
{
	(void)state;
	struct scenario s = {.fault = F_NONE, .base = 71000};
	struct alone a = {.s = &s, .tag = 71500, .result = 1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, alone_thread, &a), 0);
	long batches0 = 0, batches1 = 0, jobs = 0;
	store_writer_stats(&batches0, &jobs);
	int rcs[N];
	run_scenario(&s, rcs);
	pthread_join(t, NULL);
	store_writer_stats(&batches1, &jobs);
	for (int i = 0; i < N; i++)
		assert_int_equal(rcs[i], 0);
	assert_int_equal(rows_between(s.base, s.base + N), N);
	assert_int_equal(a.rc, 1);
	assert_int_equal(rows_between(71500, 71500), 0);
	assert_true(batches1 - batches0 >= 3); /* the gate, the alone body, the others */
}

/* ---- PostgreSQL: db_tx on the caller's connection (only with FCMS_TEST_DB) ---- */

/* A connection to FCMS_TEST_DB (its URL in *url), or the test is skipped without one. */
static struct db *pg_test_db(const char **url)
{
	*url = getenv("FCMS_TEST_DB");
	if (!*url)
		skip();
	struct db *d = db_open(*url);
	assert_non_null(d);
	return d;
}

static int swallow_error(struct db *d, void *arg)
{
	(void)arg;
	if (DBX(d, "INSERT INTO wt (tag) VALUES (1)", DB_END) < 0)
		return DB_HARD;
	int64_t v;
	(void)DB_SCALAR(d, &v, "SELECT 1 / (SELECT COUNT(*) - COUNT(*) FROM wt)", DB_END);
	return 0; /* the error is ignored: the transaction is failed on the server */
}

/* Ends d's server session from another connection (d finds out at its next statement). 1 when
 * the backend was terminated, else 0. */
static int terminate_session(struct db *d, const char *url)
{
	int64_t pid = 0, ok = 0;
	if (DB_SCALAR(d, &pid, "SELECT pg_backend_pid()", DB_END) != 1)
		return 0;
	struct db *killer = db_open(url);
	if (!killer)
		return 0;
	DB_SCALAR(killer, &ok, "SELECT CASE WHEN pg_terminate_backend(CAST(? AS INTEGER)) THEN 1 ELSE 0 END",
		  DB_INT(pid));
	db_close(killer);
	usleep(100 * 1000);
	return ok == 1;
}

static int outlive_connection(struct db *d, void *arg)
{
	if (DBX(d, "INSERT INTO wt (tag) VALUES (2)", DB_END) < 0 || !terminate_session(d, arg))
		return DB_HARD;
	(void)DBX(d, "INSERT INTO wt (tag) VALUES (3)", DB_END); /* fails: the connection is gone */
	(void)DBX(d, "INSERT INTO wt (tag) VALUES (4)", DB_END); /* would autocommit on the new one */
	return 0;
}

static void pg_tx_is_not_acknowledged_after_its_end(void **state)
{
	(void)state;
	const char *url;
	struct db *d = pg_test_db(&url);
	assert_int_equal(db_exec_script(d, "DROP TABLE IF EXISTS wt; CREATE TABLE wt (tag INTEGER)"), DB_OK);
	assert_true(db_tx(d, true, swallow_error, NULL) < 0);
	assert_false(db_in_transaction(d));
	int rc = db_tx(d, true, outlive_connection, (void *)url);
	assert_true(rc < 0);
	int64_t n = -1;
	assert_int_equal(DB_SCALAR(d, &n, "SELECT COUNT(*) FROM wt", DB_END), 1);
	assert_int_equal(n, 0);
	assert_int_equal(db_exec_script(d, "DROP TABLE wt"), DB_OK);
	db_close(d);
}

/* How many of the session's settings are as db_pg.c sets them (5 of 5): planned with the
 * values, the statement limit of 30 s, 16 MB of work memory, no JIT, UTC. */
static int64_t session_settings_held(struct db *d)
{
	int64_t n = -1;
	int rc = DB_SCALAR(d, &n,
			   "SELECT (current_setting('plan_cache_mode') = 'force_custom_plan')::int"
			   " + (current_setting('statement_timeout') = '30s')::int + (current_setting('work_mem') = '16MB')::int"
			   " + (current_setting('jit') = 'off')::int + (current_setting('TimeZone') = 'UTC')::int",
			   DB_END);
	return rc == 1 ? n : -1;
}

/* A connection reset under a statement is a new server session: the settings are made again
 * (they were lost with the old one: plans cached blind to their values, no statement limit). A
 * time-limited count that was cut off leaves the limit lifted. */
static void pg_reset_keeps_session_settings(void **state)
{
	(void)state;
	const char *url;
	struct db *d = pg_test_db(&url);
	assert_int_equal(session_settings_held(d), 5);
	int64_t pid = 0;
	assert_int_equal(DB_SCALAR(d, &pid, "SELECT pg_backend_pid()", DB_END), 1);
	assert_int_equal(terminate_session(d, url), 1);
	int64_t one = 0;
	assert_int_equal(DB_SCALAR(d, &one, "SELECT 1", DB_END), DB_SOFT); /* the reset */
	int64_t newpid = 0;
	assert_int_equal(DB_SCALAR(d, &newpid, "SELECT pg_backend_pid()", DB_END), 1);
	assert_true(newpid != pid);
	assert_int_equal(session_settings_held(d), 5);
	/* A count past its budget: DB_TIMEOUT, then the 30 s limit again. */
	assert_int_equal(db_scalar_int_within(d, 20, &one, "SELECT COUNT(*) FROM pg_sleep(1)", (const struct db_val[]){DB_END}),
			 DB_TIMEOUT);
	assert_int_equal(session_settings_held(d), 5);
	db_close(d);
}

static int group_setup(void **state)
{
	(void)state;
	shim_install();
	if (sqlite3_auto_extension((void (*)(void))on_open) != SQLITE_OK)
		return -1;
	if (unit_db_make(&u, "writer") != 0)
		return -1;
	check = db_open(u.url);
	if (!check || db_exec_script(check, "CREATE TABLE t (id INTEGER PRIMARY KEY, tag INTEGER NOT NULL,"
					    " pad BLOB)") != DB_OK)
		return -1;
	return store_writer_start(u.url);
}

static int group_teardown(void **state)
{
	(void)state;
	store_writer_stop();
	db_close(check);
	unit_db_remove(&u);
	sqlite3_reset_auto_extension();
	return 0;
}

/* An argument is a cmocka test-name filter: tests/faults/run.sh runs 'pg_*' against PostgreSQL. */
/* The plan mode a statement runs under (db.h DB_GENERIC_PLAN): marked ones under auto, every
 * other one planned with its values. A rollback undoes a SET made in its transaction, so the
 * driver must not trust what it set there: a statement after it would run under the other mode
 * (a list query with a generic plan blind to its filters: seconds). */
static const char *plan_mode(struct db *d, bool generic, char *buf, size_t n)
{
	struct db_res *r = NULL;
	buf[0] = '\0';
	if (db_query(d, &r, generic ? DB_GENERIC_PLAN "SELECT current_setting('plan_cache_mode')"
				    : "SELECT current_setting('plan_cache_mode')",
		     (const struct db_val[]){DB_END}) == DB_OK &&
	    db_next(r) == 1)
		snprintf(buf, n, "%s", db_text(r, 0));
	db_done(r);
	return buf;
}

static void pg_plan_mode_follows_the_statement(void **state)
{
	(void)state;
	const char *url;
	struct db *d = pg_test_db(&url);
	char m[64];
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	/* Set in a transaction rolled back: the session is back at auto. */
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_int_equal(db_begin(d, false), DB_OK);
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	db_rollback(d);
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	/* A failed transaction's COMMIT (answered ROLLBACK). */
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_int_equal(db_begin(d, true), DB_OK);
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	int64_t v;
	assert_true(DB_SCALAR(d, &v, "SELECT 1 / (SELECT COUNT(*) - COUNT(*) FROM pg_class)", DB_END) < 0);
	assert_true(db_commit(d) < 0);
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	/* ROLLBACK TO a savepoint. */
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_int_equal(db_begin(d, false), DB_OK);
	assert_int_equal(db_exec_script(d, "SAVEPOINT p"), DB_OK);
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	assert_int_equal(db_exec_script(d, "ROLLBACK TO p"), DB_OK);
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	assert_int_equal(db_commit(d), DB_OK);
	/* Kept by a COMMIT. */
	assert_int_equal(db_begin(d, false), DB_OK);
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_int_equal(db_commit(d), DB_OK);
	assert_string_equal(plan_mode(d, true, m, sizeof m), "auto");
	assert_string_equal(plan_mode(d, false, m, sizeof m), "force_custom_plan");
	db_close(d);
}

int main(int argc, char **argv)
{
	log_set_level(LOG_ERROR);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clean_batch_commits_whole),
		cmocka_unit_test(io_error_mid_batch_fails_the_batch),
		cmocka_unit_test(disk_full_at_commit_fails_the_batch),
		cmocka_unit_test(savepoint_failure_fails_the_batch),
		cmocka_unit_test(rollback_to_failure_fails_the_batch),
		cmocka_unit_test(release_failure_fails_the_batch),
		cmocka_unit_test(alone_body_runs_without_savepoint),
		cmocka_unit_test(alone_body_among_a_batch_leaves_the_others_whole),
		cmocka_unit_test(pg_tx_is_not_acknowledged_after_its_end),
		cmocka_unit_test(pg_reset_keeps_session_settings),
		cmocka_unit_test(pg_plan_mode_follows_the_statement),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
