/* The gm profile over OpenSSL 3 EVP (see crypto_gm.h and crypto.h).
 *
 * Sealing is SM4-CTR with HMAC-SM3 over (ad length, ad, IV, ciphertext), encrypt-then-MAC: Debian
 * 12's OpenSSL 3.0 has SM4 in CBC/CTR/CFB/OFB/ECB but no SM4-GCM (3.2 added it). The 32-byte key
 * is split: the first 16 bytes are the SM4 key, the last 16 the HMAC key. The tag is checked in
 * constant time before anything is decrypted.
 *
 * Signatures are SM2 with SM3 over Z_A || M, Z_A computed with the default user id
 * 1234567812345678 (GB/T 35276), set explicitly because OpenSSL 3 needs EVP_PKEY_CTX_set1_id.
 *
 * Passwords are PBKDF2-HMAC-SM3 (GB/T 32918 hash in RFC 8018's construction), 16-byte salt,
 * GM_PBKDF2_ITERATIONS rounds, 32-byte output, stored as $pbkdf2-sm3$i=N$salt$hash (base64). */
#include "util/crypto_gm.h"
#include "util/crypto.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* About 60 ms on one core of the build machine, the same order as the default profile's Argon2id
 * (bench/crypto.sh measures both). */
#define GM_PBKDF2_ITERATIONS 100000
#define GM_PBKDF2_MIN 10000
#define GM_PBKDF2_MAX 10000000
#define SM2_USER_ID "1234567812345678"

/* Built by gm_init before any thread starts; read-only afterwards. */
static OSSL_PARAM hmac_params[2];
/* Fetched once: a fetch per call costs more than sealing a short identity. */
static EVP_MD *md_sm3;
static EVP_CIPHER *cipher_sm4_ctr;
static EVP_MAC *hmac;

int gm_init(void)
{
	if (!md_sm3)
		md_sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	if (!cipher_sm4_ctr)
		cipher_sm4_ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
	if (!hmac)
		hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	hmac_params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0);
	hmac_params[1] = OSSL_PARAM_construct_end();
	return md_sm3 && cipher_sm4_ctr && hmac ? 0 : -1;
}

void gm_hash(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 32;
	if (EVP_Digest(data, len, out, &n, md_sm3, NULL) != 1)
		memset(out, 0, 32); /* never matches a real chain, never verifies */
}

void *gm_hash_begin(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (c && EVP_DigestInit_ex(c, md_sm3, NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	return c;
}

void gm_hash_update(void *ctx, const void *data, size_t len)
{
	EVP_DigestUpdate(ctx, data, len);
}

void gm_hash_end(void *ctx, unsigned char out[32])
{
	unsigned int n = 32;
	if (EVP_DigestFinal_ex(ctx, out, &n) != 1)
		memset(out, 0, 32);
	EVP_MD_CTX_free(ctx);
}

static const OSSL_PARAM *hmac_sm3_params(void)
{
	return hmac_params;
}

void gm_mac(const unsigned char *key, size_t keylen, const void *data, size_t len, unsigned char out[32])
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(hmac);
	size_t n = 0;
	if (!c || EVP_MAC_init(c, key, keylen, hmac_sm3_params()) != 1 || EVP_MAC_update(c, data, len) != 1 ||
	    EVP_MAC_final(c, out, &n, 32) != 1 || n != 32)
		memset(out, 0, 32); /* never equals a real index */
	EVP_MAC_CTX_free(c);
}

/* HMAC-SM3(mac key, be64(adlen) || ad || iv || ct). */
static int seal_tag(const unsigned char key[32], const void *ad, size_t adlen, const unsigned char *iv,
		    const unsigned char *ct, size_t clen, unsigned char tag[32])
{
	unsigned char lenbuf[8];
	for (int i = 0; i < 8; i++)
		lenbuf[i] = (unsigned char)((uint64_t)adlen >> (56 - 8 * i));
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(hmac);
	size_t n = 0;
	int ok = c && EVP_MAC_init(c, key + 16, 16, hmac_sm3_params()) == 1 && EVP_MAC_update(c, lenbuf, 8) == 1 &&
		 (adlen == 0 || EVP_MAC_update(c, ad, adlen) == 1) && EVP_MAC_update(c, iv, GM_SEAL_IV) == 1 &&
		 (clen == 0 || EVP_MAC_update(c, ct, clen) == 1) && EVP_MAC_final(c, tag, &n, 32) == 1 && n == 32;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -1;
}

static int sm4_ctr(const unsigned char key[32], const unsigned char *iv, const unsigned char *in, size_t len,
		   unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	int ok = c && EVP_EncryptInit_ex(c, cipher_sm4_ctr, NULL, key, iv) == 1 &&
		 (len == 0 || EVP_EncryptUpdate(c, out, &n1, in, (int)len) == 1) &&
		 EVP_EncryptFinal_ex(c, out + n1, &n2) == 1 && (size_t)(n1 + n2) == len;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int gm_seal(const unsigned char key[32], const void *ad, size_t adlen, const void *msg, size_t mlen,
	    unsigned char *out)
{
	if (mlen > (size_t)INT32_MAX)
		return -1;
	unsigned char *iv = out, *ct = out + GM_SEAL_IV;
	crypto_random_bytes(iv, GM_SEAL_IV);
	if (sm4_ctr(key, iv, msg, mlen, ct) != 0)
		return -1;
	return seal_tag(key, ad, adlen, iv, ct, mlen, ct + mlen);
}

int gm_open(const unsigned char key[32], const void *ad, size_t adlen, const unsigned char *in, size_t inlen,
	    unsigned char *out, size_t *mlen)
{
	if (inlen < GM_SEAL_IV + GM_SEAL_TAG || inlen > (size_t)INT32_MAX)
		return -1;
	size_t clen = inlen - GM_SEAL_IV - GM_SEAL_TAG;
	unsigned char tag[32];
	if (seal_tag(key, ad, adlen, in, in + GM_SEAL_IV, clen, tag) != 0 ||
	    CRYPTO_memcmp(tag, in + GM_SEAL_IV + clen, GM_SEAL_TAG) != 0)
		return -1;
	if (sm4_ctr(key, in, in + GM_SEAL_IV, clen, out) != 0)
		return -1;
	*mlen = clen;
	return 0;
}

/* PEM text of a key (private as PKCS#8, public as SubjectPublicKeyInfo); malloc'd or NULL. */
static char *pem_of(EVP_PKEY *k, bool secret)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (b && (secret ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_bio_PUBKEY(b, k)) == 1) {
		char *p;
		long n = BIO_get_mem_data(b, &p);
		if (n > 0 && (out = malloc((size_t)n + 1))) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

static EVP_PKEY *pem_read(const char *text, bool secret)
{
	BIO *b = text ? BIO_new_mem_buf(text, -1) : NULL;
	EVP_PKEY *k = NULL;
	if (b)
		k = secret ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k && !EVP_PKEY_is_a(k, "SM2")) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

int gm_sign_keypair(char **secret, char **public_key)
{
	*secret = *public_key = NULL;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	if (!k)
		return -1;
	*secret = pem_of(k, true);
	*public_key = pem_of(k, false);
	EVP_PKEY_free(k);
	if (!*secret || !*public_key) {
		if (*secret)
			crypto_wipe(*secret, strlen(*secret));
		free(*secret);
		free(*public_key);
		*secret = *public_key = NULL;
		return -1;
	}
	return 0;
}

/* A digest-sign/verify context for SM2 with SM3 and the default user id; NULL on failure. */
static EVP_MD_CTX *sm2_ctx(EVP_PKEY *k, bool sign)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(k, NULL);
	if (!m || !p || EVP_PKEY_CTX_set1_id(p, SM2_USER_ID, strlen(SM2_USER_ID)) != 1) {
		EVP_MD_CTX_free(m);
		EVP_PKEY_CTX_free(p);
		return NULL;
	}
	EVP_MD_CTX_set_pkey_ctx(m, p); /* m keeps p but does not free it: callers free both */
	int ok = sign ? EVP_DigestSignInit(m, NULL, md_sm3, NULL, k) : EVP_DigestVerifyInit(m, NULL, md_sm3, NULL, k);
	if (ok != 1) {
		EVP_MD_CTX_free(m);
		EVP_PKEY_CTX_free(p);
		return NULL;
	}
	return m;
}

int gm_sign(const char *secret, const void *msg, size_t len, char **sig)
{
	*sig = NULL;
	EVP_PKEY *k = pem_read(secret, true);
	EVP_MD_CTX *m = k ? sm2_ctx(k, true) : NULL;
	unsigned char der[80];
	size_t n = sizeof der;
	if (m && EVP_DigestSign(m, der, &n, msg, len) == 1)
		*sig = crypto_b64_encode(der, n);
	EVP_PKEY_CTX *p = m ? EVP_MD_CTX_get_pkey_ctx(m) : NULL;
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(p);
	EVP_PKEY_free(k);
	return *sig ? 0 : -1;
}

bool gm_verify(const char *public_key, const void *msg, size_t len, const char *sig)
{
	size_t n = 0;
	unsigned char *der = sig ? crypto_b64_decode(sig, &n) : NULL;
	EVP_PKEY *k = der ? pem_read(public_key, false) : NULL;
	EVP_MD_CTX *m = k ? sm2_ctx(k, false) : NULL;
	bool ok = m && EVP_DigestVerify(m, der, n, msg, len) == 1;
	EVP_PKEY_CTX *p = m ? EVP_MD_CTX_get_pkey_ctx(m) : NULL;
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(p);
	EVP_PKEY_free(k);
	free(der);
	return ok;
}

static int pbkdf2(const char *password, const unsigned char *salt, size_t saltlen, long iter, unsigned char out[32])
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, (int)iter, md_sm3, 32, out) == 1
		       ? 0
		       : -1;
}

int gm_password_hash(const char *password, char *out, size_t outlen)
{
	unsigned char salt[16], dk[32];
	crypto_random_bytes(salt, sizeof salt);
	if (pbkdf2(password, salt, sizeof salt, GM_PBKDF2_ITERATIONS, dk) != 0)
		return -1;
	char *s = crypto_b64_encode(salt, sizeof salt), *h = crypto_b64_encode(dk, sizeof dk);
	crypto_wipe(dk, sizeof dk);
	int n = s && h ? snprintf(out, outlen, GM_PASSWORD_PREFIX "i=%d$%s$%s", GM_PBKDF2_ITERATIONS, s, h) : -1;
	free(s);
	free(h);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

bool gm_password_verify(const char *hash, const char *password)
{
	long iter;
	char salt_b64[64], dk_b64[64];
	if (strncmp(hash, GM_PASSWORD_PREFIX, strlen(GM_PASSWORD_PREFIX)) != 0 ||
	    sscanf(hash + strlen(GM_PASSWORD_PREFIX), "i=%ld$%63[^$]$%63s", &iter, salt_b64, dk_b64) != 3 ||
	    iter < GM_PBKDF2_MIN || iter > GM_PBKDF2_MAX)
		return false;
	size_t sn = 0, dn = 0;
	unsigned char *salt = crypto_b64_decode(salt_b64, &sn), *want = crypto_b64_decode(dk_b64, &dn);
	unsigned char got[32];
	bool ok = salt && want && dn == 32 && pbkdf2(password, salt, sn, iter, got) == 0 &&
		  CRYPTO_memcmp(got, want, 32) == 0;
	crypto_wipe(got, sizeof got);
	free(salt);
	free(want);
	return ok;
}
