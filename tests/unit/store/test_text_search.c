/* Unit tests for full-text search over a real SQLite file while the full-text index is kept in
 * bulk (migration 0010, store_text_index_catch_up): complaints waiting to be indexed are found as
 * soon as they are committed, pages run across the waiting and the indexed matches in
 * newest-first order without a gap or a repeat, the filters apply to both, and editing the text
 * of a waiting or an indexed complaint leaves exactly one, current, entry; a search limited to
 * dates reads only the ids received then (migration 0011) and finds exactly the same rows. */
#include "domain/permissions.h"
#include "store/store.h"
#include "store/text_match_cache.h"
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

static struct unit_db u;
static struct db *d;

static int setup(void **state)
{
	(void)state;
	if (unit_db_make(&u, "text") != 0 || store_init(u.url) != 0 || !(d = store_conn()) || store_migrate(d) != DB_OK)
		return -1;
	return db_exec_script(
		       d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
			  " type, created_at, updated_at) VALUES (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000',"
			  " 'head_office', 0, 0), (2, 1, '/1/2/', 2, 'BR', 'BR', 'BR000000000000', '440000', 'branch', 0, 0);"
			  "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at)"
			  " VALUES (1, 'u', 'u', 1, 'x', 0, 0)") == DB_OK
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

/* Adds n complaints numbered from first: even ones at the branch, every third one about
 * 年费未退还 and the others about 分期手续费. */
static void add(int first, int n)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO complaints (id, complaint_no, status, received_at, registrar_id, registrar_org_id,"
		 " handling_org_id, org_path, content, demand, created_at, updated_at)"
		 " SELECT i, 'N' || i, 'processing', 1700000000000 + i, 1, 1, 1 + (i %% 2 = 0),"
		 " CASE WHEN i %% 2 = 0 THEN '/1/2/' ELSE '/1/' END,"
		 " CASE WHEN i %% 3 = 0 THEN '客户反映信用卡年费未退还' ELSE '客户反映分期手续费过高' END,"
		 " '要求处理', 0, 0 FROM n",
		 first, first + n - 1);
	assert_int_equal(db_exec_script(d, sql), DB_OK);
}

static int64_t waiting(void)
{
	int64_t n = -1;
	assert_int_equal(DB_SCALAR(d, &n, "SELECT COUNT(*) FROM complaint_text_queue", DB_END), 1);
	return n;
}

/* Ids of one page of the list for f (limit at most 100), newest first; the total in *total.
 * Returns how many rows the page has. */
static int search(struct complaint_filter f, int64_t *ids, int64_t *total)
{
	struct scope_filter sf = {.kind = SCOPE_ALL};
	json_t *items = NULL;
	assert_int_equal(store_complaint_list(d, &sf, &f, &items, total, NULL), DB_OK);
	int n = (int)json_array_size(items);
	for (int i = 0; i < n; i++)
		ids[i] = json_integer_value(json_object_get(json_array_get(items, (size_t)i), "id"));
	json_decref(items);
	return n;
}

/* How many complaints the ledger's keyset query (no full-text drive) finds for q. */
static int keyset_count(const char *q)
{
	struct scope_filter sf = {.kind = SCOPE_ALL};
	struct complaint_filter f = {.q = q};
	json_t *items = NULL;
	assert_int_equal(store_complaint_keyset(d, &sf, &f, NULL, 1000, &items), DB_OK);
	int n = (int)json_array_size(items);
	json_decref(items);
	return n;
}

/* Pages through the whole search 7 rows at a time and checks it against the expected ids
 * (every multiple of 3 in [1, last] within the branch if branch_only), newest first. */
static void check_search(int last, bool branch_only)
{
	int64_t expect[400], got[400], page[7], total = -1;
	int ne = 0, ng = 0;
	for (int i = last; i >= 1; i--)
		if (i % 3 == 0 && (!branch_only || i % 2 == 0))
			expect[ne++] = i;
	for (int64_t off = 0;; off += 7) {
		int n = search((struct complaint_filter){.q = "年费未", .org_path = branch_only ? "/1/2/" : NULL,
							 .offset = off, .limit = 7},
			       page, &total);
		assert_int_equal(total, ne);
		for (int i = 0; i < n; i++)
			got[ng++] = page[i];
		if (n < 7)
			break;
	}
	assert_int_equal(ng, ne);
	for (int i = 0; i < ne; i++)
		assert_int_equal(got[i], expect[i]);
	if (!branch_only)
		assert_int_equal(keyset_count("年费未"), ne);
}

static void test_waiting_and_indexed(void **state)
{
	(void)state;
	/* Everything new waits; a search finds it at once. */
	add(1, 60);
	assert_int_equal(waiting(), 60);
	check_search(60, false);
	/* Indexed in one batch, then more arrive: the search spans both, in order. */
	int64_t indexed = 0;
	assert_int_equal(store_text_index_catch_up(d, 1000, &indexed), DB_OK);
	assert_int_equal(indexed, 60);
	assert_int_equal(waiting(), 0);
	add(61, 40);
	check_search(100, false);
	check_search(100, true);
	/* A batch smaller than the queue takes the oldest first. */
	assert_int_equal(store_text_index_catch_up(d, 15, &indexed), DB_OK);
	assert_int_equal(indexed, 15);
	assert_int_equal(waiting(), 25);
	int64_t oldest = 0;
	assert_int_equal(DB_SCALAR(d, &oldest, "SELECT MIN(complaint_id) FROM complaint_text_queue", DB_END), 1);
	assert_int_equal(oldest, 76);
	check_search(100, false);
	check_search(100, true);
}

static void test_edits(void **state)
{
	(void)state;
	/* 30 is indexed, 99 is waiting: both now stop matching 年费未 and start matching 利率; 98
	 * (waiting) starts matching 年费未. */
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET content = '贷款利率调整' WHERE id IN (30, 99);"
					   "UPDATE complaints SET content = '年费未退' WHERE id = 98"),
			 DB_OK);
	int64_t ids[50], total = -1;
	int n = search((struct complaint_filter){.q = "利率调", .limit = 50}, ids, &total);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	assert_int_equal(ids[0], 99);
	assert_int_equal(ids[1], 30);
	n = search((struct complaint_filter){.q = "年费未", .limit = 50}, ids, &total);
	assert_int_equal(total, 33 - 2 + 1);
	assert_int_equal(ids[0], 98);
	for (int i = 0; i < n; i++)
		assert_true(ids[i] != 30 && ids[i] != 99);
	/* Once indexed, the same answers come from the index alone, and its integrity holds. */
	int64_t indexed = 0;
	assert_int_equal(store_text_index_catch_up(d, 1000, &indexed), DB_OK);
	assert_int_equal(waiting(), 0);
	n = search((struct complaint_filter){.q = "利率调", .limit = 50}, ids, &total);
	assert_int_equal(total, 2);
	n = search((struct complaint_filter){.q = "年费未", .limit = 50}, ids, &total);
	assert_int_equal(total, 32);
	assert_int_equal(ids[0], 98);
	assert_int_equal(db_exec_script(d, "INSERT INTO complaints_fts(complaints_fts, rank) VALUES ('integrity-check', 1)"),
			 DB_OK);
}

/* Two characters: the bigram index (migration 0034) answers as the substring scan does, for
 * complaints waiting and indexed, after an edit, and store_complaint_text_ids lists the same
 * complaints ascending; one character is left to the scan. */
static void test_two_characters(void **state)
{
	(void)state;
	add(101, 30); /* waiting */
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET content = '年费' WHERE id = 40"), DB_OK); /* indexed */
	for (int round = 0; round < 2; round++) {
		json_t *rows = NULL;
		assert_int_equal(db_query_json(d, &rows,
					       "SELECT id FROM complaints WHERE content LIKE '%年费%' OR demand LIKE '%年费%'"
					       " ORDER BY id DESC",
					       (const struct db_val[]){DB_END}),
				 DB_OK);
		size_t nw = json_array_size(rows);
		assert_int_equal(nw, 43); /* 33 of 1-100, less 30 and 99, plus 98 and 40; 10 of 101-130 */
		int64_t got[100], total = -1;
		int n = search((struct complaint_filter){.q = "年费", .limit = 100}, got, &total);
		assert_int_equal(total, (int64_t)nw);
		assert_int_equal(n, (int)nw);
		for (size_t i = 0; i < nw; i++)
			assert_int_equal(got[i], json_integer_value(json_object_get(json_array_get(rows, i), "id")));
		assert_int_equal(keyset_count("年费"), (int)nw);
		int64_t *ids = NULL;
		size_t nids = 0;
		bool found = false;
		assert_int_equal(store_complaint_text_ids(d, &(struct complaint_filter){.q = "年费"}, &ids, &nids, &found),
				 DB_OK);
		assert_true(found);
		assert_int_equal(nids, nw);
		for (size_t k = 0; k < nids; k++)
			assert_int_equal(ids[k], json_integer_value(json_object_get(json_array_get(rows, nw - 1 - k), "id")));
		free(ids);
		json_decref(rows);
		int64_t indexed = 0; /* the second round from the index alone */
		assert_int_equal(store_text_index_catch_up(d, 1000, &indexed), DB_OK);
		assert_int_equal(waiting(), 0);
	}
	assert_int_equal(db_exec_script(d, "INSERT INTO complaints_bigram(complaints_bigram, rank) VALUES ('integrity-check', 1)"),
			 DB_OK);
	int64_t *ids = NULL;
	size_t nids = 0;
	bool found = true;
	assert_int_equal(store_complaint_text_ids(d, &(struct complaint_filter){.q = "年"}, &ids, &nids, &found), DB_OK);
	assert_false(found);
	assert_null(ids);
}

/* The ids of the complaints whose text holds text, ascending, as SQL reads them from the table. */
static size_t ids_by_scan(const char *text, int64_t *out, size_t max)
{
	json_t *rows = NULL;
	char like[64];
	snprintf(like, sizeof like, "%%%s%%", text);
	assert_int_equal(db_query_json(d, &rows, "SELECT id FROM complaints WHERE content LIKE ? OR demand LIKE ? ORDER BY id",
				       (const struct db_val[]){DB_TEXT(like), DB_TEXT(like), DB_END}),
			 DB_OK);
	size_t n = json_array_size(rows);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++)
		out[i] = json_integer_value(json_object_get(json_array_get(rows, i), "id"));
	json_decref(rows);
	return n;
}

/* store_complaint_text_ids for text equals the table's answer. */
static void check_text_ids(const char *text)
{
	int64_t want[300];
	size_t nw = ids_by_scan(text, want, 300);
	int64_t *ids = NULL;
	size_t n = 0;
	bool found = false;
	assert_int_equal(store_complaint_text_ids(d, &(struct complaint_filter){.q = text}, &ids, &n, &found), DB_OK);
	assert_true(found);
	assert_int_equal(n, nw);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i], want[i]);
	free(ids);
}

/* The matches kept between searches (text_match_cache, migration 0039): new complaints come in
 * as the tail above the kept ids; an edited text anywhere, which the tail cannot see, makes
 * every kept list stale, so it is read again. Each step is checked against the table. */
static void test_kept_matches(void **state)
{
	(void)state;
	int64_t indexed = 0;
	assert_int_equal(store_text_index_catch_up(d, 1000, &indexed), DB_OK);
	check_text_ids("年费未"); /* read and kept */
	check_text_ids("年费未"); /* from the kept ids */
	add(131, 30);             /* new ones above them: waiting, then indexed */
	check_text_ids("年费未");
	assert_int_equal(store_text_index_catch_up(d, 1000, &indexed), DB_OK);
	check_text_ids("年费未");
	/* Old complaints edited, indexed long ago: one leaves the text, one gains it. */
	int64_t before = 0, edits = 0;
	assert_int_equal(DB_SCALAR(d, &before, "SELECT edits FROM complaint_text_edits WHERE id = 1", DB_END), 1);
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET content = '服务态度' WHERE id = 33;"
					   "UPDATE complaints SET content = '年费未退还' WHERE id = 2"),
			 DB_OK);
	check_text_ids("年费未");
	check_text_ids("年费");
	assert_int_equal(DB_SCALAR(d, &edits, "SELECT edits FROM complaint_text_edits WHERE id = 1", DB_END), 1);
	assert_int_equal(edits, before + 2);
	/* A record written whole with its text unchanged (a workflow step) leaves the index and the
	 * kept matches alone. */
	assert_int_equal(db_exec_script(d, "UPDATE complaints SET status = 'replied', content = content, demand = demand"
					   " WHERE id IN (3, 6, 9)"),
			 DB_OK);
	assert_int_equal(DB_SCALAR(d, &edits, "SELECT edits FROM complaint_text_edits WHERE id = 1", DB_END), 1);
	assert_int_equal(edits, before + 2);
	check_text_ids("年费未");
	assert_int_equal(db_exec_script(d, "INSERT INTO complaints_fts(complaints_fts, rank) VALUES ('integrity-check', 1)"),
			 DB_OK);
}

/* The cache itself: a version other than the kept one misses (another database, or texts edited
 * since) and drops the entry; the least recently used entry goes when all are taken; on
 * PostgreSQL any position of the same token is given with its position. */
static void test_match_cache(void **state)
{
	(void)state;
	text_match_cache_clear();
	const struct text_match_version v1 = {.token = "a", .edits = 1}, other_db = {.token = "b", .edits = 1},
					edited = {.token = "a", .edits = 2};
	const int64_t ids[] = {3, 5, 8};
	int64_t *got = NULL;
	size_t n = 0, cap = 0;
	text_match_cache_put("k", &v1, ids, 3);
	assert_false(text_match_cache_get("k", &other_db, &got, &n, &cap));
	assert_false(text_match_cache_get("k", &v1, &got, &n, &cap)); /* dropped by the miss */
	text_match_cache_put("k", &v1, ids, 3);
	assert_false(text_match_cache_get("k", &edited, &got, &n, &cap));
	text_match_cache_put("k", &v1, ids, 3);
	assert_true(text_match_cache_get("k", &v1, &got, &n, &cap));
	assert_int_equal(n, 3);
	assert_true(cap >= 3);
	assert_memory_equal(got, ids, sizeof ids);
	free(got);
	/* Sixty-five keys for sixty-four places: the oldest ("k") goes, the newest stay. */
	for (int i = 0; i < 64; i++) {
		char key[16];
		snprintf(key, sizeof key, "k%d", i);
		text_match_cache_put(key, &v1, ids, 3);
	}
	assert_false(text_match_cache_get("k", &v1, &got, &n, &cap));
	assert_true(text_match_cache_get("k63", &v1, &got, &n, &cap));
	free(got);
	/* PostgreSQL's getter: the entry of the same token whatever its count (the change log's
	 * position), which it reports; another token misses and drops it. */
	struct text_match_version asked = {.token = "a", .edits = 99}, other_token = {.token = "b"};
	assert_true(text_match_cache_get_any("k63", &asked, &got, &n, &cap));
	assert_int_equal(asked.edits, 1);
	assert_int_equal(n, 3);
	assert_memory_equal(got, ids, sizeof ids);
	free(got);
	assert_false(text_match_cache_get_any("k63", &other_token, &got, &n, &cap));
	assert_false(text_match_cache_get_any("k63", &asked, &got, &n, &cap));
	text_match_cache_clear();
}

/* The list's search for 年费未 received in [from, to). */
static int search_dates(int64_t from, int64_t to, int64_t *ids, int64_t *total)
{
	return search((struct complaint_filter){.q = "年费未", .from = from, .to = to, .limit = 100}, ids, total);
}

static void check_dates(int64_t from, int64_t to)
{
	int64_t want[100], got[100], total = -1;
	int nw = 0;
	json_t *rows = NULL;
	assert_int_equal(db_query_json(d, &rows,
				       "SELECT id FROM complaints WHERE content LIKE '%年费未%' AND received_at >= ?"
				       " AND received_at < ? ORDER BY id DESC",
				       (const struct db_val[]){DB_INT(from), DB_INT(to), DB_END}),
			 DB_OK);
	for (size_t i = 0; i < json_array_size(rows); i++)
		want[nw++] = json_integer_value(json_object_get(json_array_get(rows, i), "id"));
	json_decref(rows);
	assert_true(nw > 0);
	int n = search_dates(from, to, got, &total);
	assert_int_equal(n, nw);
	assert_int_equal(total, nw);
	for (int i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static void test_date_range(void **state)
{
	(void)state;
	/* Complaints 201..260 received one a day from day 0; the search for days [10, 20) reads only
	 * the ids received then (migration 0011) and still finds exactly those. */
	const int64_t day = 86400000, base = 19700 * day;
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "WITH RECURSIVE n(i) AS (SELECT 201 UNION ALL SELECT i + 1 FROM n WHERE i < 260)"
		 " INSERT INTO complaints (id, complaint_no, status, received_at, registrar_id, registrar_org_id,"
		 " handling_org_id, org_path, content, demand, created_at, updated_at)"
		 " SELECT i, 'D' || i, 'processing', %lld + (i - 201) * %lld + 3600000, 1, 1, 1, '/1/',"
		 " CASE WHEN i %% 3 = 0 THEN '年费未退还' ELSE '其他问题' END, '', 0, 0 FROM n",
		 (long long)base, (long long)day);
	assert_int_equal(db_exec_script(d, sql), DB_OK);
	int64_t indexed;
	check_dates(base + 10 * day, base + 20 * day);
	assert_int_equal(store_text_index_catch_up(d, 1000, &indexed), DB_OK);
	check_dates(base + 10 * day, base + 20 * day);
	/* A receipt date moved into the range (204: day 3 -> 15) or out of it (213: day 12 -> 40). */
	snprintf(sql, sizeof sql,
		 "UPDATE complaints SET received_at = %lld WHERE id = 204;"
		 "UPDATE complaints SET received_at = %lld WHERE id = 213",
		 (long long)(base + 15 * day), (long long)(base + 40 * day));
	assert_int_equal(db_exec_script(d, sql), DB_OK);
	check_dates(base + 10 * day, base + 20 * day);
	int64_t ids[100], total;
	assert_int_equal(search_dates(base + 10 * day, base + 20 * day, ids, &total), 3);
	assert_int_equal(ids[2], 204);
	/* A range with no complaint at all. */
	assert_int_equal(search_dates(base + 500 * day, base + 501 * day, ids, &total), 0);
	assert_int_equal(total, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waiting_and_indexed),
		cmocka_unit_test(test_edits),
		cmocka_unit_test(test_two_characters),
		cmocka_unit_test(test_kept_matches),
		cmocka_unit_test(test_match_cache),
		cmocka_unit_test(test_date_range),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
