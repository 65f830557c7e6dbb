/* The one cryptographic interface of fcms: random tokens, hashes, MACs, sealing (authenticated
 * encryption), signatures and password hashes. Two profiles implement it:
 *   default  libsodium: SHA-256, HMAC-SHA-256, XChaCha20-Poly1305, Ed25519, Argon2id
 *   gm       OpenSSL EVP (商用密码): SM3, HMAC-SM3, SM4-CTR + HMAC-SM3 (encrypt-then-MAC),
 *            SM2 (user id 1234567812345678), PBKDF2-HMAC-SM3
 * Callers say which profile a value belongs to (a key id, a chain state, the database's profile)
 * and never name an algorithm: this file and crypto.c / crypto_gm.c are the only ones that do.
 * Call crypto_init() once before threads start. */
#ifndef FCMS_CRYPTO_H
#define FCMS_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>

#define SHA256_HEX_LEN 64
#define CRYPTO_HASH_BYTES 32
#define CRYPTO_HASH_HEX_LEN 64
#define CRYPTO_KEY_BYTES 32
#define CRYPTO_PASSWORD_HASH_MAX 128

enum crypto_profile { CRYPTO_DEFAULT = 0, CRYPTO_GM = 1 };

/* "default" | "gm". */
const char *crypto_profile_name(enum crypto_profile p);
/* 0 and *p for "default" or "gm"; -1 for anything else. */
int crypto_profile_parse(const char *name, enum crypto_profile *p);
/* The algorithms of a profile, for `fcms version`, /healthz and docs: static strings. */
struct crypto_algorithms {
	const char *seal, *mac, *hash, *sign, *password;
};
void crypto_algorithms(enum crypto_profile p, struct crypto_algorithms *out);
/* The process's profile for new password hashes (set from the database at start; any thread
 * reads it). Default until set. */
void crypto_set_profile(enum crypto_profile p);
enum crypto_profile crypto_profile(void);

/* Initialises libsodium, OpenSSL and the hashing semaphore (max_hashes at once, >= 1). 0 on success. */
int crypto_init(int max_hashes);
/* Writes a random URL-safe token of nbytes entropy into out (NUL-terminated); out must hold
 * at least crypto_token_len(nbytes) bytes. */
void crypto_random_token(char *out, size_t nbytes);
size_t crypto_token_len(size_t nbytes);
/* n random bytes from the kernel's generator. */
void crypto_random_bytes(void *out, size_t n);
/* Wipes n bytes (not optimised away). */
void crypto_wipe(void *p, size_t n);
/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void crypto_hex(const unsigned char *in, size_t n, char *out);

/* SHA-256 of data as 64 lowercase hex chars + NUL into out[65]: identifiers of random tokens and
 * file checksums that must not change with the profile (sessions survive a profile switch). */
void crypto_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/* SHA-256 where a protocol or a file format fixes it, whatever the profile: PKCE S256 (RFC 7636),
 * webhook signatures (HMAC-SHA256, docs/integration/webhooks.md), checksums of uploaded files and
 * of the report-index snapshot. The streaming state is opaque (no libsodium type outside util). */
struct crypto_sha256_ctx {
	_Alignas(16) unsigned char opaque[128];
};
void crypto_sha256_init(struct crypto_sha256_ctx *c);
void crypto_sha256_update(struct crypto_sha256_ctx *c, const void *data, size_t len);
void crypto_sha256_final(struct crypto_sha256_ctx *c, unsigned char out[32]);
void crypto_sha256(const void *data, size_t len, unsigned char out[32]);
/* HMAC-SHA256 over the concatenation a || b (b may be NULL with blen 0) into out. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *a, size_t alen, const void *b, size_t blen,
			unsigned char out[32]);
/* A uniformly distributed number in [0, upper) (upper >= 1), from the kernel's generator. */
unsigned crypto_random_uniform(unsigned upper);
/* Constant-time comparison of n bytes. */
bool crypto_mem_equal(const void *a, const void *b, size_t n);

/* The profile's hash (SHA-256 | SM3) of data. */
void crypto_digest(enum crypto_profile p, const void *data, size_t len, unsigned char out[CRYPTO_HASH_BYTES]);
void crypto_digest_hex(enum crypto_profile p, const void *data, size_t len, char out[CRYPTO_HASH_HEX_LEN + 1]);
/* The profile's hash of a file's bytes, as hex, and its size. 0 or -1. */
int crypto_digest_file_hex(enum crypto_profile p, const char *path, char out[CRYPTO_HASH_HEX_LEN + 1], long long *size);

/* The profile's MAC (HMAC-SHA-256 | HMAC-SM3) of data under key (keylen bytes). */
void crypto_mac(enum crypto_profile p, const unsigned char *key, size_t keylen, const void *data, size_t len,
		unsigned char out[CRYPTO_HASH_BYTES]);

/* Sealing: a fresh random key; the bytes a sealed value adds to the message; seal writes
 * mlen + crypto_seal_overhead(p) bytes to out (a random nonce/IV, the ciphertext and the tag, with
 * ad authenticated but not stored); open writes at most inlen bytes to out and the message length
 * to *mlen, and returns 0, or -1 when the value is short, altered or sealed under another key/ad. */
void crypto_seal_keygen(unsigned char key[CRYPTO_KEY_BYTES]);
/* The id of a sealing key, naming its profile: 8 hex chars (default, as ids always were) or
 * "sm4-" + 8 hex chars (gm), derived from the key so a key file cannot be renamed to another id.
 * out holds CRYPTO_KEY_ID_SIZE bytes. crypto_key_id_profile: the profile an id names; -1 when the
 * text is not a key id. */
#define CRYPTO_KEY_ID_SIZE 16
void crypto_key_id(enum crypto_profile p, const unsigned char key[CRYPTO_KEY_BYTES], char out[CRYPTO_KEY_ID_SIZE]);
int crypto_key_id_profile(const char *id, enum crypto_profile *p);
size_t crypto_seal_overhead(enum crypto_profile p);
int crypto_seal(enum crypto_profile p, const unsigned char key[CRYPTO_KEY_BYTES], const void *ad, size_t adlen,
		const void *msg, size_t mlen, unsigned char *out);
int crypto_open(enum crypto_profile p, const unsigned char key[CRYPTO_KEY_BYTES], const void *ad, size_t adlen,
		const unsigned char *in, size_t inlen, unsigned char *out, size_t *mlen);

/* Signatures (Ed25519 | SM2 with SM3 and the default user id). Keys are text: the secret key as
 * PKCS#8 PEM (gm) or base64 (default), the public key as SubjectPublicKeyInfo PEM (gm, readable by
 * `openssl pkey -pubin`) or base64 (default). Signatures are base64 (gm: DER of r, s).
 * keypair: *secret and *public malloc'd (caller frees, wiping the secret); 0 or -1.
 * sign: *sig malloc'd; 0 or -1. verify: true only for a valid signature by that key. */
int crypto_sig_keypair(enum crypto_profile p, char **secret, char **public_key);
int crypto_sig_sign(enum crypto_profile p, const char *secret, const void *msg, size_t len, char **sig);
bool crypto_sig_verify(enum crypto_profile p, const char *public_key, const void *msg, size_t len, const char *sig);
/* The public key as a SubjectPublicKeyInfo PEM under both profiles (default: the raw Ed25519
 * key wrapped, RFC 8410), what a receiver gives `openssl pkey -pubin`. malloc'd; NULL when the
 * key text is not a key of that profile, or out of memory. */
char *crypto_sig_public_pem(enum crypto_profile p, const char *public_key);

/* Passphrase-sealed bundles (backup key files): a key derived from an operator's passphrase with
 * Argon2id and XChaCha20-Poly1305 with the nonce kept by the caller (the bundle's header), under
 * both profiles — the format of existing backups (docs/crypto.md, residual items).
 * defaults: the moderate cost; limits_ok: cost parameters a bundle may claim; key: 0 or -1 (out of
 * memory); encrypt writes mlen + CRYPTO_BUNDLE_TAG bytes; decrypt returns 0, or -1 when altered. */
#define CRYPTO_BUNDLE_SALT 16
#define CRYPTO_BUNDLE_NONCE 24
#define CRYPTO_BUNDLE_TAG 16
#define CRYPTO_BUNDLE_KDF "argon2id13"             /* names recorded in backup manifests */
#define CRYPTO_BUNDLE_CIPHER "xchacha20poly1305-ietf"
void crypto_bundle_defaults(unsigned long long *ops, size_t *mem);
bool crypto_bundle_limits_ok(unsigned long long ops, unsigned long long mem);
int crypto_bundle_key(const char *passphrase, const unsigned char salt[CRYPTO_BUNDLE_SALT], unsigned long long ops,
		      size_t mem, unsigned char key[CRYPTO_KEY_BYTES]);
void crypto_bundle_encrypt(const unsigned char key[CRYPTO_KEY_BYTES], const unsigned char nonce[CRYPTO_BUNDLE_NONCE],
			   const void *ad, size_t adlen, const void *msg, size_t mlen, unsigned char *out);
int crypto_bundle_decrypt(const unsigned char key[CRYPTO_KEY_BYTES], const unsigned char nonce[CRYPTO_BUNDLE_NONCE],
			  const void *ad, size_t adlen, const unsigned char *in, size_t inlen, unsigned char *out,
			  size_t *mlen);
/* Memory for secrets (guarded, locked, wiped on free); NULL on failure. */
void *crypto_secret_alloc(size_t n);
void crypto_secret_free(void *p);

/* Password hash string of password into out under the process's profile (Argon2id | "$pbkdf2-sm3$…").
 * Blocks while too many hashes are running. 0 on success, -1 out of memory. */
int crypto_password_hash(const char *password, char out[CRYPTO_PASSWORD_HASH_MAX]);
/* True when password matches the stored hash, whichever profile made it (constant time). */
bool crypto_password_verify(const char *hash, const char *password);
/* Runs a verify against a fixed dummy hash, so unknown users cost the same time as known ones. */
void crypto_password_dummy_verify(const char *password);
/* A random password that satisfies both password profiles: 16 chars, all four classes. */
void crypto_random_password(char out[17]);
/* Constant-time string equality for secrets of equal expected length. */
bool crypto_str_equal(const char *a, const char *b);
/* Base64 (standard alphabet, padded): encode into a malloc'd string; decode into a malloc'd buffer
 * (*n bytes). NULL on failure. */
char *crypto_b64_encode(const unsigned char *in, size_t n);
unsigned char *crypto_b64_decode(const char *in, size_t *n);

#endif
