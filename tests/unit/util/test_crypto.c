/* util/crypto.h under both profiles: the standard vectors of GB/T 32905 (SM3), GB/T 32907 (SM4)
 * and GB/T 32918.5 Annex A (an SM2 signature verified with the published key), sealing round
 * trips and tamper detection, signatures, password hashes of both profiles verified whatever the
 * process profile. The vectors are checked through the interface wherever it exposes the primitive,
 * and the SM4 block cipher through OpenSSL directly (the interface only seals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/crypto.h"

static void unhex(const char *h, unsigned char *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void test_sm3_vectors(void **state)
{
	(void)state;
	char hex[65];
	crypto_digest_hex(CRYPTO_GM, "abc", 3, hex);
	assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	char m[65] = "";
	for (int i = 0; i < 16; i++)
		strcat(m, "abcd");
	crypto_digest_hex(CRYPTO_GM, m, 64, hex);
	assert_string_equal(hex, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
	/* The default profile is SHA-256 (FIPS 180-2 "abc"). */
	crypto_digest_hex(CRYPTO_DEFAULT, "abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void sm4_ecb(const unsigned char key[16], const unsigned char in[16], unsigned char out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, out, &n, in, 16), 1);
	assert_int_equal(n, 16);
	EVP_CIPHER_CTX_free(c);
}

static void test_sm4_vector_and_seal_construction(void **state)
{
	(void)state;
	unsigned char k[16], p[16], c[16], want[16];
	unhex("0123456789abcdeffedcba9876543210", k);
	memcpy(p, k, 16);
	unhex("681edf34d206965e86b3e94f536e4246", want);
	sm4_ecb(k, p, c);
	assert_memory_equal(c, want, 16);
	/* GB/T 32907 example 2: the same block encrypted 1,000,000 times. */
	unhex("595298c7c6fd271f0402f804c33d3f66", want);
	for (int i = 0; i < 1000000; i++) {
		sm4_ecb(k, p, c);
		memcpy(p, c, 16);
	}
	assert_memory_equal(c, want, 16);

	/* The gm seal is SM4-CTR under the first 16 key bytes: sealing 16 zero bytes leaves
	 * E_K(IV) as the ciphertext, then a 32-byte HMAC-SM3 tag. */
	unsigned char key[CRYPTO_KEY_BYTES], zero[16] = {0}, out[16 + 48], ks[16];
	memcpy(key, k, 16);
	memset(key + 16, 0x5a, 16);
	assert_int_equal(crypto_seal_overhead(CRYPTO_GM), 48);
	assert_int_equal(crypto_seal(CRYPTO_GM, key, "ad", 2, zero, 16, out), 0);
	sm4_ecb(k, out, ks);
	assert_memory_equal(out + 16, ks, 16);
}

static void seal_round_trip(enum crypto_profile p)
{
	unsigned char key[CRYPTO_KEY_BYTES], other[CRYPTO_KEY_BYTES];
	crypto_seal_keygen(key);
	crypto_seal_keygen(other);
	const char *msg = "{\"id_no\":\"110101199001011234\",\"name\":\"张三\"}";
	size_t mlen = strlen(msg), n = mlen + crypto_seal_overhead(p), got;
	unsigned char *s = malloc(n), *s2 = malloc(n), *o = malloc(n);
	assert_non_null(s);
	assert_non_null(s2);
	assert_non_null(o);
	assert_int_equal(crypto_seal(p, key, "k1", 2, msg, mlen, s), 0);
	assert_int_equal(crypto_seal(p, key, "k1", 2, msg, mlen, s2), 0);
	assert_memory_not_equal(s, s2, n); /* a fresh nonce every time */
	assert_int_equal(crypto_open(p, key, "k1", 2, s, n, o, &got), 0);
	assert_int_equal(got, mlen);
	assert_memory_equal(o, msg, mlen);
	assert_int_equal(crypto_open(p, other, "k1", 2, s, n, o, &got), -1);	/* another key */
	assert_int_equal(crypto_open(p, key, "k2", 2, s, n, o, &got), -1);	/* another ad */
	assert_int_equal(crypto_open(p, key, "k1", 2, s, n - 1, o, &got), -1); /* truncated */
	for (size_t i = 0; i < n; i += 7) {				/* every region: IV, body, tag */
		s[i] ^= 1;
		assert_int_equal(crypto_open(p, key, "k1", 2, s, n, o, &got), -1);
		s[i] ^= 1;
	}
	/* The other profile cannot open it. */
	assert_int_equal(crypto_open(p == CRYPTO_GM ? CRYPTO_DEFAULT : CRYPTO_GM, key, "k1", 2, s, n, o, &got), -1);
	/* Empty messages seal too. */
	assert_int_equal(crypto_seal(p, key, NULL, 0, "", 0, s2), 0);
	assert_int_equal(crypto_open(p, key, NULL, 0, s2, crypto_seal_overhead(p), o, &got), 0);
	assert_int_equal(got, 0);
	free(s);
	free(s2);
	free(o);
}

static void test_seal_gm(void **state)
{
	(void)state;
	seal_round_trip(CRYPTO_GM);
}

static void test_seal_default(void **state)
{
	(void)state;
	seal_round_trip(CRYPTO_DEFAULT);
}

static void test_mac_differs_by_profile_and_key(void **state)
{
	(void)state;
	unsigned char k[32] = {1}, a[32], b[32], c[32];
	crypto_mac(CRYPTO_GM, k, 32, "13800001234", 11, a);
	crypto_mac(CRYPTO_DEFAULT, k, 32, "13800001234", 11, b);
	assert_memory_not_equal(a, b, 32);
	k[0] = 2;
	crypto_mac(CRYPTO_GM, k, 32, "13800001234", 11, c);
	assert_memory_not_equal(a, c, 32);
	/* RFC 4231 test case 2 for the default profile's HMAC-SHA-256. */
	crypto_mac(CRYPTO_DEFAULT, (const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, a);
	char hex[65];
	crypto_hex(a, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* The GB/T 32918.5-2017 Annex A key (recommended curve) as PEM, private or public. */
static char *annex_a_pem(bool secret)
{
	unsigned char pub[65];
	pub[0] = 0x04;
	unhex("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
	      "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13",
	      pub + 1);
	BIGNUM *d = NULL;
	BN_hex2bn(&d, "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
	if (secret)
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	EVP_PKEY *k = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, secret ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params), 1);
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(secret ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) : PEM_write_bio_PUBKEY(b, k),
			 1);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	char *out = strndup(p, (size_t)n);
	BIO_free(b);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(d);
	return out;
}

static void test_sm2_annex_a(void **state)
{
	(void)state;
	char *pub = annex_a_pem(false), *sec = annex_a_pem(true);
	assert_non_null(pub);
	assert_non_null(sec);
	/* The published signature of "message digest" (user id 1234567812345678), as DER r, s. */
	unsigned char der[72] = {0x30, 0x46, 0x02, 0x21, 0x00};
	unhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3", der + 5);
	der[37] = 0x02;
	der[38] = 0x21;
	der[39] = 0x00;
	unhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA", der + 40);
	char *sig = crypto_b64_encode(der, 72);
	assert_true(crypto_sig_verify(CRYPTO_GM, pub, "message digest", 14, sig));
	assert_false(crypto_sig_verify(CRYPTO_GM, pub, "message digesT", 14, sig));
	der[71] ^= 1;
	char *bad = crypto_b64_encode(der, 72);
	assert_false(crypto_sig_verify(CRYPTO_GM, pub, "message digest", 14, bad));
	/* Round trip with the known key: a fresh k each time, both verify. */
	char *s1, *s2;
	assert_int_equal(crypto_sig_sign(CRYPTO_GM, sec, "message digest", 14, &s1), 0);
	assert_int_equal(crypto_sig_sign(CRYPTO_GM, sec, "message digest", 14, &s2), 0);
	assert_string_not_equal(s1, s2);
	assert_true(crypto_sig_verify(CRYPTO_GM, pub, "message digest", 14, s1));
	assert_true(crypto_sig_verify(CRYPTO_GM, pub, "message digest", 14, s2));
	assert_false(crypto_sig_verify(CRYPTO_GM, pub, "message digesT", 14, s1));
	free(pub);
	free(sec);
	free(sig);
	free(bad);
	free(s1);
	free(s2);
}

static void sign_round_trip(enum crypto_profile p)
{
	char *sec, *pub, *pub2, *sec2, *sig;
	assert_int_equal(crypto_sig_keypair(p, &sec, &pub), 0);
	assert_int_equal(crypto_sig_keypair(p, &sec2, &pub2), 0);
	const char *m = "{\"format\":\"fcms-backup\"}";
	assert_int_equal(crypto_sig_sign(p, sec, m, strlen(m), &sig), 0);
	assert_true(crypto_sig_verify(p, pub, m, strlen(m), sig));
	assert_false(crypto_sig_verify(p, pub2, m, strlen(m), sig));
	assert_false(crypto_sig_verify(p, pub, m, strlen(m) - 1, sig));
	assert_false(crypto_sig_verify(p, pub, m, strlen(m), "AAAA"));
	assert_false(crypto_sig_verify(p == CRYPTO_GM ? CRYPTO_DEFAULT : CRYPTO_GM, pub, m, strlen(m), sig));
	if (p == CRYPTO_GM)
		assert_non_null(strstr(pub, "BEGIN PUBLIC KEY"));
	free(sec);
	free(sec2);
	free(pub);
	free(pub2);
	free(sig);
}

static void test_sign_gm(void **state)
{
	(void)state;
	sign_round_trip(CRYPTO_GM);
}

static void test_sign_default(void **state)
{
	(void)state;
	sign_round_trip(CRYPTO_DEFAULT);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_passwords_both_profiles(void **state)
{
	(void)state;
	char h_gm[CRYPTO_PASSWORD_HASH_MAX], h_def[CRYPTO_PASSWORD_HASH_MAX], h2[CRYPTO_PASSWORD_HASH_MAX];
	crypto_set_profile(CRYPTO_GM);
	double t0 = now_s();
	assert_int_equal(crypto_password_hash("Correct#Horse9", h_gm), 0);
	double t1 = now_s();
	assert_int_equal(crypto_password_hash("Correct#Horse9", h2), 0);
	assert_string_not_equal(h_gm, h2); /* salted */
	assert_int_equal(strncmp(h_gm, "$pbkdf2-sm3$i=", 14), 0);
	crypto_set_profile(CRYPTO_DEFAULT);
	double t2 = now_s();
	assert_int_equal(crypto_password_hash("Correct#Horse9", h_def), 0);
	double t3 = now_s();
	assert_int_equal(strncmp(h_def, "$argon2id$", 10), 0);
	printf("password hash: pbkdf2-sm3 %.0f ms, argon2id %.0f ms (this build)\n", (t1 - t0) * 1e3, (t3 - t2) * 1e3);
	/* Either profile's hashes verify whatever the process profile is. */
	for (int p = 0; p < 2; p++) {
		crypto_set_profile((enum crypto_profile)p);
		assert_true(crypto_password_verify(h_gm, "Correct#Horse9"));
		assert_false(crypto_password_verify(h_gm, "Correct#Horse8"));
		assert_true(crypto_password_verify(h_def, "Correct#Horse9"));
		assert_false(crypto_password_verify(h_def, "Correct#Horse8"));
	}
	/* A tampered iteration count or hash does not verify. */
	char t[CRYPTO_PASSWORD_HASH_MAX];
	snprintf(t, sizeof t, "%s", h_gm);
	t[14] = '9';
	assert_false(crypto_password_verify(t, "Correct#Horse9"));
	assert_false(crypto_password_verify("$pbkdf2-sm3$i=1$AAAA$AAAA", "x"));
	assert_false(crypto_password_verify("", "x"));
	crypto_set_profile(CRYPTO_DEFAULT);
}

static void test_profile_names(void **state)
{
	(void)state;
	enum crypto_profile p;
	assert_int_equal(crypto_profile_parse("gm", &p), 0);
	assert_int_equal(p, CRYPTO_GM);
	assert_int_equal(crypto_profile_parse("default", &p), 0);
	assert_int_equal(p, CRYPTO_DEFAULT);
	assert_int_equal(crypto_profile_parse("sm", &p), -1);
	struct crypto_algorithms a;
	crypto_algorithms(CRYPTO_GM, &a);
	assert_string_equal(a.hash, "SM3");
	assert_string_equal(a.sign, "SM2");
}

int main(void)
{
	if (crypto_init(2) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3_vectors),
		cmocka_unit_test(test_sm4_vector_and_seal_construction),
		cmocka_unit_test(test_seal_gm),
		cmocka_unit_test(test_seal_default),
		cmocka_unit_test(test_mac_differs_by_profile_and_key),
		cmocka_unit_test(test_sm2_annex_a),
		cmocka_unit_test(test_sign_gm),
		cmocka_unit_test(test_sign_default),
		cmocka_unit_test(test_passwords_both_profiles),
		cmocka_unit_test(test_profile_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
