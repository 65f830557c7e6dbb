/* Group commit for SQLite: one writer thread runs the write transactions of all request threads
 * in batches — BEGIN IMMEDIATE, each transaction body inside its own SAVEPOINT (a refusal or
 * error rolls back only that body), one COMMIT and so one fsync for the whole batch — and wakes
 * each caller after the commit, so a reply still follows durability. SQLite has a single writer
 * anyway; batching turns N fsyncs into one. PostgreSQL has its own group commit: there the
 * caller's connection runs the transaction directly (db_tx).
 *
 * Atomicity: a batch commits whole or not at all. Every SAVEPOINT / ROLLBACK TO / RELEASE is
 * checked, and so is the transaction itself after each body: on SQLITE_FULL, SQLITE_IOERR or
 * SQLITE_NOMEM SQLite may roll the whole transaction back under a body, taking the bodies
 * before it along, and a SAVEPOINT after that would open a fresh transaction in which later
 * bodies commit on their own. Any such failure rolls the batch back and every caller in it gets
 * the error (a 5xx); the next batch starts afresh, so the writer serves on once the disk has
 * room again. The connection also refuses any commit but the batch's (db_forbid_autocommit).
 * A large body given by store_write_alone (an import batch) is a batch by itself and runs
 * without a savepoint: its failure rolls back the transaction, which holds nothing else.
 *
 * Test hook: FCMS_FAULT_SAVEPOINT_EVERY=N (read once at store_writer_start, only when set) makes
 * every Nth SAVEPOINT fail as if SQLite had refused it; tests/faults/ uses it. Unset in
 * production. */
#include "store/store.h"
#include "util/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BATCH 64
#define MAX_SOFT_RETRIES 50

struct job {
	struct job *next;
	db_tx_fn fn;
	void *ctx;
	int rc;
	int tries;
	bool done;
	bool alone; /* store_write_alone: a transaction of its own, no savepoint */
	pthread_cond_t cond;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static bool running, stopping;
static pthread_t thread;
static struct db *conn;
static long batches, jobs_done;
static long fault_savepoint_every, savepoints; /* the test hook; writer thread only */

static void finish(struct job *j, int rc)
{
	pthread_mutex_lock(&lock);
	j->rc = rc;
	j->done = true;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&lock);
}

static int savepoint(void)
{
	if (fault_savepoint_every > 0 && ++savepoints % fault_savepoint_every == 0) {
		log_error("writer: SAVEPOINT failed by injection (FCMS_FAULT_SAVEPOINT_EVERY=%ld)",
			  fault_savepoint_every);
		return DB_HARD;
	}
	return db_exec_script(conn, "SAVEPOINT job");
}

/* Runs the bodies of a batch inside the open transaction. Returns 0 when every body ran in its
 * savepoint and the transaction is still open (results[] then says which bodies to keep), or
 * the status that fails the whole batch. */
static int run_bodies(struct job **batch, int n, int *results)
{
	for (int i = 0; i < n; i++) {
		int rc = savepoint();
		if (rc != 0) {
			log_error("writer: SAVEPOINT failed (%d); failing the batch of %d", rc, n);
			return rc;
		}
		results[i] = batch[i]->fn(conn, batch[i]->ctx);
		if (!db_in_transaction(conn)) {
			log_error("writer: the transaction was rolled back under body %d of %d (body %d);"
				  " failing the batch", i + 1, n, results[i]);
			return DB_HARD;
		}
		if (results[i] != 0 && (rc = db_exec_script(conn, "ROLLBACK TO job")) != 0) {
			log_error("writer: ROLLBACK TO failed (%d); failing the batch of %d", rc, n);
			return rc;
		}
		if ((rc = db_exec_script(conn, "RELEASE job")) != 0 || !db_in_transaction(conn)) {
			log_error("writer: RELEASE failed (%d); failing the batch of %d", rc, n);
			return rc != 0 ? rc : DB_HARD;
		}
	}
	return 0;
}

/* Runs the body of a job that has the transaction to itself (store_write_alone): no savepoint,
 * so its failure is the transaction's. Returns 0 when it succeeded and the transaction is still
 * open, else its status (the caller rolls back and hands that status to the job). */
static int run_alone(struct job *j, int *result)
{
	*result = j->fn(conn, j->ctx);
	if (*result != 0)
		return *result;
	if (!db_in_transaction(conn)) {
		log_error("writer: the transaction was rolled back under a body of its own");
		return DB_HARD;
	}
	return 0;
}

/* Runs one batch; jobs that met a soft failure are returned for another round. */
static struct job *run_batch(struct job **batch, int n)
{
	struct job *retry = NULL;
	int results[MAX_BATCH];
	int rc = db_begin(conn, true);
	if (rc == 0)
		rc = n == 1 && batch[0]->alone ? run_alone(batch[0], results) : run_bodies(batch, n, results);
	if (rc == 0 && (rc = db_commit(conn)) != 0)
		log_error("writer: commit of a batch of %d failed (%d)", n, rc);
	if (rc != 0)
		db_rollback(conn); /* no-op when SQLite already rolled back */
	batches++;
	for (int i = 0; i < n; i++) {
		int r = rc != 0 ? rc : results[i];
		if (r == DB_SOFT && ++batch[i]->tries < MAX_SOFT_RETRIES) {
			batch[i]->next = retry;
			retry = batch[i];
			continue;
		}
		if (rc == 0 && results[i] == 0)
			jobs_done++;
		finish(batch[i], r);
	}
	return retry;
}

static bool restart_wanted; /* the checkpointer asks the writer to start the log over; under lock */
static void restart_log(void);

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!head && !stopping && !restart_wanted)
			pthread_cond_wait(&work, &lock);
		if (restart_wanted) {
			restart_wanted = false;
			pthread_mutex_unlock(&lock);
			restart_log();
			pthread_mutex_lock(&lock);
			continue;
		}
		if (!head && stopping)
			break;
		struct job *batch[MAX_BATCH];
		int n = 0;
		while (head && n < MAX_BATCH && !(n > 0 && head->alone)) {
			batch[n++] = head;
			head = head->next;
			if (batch[n - 1]->alone)
				break;
		}
		if (!head)
			tail = NULL;
		pthread_mutex_unlock(&lock);
		struct job *retry = run_batch(batch, n);
		pthread_mutex_lock(&lock);
		while (retry) { /* to the front, so they keep their turn */
			struct job *next = retry->next;
			retry->next = head;
			head = retry;
			if (!tail)
				tail = retry;
			retry = next;
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* The checkpointer (SQLite). Left to SQLite, the connection that commits copies the log into
 * the database after its commit once the log holds 1,000 pages: the writer thread did it after
 * nearly every batch, with an fsync of the database file, while its callers waited. And with
 * readers always active a passive checkpoint never reaches the log's end, so the log never
 * starts over: it grew by 30 MB/s under the working-day load (1 GB after 30 s), and each page
 * a reader looks up searches the log's whole index (issue 13). Here a thread of its own copies
 * the log every CKPT_EVERY_MS without blocking anyone, and once the log holds CKPT_RESTART_PAGES
 * it asks the writer thread, between two batches, to wait up to CKPT_WAIT_MS for the readers
 * still in the log and copy the rest, so that the next commit writes the log from its start.
 * (Asked of the checkpointer's own connection, that wait needed the write lock, which the
 * writer hands on from batch to batch: under load it never got it, and the log reached 500 MB.) */
#define CKPT_EVERY_MS 100
#define CKPT_RESTART_PAGES 16384 /* 64 MiB of 4 KiB pages */
#define CKPT_WAIT_MS 100

static pthread_t ckpt_thread;
static pthread_cond_t ckpt_wake = PTHREAD_COND_INITIALIZER; /* not work: a signal for the writer
							       * must not wake this thread instead */
static struct db *ckpt_conn;
static bool ckpt_running;
static long ckpt_restarts;

/* Writer thread, between batches (lock not held): starts the log over when the readers let it
 * within CKPT_WAIT_MS (else the checkpointer asks again). */
static void restart_log(void)
{
	int64_t pages = 0;
	if (db_wal_checkpoint(conn, CKPT_WAIT_MS, &pages) == DB_OK)
		ckpt_restarts++;
}

static void *checkpointer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CKPT_EVERY_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&ckpt_wake, &lock, &until);
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		int64_t pages = 0;
		int rc = db_wal_checkpoint(ckpt_conn, 0, &pages);
		if (rc == DB_HARD)
			log_warn("writer: checkpoint failed; it is tried again in %d ms", CKPT_EVERY_MS);
		pthread_mutex_lock(&lock);
		if (rc == DB_OK && pages >= CKPT_RESTART_PAGES) {
			restart_wanted = true;
			pthread_cond_signal(&work); /* an idle writer does it at once */
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Starts the checkpointer and turns SQLite's own off on the writer's connection (it stays on
 * when the thread cannot start). */
static void checkpointer_start(const char *url)
{
	ckpt_conn = db_open(url);
	if (!ckpt_conn || pthread_create(&ckpt_thread, NULL, checkpointer_main, NULL) != 0) {
		log_warn("writer: no checkpointer thread; SQLite checkpoints after commits");
		if (ckpt_conn)
			db_close(ckpt_conn);
		ckpt_conn = NULL;
		return;
	}
	ckpt_running = true;
	/* Once started over, the log's file is cut back to the same 64 MiB (disk space; and the
	 * file's size then shows how far the log grew). */
	if (db_exec_script(conn, "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864") != DB_OK)
		log_warn("writer: SQLite's own checkpoints stay on");
}

static void checkpointer_stop(void)
{
	if (!ckpt_running)
		return;
	pthread_join(ckpt_thread, NULL);
	int64_t pages = 0;
	if (db_wal_checkpoint(ckpt_conn, 0, &pages) != DB_OK)
		log_warn("writer: last checkpoint failed; the log is copied at the next start");
	db_close(ckpt_conn);
	ckpt_conn = NULL;
	ckpt_running = false;
	log_info("writer: the log started over %ld times", ckpt_restarts);
}

int store_writer_start(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return 0; /* PostgreSQL: transactions run on the callers' connections */
	conn = db_open(url);
	if (!conn)
		return -1;
	db_forbid_autocommit(conn);
	const char *every = getenv("FCMS_FAULT_SAVEPOINT_EVERY");
	fault_savepoint_every = every ? atol(every) : 0;
	savepoints = 0;
	if (fault_savepoint_every > 0)
		log_info("writer: test hook on: every %ld. SAVEPOINT fails", fault_savepoint_every);
	stopping = false;
	if (pthread_create(&thread, NULL, writer_main, NULL) != 0) {
		db_close(conn);
		conn = NULL;
		return -1;
	}
	running = true;
	checkpointer_start(url);
	return 0;
}

void store_writer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&work);
	pthread_cond_signal(&ckpt_wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	checkpointer_stop();
	db_close(conn);
	conn = NULL;
	running = false;
	log_info("writer: %ld transactions in %ld commits", jobs_done, batches);
}

/* PostgreSQL: the write transactions of this process run one at a time, in arrival order.
 * Nearly every write updates a head row — audit_head (the audit chain), complaint_change_head
 * (the report index's change log), complaint_numbers (the day's numbers) — and under
 * SERIALIZABLE a second writer waits for the first's row lock, then fails with a serialization
 * error and starts over after a backoff; with many writers most work was thrown away and a
 * creation took seconds under a read mix (issue 13: 0.4 creations/s). Queued here, each runs
 * once, back to back, as the head rows would have ordered them anyway. A ticket lock, so no
 * writer is overtaken forever. Writers of another instance still conflict and retry. */
static pthread_mutex_t pg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pg_turn = PTHREAD_COND_INITIALIZER;
static unsigned long pg_next_ticket, pg_serving;

static int pg_write(struct db *d, db_tx_fn fn, void *ctx)
{
	pthread_mutex_lock(&pg_mu);
	unsigned long ticket = pg_next_ticket++;
	while (ticket != pg_serving)
		pthread_cond_wait(&pg_turn, &pg_mu);
	pthread_mutex_unlock(&pg_mu);
	int rc = db_tx(d, true, fn, ctx);
	pthread_mutex_lock(&pg_mu);
	pg_serving++;
	pthread_cond_broadcast(&pg_turn);
	pthread_mutex_unlock(&pg_mu);
	return rc;
}

static int write_job(db_tx_fn fn, void *ctx, bool alone)
{
	if (!running) {
		struct db *d = store_conn();
		if (!d)
			return DB_HARD;
		return db_backend(d) == DB_PG ? pg_write(d, fn, ctx) : db_tx(d, true, fn, ctx);
	}
	struct job j = {.fn = fn, .ctx = ctx, .alone = alone};
	pthread_cond_init(&j.cond, NULL);
	pthread_mutex_lock(&lock);
	if (tail)
		tail->next = &j;
	else
		head = &j;
	tail = &j;
	pthread_cond_signal(&work);
	while (!j.done)
		pthread_cond_wait(&j.cond, &lock);
	pthread_mutex_unlock(&lock);
	pthread_cond_destroy(&j.cond);
	return j.rc;
}

int store_write(db_tx_fn fn, void *ctx)
{
	return write_job(fn, ctx, false);
}

int store_write_alone(db_tx_fn fn, void *ctx)
{
	return write_job(fn, ctx, true);
}

void store_writer_stats(long *out_batches, long *out_jobs)
{
	pthread_mutex_lock(&lock);
	*out_batches = batches;
	*out_jobs = jobs_done;
	pthread_mutex_unlock(&lock);
}
