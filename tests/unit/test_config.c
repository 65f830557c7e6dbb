/* Unit tests for configuration parsing (src/config.c): defaults, every key type with valid and
 * invalid values and their bounds, unknown keys, the key = value file and the database URL. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static void defaults(void **state)
{
	struct config c;
	memset(&c, 0x5A, sizeof c);
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.data_dir, "./var");
	assert_string_equal(c.db_url, "");
	assert_string_equal(c.web_root, "web/dist");
	assert_string_equal(c.regulator, "");
	assert_string_equal(c.password_profile, "dengbao");
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.per_ip_connections, 256);
	assert_int_equal(c.connection_timeout_s, 60);
	assert_int_equal(c.hash_concurrency, 2);
	assert_int_equal(c.session_idle_minutes, 30);
	assert_int_equal(c.session_absolute_hours, 12);
	assert_int_equal(c.lockout_threshold, 5);
	assert_int_equal(c.lockout_minutes, 30);
	assert_false(c.secure_cookies);
	assert_false(c.trust_proxy);
	assert_true(c.log_requests);
	assert_int_equal(c.list_count_ms, 50);
}

static void strings(void **state)
{
	struct config c;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "listen", "0.0.0.0:9000"), 0);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_int_equal(config_set(&c, "data_dir", "/srv/投诉"), 0);
	assert_string_equal(c.data_dir, "/srv/投诉");
	assert_int_equal(config_set(&c, "db_url", "postgresql://fcms@localhost/fcms"), 0);
	assert_string_equal(c.db_url, "postgresql://fcms@localhost/fcms");
	assert_int_equal(config_set(&c, "regulator", "dir:/tmp/out"), 0);
	assert_string_equal(c.regulator, "dir:/tmp/out");
	assert_int_equal(config_set(&c, "web_root", ""), 0);
	assert_string_equal(c.web_root, "");

	/* Length bound: listen holds 127 characters plus the NUL. */
	char v[200];
	memset(v, 'h', 127);
	v[127] = '\0';
	assert_int_equal(config_set(&c, "listen", v), 0);
	assert_int_equal(strlen(c.listen), 127);
	v[127] = 'h';
	v[128] = '\0';
	assert_int_equal(config_set(&c, "listen", "x:1"), 0);
	assert_int_equal(config_set(&c, "listen", v), -1);
	assert_string_equal(c.listen, "x:1"); /* unchanged */
}

static void password_profile(void **state)
{
	struct config c;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "password_profile", "asvs"), 0);
	assert_string_equal(c.password_profile, "asvs");
	assert_int_equal(config_set(&c, "password_profile", "dengbao"), 0);
	assert_string_equal(c.password_profile, "dengbao");
	assert_int_equal(config_set(&c, "password_profile", "ASVS"), -1);
	assert_int_equal(config_set(&c, "password_profile", ""), -1);
	assert_int_equal(config_set(&c, "password_profile", "0123456789abcdef"), -1); /* too long */
}

/* A refused value must leave the old one in place, as it does for every other key
 * (regression test: password_profile used to be copied before it was checked). */
static void password_profile_refusal_keeps_old_value(void **state)
{
	struct config c;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "password_profile", "weak"), -1);
	assert_string_equal(c.password_profile, "dengbao");
}

struct int_case {
	const char *key;
	size_t offset;
	int lo, hi;
};
#define IC(k, lo, hi) {#k, offsetof(struct config, k), lo, hi}
static const struct int_case ints[] = {
	IC(threads, 0, 256),
	IC(max_connections, 1, 100000),
	IC(per_ip_connections, 0, 100000),
	IC(connection_timeout_s, 1, 3600),
	IC(hash_concurrency, 1, 64),
	IC(session_idle_minutes, 1, 1440),
	IC(session_absolute_hours, 1, 168),
	IC(lockout_threshold, 1, 100),
	IC(lockout_minutes, 1, 10080),
	IC(list_count_ms, 0, 60000),
};

static void integers(void **state)
{
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		const struct int_case *k = &ints[i];
		struct config c;
		config_defaults(&c);
		int *field = (int *)((char *)&c + k->offset);
		char v[32];

		snprintf(v, sizeof v, "%d", k->lo);
		assert_int_equal(config_set(&c, k->key, v), 0);
		assert_int_equal(*field, k->lo);
		snprintf(v, sizeof v, "%d", k->hi);
		assert_int_equal(config_set(&c, k->key, v), 0);
		assert_int_equal(*field, k->hi);

		/* Out of range or not a number: refused, value kept. */
		const char *bad[] = {"", "abc", "7x", "1.5", "0x10", "99999999999999999999"};
		char below[32], above[32];
		snprintf(below, sizeof below, "%d", k->lo - 1);
		snprintf(above, sizeof above, "%d", k->hi + 1);
		for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
			if (config_set(&c, k->key, bad[b]) != -1)
				fail_msg("%s = '%s' accepted", k->key, bad[b]);
			assert_int_equal(*field, k->hi);
		}
		if (config_set(&c, k->key, below) != -1 || config_set(&c, k->key, above) != -1)
			fail_msg("%s accepted %s or %s", k->key, below, above);
		assert_int_equal(*field, k->hi);
	}
	struct config c;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "threads", "-1"), -1);
	assert_int_equal(config_set(&c, "threads", "8"), 0);
	assert_int_equal(c.threads, 8);
	assert_int_equal(config_set(&c, "threads", "+9"), 0); /* strtol syntax */
	assert_int_equal(c.threads, 9);
	assert_int_equal(config_set(&c, "threads", "9 "), -1); /* trailing junk */
}

static void booleans(void **state)
{
	struct config c;
	config_defaults(&c);
	const char *yes[] = {"true", "1", "yes"}, *no[] = {"false", "0", "no"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(config_set(&c, "secure_cookies", yes[i]), 0);
		assert_true(c.secure_cookies);
		assert_int_equal(config_set(&c, "secure_cookies", no[i]), 0);
		assert_false(c.secure_cookies);
	}
	assert_int_equal(config_set(&c, "trust_proxy", "yes"), 0);
	assert_true(c.trust_proxy);
	assert_int_equal(config_set(&c, "log_requests", "no"), 0);
	assert_false(c.log_requests);
	const char *bad[] = {"TRUE", "on", "off", "2", "", "yes "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (config_set(&c, "trust_proxy", bad[i]) != -1)
			fail_msg("trust_proxy = '%s' accepted", bad[i]);
		assert_true(c.trust_proxy);
	}
}

static void unknown_keys(void **state)
{
	struct config c, before;
	config_defaults(&c);
	memcpy(&before, &c, sizeof c);
	assert_int_equal(config_set(&c, "listenn", "x"), -1);
	assert_int_equal(config_set(&c, "LISTEN", "x"), -1);
	assert_int_equal(config_set(&c, "", "x"), -1);
	assert_int_equal(config_set(&c, "thread", "4"), -1);
	assert_int_equal(config_set(&c, "listen ", "x"), -1);
	assert_memory_equal(&c, &before, sizeof c);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/fcms-unit-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

static void load_file(void **state)
{
	struct config c;
	config_defaults(&c);
	char *path = write_tmp("# fcms test config\n"
			       "\n"
			       "listen = 0.0.0.0:8443\n"
			       "   threads=16   \n"
			       "\tsecure_cookies = true\n"
			       "db_url = postgresql://u:p=w@h/db\n"
			       "  # indented comment\n"
			       "password_profile = asvs\n");
	assert_int_equal(config_load_file(&c, path), 0);
	unlink(path);
	assert_string_equal(c.listen, "0.0.0.0:8443");
	assert_int_equal(c.threads, 16);
	assert_true(c.secure_cookies);
	assert_string_equal(c.db_url, "postgresql://u:p=w@h/db"); /* split at the first '=' */
	assert_string_equal(c.password_profile, "asvs");
	assert_int_equal(c.max_connections, 1024); /* untouched keys keep defaults */
}

static void load_file_errors(void **state)
{
	struct config c;
	config_defaults(&c);
	char *path = write_tmp("threads = 4\nthis line has no equals sign\nlisten = a:1\n");
	assert_int_equal(config_load_file(&c, path), -1);
	unlink(path);
	assert_int_equal(c.threads, 4);
	assert_string_equal(c.listen, "127.0.0.1:8080"); /* stops at the bad line */

	config_defaults(&c);
	path = write_tmp("lisen = 0.0.0.0:1\n");
	assert_int_equal(config_load_file(&c, path), -1);
	unlink(path);

	config_defaults(&c);
	path = write_tmp("lockout_threshold = 0\n");
	assert_int_equal(config_load_file(&c, path), -1);
	unlink(path);
	assert_int_equal(c.lockout_threshold, 5);

	assert_int_equal(config_load_file(&c, "/nonexistent/fcms.conf"), -1);
}

static void db_url_choice(void **state)
{
	struct config c;
	config_defaults(&c);
	char buf[1100];
	assert_string_equal(config_db_url(&c, buf, (int)sizeof buf), "sqlite:./var/fcms.db");
	assert_int_equal(config_set(&c, "data_dir", "/data"), 0);
	assert_string_equal(config_db_url(&c, buf, (int)sizeof buf), "sqlite:/data/fcms.db");
	assert_int_equal(config_set(&c, "db_url", "postgresql:///fcms"), 0);
	assert_ptr_equal(config_db_url(&c, buf, (int)sizeof buf), buf);
	assert_string_equal(buf, "postgresql:///fcms");
	char small[10];
	assert_string_equal(config_db_url(&c, small, (int)sizeof small), "postgresq"); /* truncated to 9 + NUL */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(strings),
		cmocka_unit_test(password_profile),
		cmocka_unit_test(password_profile_refusal_keeps_old_value),
		cmocka_unit_test(integers),
		cmocka_unit_test(booleans),
		cmocka_unit_test(unknown_keys),
		cmocka_unit_test(load_file),
		cmocka_unit_test(load_file_errors),
		cmocka_unit_test(db_url_choice),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
