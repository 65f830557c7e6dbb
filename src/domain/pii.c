/* PII keys, sealing, blind indexes and masks (see pii.h). */
#include "domain/pii.h"
#include "util/log.h"
#include "util/crypto.h"
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Rotation (domain/key_rotation.c) adds keys while the server runs; a slot once published is
 * never changed, so readers walk keys[0..nkeys) without a lock. */
#define MAX_KEYS 64

struct key {
	char id[PII_KEY_ID_SIZE];
	enum crypto_profile p; /* named by the id */
	unsigned char k[CRYPTO_KEY_BYTES];
};
static struct key keys[MAX_KEYS];
static atomic_int nkeys;
static int current = -1;
/* One blind-index key per profile: bidx.key (default) and bidx-gm.key (gm, created with the first
 * gm sealing key). A row's indexes are in the family of the key that sealed it. */
static const char *const bidx_file[2] = {"bidx.key", "bidx-gm.key"};
static unsigned char bidx_key[2][CRYPTO_KEY_BYTES];
static atomic_bool bidx_loaded[2];
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

bool pii_key_id_from_file(const char *name, char id[PII_KEY_ID_SIZE])
{
	size_t n = strlen(name);
	enum crypto_profile p;
	if (n < 9 || n - 8 >= PII_KEY_ID_SIZE || strncmp(name, "pii-", 4) != 0 || strcmp(name + n - 4, ".key") != 0)
		return false;
	memcpy(id, name + 4, n - 8);
	id[n - 8] = '\0';
	return crypto_key_id_profile(id, &p) == 0;
}

static int find_key(const char *id)
{
	int n = atomic_load_explicit(&nkeys, memory_order_acquire);
	for (int i = 0; id && i < n; i++)
		if (strcmp(keys[i].id, id) == 0)
			return i;
	return -1;
}

/* Loads a blind-index key file of profile p if it is there and not loaded yet (load_mu held, or
 * single-threaded start). create: make it first when missing. 0, or -1 when wanted and absent. */
static int load_bidx(enum crypto_profile p, bool create)
{
	if (atomic_load(&bidx_loaded[p]))
		return 0;
	char path[900];
	snprintf(path, sizeof path, "%s/%s", keys_dir, bidx_file[p]);
	if (read_exact(path, bidx_key[p], CRYPTO_KEY_BYTES) != 0) {
		if (!create)
			return -1;
		crypto_random_bytes(bidx_key[p], CRYPTO_KEY_BYTES);
		if (write_new(path, bidx_key[p], CRYPTO_KEY_BYTES) != 0 &&
		    read_exact(path, bidx_key[p], CRYPTO_KEY_BYTES) != 0) {
			fprintf(stderr, "pii: cannot create %s\n", path);
			return -1;
		}
	}
	atomic_store(&bidx_loaded[p], true);
	return 0;
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
		char id[PII_KEY_ID_SIZE], path[900];
		if (!pii_key_id_from_file(e->d_name, id) || find_key(id) >= 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", keys_dir, e->d_name);
		if (read_exact(path, keys[n].k, CRYPTO_KEY_BYTES) != 0)
			continue;
		crypto_key_id_profile(id, &keys[n].p);
		crypto_key_id(keys[n].p, keys[n].k, keys[n].id);
		if (strcmp(keys[n].id, id) != 0) {
			fprintf(stderr, "pii: key file %s does not match its name\n", e->d_name);
			crypto_wipe(&keys[n], sizeof keys[n]);
			continue;
		}
		if (keys[n].p == CRYPTO_GM)
			load_bidx(CRYPTO_GM, false); /* made with the first gm key (pii_key_create) */
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

/* Writes a new random key of profile p into dir; its id into id. 0 or -1. */
static int new_key_file(const char *dir, enum crypto_profile p, char id[PII_KEY_ID_SIZE])
{
	unsigned char k[CRYPTO_KEY_BYTES];
	char path[900];
	crypto_seal_keygen(k);
	crypto_key_id(p, k, id);
	snprintf(path, sizeof path, "%s/pii-%s.key", dir, id);
	int rc = write_new(path, k, sizeof k);
	crypto_wipe(k, sizeof k);
	if (rc != 0)
		fprintf(stderr, "pii: cannot write %s: %s\n", path, strerror(errno));
	return rc;
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
	snprintf(keys_dir, sizeof keys_dir, "%s", dir);
	atomic_store(&bidx_loaded[0], false);
	atomic_store(&bidx_loaded[1], false);
	if (load_bidx(CRYPTO_DEFAULT, true) != 0)
		return -1;
	char cur[32] = "";
	snprintf(path, sizeof path, "%s/current", dir);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(cur, sizeof cur, f))
			cur[0] = '\0';
		fclose(f);
		cur[strcspn(cur, "\r\n")] = '\0';
	}
	if (!cur[0] && (new_key_file(dir, CRYPTO_DEFAULT, cur) != 0 || write_new(path, cur, strlen(cur)) != 0)) {
		fprintf(stderr, "pii: cannot create the encryption key in %s\n", dir);
		return -1;
	}
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
	crypto_wipe(keys, sizeof keys);
	crypto_wipe(bidx_key, sizeof bidx_key);
	atomic_store(&bidx_loaded[0], false);
	atomic_store(&bidx_loaded[1], false);
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

/* The key's id is the associated data: a value cannot be moved under another key's id. */
char *pii_encrypt_with(const char *key_id, const char *plaintext)
{
	int kx = key_for(key_id);
	if (kx < 0)
		return NULL;
	size_t mlen = strlen(plaintext);
	size_t clen = mlen + crypto_seal_overhead(keys[kx].p);
	unsigned char *buf = malloc(clen);
	char *out = NULL;
	if (buf && crypto_seal(keys[kx].p, keys[kx].k, keys[kx].id, strlen(keys[kx].id), plaintext, mlen, buf) == 0)
		out = crypto_b64_encode(buf, clen);
	free(buf);
	return out;
}

char *pii_decrypt(const char *key_id, const char *sealed)
{
	int k = sealed ? key_for(key_id) : -1;
	if (k < 0)
		return NULL;
	size_t blen = 0, mlen = 0;
	unsigned char *bin = crypto_b64_decode(sealed, &blen);
	char *out = bin ? malloc(blen + 1) : NULL;
	if (!out || crypto_open(keys[k].p, keys[k].k, keys[k].id, strlen(keys[k].id), bin, blen,
				(unsigned char *)out, &mlen) != 0) {
		free(bin);
		free(out);
		return NULL;
	}
	out[mlen] = '\0';
	free(bin);
	return out;
}

/* The normalised value (see pii.h) into norm[256] after a one-byte kind tag; its length, 0 = empty. */
static size_t normalise(enum pii_kind kind, const char *value, char norm[256])
{
	size_t n = 1;
	const char *s = value ? value : "";
	norm[0] = (char)kind; /* domain-separates the kinds so equal strings of different kinds do not link */
	while (isspace((unsigned char)*s))
		s++;
	for (; *s && n < 255; s++) {
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
	while (kind == PII_NAME && n > 1 && isspace((unsigned char)norm[n - 1]))
		n--;
	return n > 1 ? n : 0;
}

static void blind_index(enum crypto_profile p, const char *norm, size_t n, char out[33])
{
	unsigned char mac[CRYPTO_HASH_BYTES];
	crypto_mac(p, bidx_key[p], CRYPTO_KEY_BYTES, norm, n, mac);
	crypto_hex(mac, 16, out);
}

int pii_blind_index_for(const char *key_id, enum pii_kind kind, const char *value, char out[33])
{
	char norm[256];
	enum crypto_profile p;
	out[0] = '\0';
	if (crypto_key_id_profile(key_id, &p) != 0)
		return -1;
	if (!atomic_load(&bidx_loaded[p])) {
		pthread_mutex_lock(&load_mu);
		int rc = keys_dir[0] ? load_bidx(p, false) : -1;
		pthread_mutex_unlock(&load_mu);
		if (rc != 0)
			return -1;
	}
	size_t n = normalise(kind, value, norm);
	if (n)
		blind_index(p, norm, n, out);
	crypto_wipe(norm, sizeof norm);
	return 0;
}

void pii_blind_index(enum pii_kind kind, const char *value, char out[33])
{
	if (pii_blind_index_for(pii_key_id(), kind, value, out) != 0)
		log_error("pii: no blind-index key for the current key %s", pii_key_id());
}

int pii_blind_indexes(enum pii_kind kind, const char *value, char out[2][33])
{
	char norm[256];
	size_t n = normalise(kind, value, norm);
	int k = 0;
	for (int p = 0; p < 2; p++) {
		if (!atomic_load(&bidx_loaded[p]))
			continue;
		out[k][0] = '\0';
		if (n)
			blind_index((enum crypto_profile)p, norm, n, out[k]);
		k++;
	}
	crypto_wipe(norm, sizeof norm);
	return k;
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

int pii_key_create(enum crypto_profile p, char out_id[PII_KEY_ID_SIZE])
{
	char id[PII_KEY_ID_SIZE];
	if (!keys_dir[0])
		return -1;
	pthread_mutex_lock(&load_mu);
	int rc = load_bidx(p, true);
	pthread_mutex_unlock(&load_mu);
	if (rc != 0 || new_key_file(keys_dir, p, id) != 0 || key_for(id) < 0)
		return -1;
	memcpy(out_id, id, PII_KEY_ID_SIZE);
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

int pii_key_file_ids(char ids[][PII_KEY_ID_SIZE], int max)
{
	DIR *dh = keys_dir[0] ? opendir(keys_dir) : NULL;
	if (!dh)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dh)) && n < max)
		if (pii_key_id_from_file(e->d_name, ids[n]))
			n++;
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

const char *pii_keys_dir(void)
{
	return keys_dir;
}
