/* The database connection interface shared by the SQLite and PostgreSQL drivers.
 *
 * SQL is written once with `?` placeholders; the PostgreSQL driver rewrites them to $n. Every
 * statement is prepared on first use and kept in a per-connection cache keyed by its text, least
 * recently used out first past DB_STMT_CACHE_CAP statements (store/db_internal.h), so SQL may be
 * built at run time; build it from few shapes all the same, or it is prepared again and again.
 * Values are bound, never formatted into SQL. One connection belongs to one thread.
 *
 * Status codes: DB_OK (0) or a positive row count; DB_SOFT means "retry the whole transaction"
 * (SQLite BUSY/LOCKED, PostgreSQL 40001/40P01); DB_CONSTRAINT a unique/foreign-key violation;
 * DB_HARD anything else (logged by the driver). */
#ifndef FCMS_DB_H
#define FCMS_DB_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* DB_TIMEOUT: only from db_scalar_int_within, when its time ran out. */
enum { DB_OK = 0, DB_SOFT = -1, DB_HARD = -2, DB_CONSTRAINT = -3, DB_TIMEOUT = -4 };
enum db_backend { DB_SQLITE, DB_PG };
enum db_vtype { DBV_END, DBV_NULL, DBV_INT, DBV_TEXT };

struct db_val {
	enum db_vtype type;
	int64_t i;
	const char *s;
};
#define DB_INT(x) ((struct db_val){DBV_INT, (int64_t)(x), NULL})
static inline struct db_val db_text_val(const char *s)
{
	return (struct db_val){s ? DBV_TEXT : DBV_NULL, 0, s};
}
#define DB_TEXT(x) db_text_val(x)
#define DB_NULL ((struct db_val){DBV_NULL, 0, NULL})
#define DB_END ((struct db_val){DBV_END, 0, NULL})
/* Optional int: NULL when has is false. */
#define DB_INT_OR_NULL(has, x) ((has) ? DB_INT(x) : DB_NULL)

struct db;
struct db_res;

/* Opens a connection. url is "sqlite:/path/fcms.db" or "postgresql://...". Returns NULL on
 * failure (logged). Close with db_close(). */
struct db *db_open(const char *url);
void db_close(struct db *d);
enum db_backend db_backend(const struct db *d);
/* True while the connection answers a trivial query. */
bool db_ping(struct db *d);

/* Runs sql with args (terminated by DB_END) and returns a cursor in *out (caller calls
 * db_done). Returns DB_OK or a negative status; on error *out is NULL. */
int db_query(struct db *d, struct db_res **out, const char *sql, const struct db_val *args);
/* Runs a statement without rows; returns the number of rows changed (>= 0) or a negative status. */
int db_exec(struct db *d, const char *sql, const struct db_val *args);
/* Runs several ;-separated statements without parameters (migrations). */
int db_exec_script(struct db *d, const char *sql);

/* Put first in a statement's text (string concatenation: DB_GENERIC_PLAN "SELECT ..."): its plan
 * does not depend on its values (a lookup by key, an insert, an update by id), so PostgreSQL may
 * keep one plan for it after a few runs (plan_cache_mode auto). Every other statement is planned
 * with its values each time (force_custom_plan; db_pg.c says why), which was 39% of PostgreSQL's
 * statement time under the working day at 1M. A comment: SQLite ignores it. */
#define DB_GENERIC_PLAN "/* generic plan */ "

#define DBQ(d, out, sql, ...) db_query((d), (out), (sql), (const struct db_val[]){__VA_ARGS__, DB_END})
#define DBX(d, sql, ...) db_exec((d), (sql), (const struct db_val[]){__VA_ARGS__, DB_END})

/* Advances the cursor: 1 when a row is ready, 0 at the end, negative on error. */
int db_next(struct db_res *r);
/* Column accessors for the current row (0-based). Text is borrowed until the next db_next or
 * db_done; NULL columns give 0 / NULL. */
int64_t db_int(struct db_res *r, int col);
const char *db_text(struct db_res *r, int col);
bool db_is_null(struct db_res *r, int col);
/* Frees the cursor. NULL allowed. */
void db_done(struct db_res *r);

/* Convenience: runs a query expected to give at most one row with one integer column.
 * Returns 1 and sets *v when a row came back, 0 when none, negative on error. */
int db_scalar_int(struct db *d, int64_t *v, const char *sql, const struct db_val *args);
#define DB_SCALAR(d, v, sql, ...) db_scalar_int((d), (v), (sql), (const struct db_val[]){__VA_ARGS__, DB_END})
/* db_scalar_int for a read the caller can do without (a list's total): the statement is stopped
 * once it has run budget_ms — on SQLite the calling thread's CPU time, on PostgreSQL the
 * statement's time (statement_timeout; inside a transaction it runs unbounded, as a cancelled
 * statement would abort the transaction). Returns as db_scalar_int, or DB_TIMEOUT when stopped
 * (*v unset; a read: nothing to roll back). budget_ms <= 0: no bound. */
int db_scalar_int_within(struct db *d, int budget_ms, int64_t *v, const char *sql, const struct db_val *args);

/* The current row as a JSON object keyed by column name (use SQL aliases for the names):
 * integer columns become integers, text strings, NULL null. Caller owns the object. */
json_t *db_row_json(struct db_res *r);
/* Runs a query and collects every row with db_row_json into a new array in *out (caller owns).
 * Returns DB_OK or a negative status (then *out is NULL). */
int db_query_json(struct db *d, json_t **out, const char *sql, const struct db_val *args);
#define DBJ(d, out, sql, ...) db_query_json((d), (out), (sql), (const struct db_val[]){__VA_ARGS__, DB_END})
/* Like db_query_json for at most one row: *out is the object, or NULL when no row (returns 0). */
int db_query_json_one(struct db *d, json_t **out, const char *sql, const struct db_val *args);
#define DBJ1(d, out, sql, ...) db_query_json_one((d), (out), (sql), (const struct db_val[]){__VA_ARGS__, DB_END})

/* Transactions. db_begin starts a write transaction (SQLite BEGIN IMMEDIATE, PostgreSQL
 * SERIALIZABLE) or a read transaction. */
int db_begin(struct db *d, bool write);
int db_commit(struct db *d);
void db_rollback(struct db *d);

/* A read snapshot shared by several requests (SQLite; DB_HARD elsewhere, or when d is in a
 * transaction): a read transaction is opened on d and the connection made read-only; every
 * statement until db_snapshot_end reads the same state, and SQLite keeps its page cache, which
 * a commit elsewhere empties at the start of each new read transaction (the read workers,
 * http/server.c). db_begin(d, false) inside it joins it (its commit and rollback end nothing);
 * db_begin(d, true) fails with DB_HARD, and so does any write statement. 0 or negative. */
int db_snapshot_begin(struct db *d);
/* Ends the snapshot (no-op without one); d is writable again. */
void db_snapshot_end(struct db *d);

/* Runs fn(d, ctx) inside a transaction, retrying on DB_SOFT (bounded, with backoff).
 * fn returns 0 to commit, a negative DB status to roll back (soft ones are retried), or a
 * positive application code to roll back and return it (e.g. a validation refusal found inside
 * the transaction). Returns 0 after a commit, else the code.
 *
 * The body contract (db_tx, store_write and every other runner): a transaction body MAY be
 * called again with the same ctx — after SQLite BUSY, a PostgreSQL serialization failure, or a
 * group-commit batch rolled back to its savepoint — and only the last run's effects commit. So a
 * body resets its outputs at entry and frees what a previous run left (json_decref, free, set
 * counters to zero, empty arrays it appends to), keeps nothing across runs, and uses only the
 * connection it is given. Its outputs are read by the caller after the runner returns, on
 * whatever thread it runs: a refusal carries its message by value (domain/refusal.h). */
typedef int (*db_tx_fn)(struct db *d, void *ctx);
int db_tx(struct db *d, bool write, db_tx_fn fn, void *ctx);

/* True while d holds a transaction that can still commit. False once the database ended it on
 * its own: SQLite rolls the whole transaction back on some errors (SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_NOMEM; see sqlite3_get_autocommit), PostgreSQL marks it failed after an error or loses
 * it with the connection. Runners (db_tx, the group-commit writer) check it after every body:
 * without the check, what a body ran after such an end would commit statement by statement,
 * and an acknowledged write could be half there (complaint without its audit event). */
bool db_in_transaction(struct db *d);
/* Guards a connection that must write only inside db_begin ... db_commit (the writer thread's):
 * from now on any other commit on d (a write statement in autocommit mode, a RELEASE that
 * ends a transaction opened by SAVEPOINT) is rolled back and fails with DB_HARD. SQLite only;
 * a no-op on PostgreSQL, where db_tx checks db_in_transaction and the COMMIT reply instead. */
void db_forbid_autocommit(struct db *d);

/* SQLite: copies the write-ahead log's committed pages into the database file on d, without
 * blocking readers or the writer (restart_wait_ms 0), or also waiting up to restart_wait_ms for
 * the write lock and for every reader to leave the log, so that the next commit writes it from
 * its start. *frames: pages in the log before the call. 0, DB_SOFT when the restart could not
 * finish in time (the log was copied as far as readers allowed), DB_HARD on an error; 0 on
 * PostgreSQL. */
int db_wal_checkpoint(struct db *d, int restart_wait_ms, int64_t *frames);

/* Waits up to timeout_ms for a notification on a PostgreSQL connection that ran LISTEN, and
 * copies its payload into buf (truncated to n). Returns 1 with a payload, 0 on timeout, or a
 * negative status (DB_HARD on SQLite, which has no notifications). */
int db_wait_notification(struct db *d, int timeout_ms, char *buf, size_t n);

/* Counters for /metrics. */
struct db_stats {
	long open_connections;
	long tx_retries;
	long tx_failures;
	long cached_statements;  /* prepared statements held, all connections (each caps its own) */
	long evicted_statements; /* statements released to keep a connection's cache in bounds */
	long recompiled_statements; /* SQLite: cached statements compiled again before a run (the
				     * connection expired them: a schema change, a flag pragma) */
};
void db_stats_get(struct db_stats *out);

#endif
