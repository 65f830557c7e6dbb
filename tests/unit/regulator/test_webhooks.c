/* Webhook signatures and URL rules (issue 15, src/regulator/webhooks.c): the HMAC-SHA256 over
 * "t." + body against a value computed independently here, the replay window on both sides,
 * tampering, malformed headers; and the subscription URL rules (scheme, user info, link-local and
 * metadata addresses, the host allow-list), plus the event type vocabulary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "regulator/transport.h"
#include "regulator/webhooks.h"

static const char *SECRET = "whsec_test-secret";
static const char *BODY = "{\"id\":\"evt_1\",\"type\":\"complaint.registered\"}";

static void test_sign_matches_hmac(void **state)
{
	(void)state;
	char header[160], hex[65];
	webhook_sign(SECRET, 1764761400, BODY, strlen(BODY), header, sizeof header);
	/* independent: libsodium one-shot over the concatenation */
	char msg[256];
	snprintf(msg, sizeof msg, "1764761400.%s", BODY);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	char want[160];
	snprintf(want, sizeof want, "t=1764761400,v1=%s", hex);
	assert_string_equal(header, want);
}

static void test_verify(void **state)
{
	(void)state;
	char header[160], v1[65];
	webhook_sign(SECRET, 1000000, BODY, strlen(BODY), header, sizeof header);
	assert_int_equal(webhook_verify(SECRET, header, BODY, strlen(BODY), 1000000, 300, v1), 0);
	assert_string_equal(v1, strstr(header, "v1=") + 3);
	/* the window, both ways */
	assert_int_equal(webhook_verify(SECRET, header, BODY, strlen(BODY), 1000300, 300, v1), 0);
	assert_int_equal(webhook_verify(SECRET, header, BODY, strlen(BODY), 1000301, 300, v1), -2);
	assert_int_equal(webhook_verify(SECRET, header, BODY, strlen(BODY), 999699, 300, v1), -2);
	/* another secret, a changed body, a changed timestamp */
	assert_int_equal(webhook_verify("whsec_other", header, BODY, strlen(BODY), 1000000, 300, v1), -3);
	assert_int_equal(webhook_verify(SECRET, header, "{}", 2, 1000000, 300, v1), -3);
	char moved[160];
	snprintf(moved, sizeof moved, "t=1000001,%s", strchr(header, ',') + 1);
	assert_int_equal(webhook_verify(SECRET, moved, BODY, strlen(BODY), 1000000, 300, v1), -3);
	/* upper-case hex is the same signature */
	char upper[160];
	snprintf(upper, sizeof upper, "%s", header);
	for (char *p = strstr(upper, "v1=") + 3; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	assert_int_equal(webhook_verify(SECRET, upper, BODY, strlen(BODY), 1000000, 300, v1), 0);
	/* malformed */
	const char *bad[] = {"", "v1=abc", "t=,v1=00", "t=1000000", "t=1000000,v1=zz", "t=x1000000,v1=00",
			     "t=1000000;v1=0000000000000000000000000000000000000000000000000000000000000000", NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(webhook_verify(SECRET, bad[i], BODY, strlen(BODY), 1000000, 300, v1), -1);
	assert_int_equal(webhook_verify(SECRET, NULL, BODY, strlen(BODY), 1000000, 300, v1), -1);
}

static void test_url_rules(void **state)
{
	(void)state;
	const char *msg;
	const char *ok[] = {"https://esb.bank.local/fcms/events", "http://127.0.0.1:8080/hook", "http://[::1]:9000/x",
			    "https://esb.bank.local", NULL};
	for (int i = 0; ok[i]; i++)
		assert_int_equal(webhook_url_check(ok[i], "", &msg), 0);
	const char *refused[] = {"ftp://esb/x", "file:///etc/passwd", "gopher://a", "javascript:alert(1)", "esb.bank.local/x",
				 "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x", "http://0.0.0.0/",
				 "http://metadata.google.internal/", "http://100.100.100.200/", "http://user:pw@esb/x",
				 "http://esb@169.254.169.254/", "http://esb.bank.local/a b", "http:///x", NULL};
	for (int i = 0; refused[i]; i++) {
		msg = NULL;
		assert_int_equal(webhook_url_check(refused[i], "", &msg), -1);
		assert_non_null(msg);
	}
	assert_int_equal(webhook_url_check("https://esb.bank.local/x", "oa.bank.local esb.bank.local", &msg), 0);
	assert_int_equal(webhook_url_check("https://ESB.bank.local:8443/x", "esb.bank.local", &msg), 0);
	assert_int_equal(webhook_url_check("https://evil.example/x", "esb.bank.local", &msg), -1);
	assert_int_equal(webhook_url_check("https://esb.bank.local.evil.example/x", "esb.bank.local", &msg), -1);
	assert_true(reg_addr_forbidden("169.254.169.254"));
	assert_true(reg_addr_forbidden("::ffff:169.254.1.1"));
	assert_false(reg_addr_forbidden("10.1.2.3"));
	assert_false(reg_addr_forbidden("127.0.0.1"));
}

static void test_event_types(void **state)
{
	(void)state;
	assert_true(webhook_event_known("complaint.registered"));
	assert_true(webhook_event_known("complaint.assign"));
	assert_true(webhook_event_known("complaint.approve_extension"));
	assert_true(webhook_event_known("approval.requested"));
	assert_false(webhook_event_known("complaint.nope"));
	assert_false(webhook_event_known("complaint."));
	assert_false(webhook_event_known("*"));
	assert_false(webhook_event_known(NULL));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_matches_hmac),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_url_rules),
		cmocka_unit_test(test_event_types),
	};
	return cmocka_run_group_tests_name("webhooks", tests, NULL, NULL);
}
