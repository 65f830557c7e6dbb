/* Backups: the sealed key bundle (round trip, wrong passphrase, altered bytes, altered manifest,
 * foreign files), file hashing, and a whole backup of a real SQLite data directory whose altered
 * copy --verify and restore refuse, writing nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/backup.h"
#include "domain/pii.h"
#include "store/store.h"
#include "util/crypto.h"

/* Fast Argon2id limits for the bundle tests; the real backups use the moderate ones. */
#define OPS 1
#define MEM 8192

static void test_bundle_round_trip(void **state)
{
	(void)state;
	unsigned char k1[32], k2[32], ad[32], ad2[32];
	for (int i = 0; i < 32; i++)
		k1[i] = (unsigned char)i, k2[i] = (unsigned char)(255 - i), ad[i] = 7, ad2[i] = 7;
	ad2[31] = 8;
	struct backup_file in[3] = {{"pii-0011aabb.key", k1, 32}, {"bidx.key", k2, 32}, {"current", (unsigned char *)"0011aabb", 8}};
	unsigned char *sealed;
	size_t len;
	assert_int_equal(backup_bundle_seal(in, 3, "the passphrase", ad, OPS, MEM, &sealed, &len), 0);
	assert_null(memmem(sealed, len, k1, 32)); /* never in clear */
	assert_null(memmem(sealed, len, k2, 32));

	struct backup_file *out;
	int n;
	assert_int_equal(backup_bundle_open(sealed, len, "the passphrase", ad, &out, &n), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(out[i].name, in[i].name);
		assert_int_equal(out[i].len, in[i].len);
		assert_memory_equal(out[i].data, in[i].data, in[i].len);
	}
	backup_files_free(out, 128);

	/* wrong passphrase, manifest changed (associated data), a flipped byte anywhere */
	assert_int_equal(backup_bundle_open(sealed, len, "the passphrasE", ad, &out, &n), -1);
	assert_null(out);
	assert_int_equal(backup_bundle_open(sealed, len, "the passphrase", ad2, &out, &n), -1);
	for (size_t at = 8; at < len; at += 13) {
		if (at < 24)
			continue; /* the KDF limits: changing them is refused or fails the tag, both tested below */
		sealed[at] ^= 1;
		assert_int_equal(backup_bundle_open(sealed, len, "the passphrase", ad, &out, &n), -1);
		sealed[at] ^= 1;
	}
	sealed[8] = 2; /* ops limit changed: the tag covers the header */
	assert_int_equal(backup_bundle_open(sealed, len, "the passphrase", ad, &out, &n), -1);
	sealed[0] = 'X'; /* not a bundle */
	assert_int_equal(backup_bundle_open(sealed, len, "the passphrase", ad, &out, &n), -2);
	assert_int_equal(backup_bundle_open(sealed, 10, "the passphrase", ad, &out, &n), -2);
	free(sealed);
}

static void test_sha256_file(void **state)
{
	(void)state;
	char path[] = "/tmp/fcms-unit-sha-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	char hex[65];
	int64_t size;
	assert_int_equal(backup_sha256_file(path, hex, &size), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(size, 3);
	unlink(path);
	assert_int_equal(backup_sha256_file(path, hex, &size), -1);
}

__attribute__((format(printf, 1, 0))) static int sh(const char *fmt, const char *a, const char *b)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	char cmd[1024];
	snprintf(cmd, sizeof cmd, fmt, a, b);
#pragma GCC diagnostic pop
	return system(cmd);
}

/* A real data dir: database, keys, an attachment; backup, verify, tamper, restore. */
static void test_backup_verify_restore(void **state)
{
	(void)state;
	char root[] = "/tmp/fcms-unit-backup-XXXXXX";
	assert_non_null(mkdtemp(root));
	char data[128], bdir[128], bad[128], target[128], url[200], att[200];
	snprintf(data, sizeof data, "%s/data", root);
	snprintf(bdir, sizeof bdir, "%s/backup", root);
	snprintf(bad, sizeof bad, "%s/bad", root);
	snprintf(target, sizeof target, "%s/restored", root);
	snprintf(url, sizeof url, "sqlite:%s/fcms.db", data);
	assert_int_equal(mkdir(data, 0700), 0);
	assert_int_equal(pii_init(data), 0);
	assert_int_equal(store_init(url), 0);
	struct db *d = store_conn();
	assert_non_null(d);
	assert_int_equal(store_migrate(d), DB_OK);
	store_release_thread();
	snprintf(att, sizeof att, "%s/attachments/ab", data);
	assert_int_equal(sh("mkdir -p %s && echo attachment-bytes > %s/abcdef", att, att), 0);

	setenv("FCMS_BACKUP_PASSPHRASE", "short", 1);
	struct backup_opts o = {.data_dir = data, .db_url = url, .dir = bdir, .version = "test"};
	assert_int_equal(backup_create(&o), 2); /* passphrase too short: refused */
	assert_int_equal(access(bdir, F_OK), -1);

	setenv("FCMS_BACKUP_PASSPHRASE", "a long enough passphrase", 1);
	assert_int_equal(backup_create(&o), 0);
	assert_int_equal(backup_create(&o), 2); /* the target is not empty now */
	assert_int_equal(backup_verify(&o), 0);

	/* wrong passphrase */
	setenv("FCMS_BACKUP_PASSPHRASE", "a long enough passphrasf", 1);
	assert_int_equal(backup_verify(&o), 1);
	struct backup_opts r = {.dir = bdir, .target_data = target, .version = "test"};
	assert_int_equal(backup_restore(&r), 1);
	assert_int_equal(access(target, F_OK), -1);
	setenv("FCMS_BACKUP_PASSPHRASE", "a long enough passphrase", 1);

	/* an altered attachment, then an altered manifest */
	assert_int_equal(sh("cp -a %s %s", bdir, bad), 0);
	assert_int_equal(sh("echo changed > %s/attachments/ab/abcdef%s", bad, ""), 0);
	struct backup_opts ob = {.dir = bad, .target_data = target, .version = "test"};
	assert_int_equal(backup_verify(&ob), 1);
	assert_int_equal(backup_restore(&ob), 1);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(sh("rm -rf %s%s", bad, ""), 0);
	assert_int_equal(sh("cp -a %s %s", bdir, bad), 0);
	assert_int_equal(sh("sed -i 's/\"complaints\": 0/\"complaints\": 1/' %s/manifest.json%s", bad, ""), 0);
	assert_int_equal(backup_verify(&ob), 1); /* the passphrase check covers the manifest */

	/* the good one restores, keys 0600 in a 0700 dir, attachment back */
	assert_int_equal(backup_restore(&r), 0);
	char p[300];
	struct stat st;
	snprintf(p, sizeof p, "%s/keys/bidx.key", target);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(p, sizeof p, "%s/keys", target);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(p, sizeof p, "%s/attachments/ab/abcdef", target);
	assert_int_equal(access(p, R_OK), 0);
	assert_int_equal(backup_restore(&r), 2); /* not into a non-empty dir */

	pii_shutdown();
	assert_int_equal(sh("rm -rf %s%s", root, ""), 0);
}

int main(void)
{
	if (crypto_init(1) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_round_trip),
		cmocka_unit_test(test_sha256_file),
		cmocka_unit_test(test_backup_verify_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
