/* Backup (see backup.h): reading a backup back — the checks that need no database
 * (manifest, hashes, passphrase, keys), then verify (on a scratch copy) and restore (into a new
 * data directory, checked before it is renamed into place). */
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

/* ---- reading a backup back ---- */

struct loaded {
	json_t *manifest;
	struct backup_file *keys;
	int nkeys;
	bool pg;
	char db_file[64];
};

static void loaded_free(struct loaded *l)
{
	json_decref(l->manifest);
	backup_files_free(l->keys, MAX_KEY_FILES);
	memset(l, 0, sizeof *l);
}

/* Every file the manifest lists is there with its hash and size, and the database file is
 * among them. 0, or 1 after saying what is wrong. */
static int check_files(const char *dir, const struct loaded *l)
{
	char path[1300];
	size_t i;
	json_t *f;
	bool has_db = false;
	json_array_foreach(json_object_get(l->manifest, "files"), i, f)
	{
		const char *rel = json_string_value(json_object_get(f, "path"));
		const char *want = json_string_value(json_object_get(f, "sha256"));
		if (!rel || !want || strstr(rel, "..") || rel[0] == '/') {
			fprintf(stderr, "restore: the manifest names a bad path\n");
			return 1;
		}
		char hex[65];
		int64_t size;
		snprintf(path, sizeof path, "%s/%s", dir, rel);
		if (backup_sha256_file(path, hex, &size) != 0) {
			fprintf(stderr, "restore: %s listed in the manifest is missing\n", rel);
			return 1;
		}
		if (strcmp(hex, want) != 0 || size != json_integer_value(json_object_get(f, "size"))) {
			fprintf(stderr, "restore: %s was altered (SHA-256 does not match the manifest)\n", rel);
			return 1;
		}
		if (!strcmp(rel, l->db_file))
			has_db = true;
	}
	if (!has_db) {
		fprintf(stderr, "restore: the manifest lists no database file %s\n", l->db_file);
		return 1;
	}
	return 0;
}

/* Opens keys.sealed with the passphrase, bound to the manifest's bytes (text), checks the
 * manifest's signature and that the keys cover the rows. 0, or 1 after saying what is wrong. */
static int open_keys(const char *dir, struct loaded *l, const unsigned char *text, size_t tlen)
{
	char path[1300];
	unsigned char *sealed = NULL;
	size_t slen;
	snprintf(path, sizeof path, "%s/keys.sealed", dir);
	if (backup_read_file(path, &sealed, &slen, 1 << 20) != 0) {
		fprintf(stderr, "恢复失败：备份中没有密钥文件 keys.sealed，没有它投诉人身份信息无法解密；未写入任何内容 / "
				"restore: the key file keys.sealed is missing from %s; without it no complainant identity "
				"can be opened; nothing was written\n",
			dir);
		return 1;
	}
	char pass[512];
	int orc = -2;
	if (backup_get_passphrase(false, pass, sizeof pass) != 0) {
		free(sealed);
		return 1;
	}
	unsigned char mh[32];
	crypto_digest(CRYPTO_DEFAULT, text, tlen, mh);
	orc = backup_bundle_open(sealed, slen, pass, mh, &l->keys, &l->nkeys);
	crypto_wipe(pass, sizeof pass);
	free(sealed);
	if (orc == -1) {
		fprintf(stderr, "恢复失败：备份口令错误，或 keys.sealed / manifest.json 被改动；未写入任何内容 / restore: wrong "
				"passphrase, or keys.sealed or manifest.json was altered; nothing was written\n");
		return 1;
	}
	if (orc != 0) {
		fprintf(stderr, "restore: keys.sealed is not a key bundle of a known format\n");
		return 1;
	}
	if (backup_check_manifest_signature(dir, l->manifest, text, tlen, l->keys, l->nkeys) != 0)
		return 1;
	json_t *db = json_object_get(l->manifest, "database");
	char missing[64];
	if (!backup_keys_cover(l->keys, l->nkeys, json_object_get(db, "key_usage"),
			       json_string_value(json_object_get(json_object_get(l->manifest, "keys"), "current")), missing,
			       sizeof missing)) {
		fprintf(stderr, "restore: the key %s that rows need is not in keys.sealed\n", missing);
		return 1;
	}
	return 0;
}

/* Everything that needs no database: the manifest, every file's hash, the passphrase and the
 * keys the rows need. 0, or 1 after saying what is wrong. Writes nothing. */
static int load_backup(const char *dir, struct loaded *l)
{
	memset(l, 0, sizeof *l);
	char path[1300];
	unsigned char *text = NULL;
	size_t tlen;
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	if (backup_read_file(path, &text, &tlen, 64 << 20) != 0) {
		fprintf(stderr, "restore: %s is missing or unreadable: not an fcms backup\n", path);
		return 1;
	}
	json_error_t err;
	l->manifest = json_loadb((const char *)text, tlen, 0, &err);
	const char *fmt = json_string_value(json_object_get(l->manifest, "format"));
	if (!l->manifest || !fmt || strcmp(fmt, "fcms-backup") != 0 ||
	    json_integer_value(json_object_get(l->manifest, "format_version")) != BACKUP_FORMAT_VERSION) {
		fprintf(stderr, "restore: %s is not an fcms backup manifest of format %d\n", path, BACKUP_FORMAT_VERSION);
		goto fail;
	}
	const char *backend = json_string_value(json_object_get(l->manifest, "backend"));
	l->pg = backend && !strcmp(backend, "postgresql");
	snprintf(l->db_file, sizeof l->db_file, "%s", l->pg ? "fcms.pgdump" : "fcms.db");
	if (check_files(dir, l) != 0 || open_keys(dir, l, text, tlen) != 0)
		goto fail;
	free(text);
	return 0;
fail:
	free(text);
	loaded_free(l);
	return 1;
}

/* The restored (or scratch) database matches the manifest: integrity, audit chain intact and
 * ending at the recorded head, the same complaints count. 0 or 1 (said). */
static int check_database(const char *url, const struct loaded *l, const char *who)
{
	struct db *d = db_open(url);
	if (!d) {
		fprintf(stderr, "%s: cannot open the restored database\n", who);
		return 1;
	}
	struct store_backup_facts f;
	struct audit_verify_result av = {0};
	int rc = 1;
	json_t *db = json_object_get(l->manifest, "database");
	if (store_backup_facts(d, &f) != DB_OK || audit_verify(d, &av) != DB_OK) {
		fprintf(stderr, "%s: cannot read the restored database\n", who);
	} else if (strcmp(f.integrity, "ok") != 0 && strcmp(f.integrity, "n/a") != 0) {
		fprintf(stderr, "%s: integrity_check: %s\n", who, f.integrity);
	} else if (!av.ok) {
		fprintf(stderr, "%s: audit chain broken at event %lld: %s\n", who, (long long)av.first_bad_seq, av.reason);
	} else if (f.audit_head_seq != json_integer_value(json_object_get(db, "audit_head_seq")) ||
		   strcmp(f.audit_head_hash, (json_string_value(json_object_get(db, "audit_head_hash")) ? json_string_value(json_object_get(db, "audit_head_hash")) : "")) != 0 ||
		   f.complaints != json_integer_value(json_object_get(db, "complaints"))) {
		fprintf(stderr, "%s: the database does not match the manifest (audit head %lld, %lld complaints)\n", who,
			(long long)f.audit_head_seq, (long long)f.complaints);
	} else {
		printf("%s: database %s, audit chain intact (%lld events, head %lld), %lld complaints\n", who,
		       f.integrity, (long long)av.events, (long long)f.audit_head_seq, (long long)f.complaints);
		rc = 0;
	}
	json_decref(f.key_usage);
	db_close(d);
	return rc;
}

int backup_verify(const struct backup_opts *o)
{
	struct loaded l;
	if (load_backup(o->dir, &l) != 0)
		return 1;
	printf("verify: manifest and %zu files match, passphrase opens %d key files\n",
	       json_array_size(json_object_get(l.manifest, "files")), l.nkeys);
	char path[1300], url[1400];
	snprintf(path, sizeof path, "%s/%s", o->dir, l.db_file);
	int rc = 1;
	if (l.pg) {
		if (!o->target_db) {
			fprintf(stderr, "verify: a PostgreSQL backup is checked by loading it into an empty scratch "
					"database: give --db postgresql://.../scratch\n");
			rc = 2;
		} else if (store_backup_pg_readable(path) != 0 || store_backup_target_empty(o->target_db) != 1) {
			fprintf(stderr, "verify: the dump is unreadable, or the scratch database is not empty\n");
		} else if (store_backup_pg_load(o->target_db, path) == 0) {
			rc = check_database(o->target_db, &l, "verify");
		}
	} else {
		/* On a scratch copy: opening a database may write to it (WAL), the backup stays as hashed. */
		char tmpl[] = "/tmp/fcms-verify-XXXXXX";
		char *tmp = mkdtemp(tmpl);
		snprintf(url, sizeof url, "%s/fcms.db", tmp ? tmp : "");
		if (tmp && backup_copy_file(path, url) == 0) {
			char u[1500];
			snprintf(u, sizeof u, "sqlite:%s", url);
			rc = check_database(u, &l, "verify");
		}
		if (tmp)
			backup_rm_tree(tmp);
	}
	if (rc == 0)
		printf("backup %s verified\n", o->dir);
	loaded_free(&l);
	return rc;
}

/* The keys (written from the bundle) and the folders into staging. 0 or 1 (said). */
static int restore_files(const struct backup_opts *o, const struct loaded *l, const char *staging)
{
	assert(l->manifest && l->nkeys >= 0 && l->nkeys <= MAX_KEY_FILES);
	char path[1300];
	snprintf(path, sizeof path, "%s/keys", staging);
	if (mkdir(path, 0700) != 0)
		return 1;
	for (int i = 0; i < l->nkeys; i++) {
		snprintf(path, sizeof path, "%s/keys/%s", staging, l->keys[i].name);
		if (backup_write_file(path, l->keys[i].data, l->keys[i].len, 0600) != 0) {
			fprintf(stderr, "restore: cannot write %s\n", path);
			return 1;
		}
	}
	snprintf(path, sizeof path, "%s/keys", staging);
	backup_fsync_dir(path);
	return backup_copy_folders(o->dir, staging, "restore") != 0;
}

/* The database: loaded into the target PostgreSQL database, or copied into staging; then
 * checked against the manifest. 0 or 1 (said). */
static int restore_database(const struct backup_opts *o, const struct loaded *l, const char *staging)
{
	char from[1300], path[1300], url[1400];
	snprintf(from, sizeof from, "%s/%s", o->dir, l->db_file);
	if (l->pg) {
		if (store_backup_pg_load(o->target_db, from) != 0) {
			fprintf(stderr, "restore: pg_restore failed; the target database was left as it was (one "
					"transaction)\n");
			return 1;
		}
		snprintf(url, sizeof url, "%s", o->target_db);
	} else {
		snprintf(path, sizeof path, "%s/fcms.db", staging);
		if (backup_copy_file(from, path) != 0) {
			fprintf(stderr, "restore: cannot copy the database\n");
			return 1;
		}
		snprintf(url, sizeof url, "sqlite:%s", path);
	}
	return check_database(url, l, "restore");
}

/* The backup fits the target: a PostgreSQL backup needs an empty --db, a SQLite one none. 0, or
 * the exit code after saying why. */
static int check_target(const struct backup_opts *o, const struct loaded *l)
{
	if (l->pg != (o->target_db != NULL)) {
		fprintf(stderr, l->pg ? "restore: a PostgreSQL backup needs --db postgresql://... (an empty database)\n"
				      : "restore: a SQLite backup restores into the data directory; drop --db\n");
		return 2;
	}
	if (l->pg && store_backup_target_empty(o->target_db) != 1) {
		fprintf(stderr, "restore: the target database is unreachable or not empty; nothing was written\n");
		return 1;
	}
	return 0;
}

int backup_restore(const struct backup_opts *o)
{
	if (backup_absent_or_empty(o->target_data) != 1) {
		fprintf(stderr, "restore: %s is not empty; restore only into a new data directory\n", o->target_data);
		return 2;
	}
	struct loaded l;
	if (load_backup(o->dir, &l) != 0)
		return 1;
	char staging[1100];
	snprintf(staging, sizeof staging, "%s.restore-%ld", o->target_data, (long)getpid());
	int rc = check_target(o, &l);
	if (rc != 0)
		goto out;
	if (mkdir(staging, 0700) != 0) {
		fprintf(stderr, "restore: cannot create %s: %s\n", staging, strerror(errno));
		rc = 1;
		goto out;
	}
	rc = 1;
	if (restore_files(o, &l, staging) != 0 || restore_database(o, &l, staging) != 0)
		goto fail;
	backup_fsync_dir(staging);
	rmdir(o->target_data);
	if (rename(staging, o->target_data) != 0) {
		fprintf(stderr, "restore: cannot rename %s to %s: %s\n", staging, o->target_data, strerror(errno));
		goto fail;
	}
	printf("restored into %s%s%s; start it with: fcms serve --data %s%s%s\n", o->target_data,
	       l.pg ? " and " : "", l.pg ? "the target database" : "", o->target_data, l.pg ? " --db " : "",
	       l.pg ? "URL" : "");
	rc = 0;
	goto out;
fail:
	backup_rm_tree(staging);
out:
	loaded_free(&l);
	return rc;
}
