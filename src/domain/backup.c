/* Backup, verify and restore (see backup.h). The database work is store/backup.c; this file owns
 * the backup's layout, the manifest, the sealed key bundle and the order of the steps. It must
 * never write a key in clear outside a data directory's keys/ folder. */
#include "domain/backup.h"
#include "domain/backup_internal.h"
#include "domain/audit.h"
#include "domain/crypto_profile.h"
#include "domain/pii.h"
#include "store/backup.h"
#include "store/store.h"
#include "util/log.h"
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void iso_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- backup ---- */

/* What backup_create gathers before it writes the manifest. */
struct taking {
	const struct backup_opts *o;
	bool pg;
	char staging[1100];
	struct backup_file *keys; /* MAX_KEY_FILES entries */
	int nkeys;
	struct store_backup_facts facts;
	struct audit_verify_result av;
	char current[64];
	enum crypto_profile profile;
};

/* The database snapshot into the staging directory, its facts, audit chain and crypto profile,
 * and the keys read before and after it: a key made current meanwhile is caught by the second
 * read, a key retired meanwhile by the first; the check proves the union suffices. 0 or 1 (said). */
static int take_snapshot(struct taking *t)
{
	assert(t->keys && t->nkeys == 0);
	char keys_dir[1100], path[1300];
	snprintf(keys_dir, sizeof keys_dir, "%s/keys", t->o->data_dir);
	if ((t->nkeys = backup_read_keys_dir(keys_dir, t->keys, 0)) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/%s", t->staging, t->pg ? "fcms.pgdump" : "fcms.db");
	struct store_snapshot *snap = NULL;
	if (store_backup_take(t->o->db_url, path, &snap) != 0) {
		fprintf(stderr, "backup: the database snapshot failed\n");
		return 1;
	}
	chmod(path, 0600);
	int rc = 1;
	struct db *d = store_snapshot_db(snap);
	if (store_backup_facts(d, &t->facts) != DB_OK) {
		fprintf(stderr, "backup: cannot read the snapshot\n");
		goto out;
	}
	store_setting_get(d, "pii.current_key", t->current, sizeof t->current);
	if (crypto_profile_load(d, &t->profile) != DB_OK) {
		fprintf(stderr, "backup: cannot read the database's crypto profile\n");
		goto out;
	}
	if (strcmp(t->facts.integrity, "ok") != 0 && strcmp(t->facts.integrity, "n/a") != 0) {
		fprintf(stderr, "backup: the database copy fails integrity_check: %s\n", t->facts.integrity);
		goto out;
	}
	if (audit_verify(d, &t->av) != DB_OK) {
		fprintf(stderr, "backup: cannot read the audit log\n");
		goto out;
	}
	rc = 0;
out:
	store_snapshot_close(snap);
	if (rc != 0)
		return rc;
	if (!t->av.ok)
		fprintf(stderr, "backup: WARNING the audit chain is broken at event %lld (%s); the backup keeps it as it is\n",
			(long long)t->av.first_bad_seq, t->av.reason);
	if ((t->nkeys = backup_read_keys_dir(keys_dir, t->keys, t->nkeys)) < 0)
		return 1;
	char missing[64];
	if (!backup_keys_cover(t->keys, t->nkeys, t->facts.key_usage, t->current, missing, sizeof missing)) {
		fprintf(stderr, "backup: the key %s that rows of the snapshot need is not in %s; nothing backed up\n",
			missing, keys_dir);
		return 1;
	}
	return 0;
}

/* The manifest of the staged files (NULL, said, on failure). */
static json_t *build_manifest(const struct taking *t)
{
	json_t *files = json_array(), *key_ids = json_array();
	if (!files || !key_ids)
		goto fail;
	for (int i = 0; i < t->nkeys; i++) {
		char id[PII_KEY_ID_SIZE];
		if (pii_key_id_from_file(t->keys[i].name, id))
			json_array_append_new(key_ids, json_string(id));
	}
	if (backup_list_files(t->staging, "", files) != 0) {
		fprintf(stderr, "backup: cannot hash the copied files\n");
		goto fail;
	}
	char now[40];
	iso_now(now, sizeof now);
	const struct store_backup_facts *f = &t->facts;
	/* "o" steals files and key_ids, also when json_pack fails. */
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I, s:s, s:b, s:I, s:O}, "
			 "s:{s:s, s:s, s:s, s:o, s:s}, s:o}",
			 "format", "fcms-backup", "format_version", BACKUP_FORMAT_VERSION, "fcms_version", t->o->version,
			 "created_at", now, "backend", t->pg ? "postgresql" : "sqlite", "database", "file",
			 t->pg ? "fcms.pgdump" : "fcms.db", "integrity", f->integrity, "audit_events",
			 (json_int_t)f->audit_events, "audit_head_seq", (json_int_t)f->audit_head_seq, "audit_head_hash",
			 f->audit_head_hash, "audit_chain_ok", t->av.ok, "complaints", (json_int_t)f->complaints,
			 "key_usage", f->key_usage, "keys", "file", "keys.sealed", "kdf", CRYPTO_BUNDLE_KDF, "cipher",
			 CRYPTO_BUNDLE_CIPHER, "key_ids", key_ids, "current", t->current, "files", files);
fail:
	json_decref(files);
	json_decref(key_ids);
	return NULL;
}

/* manifest.json (signed when the profile has a signing key: the manifest says so, and the
 * passphrase authenticates the manifest, so a dropped manifest.sig is seen), then keys.sealed
 * bound to the manifest's hash. 0 or 1 (said). */
static int write_manifest_and_keys(const struct taking *t, json_t *manifest, const char *pass)
{
	char sign_name[64], path[1300];
	snprintf(sign_name, sizeof sign_name, "sign-%s.key", crypto_profile_name(t->profile));
	bool signing = backup_has_file(t->keys, t->nkeys, sign_name);
	json_object_set_new(manifest, "signed_with", signing ? json_string(crypto_profile_name(t->profile)) : json_null());
	char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	int rc = 1;
	snprintf(path, sizeof path, "%s/manifest.json", t->staging);
	if (!text || backup_write_file(path, text, strlen(text), 0600) != 0) {
		fprintf(stderr, "backup: cannot write %s\n", path);
		goto out;
	}
	if (signing && backup_sign_manifest(t->keys, t->nkeys, t->profile, text, t->staging) != 0) {
		fprintf(stderr, "backup: cannot sign the manifest\n");
		goto out;
	}
	unsigned char mh[32];
	crypto_digest(CRYPTO_DEFAULT, text, strlen(text), mh);
	if (backup_bundle_seal(t->keys, t->nkeys, pass, mh, 0, 0, &sealed, &sealed_len) != 0) {
		fprintf(stderr, "backup: sealing the keys failed (out of memory for Argon2id?)\n");
		goto out;
	}
	snprintf(path, sizeof path, "%s/keys.sealed", t->staging);
	if (backup_write_file(path, sealed, sealed_len, 0600) != 0) {
		fprintf(stderr, "backup: cannot write %s\n", path);
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(sealed);
	return rc;
}

/* The passphrase for a new backup (asked twice on a terminal), at least BACKUP_MIN_PASSPHRASE
 * characters. 0, or the exit code after saying why. */
static int new_passphrase(char *pass, size_t n)
{
	if (backup_get_passphrase(true, pass, n) != 0)
		return 1;
	if (strlen(pass) < BACKUP_MIN_PASSPHRASE) {
		crypto_wipe(pass, n);
		fprintf(stderr, "备份口令至少 %d 个字符 / the backup passphrase needs at least %d characters\n",
			BACKUP_MIN_PASSPHRASE, BACKUP_MIN_PASSPHRASE);
		return 2;
	}
	return 0;
}

int backup_create(const struct backup_opts *o)
{
	if (backup_absent_or_empty(o->dir) != 1) {
		fprintf(stderr, "backup: %s exists and is not an empty directory; choose a new one\n", o->dir);
		return 2;
	}
	char pass[512];
	int rc = new_passphrase(pass, sizeof pass);
	if (rc != 0)
		return rc;
	struct taking t = {.o = o, .pg = strncmp(o->db_url, "sqlite:", 7) != 0, .profile = CRYPTO_DEFAULT};
	snprintf(t.staging, sizeof t.staging, "%s.partial-%ld", o->dir, (long)getpid());
	t.keys = calloc(MAX_KEY_FILES, sizeof *t.keys);
	if (!t.keys || mkdir(t.staging, 0700) != 0) {
		fprintf(stderr, "backup: cannot create %s: %s\n", t.staging, strerror(errno));
		free(t.keys);
		crypto_wipe(pass, sizeof pass);
		return 1;
	}
	uint64_t t0 = mono_ns();
	json_t *manifest = NULL;
	rc = 1;
	if (take_snapshot(&t) != 0 || backup_copy_folders(o->data_dir, t.staging, "backup") != 0 ||
	    !(manifest = build_manifest(&t)) || write_manifest_and_keys(&t, manifest, pass) != 0)
		goto out;
	backup_fsync_dir(t.staging);
	rmdir(o->dir); /* an empty target is replaced */
	if (rename(t.staging, o->dir) != 0) {
		fprintf(stderr, "backup: cannot rename %s to %s: %s\n", t.staging, o->dir, strerror(errno));
		goto out;
	}
	printf("backup written to %s: %s, %lld complaints, audit head %lld, %zu files, %d key files sealed (%.1f s)\n",
	       o->dir, t.pg ? "postgresql" : "sqlite", (long long)t.facts.complaints, (long long)t.facts.audit_head_seq,
	       json_array_size(json_object_get(manifest, "files")), t.nkeys, (double)(mono_ns() - t0) / 1e9);
	rc = 0;
out:
	if (rc != 0)
		backup_rm_tree(t.staging);
	json_decref(t.facts.key_usage);
	json_decref(manifest);
	backup_files_free(t.keys, MAX_KEY_FILES);
	crypto_wipe(pass, sizeof pass);
	return rc;
}
