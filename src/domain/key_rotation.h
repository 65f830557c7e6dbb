/* PII key rotation: `fcms keys rotate` and `fcms keys status`, and the choice of the sealing key
 * inside a write transaction.
 *
 * The current key id lives in the database (setting pii.current_key) as well as in keys/current:
 * every write that seals an identity reads it in its own transaction, so once the rotation's
 * transaction commits, no instance seals with the old key again (SQLite serialises writers;
 * PostgreSQL's SERIALIZABLE makes a writer that read the old id retry). Instances load the new key
 * file from the shared keys dir the first time they meet its id (pii.c).
 *
 * `fcms keys rotate` runs beside the serving instances: it creates the key, makes it current
 * (audited pii.key_rotate), re-seals every identity sealed with another key in batches (one short
 * write transaction each, so the server's writes keep flowing between them), and deletes an old
 * key file only when no row uses it any more (audited pii.key_retire). Interrupted, it can be run
 * again: a second run makes another key and re-seals everything not under it.
 *
 * `fcms keys rotate --to gm` (or default) moves the database to another crypto profile the same
 * way, online: the new key is of the target profile and its commit also switches the database's
 * profile and re-chains the audit log from the current head (crypto_profile.h, audit.h); each
 * re-sealed row is re-indexed in the new blind-index family in the same statement, and lookups
 * search both families meanwhile (pii_blind_indexes). */
#ifndef FCMS_KEY_ROTATION_H
#define FCMS_KEY_ROTATION_H
#include <stdint.h>
#include "domain/pii.h"

struct db;

/* Seals plain with the current key (the database's pii.current_key, else keys/current) inside
 * the caller's transaction on d; the key's id goes to key_id. Caller frees the result; NULL on
 * failure. May run twice with its transaction. */
char *key_rotation_seal(struct db *d, const char *plain, char key_id[PII_KEY_ID_SIZE]);

/* The database's current sealing key (pii.current_key, else keys/current) into out: what
 * key_rotation_seal would use. A caller that seals many identities (the import) reads it once per
 * batch and checks it again inside the batch's transaction (key_rotation_reseal_after). DB_OK or
 * a negative status. */
int key_rotation_current_key(struct db *d, char out[PII_KEY_ID_SIZE]);

/* Inside the caller's write transaction: re-seals under the current key the complaints with an
 * id above after_id (at most limit of them) that another key sealed, with their blind indexes in
 * the new key's family; for an import batch sealed before a rotation committed. *resealed: how
 * many. 0 or a negative status. May run twice with its transaction. */
int key_rotation_reseal_after(struct db *d, int64_t after_id, int64_t limit, int64_t *resealed);

/* The value's blind index in the family of the database's current key (pii.current_key, else
 * keys/current): what rows written now carry and what the rotation re-indexes old rows into, so an
 * instance started before a profile move (default -> gm) computes the new family's index without
 * a restart. Into out (pii_blind_index_for's contract); 0, or a negative DB status / -1. */
int key_rotation_blind_index(struct db *d, enum pii_kind kind, const char *value, char out[33]);

/* At start: every instance of one database must seal with keys it can open, so they share one
 * keys dir. Records this instance's current key as the database's (pii.current_key) when the
 * database has none yet; refuses (-1, said on stderr) when the database's current key is not in
 * this instance's keys dir. 0 when the keys agree; a negative DB status on a database failure. */
int key_rotation_check_keys(struct db *d);

struct key_rotation_opts {
	int64_t batch;    /* rows per transaction, default 500 */
	int64_t pause_ms; /* pause between batches, default 0 */
	int64_t grace_ms; /* wait before the last check that no row uses an old key, default 2000 */
	const enum crypto_profile *to_profile; /* NULL: stay in the database's profile */
};
/* The rotation described above, on this process's store (pii_init and store_init done).
 * Returns the exit code: 0 done (old keys retired), 1 failed or rows still under an old key. */
int key_rotation_run(const struct key_rotation_opts *o);
/* Prints {"current", "key_files", "usage"} as JSON on stdout. Exit code. */
int key_rotation_status(void);

#endif
