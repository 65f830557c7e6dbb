/* JWS verification with OpenSSL 3 EVP (see jwt.h). Keys are built from the JWK's public numbers
 * with EVP_PKEY_fromdata, so no deprecated RSA_/EC_KEY calls are needed. */
#include "util/jwt.h"
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jwt_b64url(const unsigned char *in, size_t n, char *out, size_t out_n)
{
	sodium_bin2base64(out, out_n, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Decodes base64url text of length len into a malloc'ed buffer; NULL on bad input. */
static unsigned char *b64url_decode(const char *s, size_t len, size_t *out_len)
{
	unsigned char *buf = malloc(len + 1);
	if (!buf)
		return NULL;
	if (sodium_base642bin(buf, len + 1, s, len, NULL, out_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static unsigned char *jwk_field(const json_t *k, const char *name, size_t *n)
{
	const char *v = json_string_value(json_object_get(k, name));
	return v ? b64url_decode(v, strlen(v), n) : NULL;
}

static EVP_PKEY *fromdata(const char *type, OSSL_PARAM_BLD *b)
{
	EVP_PKEY *pk = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pk;
}

static EVP_PKEY *rsa_key(const json_t *k)
{
	size_t nn = 0, en = 0;
	unsigned char *n = jwk_field(k, "n", &nn), *e = jwk_field(k, "e", &en);
	BIGNUM *bn = n ? BN_bin2bn(n, (int)nn, NULL) : NULL, *be = e ? BN_bin2bn(e, (int)en, NULL) : NULL;
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY *pk = NULL;
	/* 2048-bit moduli at least; an odd exponent above 1 (with e = 1 anyone could "sign") */
	if (bn && be && b && nn >= 256 && BN_is_odd(be) && !BN_is_one(be) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
		pk = fromdata("RSA", b);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	free(n);
	free(e);
	return pk;
}

static EVP_PKEY *ec_key(const json_t *k)
{
	const char *crv = json_string_value(json_object_get(k, "crv"));
	if (!crv || strcmp(crv, "P-256") != 0)
		return NULL;
	size_t xn = 0, yn = 0;
	unsigned char *x = jwk_field(k, "x", &xn), *y = jwk_field(k, "y", &yn);
	unsigned char point[65];
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY *pk = NULL;
	if (x && y && b && xn == 32 && yn == 32) {
		point[0] = 4; /* uncompressed */
		memcpy(point + 1, x, 32);
		memcpy(point + 33, y, 32);
		if (OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
		    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
			pk = fromdata("EC", b);
	}
	OSSL_PARAM_BLD_free(b);
	free(x);
	free(y);
	return pk;
}

/* The JWK for alg/kid, or NULL. */
static const json_t *find_key(const json_t *jwks, const char *kty, const char *kid)
{
	const json_t *keys = json_object_get(jwks, "keys"), *found = NULL, *k;
	size_t i;
	int candidates = 0;
	json_array_foreach(keys, i, k)
	{
		const char *t = json_string_value(json_object_get(k, "kty"));
		const char *use = json_string_value(json_object_get(k, "use"));
		const char *id = json_string_value(json_object_get(k, "kid"));
		if (!t || strcmp(t, kty) != 0 || (use && strcmp(use, "sig") != 0))
			continue;
		if (kid ? (id && strcmp(id, kid) == 0) : true) {
			found = k;
			candidates++;
		}
	}
	return candidates == 1 ? found : NULL;
}

/* ES256 signatures in a JWS are r || s (32 bytes each); OpenSSL verifies DER. */
static unsigned char *es256_der(const unsigned char *sig, size_t n, size_t *der_n)
{
	if (n != 64)
		return NULL;
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	if (s && r && ss && ECDSA_SIG_set0(s, r, ss) == 1) {
		r = ss = NULL; /* owned by s now */
		int len = i2d_ECDSA_SIG(s, &der);
		*der_n = len > 0 ? (size_t)len : 0;
		if (len <= 0)
			der = NULL;
	}
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return der;
}

#define WHY(...) snprintf(why, why_n, __VA_ARGS__)

int jwt_verify(const char *token, const json_t *jwks, json_t **claims, char *why, size_t why_n)
{
	*claims = NULL;
	const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d1 || !d2 || strchr(d2 + 1, '.'))
		return WHY("not a compact JWS"), -1;
	size_t hn = 0, pn = 0, sn = 0;
	unsigned char *h = b64url_decode(token, (size_t)(d1 - token), &hn);
	unsigned char *p = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &pn);
	unsigned char *sig = b64url_decode(d2 + 1, strlen(d2 + 1), &sn);
	json_t *header = h ? json_loadb((const char *)h, hn, 0, NULL) : NULL;
	json_t *payload = p ? json_loadb((const char *)p, pn, 0, NULL) : NULL;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	int rc = -1;
	if (!header || !payload || !json_is_object(payload) || !sig) {
		WHY("undecodable token");
		goto done;
	}
	const char *alg = json_string_value(json_object_get(header, "alg"));
	const char *kid = json_string_value(json_object_get(header, "kid"));
	bool rs = alg && strcmp(alg, "RS256") == 0, es = alg && strcmp(alg, "ES256") == 0;
	if (!rs && !es) {
		WHY("algorithm %.20s not accepted", alg ? alg : "(none)");
		goto done;
	}
	if (json_object_get(header, "crit")) {
		WHY("critical header not understood");
		goto done;
	}
	const json_t *k = find_key(jwks, rs ? "RSA" : "EC", kid);
	pk = k ? (rs ? rsa_key(k) : ec_key(k)) : NULL;
	if (!pk) {
		WHY("no usable key %.40s in the provider's key set", kid ? kid : "");
		goto done;
	}
	const unsigned char *s = sig;
	size_t slen = sn;
	if (es) {
		if (!(der = es256_der(sig, sn, &slen))) {
			WHY("bad ES256 signature length");
			goto done;
		}
		s = der;
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestVerify(md, s, slen, (const unsigned char *)token, (size_t)(d2 - token)) != 1) {
		WHY("signature does not verify");
		goto done;
	}
	*claims = payload;
	payload = NULL;
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	OPENSSL_free(der);
	json_decref(header);
	json_decref(payload);
	free(h);
	free(p);
	free(sig);
	return rc;
}
