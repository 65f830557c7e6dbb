/* Unit tests for the complaint list's query building (src/store/complaints.c,
 * store/query_builder.h) over a real SQLite file: the builder refuses what does not fit instead
 * of truncating, a filter value too long for its buffer is an error, tag and right filters match
 * literally (LIKE's % _ \ escaped), the optional filters no index serves still filter, and all
 * 256 combinations of them run as a handful of statements (the statement cache stays small). */
#include "domain/permissions.h"
#include "store/db_internal.h"
#include "store/query_builder.h"
#include "store/store.h"
#include "unit_db.h"
#include "util/log.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static struct unit_db u;
static struct db *d;

/* Six complaints at /1/: channel, codes, region, tags, rights and status vary. */
static int setup(void **state)
{
	(void)state;
	if (unit_db_make(&u, "list") != 0 || store_init(u.url) != 0 || !(d = store_conn()) || store_migrate(d) != DB_OK)
		return -1;
	return db_exec_script(
		       d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
			  " type, created_at, updated_at) VALUES (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000',"
			  " 'head_office', 0, 0);"
			  "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at)"
			  " VALUES (1, 'u', 'u', 1, 'x', 0, 0);"
			  "INSERT INTO complaints (id, complaint_no, status, received_at, registrar_id, registrar_org_id,"
			  " handling_org_id, org_path, content, demand, created_at, updated_at, source_channel,"
			  " business_channel_code, business_type_code, cause_code, region_code, tags, rights) VALUES"
			  " (1, 'N1', 'processing', 1, 1, 1, 1, '/1/', 'x', '', 0, 0, 'phone', 'A01', 'B0301', 'C07', '440100', 'regulator', 'R04'),"
			  " (2, 'N2', 'closed', 2, 1, 1, 1, '/1/', 'x', '', 0, 0, 'letter', 'A02', 'B0302', 'C07', '110105', '', 'R01 R04'),"
			  " (3, 'N3', 'draft', 3, 1, 1, 1, '/1/', 'x', '', 0, 0, 'phone', 'A01', 'B04', 'C01', '440300', 'group', ''),"
			  " (4, 'N4', 'closed', 4, 1, 1, 1, '/1/', 'x', '', 0, 0, 'onsite', 'A01', 'B0301', 'C07', '440100', 'regulator group', 'R10'),"
			  " (5, 'N5', 'replied', 5, 1, 1, 1, '/1/', 'x', '', 0, 0, 'phone', 'A03', 'B03', 'C0701', '440100', '', 'R04'),"
			  " (6, 'N6', 'deleted', 6, 1, 1, 1, '/1/', 'x', '', 0, 0, 'phone', 'A01', 'B0301', 'C07', '440100', 'regulator', 'R04')") == DB_OK
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	store_release_thread();
	unit_db_remove(&u);
	return 0;
}

/* Ids (ascending bits: 1 << id) of every complaint the list finds for f, or -rc on error. */
static int64_t found(struct complaint_filter f)
{
	struct scope_filter sf = {.kind = SCOPE_ALL};
	json_t *items = NULL;
	int64_t total = -1;
	f.limit = 100;
	int rc = store_complaint_list(d, &sf, &f, &items, &total, NULL);
	if (rc < 0)
		return rc;
	int64_t bits = 0;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		bits |= (int64_t)1 << json_integer_value(json_object_get(it, "id"));
	assert_int_equal(total, (int64_t)json_array_size(items));
	json_decref(items);
	return bits;
}
#define B(i) ((int64_t)1 << (i))

/* Text or values past the builder's room set overflow; nothing is cut, and qb_check refuses. */
static void builder_overflow_is_an_error(void **state)
{
	(void)state;
	struct qb q;
	qb_reset(&q);
	qb_add(&q, "SELECT 1");
	assert_int_equal(qb_check(&q), DB_OK);
	char big[sizeof q.sql];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	qb_add(&q, big);
	assert_true(q.overflow);
	assert_int_equal(q.len, strlen("SELECT 1")); /* not truncated into the buffer */
	assert_string_equal(q.sql, "SELECT 1");
	assert_int_equal(qb_check(&q), DB_HARD);

	qb_reset(&q);
	for (int i = 0; i < QB_MAX_ARGS - 1; i++)
		qb_arg(&q, DB_INT(i));
	assert_false(q.overflow);
	assert_int_equal(qb_check(&q), DB_OK);
	assert_int_equal(q.args[QB_MAX_ARGS - 1].type, DBV_END);
	qb_arg(&q, DB_INT(99));
	assert_true(q.overflow);
	assert_int_equal(qb_check(&q), DB_HARD);
}

/* A filter value too long for its buffer fails the query instead of filtering on a cut value. */
static void long_filter_value_is_an_error(void **state)
{
	(void)state;
	char no[2000];
	memset(no, 'N', sizeof no - 1);
	no[sizeof no - 1] = '\0';
	assert_int_equal(found((struct complaint_filter){.complaint_no = no}), DB_HARD);
	assert_int_equal(found((struct complaint_filter){.tag = no}), DB_HARD);
	assert_int_equal(found((struct complaint_filter){.cause_code = no}), DB_HARD);
	assert_int_equal(found((struct complaint_filter){.q = no}), DB_HARD);
	/* the same filter at a normal length works */
	assert_int_equal(found((struct complaint_filter){.complaint_no = "N"}), B(1) | B(2) | B(3) | B(4) | B(5));
}

/* tag and right are one item of a space-separated list, matched literally. */
static void tag_and_right_match_literally(void **state)
{
	(void)state;
	assert_int_equal(found((struct complaint_filter){.tag = "regulator"}), B(1) | B(4));
	assert_int_equal(found((struct complaint_filter){.tag = "group"}), B(3) | B(4));
	assert_int_equal(found((struct complaint_filter){.tag = "%"}), 0);
	assert_int_equal(found((struct complaint_filter){.tag = "regulat_r"}), 0);
	assert_int_equal(found((struct complaint_filter){.tag = "regulator group"}), B(4)); /* spaces: literal too */
	assert_int_equal(found((struct complaint_filter){.right = "R04"}), B(1) | B(2) | B(5));
	assert_int_equal(found((struct complaint_filter){.right = "R0_"}), 0);
	assert_int_equal(found((struct complaint_filter){.right = "%"}), 0);
	assert_int_equal(found((struct complaint_filter){.right = "\\"}), 0);
}

/* The optional filters no index serves, alone and together. */
static void optional_filters_filter(void **state)
{
	(void)state;
	assert_int_equal(found((struct complaint_filter){0}), B(1) | B(2) | B(3) | B(4) | B(5));
	assert_int_equal(found((struct complaint_filter){.source_channel = "phone"}), B(1) | B(3) | B(5));
	assert_int_equal(found((struct complaint_filter){.business_channel_code = "A01"}), B(1) | B(3) | B(4));
	assert_int_equal(found((struct complaint_filter){.business_type_code = "B03"}), B(1) | B(2) | B(4) | B(5));
	assert_int_equal(found((struct complaint_filter){.cause_code = "C07"}), B(1) | B(2) | B(4) | B(5));
	assert_int_equal(found((struct complaint_filter){.region_code = "4401"}), B(1) | B(4) | B(5));
	assert_int_equal(found((struct complaint_filter){.counted = true}), B(1) | B(2) | B(4) | B(5));
	assert_int_equal(found((struct complaint_filter){.source_channel = "phone", .cause_code = "C07",
							 .region_code = "44", .counted = true, .right = "R04"}),
			 B(1) | B(5));
	assert_int_equal(found((struct complaint_filter){.status = "closed", .business_type_code = "B0301",
							 .tag = "regulator"}),
			 B(4));
}

/* Every combination of the eight optional filters: a few statements, not 256 shapes. */
static void optional_filters_make_few_shapes(void **state)
{
	(void)state;
	assert_int_equal(found((struct complaint_filter){.source_channel = "x"}), 0); /* warm the block's shapes */
	struct db_stats before, after;
	db_stats_get(&before);
	for (int m = 0; m < 256; m++) {
		struct complaint_filter f = {
			.source_channel = m & 1 ? "phone" : NULL,
			.business_channel_code = m & 2 ? "A0" : NULL,
			.business_type_code = m & 4 ? "B0" : NULL,
			.cause_code = m & 8 ? "C0" : NULL,
			.region_code = m & 16 ? "4" : NULL,
			.tag = m & 32 ? "regulator" : NULL,
			.right = m & 64 ? "R04" : NULL,
			.counted = m & 128,
		};
		assert_true(found(f) >= 0);
	}
	db_stats_get(&after);
	assert_int_equal(after.evicted_statements, before.evicted_statements);
	assert_true(after.cached_statements - before.cached_statements <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builder_overflow_is_an_error),
		cmocka_unit_test(long_filter_value_is_an_error),
		cmocka_unit_test(tag_and_right_match_literally),
		cmocka_unit_test(optional_filters_filter),
		cmocka_unit_test(optional_filters_make_few_shapes),
	};
	return cmocka_run_group_tests_name("complaint_list", tests, setup, teardown);
}
