/* Unit tests for the permission catalogue, permission lists, data scopes and the 三员 rule
 * (src/domain/permissions.c). Scope tests include the sibling-prefix trap: '/1/2/' must not
 * see '/1/23/'. */
#include "domain/permissions.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void catalogue(void **state)
{
	uint32_t all = 0;
	int n = 0;
	for (const struct perm_info *p = perm_catalogue; p->code; p++, n++) {
		assert_int_equal(__builtin_popcount(p->bit), 1);
		if (all & p->bit)
			fail_msg("bit of %s used twice", p->code);
		all |= p->bit;
		assert_int_equal(perm_from_code(p->code), p->bit);
		assert_true(strlen(p->name) > 0);
		assert_true(strlen(p->group) > 0);
	}
	assert_int_equal(n, 21);
	assert_int_equal(all, (1u << 21) - 1);
	/* issue 15: integration.manage is system administration, callcenter.lookup is business */
	assert_int_equal(perm_from_code("integration.manage"), 1u << 18);
	assert_int_equal(perm_from_code("callcenter.lookup"), 1u << 19);
	assert_int_equal(perm_family(P_INTEGRATION_MANAGE), FAMILY_SYSTEM);
	assert_int_equal(perm_family(P_CALLCENTER_LOOKUP), FAMILY_BUSINESS);
	assert_int_equal(perm_family(P_INTEGRATION_MANAGE | P_COMPLAINT_VIEW), FAMILY_MIXED);
	assert_int_equal(perm_from_code("org.manage"), P_ORG_MANAGE);
	assert_int_equal(perm_from_code("complaint.delete.approve"), P_COMPLAINT_DELETE_APPROVE);
	assert_int_equal(perm_from_code(""), 0);
	assert_int_equal(perm_from_code("org"), 0);
	assert_int_equal(perm_from_code("org.manage "), 0);
	assert_int_equal(perm_from_code("ORG.MANAGE"), 0);
}

static void parse_list_ok(void **state)
{
	uint32_t mask = 0xdead;
	const char *bad = "untouched";
	assert_int_equal(perm_parse_list("org.manage user.manage", &mask, &bad), 0);
	assert_int_equal(mask, P_ORG_MANAGE | P_USER_MANAGE);
	assert_string_equal(bad, "untouched");

	assert_int_equal(perm_parse_list("  audit.view   pii.unmask  ", &mask, &bad), 0);
	assert_int_equal(mask, P_AUDIT_VIEW | P_PII_UNMASK);

	assert_int_equal(perm_parse_list("report.view report.view", &mask, &bad), 0);
	assert_int_equal(mask, P_REPORT_VIEW);

	assert_int_equal(perm_parse_list("", &mask, &bad), 0);
	assert_int_equal(mask, 0);
	mask = 1;
	assert_int_equal(perm_parse_list("   ", &mask, &bad), 0);
	assert_int_equal(mask, 0);
	mask = 1;
	assert_int_equal(perm_parse_list(NULL, &mask, &bad), 0);
	assert_int_equal(mask, 0);

	/* The whole catalogue, as roles.c would store it. */
	char list[1024] = "";
	for (const struct perm_info *p = perm_catalogue; p->code; p++) {
		strcat(list, p->code);
		strcat(list, " ");
	}
	assert_int_equal(perm_parse_list(list, &mask, NULL), 0);
	assert_int_equal(mask, (1u << 21) - 1);
}

static void parse_list_bad(void **state)
{
	uint32_t mask;
	const char *bad = NULL;
	assert_int_equal(perm_parse_list("org.manage bogus user.manage", &mask, &bad), -1);
	assert_string_equal(bad, "bogus");

	assert_int_equal(perm_parse_list("org.manag", &mask, &bad), -1);
	assert_string_equal(bad, "org.manag");
	assert_int_equal(perm_parse_list("org.manage.x", &mask, &bad), -1);
	assert_string_equal(bad, "org.manage.x");
	assert_int_equal(perm_parse_list("Org.Manage", &mask, &bad), -1);
	assert_string_equal(bad, "Org.Manage");
	/* Only spaces separate: a tab or comma is part of the word. */
	assert_int_equal(perm_parse_list("org.manage\tuser.manage", &mask, &bad), -1);
	assert_string_equal(bad, "org.manage\tuser.manage");
	assert_int_equal(perm_parse_list("org.manage,user.manage", &mask, &bad), -1);
	assert_string_equal(bad, "org.manage,user.manage");
	assert_int_equal(perm_parse_list("投诉登记", &mask, &bad), -1);
	assert_string_equal(bad, "投诉登记");

	/* A word longer than the buffer is refused and reported truncated to 63 bytes. */
	char longw[200];
	memset(longw, 'a', 150);
	longw[150] = '\0';
	assert_int_equal(perm_parse_list(longw, &mask, &bad), -1);
	assert_int_equal(strlen(bad), 63);
	assert_memory_equal(bad, longw, 63);
	/* Even if its first 63 bytes spell a real code followed by junk. */
	snprintf(longw, sizeof longw, "org.manage%070d", 0);
	assert_int_equal(perm_parse_list(longw, &mask, &bad), -1);

	/* bad may be NULL. */
	assert_int_equal(perm_parse_list("nope", &mask, NULL), -1);
}

static void scopes(void **state)
{
	static const char *const codes[] = {"self", "org", "subtree", "all"};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(scope_from_code(codes[i]), i);
		assert_string_equal(scope_code((enum data_scope)i), codes[i]);
	}
	assert_int_equal(SCOPE_SELF, 0);
	assert_int_equal(SCOPE_ALL, 3);
	assert_int_equal(scope_from_code("ALL"), -1);
	assert_int_equal(scope_from_code(""), -1);
	assert_int_equal(scope_from_code(NULL), -1);
	assert_string_equal(scope_code((enum data_scope)7), "self");
}

static void sanyuan(void **state)
{
	assert_int_equal(sanyuan_from_code(NULL), SANYUAN_NONE);
	assert_int_equal(sanyuan_from_code(""), SANYUAN_NONE);
	assert_int_equal(sanyuan_from_code("sys"), SANYUAN_SYS);
	assert_int_equal(sanyuan_from_code("sec"), SANYUAN_SEC);
	assert_int_equal(sanyuan_from_code("audit"), SANYUAN_AUDIT);
	assert_int_equal(sanyuan_from_code("SYS"), -1);
	assert_int_equal(sanyuan_from_code("admin"), -1);

	assert_false(sanyuan_conflict(NULL, 0));
	int one[] = {SANYUAN_SYS};
	assert_false(sanyuan_conflict(one, 1));
	int same[] = {SANYUAN_SYS, SANYUAN_NONE, SANYUAN_SYS};
	assert_false(sanyuan_conflict(same, 3));
	int none[] = {SANYUAN_NONE, SANYUAN_NONE};
	assert_false(sanyuan_conflict(none, 2));
	int sys_sec[] = {SANYUAN_SYS, SANYUAN_SEC};
	assert_true(sanyuan_conflict(sys_sec, 2));
	int sec_audit[] = {SANYUAN_SEC, SANYUAN_AUDIT};
	assert_true(sanyuan_conflict(sec_audit, 2));
	int spread[] = {SANYUAN_NONE, SANYUAN_AUDIT, SANYUAN_NONE, SANYUAN_AUDIT, SANYUAN_SYS};
	assert_true(sanyuan_conflict(spread, 5));
	assert_false(sanyuan_conflict(spread, 4)); /* n bounds what is looked at */
}

static struct principal who(enum data_scope s, const char *org_path)
{
	struct principal p = {0};
	p.user_id = 10;
	p.org_id = 2;
	snprintf(p.org_path, sizeof p.org_path, "%s", org_path);
	p.scope = s;
	return p;
}

static void scope_all(void **state)
{
	struct principal p = who(SCOPE_ALL, "/1/2/");
	assert_true(scope_allows(&p, "/1/2/", 0));
	assert_true(scope_allows(&p, "/1/23/", 0));
	assert_true(scope_allows(&p, "/9/", 99));
	assert_true(scope_allows(&p, "", 0));
	assert_true(scope_allows(&p, NULL, 0));
}

static void scope_subtree(void **state)
{
	struct principal p = who(SCOPE_SUBTREE, "/1/2/");
	assert_true(scope_allows(&p, "/1/2/", 0));
	assert_true(scope_allows(&p, "/1/2/5/", 0));
	assert_true(scope_allows(&p, "/1/2/5/77/", 99));
	assert_false(scope_allows(&p, "/1/23/", 0)); /* sibling with a common prefix */
	assert_false(scope_allows(&p, "/1/23/5/", 0));
	assert_false(scope_allows(&p, "/1/", 0));     /* the parent */
	assert_false(scope_allows(&p, "/1/3/", 0));   /* a sibling */
	assert_false(scope_allows(&p, "/1/2", 0));    /* malformed, no trailing slash */
	assert_false(scope_allows(&p, "/2/", 0));
	assert_false(scope_allows(&p, "", 0));
	assert_false(scope_allows(&p, NULL, 10));

	/* A principal without an institution path sees nothing, not everything. */
	struct principal q = who(SCOPE_SUBTREE, "");
	assert_false(scope_allows(&q, "/1/", 0));
	assert_false(scope_allows(&q, "", 0));

	/* Root subtree sees the whole tree. */
	struct principal root = who(SCOPE_SUBTREE, "/1/");
	assert_true(scope_allows(&root, "/1/23/", 0));
	assert_false(scope_allows(&root, "/10/", 0));
}

static void scope_org(void **state)
{
	struct principal p = who(SCOPE_ORG, "/1/2/");
	assert_true(scope_allows(&p, "/1/2/", 0));
	assert_true(scope_allows(&p, "/1/2/", 99));
	assert_false(scope_allows(&p, "/1/2/5/", 0)); /* a child is not the org */
	assert_false(scope_allows(&p, "/1/23/", 0));
	assert_false(scope_allows(&p, "/1/", 0));
	assert_false(scope_allows(&p, "/1/2", 0));
	assert_false(scope_allows(&p, NULL, 0));
}

static void scope_self(void **state)
{
	struct principal p = who(SCOPE_SELF, "/1/2/");
	assert_true(scope_allows(&p, "/1/2/", 10));
	assert_true(scope_allows(&p, "/9/9/", 10)); /* ownership, not the institution, decides */
	assert_false(scope_allows(&p, "/1/2/", 11));
	assert_false(scope_allows(&p, "/1/2/", 0)); /* unowned objects are not "mine" */
	assert_false(scope_allows(&p, "/1/2/", -10));
	struct principal anon = who(SCOPE_SELF, "/1/2/");
	anon.user_id = 0;
	assert_false(scope_allows(&anon, "/1/2/", 0));
}

static void filter_for(void **state)
{
	struct scope_filter f;
	struct principal p = who(SCOPE_SUBTREE, "/1/2/");
	scope_filter_for(&p, &f);
	assert_int_equal(f.kind, 2);
	assert_string_equal(f.path_like, "/1/2/%");
	assert_int_equal(f.org_id, 2);
	assert_int_equal(f.user_id, 10);

	const int want_kind[] = {0, 1, 2, 3};
	for (int s = SCOPE_SELF; s <= SCOPE_ALL; s++) {
		p.scope = (enum data_scope)s;
		scope_filter_for(&p, &f);
		assert_int_equal(f.kind, want_kind[s]);
		assert_string_equal(f.path_like, "/1/2/%");
	}

	/* The longest path a principal can hold still gets its '%'. */
	memset(p.org_path, '7', sizeof p.org_path - 1);
	p.org_path[sizeof p.org_path - 1] = '\0';
	scope_filter_for(&p, &f);
	assert_int_equal(strlen(f.path_like), sizeof p.org_path);
	assert_int_equal(f.path_like[sizeof p.org_path - 1], '%');
}

/* Every catalogue permission is in exactly one family, and the families cover the catalogue. */
static void families(void **state)
{
	(void)state;
	const uint32_t fams[] = {PERMS_SYSTEM, PERMS_SECURITY, PERMS_AUDIT, PERMS_BUSINESS};
	uint32_t all = 0;
	for (const struct perm_info *p = perm_catalogue; p->code; p++) {
		int in = 0;
		for (size_t k = 0; k < 4; k++)
			in += (fams[k] & p->bit) != 0;
		if (in != 1)
			fail_msg("%s is in %d families", p->code, in);
		all |= p->bit;
	}
	assert_int_equal(all, PERMS_SYSTEM | PERMS_SECURITY | PERMS_AUDIT | PERMS_BUSINESS);
	assert_int_equal(perm_family(0), FAMILY_NONE);
	assert_int_equal(perm_family(P_USER_MANAGE | P_ORG_MANAGE), FAMILY_SYSTEM);
	assert_int_equal(perm_family(P_ROLE_MANAGE | P_TOKEN_MANAGE), FAMILY_SECURITY);
	assert_int_equal(perm_family(P_AUDIT_VIEW), FAMILY_AUDIT);
	assert_int_equal(perm_family(P_PII_UNMASK | P_COMPLAINT_VIEW | P_CONFIG_MANAGE), FAMILY_BUSINESS);
	assert_int_equal(perm_family(P_USER_MANAGE | P_COMPLAINT_VIEW), FAMILY_MIXED);
	assert_int_equal(perm_family(all), FAMILY_MIXED);
	/* A 三员 label decides its role's family; otherwise the permissions do. */
	assert_int_equal(role_family_of("sec", 0), FAMILY_SECURITY);
	assert_int_equal(role_family_of(NULL, P_REPORT_VIEW), FAMILY_BUSINESS);
	assert_int_equal(role_family_of(NULL, P_REPORT_VIEW | P_AUDIT_VIEW), FAMILY_MIXED);
	assert_int_equal(role_family_of("bogus", P_REPORT_VIEW), FAMILY_MIXED);
	enum family set1[] = {FAMILY_BUSINESS, FAMILY_NONE, FAMILY_BUSINESS};
	enum family set2[] = {FAMILY_AUDIT, FAMILY_BUSINESS};
	enum family set3[] = {FAMILY_NONE};
	enum family set4[] = {FAMILY_SECURITY, FAMILY_MIXED};
	assert_int_equal(family_of_set(set1, 3), FAMILY_BUSINESS);
	assert_int_equal(family_of_set(set2, 2), FAMILY_MIXED);
	assert_int_equal(family_of_set(set3, 1), FAMILY_NONE);
	assert_int_equal(family_of_set(set4, 2), FAMILY_MIXED);
	assert_string_equal(family_code(FAMILY_SECURITY), "security");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(catalogue),
		cmocka_unit_test(parse_list_ok),
		cmocka_unit_test(parse_list_bad),
		cmocka_unit_test(scopes),
		cmocka_unit_test(sanyuan),
		cmocka_unit_test(families),
		cmocka_unit_test(scope_all),
		cmocka_unit_test(scope_subtree),
		cmocka_unit_test(scope_org),
		cmocka_unit_test(scope_self),
		cmocka_unit_test(filter_for),
	};
	return cmocka_run_group_tests_name("permissions", tests, NULL, NULL);
}
