/* Unit tests for the route matcher (src/http/router.c): static and {param} segments, HEAD on GET
 * routes, 404 versus 405, empty and extra segments, the argument buffer bound, and the real
 * route table of src/api/routes.c matched route by route. */
#include "api/api.h"
#include "http/router.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static const struct route table[] = {
	{"GET", "/healthz", NULL, 0, 0, 0, "0"},
	{"GET", "/api/v1/users", NULL, 0, 0, 0, "1"},
	{"POST", "/api/v1/users", NULL, 0, 0, 0, "2"},
	{"GET", "/api/v1/users/{id}", NULL, 0, 0, 0, "3"},
	{"PUT", "/api/v1/users/{id}/roles", NULL, 0, 0, 0, "4"},
	{"GET", "/a/{x}/b/{y}", NULL, 0, 0, 0, "5"},
	{"GET", "/p/{a}/{b}/{c}/{d}/{e}", NULL, 0, 0, 0, "6"}, /* more params than REQ_MAX_ARGS */
};
#define NT (sizeof table / sizeof table[0])

struct m {
	enum router_result rr;
	int index;
	int nargs;
	const char *args[REQ_MAX_ARGS];
	char buf[256];
};

static enum router_result match(struct m *m, const char *method, const char *path)
{
	m->index = -1;
	m->nargs = -1;
	m->rr = router_match(table, NT, method, path, &m->index, m->args, &m->nargs, m->buf,
			     sizeof m->buf);
	return m->rr;
}

static void static_routes(void **state)
{
	struct m m;
	assert_int_equal(match(&m, "GET", "/healthz"), ROUTER_FOUND);
	assert_int_equal(m.index, 0);
	assert_int_equal(m.nargs, 0);
	assert_int_equal(match(&m, "GET", "/api/v1/users"), ROUTER_FOUND);
	assert_int_equal(m.index, 1);
	assert_int_equal(match(&m, "POST", "/api/v1/users"), ROUTER_FOUND);
	assert_int_equal(m.index, 2);
	assert_int_equal(m.nargs, 0);
}

static void param_routes(void **state)
{
	struct m m;
	assert_int_equal(match(&m, "GET", "/api/v1/users/42"), ROUTER_FOUND);
	assert_int_equal(m.index, 3);
	assert_int_equal(m.nargs, 1);
	assert_string_equal(m.args[0], "42");

	assert_int_equal(match(&m, "PUT", "/api/v1/users/7/roles"), ROUTER_FOUND);
	assert_int_equal(m.index, 4);
	assert_int_equal(m.nargs, 1);
	assert_string_equal(m.args[0], "7");

	assert_int_equal(match(&m, "GET", "/a/first/b/第二"), ROUTER_FOUND);
	assert_int_equal(m.index, 5);
	assert_int_equal(m.nargs, 2);
	assert_string_equal(m.args[0], "first");
	assert_string_equal(m.args[1], "第二");
	/* The values are packed one after the other in the caller's buffer. */
	assert_ptr_equal(m.args[0], m.buf);
	assert_ptr_equal(m.args[1], m.buf + strlen("first") + 1);
}

static void head_is_get(void **state)
{
	struct m m;
	assert_int_equal(match(&m, "HEAD", "/api/v1/users/9"), ROUTER_FOUND);
	assert_int_equal(m.index, 3);
	assert_string_equal(m.args[0], "9");
	/* HEAD only borrows GET routes. */
	assert_int_equal(match(&m, "HEAD", "/api/v1/users/9/roles"), ROUTER_METHOD_NOT_ALLOWED);
}

static void method_not_allowed(void **state)
{
	struct m m;
	assert_int_equal(match(&m, "DELETE", "/api/v1/users"), ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.index, -1);
	assert_int_equal(match(&m, "POST", "/api/v1/users/1"), ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(match(&m, "GET", "/api/v1/users/1/roles"), ROUTER_METHOD_NOT_ALLOWED);
	/* Methods are case-sensitive tokens. */
	assert_int_equal(match(&m, "get", "/healthz"), ROUTER_METHOD_NOT_ALLOWED);
}

static void not_found(void **state)
{
	struct m m;
	static const char *const paths[] = {
		"",
		"/",
		"healthz",
		"/healthz/",
		"//healthz",
		"/healthzz",
		"/health",
		"/api/v1/users/",          /* empty parameter */
		"/api/v1/users//roles",    /* empty parameter in the middle */
		"/api/v1/users/1/roles/x", /* extra segment */
		"/api/v1/users/1/roles/",  /* trailing slash */
		"/api/v1/usersX",
		"/api/v1",
		"/a/x/b",
		"/a/x/c/y",
		"/p/1/2/3/4/5", /* five parameters never fit REQ_MAX_ARGS */
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		if (match(&m, "GET", paths[i]) != ROUTER_NOT_FOUND)
			fail_msg("path '%s' gave %d, want ROUTER_NOT_FOUND", paths[i], m.rr);
		assert_int_equal(m.index, -1);
	}
}

static void dot_segments_are_plain_values(void **state)
{
	/* The router does no path normalisation: ".." is just a parameter value, which
	 * req_arg_id() then refuses as an id. */
	struct m m;
	assert_int_equal(match(&m, "PUT", "/api/v1/users/../roles"), ROUTER_FOUND);
	assert_int_equal(m.index, 4);
	assert_string_equal(m.args[0], "..");
	assert_int_equal(match(&m, "GET", "/api/v1/../v1/users"), ROUTER_NOT_FOUND);

	struct request r = {0};
	r.nargs = m.nargs;
	r.args[0] = m.args[0];
	assert_int_equal(req_arg_id(&r, 0), 0);
}

static void arg_buffer_bound(void **state)
{
	const char *args[REQ_MAX_ARGS];
	char buf[8];
	int index = -1, nargs = -1;
	/* "1234567" needs 8 bytes with its NUL: fits exactly. */
	assert_int_equal(router_match(table, NT, "GET", "/api/v1/users/1234567", &index, args,
				      &nargs, buf, sizeof buf),
			 ROUTER_FOUND);
	assert_int_equal(index, 3);
	assert_string_equal(args[0], "1234567");
	/* One more byte does not fit: no match rather than an overflow. */
	index = -1;
	assert_int_equal(router_match(table, NT, "GET", "/api/v1/users/12345678", &index, args,
				      &nargs, buf, sizeof buf),
			 ROUTER_NOT_FOUND);
	assert_int_equal(index, -1);
	/* Two values share the buffer: "abc\0" + "defg\0" is 9 bytes > 8. */
	assert_int_equal(router_match(table, NT, "GET", "/a/abc/b/defg", &index, args, &nargs, buf,
				      sizeof buf),
			 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, NT, "GET", "/a/abc/b/def", &index, args, &nargs, buf,
				      sizeof buf),
			 ROUTER_FOUND);
	assert_int_equal(index, 5);
	assert_string_equal(args[0], "abc");
	assert_string_equal(args[1], "def");
}

static void req_arg_id_parses_ids(void **state)
{
	struct request r = {0};
	const char *vals[] = {"42", "0", "-1", "1a", "", "999999999999999999", "1000000000000000000"};
	int64_t want[] = {42, 0, 0, 0, 0, 999999999999999999LL, 0};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		r.nargs = 1;
		r.args[0] = vals[i];
		if (req_arg_id(&r, 0) != want[i])
			fail_msg("req_arg_id('%s') = %lld, want %lld", vals[i],
				 (long long)req_arg_id(&r, 0), (long long)want[i]);
	}
	r.nargs = 0;
	assert_int_equal(req_arg_id(&r, 0), 0);
}

/* Every route of the server is reachable: its pattern with each {param} replaced by "7" finds
 * exactly that route, with every argument "7". This also catches duplicate method+pattern
 * rows, since the first duplicate would shadow the second. */
static void api_table_routes_match_themselves(void **state)
{
	assert_true(api_route_count >= 30);
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *rt = &api_routes[i];
		char path[256];
		size_t o = 0;
		int params = 0;
		for (const char *p = rt->pattern; *p;) {
			if (*p == '{') {
				const char *close = strchr(p, '}');
				assert_non_null(close);
				path[o++] = '7';
				params++;
				p = close + 1;
			} else {
				path[o++] = *p++;
			}
			assert_true(o < sizeof path - 1);
		}
		path[o] = '\0';
		assert_true(rt->pattern[0] == '/');
		assert_non_null(rt->summary);

		const char *args[REQ_MAX_ARGS];
		char buf[128];
		int index = -1, nargs = -1;
		enum router_result rr = router_match(api_routes, api_route_count, rt->method, path,
						     &index, args, &nargs, buf, sizeof buf);
		if (rr != ROUTER_FOUND || index != (int)i)
			fail_msg("%s %s (%s) matched %d at index %d, want route %zu", rt->method,
				 rt->pattern, path, rr, index, i);
		assert_int_equal(nargs, params);
		for (int k = 0; k < nargs; k++)
			assert_string_equal(args[k], "7");
	}
}

static void api_table_known_answers(void **state)
{
	const char *args[REQ_MAX_ARGS];
	char buf[128];
	int index = -1, nargs = -1;
	assert_int_equal(router_match(api_routes, api_route_count, "POST", "/api/v1/auth/login",
				      &index, args, &nargs, buf, sizeof buf),
			 ROUTER_FOUND);
	assert_string_equal(api_routes[index].pattern, "/api/v1/auth/login");
	assert_true(api_routes[index].flags & ROUTE_PUBLIC);
	assert_true(api_routes[index].flags & ROUTE_NO_CSRF);
	assert_int_equal(api_routes[index].body_cap, 4096);

	assert_int_equal(router_match(api_routes, api_route_count, "POST",
				      "/api/v1/institutions/12/move", &index, args, &nargs, buf,
				      sizeof buf),
			 ROUTER_FOUND);
	assert_string_equal(api_routes[index].pattern, "/api/v1/institutions/{id}/move");
	assert_int_equal(api_routes[index].perm_any, P_ORG_MANAGE);
	assert_int_equal(nargs, 1);
	assert_string_equal(args[0], "12");

	assert_int_equal(router_match(api_routes, api_route_count, "GET", "/api/v1/auth/login",
				      &index, args, &nargs, buf, sizeof buf),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(api_routes, api_route_count, "GET", "/api/v2/auth/me",
				      &index, args, &nargs, buf, sizeof buf),
			 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(api_routes, api_route_count, "HEAD", "/healthz", &index,
				      args, &nargs, buf, sizeof buf),
			 ROUTER_FOUND);
	assert_string_equal(api_routes[index].pattern, "/healthz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(static_routes),
		cmocka_unit_test(param_routes),
		cmocka_unit_test(head_is_get),
		cmocka_unit_test(method_not_allowed),
		cmocka_unit_test(not_found),
		cmocka_unit_test(dot_segments_are_plain_values),
		cmocka_unit_test(arg_buffer_bound),
		cmocka_unit_test(req_arg_id_parses_ids),
		cmocka_unit_test(api_table_routes_match_themselves),
		cmocka_unit_test(api_table_known_answers),
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
