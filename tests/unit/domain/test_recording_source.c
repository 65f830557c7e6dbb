/* Unit tests for the recording servers' allow-list (src/domain/recording_source.c): which
 * prefixes the settings take, and which URLs a prefix admits — scheme, host, port and path at a
 * segment boundary — and the URLs never admitted (user info, "..", encoded dots and slashes). */
#include "domain/recording_source.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void test_prefixes(void **state)
{
	(void)state;
	const char *msg = NULL;
	assert_int_equal(recording_prefixes_check("", &msg), 0);
	assert_int_equal(recording_prefixes_check("https://rec.bank.local/calls/ http://127.0.0.1:9000/r,http://localhost/x/", &msg), 0);
	assert_int_equal(recording_prefixes_check("http://[::1]:81/a/", &msg), 0);
	const char *bad[] = {"http://rec.bank.local/calls/", "ftp://127.0.0.1/x/", "https://u@rec.bank.local/x/",
			     "https://rec.bank.local", "https://rec.bank.local/x/?a=1", "https://rec.bank.local/x/#f",
			     "https://rec.bank.local/a/../b/", "https://rec.bank.local/a/%2e%2e/", "https://rec.bank.local:0/x/",
			     "https://rec.bank.local:70000/x/", "https://:443/x/", "https://rec.bank.local/x\\y/", NULL};
	for (int i = 0; bad[i]; i++) {
		msg = NULL;
		assert_int_equal(recording_prefixes_check(bad[i], &msg), -1);
		assert_non_null(msg);
		assert_true((unsigned char)msg[0] >= 0x80); /* Chinese */
	}
	/* one bad prefix spoils the list */
	assert_int_equal(recording_prefixes_check("https://ok.bank.local/a/ http://evil.example/", &msg), -1);
}

static void test_urls(void **state)
{
	(void)state;
	const char *list = "https://rec.bank.local/calls http://127.0.0.1:9000/r/";
	const char *yes[] = {"https://rec.bank.local/calls/2026/1.wav", "https://REC.bank.local/calls/1.wav",
			     "https://rec.bank.local:443/calls/1.wav", "https://rec.bank.local/calls",
			     "https://rec.bank.local/calls/1.wav?sig=abc", "http://127.0.0.1:9000/r/x.mp3", NULL};
	for (int i = 0; yes[i]; i++)
		assert_true(recording_url_allowed(yes[i], list));
	const char *no[] = {"https://rec.bank.local/calls-x/1.wav", "https://rec.bank.local/Calls/1.wav",
			    "http://rec.bank.local/calls/1.wav", "https://rec.bank.local:8443/calls/1.wav",
			    "https://rec.bank.local.evil.com/calls/1.wav", "https://evil.com/calls/1.wav",
			    "https://x@rec.bank.local/calls/1.wav", "https://rec.bank.local/calls/../admin",
			    "https://rec.bank.local/calls/%2E%2E/admin", "https://rec.bank.local/calls/%2fadmin",
			    "https://rec.bank.local/calls/a\\b.wav", "http://127.0.0.1:9001/r/x.mp3", "http://localhost:9000/r/x.mp3",
			    "http://127.0.0.1:9000/rx.mp3", "file:///etc/passwd", "", NULL};
	for (int i = 0; no[i]; i++)
		assert_false(recording_url_allowed(no[i], list));
	assert_false(recording_url_allowed("https://rec.bank.local/calls/1.wav", ""));
	assert_false(recording_url_allowed(NULL, list));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
