/* Signature check of a compact JWS (an OpenID Connect ID token) against a JWK Set, with OpenSSL's
 * EVP: RS256 (RSA PKCS#1 v1.5 + SHA-256) and ES256 (ECDSA P-256 + SHA-256) only. "none", HMAC
 * and every other algorithm are refused, so a token cannot choose a weaker check. The claims are
 * the caller's business. No project includes. */
#ifndef FCMS_JWT_H
#define FCMS_JWT_H
#include <jansson.h>
#include <stddef.h>

/* Verifies token with the key of jwks ({"keys":[...]}) whose kid matches the header's (or the
 * only key of the right type when the header names none). Returns 0 with the payload object in
 * *claims (caller decrefs), or -1 with a short English reason in why. */
int jwt_verify(const char *token, const json_t *jwks, json_t **claims, char *why, size_t why_n);

/* base64url without padding of n bytes into out (n * 4 / 3 + 4 bytes). */
void jwt_b64url(const unsigned char *in, size_t n, char *out, size_t out_n);

#endif
