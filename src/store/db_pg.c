/* PostgreSQL driver over libpq: `?` rewritten to $n, statements prepared once per connection
 * (named s1, s2, ... in the connection's bounded cache keyed by SQL text; evicted ones are
 * DEALLOCATEd), text-format values, SERIALIZABLE write
 * transactions whose serialization failures and deadlocks are reported as DB_SOFT. */
#include "store/db_internal.h"
#include "util/log.h"
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg_db {
	struct db base;
	PGconn *conn;
	struct stmt_cache stmts; /* sql text -> statement name (malloc'd) */
	int next_id;
	bool in_tx; /* between a successful pg_begin and pg_commit / pg_rollback */
	bool limited; /* pg_time_limit's statement_timeout is on: a cancel is DB_TIMEOUT */
	/* Names of evicted statements still to DEALLOCATE: not possible while a failed
	 * transaction awaits its ROLLBACK, so done at the next chance. */
	char *dealloc[DB_STMT_CACHE_CAP];
	int ndealloc;
	/* The session's plan_cache_mode: PG_SESSION_SETTINGS's force_custom_plan, or auto for the
	 * statements marked DB_GENERIC_PLAN; unknown after a rollback (which undoes a SET made in
	 * the transaction), so the next statement sets it again. */
	enum { PLAN_UNKNOWN, PLAN_CUSTOM, PLAN_AUTO } plan_mode;
};

struct pg_res {
	const struct db_driver *drv;
	PGresult *res;
	int row, nrows;
};

static const struct db_driver pg_driver;
static void forget_dealloc(struct pg_db *d);

#define PG_STATEMENT_TIMEOUT "30s" /* every statement's limit */
/* Every session's settings, at connect and again after a reset (a new server session).
 * Planning (issue 13, the working day at 1M on two instances): the statements are prepared
 * once per connection, and after five runs PostgreSQL may keep a generic plan, blind to which
 * optional filters are NULL ("CAST($5 AS TEXT) IS NULL OR ..."): a list with a code filter took
 * 5-15 s. Each run is planned with its values instead (a fraction of a ms). No parallel workers
 * (processes started per query, on a few cores shared by hundreds of short requests) and no JIT
 * (compiling a request's plan costs more than running it). 16 MB of sort and bitmap memory per
 * operation (4 MB by default): a common two-character word's 100,000 matches at 1M made a
 * lossy bitmap, whose every row was then tested again (a city branch's search page 420 -> 190
 * ms). */
#define PG_SESSION_SETTINGS                                                                           \
	"SET application_name = 'fcms'; SET statement_timeout = '" PG_STATEMENT_TIMEOUT "';"             \
	"SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"                                            \
	"SET plan_cache_mode = force_custom_plan; SET max_parallel_workers_per_gather = 0; SET jit = off;" \
	"SET work_mem = '16MB'"

static int map_result(struct pg_db *d, PGresult *res, const char *sql)
{
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return DB_OK;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
		return DB_SOFT;
	if (state && strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	if (state && d->limited && strcmp(state, "57014") == 0) /* query_canceled */
		return DB_TIMEOUT;
	if (PQstatus(d->conn) == CONNECTION_BAD) {
		log_error("pg: connection lost, resetting");
		PQreset(d->conn);
		/* Prepared statements and the session's settings are gone with the old session
		 * (not through simple(): a failure here must not reset again). */
		stmt_cache_clear(&d->stmts, false);
		forget_dealloc(d);
		d->limited = false;
		if (PQstatus(d->conn) == CONNECTION_OK)
			PQclear(PQexec(d->conn, PG_SESSION_SETTINGS));
		d->plan_mode = PLAN_UNKNOWN;
		return DB_SOFT;
	}
	log_error("pg: %s [%s] in: %.200s", PQresultErrorMessage(res), state ? state : "?", sql);
	return DB_HARD;
}

static void forget_dealloc(struct pg_db *d)
{
	for (int i = 0; i < d->ndealloc; i++)
		free(d->dealloc[i]);
	d->ndealloc = 0;
}

/* DEALLOCATEs the pending names unless the session is in a failed transaction. */
static void flush_dealloc(struct pg_db *d)
{
	if (!d->ndealloc || PQtransactionStatus(d->conn) == PQTRANS_INERROR)
		return;
	while (d->ndealloc > 0) {
		char *nm = d->dealloc[--d->ndealloc];
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", nm);
		PGresult *res = PQexec(d->conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			log_error("pg: %s", PQresultErrorMessage(res));
		PQclear(res);
		free(nm);
	}
}

/* The cache's release: the statement leaves the session at the next chance. */
static void release_stmt(void *owner, void *stmt)
{
	struct pg_db *d = owner;
	if (d->ndealloc == DB_STMT_CACHE_CAP)
		flush_dealloc(d);
	if (d->ndealloc < DB_STMT_CACHE_CAP)
		d->dealloc[d->ndealloc++] = stmt;
	else
		free(stmt); /* a failed transaction evicting hundreds: the session keeps this one */
}

/* Rewrites ? to $1, $2, ... outside quoted strings. Caller frees. */
static char *rewrite_placeholders(const char *sql)
{
	size_t n = strlen(sql);
	char *out = malloc(n * 4 + 1);
	if (!out)
		return NULL;
	char *o = out;
	int idx = 0;
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
		} else if (*p == '?') {
			o += sprintf(o, "$%d", ++idx);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static int count_args(const struct db_val *args)
{
	int n = 0;
	while (args && args[n].type != DBV_END)
		n++;
	return n;
}

/* True when a transaction begun with pg_begin is gone from the server (the connection was
 * reset under it): statements now would run in autocommit, each committed on its own. */
static bool tx_lost(struct pg_db *d, const char *sql)
{
	if (!d->in_tx || PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		return false;
	log_error("pg: the transaction is gone (connection reset); refusing: %.200s", sql);
	return true;
}

static int simple(struct pg_db *d, const char *sql);

/* Sets the session's plan_cache_mode for sql (DB_GENERIC_PLAN or not) when it differs. */
static int plan_mode_for(struct pg_db *d, const char *sql)
{
	bool generic = strncmp(sql, DB_GENERIC_PLAN, sizeof DB_GENERIC_PLAN - 1) == 0;
	int want = generic ? PLAN_AUTO : PLAN_CUSTOM;
	if ((int)d->plan_mode == want)
		return DB_OK;
	int rc = simple(d, generic ? "SET plan_cache_mode = auto" : "SET plan_cache_mode = force_custom_plan");
	if (rc == DB_OK)
		d->plan_mode = want;
	return rc;
}

static int run(struct pg_db *d, const char *sql, const struct db_val *args, PGresult **out)
{
	if (tx_lost(d, sql))
		return DB_SOFT; /* the runner rolls back and retries the whole transaction */
	flush_dealloc(d);
	int prc = plan_mode_for(d, sql);
	if (prc < 0)
		return prc;
	struct stmt_entry *e = stmt_cache_get(&d->stmts, sql);
	const char *name = e ? e->stmt : NULL;
	if (!name) {
		char *text = rewrite_placeholders(sql);
		char *nm = malloc(16);
		if (!text || !nm) {
			free(text);
			free(nm);
			return DB_HARD;
		}
		snprintf(nm, 16, "s%d", ++d->next_id);
		PGresult *pr = PQprepare(d->conn, nm, text, 0, NULL);
		free(text);
		int rc = map_result(d, pr, sql);
		PQclear(pr);
		if (rc < 0)
			return free(nm), rc;
		if (!stmt_cache_put(&d->stmts, sql, nm)) {
			release_stmt(d, nm);
			return DB_HARD;
		}
		name = nm;
	}
	int n = count_args(args);
	const char *values[64];
	char numbuf[64][24];
	if (n > 64)
		return DB_HARD;
	for (int i = 0; i < n; i++) {
		if (args[i].type == DBV_INT) {
			snprintf(numbuf[i], sizeof numbuf[i], "%lld", (long long)args[i].i);
			values[i] = numbuf[i];
		} else if (args[i].type == DBV_TEXT) {
			values[i] = args[i].s;
		} else {
			values[i] = NULL;
		}
	}
	PGresult *res = PQexecPrepared(d->conn, name, n, values, NULL, NULL, 0);
	int rc = map_result(d, res, sql);
	if (rc < 0) {
		PQclear(res);
		return rc;
	}
	*out = res;
	return DB_OK;
}

static int pg_query(struct db *base, struct db_res **out, const char *sql, const struct db_val *args)
{
	PGresult *res;
	int rc = run((struct pg_db *)base, sql, args, &res);
	if (rc < 0)
		return rc;
	struct pg_res *r = malloc(sizeof *r);
	if (!r) {
		PQclear(res);
		return DB_HARD;
	}
	r->drv = &pg_driver;
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	*out = (struct db_res *)r;
	return DB_OK;
}

static int pg_exec(struct db *base, const char *sql, const struct db_val *args)
{
	PGresult *res;
	int rc = run((struct pg_db *)base, sql, args, &res);
	if (rc < 0)
		return rc;
	const char *t = PQcmdTuples(res);
	int n = t && *t ? atoi(t) : 0;
	PQclear(res);
	return n;
}

static int pg_exec_script(struct db *base, const char *sql)
{
	struct pg_db *d = (struct pg_db *)base;
	if (tx_lost(d, sql))
		return DB_SOFT;
	d->plan_mode = PLAN_UNKNOWN; /* a script may roll back (ROLLBACK TO) or set it */
	PGresult *res = PQexec(d->conn, sql);
	int rc = map_result(d, res, "(script)");
	PQclear(res);
	return rc;
}

static int pg_next(struct db_res *res)
{
	struct pg_res *r = (struct pg_res *)res;
	if (r->row + 1 >= r->nrows)
		return 0;
	r->row++;
	return 1;
}

static int64_t pg_int(struct db_res *res, int col)
{
	struct pg_res *r = (struct pg_res *)res;
	if (PQgetisnull(r->res, r->row, col))
		return 0;
	return strtoll(PQgetvalue(r->res, r->row, col), NULL, 10);
}

static const char *pg_text(struct db_res *res, int col)
{
	struct pg_res *r = (struct pg_res *)res;
	if (PQgetisnull(r->res, r->row, col))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

static bool pg_null(struct db_res *res, int col)
{
	struct pg_res *r = (struct pg_res *)res;
	return PQgetisnull(r->res, r->row, col);
}

static int pg_ncols(struct db_res *res)
{
	return PQnfields(((struct pg_res *)res)->res);
}

static const char *pg_col_name(struct db_res *res, int col)
{
	return PQfname(((struct pg_res *)res)->res, col);
}

static int pg_col_kind(struct db_res *res, int col)
{
	struct pg_res *r = (struct pg_res *)res;
	if (PQgetisnull(r->res, r->row, col))
		return 0;
	Oid t = PQftype(r->res, col);
	return t == 20 || t == 21 || t == 23 ? 1 : 2; /* int8, int2, int4 */
}

static void pg_done(struct db_res *res)
{
	struct pg_res *r = (struct pg_res *)res;
	PQclear(r->res);
	free(r);
}

static int simple(struct pg_db *d, const char *sql)
{
	if (!strncmp(sql, "ROLLBACK", 8)) /* also ROLLBACK TO: a SET since is undone */
		d->plan_mode = PLAN_UNKNOWN;
	PGresult *res = PQexec(d->conn, sql);
	int rc = map_result(d, res, sql);
	PQclear(res);
	return rc;
}

static int pg_begin(struct db *base, bool write)
{
	struct pg_db *d = (struct pg_db *)base;
	int rc = simple(d, write ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
				 : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	d->in_tx = rc == DB_OK;
	return rc;
}

static int pg_commit(struct db *base)
{
	struct pg_db *d = (struct pg_db *)base;
	if (tx_lost(d, "COMMIT")) { /* COMMIT on the new session would only warn, and save nothing */
		d->in_tx = false;
		return DB_HARD;
	}
	PGresult *res = PQexec(d->conn, "COMMIT");
	int rc = map_result(d, res, "COMMIT");
	/* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK: nothing was saved. */
	if (rc == DB_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		log_error("pg: COMMIT answered %s: the transaction had failed", PQcmdStatus(res));
		rc = DB_HARD;
	}
	if (rc != DB_OK) /* rolled back: a SET in it too */
		d->plan_mode = PLAN_UNKNOWN;
	PQclear(res);
	d->in_tx = false;
	return rc;
}

static void pg_rollback(struct db *base)
{
	struct pg_db *d = (struct pg_db *)base;
	d->in_tx = false;
	if (PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		simple(d, "ROLLBACK");
}

/* Only an open, not failed transaction can still commit (PQTRANS_INERROR cannot). */
static bool pg_in_tx(struct db *base)
{
	struct pg_db *d = (struct pg_db *)base;
	return d->in_tx && PQtransactionStatus(d->conn) == PQTRANS_INTRANS;
}

static void pg_close(struct db *base)
{
	struct pg_db *d = (struct pg_db *)base;
	stmt_cache_clear(&d->stmts, false); /* the session ends: no DEALLOCATE needed */
	stmt_cache_free(&d->stmts);
	forget_dealloc(d);
	PQfinish(d->conn);
	free(d);
	db_stats_conn(-1);
}

static int pg_wait_notify(struct db *db, int timeout_ms, char *buf, size_t n)
{
	struct pg_db *d = (struct pg_db *)db;
	if (!PQconsumeInput(d->conn))
		return DB_HARD;
	PGnotify *nf = PQnotifies(d->conn);
	if (!nf) {
		struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
		int r = poll(&p, 1, timeout_ms);
		if (r <= 0)
			return r == 0 || errno == EINTR ? 0 : DB_HARD;
		if (!PQconsumeInput(d->conn))
			return DB_HARD;
		if (!(nf = PQnotifies(d->conn)))
			return 0;
	}
	snprintf(buf, n, "%s", nf->extra);
	PQfreemem(nf);
	return 1;
}

/* statement_timeout for the next statements (ms > 0), or back to PG_STATEMENT_TIMEOUT. Not
 * inside a transaction: a cancelled statement there would abort it. */
static int pg_time_limit(struct db *base, int ms)
{
	struct pg_db *d = (struct pg_db *)base;
	if (ms > 0 && d->in_tx)
		return DB_OK;
	if (ms <= 0 && !d->limited)
		return DB_OK;
	char sql[64];
	if (ms > 0)
		snprintf(sql, sizeof sql, "SET statement_timeout = %d", ms);
	else
		snprintf(sql, sizeof sql, "SET statement_timeout = '" PG_STATEMENT_TIMEOUT "'");
	d->limited = false;
	int rc = simple(d, sql);
	d->limited = rc == DB_OK && ms > 0;
	return rc;
}

static const struct db_driver pg_driver = {
	pg_close, pg_query, pg_exec, pg_exec_script, pg_next, pg_int, pg_text, pg_null,
	pg_ncols, pg_col_name, pg_col_kind, pg_done, pg_begin, pg_commit, pg_rollback, pg_wait_notify,
	pg_in_tx, NULL, NULL, pg_time_limit,
};

static void quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

struct db *db_pg_open(const char *conninfo)
{
	struct pg_db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->base.drv = &pg_driver;
	d->base.backend = DB_PG;
	if (stmt_cache_init(&d->stmts, release_stmt, free, d) != 0) {
		free(d);
		return NULL;
	}
	d->conn = PQconnectdb(conninfo);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		log_error("pg: cannot connect: %s", PQerrorMessage(d->conn));
		PQfinish(d->conn);
		stmt_cache_free(&d->stmts);
		free(d);
		return NULL;
	}
	db_stats_conn(1);
	PQsetNoticeProcessor(d->conn, quiet_notice, NULL);
	if (simple(d, PG_SESSION_SETTINGS) != DB_OK) {
		pg_close(&d->base);
		return NULL;
	}
	d->plan_mode = PLAN_CUSTOM;
	return &d->base;
}
