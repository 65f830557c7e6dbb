/* Unit tests for directory sign-in pieces without servers: the RFC 4515 escape of user names in
 * LDAP filters (src/util/ldap_auth.c), ID-token signature checks (src/util/jwt.c) with keys made
 * here by OpenSSL, and the OpenID Connect claim checks (src/domain/directory.c). The servers
 * themselves are in tests/api/directory-signin.test.mjs. */
#include "domain/directory.h"
#include "util/jwt.h"
#include "util/ldap_auth.h"
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void escape_rfc4515(void **state)
{
	char out[64];
	assert_int_equal(ldap_filter_escape("zhangwei", out, sizeof out), 0);
	assert_string_equal(out, "zhangwei");
	assert_int_equal(ldap_filter_escape("*)(uid=*", out, sizeof out), 0);
	assert_string_equal(out, "\\2a\\29\\28uid=\\2a");
	assert_int_equal(ldap_filter_escape("a\\b", out, sizeof out), 0);
	assert_string_equal(out, "a\\5cb");
	assert_int_equal(ldap_filter_escape("张伟", out, sizeof out), 0); /* UTF-8 passes as is */
	assert_string_equal(out, "张伟");
	/* a value that does not fit is an error, never a cut filter */
	assert_int_equal(ldap_filter_escape("****", out, 12), -1);
	assert_int_equal(ldap_filter_escape("****", out, 13), 0);
}

static void ldap_refuses_before_connecting(void **state)
{
	struct ldap_conf c = {.url = "ldap://127.0.0.1:1", .attr = "uid", .base = "dc=x"};
	char sub[64], why[128];
	/* empty password: an anonymous bind would "succeed" */
	assert_int_equal(ldap_auth_check(&c, "zhangwei", "", sub, sizeof sub, NULL, why, sizeof why),
			 LDAP_AUTH_BAD_CREDENTIALS);
	/* plain ldap:// without StartTLS never carries a password */
	assert_int_equal(ldap_auth_check(&c, "zhangwei", "pw", sub, sizeof sub, NULL, why, sizeof why),
			 LDAP_AUTH_UNAVAILABLE);
	assert_non_null(strstr(why, "plain ldap refused"));
}

/* ---- JWS ---- */

static EVP_PKEY *rsa;

static int make_key(void **state)
{
	rsa = EVP_RSA_gen(2048);
	return rsa ? 0 : -1;
}

static int free_key(void **state)
{
	EVP_PKEY_free(rsa);
	return 0;
}

static void b64(const void *p, size_t n, char *out, size_t on)
{
	jwt_b64url(p, n, out, on);
}

/* A JWKS with rsa's public numbers under kid "k1". Caller decrefs. */
static json_t *jwks_of(EVP_PKEY *k)
{
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
	EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
	unsigned char nb[512], eb[8];
	int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
	char ns[800], es[16];
	b64(nb, (size_t)nl, ns, sizeof ns);
	b64(eb, (size_t)el, es, sizeof es);
	BN_free(n);
	BN_free(e);
	return json_pack("{s:[{s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "RSA", "kid", "k1", "use", "sig", "n", ns,
			 "e", es);
}

/* header.payload signed RS256 with k (or with alg text and no signature when k is NULL). */
static char *token(EVP_PKEY *k, const char *header, const char *payload)
{
	char h[256], p[512], *t = malloc(2048);
	b64(header, strlen(header), h, sizeof h);
	b64(payload, strlen(payload), p, sizeof p);
	snprintf(t, 2048, "%s.%s", h, p);
	unsigned char sig[512];
	size_t sl = sizeof sig;
	if (k) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
		assert_int_equal(EVP_DigestSign(md, sig, &sl, (unsigned char *)t, strlen(t)), 1);
		EVP_MD_CTX_free(md);
	} else {
		sl = 0;
	}
	char s[800] = "";
	if (sl)
		b64(sig, sl, s, sizeof s);
	strcat(t, ".");
	strcat(t, s);
	return t;
}

static void rs256_verifies_and_tampering_fails(void **state)
{
	json_t *jwks = jwks_of(rsa), *claims = NULL;
	char why[128];
	char *t = token(rsa, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", "{\"sub\":\"alice\"}");
	assert_int_equal(jwt_verify(t, jwks, &claims, why, sizeof why), 0);
	assert_string_equal(json_string_value(json_object_get(claims, "sub")), "alice");
	json_decref(claims);
	/* a changed payload with the old signature */
	char *dot = strchr(t, '.'), *dot2 = strchr(dot + 1, '.');
	char forged[2048], p[128];
	b64("{\"sub\":\"admin\"}", 15, p, sizeof p);
	snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(dot - t), t, p, dot2);
	assert_int_equal(jwt_verify(forged, jwks, &claims, why, sizeof why), -1);
	assert_null(claims);
	free(t);
	/* signed by another key */
	EVP_PKEY *other = EVP_RSA_gen(2048);
	t = token(other, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", "{\"sub\":\"alice\"}");
	assert_int_equal(jwt_verify(t, jwks, &claims, why, sizeof why), -1);
	assert_string_equal(why, "signature does not verify");
	free(t);
	EVP_PKEY_free(other);
	/* a key set whose exponent is 1 is refused (anyone could make a "signature" for it) */
	json_t *weak = json_deep_copy(jwks);
	json_object_set_new(json_array_get(json_object_get(weak, "keys"), 0), "e", json_string("AQ"));
	t = token(rsa, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", "{\"sub\":\"alice\"}");
	assert_int_equal(jwt_verify(t, weak, &claims, why, sizeof why), -1);
	assert_non_null(strstr(why, "no usable key"));
	free(t);
	json_decref(weak);
	/* unknown kid */
	t = token(rsa, "{\"alg\":\"RS256\",\"kid\":\"k2\"}", "{\"sub\":\"alice\"}");
	assert_int_equal(jwt_verify(t, jwks, &claims, why, sizeof why), -1);
	free(t);
	json_decref(jwks);
}

static void weak_algorithms_refused(void **state)
{
	json_t *jwks = jwks_of(rsa), *claims = NULL;
	char why[128];
	const char *heads[] = {"{\"alg\":\"none\"}", "{\"alg\":\"HS256\",\"kid\":\"k1\"}",
			       "{\"alg\":\"RS512\",\"kid\":\"k1\"}", "{\"kid\":\"k1\"}"};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		char *t = token(NULL, heads[i], "{\"sub\":\"alice\"}");
		assert_int_equal(jwt_verify(t, jwks, &claims, why, sizeof why), -1);
		assert_non_null(strstr(why, "algorithm"));
		free(t);
	}
	char *t = token(rsa, "{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[\"x\"]}", "{\"sub\":\"a\"}");
	assert_int_equal(jwt_verify(t, jwks, &claims, why, sizeof why), -1);
	free(t);
	assert_int_equal(jwt_verify("not-a-token", jwks, &claims, why, sizeof why), -1);
	assert_int_equal(jwt_verify("a.b.c.d", jwks, &claims, why, sizeof why), -1);
	json_decref(jwks);
}

/* ---- claims ---- */

static void claims_checked(void **state)
{
	const long long now = 1800000000;
	char why[128];
	json_t *ok = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://iam", "sub", "u1", "aud", "fcms",
			       "exp", (json_int_t)(now + 300), "iat", (json_int_t)now, "nonce", "N1");
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N1", now, why, sizeof why), 0);
	assert_int_equal(directory_oidc_claims_ok(ok, "https://other", "fcms", "N1", now, why, sizeof why), -1);
	assert_string_equal(why, "wrong issuer");
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "other", "N1", now, why, sizeof why), -1);
	assert_string_equal(why, "wrong audience");
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N2", now, why, sizeof why), -1);
	assert_string_equal(why, "nonce mismatch");
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N1", now + 361, why, sizeof why), -1);
	assert_string_equal(why, "token expired");
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N1", now + 359, why, sizeof why), 0);
	/* several audiences: azp must be fcms */
	json_object_set_new(ok, "aud", json_pack("[s, s]", "fcms", "other"));
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N1", now, why, sizeof why), -1);
	json_object_set_new(ok, "azp", json_string("fcms"));
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N1", now, why, sizeof why), 0);
	json_object_del(ok, "sub");
	assert_int_equal(directory_oidc_claims_ok(ok, "https://iam", "fcms", "N1", now, why, sizeof why), -1);
	json_decref(ok);
}

static void links_never_for_security_or_audit(void **state)
{
	assert_true(directory_link_allowed(0));
	assert_true(directory_link_allowed(1u << 8)); /* user.manage: the system family */
	assert_false(directory_link_allowed(1u << 14)); /* security.policy */
}

static void mapping_never_mixes_families(void **state)
{
	assert_true(directory_role_mappable(NULL, "complaint.handle complaint.view"));
	assert_false(directory_role_mappable("sys", "org.manage user.manage"));
	assert_false(directory_role_mappable("sec", "role.manage"));
	assert_false(directory_role_mappable(NULL, "user.manage")); /* a system permission, unlabelled */
	assert_false(directory_role_mappable(NULL, "complaint.view user.manage")); /* mixed */
	json_t *none = json_array();
	assert_true(directory_account_takes_mapping(none));
	json_t *business = json_pack("[{s:n, s:s}]", "sanyuan", "permissions", "complaint.register");
	assert_true(directory_account_takes_mapping(business));
	json_t *sys = json_pack("[{s:s, s:s}]", "sanyuan", "sys", "permissions", "user.manage");
	assert_false(directory_account_takes_mapping(sys));
	json_decref(none);
	json_decref(business);
	json_decref(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_rfc4515),
		cmocka_unit_test(ldap_refuses_before_connecting),
		cmocka_unit_test(rs256_verifies_and_tampering_fails),
		cmocka_unit_test(weak_algorithms_refused),
		cmocka_unit_test(claims_checked),
		cmocka_unit_test(links_never_for_security_or_audit),
		cmocka_unit_test(mapping_never_mixes_families),
	};
	return cmocka_run_group_tests_name("directory", tests, make_key, free_key);
}
