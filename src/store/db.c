/* Backend-independent part of the db interface: dispatch to the driver, the statement cache,
 * the retrying transaction runner and connection statistics. */
#include "store/db_internal.h"
#include "util/log.h"
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every driver's result starts with a pointer to its driver. */
#define RES_DRV(r) (((struct db_driver *const *)(r))[0])

static long stat_open, stat_retries, stat_failures, stat_cached, stat_evicted, stat_recompiled;

void db_stats_conn(int delta)
{
	__atomic_add_fetch(&stat_open, delta, __ATOMIC_RELAXED);
}

void db_stats_recompiled(long n)
{
	__atomic_add_fetch(&stat_recompiled, n, __ATOMIC_RELAXED);
}

void db_stats_get(struct db_stats *out)
{
	out->open_connections = __atomic_load_n(&stat_open, __ATOMIC_RELAXED);
	out->tx_retries = __atomic_load_n(&stat_retries, __ATOMIC_RELAXED);
	out->tx_failures = __atomic_load_n(&stat_failures, __ATOMIC_RELAXED);
	out->cached_statements = __atomic_load_n(&stat_cached, __ATOMIC_RELAXED);
	out->evicted_statements = __atomic_load_n(&stat_evicted, __ATOMIC_RELAXED);
	out->recompiled_statements = __atomic_load_n(&stat_recompiled, __ATOMIC_RELAXED);
}

struct db *db_open(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return db_sqlite_open(url + 7);
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return db_pg_open(url);
	log_error("db: unsupported database url (want sqlite:PATH or postgresql://...)");
	return NULL;
}

void db_close(struct db *d)
{
	if (d)
		d->drv->close(d);
}

int db_wait_notification(struct db *d, int timeout_ms, char *buf, size_t n)
{
	return d->drv->wait_notify ? d->drv->wait_notify(d, timeout_ms, buf, n) : DB_HARD;
}

enum db_backend db_backend(const struct db *d)
{
	return d->backend;
}

/* Test hook: FCMS_EXPLAIN_LOG=PATH (read once, only when set) appends to PATH the plan of every
 * read of the complaints table — "SQL <text>", the plan's lines (SQLite EXPLAIN QUERY PLAN as
 * "id parent detail", PostgreSQL EXPLAIN; values bound), a blank line — so tests/api/explain.test.mjs can
 * fail on a full scan of the queries the server really runs. Unset in production. */
static pthread_once_t explain_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t explain_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *explain_log;

static void explain_open(void)
{
	const char *path = getenv("FCMS_EXPLAIN_LOG");
	if (path && *path && !(explain_log = fopen(path, "a")))
		log_error("db: cannot open FCMS_EXPLAIN_LOG");
}

static void explain(struct db *d, const char *sql, const struct db_val *args)
{
	pthread_once(&explain_once, explain_open);
	size_t marker = strncmp(sql, DB_GENERIC_PLAN, sizeof DB_GENERIC_PLAN - 1) ? 0 : sizeof DB_GENERIC_PLAN - 1;
	if (!explain_log || strncmp(sql + marker, "SELECT", 6) != 0 || !strstr(sql, "complaints c"))
		return;
	const char *verb = d->backend == DB_PG ? "EXPLAIN " : "EXPLAIN QUERY PLAN ";
	size_t n = strlen(verb) + strlen(sql) + 1;
	char *text = malloc(n);
	struct db_res *r = NULL;
	if (!text)
		return;
	snprintf(text, n, "%s%s", verb, sql);
	if (d->drv->query(d, &r, text, args) == DB_OK) {
		pthread_mutex_lock(&explain_lock);
		fprintf(explain_log, "SQL %s\n", sql);
		while (db_next(r) == 1) {
			if (d->backend == DB_PG) /* one column of text */
				fprintf(explain_log, "%s\n", db_text(r, 0));
			else /* id, parent, detail: the tree */
				fprintf(explain_log, "%lld %lld %s\n", (long long)db_int(r, 0), (long long)db_int(r, 1),
					db_text(r, 3));
		}
		fprintf(explain_log, "\n");
		fflush(explain_log);
		pthread_mutex_unlock(&explain_lock);
		db_done(r);
	}
	free(text);
}

int db_query(struct db *d, struct db_res **out, const char *sql, const struct db_val *args)
{
	*out = NULL;
	explain(d, sql, args);
	return d->drv->query(d, out, sql, args);
}

int db_exec(struct db *d, const char *sql, const struct db_val *args)
{
	return d->drv->exec(d, sql, args);
}

int db_exec_script(struct db *d, const char *sql)
{
	return d->drv->exec_script(d, sql);
}

int db_next(struct db_res *r)
{
	return RES_DRV(r)->next(r);
}


int64_t db_int(struct db_res *r, int col)
{
	return RES_DRV(r)->col_int(r, col);
}

const char *db_text(struct db_res *r, int col)
{
	return RES_DRV(r)->col_text(r, col);
}

bool db_is_null(struct db_res *r, int col)
{
	return RES_DRV(r)->col_null(r, col);
}

void db_done(struct db_res *r)
{
	if (r)
		RES_DRV(r)->done(r);
}

json_t *db_row_json(struct db_res *r)
{
	const struct db_driver *drv = RES_DRV(r);
	json_t *o = json_object();
	int n = drv->ncols(r);
	for (int i = 0; o && i < n; i++) {
		json_t *v;
		switch (drv->col_kind(r, i)) {
		case 0:
			v = json_null();
			break;
		case 1:
			v = json_integer(drv->col_int(r, i));
			break;
		default:
			v = json_string(drv->col_text(r, i));
			if (!v) /* not valid UTF-8: never expected, but never crash on it */
				v = json_string("");
		}
		json_object_set_new(o, drv->col_name(r, i), v);
	}
	return o;
}

int db_query_json(struct db *d, json_t **out, const char *sql, const struct db_val *args)
{
	*out = NULL;
	struct db_res *r;
	int rc = db_query(d, &r, sql, args);
	if (rc < 0)
		return rc;
	json_t *arr = json_array();
	while ((rc = db_next(r)) == 1)
		json_array_append_new(arr, db_row_json(r));
	db_done(r);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return DB_OK;
}

int db_query_json_one(struct db *d, json_t **out, const char *sql, const struct db_val *args)
{
	*out = NULL;
	struct db_res *r;
	int rc = db_query(d, &r, sql, args);
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*out = db_row_json(r);
	db_done(r);
	return rc < 0 ? rc : DB_OK;
}

int db_scalar_int(struct db *d, int64_t *v, const char *sql, const struct db_val *args)
{
	struct db_res *r;
	int rc = db_query(d, &r, sql, args);
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*v = db_int(r, 0);
	db_done(r);
	return rc;
}

int db_scalar_int_within(struct db *d, int budget_ms, int64_t *v, const char *sql, const struct db_val *args)
{
	if (budget_ms <= 0)
		return db_scalar_int(d, v, sql, args);
	int rc = d->drv->time_limit(d, budget_ms);
	if (rc < 0)
		return rc;
	rc = db_scalar_int(d, v, sql, args);
	int lifted = d->drv->time_limit(d, 0);
	return rc < 0 ? rc : lifted < 0 ? lifted : rc;
}

bool db_ping(struct db *d)
{
	int64_t one = 0;
	return DB_SCALAR(d, &one, "SELECT 1", DB_END) == 1 && one == 1;
}

int db_begin(struct db *d, bool write)
{
	if (d->snapshot) {
		if (write) {
			log_error("db: a write transaction asked inside a read snapshot");
			return DB_HARD;
		}
		d->nested++; /* the snapshot is the transaction */
		return DB_OK;
	}
	return d->drv->begin(d, write);
}

int db_commit(struct db *d)
{
	if (d->snapshot && d->nested > 0) {
		d->nested--;
		return DB_OK;
	}
	return d->drv->commit(d);
}

void db_rollback(struct db *d)
{
	if (d->snapshot && d->nested > 0) { /* a read body ends: nothing to undo */
		d->nested--;
		return;
	}
	d->drv->rollback(d);
}

int db_snapshot_begin(struct db *d)
{
	if (d->backend != DB_SQLITE || d->snapshot || d->drv->in_tx(d))
		return DB_HARD;
	int rc = db_exec_script(d, "BEGIN");
	if (rc != DB_OK)
		return rc;
	d->snapshot = true; /* the driver now refuses every write statement on d */
	d->nested = 0;
	return DB_OK;
}

void db_snapshot_end(struct db *d)
{
	if (!d->snapshot)
		return;
	d->snapshot = false;
	d->nested = 0;
	if (d->drv->in_tx(d))
		d->drv->commit(d);
}

bool db_in_transaction(struct db *d)
{
	return d->drv->in_tx(d);
}

void db_forbid_autocommit(struct db *d)
{
	if (d->drv->forbid_autocommit)
		d->drv->forbid_autocommit(d);
}

int db_wal_checkpoint(struct db *d, int restart_wait_ms, int64_t *frames)
{
	*frames = 0;
	return d->drv->checkpoint ? d->drv->checkpoint(d, restart_wait_ms, frames) : DB_OK;
}

#define TX_MAX_TRIES 50

int db_tx(struct db *d, bool write, db_tx_fn fn, void *ctx)
{
	for (int attempt = 0; attempt < TX_MAX_TRIES; attempt++) {
		if (attempt > 0) {
			__atomic_add_fetch(&stat_retries, 1, __ATOMIC_RELAXED);
			/* Backoff with jitter: 1..(2^min(attempt,6)) ms. */
			long ms = 1 + rand() % (1L << (attempt < 6 ? attempt : 6));
			struct timespec ts = {0, ms * 1000000L};
			nanosleep(&ts, NULL);
		}
		int rc = db_begin(d, write);
		if (rc == DB_SOFT)
			continue;
		if (rc < 0)
			goto fail;
		rc = fn(d, ctx);
		/* The database may have ended the transaction under the body (SQLite's automatic
		 * rollback, a failed PostgreSQL transaction whose error the body did not pass on):
		 * committing now would save nothing, or only what ran after the end. */
		if (rc == 0 && !db_in_transaction(d)) {
			log_error("db: the transaction ended under its body; not committing");
			rc = DB_HARD;
		}
		if (rc != 0) {
			db_rollback(d);
			if (rc == DB_SOFT)
				continue;
			if (rc < 0)
				__atomic_add_fetch(&stat_failures, 1, __ATOMIC_RELAXED);
			return rc;
		}
		rc = db_commit(d);
		if (rc == 0)
			return 0;
		db_rollback(d);
		if (rc == DB_SOFT)
			continue;
fail:
		__atomic_add_fetch(&stat_failures, 1, __ATOMIC_RELAXED);
		return rc;
	}
	__atomic_add_fetch(&stat_failures, 1, __ATOMIC_RELAXED);
	log_error("db: transaction gave up after %d tries", TX_MAX_TRIES);
	return DB_SOFT;
}

/* ---- statement cache ---- */


/* FNV-1a over the text. */
static size_t sql_hash(const char *sql)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return (size_t)h;
}

#define NBUCKETS (2 * DB_STMT_CACHE_CAP)

int stmt_cache_init(struct stmt_cache *c, void (*release)(void *owner, void *stmt), void (*forget)(void *stmt),
		    void *owner)
{
	*c = (struct stmt_cache){.release = release, .forget = forget, .owner = owner};
	c->buckets = calloc(NBUCKETS, sizeof *c->buckets);
	return c->buckets ? 0 : -1;
}

static void lru_unlink(struct stmt_cache *c, struct stmt_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct stmt_cache *c, struct stmt_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
}

struct stmt_entry *stmt_cache_get(struct stmt_cache *c, const char *sql)
{
	size_t h = sql_hash(sql);
	for (struct stmt_entry *e = c->buckets[h % NBUCKETS]; e; e = e->chain)
		if (e->hash == h && strcmp(e->sql, sql) == 0) {
			if (c->newest != e) {
				lru_unlink(c, e);
				lru_push(c, e);
			}
			return e;
		}
	return NULL;
}

static void entry_free(struct stmt_cache *c, struct stmt_entry *e, bool release)
{
	if (release)
		c->release(c->owner, e->stmt);
	else if (c->forget)
		c->forget(e->stmt);
	free(e->sql);
	free(e);
}

/* Takes e out of the table and the list; frees it now, or at its last unref when in use. */
static void evict(struct stmt_cache *c, struct stmt_entry *e, bool release)
{
	struct stmt_entry **pp = &c->buckets[e->hash % NBUCKETS];
	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	lru_unlink(c, e);
	c->len--;
	__atomic_sub_fetch(&stat_cached, 1, __ATOMIC_RELAXED);
	if (e->refs > 0)
		e->evicted = true; /* a cursor still steps it: stmt_cache_unref releases it */
	else
		entry_free(c, e, release);
}

struct stmt_entry *stmt_cache_put(struct stmt_cache *c, const char *sql, void *stmt)
{
	struct stmt_entry *e = calloc(1, sizeof *e);
	if (!e || !(e->sql = strdup(sql))) {
		free(e);
		return NULL;
	}
	e->hash = sql_hash(sql);
	e->stmt = stmt;
	while (c->len >= DB_STMT_CACHE_CAP && c->oldest) {
		evict(c, c->oldest, true);
		__atomic_add_fetch(&stat_evicted, 1, __ATOMIC_RELAXED);
	}
	struct stmt_entry **b = &c->buckets[e->hash % NBUCKETS];
	e->chain = *b;
	*b = e;
	lru_push(c, e);
	c->len++;
	__atomic_add_fetch(&stat_cached, 1, __ATOMIC_RELAXED);
	return e;
}

void stmt_cache_unref(struct stmt_cache *c, struct stmt_entry *e)
{
	assert(e->refs > 0);
	if (--e->refs == 0 && e->evicted)
		entry_free(c, e, true);
}

void stmt_cache_clear(struct stmt_cache *c, bool release)
{
	while (c->oldest)
		evict(c, c->oldest, release);
}

void stmt_cache_free(struct stmt_cache *c)
{
	stmt_cache_clear(c, true);
	free(c->buckets);
	c->buckets = NULL;
}
