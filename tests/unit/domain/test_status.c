/* The status sets are written once (domain/status.h, issue 13): the C tests and the SQL lists
 * agree for every status, wf_status_open is the same set, and the partial indexes of open work
 * (migrations sqlite/0018, pg/0016) carry STATUS_UNFINISHED_SQL verbatim — SQLite uses a partial
 * index only for a query holding the same term, so a drifted copy would silently turn the
 * to-do back into a full scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/status.h"
#include "domain/workflow.h"

static const char *const all[] = {"draft", "registered", "processing", "reviewing",
				  "replied", "closed", "withdrawn", "deleted"};
#define NALL (sizeof all / sizeof all[0])

/* Whether the SQL list "('a', 'b')" names status s. */
static int in_sql(const char *list, const char *s)
{
	char quoted[40];
	snprintf(quoted, sizeof quoted, "'%s'", s);
	return strstr(list, quoted) != NULL;
}

static void test_c_and_sql_sets_agree(void **state)
{
	(void)state;
	for (size_t i = 0; i < NALL; i++) {
		assert_int_equal(status_is_open(all[i]), in_sql(STATUS_OPEN_SQL, all[i]));
		assert_int_equal(status_is_clock(all[i]), in_sql(STATUS_CLOCK_SQL, all[i]));
		assert_int_equal(status_is_unfinished(all[i]), in_sql(STATUS_UNFINISHED_SQL, all[i]));
		assert_int_equal(wf_status_open(all[i]), status_is_open(all[i]));
		if (status_is_clock(all[i]))
			assert_true(status_is_open(all[i]));
		if (status_is_open(all[i]))
			assert_true(status_is_unfinished(all[i]));
	}
	assert_false(status_is_open(NULL));
	assert_false(status_is_unfinished("nonsense"));
	assert_true(status_is_unfinished("draft"));
	assert_false(status_is_open("draft"));
	assert_true(status_is_open("replied"));
	assert_false(status_is_clock("replied"));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[16384];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_partial_indexes_carry_the_set(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int indexes;
	} files[] = {{"src/store/migrations/sqlite/0018_open_work.sql", 3},
		     {"src/store/migrations/pg/0016_open_work.sql", 3},
		     {"src/store/migrations/sqlite/0031_todo_covering.sql", 4},
		     {"src/store/migrations/pg/0029_todo_covering.sql", 4},
		     {"src/store/migrations/pg/0034_todo_index_only.sql", 4}};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *text = slurp(files[i].file);
		assert_int_equal(count(text, "CREATE INDEX"), files[i].indexes);
		assert_int_equal(count(text, "WHERE status IN " STATUS_UNFINISHED_SQL ";"), files[i].indexes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_and_sql_sets_agree),
		cmocka_unit_test(test_partial_indexes_carry_the_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
