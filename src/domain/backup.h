/* Backups that restore: `fcms backup --to DIR`, `fcms backup --verify DIR` and
 * `fcms restore --from DIR --data NEWDIR [--db URL]`.
 *
 * A backup directory holds
 *   fcms.db | fcms.pgdump   the database as of one commit (store/backup.c: VACUUM INTO, or
 *                           pg_dump of an exported REPEATABLE READ snapshot)
 *   attachments/, exports/  copies of the data directory's folders (taken after the database
 *                           snapshot, so every file a copied row names is there)
 *   manifest.json           format, versions, time, backend, the snapshot's audit head and
 *                           counts, the key ids in use, and SHA-256 + size of every file above
 *   keys.sealed             every file of DATA/keys (PII keys, blind-index key, current), sealed
 *                           with a key derived from the operator's passphrase (Argon2id) by
 *                           XChaCha20-Poly1305, whose associated data is the SHA-256 of
 *                           manifest.json: the passphrase authenticates the manifest, and the
 *                           manifest every other file.
 * The passphrase comes from FCMS_BACKUP_PASSPHRASE or a prompt on the terminal; keys are never
 * written in clear into a backup. Restore checks everything (manifest, every file's hash, the
 * passphrase, the keys the rows need) before it writes anything, and refuses a non-empty target.
 * These are command-line use cases: single-threaded, they print on stdout/stderr. */
#ifndef FCMS_BACKUP_H
#define FCMS_BACKUP_H
#include <stddef.h>
#include <stdint.h>

#define BACKUP_FORMAT_VERSION 1
#define BACKUP_MIN_PASSPHRASE 12

struct backup_opts {
	const char *data_dir;    /* the live data directory (backup) */
	const char *db_url;      /* its database: sqlite:PATH or postgresql://... (backup) */
	const char *dir;         /* the backup directory */
	const char *target_data; /* restore: the new data directory (absent or empty) */
	const char *target_db;   /* restore/verify on PostgreSQL: an empty database */
	const char *version;     /* fcms version for the manifest */
};

/* Each returns the process exit code: 0 success, 1 failure (said on stderr), 2 usage. */
int backup_create(const struct backup_opts *o);
int backup_verify(const struct backup_opts *o);
int backup_restore(const struct backup_opts *o);

/* ---- the sealed key bundle (exported for the unit tests) ---- */
struct backup_file {
	char name[64];
	unsigned char *data;
	size_t len;
};
/* Seals files with passphrase; ad (32 bytes) is bound to the result. *out is malloc'd (caller
 * frees). ops/mem are the key derivation's cost (util/crypto.h crypto_bundle_*; 0 = the moderate
 * defaults). 0 or -1. */
int backup_bundle_seal(const struct backup_file *files, int n, const char *passphrase, const unsigned char ad[32],
		       unsigned long long ops, size_t mem, unsigned char **out, size_t *outlen);
/* Opens a bundle: 0 with *files (caller frees with backup_files_free) and *n; -1 when the
 * passphrase is wrong or the bundle or the manifest it is bound to was altered; -2 when it is
 * not a key bundle of a known format. */
int backup_bundle_open(const unsigned char *in, size_t len, const char *passphrase, const unsigned char ad[32],
		       struct backup_file **files, int *n);
void backup_files_free(struct backup_file *files, int n);
/* SHA-256 of a file's bytes as hex, and its size. 0 or -1. */
int backup_sha256_file(const char *path, char hex[65], int64_t *size);

#endif
