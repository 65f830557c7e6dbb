/* Backend-independent part of the db interface: dispatch to the driver, the statement map,
 * the retrying transaction runner and connection statistics. */
#include "store/db_internal.h"
#include "util/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every driver's result starts with a pointer to its driver. */
#define RES_DRV(r) (((struct db_driver *const *)(r))[0])

static long stat_open, stat_retries, stat_failures;

void db_stats_conn(int delta)
{
	__atomic_add_fetch(&stat_open, delta, __ATOMIC_RELAXED);
}

void db_stats_get(struct db_stats *out)
{
	out->open_connections = __atomic_load_n(&stat_open, __ATOMIC_RELAXED);
	out->tx_retries = __atomic_load_n(&stat_retries, __ATOMIC_RELAXED);
	out->tx_failures = __atomic_load_n(&stat_failures, __ATOMIC_RELAXED);
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

int db_query(struct db *d, struct db_res **out, const char *sql, const struct db_val *args)
{
	*out = NULL;
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

bool db_ping(struct db *d)
{
	int64_t one = 0;
	return DB_SCALAR(d, &one, "SELECT 1", DB_END) == 1 && one == 1;
}

int db_begin(struct db *d, bool write)
{
	return d->drv->begin(d, write);
}

int db_commit(struct db *d)
{
	return d->drv->commit(d);
}

void db_rollback(struct db *d)
{
	d->drv->rollback(d);
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

/* ---- interned SQL ---- */

static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char **interned;
static size_t ninterned, capinterned;

const char *db_intern(const char *sql)
{
	pthread_mutex_lock(&intern_lock);
	for (size_t i = 0; i < ninterned; i++)
		if (strcmp(interned[i], sql) == 0) {
			pthread_mutex_unlock(&intern_lock);
			return interned[i];
		}
	if (ninterned == capinterned) {
		size_t cap = capinterned ? capinterned * 2 : 64;
		char **n = realloc(interned, cap * sizeof *n);
		if (!n) {
			pthread_mutex_unlock(&intern_lock);
			return NULL;
		}
		interned = n;
		capinterned = cap;
	}
	char *copy = strdup(sql);
	if (copy)
		interned[ninterned++] = copy;
	pthread_mutex_unlock(&intern_lock);
	return copy;
}

/* ---- statement map ---- */

static size_t slot_of(const char *key, size_t cap)
{
	uintptr_t h = (uintptr_t)key;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (cap - 1);
}

void *stmt_map_get(const struct stmt_map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (!m->keys[i])
			return NULL;
	}
}

int stmt_map_put(struct stmt_map *m, const char *key, void *val)
{
	if ((m->len + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		struct stmt_map n = {calloc(ncap, sizeof *n.keys), calloc(ncap, sizeof *n.vals), ncap, 0};
		if (!n.keys || !n.vals) {
			free(n.keys);
			free(n.vals);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				stmt_map_put(&n, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	size_t i = slot_of(key, m->cap);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->len++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

void stmt_map_free(struct stmt_map *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] && free_val)
			free_val(m->vals[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
