/* Migrations are frozen once landed (STYLE.md): src/store/migrations/SHA256SUMS lists every
 * landed file with its SHA-256, and these tests fail when a listed file changes, when a file is
 * not listed, or when the binary embeds a text other than the file's. They also replay the
 * history that broke upgrades before the freeze: a database migrated with the first texts of
 * 0009 (no heartbeat_at, index report_exports_open) and 0011 (no bulk_load_indexes) must reach
 * the same schema as a new one (repair migration sqlite 0012).
 *
 * Adding a migration: write the new file, then
 *   cd src/store/migrations && sha256sum sqlite/NNNN_name.sql pg/NNNN_name.sql >> SHA256SUMS */
#include "store/migrations.h"
#include "store/store.h"
#include "unit_db.h"
#include "util/log.h"
#include <dirent.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define DIR_MIGRATIONS "src/store/migrations"

struct listed {
	char hash[65];
	char path[128]; /* backend/NNNN_name.sql */
	bool seen;
};

static int load_sums(struct listed *out, int max)
{
	FILE *f = fopen(DIR_MIGRATIONS "/SHA256SUMS", "r");
	if (!f)
		return -1;
	int n = 0;
	char line[512];
	while (fgets(line, sizeof line, f) && n < max) {
		if (sscanf(line, "%64s %127s", out[n].hash, out[n].path) == 2) {
			out[n].seen = false;
			n++;
		}
	}
	fclose(f);
	return n;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static struct listed *find(struct listed *l, int n, const char *path)
{
	for (int i = 0; i < n; i++)
		if (strcmp(l[i].path, path) == 0)
			return &l[i];
	return NULL;
}

/* Every file on disk is listed, and its content still hashes to the listed value. */
static void test_landed_files_unchanged(void **state)
{
	(void)state;
	struct listed sums[256];
	int n = load_sums(sums, 256);
	assert_true(n > 0);
	const char *backends[] = {"sqlite", "pg"};
	for (int b = 0; b < 2; b++) {
		char dir[128];
		snprintf(dir, sizeof dir, DIR_MIGRATIONS "/%s", backends[b]);
		DIR *dh = opendir(dir);
		assert_non_null(dh);
		struct dirent *e;
		while ((e = readdir(dh))) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 4, ".sql") != 0)
				continue;
			char rel[300], full[400];
			snprintf(rel, sizeof rel, "%s/%s", backends[b], e->d_name);
			snprintf(full, sizeof full, DIR_MIGRATIONS "/%s", rel);
			struct listed *s = find(sums, n, rel);
			if (!s)
				fail_msg("%s is not in SHA256SUMS: add its line once it is final", rel);
			size_t len;
			char *text = read_all(full, &len);
			assert_non_null(text);
			char hex[65];
			sha256_hex(text, len, hex);
			free(text);
			if (strcmp(hex, s->hash) != 0)
				fail_msg("%s changed after landing (frozen: write a new migration instead)", rel);
			s->seen = true;
		}
		closedir(dh);
	}
	for (int i = 0; i < n; i++)
		if (!sums[i].seen)
			fail_msg("%s is listed in SHA256SUMS but missing (landed migrations stay)", sums[i].path);
}

/* The binary carries exactly the files' texts, in order, with unique numbers. */
static void test_embedded_match_files(void **state)
{
	(void)state;
	struct listed sums[256];
	int n = load_sums(sums, 256);
	assert_true(n > 0);
	const struct migration *lists[] = {migrations_sqlite, migrations_pg};
	const char *backends[] = {"sqlite", "pg"};
	int embedded = 0;
	for (int b = 0; b < 2; b++) {
		int last = 0;
		for (const struct migration *m = lists[b]; m->name; m++) {
			assert_true(m->version > last);
			last = m->version;
			char rel[160];
			snprintf(rel, sizeof rel, "%s/%s.sql", backends[b], m->name);
			struct listed *s = find(sums, n, rel);
			if (!s)
				fail_msg("embedded migration %s is not listed in SHA256SUMS", rel);
			char hex[65];
			sha256_hex(m->sql, strlen(m->sql), hex);
			if (strcmp(hex, s->hash) != 0)
				fail_msg("embedded %s differs from its landed text", rel);
			embedded++;
		}
	}
	assert_int_equal(embedded, n);
}

/* text with every occurrence of `from` replaced by `to`; caller frees. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	assert_non_null(at);
	size_t head = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
	char *out = malloc(strlen(text) - fl + tl + 1);
	assert_non_null(out);
	memcpy(out, text, head);
	memcpy(out + head, to, tl);
	strcpy(out + head + tl, at + fl);
	return out;
}

/* Columns of every table and the names of every index, as one comparable text. */
static char *schema_shape(struct db *d)
{
	json_t *rows = NULL;
	int rc = db_query_json(d, &rows,
			       "SELECT m.type, m.name, COALESCE(group_concat(c.name || ':' || c.type, ','), '') AS cols"
			       " FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) c ON m.type = 'table'"
			       " WHERE m.name NOT LIKE 'sqlite_%' AND m.type IN ('table', 'index', 'trigger')"
			       " GROUP BY m.type, m.name ORDER BY m.type, m.name",
			       (const struct db_val[]){DB_END});
	assert_int_equal(rc, DB_OK);
	char *s = json_dumps(rows, JSON_COMPACT);
	json_decref(rows);
	return s;
}

static const struct migration *sqlite_migration(int version)
{
	for (const struct migration *m = migrations_sqlite; m->name; m++)
		if (m->version == version)
			return m;
	return NULL;
}

/* A database that applied the first texts of 0009 and 0011 (as landed before they were edited)
 * upgrades to the schema of a new database, keeping its export jobs. Failed before the repair
 * migration: store_migrate stopped on the missing bulk_load_indexes table. */
static void test_upgrade_from_edited_migrations(void **state)
{
	(void)state;
	struct unit_db fresh, old;
	assert_int_equal(unit_db_make(&fresh, "mig-new"), 0);
	assert_int_equal(unit_db_make(&old, "mig-old"), 0);

	assert_int_equal(store_init(fresh.url), 0);
	struct db *d = store_conn();
	assert_non_null(d);
	assert_int_equal(store_migrate(d), DB_OK);
	char *want = schema_shape(d);
	store_release_thread();

	assert_int_equal(store_init(old.url), 0);
	d = store_conn();
	int64_t v;
	assert_int_equal(store_schema_version(d, &v), DB_OK);
	for (int version = 1; version <= 11; version++) {
		const struct migration *m = sqlite_migration(version);
		assert_non_null(m);
		char *sql = strdup(m->sql);
		assert_non_null(sql);
		if (version == 9) { /* 0009 as first landed (6cfe7d9) */
			char *a = replaced(sql, "  heartbeat_at INTEGER,", "");
			char *b = replaced(a, "report_exports_status", "report_exports_open");
			free(sql);
			free(a);
			sql = b;
		} else if (version == 11) { /* 0011 as first landed (d7175b3) */
			char *cut = strstr(sql, "-- 3. Where a bulk load");
			assert_non_null(cut);
			*cut = '\0';
		}
		assert_int_equal(db_exec_script(d, sql), DB_OK);
		free(sql);
		assert_int_equal(DBX(d, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, 0)",
				     DB_INT(version), DB_TEXT(m->name)),
				 1);
	}
	assert_int_equal(DBX(d, "INSERT INTO report_exports (user_id, filters, status, created_at, finished_at)"
				" VALUES (7, '{}', 'done', 1, 2)", DB_END),
			 1);

	assert_int_equal(store_migrate(d), DB_OK);
	char *got = schema_shape(d);
	assert_string_equal(got, want);
	int64_t kept = 0;
	assert_true(DB_SCALAR(d, &kept, "SELECT COUNT(*) FROM report_exports WHERE user_id = 7 AND status = 'done'", DB_END) >= 0);
	assert_int_equal(kept, 1);
	assert_int_equal(DBX(d, "UPDATE report_exports SET heartbeat_at = 5 WHERE user_id = 7", DB_END), 1);
	store_release_thread();
	free(got);
	free(want);
	unit_db_remove(&fresh);
	unit_db_remove(&old);
}

int main(void)
{
	log_set_level(LOG_WARN);
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_landed_files_unchanged),
		cmocka_unit_test(test_embedded_match_files),
		cmocka_unit_test(test_upgrade_from_edited_migrations),
	};
	return cmocka_run_group_tests_name("migrations", tests, NULL, NULL);
}
