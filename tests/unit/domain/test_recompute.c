/* Unit tests for recomputing every running deadline after a calendar change
 * (domain/complaint.c complaint_recompute_open) over a real SQLite file and the real writer
 * thread: the due dates of open complaints across three batches follow the new holiday, closed
 * complaints are left alone, the calendar is loaded once (not once per complaint), and the work
 * is split into several write transactions (other writes go through between them). */
#include "domain/complaint.h"
#include "domain/complaint_settings.h"
#include "domain/deadline.h"
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

#define START 1772416800000LL /* 2026-03-02 10:00 in Beijing, a Monday */
#define NOPEN (2 * COMPLAINT_RECOMPUTE_BATCH + 203)

static struct unit_db u;
static struct db *d;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_WARN);
	if (unit_db_make(&u, "recompute") != 0 || store_init(u.url) != 0 || !(d = store_conn()) ||
	    store_migrate(d) != DB_OK || store_writer_start(u.url) != 0)
		return -1;
	char sql[1200];
	snprintf(sql, sizeof sql,
		 "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
		 " type, created_at, updated_at) VALUES (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000',"
		 " 'head_office', 0, 0);"
		 "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at)"
		 " VALUES (1, 'u', 'u', 1, 'x', 0, 0);"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO complaints (id, complaint_no, status, received_at, registrar_id, registrar_org_id,"
		 " handling_org_id, org_path, content, demand, created_at, updated_at, day_type, allowed_days,"
		 " clock_start_at, due_at, deadline_state)"
		 " SELECT i, 'N' || i, CASE WHEN i %% 7 = 0 THEN 'closed' WHEN i %% 3 = 0 THEN 'reviewing'"
		 " ELSE 'processing' END, %lld, 1, 1, 1, '/1/', 'x', '', 0, 0, 'working', 15, %lld, 1, 'on_time' FROM n",
		 NOPEN * 7 / 6 + 2, START, START);
	return db_exec_script(d, sql) == DB_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	store_writer_stop();
	store_release_thread();
	unit_db_remove(&u);
	return 0;
}

static int holiday_tx(struct db *w, void *arg)
{
	(void)arg;
	return store_calendar_set(w, 20260305, "holiday", "test", START);
}

static void recompute_after_holiday(void **state)
{
	(void)state;
	int64_t ncomplaints = 0, nopen = 0;
	assert_int_equal(DB_SCALAR(d, &ncomplaints, "SELECT COUNT(*) FROM complaints", DB_END), 1);
	assert_int_equal(DB_SCALAR(d, &nopen, "SELECT COUNT(*) FROM complaints WHERE status <> 'closed'", DB_END), 1);
	assert_true(nopen > 2 * COMPLAINT_RECOMPUTE_BATCH); /* three batches at least */

	assert_int_equal(store_write(holiday_tx, NULL), 0);
	struct complaint_settings cfg;
	assert_int_equal(complaint_settings_get(d, &cfg), DB_OK);
	long loads = store_calendar_loads(), batches, jobs_before, jobs_after;
	store_writer_stats(&batches, &jobs_before);
	int count = -1;
	assert_int_equal(complaint_recompute_open(d, &cfg, START + 86400000LL, &count), 0);
	store_writer_stats(&batches, &jobs_after);
	assert_int_equal(count, nopen);
	assert_int_equal(store_calendar_loads() - loads, 1);               /* once, not per complaint */
	assert_true(jobs_after - jobs_before >= (nopen + COMPLAINT_RECOMPUTE_BATCH - 1) / COMPLAINT_RECOMPUTE_BATCH);

	/* What the deadline engine says with and without the holiday: they differ by a day. */
	int32_t hol[] = {20260305};
	struct calendar with = {hol, 1, NULL, 0}, without = {NULL, 0, NULL, 0};
	struct deadline_rule rule = {DAY_WORKING, 15, cfg.roll_past_holiday, 480};
	int64_t due = deadline_due_at(&with, &rule, START, NULL, 0), old_due = deadline_due_at(&without, &rule, START, NULL, 0);
	assert_true(due > old_due);
	int64_t n = -1;
	assert_int_equal(DB_SCALAR(d, &n, "SELECT COUNT(*) FROM complaints WHERE status <> 'closed' AND due_at = ?",
				   DB_INT(due)),
			 1);
	assert_int_equal(n, nopen); /* every open one, in every batch */
	assert_int_equal(DB_SCALAR(d, &n, "SELECT COUNT(*) FROM complaints WHERE status = 'closed' AND due_at = 1",
				   DB_END),
			 1);
	assert_int_equal(n, ncomplaints - nopen); /* closed ones untouched */
	assert_int_equal(DB_SCALAR(d, &n, "SELECT MAX(version) FROM complaints", DB_END), 1);
	assert_int_equal(n, 1); /* no fact changed: versions stay */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recompute_after_holiday),
	};
	return cmocka_run_group_tests_name("recompute", tests, setup, teardown);
}
