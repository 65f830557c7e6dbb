/* Internals shared by the backup files (backup.c: create; backup_restore.c: verify and restore;
 * backup_files.c: file helpers and the passphrase; backup_manifest.c: the key bundle, the keys
 * and the manifest's signature). Not for use outside src/domain/backup*.c. Single-threaded
 * command-line code: the messages go to stderr. */
#ifndef FCMS_BACKUP_INTERNAL_H
#define FCMS_BACKUP_INTERNAL_H
#include "domain/backup.h"
#include "domain/crypto_profile.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Room for the files of a data directory's keys/ folder (struct backup_file[MAX_KEY_FILES]). */
#define MAX_KEY_FILES 128

/* ---- files (backup_files.c) ---- */
/* Reads the whole file (at most max bytes) into *buf (malloc'd, caller frees). 0 or -1. */
int backup_read_file(const char *path, unsigned char **buf, size_t *len, size_t max);
/* Writes buf to a new file path with mode, synced. 0 or -1. */
int backup_write_file(const char *path, const void *buf, size_t len, mode_t mode);
/* Copies one regular file (synced). 0 or -1. */
int backup_copy_file(const char *from, const char *to);
/* fsync of a directory, so a rename or new entries in it are durable (best effort). */
void backup_fsync_dir(const char *path);
/* Copies the regular files under from (recursively) into to; symlinks and others are skipped. */
int backup_copy_tree(const char *from, const char *to);
/* Copies the data directory's folders that a backup carries (attachments/, exports/) from the
 * directory from into to; who prefixes the message on failure. 0 or -1 (said). */
int backup_copy_folders(const char *from, const char *to, const char *who);
/* Removes path and everything under it (best effort). */
void backup_rm_tree(const char *path);
/* 1 when path does not exist or is an empty directory, 0 when it has something, -1 when it is
 * not a directory. */
int backup_absent_or_empty(const char *path);
/* Appends {path, size, sha256} for every regular file under root/rel to files, except the
 * manifest and the key bundle (which the passphrase authenticates). 0 or -1. */
int backup_list_files(const char *root, const char *rel, json_t *files);
/* The operator's passphrase: FCMS_BACKUP_PASSPHRASE, else asked on the terminal without echo
 * (twice when confirm). 0, or -1 after saying why. */
int backup_get_passphrase(bool confirm, char *out, size_t n);

/* ---- keys and manifest (backup_manifest.c) ---- */
/* Reads every regular file of keys_dir into files (MAX_KEY_FILES entries; adding to or replacing
 * what is there: the second read of a backup wins). Returns the new count or -1. */
int backup_read_keys_dir(const char *keys_dir, struct backup_file *files, int n);
/* Whether files[0..n) holds a file called name. */
bool backup_has_file(const struct backup_file *files, int n, const char *name);
/* Every key id the rows use (usage object) and the current id has its key file in files; else
 * names the first missing one in missing. */
bool backup_keys_cover(const struct backup_file *files, int n, json_t *usage, const char *current, char *missing,
		       size_t mlen);
/* Writes DIR/manifest.sig, the signature of text by the profile's signing key in files. 0 or -1. */
int backup_sign_manifest(const struct backup_file *files, int n, enum crypto_profile p, const char *text,
			 const char *dir);
/* The manifest's signature against the public key in the bundle, when the manifest says it was
 * signed. 0 (verified or not signed), or -1 after saying why. */
int backup_check_manifest_signature(const char *dir, json_t *manifest, const unsigned char *text, size_t tlen,
				    const struct backup_file *files, int n);

#endif
