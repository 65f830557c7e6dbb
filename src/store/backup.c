/* Consistent copies of the live database, and the re-sealing queries of key rotation (see
 * backup.h). Runs pg_dump / pg_restore as child processes (argv, no shell); their messages go to
 * our stderr. Must not decide anything about keys or files: that is domain/backup.c. */
#include "store/backup.h"
#include "util/log.h"
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct store_snapshot {
	struct db *d;
	bool pg;
};

/* pg_dump / pg_restore: FCMS_PG_BIN/<name> when set, else the PostgreSQL 15 client directory
 * when present, else PATH. */
static void pg_tool(const char *name, char *out, size_t n)
{
	const char *dir = getenv("FCMS_PG_BIN");
	char p[600];
	if (!dir || !*dir) {
		snprintf(p, sizeof p, "/usr/lib/postgresql/15/bin/%s", name);
		if (access(p, X_OK) == 0) {
			snprintf(out, n, "%s", p);
			return;
		}
		snprintf(out, n, "%s", name);
		return;
	}
	snprintf(out, n, "%s/%s", dir, name);
}

/* Runs argv to its end; 0 when it exited 0. */
static int run(char *const argv[])
{
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s failed (status %d)\n", argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

static bool is_pg(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

static int take_sqlite(const char *url, const char *path, struct store_snapshot *s)
{
	struct db *src = db_open(url);
	if (!src) {
		fprintf(stderr, "backup: cannot open the database %s\n", url);
		return -1;
	}
	/* One read transaction: the copy is the database as of one commit; writers go on. */
	int rc = DBX(src, "VACUUM INTO ?", DB_TEXT(path));
	db_close(src);
	if (rc < 0) {
		fprintf(stderr, "backup: VACUUM INTO %s failed\n", path);
		return -1;
	}
	char u[1100];
	snprintf(u, sizeof u, "sqlite:%s", path);
	s->d = db_open(u);
	return s->d ? 0 : -1;
}

static int take_pg(const char *url, const char *path, struct store_snapshot *s)
{
	s->d = db_open(url);
	if (!s->d) {
		fprintf(stderr, "backup: cannot connect to %s\n", url);
		return -1;
	}
	if (db_exec_script(s->d, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") != DB_OK)
		return -1;
	struct db_res *r;
	char snap[128] = "";
	if (DBQ(s->d, &r, "SELECT pg_export_snapshot()", DB_END) < 0)
		return -1;
	if (db_next(r) == 1 && db_text(r, 0))
		snprintf(snap, sizeof snap, "%s", db_text(r, 0));
	db_done(r);
	if (!snap[0])
		return -1;
	char tool[700], snaparg[160], filearg[1100], dbarg[1200];
	pg_tool("pg_dump", tool, sizeof tool);
	snprintf(snaparg, sizeof snaparg, "--snapshot=%s", snap);
	snprintf(filearg, sizeof filearg, "--file=%s", path);
	snprintf(dbarg, sizeof dbarg, "--dbname=%s", url);
	char *argv[] = {tool, "--format=custom", "--no-owner", "--no-privileges", snaparg, filearg, dbarg, NULL};
	return run(argv);
}

int store_backup_take(const char *url, const char *path, struct store_snapshot **snap)
{
	struct store_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	s->pg = is_pg(url);
	if ((s->pg ? take_pg(url, path, s) : take_sqlite(url, path, s)) != 0) {
		store_snapshot_close(s);
		return -1;
	}
	*snap = s;
	return 0;
}

struct db *store_snapshot_db(struct store_snapshot *s)
{
	return s->d;
}

void store_snapshot_close(struct store_snapshot *s)
{
	if (!s)
		return;
	if (s->d && s->pg)
		db_exec_script(s->d, "ROLLBACK");
	db_close(s->d);
	free(s);
}

int store_pii_key_usage(struct db *d, json_t **usage)
{
	*usage = NULL;
	json_t *u = json_object();
	struct db_res *r;
	int rc = u ? DBQ(d, &r,
			 "SELECT k, CAST(sum(n) AS BIGINT) FROM (SELECT pii_key_id AS k, count(*) AS n FROM complaints"
			 " WHERE complainant_enc IS NOT NULL GROUP BY pii_key_id"
			 " UNION ALL SELECT key_id, count(*) FROM consumer_submissions GROUP BY key_id) u GROUP BY k",
			 DB_END)
		   : DB_HARD;
	if (rc < 0) {
		json_decref(u);
		return rc;
	}
	while ((rc = db_next(r)) == 1)
		json_object_set_new(u, db_text(r, 0) ? db_text(r, 0) : "", json_integer(db_int(r, 1)));
	db_done(r);
	if (rc < 0) {
		json_decref(u);
		return rc;
	}
	*usage = u;
	return DB_OK;
}

int store_backup_facts(struct db *d, struct store_backup_facts *f)
{
	memset(f, 0, sizeof *f);
	int rc;
	if ((rc = DB_SCALAR(d, &f->audit_events, "SELECT count(*) FROM audit_events", DB_END)) < 0 ||
	    (rc = DB_SCALAR(d, &f->complaints, "SELECT count(*) FROM complaints", DB_END)) < 0)
		return rc;
	struct db_res *r;
	if ((rc = DBQ(d, &r, "SELECT seq, hash FROM audit_head WHERE id = 1", DB_END)) < 0)
		return rc;
	if ((rc = db_next(r)) == 1) {
		f->audit_head_seq = db_int(r, 0);
		snprintf(f->audit_head_hash, sizeof f->audit_head_hash, "%s", db_text(r, 1) ? db_text(r, 1) : "");
	}
	db_done(r);
	if (rc < 0)
		return rc;
	snprintf(f->integrity, sizeof f->integrity, "n/a");
	if (db_backend(d) == DB_SQLITE) {
		if ((rc = DBQ(d, &r, "PRAGMA integrity_check", DB_END)) < 0)
			return rc;
		if ((rc = db_next(r)) == 1)
			snprintf(f->integrity, sizeof f->integrity, "%s", db_text(r, 0) ? db_text(r, 0) : "");
		db_done(r);
		if (rc < 0)
			return rc;
	}
	return store_pii_key_usage(d, &f->key_usage);
}

int store_backup_target_empty(const char *url)
{
	struct db *d = db_open(url);
	if (!d)
		return -1;
	int64_t n = 0;
	int rc = db_backend(d) == DB_PG
			 ? DB_SCALAR(d, &n,
				     "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
				     " WHERE s.nspname NOT IN ('pg_catalog', 'information_schema')"
				     " AND s.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')",
				     DB_END)
			 : DB_SCALAR(d, &n, "SELECT count(*) FROM sqlite_master", DB_END);
	db_close(d);
	if (rc < 0)
		return -1;
	return n == 0 ? 1 : 0;
}

int store_backup_pg_load(const char *url, const char *dump_path)
{
	char tool[700], dbarg[1200];
	pg_tool("pg_restore", tool, sizeof tool);
	snprintf(dbarg, sizeof dbarg, "--dbname=%s", url);
	char *argv[] = {tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
			dbarg, (char *)dump_path, NULL};
	return run(argv);
}

int store_backup_pg_readable(const char *dump_path)
{
	char tool[700], out[] = "--file=/dev/null";
	pg_tool("pg_restore", tool, sizeof tool);
	char *argv[] = {tool, "--list", out, (char *)dump_path, NULL};
	return run(argv);
}

int store_pii_reseal_batch(struct db *d, const char *key_id, int64_t after_id, int64_t limit, json_t **rows)
{
	return DBJ(d, rows,
		   "SELECT id, pii_key_id, complainant_enc FROM complaints"
		   " WHERE id > ? AND complainant_enc IS NOT NULL AND (pii_key_id IS NULL OR pii_key_id <> ?)"
		   " ORDER BY id LIMIT ?",
		   DB_INT(after_id), DB_TEXT(key_id), DB_INT(limit));
}

/* An empty blind index is stored as NULL, as complaint.c stores it. */
static struct db_val bidx_val(const char *v)
{
	return *v ? DB_TEXT(v) : DB_NULL;
}

int store_pii_reseal_row(struct db *d, int64_t id, const char *old_enc, const char *new_enc, const char *new_key_id,
			 const char bidx[3][33])
{
	return DBX(d,
		   "UPDATE complaints SET complainant_enc = ?, pii_key_id = ?, name_bidx = ?, id_no_bidx = ?,"
		   " phone_bidx = ? WHERE id = ? AND complainant_enc = ?",
		   DB_TEXT(new_enc), DB_TEXT(new_key_id), bidx_val(bidx[0]), bidx_val(bidx[1]), bidx_val(bidx[2]), DB_INT(id), DB_TEXT(old_enc));
}

int store_submission_reseal_batch(struct db *d, const char *key_id, int64_t after_id, int64_t limit, json_t **rows)
{
	return DBJ(d, rows,
		   "SELECT id, key_id AS pii_key_id, identity AS complainant_enc FROM consumer_submissions"
		   " WHERE id > ? AND key_id <> ? ORDER BY id LIMIT ?",
		   DB_INT(after_id), DB_TEXT(key_id), DB_INT(limit));
}

int store_submission_reseal_row(struct db *d, int64_t id, const char *old_enc, const char *new_enc,
				const char *new_key_id, const char *phone_bidx)
{
	return DBX(d, "UPDATE consumer_submissions SET identity = ?, key_id = ?, phone_bidx = ? WHERE id = ? AND identity = ?",
		   DB_TEXT(new_enc), DB_TEXT(new_key_id), DB_TEXT(phone_bidx), DB_INT(id), DB_TEXT(old_enc));
}
