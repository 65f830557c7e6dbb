/* Unit tests for the typed complaint record (src/store/complaint_record.c) over a real SQLite
 * file: every column of the list goes in through the insert and comes back through the reader
 * with its value, and with NULL where the column is nullable; the save writes every saved
 * column and only those, and refuses a stale version; the JSON form is the row JSON of
 * store_complaint_get key for key, in the same order; from_json inverts it; a record whose text
 * could not be copied is never written; the list names every column of the table, in order. */
#include "store/complaint_record.h"
#include "store/store.h"
#include "unit_db.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct unit_db u;
static struct db *d;

static int setup(void **state)
{
	(void)state;
	if (unit_db_make(&u, "crec") != 0 || store_init(u.url) != 0 || !(d = store_conn()) || store_migrate(d) != DB_OK)
		return -1;
	return db_exec_script(
		       d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
			  " type, created_at, updated_at) VALUES (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000',"
			  " 'head_office', 0, 0), (2, 1, '/1/2/', 2, '分行', 'B2', 'B20000000000000', '440000', 'branch', 0, 0);"
			  "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at)"
			  " VALUES (1, 'u1', '登记人', 1, 'x', 0, 0), (2, 'u2', '处理人', 2, 'x', 0, 0);"
			  "INSERT INTO complaints (id, complaint_no, status, registrar_id, registrar_org_id, created_at,"
			  " updated_at) VALUES (7, 'EARLIER', 'closed', 1, 1, 0, 0)") == DB_OK
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

/* Columns that are NOT NULL in the schema (the others may be NULL). */
static bool not_null(const char *name)
{
	static const char *const names[] = {"complaint_no", "status", "org_path", "rights", "content",
					    "demand", "tags", "complainant_masked", "day_type", "deadline_state",
					    "sync_status", NULL};
	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Every written column with a value of its own (text "<tag><column>", numbers from base up),
 * the references pointing at rows that exist. */
static void fill(struct complaint *c, const char *tag, int64_t base)
{
	char buf[80];
	int64_t n = base;
#define FILL_TEXT(name) snprintf(buf, sizeof buf, "%s%s", tag, #name), CREC_SET_TEXT(c, name, buf);
#define FILL_INT(name) c->name = n++;
#define FILL_OPT(name) c->name = OPT_SOME(n++);
#define FILL(kind, name, role) FILL_##kind(name)
	COMPLAINT_COLUMNS(FILL)
	c->registrar_id = 1;
	c->registrar_org_id = 1;
	c->complained_org_id = OPT_SOME(2);
	c->handling_org_id = OPT_SOME(2);
	c->handler_id = OPT_SOME(2);
	c->repeat_of = OPT_SOME(7);
	c->merged_into = OPT_SOME(7);
	c->import_job_id = OPT_NONE; /* references import_jobs */
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The columns a save must leave as they are, written out here (not taken from the list's
 * roles) so that a wrong role in the list fails the test. */
static bool kept_by_save(const char *name)
{
	static const char *const names[] = {"id", "complaint_no", "registrar_id", "registrar_org_id", "created_at",
					    "regulator_receipt_no", "sync_error", "synced_at", "legacy_no",
					    "legacy_handler", "import_job_id", NULL};
	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Every column of got is want's, or with kept (after a save) kept's for the columns a save
 * keeps; fails naming the first that differs. */
static void expect_columns(const struct complaint *want, const struct complaint *got, const struct complaint *kept)
{
#define SAME_TEXT(w, n) same_text(w->n, got->n)
#define SAME_INT(w, n) (w->n == got->n)
#define SAME_OPT(w, n) (w->n.set == got->n.set && w->n.v == got->n.v)
#define EXPECT(kind, name, role)                                                                  \
	if (!(kept && kept_by_save(#name) ? SAME_##kind(kept, name) : SAME_##kind(want, name)))     \
		fail_msg("column %s differs", #name);
	COMPLAINT_COLUMNS(EXPECT)
}

/* Inserted with every column set, read back whole; the row JSON is the record's JSON. */
static void insert_read_every_column(void **state)
{
	(void)state;
	struct complaint c = {0}, got;
	fill(&c, "a_", 1000);
	CREC_SET_TEXT(&c, complaint_no, "ALL-1");
	int64_t id = 0;
	assert_int_equal(store_complaint_insert_record(d, &c, &id), DB_OK);
	assert_true(id > 0);
	/* the READ columns are written elsewhere (the regulator worker) */
	assert_int_equal(DBX(d, "UPDATE complaints SET regulator_receipt_no = 'R-9', sync_error = '超时', synced_at = 99"
				" WHERE id = ?", DB_INT(id)), 1);
	c.id = id;
	CREC_SET_TEXT(&c, regulator_receipt_no, "R-9");
	CREC_SET_TEXT(&c, sync_error, "超时");
	c.synced_at = OPT_SOME(99);
	assert_int_equal(store_complaint_read(d, id, &got), 1);
	expect_columns(&c, &got, NULL);
	assert_string_equal(got.complained_org_name, "分行");
	assert_string_equal(got.handling_org_name, "分行");
	assert_string_equal(got.handler_name, "处理人");
	assert_string_equal(got.registrar_name, "登记人");
	assert_string_equal(got.registrar_org_name, "HQ");
	assert_string_equal(got.complained_org_path, "/1/2/");
	assert_null(got.todo_kind);

	json_t *row, *mine = complaint_record_json(&got);
	assert_int_equal(store_complaint_get(d, id, &row), 1);
	char *a = json_dumps(row, JSON_COMPACT), *b = json_dumps(mine, JSON_COMPACT);
	assert_string_equal(b, a); /* same keys, values, types and order */
	free(a);
	free(b);

	struct complaint back;
	assert_int_equal(complaint_record_from_json(row, &back), 0);
	expect_columns(&got, &back, NULL);
	assert_string_equal(back.handler_name, "处理人");
	json_decref(row);
	json_decref(mine);
	complaint_record_free(&back);
	complaint_record_free(&got);
	complaint_record_free(&c);
}

/* Every nullable column NULL goes in and comes back NULL (not 0, not ""). */
static void nulls_round_trip(void **state)
{
	(void)state;
	struct complaint c = {0}, got;
	fill(&c, "n_", 5000);
	CREC_SET_TEXT(&c, complaint_no, "NULLS-1");
#define NULL_TEXT(name) if (!not_null(#name)) CREC_SET_TEXT(&c, name, NULL);
#define NULL_INT(name)
#define NULL_OPT(name) c.name = OPT_NONE;
#define NULL_COL(kind, name, role) NULL_##kind(name)
	COMPLAINT_COLUMNS(NULL_COL)
	int64_t id;
	assert_int_equal(store_complaint_insert_record(d, &c, &id), DB_OK);
	c.id = id;
	assert_int_equal(store_complaint_read(d, id, &got), 1);
	expect_columns(&c, &got, NULL);
	assert_null(got.handler_id.set ? "set" : NULL);
	assert_null(got.handler_name);
	json_t *j = complaint_record_json(&got);
	assert_true(json_is_null(json_object_get(j, "amount_fen")));
	assert_true(json_is_null(json_object_get(j, "external_no")));
	json_decref(j);
	complaint_record_free(&got);
	complaint_record_free(&c);
}

/* The save writes every saved column (and updated_at), leaves the others, and only over the
 * version it was given. */
static void save_every_saved_column(void **state)
{
	(void)state;
	struct complaint c = {0}, got, changed;
	fill(&c, "s_", 2000);
	CREC_SET_TEXT(&c, complaint_no, "SAVE-1");
	int64_t id;
	assert_int_equal(store_complaint_insert_record(d, &c, &id), DB_OK);
	assert_int_equal(store_complaint_read(d, id, &got), 1);
	assert_int_equal(complaint_record_copy(&changed, &got), 0);
	int64_t version = changed.version;
	fill(&changed, "t_", 3000); /* every column new, the NEW ones too: the save must leave those */
	changed.id = id;
	changed.handler_id = OPT_NONE;
	CREC_SET_TEXT(&changed, complaint_no, "SAVE-CHANGED");
	assert_int_equal(store_complaint_save_record(d, &changed, version + 1), 0); /* stale */
	assert_int_equal(store_complaint_save_record(d, &changed, version), 1);
	struct complaint after;
	assert_int_equal(store_complaint_read(d, id, &after), 1);
	expect_columns(&changed, &after, &got);
	assert_string_equal(after.complaint_no, "SAVE-1");
	assert_int_equal(after.created_at, got.created_at);
	assert_int_equal(after.registrar_id, 1);
	assert_null(after.handler_name);
	complaint_record_free(&after);
	complaint_record_free(&changed);
	complaint_record_free(&got);
	complaint_record_free(&c);
}

/* A record marked out of memory is never written; no row means 0 and a zeroed record. */
static void oom_and_missing(void **state)
{
	(void)state;
	struct complaint c = {0}, got;
	fill(&c, "o_", 4000);
	c.oom = true;
	int64_t id = 0;
	assert_int_equal(store_complaint_insert_record(d, &c, &id), DB_HARD);
	assert_int_equal(store_complaint_save_record(d, &c, c.version), DB_HARD);
	assert_int_equal(store_complaint_read(d, 999999, &got), 0);
	assert_null(got.status);
	complaint_record_free(&c);
}

/* The list is the table: every column of `complaints`, in the schema's order, nothing more. */
static void list_is_the_table(void **state)
{
	(void)state;
#define NAME_OF(kind, name, role) #name,
	static const char *const listed[] = {COMPLAINT_COLUMNS(NAME_OF) NULL};
	struct db_res *r;
	assert_int_equal(DBQ(d, &r, "SELECT name FROM pragma_table_info('complaints') ORDER BY cid", DB_END), DB_OK);
	size_t i = 0;
	while (db_next(r) == 1) {
		assert_non_null(listed[i]);
		assert_string_equal(db_text(r, 0), listed[i]);
		i++;
	}
	db_done(r);
	assert_null(listed[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(insert_read_every_column),
		cmocka_unit_test(nulls_round_trip),
		cmocka_unit_test(save_every_saved_column),
		cmocka_unit_test(oom_and_missing),
		cmocka_unit_test(list_is_the_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
