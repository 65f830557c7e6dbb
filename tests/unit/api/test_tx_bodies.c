/* Unit tests for the transaction-body contract (src/store/db.h) and for writes outside the writer,
 * against a real fcms server started in this process on a real SQLite file, with the group-commit
 * writer running, and libcurl as the client.
 *
 * Retries are injected for real: every connection gets an SQL function fcms_fault(tag) (through
 * sqlite3_auto_extension) and triggers call it before an audit event or a notification is
 * inserted. While a fault is armed the function fails the statement with SQLITE_BUSY, which the
 * driver reports as DB_SOFT, so the writer rolls the body back to its savepoint and runs it again
 * with the same ctx — exactly what a busy database or a serialization failure does. A body that
 * does not reset its outputs then leaks its first run's objects (LeakSanitizer, checked after each
 * test) or counts twice.
 *
 * Writes outside the writer: the bookkeeping writes of authentication and "mark notifications
 * read" must go through store_write (the writer's job count goes up) and their failures must be
 * answered (a trigger makes the write fail: 500, not a silent 200). */
#include "api/api.h"
#include "config.h"
#include "domain/complaint.h"
#include "domain/base_data.h"
#include "domain/permissions.h"
#include "domain/pii.h"
#include "domain/refusal.h"
#include "domain/security_policy.h"
#include "domain/reminders.h"
#include "http/server.h"
#include "store/store.h"
#include "unit_db.h"
#include "util/crypto.h"
#include "util/log.h"
#include <curl/curl.h>
#include <sanitizer/lsan_interface.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- fault injection ---- */

static atomic_int fault_audit, fault_notify, fault_hits;

static void fault_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *tag = (const char *)sqlite3_value_text(argv[0]);
	atomic_int *armed = tag && !strcmp(tag, "notify") ? &fault_notify : &fault_audit;
	int n = atomic_load(armed);
	while (n > 0 && !atomic_compare_exchange_weak(armed, &n, n - 1))
		;
	if (n > 0) {
		atomic_fetch_add(&fault_hits, 1);
		sqlite3_result_error_code(cx, SQLITE_BUSY);
		return;
	}
	sqlite3_result_null(cx);
}

static int register_fault(sqlite3 *db, char **err, const void *api)
{
	(void)err, (void)api;
	return sqlite3_create_function(db, "fcms_fault", 1, SQLITE_UTF8, NULL, fault_fn, NULL, NULL);
}

/* ---- the fixture: database, user, token, server ---- */

static struct {
	struct unit_db u;
	struct db *d;
	struct app app;
	char base[64];
	int64_t user_id, org_id;
	char token[64];   /* Bearer token of the user (all permissions, whole bank) */
	char cookie[64];  /* a session of the same user */
	char session_hash[65];
} F;

struct resp {
	long status;
	char *body;
	size_t len;
	json_t *json;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	char *b = realloc(r->body, r->len + size * n + 1);
	if (!b)
		return 0;
	memcpy(b + r->len, p, size * n);
	r->len += size * n;
	b[r->len] = '\0';
	r->body = b;
	return size * n;
}

static void resp_free(struct resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

/* One request; auth is "token", "cookie" or NULL. */
static struct resp http(const char *method, const char *path, const char *auth, const char *ctype,
			const char *body, size_t body_len)
{
	struct resp r = {0};
	CURL *c = curl_easy_init();
	assert_non_null(c);
	char url[512], h1[200], h2[200];
	snprintf(url, sizeof url, "%s%s", F.base, path);
	struct curl_slist *hs = NULL;
	if (auth && !strcmp(auth, "token")) {
		snprintf(h1, sizeof h1, "Authorization: Bearer %s", F.token);
		hs = curl_slist_append(hs, h1);
	} else if (auth && !strcmp(auth, "cookie")) {
		snprintf(h1, sizeof h1, "Cookie: fcms_session=%s", F.cookie);
		hs = curl_slist_append(hs, h1);
	}
	if (ctype) {
		snprintf(h2, sizeof h2, "Content-Type: %s", ctype);
		hs = curl_slist_append(hs, h2);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
	if (r.body && r.body[0] == '{')
		r.json = json_loads(r.body, 0, NULL);
	return r;
}

static struct resp http_json(const char *method, const char *path, const char *json_text)
{
	return http(method, path, "token", "application/json", json_text, strlen(json_text));
}

static int64_t scalar(const char *sql)
{
	int64_t v = -1;
	assert_true(db_scalar_int(F.d, &v, sql, (const struct db_val[]){DB_END}) >= 0);
	return v;
}

static void sql(const char *text)
{
	assert_int_equal(db_exec_script(F.d, text), DB_OK);
}

static long writer_jobs(void)
{
	long b, j;
	store_writer_stats(&b, &j);
	return j;
}

/* Asserts that nothing leaked since the last check (LeakSanitizer; in-flight request memory is
 * reachable from the server, so a short pause lets the completion callbacks run first). */
static void assert_no_leaks(void)
{
	struct timespec ts = {0, 150 * 1000000L};
	nanosleep(&ts, NULL);
	assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
}

static void hash_of(const char *token, char out[65])
{
	crypto_sha256_hex(token, strlen(token), out);
}

static int setup(void **state)
{
	(void)state;
	if (unit_db_make(&F.u, "txbodies") != 0 || crypto_init(2) != 0 || pii_init(F.u.dir) != 0 ||
	    store_init(F.u.url) != 0)
		return -1;
	F.d = store_conn();
	if (!F.d || store_migrate(F.d) != DB_OK || base_data_seed(F.d) != 0)
		return -1;
	int64_t now = now_ms();
	struct org_fields of = {.name = "总行", .internal_code = "HQ", .fin_code = "HQ000000000000",
				.region_code = "110000", .type = "head_office", .address = ""};
	if (store_org_insert(F.d, 0, &of, now, &F.org_id) != DB_OK)
		return -1;
	char perms[2048] = "";
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		snprintf(perms + strlen(perms), sizeof perms - strlen(perms), "%s%s", *perms ? " " : "", p->code);
	int64_t role;
	if (store_role_insert(F.d, "all_tester", "全部权限", "", perms, "all", false, NULL, now, &role) != DB_OK ||
	    store_user_insert(F.d, "tester", "测试员", F.org_id, "", "", "$argon2id$unused", false, now,
			      &F.user_id) != DB_OK ||
	    store_user_set_roles(F.d, F.user_id, &role, 1) < 0 ||
	    store_user_set_must_change(F.d, F.user_id, false) < 0)
		return -1;
	char hash[65];
	snprintf(F.token, sizeof F.token, "tok_%s", "0123456789abcdefghijklmnopqrstuv");
	hash_of(F.token, hash);
	int64_t tid;
	if (store_token_insert(F.d, F.user_id, "test", hash, "tok_0123", F.user_id, now, 0, &tid) != DB_OK)
		return -1;
	snprintf(F.cookie, sizeof F.cookie, "%s", "cookie0123456789abcdefghijklmnopqrstuvwxyz");
	hash_of(F.cookie, F.session_hash);
	if (store_session_insert(F.d, F.session_hash, F.user_id, "csrf", "127.0.0.1", now) != DB_OK)
		return -1;
	sql("CREATE TRIGGER fault_audit BEFORE INSERT ON audit_events BEGIN SELECT fcms_fault('audit'); END;"
	    "CREATE TRIGGER fault_notify BEFORE INSERT ON notifications BEGIN SELECT fcms_fault('notify'); END;");
	if (store_writer_start(F.u.url) != 0)
		return -1;
	config_defaults(&F.app.cfg);
	security_policy_defaults(&F.app.cfg);
	snprintf(F.app.cfg.data_dir, sizeof F.app.cfg.data_dir, "%s", F.u.dir);
	F.app.cfg.threads = 2;
	F.app.routes = api_routes;
	F.app.nroutes = api_route_count;
	F.app.web_fd = -1;
	F.app.hooks = &api_http_hooks;
	for (int tries = 0; tries < 20; tries++) {
		int port = 20000 + (int)((getpid() * 7 + tries * 131) % 30000);
		snprintf(F.app.cfg.listen, sizeof F.app.cfg.listen, "127.0.0.1:%d", port);
		if (server_start(&F.app) == 0) {
			snprintf(F.base, sizeof F.base, "http://127.0.0.1:%d/api/v1", port);
			return 0;
		}
	}
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	server_stop(&F.app);
	store_writer_stop();
	store_release_thread();
	pii_shutdown();
	unit_db_remove(&F.u);
	return 0;
}

/* A draft complaint of the test user with a complainant; returns its id. */
static int64_t new_complaint(void)
{
	struct resp r = http_json("POST", "/complaints",
				  "{\"draft\":true,\"content\":\"信用卡年费争议\",\"complainant\":{\"name\":\"张三\","
				  "\"id_type\":\"01\",\"id_no\":\"110101199003074514\",\"phone\":\"13800138000\"}}");
	if (r.status != 201)
		fail_msg("create: %ld %s", r.status, r.body ? r.body : "");
	int64_t id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	resp_free(&r);
	return id;
}

static int64_t audit_count(const char *action)
{
	char q[200];
	snprintf(q, sizeof q, "SELECT COUNT(*) FROM audit_events WHERE action = '%s'", action);
	return scalar(q);
}

/* ---- item 2: bodies that run twice ---- */

/* 结单打印: the body fetched the complaint and the bank, then its audit insert met a busy
 * database; the retry must not leak the first run's records, and the reply is whole. */
static void test_print_retried(void **state)
{
	(void)state;
	int64_t id = new_complaint();
	char close[120];
	snprintf(close, sizeof close, "UPDATE complaints SET status = 'closed' WHERE id = %lld", (long long)id);
	sql(close); /* only a closed complaint has a closure form */
	assert_no_leaks();
	char path[64];
	snprintf(path, sizeof path, "/complaints/%lld/print", (long long)id);
	int hits = atomic_load(&fault_hits);
	atomic_store(&fault_audit, 1);
	struct resp r = http("POST", path, "token", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(atomic_load(&fault_hits), hits + 1); /* the body did run twice */
	json_t *c = json_object_get(r.json, "complaint");
	assert_int_equal(json_integer_value(json_object_get(c, "id")), id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "bank"), "name")), "总行");
	assert_int_equal(audit_count("complaint.print"), 1); /* only the second run committed */
	resp_free(&r);
	assert_no_leaks();
}

/* 查看完整投诉人信息: the identity opened by the first run is not leaked by the second. */
static void test_unmask_retried(void **state)
{
	(void)state;
	int64_t id = new_complaint();
	char path[64];
	snprintf(path, sizeof path, "/complaints/%lld/complainant", (long long)id);
	int hits = atomic_load(&fault_hits);
	int64_t before = audit_count("complaint.unmask");
	atomic_store(&fault_audit, 1);
	struct resp r = http("GET", path, "token", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(atomic_load(&fault_hits), hits + 1);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), "张三");
	assert_string_equal(json_string_value(json_object_get(r.json, "id_no")), "110101199003074514");
	assert_int_equal(audit_count("complaint.unmask"), before + 1);
	resp_free(&r);
	assert_no_leaks();
}

/* 转办 (complaint_act): the first run queued the transfer warning and read the saved complaint,
 * then its audit insert met a busy database; the retry starts over, so the reply carries the
 * warning once, the first run's record is not leaked, and the transfer is counted once. */
static void test_transfer_retried(void **state)
{
	(void)state;
	int64_t id = new_complaint(), branch;
	struct org_fields of = {.name = "分行", .internal_code = "BR", .fin_code = "BR000000000000",
				.region_code = "110000", .type = "branch", .address = ""};
	assert_int_equal(store_org_insert(F.d, F.org_id, &of, now_ms(), &branch), DB_OK);
	char q[200];
	snprintf(q, sizeof q, "UPDATE complaints SET status = 'processing', transfer_count = 5 WHERE id = %lld",
		 (long long)id);
	sql(q); /* an open complaint already transferred past the warning line (3) */
	assert_no_leaks();
	char path[80], body[120];
	snprintf(path, sizeof path, "/complaints/%lld/actions/transfer", (long long)id);
	snprintf(body, sizeof body, "{\"version\":1,\"org_id\":%lld,\"reason\":\"属地管辖\"}", (long long)branch);
	int hits = atomic_load(&fault_hits);
	int64_t before = audit_count("complaint.transfer");
	atomic_store(&fault_audit, 1);
	struct resp r = http_json("POST", path, body);
	if (r.status != 200)
		fail_msg("transfer: %ld %s", r.status, r.body ? r.body : "");
	assert_int_equal(atomic_load(&fault_hits), hits + 1); /* the body did run twice */
	assert_int_equal(json_integer_value(json_object_get(r.json, "transfer_count")), 6);
	assert_int_equal(json_integer_value(json_object_get(r.json, "handling_org_id")), branch);
	assert_int_equal(json_array_size(json_object_get(r.json, "warnings")), 1);
	assert_int_equal(audit_count("complaint.transfer"), before + 1);
	resp_free(&r);
	assert_no_leaks();
}

/* 下载附件: the attachment row of the first run is not leaked; the bytes come back. */
static void test_download_retried(void **state)
{
	(void)state;
	int64_t id = new_complaint();
	static const char pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
	char path[96];
	snprintf(path, sizeof path, "/complaints/%lld/attachments?name=letter.pdf", (long long)id);
	struct resp up = http("POST", path, "token", "application/pdf", pdf, sizeof pdf - 1);
	if (up.status != 201)
		fail_msg("upload: %ld %s", up.status, up.body ? up.body : "");
	int64_t att = json_integer_value(json_object_get(up.json, "id"));
	resp_free(&up);
	snprintf(path, sizeof path, "/attachments/%lld", (long long)att);
	int hits = atomic_load(&fault_hits);
	atomic_store(&fault_audit, 1);
	struct resp r = http("GET", path, "token", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(atomic_load(&fault_hits), hits + 1);
	assert_int_equal(r.len, sizeof pdf - 1);
	assert_memory_equal(r.body, pdf, sizeof pdf - 1);
	assert_int_equal(audit_count("complaint.attachment_download"), 1);
	resp_free(&r);
	assert_no_leaks();
}

/* The deadline pass: a notification insert meets a busy database after the first complaint was
 * counted. The retried pass counts it once and does not leak the first run's list. */
static void test_reminder_pass_retried(void **state)
{
	(void)state;
	int64_t id = new_complaint();
	int64_t now = now_ms();
	char q[300];
	snprintf(q, sizeof q,
		 "UPDATE complaints SET status = 'processing', handler_id = %lld, due_at = %lld,"
		 " deadline_state = 'on_time', reminded = NULL WHERE id = %lld",
		 (long long)F.user_id, (long long)(now - 3600000), (long long)id);
	sql(q);
	/* only this complaint is due */
	snprintf(q, sizeof q, "UPDATE complaints SET due_at = NULL WHERE id <> %lld", (long long)id);
	sql(q);
	int hits = atomic_load(&fault_hits);
	atomic_store(&fault_notify, 1);
	int changed = reminders_run_once(F.d, now, NULL);
	assert_int_equal(atomic_load(&fault_hits), hits + 1);
	assert_int_equal(changed, 1);
	snprintf(q, sizeof q, "SELECT COUNT(*) FROM notifications WHERE complaint_id = %lld AND kind = 'overdue'",
		 (long long)id);
	assert_int_equal(scalar(q), 1);
	snprintf(q, sizeof q, "SELECT COUNT(*) FROM complaints WHERE id = %lld AND deadline_state = 'overdue'",
		 (long long)id);
	assert_int_equal(scalar(q), 1);
	assert_no_leaks();
}

/* 导入代码表: the counts of a retried import are those of one import, not two. */
static void test_codes_import_retried(void **state)
{
	(void)state;
	static const char csv[] = "dimension,code,parent,level,name,suggest_rights\n"
				  "B,B98,,1,测试类别甲,\n"
				  "B,B99,,1,测试类别乙,\n";
	int hits = atomic_load(&fault_hits);
	atomic_store(&fault_audit, 1);
	struct resp r = http("POST", "/codes/import", "token", "text/csv", csv, sizeof csv - 1);
	if (r.status != 200)
		fail_msg("import: %ld %s", r.status, r.body ? r.body : "");
	assert_int_equal(atomic_load(&fault_hits), hits + 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "inserted")) +
				 json_integer_value(json_object_get(r.json, "updated")),
			 2);
	resp_free(&r);
	assert_no_leaks();
}

/* ---- item 6: complaint input with a JSON null text member ---- */

static void test_apply_input_null_text_no_leak(void **state)
{
	(void)state;
	json_t *rec = json_pack("{s:s, s:s}", "status", "draft", "day_type", "calendar");
	json_t *in = json_pack("{s:n, s:n, s:s}", "content", "demand", "external_no", "EXT-1");
	struct refusal e = {0};
	assert_int_equal(complaint_apply_input(F.d, in, rec, &e), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "content")), "");
	assert_string_equal(json_string_value(json_object_get(rec, "demand")), "");
	assert_string_equal(json_string_value(json_object_get(rec, "external_no")), "EXT-1");
	json_decref(in);
	json_decref(rec);
	assert_no_leaks();
}

/* ---- item 4: the writes of authentication and of "mark read" go through the writer ---- */

static void session_seen(int64_t seen, int64_t created)
{
	char q[300];
	snprintf(q, sizeof q, "UPDATE sessions SET last_seen_at = %lld, created_at = %lld WHERE id_hash = '%s'",
		 (long long)seen, (long long)created, F.session_hash);
	sql(q);
}

static void test_session_touch_through_writer(void **state)
{
	(void)state;
	int64_t now = now_ms();
	session_seen(now - 120000, now - 120000); /* touch due (30 s), well inside the idle limit */
	long jobs = writer_jobs();
	struct resp r = http("GET", "/auth/me", "cookie", NULL, NULL, 0);
	if (r.status != 200)
		fail_msg("me: %ld %s", r.status, r.body ? r.body : "");
	resp_free(&r);
	assert_int_equal(writer_jobs(), jobs + 1);
	char q[200];
	snprintf(q, sizeof q, "SELECT last_seen_at FROM sessions WHERE id_hash = '%s'", F.session_hash);
	assert_true(scalar(q) >= now);
}

/* The touch fails (a trigger refuses it): the request is answered with a server error, not served
 * as if the session had been extended. */
static void test_session_touch_failure_answered(void **state)
{
	(void)state;
	int64_t now = now_ms();
	session_seen(now - 120000, now - 120000);
	sql("CREATE TRIGGER no_touch BEFORE UPDATE OF last_seen_at ON sessions BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	struct resp r = http("GET", "/auth/me", "cookie", NULL, NULL, 0);
	sql("DROP TRIGGER no_touch;");
	assert_int_equal(r.status, 500);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "error"), "code")), "internal");
	resp_free(&r);
}

static void test_expired_session_deleted_through_writer(void **state)
{
	(void)state;
	char cookie[64], hash[65];
	snprintf(cookie, sizeof cookie, "%s", F.cookie);
	snprintf(F.cookie, sizeof F.cookie, "%s", "expired0123456789abcdefghijklmnopqrstuvwx");
	hash_of(F.cookie, hash);
	int64_t old = now_ms() - 30LL * 86400000;
	assert_int_equal(store_session_insert(F.d, hash, F.user_id, "csrf", "127.0.0.1", old), DB_OK);
	long jobs = writer_jobs();
	struct resp r = http("GET", "/auth/me", "cookie", NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	assert_int_equal(writer_jobs(), jobs + 1);
	char q[200];
	snprintf(q, sizeof q, "SELECT COUNT(*) FROM sessions WHERE id_hash = '%s'", hash);
	assert_int_equal(scalar(q), 0);
	snprintf(F.cookie, sizeof F.cookie, "%s", cookie);
}

static void test_token_touch_through_writer(void **state)
{
	(void)state;
	sql("UPDATE api_tokens SET last_used_at = NULL");
	long jobs = writer_jobs();
	struct resp r = http("GET", "/auth/me", "token", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(writer_jobs(), jobs + 1);
	assert_true(scalar("SELECT last_used_at FROM api_tokens") > 0);
	/* used a moment ago: no write at all */
	jobs = writer_jobs();
	r = http("GET", "/auth/me", "token", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(writer_jobs(), jobs);
}

static void test_notifications_read_through_writer(void **state)
{
	(void)state;
	char q[300];
	snprintf(q, sizeof q,
		 "INSERT INTO notifications (user_id, complaint_id, kind, message, created_at)"
		 " VALUES (%lld, NULL, 'assigned', '测试通知', %lld)",
		 (long long)F.user_id, (long long)now_ms());
	sql(q);
	long jobs = writer_jobs();
	struct resp r = http("POST", "/notifications/read", "token", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_true(writer_jobs() >= jobs + 1);
	snprintf(q, sizeof q, "SELECT COUNT(*) FROM notifications WHERE user_id = %lld AND read_at IS NULL",
		 (long long)F.user_id);
	assert_int_equal(scalar(q), 0);
	/* a failing write is answered, not ignored */
	sql("CREATE TRIGGER no_read BEFORE UPDATE OF read_at ON notifications BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	snprintf(q, sizeof q,
		 "INSERT INTO notifications (user_id, complaint_id, kind, message, created_at)"
		 " VALUES (%lld, NULL, 'assigned', '测试通知二', %lld)",
		 (long long)F.user_id, (long long)now_ms());
	sql(q);
	r = http("POST", "/notifications/read", "token", NULL, NULL, 0);
	sql("DROP TRIGGER no_read;");
	assert_int_equal(r.status, 500);
	resp_free(&r);
}

int main(void)
{
	sqlite3_auto_extension((void (*)(void))register_fault);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	log_set_level(LOG_WARN);
	/* One test alone (LeakSanitizer reports every leak found so far at each check, so a leak in
	 * one test also fails the tests after it): UNIT_TEST_FILTER=test_unmask_retried. */
	if (getenv("UNIT_TEST_FILTER"))
		cmocka_set_test_filter(getenv("UNIT_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_retried),
		cmocka_unit_test(test_unmask_retried),
		cmocka_unit_test(test_transfer_retried),
		cmocka_unit_test(test_download_retried),
		cmocka_unit_test(test_reminder_pass_retried),
		cmocka_unit_test(test_codes_import_retried),
		cmocka_unit_test(test_apply_input_null_text_no_leak),
		cmocka_unit_test(test_session_touch_through_writer),
		cmocka_unit_test(test_session_touch_failure_answered),
		cmocka_unit_test(test_expired_session_deleted_through_writer),
		cmocka_unit_test(test_token_touch_through_writer),
		cmocka_unit_test(test_notifications_read_through_writer),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
