/* libFuzzer target for the OpenID Connect ID-token checks: the JWS parser and signature check
 * (src/util/jwt.c) and the claim checks (src/domain/directory.c), which read what the identity
 * platform returns. The first byte picks the target, the rest is the input:
 *  - even: a compact JWS checked against a fixed key set (an RSA 2048 and a P-256 public key whose
 *    private halves were thrown away when this file was written): nothing can be signed for
 *    them, so every input must be refused, with no claims returned;
 *  - odd: a JSON claims object checked for issuer "https://iam.bank.cn", client "fcms", nonce
 *    "N1": an accepted one must carry exactly those, a subject, and an expiry not past.
 * Built and run by tests/fuzz/run.sh; not part of the server. */
#include "domain/directory.h"
#include "util/jwt.h"
#include "fuzz_check.h"
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char JWKS[] = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"yUdScCDIY6uDRUFoqzKFnCaI9XYRLBuoRTnryQji09-bTzUKTUEs9Ab5F3wnyjjmHby5_40EaB139a535gfpUh2zY85-ljUc9z2fjnOiBlIgSzU6WCwdNFzmWgFW2FAF5RC0DFfgqJKQDY5VDO2k0eNjNH9o3tbfiYHP6MK-r2KsUvbWvej6XzdDXwyixd1lzCeychg8eWrHbTOJMdXn727ziSJIGfrhZj_j9dmZy589_Fd0Xz5RvEZDvSsbQG2_Vxcxig19tjcTERc5pCqD71eHehlSpsBAG00AqsqfxPfsvX5L1XFQMBMiONJZ8ZfgxUBKy6qDCaSrTbDUbNVBaw\",\"e\":\"AQAB\",\"kid\":\"r1\",\"use\":\"sig\"},{\"kty\":\"EC\",\"x\":\"n4DvSRLoWEtiEviZ0WWlDtQSE3rlYMDThSSZxzMZrBU\",\"y\":\"Z-d8xPHPdNexS8_7MVWT0XQGFw7a9tgUPVmmMWD3WOw\",\"crv\":\"P-256\",\"kid\":\"e1\",\"use\":\"sig\"}]}";
static json_t *jwks;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_check_init();
	jwks = json_loads(JWKS, 0, NULL);
	CHECK(json_array_size(json_object_get(jwks, "keys")) == 2);
	return 0;
}

#define NOW 1800000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	char *s = malloc(size);
	CHECK(s);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	char why[160];
	if ((data[0] & 1) == 0) {
		json_t *claims = (json_t *)1;
		CHECK(jwt_verify(s, jwks, &claims, why, sizeof why) == -1);
		CHECK(claims == NULL);
		CHECK(why[0] != '\0');
	} else {
		json_t *c = json_loads(s, JSON_DECODE_ANY, NULL);
		if (c) {
			int rc = directory_oidc_claims_ok(c, "https://iam.bank.cn", "fcms", "N1", NOW, why, sizeof why);
			CHECK(rc == 0 || rc == -1);
			if (rc == 0) {
				CHECK(strcmp(json_string_value(json_object_get(c, "iss")), "https://iam.bank.cn") == 0);
				CHECK(strcmp(json_string_value(json_object_get(c, "nonce")), "N1") == 0);
				CHECK(json_string_value(json_object_get(c, "sub")) != NULL);
				CHECK(json_integer_value(json_object_get(c, "exp")) + 60 >= NOW);
			}
			json_decref(c);
		}
	}
	free(s);
	return 0;
}
