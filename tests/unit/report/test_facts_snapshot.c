/* Unit tests for the report index's snapshot (src/report/facts.c, issue 13 "restart in
 * seconds") over a real SQLite file: a snapshot round trip gives the same figures as the load
 * from the database; a stale snapshot catches up from the change log; one whose changes were
 * pruned, a corrupt, truncated or empty one, one of another version, of another database or newer
 * than the database is ignored and the index rebuilt from the database. Every figure is checked
 * against SQL counts of the same rows. */
#include "report/facts.h"
#include "store/store.h"
#include "util/crypto.h"
#include "unit_db.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "report/facts_scope_scan.h"

static struct unit_db u;
static struct db *d;
static char snap[160];

static int setup(void **state)
{
	(void)state;
	if (unit_db_make(&u, "factsnap") != 0 || store_init(u.url) != 0 || !(d = store_conn()) ||
	    store_migrate(d) != DB_OK || crypto_init(1) != 0)
		return -1;
	snprintf(snap, sizeof snap, "%s/report-index.snap", u.dir);
	int rc = db_exec_script(
		d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
		   " type, created_at, updated_at) VALUES (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000',"
		   " 'head_office', 0, 0), (2, 1, '/1/2/', 2, 'BR', 'BR', 'BR000000000000', '440000', 'branch', 0, 0);"
		   "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at)"
		   " VALUES (1, 'u', 'u', 1, 'x', 0, 0);"
		   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
		   " INSERT INTO complaints (complaint_no, status, received_at, registrar_id, registrar_org_id,"
		   " handling_org_id, org_path, complained_org_id, region_code, business_type_code, cause_code,"
		   " source_channel, rights, due_at, replied_at, closed_at, compensation_fen, created_at, updated_at)"
		   " SELECT 'N' || i, CASE i % 7 WHEN 0 THEN 'draft' WHEN 1 THEN 'processing' WHEN 2 THEN 'replied'"
		   " WHEN 3 THEN 'withdrawn' ELSE 'closed' END,"
		   " 1700000000000 + (i * 7919 % 300) * 86400000, 1, 1, 1 + i % 2,"
		   " CASE i % 2 WHEN 0 THEN '/1/' ELSE '/1/2/' END, 1 + i % 2, '440103', 'B0' || (1 + i % 5),"
		   " 'C0' || (1 + i % 7), CASE i % 3 WHEN 0 THEN 'phone' WHEN 1 THEN 'letter' ELSE 'onsite' END, 'R04',"
		   " 1700000000000 + (i * 7919 % 300 + 15) * 86400000, 1700000000000 + (i * 7919 % 300 + i % 20) * 86400000,"
		   " 1700000000000 + (i * 7919 % 300 + 20) * 86400000, i % 3 * 100, 1700000000000 + i, 0 FROM n;"
		   /* A small institution: its scans read its own rows (facts_org_rows.c). */
		   "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
		   " type, created_at, updated_at) VALUES (3, 1, '/1/3/', 2, 'S3', 'S3', 'S3000000000000', '440000',"
		   " 'branch', 0, 0);"
		   "UPDATE complaints SET handling_org_id = 3, org_path = '/1/3/' WHERE id % 53 = 0");
	if (rc != DB_OK)
		return -1;
	facts_set_snapshot_path(snap);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	facts_stop();
	store_release_thread();
	unlink(snap);
	unit_db_remove(&u);
	return 0;
}

static int64_t sql_count(const char *where)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT COUNT(*) FROM complaints WHERE status NOT IN ('draft', 'deleted') AND merged_into IS NULL"
		 " AND received_at IS NOT NULL AND %s",
		 where);
	int64_t n = -1;
	assert_int_equal(db_scalar_int(d, &n, sql, (const struct db_val[]){DB_END}), 1);
	return n;
}

/* Counts by one dimension over every day. */
static void scan(enum fact_dim group, struct fact_agg g[64], struct fact_agg *total)
{
	facts_read_lock();
	struct fact_query q = {.from_day = 0, .to_day = 65535, .group = group, .group2 = FD_NONE, .ngroups = 64};
	memset(g, 0, 64 * sizeof *g);
	facts_scan(&q, g, total);
	facts_read_unlock();
}

static int64_t count_of(enum fact_dim dim, const char *key)
{
	struct fact_agg g[64], t;
	scan(dim, g, &t);
	facts_read_lock();
	int64_t n = 0;
	for (uint32_t v = 0; v < facts_dict_size(dim); v++)
		if (!strcmp(facts_dict_key(dim, v), key))
			n = g[v].count;
	facts_read_unlock();
	return n;
}

/* The complaints handled by institution org (the scope's column), by a scan selecting it. */
static int64_t org_count(const char *org)
{
	struct fact_agg g[64], t;
	scan_scope_org(org, 0, FD_NONE, g, &t);
	return t.count;
}

/* The index agrees with SQL on the total, on every channel and status, and on the small
 * institution's complaints. */
static void assert_matches_sql(void)
{
	assert_int_equal(org_count("3"), sql_count("handling_org_id = 3"));
	assert_int_equal(org_count("2"), sql_count("handling_org_id = 2"));
	struct fact_agg g[64], t;
	scan(FD_CHANNEL, g, &t);
	assert_int_equal(t.count, sql_count("1 = 1"));
	static const char *const channels[] = {"phone", "letter", "onsite", "media", "email"};
	for (int i = 0; i < 5; i++) {
		char w[64];
		snprintf(w, sizeof w, "source_channel = '%s'", channels[i]);
		assert_int_equal(count_of(FD_CHANNEL, channels[i]), sql_count(w));
	}
	assert_int_equal(count_of(FD_STATUS, "closed"), sql_count("status = 'closed'"));
	assert_int_equal(count_of(FD_STATUS, "processing"), sql_count("status = 'processing'"));
	assert_int_equal(t.closed, sql_count("status = 'closed'"));
	assert_int_equal(t.on_time, sql_count("status = 'closed' AND replied_at <= due_at"));
}

/* A restart: the index is dropped and loaded again (facts_stop writes a snapshot when
 * write_on_stop; the test then may spoil it before the load). */
static void restart_with(void (*spoil)(void))
{
	facts_stop();
	assert_false(facts_ready());
	if (spoil)
		spoil();
	facts_set_snapshot_path(snap);
	assert_int_equal(facts_sync(d), 0);
	assert_true(facts_ready());
}

static void test_round_trip(void **state)
{
	(void)state;
	unlink(snap);
	assert_int_equal(facts_sync(d), 0);
	assert_int_equal(facts_source(), FACTS_FROM_DATABASE);
	assert_int_equal(facts_snapshot_write(), 0);
	struct stat st;
	assert_int_equal(stat(snap, &st), 0);
	struct fact_agg before[3][64], tb[3], after[3][64], ta[3];
	const enum fact_dim dims[3] = {FD_C, FD_CHANNEL, FD_B};
	for (int k = 0; k < 3; k++)
		scan(dims[k], before[k], &tb[k]);
	restart_with(NULL);
	assert_int_equal(facts_source(), FACTS_FROM_SNAPSHOT);
	/* Same values under the same numbers: the groups are identical byte for byte. */
	for (int k = 0; k < 3; k++) {
		scan(dims[k], after[k], &ta[k]);
		assert_memory_equal(&tb[k], &ta[k], sizeof tb[k]);
		assert_memory_equal(before[k], after[k], sizeof before[k]);
	}
	assert_matches_sql();
	/* No temp file is left beside it. */
	char tmp[200];
	snprintf(tmp, sizeof tmp, "ls %s | grep -c tmp > /dev/null", u.dir);
	assert_int_not_equal(system(tmp), 0);
}

/* Changes committed after the snapshot (the index down meanwhile) are caught up from the log. */
static void test_stale_catches_up(void **state)
{
	(void)state;
	assert_int_equal(facts_snapshot_write(), 0);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'media' WHERE id BETWEEN 10 AND 40;"
					   "UPDATE complaints SET status = 'processing' WHERE id = 7;"
					   "UPDATE complaints SET status = 'deleted' WHERE id = 11;"
					   "INSERT INTO complaints (complaint_no, status, received_at, registrar_id,"
					   " registrar_org_id, org_path, source_channel, created_at, updated_at)"
					   " VALUES ('NEW1', 'processing', 1700000000000, 1, 1, '/1/', 'email', 1, 1)"),
			 DB_OK);
	restart_with(NULL);
	assert_int_equal(facts_source(), FACTS_FROM_SNAPSHOT);
	assert_int_equal(count_of(FD_CHANNEL, "media"), sql_count("source_channel = 'media'"));
	assert_int_equal(count_of(FD_CHANNEL, "email"), 1);
	assert_matches_sql();
}

static char periodic[200];

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* A crash: the snapshot on disk is the periodic one, not the one a clean stop writes. */
static void back_to_periodic(void)
{
	copy_file(periodic, snap);
}

/* Past the threshold of changes, the index writes a snapshot in the background with no stop; a
 * start from it (as after a crash) catches up what came after and agrees with SQL. */
static void test_periodic_snapshot(void **state)
{
	(void)state;
	snprintf(periodic, sizeof periodic, "%s.periodic", snap);
	assert_int_equal(facts_sync(d), 0);
	unlink(snap);
	facts_snapshot_every(100, 0);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'media' WHERE id BETWEEN 1000 AND 1200"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	for (int i = 0; i < 200 && access(snap, R_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(snap, R_OK), 0); /* written with no stop, by the background thread */
	copy_file(snap, periodic);
	facts_snapshot_every(0, 0);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'letter' WHERE id BETWEEN 1300 AND 1310"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	restart_with(back_to_periodic);
	assert_int_equal(facts_source(), FACTS_FROM_SNAPSHOT);
	assert_int_equal(count_of(FD_CHANNEL, "media"), sql_count("source_channel = 'media'"));
	assert_int_equal(count_of(FD_CHANNEL, "letter"), sql_count("source_channel = 'letter'"));
	assert_matches_sql();
	unlink(periodic);
	facts_snapshot_every(FACTS_SNAPSHOT_EVERY, FACTS_SNAPSHOT_GAP_MS);
}

/* The changes after the snapshot were pruned from the log: it cannot catch up, so it rebuilds. */
static void test_pruned_log_rebuilds(void **state)
{
	(void)state;
	assert_int_equal(facts_snapshot_write(), 0);
	int64_t head;
	assert_int_equal(store_changes_head(d, &head), DB_OK);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'email' WHERE id BETWEEN 100 AND 120;"
					   "UPDATE complaints SET source_channel = 'email' WHERE id BETWEEN 200 AND 220"),
			 DB_OK);
	assert_int_equal(store_changes_prune(d, head + 5), DB_OK);
	/* The stop must not write a newer snapshot: drop the path while stopping. */
	facts_set_snapshot_path(NULL);
	restart_with(NULL);
	assert_int_equal(facts_source(), FACTS_FROM_DATABASE);
	assert_matches_sql();
	assert_int_equal(count_of(FD_CHANNEL, "email"), sql_count("source_channel = 'email'"));
}

static long file_size(void)
{
	struct stat st;
	assert_int_equal(stat(snap, &st), 0);
	return (long)st.st_size;
}

static void flip_middle(void)
{
	FILE *f = fopen(snap, "r+b");
	assert_non_null(f);
	long at = file_size() / 2;
	fseek(f, at, SEEK_SET);
	int c = fgetc(f);
	fseek(f, at, SEEK_SET);
	fputc(c ^ 0x5a, f);
	fclose(f);
}

static void cut_half(void)
{
	assert_int_equal(truncate(snap, file_size() / 2), 0);
}

static void cut_checksum(void)
{
	assert_int_equal(truncate(snap, file_size() - 1), 0);
}

static void make_empty(void)
{
	assert_int_equal(truncate(snap, 0), 0);
}

/* Rewrites a header field and the checksum, so only the field is wrong. */
static void patch(long offset, const void *value, size_t n)
{
	long size = file_size();
	unsigned char *buf = malloc((size_t)size);
	assert_non_null(buf);
	FILE *f = fopen(snap, "r+b");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	memcpy(buf + offset, value, n);
	crypto_sha256(buf, (size_t)(size - 32), buf + size - 32);
	rewind(f);
	assert_int_equal(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	free(buf);
}

/* Header layout (struct snap_header): magic 8, version at 8, seq at 32, fp_id at 48. */
static void other_version(void)
{
	uint32_t v = 999;
	patch(8, &v, sizeof v);
}

static void newer_than_log(void)
{
	int64_t seq = INT64_MAX / 2;
	patch(32, &seq, sizeof seq);
}

static void other_database(void)
{
	int64_t id = 424242;
	patch(48, &id, sizeof id);
}

static void test_refused_snapshots_rebuild(void **state)
{
	(void)state;
	void (*const spoils[])(void) = {flip_middle, cut_half, cut_checksum, make_empty, other_version,
					newer_than_log, other_database};
	for (size_t i = 0; i < sizeof spoils / sizeof spoils[0]; i++) {
		/* A change after each snapshot, so a wrongly taken snapshot would also count wrong. */
		char sql[128];
		snprintf(sql, sizeof sql, "UPDATE complaints SET source_channel = 'media' WHERE id = %zu", 300 + i);
		assert_int_equal(db_exec_script(d, sql), DB_OK);
		facts_set_snapshot_path(snap);
		restart_with(spoils[i]); /* the stop writes a good one; the spoil ruins it */
		assert_int_equal(facts_source(), FACTS_FROM_DATABASE);
		assert_matches_sql();
	}
	/* And the control: the same restart without a spoil takes the snapshot. */
	restart_with(NULL);
	assert_int_equal(facts_source(), FACTS_FROM_SNAPSHOT);
	assert_matches_sql();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stale_catches_up),
		cmocka_unit_test(test_periodic_snapshot),
		cmocka_unit_test(test_pruned_log_rebuilds),
		cmocka_unit_test(test_refused_snapshots_rebuild),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
