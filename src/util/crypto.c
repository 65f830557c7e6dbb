/* util/crypto.h: the default profile over libsodium, the gm profile handed to crypto_gm.c.
 * Argon2id parameters are libsodium's INTERACTIVE set (ops 2, 64 MiB); a counting semaphore keeps
 * a burst of logins from taking N × 64 MiB of memory (and N cores for PBKDF2-SM3). */
#include "util/crypto.h"
#include "util/crypto_gm.h"
#include <fcntl.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sem_t hash_slots;
static char dummy_hash[CRYPTO_PASSWORD_HASH_MAX], dummy_hash_gm[CRYPTO_PASSWORD_HASH_MAX];
static atomic_int process_profile;

const char *crypto_profile_name(enum crypto_profile p)
{
	return p == CRYPTO_GM ? "gm" : "default";
}

int crypto_profile_parse(const char *name, enum crypto_profile *p)
{
	if (name && strcmp(name, "default") == 0)
		*p = CRYPTO_DEFAULT;
	else if (name && strcmp(name, "gm") == 0)
		*p = CRYPTO_GM;
	else
		return -1;
	return 0;
}

void crypto_algorithms(enum crypto_profile p, struct crypto_algorithms *out)
{
	if (p == CRYPTO_GM)
		*out = (struct crypto_algorithms){"SM4-CTR+HMAC-SM3", "HMAC-SM3", "SM3", "SM2", "PBKDF2-HMAC-SM3"};
	else
		*out = (struct crypto_algorithms){"XChaCha20-Poly1305", "HMAC-SHA-256", "SHA-256", "Ed25519", "Argon2id"};
}

void crypto_set_profile(enum crypto_profile p)
{
	atomic_store(&process_profile, (int)p);
}

enum crypto_profile crypto_profile(void)
{
	return (enum crypto_profile)atomic_load(&process_profile);
}

static int hash_password(enum crypto_profile p, const char *password, char out[CRYPTO_PASSWORD_HASH_MAX])
{
	if (p == CRYPTO_GM)
		return gm_password_hash(password, out, CRYPTO_PASSWORD_HASH_MAX);
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		       ? 0
		       : -1;
}

int crypto_init(int max_hashes)
{
	if (sodium_init() < 0 || gm_init() != 0)
		return -1;
	if (sem_init(&hash_slots, 0, (unsigned)(max_hashes < 1 ? 1 : max_hashes)) != 0)
		return -1;
	if (hash_password(CRYPTO_DEFAULT, "fcms-dummy-password", dummy_hash) != 0)
		return -1;
	return hash_password(CRYPTO_GM, "fcms-dummy-password", dummy_hash_gm);
}

size_t crypto_token_len(size_t nbytes)
{
	return sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void crypto_random_token(char *out, size_t nbytes)
{
	unsigned char buf[64];
	if (nbytes > sizeof buf)
		nbytes = sizeof buf;
	randombytes_buf(buf, nbytes);
	sodium_bin2base64(out, crypto_token_len(nbytes), buf, nbytes,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(buf, sizeof buf);
}

void crypto_random_bytes(void *out, size_t n)
{
	randombytes_buf(out, n);
}

void crypto_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void crypto_hex(const unsigned char *in, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

void crypto_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	crypto_digest_hex(CRYPTO_DEFAULT, data, len, out);
}

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(struct crypto_sha256_ctx), "SHA-256 state fits");

void crypto_sha256_init(struct crypto_sha256_ctx *c)
{
	crypto_hash_sha256_init((crypto_hash_sha256_state *)c->opaque);
}

void crypto_sha256_update(struct crypto_sha256_ctx *c, const void *data, size_t len)
{
	if (len)
		crypto_hash_sha256_update((crypto_hash_sha256_state *)c->opaque, data, (unsigned long long)len);
}

void crypto_sha256_final(struct crypto_sha256_ctx *c, unsigned char out[32])
{
	crypto_hash_sha256_final((crypto_hash_sha256_state *)c->opaque, out);
	sodium_memzero(c, sizeof *c);
}

void crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
	crypto_hash_sha256(out, data, (unsigned long long)len);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *a, size_t alen, const void *b, size_t blen,
			unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, a, (unsigned long long)alen);
	if (blen)
		crypto_auth_hmacsha256_update(&st, b, (unsigned long long)blen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

unsigned crypto_random_uniform(unsigned upper)
{
	return (unsigned)randombytes_uniform((uint32_t)upper);
}

bool crypto_mem_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void crypto_digest(enum crypto_profile p, const void *data, size_t len, unsigned char out[CRYPTO_HASH_BYTES])
{
	if (p == CRYPTO_GM)
		gm_hash(data, len, out);
	else
		crypto_hash_sha256(out, data, len);
}

void crypto_digest_hex(enum crypto_profile p, const void *data, size_t len, char out[CRYPTO_HASH_HEX_LEN + 1])
{
	unsigned char h[CRYPTO_HASH_BYTES];
	crypto_digest(p, data, len, h);
	sodium_bin2hex(out, CRYPTO_HASH_HEX_LEN + 1, h, sizeof h);
}

int crypto_digest_file_hex(enum crypto_profile p, const char *path, char out[CRYPTO_HASH_HEX_LEN + 1], long long *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	crypto_hash_sha256_state st;
	void *gm = NULL;
	if (p == CRYPTO_GM) {
		if (!(gm = gm_hash_begin())) {
			close(fd);
			return -1;
		}
	} else {
		crypto_hash_sha256_init(&st);
	}
	unsigned char buf[65536], h[CRYPTO_HASH_BYTES];
	ssize_t r;
	long long n = 0;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		if (gm)
			gm_hash_update(gm, buf, (size_t)r);
		else
			crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
		n += r;
	}
	close(fd);
	if (gm)
		gm_hash_end(gm, h);
	else
		crypto_hash_sha256_final(&st, h);
	if (r < 0)
		return -1;
	sodium_bin2hex(out, CRYPTO_HASH_HEX_LEN + 1, h, sizeof h);
	if (size)
		*size = n;
	return 0;
}

void crypto_mac(enum crypto_profile p, const unsigned char *key, size_t keylen, const void *data, size_t len,
		unsigned char out[CRYPTO_HASH_BYTES])
{
	if (p == CRYPTO_GM) {
		gm_mac(key, keylen, data, len, out);
		return;
	}
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

void crypto_seal_keygen(unsigned char key[CRYPTO_KEY_BYTES])
{
	randombytes_buf(key, CRYPTO_KEY_BYTES);
}

void crypto_key_id(enum crypto_profile p, const unsigned char key[CRYPTO_KEY_BYTES], char out[CRYPTO_KEY_ID_SIZE])
{
	unsigned char h[CRYPTO_HASH_BYTES];
	if (p == CRYPTO_GM) {
		unsigned char buf[CRYPTO_KEY_BYTES + 15];
		memcpy(buf, key, CRYPTO_KEY_BYTES);
		memcpy(buf + CRYPTO_KEY_BYTES, "fcms-pii-key-id", 15);
		gm_hash(buf, sizeof buf, h);
		sodium_memzero(buf, sizeof buf);
		memcpy(out, "sm4-", 4);
		sodium_bin2hex(out + 4, 9, h, 4);
	} else {
		crypto_generichash(h, 4, key, CRYPTO_KEY_BYTES, (const unsigned char *)"fcms-pii-key-id", 15);
		sodium_bin2hex(out, 9, h, 4);
	}
}

static bool hex8(const char *s)
{
	for (int i = 0; i < 8; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[8] == '\0';
}

int crypto_key_id_profile(const char *id, enum crypto_profile *p)
{
	if (!id)
		return -1;
	if (strncmp(id, "sm4-", 4) == 0 && strlen(id) == 12 && hex8(id + 4))
		*p = CRYPTO_GM;
	else if (strlen(id) == 8 && hex8(id))
		*p = CRYPTO_DEFAULT;
	else
		return -1;
	return 0;
}

#define X_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define X_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

size_t crypto_seal_overhead(enum crypto_profile p)
{
	return p == CRYPTO_GM ? GM_SEAL_IV + GM_SEAL_TAG : X_NONCE + X_TAG;
}

int crypto_seal(enum crypto_profile p, const unsigned char key[CRYPTO_KEY_BYTES], const void *ad, size_t adlen,
		const void *msg, size_t mlen, unsigned char *out)
{
	if (p == CRYPTO_GM)
		return gm_seal(key, ad, adlen, msg, mlen, out);
	randombytes_buf(out, X_NONCE);
	unsigned long long clen;
	return crypto_aead_xchacha20poly1305_ietf_encrypt(out + X_NONCE, &clen, msg, mlen, ad, adlen, NULL, out,
							  key) == 0
		       ? 0
		       : -1;
}

int crypto_open(enum crypto_profile p, const unsigned char key[CRYPTO_KEY_BYTES], const void *ad, size_t adlen,
		const unsigned char *in, size_t inlen, unsigned char *out, size_t *mlen)
{
	if (p == CRYPTO_GM)
		return gm_open(key, ad, adlen, in, inlen, out, mlen);
	if (inlen < X_NONCE + X_TAG)
		return -1;
	unsigned long long n;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL, in + X_NONCE, inlen - X_NONCE, ad, adlen, in,
						       key) != 0)
		return -1;
	*mlen = (size_t)n;
	return 0;
}

int crypto_sig_keypair(enum crypto_profile p, char **secret, char **public_key)
{
	if (p == CRYPTO_GM)
		return gm_sign_keypair(secret, public_key);
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	*secret = crypto_b64_encode(sk, sizeof sk);
	*public_key = crypto_b64_encode(pk, sizeof pk);
	sodium_memzero(sk, sizeof sk);
	if (!*secret || !*public_key) {
		if (*secret)
			sodium_memzero(*secret, strlen(*secret));
		free(*secret);
		free(*public_key);
		*secret = *public_key = NULL;
		return -1;
	}
	return 0;
}

int crypto_sig_sign(enum crypto_profile p, const char *secret, const void *msg, size_t len, char **sig)
{
	if (p == CRYPTO_GM)
		return gm_sign(secret, msg, len, sig);
	*sig = NULL;
	size_t n = 0;
	unsigned char *sk = crypto_b64_decode(secret, &n);
	unsigned char s[crypto_sign_BYTES];
	if (sk && n == crypto_sign_SECRETKEYBYTES && crypto_sign_detached(s, NULL, msg, len, sk) == 0)
		*sig = crypto_b64_encode(s, sizeof s);
	if (sk)
		sodium_memzero(sk, n);
	free(sk);
	return *sig ? 0 : -1;
}

bool crypto_sig_verify(enum crypto_profile p, const char *public_key, const void *msg, size_t len, const char *sig)
{
	if (p == CRYPTO_GM)
		return gm_verify(public_key, msg, len, sig);
	size_t pn = 0, sn = 0;
	unsigned char *pk = public_key ? crypto_b64_decode(public_key, &pn) : NULL;
	unsigned char *s = sig ? crypto_b64_decode(sig, &sn) : NULL;
	bool ok = pk && s && pn == crypto_sign_PUBLICKEYBYTES && sn == crypto_sign_BYTES &&
		  crypto_sign_verify_detached(s, msg, len, pk) == 0;
	free(pk);
	free(s);
	return ok;
}

int crypto_password_hash(const char *password, char out[CRYPTO_PASSWORD_HASH_MAX])
{
	while (sem_wait(&hash_slots) != 0)
		;
	int rc = hash_password(crypto_profile(), password, out);
	sem_post(&hash_slots);
	return rc;
}

bool crypto_password_verify(const char *hash, const char *password)
{
	if (!hash || !*hash)
		return false;
	while (sem_wait(&hash_slots) != 0)
		;
	bool ok = strncmp(hash, GM_PASSWORD_PREFIX, strlen(GM_PASSWORD_PREFIX)) == 0
			  ? gm_password_verify(hash, password)
			  : crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	sem_post(&hash_slots);
	return ok;
}

void crypto_password_dummy_verify(const char *password)
{
	(void)crypto_password_verify(crypto_profile() == CRYPTO_GM ? dummy_hash_gm : dummy_hash, password);
}

void crypto_random_password(char out[17])
{
	static const char *const classes[4] = {"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ",
					       "23456789", "@#%+=!?"};
	for (int i = 0; i < 16; i++) {
		const char *set = classes[i < 4 ? (uint32_t)i : randombytes_uniform(3)];
		out[i] = set[randombytes_uniform((uint32_t)strlen(set))];
	}
	/* Shuffle so the class order is not predictable. */
	for (int i = 15; i > 0; i--) {
		uint32_t j = randombytes_uniform((uint32_t)i + 1);
		char t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	out[16] = '\0';
}

bool crypto_str_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

char *crypto_b64_encode(const unsigned char *in, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(len);
	if (out)
		sodium_bin2base64(out, len, in, n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

unsigned char *crypto_b64_decode(const char *in, size_t *n)
{
	size_t max = strlen(in);
	unsigned char *out = malloc(max + 1);
	if (out && sodium_base642bin(out, max + 1, in, max, "\n\r", n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

char *crypto_sig_public_pem(enum crypto_profile p, const char *public_key)
{
	if (p == CRYPTO_GM)
		return strncmp(public_key, "-----BEGIN PUBLIC KEY-----\n", 27) == 0 ? strdup(public_key) : NULL;
	/* id-Ed25519 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING key } */
	static const unsigned char prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
	size_t n = 0;
	unsigned char *raw = crypto_b64_decode(public_key, &n);
	if (!raw || n != crypto_sign_PUBLICKEYBYTES) {
		free(raw);
		return NULL;
	}
	unsigned char der[sizeof prefix + crypto_sign_PUBLICKEYBYTES];
	memcpy(der, prefix, sizeof prefix);
	memcpy(der + sizeof prefix, raw, n);
	free(raw);
	static const char head[] = "-----BEGIN PUBLIC KEY-----\n", tail[] = "\n-----END PUBLIC KEY-----\n";
	char *b64 = crypto_b64_encode(der, sizeof der);
	size_t len = b64 ? sizeof head + strlen(b64) + sizeof tail : 0;
	char *pem = b64 ? malloc(len) : NULL;
	if (pem)
		snprintf(pem, len, "%s%s%s", head, b64, tail);
	free(b64);
	return pem;
}

void crypto_bundle_defaults(unsigned long long *ops, size_t *mem)
{
	*ops = crypto_pwhash_OPSLIMIT_MODERATE;
	*mem = crypto_pwhash_MEMLIMIT_MODERATE;
}

bool crypto_bundle_limits_ok(unsigned long long ops, unsigned long long mem)
{
	return ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= 64 && mem >= crypto_pwhash_MEMLIMIT_MIN &&
	       mem <= (unsigned long long)4 << 30;
}

int crypto_bundle_key(const char *passphrase, const unsigned char salt[CRYPTO_BUNDLE_SALT], unsigned long long ops,
		      size_t mem, unsigned char key[CRYPTO_KEY_BYTES])
{
	_Static_assert(CRYPTO_BUNDLE_SALT == crypto_pwhash_SALTBYTES, "salt size");
	return crypto_pwhash(key, CRYPTO_KEY_BYTES, passphrase, strlen(passphrase), salt, ops, mem,
			     crypto_pwhash_ALG_ARGON2ID13) == 0
		       ? 0
		       : -1;
}

void crypto_bundle_encrypt(const unsigned char key[CRYPTO_KEY_BYTES], const unsigned char nonce[CRYPTO_BUNDLE_NONCE],
			   const void *ad, size_t adlen, const void *msg, size_t mlen, unsigned char *out)
{
	_Static_assert(CRYPTO_BUNDLE_NONCE == X_NONCE && CRYPTO_BUNDLE_TAG == X_TAG, "bundle sizes");
	unsigned long long clen;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, &clen, msg, mlen, ad, adlen, NULL, nonce, key);
}

int crypto_bundle_decrypt(const unsigned char key[CRYPTO_KEY_BYTES], const unsigned char nonce[CRYPTO_BUNDLE_NONCE],
			  const void *ad, size_t adlen, const unsigned char *in, size_t inlen, unsigned char *out,
			  size_t *mlen)
{
	unsigned long long n;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL, in, inlen, ad, adlen, nonce, key) != 0)
		return -1;
	*mlen = (size_t)n;
	return 0;
}

void *crypto_secret_alloc(size_t n)
{
	return sodium_malloc(n);
}

void crypto_secret_free(void *p)
{
	sodium_free(p);
}
