/* Unit tests for the store over a real SQLite file (src/store/store.c, institutions.c,
 * users.c): per-thread connections and migrations, the institution tree's materialised paths
 * through inserts and subtree moves (with the '/1/2/' versus '/1/23/' prefix trap), and the user
 * list under each data scope and filter. */
#include "domain/permissions.h"
#include "store/migrations.h"
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

#define T0 1700000000000LL

struct fx {
	struct unit_db u;
	struct db *d;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	if (unit_db_make(&fx->u, "store") != 0 || store_init(fx->u.url) != 0)
		return -1;
	fx->d = store_conn();
	if (!fx->d || store_migrate(fx->d) != DB_OK)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	store_release_thread();
	unit_db_remove(&fx->u);
	free(fx);
	return 0;
}

/* Inserts an institution with codes derived from tag; returns its id. */
static int64_t org(struct db *d, int64_t parent, const char *tag)
{
	char name[64], icode[32], fcode[32];
	snprintf(name, sizeof name, "机构%s", tag);
	snprintf(icode, sizeof icode, "I-%s", tag);
	snprintf(fcode, sizeof fcode, "F%013d", atoi(tag));
	struct org_fields f = {.name = name, .internal_code = icode, .fin_code = fcode,
			       .region_code = "110000", .type = "branch"};
	int64_t id = 0;
	assert_int_equal(store_org_insert(d, parent, &f, T0, &id), DB_OK);
	assert_true(id > 0);
	return id;
}

/* Asserts path, depth and parent of one institution. */
static void expect_org(struct db *d, int64_t id, const char *path, int64_t depth, int64_t parent)
{
	json_t *o = NULL;
	assert_int_equal(store_org_get(d, id, &o), 1);
	const char *got = json_string_value(json_object_get(o, "path"));
	int64_t got_depth = json_integer_value(json_object_get(o, "depth"));
	json_t *p = json_object_get(o, "parent_id");
	int64_t got_parent = json_is_null(p) ? 0 : json_integer_value(p);
	if (!got || strcmp(got, path) != 0 || got_depth != depth || got_parent != parent)
		fail_msg("org %lld: path %s depth %lld parent %lld, want %s %lld %lld", (long long)id,
			 got ? got : "(null)", (long long)got_depth, (long long)got_parent, path,
			 (long long)depth, (long long)parent);
	json_decref(o);
}

static void connections_and_migrations(void **state)
{
	struct fx *fx = *state;
	assert_ptr_equal(store_conn(), fx->d); /* one connection per thread */

	int64_t last = 0;
	for (const struct migration *m = migrations_sqlite; m->name; m++)
		last = m->version;
	assert_true(last >= 1);
	int64_t v = -1;
	assert_int_equal(store_schema_version(fx->d, &v), DB_OK);
	assert_int_equal(v, last);
	/* Migrating again changes nothing. */
	assert_int_equal(store_migrate(fx->d), DB_OK);
	int64_t rows = 0;
	assert_int_equal(DB_SCALAR(fx->d, &rows, "SELECT COUNT(*) FROM schema_version", DB_END), 1);
	int64_t n = 0;
	for (const struct migration *m = migrations_sqlite; m->name; m++)
		n++;
	assert_int_equal(rows, n);

	/* Settings round trip through the same connection. */
	char buf[64] = "untouched";
	assert_int_equal(store_setting_get(fx->d, "k", buf, sizeof buf), 0);
	assert_string_equal(buf, "untouched");
	assert_int_equal(store_setting_set(fx->d, "k", "值1"), 1);
	assert_int_equal(store_setting_set(fx->d, "k", "值2"), 1);
	assert_int_equal(store_setting_get(fx->d, "k", buf, sizeof buf), 1);
	assert_string_equal(buf, "值2");

	/* After a release the thread gets a fresh connection to the same database. */
	store_release_thread();
	struct db *again = store_conn();
	assert_non_null(again);
	assert_int_equal(store_setting_get(again, "k", buf, sizeof buf), 1);
	assert_string_equal(buf, "值2");
	fx->d = again;
}

static void org_insert_paths(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	int64_t root = org(d, 0, "1");
	int64_t a = org(d, root, "2");
	int64_t a1 = org(d, a, "3");
	expect_org(d, root, "/1/", 0, 0);
	expect_org(d, a, "/1/2/", 1, 1);
	expect_org(d, a1, "/1/2/3/", 2, 2);
	int64_t rid = 0;
	assert_int_equal(store_org_root_id(d, &rid), 1);
	assert_int_equal(rid, root);

	/* Unknown parent: refused, nothing inserted. */
	struct org_fields f = {.name = "x", .internal_code = "x", .fin_code = "x",
			       .region_code = "x", .type = "x"};
	int64_t id = 0;
	assert_int_equal(store_org_insert(d, 999, &f, T0, &id), DB_HARD);
	/* Duplicate code. */
	struct org_fields dup = {.name = "dup", .internal_code = "I-2", .fin_code = "new",
				 .region_code = "110000", .type = "branch"};
	assert_int_equal(store_org_insert(d, root, &dup, T0, &id), DB_CONSTRAINT);
	int64_t count = 0;
	assert_int_equal(DB_SCALAR(d, &count, "SELECT COUNT(*) FROM institutions", DB_END), 1);
	assert_int_equal(count, 3);

	int64_t children = -1, users = -1;
	assert_int_equal(store_org_dependents(d, a, &children, &users), DB_OK);
	assert_int_equal(children, 1);
	assert_int_equal(users, 0);
}

/* Builds: 1 root; 2 and 3 under it; 4 under 2; 5 under 4; fillers 6..22 under 3; 23 under
 * the root and 24 under 23, so '/1/2/' and '/1/23/' are siblings sharing a prefix. */
static void build_tree(struct db *d)
{
	assert_int_equal(org(d, 0, "1"), 1);
	assert_int_equal(org(d, 1, "2"), 2);
	assert_int_equal(org(d, 1, "3"), 3);
	assert_int_equal(org(d, 2, "4"), 4);
	assert_int_equal(org(d, 4, "5"), 5);
	for (int i = 6; i <= 22; i++) {
		char tag[16];
		snprintf(tag, sizeof tag, "%d", i);
		assert_int_equal(org(d, 3, tag), i);
	}
	assert_int_equal(org(d, 1, "23"), 23);
	assert_int_equal(org(d, 23, "24"), 24);
	expect_org(d, 23, "/1/23/", 1, 1);
	expect_org(d, 24, "/1/23/24/", 2, 23);
}

static void org_move_subtree(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	build_tree(d);

	/* 2 (with 4 and 5) moves under 3: one level deeper. */
	assert_int_equal(store_org_move(d, 2, 3, T0 + 1), DB_OK);
	expect_org(d, 2, "/1/3/2/", 2, 3);
	expect_org(d, 4, "/1/3/2/4/", 3, 2);
	expect_org(d, 5, "/1/3/2/4/5/", 4, 4);
	/* The sibling sharing the '/1/2' prefix is untouched. */
	expect_org(d, 23, "/1/23/", 1, 1);
	expect_org(d, 24, "/1/23/24/", 2, 23);
	expect_org(d, 3, "/1/3/", 1, 1);
	expect_org(d, 22, "/1/3/22/", 2, 3);

	/* 4 (with 5) moves up to the root: two levels shallower. */
	assert_int_equal(store_org_move(d, 4, 1, T0 + 2), DB_OK);
	expect_org(d, 4, "/1/4/", 1, 1);
	expect_org(d, 5, "/1/4/5/", 2, 4);
	expect_org(d, 2, "/1/3/2/", 2, 3);

	/* 23 moves under 2: '/1/2...' rows other than 23's own subtree must not change. */
	assert_int_equal(store_org_move(d, 23, 2, T0 + 3), DB_OK);
	expect_org(d, 23, "/1/3/2/23/", 3, 2);
	expect_org(d, 24, "/1/3/2/23/24/", 4, 23);
	expect_org(d, 2, "/1/3/2/", 2, 3);

	/* Every path is its parent's path plus its own id, and depth counts the slashes. */
	json_t *rows;
	assert_int_equal(DBJ(d, &rows,
			     "SELECT c.id, c.path, c.depth, p.path AS parent_path FROM institutions c"
			     " LEFT JOIN institutions p ON p.id = c.parent_id ORDER BY c.id",
			     DB_END),
			 DB_OK);
	assert_int_equal(json_array_size(rows), 24);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		char want[600];
		json_t *pp = json_object_get(row, "parent_path");
		snprintf(want, sizeof want, "%s%lld/", json_is_null(pp) ? "/" : json_string_value(pp),
			 (long long)json_integer_value(json_object_get(row, "id")));
		const char *path = json_string_value(json_object_get(row, "path"));
		assert_string_equal(path, want);
		int slashes = 0;
		for (const char *c = path; *c; c++)
			slashes += *c == '/';
		assert_int_equal(json_integer_value(json_object_get(row, "depth")), slashes - 2);
	}
	json_decref(rows);

	/* updated_at is set on the moved institution only. */
	json_t *o;
	assert_int_equal(store_org_get(d, 23, &o), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "updated_at")), T0 + 3);
	json_decref(o);
	assert_int_equal(store_org_get(d, 24, &o), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "updated_at")), T0);
	json_decref(o);

	/* Moving an unknown institution or under an unknown parent is refused. */
	assert_int_equal(store_org_move(d, 999, 1, T0), DB_HARD);
	assert_int_equal(store_org_move(d, 2, 999, T0), DB_HARD);
	expect_org(d, 2, "/1/3/2/", 2, 3);
}

static struct principal who(struct db *d, enum data_scope s, int64_t org_id, int64_t user_id)
{
	struct principal p = {0};
	p.user_id = user_id;
	p.org_id = org_id;
	p.scope = s;
	json_t *o;
	assert_int_equal(store_org_get(d, org_id, &o), 1);
	snprintf(p.org_path, sizeof p.org_path, "%s", json_string_value(json_object_get(o, "path")));
	json_decref(o);
	return p;
}

/* Lists users for principal p with filter f; returns ids as "1,2,3" and the total. */
static void list_ids(struct db *d, const struct principal *p, const struct user_filter *f,
		     char *out, size_t n, int64_t *total)
{
	struct scope_filter sf;
	scope_filter_for(p, &sf);
	json_t *items = NULL;
	*total = -1;
	assert_int_equal(store_user_list(d, &sf, f, &items, total), DB_OK);
	out[0] = '\0';
	size_t i;
	json_t *u;
	json_array_foreach(items, i, u)
	{
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%lld", i ? "," : "",
			 (long long)json_integer_value(json_object_get(u, "id")));
	}
	json_decref(items);
}

static void expect_list(struct db *d, const struct principal *p, const struct user_filter *f,
			const char *want, int64_t want_total)
{
	char got[256];
	int64_t total;
	list_ids(d, p, f, got, sizeof got, &total);
	if (strcmp(got, want) != 0 || total != want_total)
		fail_msg("scope %d at %s: got [%s] total %lld, want [%s] total %lld", p->scope,
			 p->org_path, got, (long long)total, want, (long long)want_total);
}

static int64_t user(struct db *d, const char *username, int64_t org_id)
{
	int64_t id = 0;
	assert_int_equal(store_user_insert(d, username, "用户", org_id, NULL, NULL, NULL, false, T0,
					   &id),
			 DB_OK);
	return id;
}

static void user_list_scopes(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	build_tree(d);
	/* Users: 1 at the root, 2 at org 2, 3 at org 4 (inside 2), 4 at org 23 (the prefix trap),
	 * 5 at org 2 again, 6 at org 3. */
	assert_int_equal(user(d, "rootadmin", 1), 1);
	assert_int_equal(user(d, "auser", 2), 2);
	assert_int_equal(user(d, "achild", 4), 3);
	assert_int_equal(user(d, "trapuser", 23), 4);
	assert_int_equal(user(d, "50%_off", 2), 5);
	assert_int_equal(user(d, "other", 3), 6);

	struct user_filter f = {.limit = 100};
	struct principal p = who(d, SCOPE_SUBTREE, 2, 2);
	expect_list(d, &p, &f, "2,3,5", 3);
	p = who(d, SCOPE_SUBTREE, 23, 4);
	expect_list(d, &p, &f, "4", 1);
	p = who(d, SCOPE_SUBTREE, 1, 1);
	expect_list(d, &p, &f, "1,2,3,4,5,6", 6);
	p = who(d, SCOPE_ORG, 2, 2);
	expect_list(d, &p, &f, "2,5", 2);
	p = who(d, SCOPE_ORG, 1, 1);
	expect_list(d, &p, &f, "1", 1);
	p = who(d, SCOPE_SELF, 4, 3);
	expect_list(d, &p, &f, "3", 1);
	p = who(d, SCOPE_ALL, 5, 0);
	expect_list(d, &p, &f, "1,2,3,4,5,6", 6);

	/* After org 4 moves under 3, user 3 leaves org 2's subtree and joins 3's. */
	assert_int_equal(store_org_move(d, 4, 3, T0), DB_OK);
	p = who(d, SCOPE_SUBTREE, 2, 2);
	expect_list(d, &p, &f, "2,5", 2);
	p = who(d, SCOPE_SUBTREE, 3, 6);
	expect_list(d, &p, &f, "3,6", 2);

	/* The scope of a principal and the org filter combine. */
	p = who(d, SCOPE_SUBTREE, 3, 6);
	struct user_filter in23 = {.org_id = 23, .limit = 100};
	expect_list(d, &p, &in23, "", 0);
	p = who(d, SCOPE_ALL, 1, 1);
	expect_list(d, &p, &in23, "4", 1);
	struct user_filter in2 = {.org_id = 2, .limit = 100};
	expect_list(d, &p, &in2, "2,5", 2);
}

static void user_list_filters(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	build_tree(d);
	user(d, "rootadmin", 1);
	user(d, "auser", 2);
	user(d, "achild", 4);
	user(d, "trapuser", 23);
	user(d, "50%_off", 2);
	struct principal all = who(d, SCOPE_ALL, 1, 1);

	/* LIKE wildcards in q are literal. */
	struct user_filter f = {.q = "%", .limit = 100};
	expect_list(d, &all, &f, "5", 1);
	f.q = "_";
	expect_list(d, &all, &f, "5", 1);
	f.q = "AUSER"; /* case-insensitive contains */
	expect_list(d, &all, &f, "2", 1);
	f.q = "user";
	expect_list(d, &all, &f, "2,4", 2);
	f.q = "用户"; /* the display name */
	expect_list(d, &all, &f, "1,2,3,4,5", 5);
	f.q = "nobody";
	expect_list(d, &all, &f, "", 0);

	/* Paging: total counts every match. */
	struct user_filter page = {.limit = 2, .offset = 1};
	expect_list(d, &all, &page, "2,3", 5);
	page.offset = 4;
	expect_list(d, &all, &page, "5", 5);

	/* Status. */
	assert_int_equal(store_user_set_status(d, 3, "disabled", T0), DB_OK);
	struct user_filter st = {.status = "disabled", .limit = 100};
	expect_list(d, &all, &st, "3", 1);
	st.status = "active";
	expect_list(d, &all, &st, "1,2,4,5", 4);

	/* Roles: attached to each item, and filterable. */
	int64_t role = 0;
	assert_int_equal(store_role_insert(d, "handler", "处理员", NULL, "complaint.handle",
					   "subtree", false, NULL, T0, &role),
			 DB_OK);
	int64_t ids[] = {role};
	assert_int_equal(store_user_set_roles(d, 2, ids, 1), DB_OK);
	struct user_filter byrole = {.role_id = role, .limit = 100};
	expect_list(d, &all, &byrole, "2", 1);

	struct scope_filter sf;
	scope_filter_for(&all, &sf);
	json_t *items;
	int64_t total;
	struct user_filter one = {.q = "auser", .limit = 100};
	assert_int_equal(store_user_list(d, &sf, &one, &items, &total), DB_OK);
	assert_int_equal(json_array_size(items), 1);
	json_t *u = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(u, "username")), "auser");
	assert_string_equal(json_string_value(json_object_get(u, "org_path")), "/1/2/");
	assert_string_equal(json_string_value(json_object_get(u, "org_name")), "机构2");
	json_t *roles = json_object_get(u, "roles");
	assert_int_equal(json_array_size(roles), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(roles, 0), "code")),
			    "handler");
	assert_string_equal(json_string_value(json_object_get(json_array_get(roles, 0),
							      "data_scope")),
			    "subtree");
	json_decref(items);
}

static int64_t count_sql(struct db *d, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(db_scalar_int(d, &n, sql, (const struct db_val[]){DB_END}), 1);
	return n;
}

#define LOAD_TRIGGERS                                                                            \
	"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"                   \
	" ('complaints_fts_insert', 'complaints_changed_insert', 'complaints_changed_update')"
#define COMPLAINT_INDEXES "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints' AND sql IS NOT NULL"

/* A bulk load sets the complaint indexes and row triggers aside and creates them again at its
 * end; if it dies part way, the next start (store_migrate) finishes it. */
static void bulk_load_indexes(void **state)
{
	struct db *d = ((struct fx *)*state)->d;
	int64_t all = count_sql(d, COMPLAINT_INDEXES);
	assert_true(all >= 10);
	assert_int_equal(store_bulk_load_begin(d), DB_OK);
	assert_int_equal(count_sql(d, COMPLAINT_INDEXES), 0);
	assert_int_equal(count_sql(d, "SELECT COUNT(*) FROM bulk_load_indexes"), all);
	assert_int_equal(count_sql(d, LOAD_TRIGGERS), 0);
	/* The load dies here; the server starts again and finishes it. */
	assert_int_equal(store_migrate(d), DB_OK);
	assert_int_equal(count_sql(d, COMPLAINT_INDEXES), all);
	assert_int_equal(count_sql(d, LOAD_TRIGGERS), 3);
	assert_int_equal(count_sql(d, "SELECT COUNT(*) FROM bulk_load_indexes"), 0);
	/* A load that finishes restores indexes and triggers itself. */
	assert_int_equal(store_bulk_load_begin(d), DB_OK);
	assert_int_equal(store_bulk_load_end(d), DB_OK);
	assert_int_equal(count_sql(d, COMPLAINT_INDEXES), all);
	assert_int_equal(count_sql(d, LOAD_TRIGGERS), 3);
	/* The planner can use them again (an index it cannot use is an error with INDEXED BY). */
	assert_int_equal(count_sql(d, "SELECT COUNT(*) FROM complaints INDEXED BY complaints_received WHERE received_at > 0"), 0);
}

static int group_setup(void **state)
{
	log_set_level(LOG_WARN);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(connections_and_migrations),
		T(org_insert_paths),
		T(org_move_subtree),
		T(user_list_scopes),
		T(user_list_filters),
		T(bulk_load_indexes),
	};
	return cmocka_run_group_tests_name("store", tests, group_setup, NULL);
}
