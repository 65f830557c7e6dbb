/* Backup (see backup.h): the sealed key bundle (Argon2id + XChaCha20-Poly1305, bound to the
 * manifest's hash), reading a data directory's keys, checking that they cover the keys the rows
 * use, and the manifest's signature with the profile's signing key. */
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

#define MAGIC "FCMSKEY1"
#define MAGIC_LEN 8
#define SALT_LEN CRYPTO_BUNDLE_SALT
#define NONCE_LEN CRYPTO_BUNDLE_NONCE
#define HEADER_LEN (MAGIC_LEN + 8 + 8 + SALT_LEN + NONCE_LEN)
#define MAX_KEY_FILE_BYTES 4096

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
int backup_read_keys_dir(const char *keys_dir, struct backup_file *files, int n)
{
	assert(n >= 0 && n <= MAX_KEY_FILES);
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
		if (backup_read_file(p, &data, &len, MAX_KEY_FILE_BYTES) != 0) {
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

bool backup_has_file(const struct backup_file *files, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(files[i].name, name))
			return true;
	return false;
}

/* Every key id the rows use (usage object) and the current id has its key file in files; else
 * names the first missing one in missing. */
bool backup_keys_cover(const struct backup_file *files, int n, json_t *usage, const char *current, char *missing,
		       size_t mlen)
{
	const char *kid;
	json_t *v;
	char name[64];
	json_object_foreach(usage, kid, v)
	{
		snprintf(name, sizeof name, "pii-%s.key", kid);
		if (!backup_has_file(files, n, name)) {
			snprintf(missing, mlen, "%s", kid);
			return false;
		}
	}
	if (current && *current) {
		snprintf(name, sizeof name, "pii-%s.key", current);
		if (!backup_has_file(files, n, name)) {
			snprintf(missing, mlen, "%s", current);
			return false;
		}
	}
	if (!backup_has_file(files, n, "bidx.key")) {
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
int backup_sign_manifest(const struct backup_file *files, int n, enum crypto_profile p, const char *text,
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
		rc = backup_write_file(path, sig, strlen(sig), 0644);
	}
	free(sig);
	return rc;
}

/* The manifest's signature against the public key in the bundle, when the manifest says it was
 * signed. 0 (verified or not signed), or -1 after saying why. */
int backup_check_manifest_signature(const char *dir, json_t *manifest, const unsigned char *text, size_t tlen,
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
	bool ok = pub && backup_read_file(path, &sig, &slen, 4096) == 0;
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
