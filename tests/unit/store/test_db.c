/* Unit tests for the database interface over SQLite (src/store/db.c, db_sqlite.c): values and
 * row JSON, the per-connection statement cache (reuse, rebinding, growth past its first size,
 * schema changes, its bound over 100,000 run-time SQL shapes, eviction under an open cursor), status mapping, and the db_tx runner: soft failures retried with the work of
 * the failed attempt rolled back, positive codes rolled back and returned, hard ones not retried;
 * the read workers' shared read snapshot; a statement stopped past its time budget. */
#include "store/db.h"
#include "store/db_internal.h" /* DB_STMT_CACHE_CAP */
#include "unit_db.h"
#include "util/log.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

struct fx {
	struct unit_db u;
	struct db *d;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	if (unit_db_make(&fx->u, "db") != 0)
		return -1;
	fx->d = db_open(fx->u.url);
	if (!fx->d)
		return -1;
	if (db_exec_script(fx->d, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE,"
				  " n INTEGER)") != DB_OK)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	db_close(fx->d);
	unit_db_remove(&fx->u);
	free(fx);
	return 0;
}

static int64_t count_rows(struct db *d)
{
	int64_t n = -1;
	assert_int_equal(DB_SCALAR(d, &n, "SELECT COUNT(*) FROM t", DB_END), 1);
	return n;
}

/* Rows as another connection sees them: only committed data. */
static int64_t count_rows_elsewhere(struct fx *fx)
{
	struct db *other = db_open(fx->u.url);
	assert_non_null(other);
	int64_t n = count_rows(other);
	db_close(other);
	return n;
}

static void open_failures(void **state)
{
	assert_null(db_open("mysql://localhost/x"));
	assert_null(db_open("sqlite:/nonexistent-dir/x/y.db"));
	assert_true(db_ping(((struct fx *)*state)->d));
	assert_int_equal(db_backend(((struct fx *)*state)->d), DB_SQLITE);
}

static void values_and_row_json(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	assert_int_equal(DBX(d, "INSERT INTO t (name, n) VALUES (?, ?)", DB_TEXT("投诉"),
			     DB_INT(9007199254740993LL)),
			 1);
	assert_int_equal(DBX(d, "INSERT INTO t (name, n) VALUES (?, ?)", DB_TEXT(NULL), DB_NULL), 1);
	assert_int_equal(DBX(d, "INSERT INTO t (name, n) VALUES (?, ?)", DB_TEXT("x"),
			     DB_INT_OR_NULL(false, 5)),
			 1);

	json_t *rows;
	assert_int_equal(DBJ(d, &rows, "SELECT id, name AS label, n FROM t ORDER BY id", DB_END),
			 DB_OK);
	char *s = json_dumps(rows, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"id\":1,\"label\":\"投诉\",\"n\":9007199254740993},"
			       "{\"id\":2,\"label\":null,\"n\":null},"
			       "{\"id\":3,\"label\":\"x\",\"n\":null}]");
	free(s);
	json_decref(rows);

	json_t *one = (json_t *)1;
	assert_int_equal(DBJ1(d, &one, "SELECT id FROM t WHERE id = ?", DB_INT(99)), DB_OK);
	assert_null(one);
	assert_int_equal(DBJ1(d, &one, "SELECT id, name FROM t WHERE id = ?", DB_INT(1)), DB_OK);
	assert_int_equal(json_integer_value(json_object_get(one, "id")), 1);
	json_decref(one);

	int64_t v = 42;
	assert_int_equal(DB_SCALAR(d, &v, "SELECT n FROM t WHERE id = ?", DB_INT(99)), 0);
	assert_int_equal(v, 42); /* untouched when no row */

	struct db_res *r;
	assert_int_equal(DBQ(d, &r, "SELECT name, n FROM t WHERE id = ?", DB_INT(2)), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_true(db_is_null(r, 0));
	assert_null(db_text(r, 0));
	assert_int_equal(db_int(r, 1), 0);
	assert_int_equal(db_next(r), 0);
	db_done(r);
	db_done(NULL);
}

static void status_codes(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	assert_int_equal(DBX(d, "INSERT INTO t (name) VALUES (?)", DB_TEXT("dup")), 1);
	assert_int_equal(DBX(d, "INSERT INTO t (name) VALUES (?)", DB_TEXT("dup")), DB_CONSTRAINT);
	assert_int_equal(DBX(d, "UPDATE t SET n = 1 WHERE name = ?", DB_TEXT("none")), 0);
	assert_int_equal(DBX(d, "UPDATE t SET n = 1", DB_END), 1);
	assert_int_equal(DBX(d, "SELEKT nonsense", DB_END), DB_HARD);
	struct db_res *r = (struct db_res *)1;
	assert_int_equal(DBQ(d, &r, "SELECT * FROM no_such_table", DB_END), DB_HARD);
	assert_null(r);
	/* A failed statement leaves the connection usable. */
	assert_int_equal(count_rows(d), 1);
}

/* db_scalar_int_within: a count past its budget stops with DB_TIMEOUT (a recursive count to a
 * billion would run for minutes), the connection stays usable, the bound is lifted for the
 * next statements, and a count within the budget comes back exact. */
static void scalar_within_budget(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	static const char *const endless = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
					   " WHERE i < 1000000000) SELECT COUNT(*) FROM s";
	int64_t n = -1;
	assert_int_equal(db_scalar_int_within(d, 20, &n, endless, (const struct db_val[]){DB_END}), DB_TIMEOUT);
	assert_int_equal(n, -1);
	assert_int_equal(DBX(d, "INSERT INTO t (name) VALUES (?)", DB_TEXT("after")), 1);
	assert_int_equal(count_rows(d), 1);
	static const char *const short_count = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
					       " WHERE i < 1000) SELECT COUNT(*) FROM s";
	assert_int_equal(db_scalar_int_within(d, 20, &n, short_count, (const struct db_val[]){DB_END}), 1);
	assert_int_equal(n, 1000);
	/* Lifted: a statement after the bounded one runs past its budget (3M rows: far over 20 ms). */
	static const char *const longer = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
					  " WHERE i < 3000000) SELECT COUNT(*) FROM s";
	assert_int_equal(DB_SCALAR(d, &n, longer, DB_END), 1);
	assert_int_equal(n, 3000000);
	/* No budget: no bound. */
	assert_int_equal(db_scalar_int_within(d, 0, &n, longer, (const struct db_val[]){DB_END}), 1);
	assert_int_equal(n, 3000000);
}

/* The same SQL literal runs many times through one cached statement, each time with its own
 * values; bindings do not leak from one call into the next. */
static void cached_statement_rebinds(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	for (int i = 0; i < 300; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%03d", i);
		assert_int_equal(DBX(d, "INSERT INTO t (name, n) VALUES (?, ?)", DB_TEXT(name),
				     DB_INT(i * 3)),
				 1);
	}
	assert_int_equal(count_rows(d), 300);
	for (int i = 0; i < 300; i += 7) {
		char name[16];
		snprintf(name, sizeof name, "n%03d", i);
		int64_t n = -1;
		assert_int_equal(DB_SCALAR(d, &n, "SELECT n FROM t WHERE name = ?", DB_TEXT(name)), 1);
		assert_int_equal(n, i * 3);
	}
	/* Fewer arguments the second time: the missing one is NULL, not the old value. */
	struct db_res *r;
	assert_int_equal(DBQ(d, &r, "SELECT ?, ?", DB_INT(5), DB_TEXT("five")), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_int(r, 0), 5);
	assert_string_equal(db_text(r, 1), "five");
	db_done(r);
	assert_int_equal(DBQ(d, &r, "SELECT ?, ?", DB_INT(6)), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_int(r, 0), 6);
	assert_true(db_is_null(r, 1));
	db_done(r);

	/* A cursor abandoned half-way is reset by db_done: the next run starts from row one. */
	assert_int_equal(DBQ(d, &r, "SELECT n FROM t ORDER BY id", DB_END), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_int(r, 0), 3);
	db_done(r);
	assert_int_equal(DBQ(d, &r, "SELECT n FROM t ORDER BY id", DB_END), DB_OK);
	assert_int_equal(db_next(r), 1);
	assert_int_equal(db_int(r, 0), 0);
	db_done(r);
}

/* Two different cached statements with cursors open at once. */
static void interleaved_cursors(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	for (int i = 1; i <= 3; i++)
		assert_int_equal(DBX(d, "INSERT INTO t (n) VALUES (?)", DB_INT(i)), 1);
	struct db_res *a, *b;
	assert_int_equal(DBQ(d, &a, "SELECT n FROM t ORDER BY n", DB_END), DB_OK);
	assert_int_equal(DBQ(d, &b, "SELECT n FROM t ORDER BY n DESC", DB_END), DB_OK);
	int64_t got[6];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_next(a), 1);
		assert_int_equal(db_next(b), 1);
		got[2 * i] = db_int(a, 0);
		got[2 * i + 1] = db_int(b, 0);
	}
	assert_int_equal(db_next(a), 0);
	assert_int_equal(db_next(b), 0);
	db_done(a);
	db_done(b);
	const int64_t want[6] = {1, 3, 2, 2, 3, 1};
	assert_memory_equal(got, want, sizeof want);
}

/* More distinct statements than the cache's first table size (64 slots, grown at half full). */
#define S10(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"
static const char *const many_sql[] = {
	S10("SELECT 1"), S10("SELECT 2"), S10("SELECT 3"), S10("SELECT 4"), S10("SELECT 5"),
	S10("SELECT 6"), S10("SELECT 7"), S10("SELECT 8"), S10("SELECT 9"), S10("SELECT 10"),
	S10("SELECT 11"), S10("SELECT 12"), S10("SELECT 13"), S10("SELECT 14"), S10("SELECT 15"),
};
#undef S10

static void cache_grows(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	size_t n = sizeof many_sql / sizeof many_sql[0];
	assert_int_equal(n, 150);
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < n; i++) {
			int64_t v = -1;
			assert_int_equal(db_scalar_int(d, &v, many_sql[i], NULL), 1);
			assert_int_equal(v, (int64_t)(i + 10));
		}
}

/* SQL built at run time in one buffer, 100,000 distinct shapes: each runs as its own text (the
 * cache is keyed by text, not by the buffer's address), and the connection keeps at most
 * DB_STMT_CACHE_CAP prepared statements, releasing the least recently used. */
static void cache_bounded_over_100k_shapes(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	struct db_stats before, after;
	db_stats_get(&before);
	char sql[64];
	long peak = 0;
	for (int i = 0; i < 100000; i++) {
		snprintf(sql, sizeof sql, "SELECT %d + ?", i);
		int64_t v = -1;
		assert_int_equal(db_scalar_int(d, &v, sql, (const struct db_val[]){DB_INT(1), DB_END}), 1);
		assert_int_equal(v, i + 1);
		if (i % 1000 == 0) {
			db_stats_get(&after);
			if (after.cached_statements > peak)
				peak = after.cached_statements;
		}
	}
	db_stats_get(&after);
	assert_true(peak <= DB_STMT_CACHE_CAP);
	assert_true(after.cached_statements <= DB_STMT_CACHE_CAP);
	assert_true(after.evicted_statements - before.evicted_statements >= 100000 - DB_STMT_CACHE_CAP);
	/* The hot literal still answers after all that churn. */
	int64_t v = 0;
	assert_int_equal(db_scalar_int(d, &v, "SELECT 7", NULL), 1);
	assert_int_equal(v, 7);
}

/* A statement pushed out of the cache while its cursor is open is finalized only at db_done. */
static void evicted_under_open_cursor(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	for (int i = 1; i <= 3; i++)
		assert_int_equal(DBX(d, "INSERT INTO t (n) VALUES (?)", DB_INT(i)), 1);
	struct db_res *a;
	assert_int_equal(DBQ(d, &a, "SELECT n FROM t ORDER BY n", DB_END), DB_OK);
	assert_int_equal(db_next(a), 1);
	assert_int_equal(db_int(a, 0), 1);
	char sql[64];
	for (int i = 0; i < 2 * DB_STMT_CACHE_CAP; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		int64_t v = -1;
		assert_int_equal(db_scalar_int(d, &v, sql, NULL), 1);
		assert_int_equal(v, i);
	}
	assert_int_equal(db_next(a), 1);
	assert_int_equal(db_int(a, 0), 2);
	assert_int_equal(db_next(a), 1);
	assert_int_equal(db_int(a, 0), 3);
	assert_int_equal(db_next(a), 0);
	db_done(a); /* ASan: no leak, no use after free */
	int64_t n = 0;
	assert_int_equal(db_scalar_int(d, &n, "SELECT COUNT(*) FROM t ORDER BY n", NULL), 1);
	assert_int_equal(n, 3);
}

/* A cached statement keeps working after the schema under it changes. */
static void cache_survives_schema_change(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	assert_int_equal(DBX(d, "INSERT INTO t (n) VALUES (?)", DB_INT(1)), 1);
	assert_int_equal(count_rows(d), 1);
	assert_int_equal(db_exec_script(d, "DROP TABLE t; CREATE TABLE t (id INTEGER PRIMARY KEY,"
					   " extra TEXT, name TEXT UNIQUE, n INTEGER);"
					   " INSERT INTO t (n) VALUES (1), (2), (3);"),
			 DB_OK);
	assert_int_equal(count_rows(d), 3);
	assert_int_equal(DBX(d, "INSERT INTO t (n) VALUES (?)", DB_INT(4)), 1);
	assert_int_equal(count_rows(d), 4);
}

/* ---- transactions ---- */

struct txc {
	int calls;
	int soft_first; /* return DB_SOFT on this many first attempts */
	int result;     /* what to return after inserting */
	const char *name;
};

static int tx_body(struct db *d, void *p)
{
	struct txc *c = p;
	c->calls++;
	int rc = DBX(d, "INSERT INTO t (name, n) VALUES (?, ?)", DB_TEXT(c->name), DB_INT(c->calls));
	if (rc < 0)
		return rc;
	if (c->calls <= c->soft_first)
		return DB_SOFT; /* e.g. a serialization failure found after some work */
	return c->result;
}

static void tx_retries_soft_then_commits(void **state)
{
	struct fx *fx = *state;
	struct db_stats before, after;
	db_stats_get(&before);
	/* Each attempt inserts the same unique name: the retry only succeeds if the failed
	 * attempt's insert was rolled back. */
	struct txc c = {0, 2, 0, "once"};
	assert_int_equal(db_tx(fx->d, true, tx_body, &c), 0);
	assert_int_equal(c.calls, 3);
	db_stats_get(&after);
	assert_int_equal(after.tx_retries - before.tx_retries, 2);
	assert_int_equal(after.tx_failures - before.tx_failures, 0);
	assert_int_equal(count_rows_elsewhere(fx), 1);
	int64_t n = 0;
	assert_int_equal(DB_SCALAR(fx->d, &n, "SELECT n FROM t WHERE name = ?", DB_TEXT("once")), 1);
	assert_int_equal(n, 3); /* the row of the third attempt */
}

static void tx_positive_code_rolls_back(void **state)
{
	struct fx *fx = *state;
	struct db_stats before, after;
	db_stats_get(&before);
	struct txc c = {0, 0, 7, "refused"};
	assert_int_equal(db_tx(fx->d, true, tx_body, &c), 7);
	assert_int_equal(c.calls, 1);
	db_stats_get(&after);
	assert_int_equal(after.tx_retries - before.tx_retries, 0);
	assert_int_equal(after.tx_failures - before.tx_failures, 0); /* a refusal is no failure */
	assert_int_equal(count_rows(fx->d), 0);
	assert_int_equal(count_rows_elsewhere(fx), 0);
	/* The connection is out of the transaction: a new one can start. */
	struct txc ok = {0, 0, 0, "later"};
	assert_int_equal(db_tx(fx->d, true, tx_body, &ok), 0);
	assert_int_equal(count_rows_elsewhere(fx), 1);
}

static void tx_hard_error_not_retried(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(DBX(fx->d, "INSERT INTO t (name) VALUES (?)", DB_TEXT("taken")), 1);
	struct db_stats before, after;
	db_stats_get(&before);
	struct txc c = {0, 0, 0, "taken"}; /* the insert hits the unique constraint */
	assert_int_equal(db_tx(fx->d, true, tx_body, &c), DB_CONSTRAINT);
	assert_int_equal(c.calls, 1);
	db_stats_get(&after);
	assert_int_equal(after.tx_failures - before.tx_failures, 1);

	struct txc h = {0, 0, DB_HARD, "fresh"};
	assert_int_equal(db_tx(fx->d, true, tx_body, &h), DB_HARD);
	assert_int_equal(h.calls, 1);
	assert_int_equal(count_rows_elsewhere(fx), 1); /* only "taken" */
}

static void tx_gives_up(void **state)
{
	struct fx *fx = *state;
	struct db_stats before, after;
	db_stats_get(&before);
	struct txc c = {0, 1000, 0, "never"};
	assert_int_equal(db_tx(fx->d, true, tx_body, &c), DB_SOFT);
	assert_int_equal(c.calls, 50);
	db_stats_get(&after);
	assert_int_equal(after.tx_retries - before.tx_retries, 49);
	assert_int_equal(after.tx_failures - before.tx_failures, 1);
	assert_int_equal(count_rows_elsewhere(fx), 0);
}

static int read_body(struct db *d, void *p)
{
	return DB_SCALAR(d, (int64_t *)p, "SELECT COUNT(*) FROM t", DB_END) == 1 ? 0 : DB_HARD;
}

static void tx_read_only(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(1)), 1);
	int64_t n = -1;
	assert_int_equal(db_tx(fx->d, false, read_body, &n), 0);
	assert_int_equal(n, 1);
}

static void explicit_rollback(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(db_begin(fx->d, true), DB_OK);
	assert_int_equal(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(1)), 1);
	assert_int_equal(count_rows(fx->d), 1);        /* visible inside */
	assert_int_equal(count_rows_elsewhere(fx), 0); /* not outside */
	db_rollback(fx->d);
	assert_int_equal(count_rows(fx->d), 0);
	db_rollback(fx->d); /* no transaction: harmless */
	assert_int_equal(db_begin(fx->d, true), DB_OK);
	assert_int_equal(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(2)), 1);
	assert_int_equal(db_commit(fx->d), DB_OK);
	assert_int_equal(count_rows_elsewhere(fx), 1);
}

/* A read snapshot (db_snapshot_begin, the read workers'): one state for every statement until
 * its end, read transactions inside it join it, and nothing written through it. */
static void read_snapshot(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(1)), 1);
	assert_int_equal(db_snapshot_begin(fx->d), DB_OK);
	assert_int_equal(db_snapshot_begin(fx->d), DB_HARD); /* one at a time */
	assert_int_equal(count_rows(fx->d), 1);
	struct db *other = db_open(fx->u.url);
	assert_non_null(other);
	assert_int_equal(DBX(other, "INSERT INTO t (n) VALUES (?)", DB_INT(2)), 1); /* committed elsewhere */
	assert_int_equal(count_rows(fx->d), 1);                                    /* not in the snapshot */
	int64_t n = -1;
	assert_int_equal(db_tx(fx->d, false, read_body, &n), 0); /* joins it, and its commit ends nothing */
	assert_int_equal(n, 1);
	assert_true(db_in_transaction(fx->d));
	assert_int_equal(count_rows(fx->d), 1);
	assert_int_equal(db_begin(fx->d, true), DB_HARD);                       /* no write transaction */
	assert_true(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(3)) < 0); /* nor a write */
	db_snapshot_end(fx->d);
	assert_false(db_in_transaction(fx->d));
	assert_int_equal(count_rows(fx->d), 2); /* now the newest state */
	assert_int_equal(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(4)), 1); /* writable again */
	assert_int_equal(count_rows(other), 3);
	db_snapshot_end(fx->d); /* without one: harmless */
	assert_int_equal(db_begin(fx->d, false), DB_OK); /* inside a transaction: no snapshot */
	assert_int_equal(db_snapshot_begin(fx->d), DB_HARD);
	db_rollback(fx->d);
	db_close(other);
}

/* A read snapshot leaves the connection's prepared statements valid: its begin and end used
 * PRAGMA query_only, which expires every statement, so each request compiled all its SQL again
 * (9% of the server's CPU under the working day). SQLite only (PostgreSQL has no snapshot). */
static void snapshot_keeps_statements(void **state)
{
	struct fx *fx = *state;
	if (db_backend(fx->d) != DB_SQLITE)
		skip();
	assert_int_equal(DBX(fx->d, "INSERT INTO t (n) VALUES (?)", DB_INT(1)), 1);
	assert_int_equal(count_rows(fx->d), 1); /* compiled and cached */
	struct db_stats before, after;
	db_stats_get(&before);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_snapshot_begin(fx->d), DB_OK);
		assert_int_equal(count_rows(fx->d), 1);
		assert_true(db_exec_script(fx->d, "DELETE FROM t") < 0); /* a script's write refused too */
		db_snapshot_end(fx->d);
		assert_int_equal(count_rows(fx->d), 1);
	}
	db_stats_get(&after);
	assert_int_equal(after.recompiled_statements, before.recompiled_statements);
	/* The counter counts: a schema change expires the cached count. */
	assert_int_equal(db_exec_script(fx->d, "CREATE TABLE t_other (x INTEGER)"), DB_OK);
	assert_int_equal(count_rows(fx->d), 1);
	db_stats_get(&after);
	assert_true(after.recompiled_statements > before.recompiled_statements);
}

static int group_setup(void **state)
{
	/* Errors are still printed: open_failures and status_codes log a few on purpose. */
	log_set_level(LOG_WARN);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(open_failures),
		T(values_and_row_json),
		T(status_codes),
		T(scalar_within_budget),
		T(cached_statement_rebinds),
		T(interleaved_cursors),
		T(cache_grows),
		T(cache_bounded_over_100k_shapes),
		T(evicted_under_open_cursor),
		T(cache_survives_schema_change),
		T(tx_retries_soft_then_commits),
		T(tx_positive_code_rolls_back),
		T(tx_hard_error_not_retried),
		T(tx_gives_up),
		T(tx_read_only),
		T(explicit_rollback),
		T(read_snapshot),
		T(snapshot_keeps_statements),
	};
	return cmocka_run_group_tests_name("db", tests, group_setup, NULL);
}
