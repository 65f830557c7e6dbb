/* Unit tests for the overdue escalation (domain/reminders.c) over a real SQLite file: the
 * supervisors holding the escalation role hear of an overdue complaint as their own data scope
 * (the widest of their roles) allows -- not as if every one of them had a subtree scope. */
#include "domain/reminders.h"
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

#define NOW 1772416800000LL

static struct unit_db u;
static struct db *d;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_WARN);
	if (unit_db_make(&u, "reminders") != 0 || store_init(u.url) != 0 || !(d = store_conn()) ||
	    store_migrate(d) != DB_OK)
		return -1;
	/* /1/ head office, /1/2/ and /1/3/ branches. The escalation role (reviewer) is
	 * institution-scoped; "wide" gives a whole-bank scope to whoever also holds it. */
	return db_exec_script(
		       d, "INSERT INTO institutions (id, parent_id, path, depth, name, internal_code, fin_code, region_code,"
			  " type, created_at, updated_at) VALUES"
			  " (1, NULL, '/1/', 1, 'HQ', 'HQ', 'HQ000000000000', '110000', 'head_office', 0, 0),"
			  " (2, 1, '/1/2/', 2, 'B2', 'B2', 'B20000000000000', '440000', 'branch', 0, 0),"
			  " (3, 1, '/1/3/', 2, 'B3', 'B3', 'B30000000000000', '310000', 'branch', 0, 0);"
			  "DELETE FROM user_roles; DELETE FROM roles WHERE code IN ('reviewer', 'wide');"
			  "INSERT INTO roles (id, code, name, permissions, data_scope, created_at, updated_at) VALUES"
			  " (90, 'reviewer', '审核', '', 'org', 0, 0), (91, 'wide', '全行', '', 'all', 0, 0);"
			  "INSERT INTO users (id, username, name, org_id, password_hash, created_at, updated_at) VALUES"
			  " (10, 'hq_org', 'a', 1, 'x', 0, 0), (11, 'b3_all', 'b', 3, 'x', 0, 0), (12, 'b2_org', 'c', 2, 'x', 0, 0),"
			  " (13, 'b3_org', 'd', 3, 'x', 0, 0);"
			  "INSERT INTO user_roles (user_id, role_id) VALUES (10, 90), (11, 90), (11, 91), (12, 90), (13, 90);"
			  "INSERT INTO complaints (id, complaint_no, status, received_at, registrar_id, registrar_org_id,"
			  " handling_org_id, org_path, content, demand, created_at, updated_at, clock_start_at, due_at,"
			  " deadline_state) VALUES (1, 'N1', 'processing', 0, 13, 3, 2, '/1/2/', 'x', '', 0, 0, 0, 1000, 'on_time')") == DB_OK
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

static bool escalated_to(int64_t user)
{
	int64_t n = -1;
	assert_int_equal(DB_SCALAR(d, &n, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'escalation'",
				   DB_INT(user)),
			 1);
	return n > 0;
}

static void escalation_follows_each_supervisors_scope(void **state)
{
	(void)state;
	assert_int_equal(reminders_run_once(d, NOW, NULL), 1);
	assert_false(escalated_to(10)); /* institution scope at the head office: not its complaint */
	assert_true(escalated_to(11));  /* a whole-bank role besides: sees a sibling branch's */
	assert_true(escalated_to(12));  /* institution scope at the handling branch */
	assert_true(escalated_to(13));  /* other branch, but it registered the complaint */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escalation_follows_each_supervisors_scope),
	};
	return cmocka_run_group_tests_name("reminders", tests, setup, teardown);
}
