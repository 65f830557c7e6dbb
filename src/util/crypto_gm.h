/* The gm profile's half of util/crypto.h over OpenSSL 3 EVP (SM2, SM3, SM4). Only crypto.c
 * includes this; everyone else goes through crypto.h. */
#ifndef FCMS_CRYPTO_GM_H
#define FCMS_CRYPTO_GM_H
#include <stdbool.h>
#include <stddef.h>

#define GM_SEAL_IV 16
#define GM_SEAL_TAG 32
#define GM_PASSWORD_PREFIX "$pbkdf2-sm3$"

int gm_init(void);
void gm_hash(const void *data, size_t len, unsigned char out[32]);
/* Streaming SM3 for files: NULL on failure. */
void *gm_hash_begin(void);
void gm_hash_update(void *ctx, const void *data, size_t len);
void gm_hash_end(void *ctx, unsigned char out[32]);
void gm_mac(const unsigned char *key, size_t keylen, const void *data, size_t len, unsigned char out[32]);
int gm_seal(const unsigned char key[32], const void *ad, size_t adlen, const void *msg, size_t mlen,
	    unsigned char *out);
int gm_open(const unsigned char key[32], const void *ad, size_t adlen, const unsigned char *in, size_t inlen,
	    unsigned char *out, size_t *mlen);
int gm_sign_keypair(char **secret, char **public_key);
int gm_sign(const char *secret, const void *msg, size_t len, char **sig);
bool gm_verify(const char *public_key, const void *msg, size_t len, const char *sig);
int gm_password_hash(const char *password, char *out, size_t outlen);
bool gm_password_verify(const char *hash, const char *password);

#endif
