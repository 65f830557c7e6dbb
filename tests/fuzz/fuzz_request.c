/* libFuzzer target for the pure parts of the request path. The input is one HTTP-ish request:
 * a first line "METHOD PATH[?query]" and, after the first '\n', a JSON body.
 *
 *  - the path goes through router_match() against the server's real route table, the way
 *    server.c calls it (path cut at 2048 bytes, a 1024-byte argument buffer), and the answer is
 *    checked against a slow reference matcher written here from the contract in router.h;
 *  - the body goes through json_loadb(JSON_REJECT_DUPLICATES) like the server's body parser, must
 *    survive a dump/load round trip, and every string in it (keys and values) is fed to
 *    perm_parse_list(), password_check() under both profiles, and config_set() (member name as
 *    the key), with invariants checked on each answer;
 *  - the arena copies the path and body.
 * Any broken invariant aborts, which libFuzzer reports as a crash with the input saved.
 * Built and run by tests/fuzz/run.sh; not part of the server. */
#include "api/api.h"
#include "config.h"
#include "domain/password_policy.h"
#include "domain/permissions.h"
#include "http/router.h"
#include "util/arena.h"
#include <jansson.h>
#include "fuzz_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH_MAX_LEN 2048 /* server.c keeps this much of the URL */
#define ARGBUF_LEN 1024   /* server.c's argument buffer */

/* run.sh closes the target's stderr (-close_fd_mask=2) to mute config_set(); a broken invariant
 * is reported on a copy of it taken before that. */

static uint32_t all_perms;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_check_init();
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		all_perms |= p->bit;
	return 0;
}

/* ---- routing ---- */

/* Reference matcher: both strings split on '/', same number of segments, a "{...}" pattern
 * segment takes any non-empty segment, others must be equal. Also enforces the argument
 * limits (REQ_MAX_ARGS values, all fitting argbuf with their NULs). */
static bool ref_match(const char *pattern, const char *path)
{
	if (pattern[0] != '/' || path[0] != '/')
		return false;
	const char *p = pattern + 1, *s = path + 1;
	int nargs = 0;
	size_t used = 0;
	for (;;) {
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		bool param = plen >= 2 && p[0] == '{' && p[plen - 1] == '}';
		if (param) {
			if (slen == 0)
				return false;
			nargs++;
			used += slen + 1;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		bool pend = p[plen] == '\0', send = s[slen] == '\0';
		if (pend || send) {
			if (pend != send)
				return false;
			break;
		}
		p += plen + 1;
		s += slen + 1;
	}
	return nargs <= REQ_MAX_ARGS && used <= ARGBUF_LEN;
}

static bool method_ok(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void fuzz_route(const char *method, const char *path)
{
	const char *args[REQ_MAX_ARGS];
	char argbuf[ARGBUF_LEN];
	int idx = -7, nargs = -7;
	enum router_result rr = router_match(api_routes, api_route_count, method, path, &idx, args,
					     &nargs, argbuf, sizeof argbuf);

	enum router_result want = ROUTER_NOT_FOUND;
	size_t want_idx = 0;
	for (size_t i = 0; i < api_route_count; i++) {
		if (!ref_match(api_routes[i].pattern, path))
			continue;
		if (method_ok(api_routes[i].method, method)) {
			want = ROUTER_FOUND;
			want_idx = i;
			break;
		}
		want = ROUTER_METHOD_NOT_ALLOWED;
	}
	CHECK(rr == want);
	if (rr != ROUTER_FOUND) {
		CHECK(idx == -7);
		return;
	}
	CHECK(idx >= 0 && (size_t)idx == want_idx);
	CHECK(nargs >= 0 && nargs <= REQ_MAX_ARGS);

	/* Rebuilding the path from the pattern and the arguments gives the path back. */
	char rebuilt[PATH_MAX_LEN + 1];
	size_t o = 0;
	int k = 0;
	for (const char *p = api_routes[idx].pattern; *p;) {
		if (*p == '{') {
			CHECK(k < nargs);
			size_t n = strlen(args[k]);
			CHECK(n > 0 && !memchr(args[k], '/', n));
			CHECK((const char *)args[k] >= argbuf && args[k] + n < argbuf + sizeof argbuf);
			CHECK(o + n <= PATH_MAX_LEN);
			memcpy(rebuilt + o, args[k], n);
			o += n;
			k++;
			p = strchr(p, '}') + 1;
		} else {
			CHECK(o < PATH_MAX_LEN);
			rebuilt[o++] = *p++;
		}
	}
	rebuilt[o] = '\0';
	CHECK(k == nargs);
	CHECK(strcmp(rebuilt, path) == 0);
}

/* ---- body strings ---- */

static int utf8_chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void fuzz_perm_list(const char *s)
{
	uint32_t mask = 0xFFFFFFFFu;
	const char *bad = NULL;
	int rc = perm_parse_list(s, &mask, &bad);
	if (rc == 0) {
		CHECK((mask & ~all_perms) == 0);
		CHECK(bad == NULL);
		/* Every word is a code: parsing word by word gives the same mask. */
		uint32_t again = 0;
		char word[64];
		for (const char *w = s; *w;) {
			w += strspn(w, " ");
			size_t n = strcspn(w, " ");
			if (!n)
				break;
			CHECK(n < sizeof word);
			memcpy(word, w, n);
			word[n] = '\0';
			uint32_t bit = perm_from_code(word);
			CHECK(bit != 0);
			again |= bit;
			w += n;
		}
		CHECK(again == mask);
	} else {
		CHECK(rc == -1);
		CHECK(bad != NULL && bad[0] != '\0' && strlen(bad) < 64);
		CHECK(!strchr(bad, ' '));
		CHECK(perm_from_code(bad) == 0 || strlen(bad) == 63);
	}
}

static void fuzz_password(const char *pw, const char *username)
{
	static const char *const profiles[] = {"dengbao", "asvs"};
	for (int i = 0; i < 2; i++) {
		struct password_policy p;
		CHECK(password_policy_for(profiles[i], &p) == 0);
		const char *reason = NULL;
		int rc = password_check(&p, pw, username, &reason);
		if (rc == 0) {
			int n = utf8_chars(pw);
			CHECK(n >= p.min_length && n <= 128);
			CHECK(!has_control(pw));
			CHECK(!username || !*username || !strstr(pw, username));
		} else {
			CHECK(rc == -1);
			CHECK(reason != NULL && reason[0] != '\0');
		}
	}
}

static void fuzz_config(const char *key, const char *value)
{
	struct config c, before;
	config_defaults(&c);
	memcpy(&before, &c, sizeof c);
	int rc = config_set(&c, key, value);
	if (rc == 0) {
		char url[1100];
		CHECK(config_db_url(&c, url, (int)sizeof url) == url);
		CHECK(c.threads >= 0 && c.threads <= 256);
		CHECK(strlen(c.listen) < sizeof c.listen && strlen(c.db_url) < sizeof c.db_url);
		CHECK(!strcmp(c.password_profile, "dengbao") || !strcmp(c.password_profile, "asvs"));
		return;
	}
	CHECK(rc == -1);
	/* A refusal changes nothing. password_profile is left out: config_set() stores the value
	 * before refusing it (reported; see tests/unit/test_config.c). */
	if (strcmp(key, "password_profile") != 0)
		CHECK(memcmp(&c, &before, sizeof c) == 0);
}

static void visit(json_t *v, const char *username, int depth)
{
	if (depth > 64)
		return;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		fuzz_perm_list(s);
		fuzz_password(s, username);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i >= 256)
				break;
			visit(x, username, depth + 1);
		}
	} else if (json_is_object(v)) {
		const char *key;
		json_t *x;
		int n = 0;
		json_object_foreach(v, key, x)
		{
			if (n++ >= 256)
				break;
			fuzz_perm_list(key);
			if (json_is_string(x))
				fuzz_config(key, json_string_value(x));
			visit(x, username, depth + 1);
		}
	}
}

static void fuzz_body(const char *body, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		CHECK(err.text[0] != '\0');
		return;
	}
	CHECK(json_is_object(root) || json_is_array(root));

	/* Round trip: what we would echo back parses to the same value. */
	char *dumped = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(dumped != NULL);
	json_t *again = json_loads(dumped, JSON_REJECT_DUPLICATES, &err);
	CHECK(again != NULL);
	CHECK(json_equal(root, again));
	json_decref(again);
	free(dumped);

	const char *username = NULL;
	if (json_is_object(root))
		username = json_string_value(json_object_get(root, "username"));
	visit(root, username, 0);
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line_len = nl ? (size_t)(nl - data) : size;
	const char *body = nl ? (const char *)nl + 1 : "";
	size_t body_len = nl ? size - line_len - 1 : 0;

	/* "METHOD PATH?query": a missing space makes the whole line the path, method GET. */
	char *line = malloc(line_len + 1);
	if (!line)
		return 0;
	memcpy(line, data, line_len);
	line[line_len] = '\0';
	const char *method = "GET";
	char *path = line;
	char *sp = strchr(line, ' ');
	if (sp) {
		*sp = '\0';
		method = line;
		path = sp + 1;
	}
	path[strcspn(path, "?")] = '\0';
	if (strlen(path) > PATH_MAX_LEN)
		path[PATH_MAX_LEN] = '\0';

	fuzz_route(method, path);
	fuzz_perm_list(path);

	struct arena *a = arena_new();
	CHECK(a != NULL);
	char *p = arena_strdup(a, path);
	CHECK(p && strcmp(p, path) == 0);
	char *b = arena_strndup(a, body, body_len);
	CHECK(b && memcmp(b, body, body_len) == 0 && b[body_len] == '\0');
	char *f = arena_printf(a, "%s %s", method, path);
	CHECK(f && strlen(f) == strlen(method) + 1 + strlen(path));
	arena_free(a);

	fuzz_body(body, body_len);
	free(line);
	return 0;
}
