/* Group commit for SQLite: one writer thread runs the write transactions of all request threads
 * in batches — BEGIN IMMEDIATE, each transaction body inside its own SAVEPOINT (a refusal or
 * error rolls back only that body), one COMMIT and so one fsync for the whole batch — and wakes
 * each caller after the commit, so a reply still follows durability. SQLite has a single writer
 * anyway; batching turns N fsyncs into one. PostgreSQL has its own group commit: there the
 * caller's connection runs the transaction directly (db_tx). */
#include "store/store.h"
#include "util/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH 64
#define MAX_SOFT_RETRIES 50

struct job {
	struct job *next;
	db_tx_fn fn;
	void *ctx;
	int rc;
	int tries;
	bool done;
	pthread_cond_t cond;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static bool running, stopping;
static pthread_t thread;
static struct db *conn;
static long batches, jobs_done;

static void finish(struct job *j, int rc)
{
	pthread_mutex_lock(&lock);
	j->rc = rc;
	j->done = true;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&lock);
}

/* Runs one batch; jobs that met a soft failure are returned for another round. */
static struct job *run_batch(struct job **batch, int n)
{
	struct job *retry = NULL;
	int rc = db_begin(conn, true);
	if (rc != 0) {
		for (int i = 0; i < n; i++) {
			if (rc == DB_SOFT && ++batch[i]->tries < MAX_SOFT_RETRIES) {
				batch[i]->next = retry;
				retry = batch[i];
			} else {
				finish(batch[i], rc);
			}
		}
		return retry;
	}
	int results[MAX_BATCH];
	for (int i = 0; i < n; i++) {
		db_exec_script(conn, "SAVEPOINT job");
		results[i] = batch[i]->fn(conn, batch[i]->ctx);
		if (results[i] != 0)
			db_exec_script(conn, "ROLLBACK TO job");
		db_exec_script(conn, "RELEASE job");
	}
	rc = db_commit(conn);
	if (rc != 0) {
		db_rollback(conn);
		log_error("writer: commit of a batch of %d failed (%d)", n, rc);
	}
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

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!head && !stopping)
			pthread_cond_wait(&work, &lock);
		if (!head && stopping)
			break;
		struct job *batch[MAX_BATCH];
		int n = 0;
		while (head && n < MAX_BATCH) {
			batch[n++] = head;
			head = head->next;
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

int store_writer_start(const char *url)
{
	if (strncmp(url, "sqlite:", 7) != 0)
		return 0; /* PostgreSQL: transactions run on the callers' connections */
	conn = db_open(url);
	if (!conn)
		return -1;
	stopping = false;
	if (pthread_create(&thread, NULL, writer_main, NULL) != 0) {
		db_close(conn);
		conn = NULL;
		return -1;
	}
	running = true;
	return 0;
}

void store_writer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	db_close(conn);
	conn = NULL;
	running = false;
	log_info("writer: %ld transactions in %ld commits", jobs_done, batches);
}

int store_write(db_tx_fn fn, void *ctx)
{
	if (!running) {
		struct db *d = store_conn();
		return d ? db_tx(d, true, fn, ctx) : DB_HARD;
	}
	struct job j = {.fn = fn, .ctx = ctx};
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

void store_writer_stats(long *out_batches, long *out_jobs)
{
	pthread_mutex_lock(&lock);
	*out_batches = batches;
	*out_jobs = jobs_done;
	pthread_mutex_unlock(&lock);
}
