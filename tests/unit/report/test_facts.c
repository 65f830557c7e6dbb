/* Unit tests for the report index (src/report/facts.c) over a real SQLite file: day numbers in
 * the bank's time zone, the initial load and the catch-up from the change log, the counting rule,
 * filters and groups against SQL counts of the same rows, and the two-thread scan giving the same
 * figures as the one-thread scan; pages in deadline order against SQL's. */
#include "report/facts.h"
#include "store/store.h"
#include "unit_db.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "report/facts_scope_scan.h"

#define DAY_MS 86400000LL
#define N 5000

static struct unit_db u;
static struct db *d;

static int setup(void **state)
{
	(void)state;
	if (unit_db_make(&u, "facts") != 0 || store_init(u.url) != 0 || !(d = store_conn()) ||
	    store_migrate(d) != DB_OK)
		return -1;
	/* Two institutions (root and a branch), a user, and N complaints spread over 400 days with
	 * every status, channel and cause, some merged, some drafts. */
	int rc = db_exec_script(
		d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
		   " type, created_at, updated_at) VALUES (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000',"
		   " 'head_office', 0, 0), (2, 1, '/1/2/', 2, 'BR', 'BR', 'BR000000000000', '440000', 'branch', 0, 0);"
		   "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at)"
		   " VALUES (1, 'u', 'u', 1, 'x', 0, 0);"
		   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)"
		   " INSERT INTO complaints (complaint_no, status, received_at, registrar_id, registrar_org_id,"
		   " handling_org_id, org_path, complained_org_id, region_code, business_type_code, cause_code,"
		   " source_channel, rights, due_at, replied_at, closed_at, merged_into, compensation_fen,"
		   " created_at, updated_at)"
		   " SELECT 'N' || i, CASE i % 9 WHEN 0 THEN 'draft' WHEN 1 THEN 'deleted' WHEN 2 THEN 'processing'"
		   " WHEN 3 THEN 'replied' WHEN 4 THEN 'withdrawn' ELSE 'closed' END,"
		   " 1700000000000 + (i * 7919 % 400) * 86400000 + (i % 24) * 3600000, 1, 1, 1 + i % 2,"
		   " CASE i % 2 WHEN 0 THEN '/1/' ELSE '/1/2/' END, 1 + i % 2, CASE i % 3 WHEN 0 THEN '110105'"
		   " ELSE '440103' END, 'B0' || (1 + i % 5), 'C0' || (1 + i % 7), CASE i % 4 WHEN 0 THEN 'phone'"
		   " WHEN 1 THEN 'letter' ELSE 'onsite' END, CASE i % 3 WHEN 0 THEN 'R01 R04' ELSE 'R04' END,"
		   " 1700000000000 + (i * 7919 % 400 + 15) * 86400000,"
		   " 1700000000000 + (i * 7919 % 400 + i % 20) * 86400000,"
		   " 1700000000000 + (i * 7919 % 400 + 20) * 86400000, CASE WHEN i % 50 = 7 THEN 1 END, i % 3 * 100,"
		   " 0, 0 FROM n");
	return rc == DB_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	facts_stop();
	store_release_thread();
	unit_db_remove(&u);
	return 0;
}

static int64_t sql_count(const char *where)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT COUNT(*) FROM complaints WHERE status NOT IN ('draft', 'deleted') AND merged_into IS NULL"
		 " AND received_at IS NOT NULL AND %s",
		 where);
	int64_t n = -1;
	assert_int_equal(db_scalar_int(d, &n, sql, (const struct db_val[]){DB_END}), 1);
	return n;
}

static void test_days(void **state)
{
	(void)state;
	assert_int_equal(facts_ymd_day(19700101), 0);
	assert_int_equal(facts_day_ymd(0), 19700101);
	assert_int_equal(facts_day_ymd(facts_ymd_day(20240229) + 1), 20240301);
	assert_int_equal(facts_day_ymd(facts_ymd_day(20230228) + 1), 20230301);
	assert_int_equal(facts_day_ymd(facts_ymd_day(21000228) + 1), 21000301); /* 2100 is not leap */
	assert_int_equal(facts_day_ymd(facts_ymd_day(20000228) + 1), 20000229); /* 2000 is */
	for (int32_t day = 0; day < 60000; day += 37)
		assert_int_equal(facts_ymd_day(facts_day_ymd(day)), day);
	/* 2024-03-01 00:10 in Beijing is 2024-02-29 16:10 UTC. */
	int64_t ms = (int64_t)facts_ymd_day(20240229) * DAY_MS + 16 * 3600000LL + 600000;
	assert_int_equal(facts_day_ymd(facts_day(ms)), 20240301);
	assert_int_equal(facts_day_ymd(facts_day(ms - 20 * 60000)), 20240229);
}

/* Scans with one filter set and group, split across threads or not. */
static void scan(enum fact_dim group, const char *status, struct fact_agg *groups, uint32_t n,
		 struct fact_agg *total, uint32_t split)
{
	facts_set_split_rows(split);
	facts_read_lock();
	uint32_t ns = facts_dict_size(FD_STATUS);
	uint8_t *sel = NULL;
	if (status) {
		sel = calloc(ns, 1);
		for (uint32_t v = 0; v < ns; v++)
			sel[v] = !strcmp(facts_dict_key(FD_STATUS, v), status);
	}
	struct fact_query q = {.from_day = facts_ymd_day(20231101), .to_day = facts_ymd_day(20241231),
			       .group = group, .group2 = FD_NONE, .ngroups = n};
	q.sel[FD_STATUS] = sel;
	memset(groups, 0, n * sizeof *groups);
	facts_scan(&q, groups, total);
	facts_read_unlock();
	free(sel);
}

static uint32_t value_of(enum fact_dim dim, const char *key)
{
	for (uint32_t v = 0; v < facts_dict_size(dim); v++)
		if (!strcmp(facts_dict_key(dim, v), key))
			return v;
	fail_msg("no value %s", key);
	return 0;
}

static void test_counts_match_sql(void **state)
{
	(void)state;
	assert_int_equal(facts_sync(d), 0);
	struct fact_agg g1[64], g2[64], t1, t2;
	for (int split = 0; split < 2; split++) {
		scan(FD_C, NULL, split ? g2 : g1, 64, split ? &t2 : &t1, split ? 1 : 1000000);
	}
	assert_int_equal(t1.count, sql_count("1 = 1"));
	assert_memory_equal(&t1, &t2, sizeof t1);
	assert_memory_equal(g1, g2, sizeof g1);
	assert_int_equal(g1[value_of(FD_C, "C03")].count, sql_count("cause_code = 'C03'"));
	assert_int_equal(t1.closed, sql_count("status = 'closed'"));
	assert_int_equal(t1.on_time, sql_count("status = 'closed' AND replied_at <= due_at"));
	assert_int_equal(t1.overdue, sql_count("status = 'closed' AND replied_at > due_at"));

	/* Rights: one complaint counts under each of its rights, once in the total. */
	scan(FD_RIGHT, "closed", g1, 64, &t1, 1);
	assert_int_equal(t1.count, sql_count("status = 'closed'"));
	assert_int_equal(g1[value_of(FD_RIGHT, "R01")].count, sql_count("status = 'closed' AND rights LIKE '%R01%'"));
	assert_int_equal(g1[value_of(FD_RIGHT, "R04")].count, t1.count);
}

static void test_catch_up(void **state)
{
	(void)state;
	struct fact_agg g[64], before, after;
	scan(FD_CHANNEL, NULL, g, 64, &before, 1000000);
	uint32_t phone = g[value_of(FD_CHANNEL, "phone")].count;
	/* Changes made after the load are seen at the next sync: a new channel, a draft submitted, a
	 * complaint deleted. */
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'media' WHERE id = 10;"
					   "UPDATE complaints SET status = 'processing' WHERE id = 9;"
					   "UPDATE complaints SET status = 'deleted' WHERE id = 11"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	scan(FD_CHANNEL, NULL, g, 64, &after, 1000000);
	int64_t n = sql_count("1 = 1");
	assert_int_equal(after.count, n);
	assert_int_equal(g[value_of(FD_CHANNEL, "media")].count, sql_count("source_channel = 'media'"));
	assert_int_equal(g[value_of(FD_CHANNEL, "phone")].count, sql_count("source_channel = 'phone'"));
	(void)phone;
	/* A bulk load's "reload everything" mark makes the next sync start over. */
	assert_int_equal(store_bulk_load_begin(d), DB_OK);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'media' WHERE id BETWEEN 100 AND 199"),
			 DB_OK);
	assert_int_equal(store_bulk_load_end(d), DB_OK);
	assert_int_equal(facts_sync(d), 0);
	scan(FD_CHANNEL, NULL, g, 64, &after, 1);
	assert_int_equal(g[value_of(FD_CHANNEL, "media")].count, sql_count("source_channel = 'media'"));
	/* Changes this index never saw were pruned from the log: it notices and reloads. */
	int64_t head;
	assert_int_equal(store_changes_head(d, &head), DB_OK);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET source_channel = 'email' WHERE id = 20;"
					   "UPDATE complaints SET source_channel = 'email' WHERE id = 21"),
			 DB_OK);
	assert_int_equal(store_changes_prune(d, head + 2), DB_OK);
	assert_int_equal(facts_sync(d), 0);
	scan(FD_CHANNEL, NULL, g, 64, &after, 1000000);
	assert_int_equal(g[value_of(FD_CHANNEL, "email")].count, sql_count("source_channel = 'email'"));
	assert_int_equal(after.count, sql_count("1 = 1"));
}

/* Issue 11 M5: two replies of INT64_MAX fen once summed to -2 fen (and -0.02 yuan in Excel).
 * Rows stored before the API range check may hold such values: sums saturate, never wrap. */
static void test_money_sums_saturate(void **state)
{
	(void)state;
	struct fact_agg g[64], t;
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET compensation_fen = 9223372036854775807"
					   " WHERE id IN (30, 31, 32)"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	for (uint32_t split = 1; split <= 1000000; split *= 1000000) {
		scan(FD_C, NULL, g, 64, &t, split);
		assert_true(t.compensation_fen == INT64_MAX);
		for (int i = 0; i < 64; i++)
			assert_true(g[i].compensation_fen >= 0);
	}
	struct fact_agg a = {.compensation_fen = INT64_MAX}, b = {.compensation_fen = INT64_MAX};
	facts_agg_merge(&a, &b);
	assert_true(a.compensation_fen == INT64_MAX);
}

/* The count of institution org's complaints (the scope's column: handling institution), with
 * user > 0 also the user's own (registered or handled) anywhere (fact_query.own), by a scan
 * selecting them, compared with SQL (where: the same complaints), in all and closed. */
static void assert_scope_count(const char *org, int64_t user, const char *where)
{
	struct fact_agg g[64], t;
	scan_scope_org(org, user, FD_STATUS, g, &t);
	char w[256], closed[300];
	snprintf(w, sizeof w, "(%s)", where);
	assert_int_equal(t.count, sql_count(w));
	snprintf(closed, sizeof closed, "%s AND status = 'closed'", w);
	assert_int_equal(g[value_of(FD_STATUS, "closed")].count, sql_count(closed));
}

/* A small institution's scan reads its own rows, also after transfers in and
 * out, and after enough transfers back and forth that its list is compacted (facts_value_rows.c). */
static void test_institution_rows(void **state)
{
	(void)state;
	assert_int_equal(db_exec_script(d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code,"
					   " fin_code, region_code, type, created_at, updated_at) VALUES"
					   " (3, 1, '/1/3/', 2, 'S3', 'S3', 'S3000000000000', '440000', 'branch', 0, 0),"
					   " (4, 1, '/1/4/', 2, 'S4', 'S4', 'S4000000000000', '440000', 'branch', 0, 0);"
					   "UPDATE complaints SET handling_org_id = 3, org_path = '/1/3/' WHERE id % 61 = 0"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	assert_scope_count("3", 0, "handling_org_id = 3");
	assert_scope_count("2", 0, "handling_org_id = 2");
	for (int round = 0; round < 12; round++) {
		/* Half of institution 3 goes to 4 and back: each move leaves a hole in the list left. */
		assert_int_equal(db_exec_script(d, round % 2 ? "UPDATE complaints SET handling_org_id = 3, org_path = '/1/3/'"
							      " WHERE handling_org_id = 4"
							    : "UPDATE complaints SET handling_org_id = 4, org_path = '/1/4/'"
							      " WHERE handling_org_id = 3 AND id % 2 = 0"),
				 DB_OK);
		assert_int_equal(facts_sync(d), 0);
		assert_scope_count("3", 0, "handling_org_id = 3");
		assert_scope_count("4", 0, "handling_org_id = 4");
	}
	/* A complaint leaving for the big institution and one arriving from it. */
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET handling_org_id = 1, org_path = '/1/' WHERE id = 61;"
					   "UPDATE complaints SET handling_org_id = 3, org_path = '/1/3/' WHERE id = 62"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	assert_scope_count("3", 0, "handling_org_id = 3");
	assert_scope_count("1", 0, "handling_org_id = 1");
}

/* The people's columns: a scope's "or the caller's own" counted by the index, through the row
 * lists (a small institution) and through the days' span (a large one), after assignments. */
static void test_own_complaints(void **state)
{
	(void)state;
	assert_int_equal(db_exec_script(d, "INSERT INTO users (id, username, name, org_id, password_hash, created_at,"
					   " updated_at) VALUES (2, 'h', 'h', 2, 'x', 0, 0), (3, 'r', 'r', 2, 'x', 0, 0);"
					   "UPDATE complaints SET handler_id = 2 WHERE id % 7 = 1;"
					   "UPDATE complaints SET registrar_id = 3 WHERE id % 11 = 2;"
					   "UPDATE complaints SET handler_id = 3 WHERE id % 13 = 5"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	for (int round = 0; round < 2; round++) {
		assert_scope_count("3", 2, "handling_org_id = 3 OR registrar_id = 2 OR handler_id = 2");
		assert_scope_count("3", 3, "handling_org_id = 3 OR registrar_id = 3 OR handler_id = 3");
		assert_scope_count("2", 3, "handling_org_id = 2 OR registrar_id = 3 OR handler_id = 3");
		assert_scope_count("4", 1, "handling_org_id = 4 OR registrar_id = 1 OR handler_id = 1");
		/* A person with no complaint adds none. */
		assert_scope_count("3", 99, "handling_org_id = 3");
		/* Reassignments move complaints between the handlers' lists. */
		assert_int_equal(db_exec_script(d, "UPDATE complaints SET handler_id = 3 WHERE handler_id = 2 AND id % 2 = 0;"
						   "UPDATE complaints SET handler_id = NULL WHERE id % 17 = 3"),
				 DB_OK);
		assert_int_equal(facts_sync(d), 0);
	}
}

/* The hours holding a page's newest matches (facts_page_hours) against SQL's page: the want
 * newest matches by receipt lie in [first, last], none after last, and the hours are the
 * tightest (the first and the last hold a match). Also after backdated registrations: complaints
 * registered last but received days before. */
static void assert_page_hours(const char *cause, uint64_t want)
{
	facts_read_lock();
	uint8_t *sel = select_one(FD_C, cause);
	struct fact_query q = {.rows = FR_COUNTED, .from_day = 0, .to_day = 65535, .group = FD_NONE, .group2 = FD_NONE};
	q.sel[FD_C] = sel;
	int32_t first = -1, last = -1;
	bool found = facts_page_hours(&q, want, &first, &last);
	facts_read_unlock();
	free(sel);
	char where[256];
	snprintf(where, sizeof where, "cause_code = '%s'", cause);
	int64_t matches = sql_count(where);
	assert_int_equal(found, matches >= (int64_t)want);
	if (!found)
		return;
	/* The want-th newest match's hour and the newest's, from SQL. */
	char sql[512];
	int64_t hour_of_wanted = -1, hour_of_newest = -1;
	snprintf(sql, sizeof sql,
		 "SELECT (received_at + 28800000) / 3600000 FROM complaints WHERE status NOT IN ('draft', 'deleted')"
		 " AND merged_into IS NULL AND received_at IS NOT NULL AND %s ORDER BY received_at DESC, id DESC LIMIT 1 OFFSET ?",
		 where);
	assert_int_equal(db_scalar_int(d, &hour_of_wanted, sql, (const struct db_val[]){DB_INT((int64_t)want - 1), DB_END}), 1);
	assert_int_equal(db_scalar_int(d, &hour_of_newest, sql, (const struct db_val[]){DB_INT(0), DB_END}), 1);
	assert_int_equal(first, hour_of_wanted);
	assert_int_equal(last, hour_of_newest);
}

static void test_page_hours(void **state)
{
	(void)state;
	assert_int_equal(facts_sync(d), 0);
	static const char *const causes[] = {"C01", "C03", "C07"};
	static const uint64_t wants[] = {1, 7, 20, 100, 600, 100000};
	for (int round = 0; round < 2; round++) {
		for (size_t c = 0; c < 3; c++)
			for (size_t w = 0; w < sizeof wants / sizeof wants[0]; w++)
				assert_page_hours(causes[c], wants[w]);
		/* Backdated registrations: new complaints received 3 to 300 days before the newest. */
		char sql[512];
		snprintf(sql, sizeof sql,
			 "INSERT INTO complaints (complaint_no, status, received_at, registrar_id, registrar_org_id,"
			 " handling_org_id, org_path, cause_code, created_at, updated_at)"
			 " SELECT 'BD%d-' || id, 'closed', received_at - (id %% 300 + 3) * 86400000 + 1234567, 1, 1, 1,"
			 " '/1/', 'C0' || (1 + id %% 7), 0, 0 FROM complaints WHERE id %% 37 = 0 AND received_at IS NOT NULL",
			 round);
		assert_int_equal(db_exec_script(d, sql), DB_OK);
		assert_int_equal(facts_sync(d), 0);
	}
}

/* The first matches in deadline order (facts_due_page) against SQL's page, ORDER BY due_at IS
 * NULL, due_at, id: many complaints share a deadline (the id decides), some have none (last),
 * one institution read through its row lists, a caller's own through the people's columns, and
 * deadlines changed since the load. */
static void assert_due_page(const char *org, int64_t own_user, const char *status, size_t want, const char *where)
{
	facts_read_lock();
	uint8_t *org_sel = org ? select_one(FD_SCOPE_ORG, org) : NULL;
	uint8_t *status_sel = status ? select_one(FD_STATUS, status) : NULL;
	struct fact_query q = {.rows = FR_LISTED, .from_day = 0, .to_day = 65535, .group = FD_NONE, .group2 = FD_NONE};
	q.sel[FD_SCOPE_ORG] = org_sel;
	q.sel[FD_STATUS] = status_sel;
	if (own_user)
		assert_true(facts_own_values(own_user, &q));
	int64_t *ids = calloc(want ? want : 1, sizeof *ids);
	size_t got = 0;
	uint64_t matches = 0;
	assert_true(facts_due_page(&q, want, ids, &got, &matches));
	facts_read_unlock();
	free(org_sel);
	free(status_sel);
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM complaints WHERE status <> 'deleted' AND %s", where);
	int64_t n = -1;
	assert_int_equal(db_scalar_int(d, &n, sql, (const struct db_val[]){DB_END}), 1);
	assert_int_equal(matches, n);
	assert_int_equal(got, (size_t)n < want ? (size_t)n : want);
	snprintf(sql, sizeof sql,
		 "SELECT id FROM complaints WHERE status <> 'deleted' AND %s ORDER BY due_at IS NULL, due_at, id LIMIT ?",
		 where);
	struct db_res *r = NULL;
	assert_int_equal(db_query(d, &r, sql, (const struct db_val[]){DB_INT((int64_t)want), DB_END}), DB_OK);
	size_t k = 0;
	while (db_next(r) == 1) {
		assert_true(k < got);
		assert_int_equal(ids[k], db_int(r, 0));
		k++;
	}
	db_done(r);
	assert_int_equal(k, got);
	free(ids);
}

static void test_due_page(void **state)
{
	(void)state;
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET due_at = NULL WHERE id % 97 = 3;"
					   "UPDATE complaints SET due_at = received_at - 40 * 86400000 WHERE id % 89 = 4"),
			 DB_OK);
	assert_int_equal(facts_sync(d), 0);
	static const size_t wants[] = {0, 1, 20, 333, 100000};
	for (int round = 0; round < 2; round++) {
		for (size_t w = 0; w < sizeof wants / sizeof wants[0]; w++) {
			assert_due_page(NULL, 0, NULL, wants[w], "1 = 1");
			assert_due_page(NULL, 0, "processing", wants[w], "status = 'processing'");
			assert_due_page("3", 0, NULL, wants[w], "handling_org_id = 3");
			assert_due_page("3", 2, NULL, wants[w], "(handling_org_id = 3 OR registrar_id = 2 OR handler_id = 2)");
			assert_due_page("1", 3, "closed", wants[w],
					"status = 'closed' AND (handling_org_id = 1 OR registrar_id = 3 OR handler_id = 3)");
		}
		/* Deadlines moved after the load: the earliest, the latest, none, and a new one. */
		assert_int_equal(db_exec_script(d, "UPDATE complaints SET due_at = 1 WHERE id = 4000;"
						   "UPDATE complaints SET due_at = NULL WHERE id % 97 = 5;"
						   "UPDATE complaints SET due_at = 9000000000000 WHERE id % 83 = 1;"
						   "UPDATE complaints SET due_at = due_at + 86400000 WHERE handling_org_id = 3 AND id % 5 = 0"),
				 DB_OK);
		assert_int_equal(facts_sync(d), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_counts_match_sql),
		cmocka_unit_test(test_catch_up),
		cmocka_unit_test(test_money_sums_saturate),
		cmocka_unit_test(test_institution_rows),
		cmocka_unit_test(test_own_complaints),
		cmocka_unit_test(test_page_hours),
		cmocka_unit_test(test_due_page),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
