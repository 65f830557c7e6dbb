/* The database side of backups and key rotation: a consistent copy of a live database, the facts
 * a backup manifest records about that copy, loading a copy into an empty database, and the
 * queries that re-seal complainant identities under a new key.
 *
 * SQLite copies with VACUUM INTO (one read transaction: a consistent snapshot while the writer
 * keeps committing, never a copy of the live file). PostgreSQL copies with pg_dump (custom
 * format) run against a snapshot exported from a REPEATABLE READ transaction of our own, so the
 * checks we make on that transaction see exactly what the dump holds. pg_dump rather than our own
 * COPY loop: it knows every table, sequence, trigger, extension and generated column the
 * migrations (ours and future ones) create, and pg_restore loads them in dependency order. */
#ifndef FCMS_STORE_BACKUP_H
#define FCMS_STORE_BACKUP_H
#include "store/db.h"
#include <jansson.h>
#include <stdint.h>

struct store_snapshot;

/* Copies the database at url into path (a new file; SQLite: a database file, PostgreSQL: a
 * pg_dump archive). On success *snap holds a connection that sees exactly the copied state (the
 * SQLite copy itself, or the PostgreSQL transaction that exported the snapshot); the caller
 * reads it with store_snapshot_db() and ends it with store_snapshot_close(). Returns 0 or -1
 * (printed on stderr). */
int store_backup_take(const char *url, const char *path, struct store_snapshot **snap);
struct db *store_snapshot_db(struct store_snapshot *s); /* borrowed */
void store_snapshot_close(struct store_snapshot *s);

struct store_backup_facts {
	int64_t audit_events, audit_head_seq, complaints;
	char audit_head_hash[65];
	char integrity[160]; /* SQLite PRAGMA integrity_check's first line ("ok"); PostgreSQL "n/a" */
	json_t *key_usage;   /* {"<key id>": rows sealed with it}; caller decrefs */
};
/* Reads the facts from d (in the caller's snapshot). Returns DB_OK or a negative status. */
int store_backup_facts(struct db *d, struct store_backup_facts *f);

/* 1 when the database at url has no tables of its own, 0 when it has, -1 when unreachable. */
int store_backup_target_empty(const char *url);
/* Loads a pg_dump archive into the (empty) PostgreSQL database at url in one transaction:
 * all or nothing. 0 or -1 (pg_restore's messages on stderr). */
int store_backup_pg_load(const char *url, const char *dump_path);
/* 0 when pg_restore can read the archive's table of contents, else -1. */
int store_backup_pg_readable(const char *dump_path);

/* ---- key rotation ---- */
/* Rows sealed with each key (complaints' identities and the consumer submissions queue's):
 * {"<key id>": n}. Caller owns *usage. */
int store_pii_key_usage(struct db *d, json_t **usage);
/* Up to limit complaints after after_id whose identity is sealed with another key than
 * key_id, by id: [{id, pii_key_id, complainant_enc}]. Caller owns *rows. */
int store_pii_reseal_batch(struct db *d, const char *key_id, int64_t after_id, int64_t limit, json_t **rows);
/* Replaces one sealed identity and its blind indexes (name, id_no, phone; "" = NULL), only if
 * the row still holds old_enc (a concurrent edit that re-sealed it wins). Rows changed (0 or 1)
 * or a negative status. The complaint's version is not touched: no fact changed. */
int store_pii_reseal_row(struct db *d, int64_t id, const char *old_enc, const char *new_enc, const char *new_key_id,
			 const char bidx[3][33]);
/* The same two for the consumer submissions queue (issue 16): rows [{id, pii_key_id,
 * complainant_enc}] from consumer_submissions' key_id and identity; the row update replaces the
 * sealed identity, its key id and the phone's blind index, only if the row still holds old_enc. */
int store_submission_reseal_batch(struct db *d, const char *key_id, int64_t after_id, int64_t limit, json_t **rows);
int store_submission_reseal_row(struct db *d, int64_t id, const char *old_enc, const char *new_enc,
				const char *new_key_id, const char *phone_bidx);

#endif
