/* PII keys, sealing, blind indexes and masks (see pii.h). */
#include "domain/pii.h"
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Rotation (domain/key_rotation.c) adds keys while the server runs; a slot once published is
 * never changed, so readers walk keys[0..nkeys) without a lock. */
#define MAX_KEYS 64
#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

struct key {
	char id[9];
	unsigned char k[KEY_BYTES];
};
static struct key keys[MAX_KEYS];
static atomic_int nkeys;
static int current = -1;
static unsigned char bidx_key[crypto_auth_hmacsha256_KEYBYTES];
static char keys_dir[600];
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

static int read_exact(const char *path, unsigned char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = read(fd, buf, n);
	close(fd);
	return got == (ssize_t)n ? 0 : -1;
}

static int write_new(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, buf, n);
	int rc = (w == (ssize_t)n && fsync(fd) == 0) ? 0 : -1;
	close(fd);
	return rc;
}

static void key_id_of(const unsigned char *k, char out[9])
{
	unsigned char h[4];
	crypto_generichash(h, sizeof h, k, KEY_BYTES, (const unsigned char *)"fcms-pii-key-id", 15);
	sodium_bin2hex(out, 9, h, sizeof h);
}

static int find_key(const char *id)
{
	int n = atomic_load_explicit(&nkeys, memory_order_acquire);
	for (int i = 0; id && i < n; i++)
		if (strcmp(keys[i].id, id) == 0)
			return i;
	return -1;
}

/* Loads the key files of keys_dir not loaded yet (new ones appear when a key is rotated). */
static int load_new_keys(void)
{
	pthread_mutex_lock(&load_mu);
	DIR *dh = opendir(keys_dir);
	if (!dh) {
		pthread_mutex_unlock(&load_mu);
		return -1;
	}
	struct dirent *e;
	int n = atomic_load(&nkeys);
	while ((e = readdir(dh)) && n < MAX_KEYS) {
		char id[9], path[900];
		if (sscanf(e->d_name, "pii-%8[0-9a-f].key", id) != 1 || strlen(e->d_name) != 16 || find_key(id) >= 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", keys_dir, e->d_name);
		if (read_exact(path, keys[n].k, KEY_BYTES) != 0)
			continue;
		key_id_of(keys[n].k, keys[n].id);
		if (strcmp(keys[n].id, id) != 0) {
			fprintf(stderr, "pii: key file %s does not match its name\n", e->d_name);
			sodium_memzero(&keys[n], sizeof keys[n]);
			continue;
		}
		atomic_store_explicit(&nkeys, ++n, memory_order_release);
	}
	closedir(dh);
	pthread_mutex_unlock(&load_mu);
	return 0;
}

/* The key with this id, loading new key files once when it is not known yet; -1 if none. */
static int key_for(const char *id)
{
	int k = find_key(id);
	if (k < 0 && id && keys_dir[0]) {
		load_new_keys();
		k = find_key(id);
	}
	return k;
}

int pii_init(const char *data_dir)
{
	char dir[600], path[900];
	snprintf(dir, sizeof dir, "%s/keys", data_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "pii: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	chmod(dir, 0700);
	snprintf(path, sizeof path, "%s/bidx.key", dir);
	if (read_exact(path, bidx_key, sizeof bidx_key) != 0) {
		randombytes_buf(bidx_key, sizeof bidx_key);
		if (write_new(path, bidx_key, sizeof bidx_key) != 0 &&
		    read_exact(path, bidx_key, sizeof bidx_key) != 0) {
			fprintf(stderr, "pii: cannot create %s\n", path);
			return -1;
		}
	}
	char cur[16] = "";
	snprintf(path, sizeof path, "%s/current", dir);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(cur, sizeof cur, f))
			cur[0] = '\0';
		fclose(f);
		cur[strcspn(cur, "\r\n")] = '\0';
	}
	if (!cur[0]) {
		unsigned char k[KEY_BYTES];
		crypto_aead_xchacha20poly1305_ietf_keygen(k);
		key_id_of(k, cur);
		char kp[900];
		snprintf(kp, sizeof kp, "%s/pii-%s.key", dir, cur);
		if (write_new(kp, k, sizeof k) != 0 || write_new(path, cur, strlen(cur)) != 0) {
			sodium_memzero(k, sizeof k);
			fprintf(stderr, "pii: cannot create the encryption key in %s\n", dir);
			return -1;
		}
		sodium_memzero(k, sizeof k);
	}
	snprintf(keys_dir, sizeof keys_dir, "%s", dir);
	atomic_store(&nkeys, 0);
	current = -1;
	if (load_new_keys() != 0)
		return -1;
	current = find_key(cur);
	if (current < 0) {
		fprintf(stderr, "pii: the current key %s is missing from %s\n", cur, dir);
		return -1;
	}
	return 0;
}

void pii_shutdown(void)
{
	pthread_mutex_lock(&load_mu);
	sodium_memzero(keys, sizeof keys);
	sodium_memzero(bidx_key, sizeof bidx_key);
	atomic_store(&nkeys, 0);
	current = -1;
	keys_dir[0] = '\0';
	pthread_mutex_unlock(&load_mu);
}

const char *pii_key_id(void)
{
	return current >= 0 ? keys[current].id : "";
}

char *pii_encrypt(const char *plaintext)
{
	return current >= 0 ? pii_encrypt_with(keys[current].id, plaintext) : NULL;
}

char *pii_encrypt_with(const char *key_id, const char *plaintext)
{
	int kx = key_for(key_id);
	if (kx < 0)
		return NULL;
	size_t mlen = strlen(plaintext);
	size_t clen = NONCE_BYTES + mlen + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned char *buf = malloc(clen);
	if (!buf)
		return NULL;
	randombytes_buf(buf, NONCE_BYTES);
	unsigned long long outlen;
	crypto_aead_xchacha20poly1305_ietf_encrypt(buf + NONCE_BYTES, &outlen, (const unsigned char *)plaintext,
						   mlen, (const unsigned char *)keys[kx].id, 8, NULL, buf,
						   keys[kx].k);
	size_t b64len = sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(b64len);
	if (out)
		sodium_bin2base64(out, b64len, buf, clen, sodium_base64_VARIANT_ORIGINAL);
	free(buf);
	return out;
}

char *pii_decrypt(const char *key_id, const char *sealed)
{
	int k = sealed ? key_for(key_id) : -1;
	if (k < 0)
		return NULL;
	size_t max = strlen(sealed);
	unsigned char *bin = malloc(max + 1);
	size_t blen;
	if (!bin || sodium_base642bin(bin, max, sealed, max, NULL, &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen < NONCE_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
		free(bin);
		return NULL;
	}
	char *out = malloc(blen);
	unsigned long long mlen;
	if (!out || crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL, bin + NONCE_BYTES,
								blen - NONCE_BYTES, (const unsigned char *)keys[k].id, 8,
								bin, keys[k].k) != 0) {
		free(bin);
		free(out);
		return NULL;
	}
	out[mlen] = '\0';
	free(bin);
	return out;
}

void pii_blind_index(enum pii_kind kind, const char *value, char out[33])
{
	char norm[256];
	size_t n = 0;
	const char *s = value ? value : "";
	while (isspace((unsigned char)*s))
		s++;
	for (; *s && n < sizeof norm - 1; s++) {
		unsigned char c = (unsigned char)*s;
		if (kind == PII_PHONE) {
			if (isdigit(c))
				norm[n++] = (char)c;
		} else if (kind == PII_ID_NO) {
			if (!isspace(c))
				norm[n++] = (char)toupper(c);
		} else {
			norm[n++] = (char)c;
		}
	}
	while (kind == PII_NAME && n && isspace((unsigned char)norm[n - 1]))
		n--;
	if (n == 0) {
		out[0] = '\0';
		return;
	}
	/* Domain-separate the kinds so equal strings of different kinds do not link. */
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, bidx_key, sizeof bidx_key);
	unsigned char tag = (unsigned char)kind;
	crypto_auth_hmacsha256_update(&st, &tag, 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)norm, n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 33, mac, 16);
	sodium_memzero(norm, sizeof norm);
}

/* Byte length of the UTF-8 character starting at s. */
static size_t u8len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static size_t u8count(const char *s)
{
	size_t n = 0;
	for (; *s; s += u8len(s))
		n++;
	return n;
}

/* Keeps the first `head` and last `tail` characters and stars the rest. A value too short to
 * hide more characters than that shows (a 9-character passport number, an 8-digit
 * phone) shows at most a third of its characters instead: E12345678 -> E1******8. */
static void mask_middle(const char *v, size_t head, size_t tail, bool short_rule, char *out, size_t n)
{
	size_t chars = u8count(v), o = 0;
	if (short_rule && chars <= 2 * (head + tail)) {
		size_t budget = chars / 3;
		tail = tail < budget / 2 ? tail : budget / 2;
		head = head < budget - tail ? head : budget - tail;
	} else if (head + tail >= chars) { /* a one-character name shows nothing */
		head = chars > 1 ? 1 : 0;
		tail = 0;
	}
	size_t i = 0;
	for (const char *s = v; *s && o + 5 < n; i++) {
		size_t l = u8len(s);
		if (i < head || i >= chars - tail) {
			memcpy(out + o, s, l);
			o += l;
		} else {
			out[o++] = '*';
		}
		s += l;
	}
	out[o] = '\0';
}

void pii_mask(enum pii_kind kind, const char *value, char *out, size_t n)
{
	const char *v = value ? value : "";
	switch (kind) {
	case PII_NAME:
		mask_middle(v, 1, 0, false, out, n);
		break;
	case PII_ID_NO:
		mask_middle(v, 4, 4, true, out, n);
		break;
	case PII_PHONE: {
		/* A mainland mobile number keeps the customary 138****0000: its 10^4 candidates are
		 * guarded by the lookup limits (pii_lookup.h); any other number hides most digits. */
		size_t digits = strspn(v, "0123456789");
		bool mobile = digits == 11 && v[11] == '\0' && v[0] == '1';
		mask_middle(v, mobile ? 3 : 2, mobile ? 4 : 2, !mobile, out, n);
		break;
	}
	}
}

void pii_mask_address(const char *value, char *out, size_t n)
{
	const char *v = value ? value : "";
	size_t o = 0, i = 0;
	for (const char *s = v; *s && i < 6 && o + 5 < n; i++) {
		size_t l = u8len(s);
		memcpy(out + o, s, l);
		o += l;
		s += l;
	}
	if (u8count(v) > 6 && o + 7 < n) {
		memcpy(out + o, "******", 6);
		o += 6;
	}
	out[o] = '\0';
}

/* ---- key management for rotation (domain/key_rotation.c) ---- */

int pii_key_create(char out_id[9])
{
	if (!keys_dir[0])
		return -1;
	unsigned char k[KEY_BYTES];
	char id[9], path[900];
	crypto_aead_xchacha20poly1305_ietf_keygen(k);
	key_id_of(k, id);
	snprintf(path, sizeof path, "%s/pii-%s.key", keys_dir, id);
	int rc = write_new(path, k, sizeof k);
	sodium_memzero(k, sizeof k);
	if (rc != 0) {
		fprintf(stderr, "pii: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (key_for(id) < 0)
		return -1;
	memcpy(out_id, id, 9);
	return 0;
}

int pii_key_make_current(const char *key_id)
{
	int k = key_for(key_id);
	if (k < 0)
		return -1;
	char tmp[900], path[900];
	snprintf(tmp, sizeof tmp, "%s/current.tmp", keys_dir);
	snprintf(path, sizeof path, "%s/current", keys_dir);
	unlink(tmp);
	if (write_new(tmp, key_id, strlen(key_id)) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "pii: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	int dfd = open(keys_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	current = k;
	return 0;
}

bool pii_key_known(const char *key_id)
{
	return key_for(key_id) >= 0;
}

int pii_key_file_ids(char ids[][9], int max)
{
	DIR *dh = keys_dir[0] ? opendir(keys_dir) : NULL;
	if (!dh)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dh)) && n < max) {
		char id[9];
		if (sscanf(e->d_name, "pii-%8[0-9a-f].key", id) == 1 && strlen(e->d_name) == 16)
			memcpy(ids[n++], id, 9);
	}
	closedir(dh);
	return n;
}

int pii_key_remove(const char *key_id)
{
	if (current >= 0 && strcmp(keys[current].id, key_id) == 0)
		return -1;
	char path[900];
	snprintf(path, sizeof path, "%s/pii-%s.key", keys_dir, key_id);
	if (unlink(path) != 0 && errno != ENOENT)
		return -1;
	int dfd = open(keys_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
