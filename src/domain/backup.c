/* Backup, verify and restore (see backup.h). The database work is store/backup.c; this file owns
 * the backup's layout, the manifest, the sealed key bundle and the order of the steps. It must
 * never write a key in clear outside a data directory's keys/ folder. */
#include "domain/backup.h"
#include "domain/audit.h"
#include "domain/crypto_profile.h"
#include "domain/pii.h"
#include "store/backup.h"
#include "store/store.h"
#include "util/log.h"
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

#define MAGIC "FCMSKEY1"
#define MAGIC_LEN 8
#define SALT_LEN CRYPTO_BUNDLE_SALT
#define NONCE_LEN CRYPTO_BUNDLE_NONCE
#define HEADER_LEN (MAGIC_LEN + 8 + 8 + SALT_LEN + NONCE_LEN)
#define MAX_KEY_FILES 128
#define MAX_KEY_FILE_BYTES 4096

/* ---- small file helpers ---- */

static int read_file(const char *path, unsigned char **buf, size_t *len, size_t max)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		return -1;
	}
	unsigned char *b = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (b && got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!b || got != (size_t)st.st_size) {
		free(b);
		return -1;
	}
	*buf = b;
	*len = got;
	return 0;
}

static int write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	const unsigned char *p = buf;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t r;
	int rc = 0;
	while ((r = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w <= 0) {
				rc = -1;
				break;
			}
			off += w;
		}
		if (rc)
			break;
	}
	if (r < 0 || fsync(out) != 0)
		rc = -1;
	close(in);
	close(out);
	return rc;
}

static void fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Copies the regular files under from (recursively) into to; symlinks and others are skipped. */
static int copy_tree(const char *from, const char *to)
{
	DIR *dh = opendir(from);
	if (!dh)
		return errno == ENOENT ? 0 : -1;
	if (mkdir(to, 0700) != 0 && errno != EEXIST) {
		closedir(dh);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char a[1200], b[1200];
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		struct stat st;
		if (lstat(a, &st) != 0)
			continue; /* gone meanwhile (an export expired) */
		if (S_ISDIR(st.st_mode))
			rc = copy_tree(a, b);
		else if (S_ISREG(st.st_mode) && copy_file(a, b) != 0 && errno != ENOENT)
			rc = -1;
	}
	closedir(dh);
	fsync_dir(to);
	return rc;
}

static void rm_tree(const char *path)
{
	DIR *dh = opendir(path);
	if (dh) {
		struct dirent *e;
		while ((e = readdir(dh))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char p[1200];
			snprintf(p, sizeof p, "%s/%s", path, e->d_name);
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(p);
			else
				unlink(p);
		}
		closedir(dh);
	}
	rmdir(path);
}

/* 1 when path does not exist or is an empty directory, 0 when it has something, -1 when it is
 * not a directory. */
static int absent_or_empty(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? 1 : -1;
	if (!S_ISDIR(st.st_mode))
		return -1;
	DIR *dh = opendir(path);
	if (!dh)
		return -1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(dh);
	return empty;
}

int backup_sha256_file(const char *path, char hex[65], int64_t *size)
{
	long long n = 0;
	int rc = crypto_digest_file_hex(CRYPTO_DEFAULT, path, hex, &n);
	if (rc == 0 && size)
		*size = n;
	return rc;
}

/* Appends {path, size, sha256} for every regular file under root/rel to files, except the
 * manifest and the key bundle (which the passphrase authenticates). */
static int list_files(const char *root, const char *rel, json_t *files)
{
	char dir[1200];
	snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		char r[1200], p[2400];
		snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", nm);
		snprintf(p, sizeof p, "%s/%s", root, r);
		struct stat st;
		if (rc || !strcmp(nm, ".") || !strcmp(nm, "..") || (!*rel && (!strcmp(nm, "manifest.json") ||
									       !strcmp(nm, "keys.sealed"))) ||
		    lstat(p, &st) != 0)
			;
		else if (S_ISDIR(st.st_mode))
			rc = list_files(root, r, files);
		else if (S_ISREG(st.st_mode)) {
			char hex[65];
			int64_t size;
			if (backup_sha256_file(p, hex, &size) != 0)
				rc = -1;
			else
				json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", r, "size", (json_int_t)size,
								       "sha256", hex));
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- passphrase ---- */

/* The operator's passphrase: FCMS_BACKUP_PASSPHRASE, else asked on the terminal without echo
 * (twice when confirm). 0, or -1 after saying why. */
static int get_passphrase(bool confirm, char *out, size_t n)
{
	const char *env = getenv("FCMS_BACKUP_PASSPHRASE");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty) {
		fprintf(stderr, "备份口令：请设置 FCMS_BACKUP_PASSPHRASE，或在终端上运行以便输入 / no passphrase: set "
				"FCMS_BACKUP_PASSPHRASE or run on a terminal\n");
		return -1;
	}
	struct termios old, quiet;
	bool restore = tcgetattr(fileno(tty), &old) == 0;
	for (int round = 0; round < (confirm ? 2 : 1); round++) {
		char buf[512] = "";
		fprintf(tty, round ? "再次输入备份口令 / repeat: " : "备份口令 / backup passphrase: ");
		fflush(tty);
		if (restore) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		}
		char *got = fgets(buf, sizeof buf, tty);
		if (restore)
			tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fprintf(tty, "\n");
		buf[strcspn(buf, "\r\n")] = '\0';
		if (!got) {
			fclose(tty);
			return -1;
		}
		if (round == 0)
			snprintf(out, n, "%s", buf);
		else if (strcmp(out, buf) != 0) {
			crypto_wipe(buf, sizeof buf);
			fclose(tty);
			fprintf(stderr, "两次输入的备份口令不一致 / the passphrases differ\n");
			return -1;
		}
		crypto_wipe(buf, sizeof buf);
	}
	fclose(tty);
	return 0;
}

/* ---- the sealed key bundle ---- */

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}


int backup_bundle_seal(const struct backup_file *files, int n, const char *passphrase, const unsigned char ad[32],
		       unsigned long long ops, size_t mem, unsigned char **out, size_t *outlen)
{
	*out = NULL;
	unsigned long long dops;
	size_t dmem;
	crypto_bundle_defaults(&dops, &dmem);
	if (!ops)
		ops = dops;
	if (!mem)
		mem = dmem;
	size_t plen = 0;
	for (int i = 0; i < n; i++)
		plen += 2 + strlen(files[i].name) + 4 + files[i].len;
	unsigned char *plain = crypto_secret_alloc(plen ? plen : 1);
	size_t total = HEADER_LEN + plen + CRYPTO_BUNDLE_TAG;
	unsigned char *buf = malloc(total);
	if (!plain || !buf) {
		crypto_secret_free(plain);
		free(buf);
		return -1;
	}
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		size_t nl = strlen(files[i].name);
		plain[o++] = (unsigned char)(nl & 0xff);
		plain[o++] = (unsigned char)(nl >> 8);
		memcpy(plain + o, files[i].name, nl);
		o += nl;
		for (int b = 0; b < 4; b++)
			plain[o++] = (unsigned char)(files[i].len >> (8 * b));
		memcpy(plain + o, files[i].data, files[i].len);
		o += files[i].len;
	}
	memcpy(buf, MAGIC, MAGIC_LEN);
	put_u64(buf + MAGIC_LEN, ops);
	put_u64(buf + MAGIC_LEN + 8, mem);
	unsigned char *salt = buf + MAGIC_LEN + 16, *nonce = salt + SALT_LEN;
	crypto_random_bytes(salt, SALT_LEN);
	crypto_random_bytes(nonce, NONCE_LEN);
	unsigned char adbuf[HEADER_LEN + 32];
	memcpy(adbuf, buf, HEADER_LEN);
	memcpy(adbuf + HEADER_LEN, ad, 32);
	unsigned char key[32];
	int rc = -1;
	if (crypto_bundle_key(passphrase, salt, ops, mem, key) == 0) {
		crypto_bundle_encrypt(key, nonce, adbuf, sizeof adbuf, plain, plen, buf + HEADER_LEN);
		*outlen = HEADER_LEN + plen + CRYPTO_BUNDLE_TAG;
		*out = buf;
		rc = 0;
	}
	crypto_wipe(key, sizeof key);
	crypto_secret_free(plain);
	if (rc != 0)
		free(buf);
	return rc;
}

void backup_files_free(struct backup_file *files, int n)
{
	for (int i = 0; files && i < n; i++) {
		if (files[i].data)
			crypto_wipe(files[i].data, files[i].len);
		free(files[i].data);
	}
	free(files);
}

int backup_bundle_open(const unsigned char *in, size_t len, const char *passphrase, const unsigned char ad[32],
		       struct backup_file **files, int *n)
{
	*files = NULL;
	*n = 0;
	if (len < HEADER_LEN + CRYPTO_BUNDLE_TAG || memcmp(in, MAGIC, MAGIC_LEN) != 0)
		return -2;
	uint64_t ops = get_u64(in + MAGIC_LEN), mem = get_u64(in + MAGIC_LEN + 8);
	if (!crypto_bundle_limits_ok(ops, mem))
		return -2;
	const unsigned char *salt = in + MAGIC_LEN + 16, *nonce = salt + SALT_LEN;
	unsigned char adbuf[HEADER_LEN + 32];
	memcpy(adbuf, in, HEADER_LEN);
	memcpy(adbuf + HEADER_LEN, ad, 32);
	size_t clen = len - HEADER_LEN;
	unsigned char *plain = crypto_secret_alloc(clen);
	unsigned char key[32];
	if (!plain)
		return -2;
	size_t plen;
	if (crypto_bundle_key(passphrase, salt, ops, (size_t)mem, key) != 0 ||
	    crypto_bundle_decrypt(key, nonce, adbuf, sizeof adbuf, in + HEADER_LEN, clen, plain, &plen) != 0) {
		crypto_wipe(key, sizeof key);
		crypto_secret_free(plain);
		return -1;
	}
	crypto_wipe(key, sizeof key);
	struct backup_file *f = calloc(MAX_KEY_FILES, sizeof *f);
	int k = 0, rc = f ? 0 : -2;
	for (size_t o = 0; rc == 0 && o < plen; k++) {
		size_t nl;
		if (k >= MAX_KEY_FILES || o + 2 > plen || (nl = (size_t)plain[o] | (size_t)plain[o + 1] << 8) == 0 ||
		    nl >= sizeof f[k].name || o + 2 + nl + 4 > plen) {
			rc = -2;
			break;
		}
		memcpy(f[k].name, plain + o + 2, nl);
		o += 2 + nl;
		size_t dl = 0;
		for (int b = 0; b < 4; b++)
			dl |= (size_t)plain[o + b] << (8 * b);
		o += 4;
		if (dl > plen - o || memchr(f[k].name, '/', nl) || !(f[k].data = malloc(dl ? dl : 1))) {
			rc = -2;
			break;
		}
		memcpy(f[k].data, plain + o, dl);
		f[k].len = dl;
		o += dl;
	}
	crypto_secret_free(plain);
	if (rc != 0) {
		backup_files_free(f, MAX_KEY_FILES);
		return rc;
	}
	*files = f;
	*n = k;
	return 0;
}

/* Reads every regular file of keys_dir into files (adding to or replacing what is there: the
 * second read of a backup wins). Returns the new count or -1. */
static int read_keys_dir(const char *keys_dir, struct backup_file *files, int n)
{
	DIR *dh = opendir(keys_dir);
	if (!dh) {
		fprintf(stderr, "backup: cannot read %s: %s\n", keys_dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(dh))) {
		char p[1200];
		snprintf(p, sizeof p, "%s/%s", keys_dir, e->d_name);
		struct stat st;
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof files[0].name || strstr(e->d_name, ".tmp") ||
		    lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		unsigned char *data;
		size_t len;
		if (read_file(p, &data, &len, MAX_KEY_FILE_BYTES) != 0) {
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "backup: cannot read %s\n", p);
			closedir(dh);
			return -1;
		}
		int k = 0;
		while (k < n && strcmp(files[k].name, e->d_name) != 0)
			k++;
		if (k == n) {
			if (n >= MAX_KEY_FILES) {
				free(data);
				closedir(dh);
				return -1;
			}
			memcpy(files[n++].name, e->d_name, strlen(e->d_name) + 1); /* length checked above */
		} else {
			crypto_wipe(files[k].data, files[k].len);
			free(files[k].data);
		}
		files[k].data = data;
		files[k].len = len;
	}
	closedir(dh);
	return n;
}

static bool has_file(const struct backup_file *files, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(files[i].name, name))
			return true;
	return false;
}

/* Every key id the rows use (usage object) and the current id has its key file in files; else
 * names the first missing one in missing. */
static bool keys_cover(const struct backup_file *files, int n, json_t *usage, const char *current, char *missing,
		       size_t mlen)
{
	const char *kid;
	json_t *v;
	char name[64];
	json_object_foreach(usage, kid, v)
	{
		snprintf(name, sizeof name, "pii-%s.key", kid);
		if (!has_file(files, n, name)) {
			snprintf(missing, mlen, "%s", kid);
			return false;
		}
	}
	if (current && *current) {
		snprintf(name, sizeof name, "pii-%s.key", current);
		if (!has_file(files, n, name)) {
			snprintf(missing, mlen, "%s", current);
			return false;
		}
	}
	if (!has_file(files, n, "bidx.key")) {
		snprintf(missing, mlen, "bidx");
		return false;
	}
	return true;
}

/* A key file of the bundle as a NUL-terminated string (malloc'd), or NULL. */
static char *bundle_text(const struct backup_file *files, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(files[i].name, name) != 0)
			continue;
		char *t = malloc(files[i].len + 1);
		if (t) {
			memcpy(t, files[i].data, files[i].len);
			t[files[i].len] = '\0';
		}
		return t;
	}
	return NULL;
}

/* Writes DIR/manifest.sig: the base64 signature of manifest.json's bytes by the profile's
 * signing key (sign-<profile>.key among files). A receiver checks it with the public key
 * (`fcms keys public`); for gm: base64 -d manifest.sig > s.der; openssl dgst -sm3 -verify
 * pub.pem -sigopt distid:1234567812345678 -signature s.der manifest.json. 0 or -1. */
static int sign_manifest(const struct backup_file *files, int n, enum crypto_profile p, const char *text,
			 const char *dir)
{
	char name[64], path[1300];
	snprintf(name, sizeof name, "sign-%s.key", crypto_profile_name(p));
	char *secret = bundle_text(files, n, name), *sig = NULL;
	int rc = secret ? crypto_sig_sign(p, secret, text, strlen(text), &sig) : -1;
	if (secret) {
		crypto_wipe(secret, strlen(secret));
		free(secret);
	}
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/manifest.sig", dir);
		rc = write_file(path, sig, strlen(sig), 0644);
	}
	free(sig);
	return rc;
}

/* The manifest's signature against the public key in the bundle, when the manifest says it was
 * signed. 0 (verified or not signed), or -1 after saying why. */
static int check_manifest_signature(const char *dir, json_t *manifest, const unsigned char *text, size_t tlen,
				    const struct backup_file *files, int n)
{
	enum crypto_profile p;
	const char *signed_with = json_string_value(json_object_get(manifest, "signed_with"));
	if (!signed_with)
		return 0;
	char name[64], path[1300];
	unsigned char *sig = NULL;
	size_t slen = 0;
	snprintf(name, sizeof name, "sign-%s.pub", signed_with);
	snprintf(path, sizeof path, "%s/manifest.sig", dir);
	char *pub = crypto_profile_parse(signed_with, &p) == 0 ? bundle_text(files, n, name) : NULL;
	bool ok = pub && read_file(path, &sig, &slen, 4096) == 0;
	if (ok) {
		sig[slen] = '\0';
		sig[strcspn((char *)sig, "\r\n")] = '\0';
		ok = crypto_sig_verify(p, pub, text, tlen, (const char *)sig);
	}
	free(pub);
	free(sig);
	if (!ok)
		fprintf(stderr, "恢复失败：备份清单的签名缺失或验证不通过（%s）；未写入任何内容 / restore: manifest.sig is "
				"missing or does not verify with the %s signing key; nothing was written\n",
			signed_with, signed_with);
	return ok ? 0 : -1;
}

static void iso_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- backup ---- */

int backup_create(const struct backup_opts *o)
{
	if (absent_or_empty(o->dir) != 1) {
		fprintf(stderr, "backup: %s exists and is not an empty directory; choose a new one\n", o->dir);
		return 2;
	}
	char pass[512];
	if (get_passphrase(true, pass, sizeof pass) != 0)
		return 1;
	if (strlen(pass) < BACKUP_MIN_PASSPHRASE) {
		crypto_wipe(pass, sizeof pass);
		fprintf(stderr, "备份口令至少 %d 个字符 / the backup passphrase needs at least %d characters\n",
			BACKUP_MIN_PASSPHRASE, BACKUP_MIN_PASSPHRASE);
		return 2;
	}
	bool pg = strncmp(o->db_url, "sqlite:", 7) != 0;
	char staging[1100], path[1300], keys_dir[1100];
	snprintf(staging, sizeof staging, "%s.partial-%ld", o->dir, (long)getpid());
	snprintf(keys_dir, sizeof keys_dir, "%s/keys", o->data_dir);
	struct backup_file *keys = calloc(MAX_KEY_FILES, sizeof *keys);
	int nkeys = 0, rc = 1;
	struct store_snapshot *snap = NULL;
	struct store_backup_facts facts = {0};
	json_t *manifest = NULL;
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char current[64] = "";
	enum crypto_profile profile = CRYPTO_DEFAULT;
	if (!keys || mkdir(staging, 0700) != 0) {
		fprintf(stderr, "backup: cannot create %s: %s\n", staging, strerror(errno));
		free(keys);
		crypto_wipe(pass, sizeof pass);
		return 1;
	}
	uint64_t t0 = mono_ns();
	/* Keys before and after the snapshot: a key made current meanwhile is caught by the second
	 * read, a key retired meanwhile by the first; the check below proves the union suffices. */
	if ((nkeys = read_keys_dir(keys_dir, keys, 0)) < 0)
		goto out;
	snprintf(path, sizeof path, "%s/%s", staging, pg ? "fcms.pgdump" : "fcms.db");
	if (store_backup_take(o->db_url, path, &snap) != 0) {
		fprintf(stderr, "backup: the database snapshot failed\n");
		goto out;
	}
	chmod(path, 0600);
	struct db *d = store_snapshot_db(snap);
	if (store_backup_facts(d, &facts) != DB_OK) {
		fprintf(stderr, "backup: cannot read the snapshot\n");
		goto out;
	}
	store_setting_get(d, "pii.current_key", current, sizeof current);
	if (crypto_profile_load(d, &profile) != DB_OK) {
		fprintf(stderr, "backup: cannot read the database's crypto profile\n");
		goto out;
	}
	if (strcmp(facts.integrity, "ok") != 0 && strcmp(facts.integrity, "n/a") != 0) {
		fprintf(stderr, "backup: the database copy fails integrity_check: %s\n", facts.integrity);
		goto out;
	}
	struct audit_verify_result av;
	if (audit_verify(d, &av) != DB_OK) {
		fprintf(stderr, "backup: cannot read the audit log\n");
		goto out;
	}
	store_snapshot_close(snap);
	snap = NULL;
	if (!av.ok)
		fprintf(stderr, "backup: WARNING the audit chain is broken at event %lld (%s); the backup keeps it as it is\n",
			(long long)av.first_bad_seq, av.reason);
	if ((nkeys = read_keys_dir(keys_dir, keys, nkeys)) < 0)
		goto out;
	char missing[64];
	if (!keys_cover(keys, nkeys, facts.key_usage, current, missing, sizeof missing)) {
		fprintf(stderr, "backup: the key %s that rows of the snapshot need is not in %s; nothing backed up\n",
			missing, keys_dir);
		goto out;
	}
	static const char *const folders[] = {"attachments", "exports"};
	for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
		char from[1200];
		snprintf(from, sizeof from, "%s/%s", o->data_dir, folders[i]);
		snprintf(path, sizeof path, "%s/%s", staging, folders[i]);
		if (copy_tree(from, path) != 0) {
			fprintf(stderr, "backup: cannot copy %s\n", from);
			goto out;
		}
	}
	json_t *files = json_array(), *key_ids = json_array();
	for (int i = 0; i < nkeys; i++) {
		char id[PII_KEY_ID_SIZE];
		if (pii_key_id_from_file(keys[i].name, id))
			json_array_append_new(key_ids, json_string(id));
	}
	if (list_files(staging, "", files) != 0) {
		json_decref(files);
		json_decref(key_ids);
		fprintf(stderr, "backup: cannot hash the copied files\n");
		goto out;
	}
	char now[40];
	iso_now(now, sizeof now);
	manifest = json_pack("{s:s, s:i, s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I, s:s, s:b, s:I, s:O}, "
			     "s:{s:s, s:s, s:s, s:o, s:s}, s:o}",
			     "format", "fcms-backup", "format_version", BACKUP_FORMAT_VERSION, "fcms_version", o->version,
			     "created_at", now, "backend", pg ? "postgresql" : "sqlite", "database", "file",
			     pg ? "fcms.pgdump" : "fcms.db", "integrity", facts.integrity, "audit_events",
			     (json_int_t)facts.audit_events, "audit_head_seq", (json_int_t)facts.audit_head_seq,
			     "audit_head_hash", facts.audit_head_hash, "audit_chain_ok", av.ok, "complaints",
			     (json_int_t)facts.complaints, "key_usage", facts.key_usage, "keys", "file", "keys.sealed",
			     "kdf", CRYPTO_BUNDLE_KDF, "cipher", CRYPTO_BUNDLE_CIPHER, "key_ids", key_ids, "current",
			     current, "files", files);
	if (!manifest)
		goto out;
	/* Signed when the profile has a signing key (gm databases from init or a profile move): the
	 * manifest says so, and the passphrase authenticates the manifest, so a dropped manifest.sig
	 * is seen. */
	char sign_name[64];
	snprintf(sign_name, sizeof sign_name, "sign-%s.key", crypto_profile_name(profile));
	bool signing = has_file(keys, nkeys, sign_name);
	json_object_set_new(manifest, "signed_with", signing ? json_string(crypto_profile_name(profile)) : json_null());
	char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
	snprintf(path, sizeof path, "%s/manifest.json", staging);
	if (!text || write_file(path, text, strlen(text), 0600) != 0) {
		free(text);
		fprintf(stderr, "backup: cannot write %s\n", path);
		goto out;
	}
	if (signing && sign_manifest(keys, nkeys, profile, text, staging) != 0) {
		free(text);
		fprintf(stderr, "backup: cannot sign the manifest\n");
		goto out;
	}
	unsigned char mh[32];
	crypto_digest(CRYPTO_DEFAULT, text, strlen(text), mh);
	free(text);
	if (backup_bundle_seal(keys, nkeys, pass, mh, 0, 0, &sealed, &sealed_len) != 0) {
		fprintf(stderr, "backup: sealing the keys failed (out of memory for Argon2id?)\n");
		goto out;
	}
	snprintf(path, sizeof path, "%s/keys.sealed", staging);
	if (write_file(path, sealed, sealed_len, 0600) != 0) {
		fprintf(stderr, "backup: cannot write %s\n", path);
		goto out;
	}
	fsync_dir(staging);
	rmdir(o->dir); /* an empty target is replaced */
	if (rename(staging, o->dir) != 0) {
		fprintf(stderr, "backup: cannot rename %s to %s: %s\n", staging, o->dir, strerror(errno));
		goto out;
	}
	printf("backup written to %s: %s, %lld complaints, audit head %lld, %zu files, %d key files sealed (%.1f s)\n",
	       o->dir, pg ? "postgresql" : "sqlite", (long long)facts.complaints, (long long)facts.audit_head_seq,
	       json_array_size(json_object_get(manifest, "files")), nkeys, (double)(mono_ns() - t0) / 1e9);
	rc = 0;
out:
	if (snap)
		store_snapshot_close(snap);
	if (rc != 0)
		rm_tree(staging);
	json_decref(facts.key_usage);
	json_decref(manifest);
	free(sealed);
	backup_files_free(keys, MAX_KEY_FILES);
	crypto_wipe(pass, sizeof pass);
	return rc;
}

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

/* Everything that needs no database: the manifest, every file's hash, the passphrase and the
 * keys the rows need. 0, or 1 after saying what is wrong. Writes nothing. */
static int load_backup(const char *dir, struct loaded *l)
{
	memset(l, 0, sizeof *l);
	char path[1300];
	unsigned char *text = NULL, *sealed = NULL;
	size_t tlen, slen;
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	if (read_file(path, &text, &tlen, 64 << 20) != 0) {
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
	size_t i;
	json_t *f;
	bool has_db = false;
	json_array_foreach(json_object_get(l->manifest, "files"), i, f)
	{
		const char *rel = json_string_value(json_object_get(f, "path"));
		const char *want = json_string_value(json_object_get(f, "sha256"));
		if (!rel || !want || strstr(rel, "..") || rel[0] == '/') {
			fprintf(stderr, "restore: the manifest names a bad path\n");
			goto fail;
		}
		char hex[65];
		int64_t size;
		snprintf(path, sizeof path, "%s/%s", dir, rel);
		if (backup_sha256_file(path, hex, &size) != 0) {
			fprintf(stderr, "restore: %s listed in the manifest is missing\n", rel);
			goto fail;
		}
		if (strcmp(hex, want) != 0 || size != json_integer_value(json_object_get(f, "size"))) {
			fprintf(stderr, "restore: %s was altered (SHA-256 does not match the manifest)\n", rel);
			goto fail;
		}
		if (!strcmp(rel, l->db_file))
			has_db = true;
	}
	if (!has_db) {
		fprintf(stderr, "restore: the manifest lists no database file %s\n", l->db_file);
		goto fail;
	}
	snprintf(path, sizeof path, "%s/keys.sealed", dir);
	if (read_file(path, &sealed, &slen, 1 << 20) != 0) {
		fprintf(stderr, "恢复失败：备份中没有密钥文件 keys.sealed，没有它投诉人身份信息无法解密；未写入任何内容 / "
				"restore: the key file keys.sealed is missing from %s; without it no complainant identity "
				"can be opened; nothing was written\n",
			dir);
		goto fail;
	}
	char pass[512];
	if (get_passphrase(false, pass, sizeof pass) != 0)
		goto fail;
	unsigned char mh[32];
	crypto_digest(CRYPTO_DEFAULT, text, tlen, mh);
	int orc = backup_bundle_open(sealed, slen, pass, mh, &l->keys, &l->nkeys);
	crypto_wipe(pass, sizeof pass);
	if (orc == -1) {
		fprintf(stderr, "恢复失败：备份口令错误，或 keys.sealed / manifest.json 被改动；未写入任何内容 / restore: wrong "
				"passphrase, or keys.sealed or manifest.json was altered; nothing was written\n");
		goto fail;
	}
	if (orc != 0) {
		fprintf(stderr, "restore: keys.sealed is not a key bundle of a known format\n");
		goto fail;
	}
	if (check_manifest_signature(dir, l->manifest, text, tlen, l->keys, l->nkeys) != 0)
		goto fail;
	json_t *db = json_object_get(l->manifest, "database");
	char missing[64];
	if (!keys_cover(l->keys, l->nkeys, json_object_get(db, "key_usage"),
			json_string_value(json_object_get(json_object_get(l->manifest, "keys"), "current")), missing,
			sizeof missing)) {
		fprintf(stderr, "restore: the key %s that rows need is not in keys.sealed\n", missing);
		goto fail;
	}
	free(text);
	free(sealed);
	return 0;
fail:
	free(text);
	free(sealed);
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
		if (tmp && copy_file(path, url) == 0) {
			char u[1500];
			snprintf(u, sizeof u, "sqlite:%s", url);
			rc = check_database(u, &l, "verify");
		}
		if (tmp)
			rm_tree(tmp);
	}
	if (rc == 0)
		printf("backup %s verified\n", o->dir);
	loaded_free(&l);
	return rc;
}

int backup_restore(const struct backup_opts *o)
{
	int empty = absent_or_empty(o->target_data);
	if (empty != 1) {
		fprintf(stderr, "restore: %s is not empty; restore only into a new data directory\n", o->target_data);
		return 2;
	}
	struct loaded l;
	if (load_backup(o->dir, &l) != 0)
		return 1;
	int rc = 1;
	if (l.pg != (o->target_db != NULL)) {
		fprintf(stderr, l.pg ? "restore: a PostgreSQL backup needs --db postgresql://... (an empty database)\n"
				     : "restore: a SQLite backup restores into the data directory; drop --db\n");
		loaded_free(&l);
		return 2;
	}
	if (l.pg && store_backup_target_empty(o->target_db) != 1) {
		fprintf(stderr, "restore: the target database is unreachable or not empty; nothing was written\n");
		loaded_free(&l);
		return 1;
	}
	char staging[1100], path[1300], from[1300];
	snprintf(staging, sizeof staging, "%s.restore-%ld", o->target_data, (long)getpid());
	if (mkdir(staging, 0700) != 0) {
		fprintf(stderr, "restore: cannot create %s: %s\n", staging, strerror(errno));
		loaded_free(&l);
		return 1;
	}
	snprintf(path, sizeof path, "%s/keys", staging);
	if (mkdir(path, 0700) != 0)
		goto out;
	for (int i = 0; i < l.nkeys; i++) {
		snprintf(path, sizeof path, "%s/keys/%s", staging, l.keys[i].name);
		if (write_file(path, l.keys[i].data, l.keys[i].len, 0600) != 0) {
			fprintf(stderr, "restore: cannot write %s\n", path);
			goto out;
		}
	}
	snprintf(path, sizeof path, "%s/keys", staging);
	fsync_dir(path);
	static const char *const folders[] = {"attachments", "exports"};
	for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
		snprintf(from, sizeof from, "%s/%s", o->dir, folders[i]);
		snprintf(path, sizeof path, "%s/%s", staging, folders[i]);
		if (copy_tree(from, path) != 0) {
			fprintf(stderr, "restore: cannot copy %s\n", from);
			goto out;
		}
	}
	snprintf(from, sizeof from, "%s/%s", o->dir, l.db_file);
	char url[1400];
	if (l.pg) {
		if (store_backup_pg_load(o->target_db, from) != 0) {
			fprintf(stderr, "restore: pg_restore failed; the target database was left as it was (one "
					"transaction)\n");
			goto out;
		}
		snprintf(url, sizeof url, "%s", o->target_db);
	} else {
		snprintf(path, sizeof path, "%s/fcms.db", staging);
		if (copy_file(from, path) != 0) {
			fprintf(stderr, "restore: cannot copy the database\n");
			goto out;
		}
		snprintf(url, sizeof url, "sqlite:%s", path);
	}
	if (check_database(url, &l, "restore") != 0)
		goto out;
	fsync_dir(staging);
	rmdir(o->target_data);
	if (rename(staging, o->target_data) != 0) {
		fprintf(stderr, "restore: cannot rename %s to %s: %s\n", staging, o->target_data, strerror(errno));
		goto out;
	}
	printf("restored into %s%s%s; start it with: fcms serve --data %s%s%s\n", o->target_data,
	       l.pg ? " and " : "", l.pg ? "the target database" : "", o->target_data, l.pg ? " --db " : "",
	       l.pg ? "URL" : "");
	rc = 0;
out:
	if (rc != 0)
		rm_tree(staging);
	loaded_free(&l);
	return rc;
}
