/* Cryptographic helpers over libsodium: random tokens, SHA-256, Argon2id password hashing with a
 * bound on concurrent hashes (each takes 64 MiB). Call crypto_init() once before threads start. */
#ifndef FCMS_CRYPTO_H
#define FCMS_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>

#define SHA256_HEX_LEN 64

/* Initialises libsodium and the hashing semaphore (max_hashes at once, >= 1). 0 on success. */
int crypto_init(int max_hashes);
/* Writes a random URL-safe token of nbytes entropy into out (NUL-terminated); out must hold
 * at least crypto_token_len(nbytes) bytes. */
void crypto_random_token(char *out, size_t nbytes);
size_t crypto_token_len(size_t nbytes);
/* SHA-256 of data as 64 lowercase hex chars + NUL into out[65]. */
void crypto_sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* Argon2id hash string of password into out (crypto_pwhash_STRBYTES = 128 bytes).
 * Blocks while too many hashes are running. 0 on success, -1 out of memory. */
int crypto_password_hash(const char *password, char out[128]);
/* True when password matches the stored hash (constant time in libsodium). */
bool crypto_password_verify(const char *hash, const char *password);
/* Runs a verify against a fixed dummy hash, so unknown users cost the same time as known ones. */
void crypto_password_dummy_verify(const char *password);
/* A random password that satisfies both password profiles: 16 chars, all four classes. */
void crypto_random_password(char out[17]);
/* Constant-time string equality for secrets of equal expected length. */
bool crypto_str_equal(const char *a, const char *b);

#endif
