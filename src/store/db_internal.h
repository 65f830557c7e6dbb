/* Shared between db.c and the two drivers; not for other modules. */
#ifndef FCMS_DB_INTERNAL_H
#define FCMS_DB_INTERNAL_H
#include "store/db.h"
#include <stddef.h>

/* Open-addressing map from SQL text address to a driver's prepared statement. */
struct stmt_map {
	const char **keys;
	void **vals;
	size_t cap, len;
};
void *stmt_map_get(const struct stmt_map *m, const char *key);
int stmt_map_put(struct stmt_map *m, const char *key, void *val);
void stmt_map_free(struct stmt_map *m, void (*free_val)(void *));

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
};

/* Every driver's connection starts with this header. */
struct db {
	const struct db_driver *drv;
	enum db_backend backend;
};

struct db *db_sqlite_open(const char *path);
struct db *db_pg_open(const char *conninfo);
void db_stats_conn(int delta);

#endif
