/* Shared between db.c and the two drivers; not for other modules. */
#ifndef FCMS_DB_INTERNAL_H
#define FCMS_DB_INTERNAL_H
#include "store/db.h"
#include <stdbool.h>
#include <stddef.h>

/* A connection's prepared statements, keyed by SQL text (not by its address, so text built at
 * run time needs no interning): a hash table for lookup and a least-recently-used list that
 * holds at most DB_STMT_CACHE_CAP entries. Past the cap the least recently used statement is
 * released (finalized / deallocated) -- unless a cursor still uses it (refs > 0): it then leaves
 * the cache at once and is released by the cursor's stmt_cache_unref. One connection, one
 * thread: no lock. */
#define DB_STMT_CACHE_CAP 256
struct stmt_entry {
	char *sql;
	size_t hash;
	void *stmt;
	int refs;
	bool evicted;
	struct stmt_entry *chain, *newer, *older;
};
struct stmt_cache {
	struct stmt_entry **buckets; /* 2 * DB_STMT_CACHE_CAP chains */
	struct stmt_entry *newest, *oldest;
	size_t len;
	void (*release)(void *owner, void *stmt); /* frees a statement leaving the cache */
	void (*forget)(void *stmt);               /* frees what is left when the server dropped it */
	void *owner;
};
/* Sets up an empty cache; 0 or -1 (no memory). forget may be NULL (nothing to free). */
int stmt_cache_init(struct stmt_cache *c, void (*release)(void *owner, void *stmt), void (*forget)(void *stmt),
		    void *owner);
/* The entry for sql (now the most recently used), or NULL. Borrowed. */
struct stmt_entry *stmt_cache_get(struct stmt_cache *c, const char *sql);
/* Adds stmt under a copy of sql and evicts past the cap; the entry (borrowed), or NULL when out
 * of memory (stmt is then not owned by the cache: the caller releases it). */
struct stmt_entry *stmt_cache_put(struct stmt_cache *c, const char *sql, void *stmt);
/* A cursor stopped using e (taken with e->refs++); releases e if it was evicted meanwhile. */
void stmt_cache_unref(struct stmt_cache *c, struct stmt_entry *e);
/* Forgets all entries, releasing the statements not in use when release is true (false: the
 * server already dropped them, e.g. after a reconnect). Entries still in use are released by stmt_cache_unref. */
void stmt_cache_clear(struct stmt_cache *c, bool release);
/* Frees the table after stmt_cache_clear. */
void stmt_cache_free(struct stmt_cache *c);

struct db_driver {
	void (*close)(struct db *);
	int (*query)(struct db *, struct db_res **, const char *, const struct db_val *);
	int (*exec)(struct db *, const char *, const struct db_val *);
	int (*exec_script)(struct db *, const char *);
	int (*next)(struct db_res *);
	int64_t (*col_int)(struct db_res *, int);
	const char *(*col_text)(struct db_res *, int);
	bool (*col_null)(struct db_res *, int);
	int (*ncols)(struct db_res *);
	const char *(*col_name)(struct db_res *, int);
	int (*col_kind)(struct db_res *, int); /* 0 NULL, 1 integer, 2 text */
	void (*done)(struct db_res *);
	int (*begin)(struct db *, bool);
	int (*commit)(struct db *);
	void (*rollback)(struct db *);
	int (*wait_notify)(struct db *, int, char *, size_t); /* NULL: not supported */
	bool (*in_tx)(struct db *);
	void (*forbid_autocommit)(struct db *); /* NULL: nothing to do */
	int (*checkpoint)(struct db *, int, int64_t *); /* NULL: no write-ahead log of ours */
	/* Stops the statements run from now on after ms (DB_TIMEOUT); 0 lifts it. 0 or negative. */
	int (*time_limit)(struct db *, int);
};

/* Every driver's connection starts with this header. */
struct db {
	const struct db_driver *drv;
	enum db_backend backend;
	/* db_snapshot_begin's read transaction is open; nested: db_begin calls inside it. */
	bool snapshot;
	int nested;
};

struct db *db_sqlite_open(const char *path);
struct db *db_pg_open(const char *conninfo);
void db_stats_conn(int delta);
void db_stats_recompiled(long n);

#endif
