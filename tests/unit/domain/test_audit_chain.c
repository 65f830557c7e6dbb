/* Unit tests for the audit chain (src/domain/audit.c) on a real SQLite file: the canonical hash
 * pinned to known values, what audit_append stores, and audit_verify finding the first bad event
 * after rows are edited, deleted, inserted, reordered or re-hashed behind its back. */
#include "domain/audit.h"
#include "store/db.h"
#include "store/store.h"
#include "unit_db.h"
#include "util/crypto.h"
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

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
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
	if (unit_db_make(&fx->u, "audit") != 0)
		return -1;
	fx->d = db_open(fx->u.url);
	if (!fx->d || store_migrate(fx->d) != DB_OK)
		return -1;
	/* The tampering tests play someone with file access who first removes the database's
	 * append-only guard (test_guard_refuses_changes checks that the guard is there). */
	if (db_exec_script(fx->d, "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;") != DB_OK)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	db_close(fx->d);
	unit_db_remove(&fx->u);
	free(fx);
	return 0;
}

static struct db *db_of(void **state)
{
	return ((struct fx *)*state)->d;
}

/* Five events with varied content, committed in one transaction. */
static void append_five(struct db *d)
{
	assert_int_equal(db_begin(d, true), DB_OK);
	for (int i = 1; i <= 5; i++) {
		char tid[16];
		snprintf(tid, sizeof tid, "%d", 100 + i);
		json_t *detail = json_pack("{s:i, s:s}", "n", i, "说明", "第几条");
		struct audit_event ev = {
			.at = T0 + i * 1000,
			.actor_id = i == 3 ? 0 : 7,
			.actor = i == 3 ? NULL : "张三",
			.ip = "10.0.0.1",
			.action = i % 2 ? "user.lock" : "org.update",
			.target_type = "user",
			.target_id = tid,
			.result = i == 4 ? "denied" : NULL,
			.detail = i == 5 ? NULL : detail,
		};
		assert_int_equal(audit_append(d, &ev), DB_OK);
		json_decref(detail);
	}
	assert_int_equal(db_commit(d), DB_OK);
}

static void expect_verify(struct db *d, bool ok, int64_t events, int64_t first_bad,
			  const char *reason)
{
	struct audit_verify_result v;
	memset(&v, 0x55, sizeof v);
	assert_int_equal(audit_verify(d, &v), DB_OK);
	if (v.ok != ok || v.first_bad_seq != first_bad)
		fail_msg("verify: ok=%d first_bad=%lld (%s), want ok=%d first_bad=%lld", v.ok,
			 (long long)v.first_bad_seq, v.reason, ok, (long long)first_bad);
	assert_int_equal(v.events, events);
	assert_string_equal(v.reason, reason);
}

/* The hash the chain would hold for row seq as stored now. */
static void rehash_row(struct db *d, int64_t seq, const char *prev, char out[65])
{
	struct db_res *r;
	assert_int_equal(DBQ(d, &r,
			     "SELECT at, actor_id, actor, ip, action, target_type, target_id, result,"
			     " detail FROM audit_events WHERE seq = ?",
			     DB_INT(seq)),
			 DB_OK);
	assert_int_equal(db_next(r), 1);
	audit_hash(prev, seq, db_int(r, 0), db_int(r, 1), db_text(r, 2), db_text(r, 3),
		   db_text(r, 4), db_text(r, 5), db_text(r, 6), db_text(r, 7), db_text(r, 8), out);
	db_done(r);
}

static void stored_hash(struct db *d, int64_t seq, char out[65])
{
	struct db_res *r;
	assert_int_equal(DBQ(d, &r, "SELECT hash FROM audit_events WHERE seq = ?", DB_INT(seq)),
			 DB_OK);
	assert_int_equal(db_next(r), 1);
	snprintf(out, 65, "%s", db_text(r, 0));
	db_done(r);
}

/* ---- the canonical hash ---- */

static void hash_known_values(void **state)
{
	char h[65];
	audit_hash(ZERO_HASH, 1, 1700000000123LL, 7, "张三", "10.0.0.1", "user.lock", "user", "42",
		   "ok", "{\"reason\":\"多次失败\"}", h);
	/* sha256(prev "\n" ["fcms-audit-v1",1,1700000000123,7,"张三",...,prev]), computed
	 * independently; a change here breaks every stored chain. */
	assert_string_equal(h, "566d834c57b3cf67dcb23347f5f4c9c7eaa2170be429aa5b240153263b0d3148");

	/* NULL fields hash as empty strings; JSON escaping of '/', '\n' and '"' as jansson does. */
	audit_hash("", 2, 0, 0, NULL, NULL, "a/b\n\"q\"", NULL, NULL, NULL, NULL, h);
	assert_string_equal(h, "c1127ce7af50917f825038f7fa4d17d524ec684a50d7c2a2ad8dbccc50d359cb");
}

static void hash_covers_every_field(void **state)
{
	char base[65], h[65];
	audit_hash(ZERO_HASH, 1, T0, 7, "a", "ip", "act", "tt", "ti", "ok", "{}", base);
	assert_int_equal(strlen(base), 64);
	audit_hash(ZERO_HASH, 1, T0, 7, "a", "ip", "act", "tt", "ti", "ok", "{}", h);
	assert_string_equal(h, base); /* deterministic */

	char prev2[65];
	memcpy(prev2, ZERO_HASH, 65);
	prev2[63] = '1';
#define DIFF(...)                                                    \
	do {                                                             \
		audit_hash(__VA_ARGS__, h);                                  \
		if (strcmp(h, base) == 0)                                    \
			fail_msg("hash did not change for: %s", #__VA_ARGS__); \
	} while (0)
	DIFF(prev2, 1, T0, 7, "a", "ip", "act", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 2, T0, 7, "a", "ip", "act", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0 + 1, 7, "a", "ip", "act", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 8, "a", "ip", "act", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "b", "ip", "act", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "a", "iq", "act", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "a", "ip", "acu", "tt", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "a", "ip", "act", "tu", "ti", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "a", "ip", "act", "tt", "tj", "ok", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "a", "ip", "act", "tt", "ti", "denied", "{}");
	DIFF(ZERO_HASH, 1, T0, 7, "a", "ip", "act", "tt", "ti", "ok", "{ }");
	/* Field boundaries are unambiguous: moving a character between fields changes it. */
	DIFF(ZERO_HASH, 1, T0, 7, "ai", "p", "act", "tt", "ti", "ok", "{}");
#undef DIFF
}

static void diff_helper(void **state)
{
	json_t *d = audit_diff(json_pack("{s:s}", "name", "旧"), json_pack("{s:s}", "name", "新"));
	char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"after\":{\"name\":\"新\"},\"before\":{\"name\":\"旧\"}}");
	free(s);
	json_decref(d);
	d = audit_diff(NULL, NULL);
	s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"after\":null,\"before\":null}");
	free(s);
	json_decref(d);
}

/* ---- appending ---- */

static void empty_chain_verifies(void **state)
{
	expect_verify(db_of(state), true, 0, 0, "");
}

static void append_stores_linked_rows(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	expect_verify(d, true, 5, 0, "");

	json_t *rows;
	assert_int_equal(DBJ(d, &rows,
			     "SELECT seq, at, actor_id, actor, ip, action, target_type, target_id,"
			     " result, detail, prev_hash, hash FROM audit_events ORDER BY seq",
			     DB_END),
			 DB_OK);
	assert_int_equal(json_array_size(rows), 5);
	const char *prev = ZERO_HASH;
	for (size_t i = 0; i < 5; i++) {
		json_t *row = json_array_get(rows, i);
		int n = (int)i + 1;
		assert_int_equal(json_integer_value(json_object_get(row, "seq")), n);
		assert_int_equal(json_integer_value(json_object_get(row, "at")), T0 + n * 1000);
		assert_string_equal(json_string_value(json_object_get(row, "prev_hash")), prev);
		char h[65];
		rehash_row(d, n, prev, h);
		assert_string_equal(json_string_value(json_object_get(row, "hash")), h);
		prev = json_string_value(json_object_get(row, "hash"));
	}
	/* Defaults: no actor means "system" and a NULL actor_id; no result means "ok";
	 * detail is compact JSON with sorted keys; no detail is "{}". */
	json_t *r3 = json_array_get(rows, 2);
	assert_string_equal(json_string_value(json_object_get(r3, "actor")), "system");
	assert_true(json_is_null(json_object_get(r3, "actor_id")));
	assert_string_equal(json_string_value(json_object_get(r3, "result")), "ok");
	assert_string_equal(json_string_value(json_object_get(r3, "detail")),
			    "{\"n\":3,\"说明\":\"第几条\"}");
	json_t *r4 = json_array_get(rows, 3);
	assert_string_equal(json_string_value(json_object_get(r4, "result")), "denied");
	assert_int_equal(json_integer_value(json_object_get(r4, "actor_id")), 7);
	assert_string_equal(json_string_value(json_object_get(r4, "actor")), "张三");
	assert_string_equal(json_string_value(json_object_get(r4, "action")), "org.update");
	assert_string_equal(json_string_value(json_object_get(r4, "target_id")), "104");
	json_t *r5 = json_array_get(rows, 4);
	assert_string_equal(json_string_value(json_object_get(r5, "detail")), "{}");

	/* The head points at the last event. */
	json_t *head;
	assert_int_equal(DBJ1(d, &head, "SELECT seq, hash FROM audit_head WHERE id = 1", DB_END),
			 DB_OK);
	assert_int_equal(json_integer_value(json_object_get(head, "seq")), 5);
	assert_string_equal(json_string_value(json_object_get(head, "hash")), prev);
	json_decref(head);
	json_decref(rows);
}

static void rolled_back_append_leaves_no_trace(void **state)
{
	struct db *d = db_of(state);
	struct audit_event ev = {.actor = "a", .action = "x.y"};
	int64_t before = now_ms();

	assert_int_equal(db_begin(d, true), DB_OK);
	assert_int_equal(audit_append(d, &ev), DB_OK);
	db_rollback(d);
	expect_verify(d, true, 0, 0, "");

	assert_int_equal(db_begin(d, true), DB_OK);
	assert_int_equal(audit_append(d, &ev), DB_OK);
	assert_int_equal(db_commit(d), DB_OK);
	assert_int_equal(db_begin(d, true), DB_OK);
	assert_int_equal(audit_append(d, &ev), DB_OK);
	assert_int_equal(db_commit(d), DB_OK);
	expect_verify(d, true, 2, 0, "");

	/* at = 0 means now. */
	int64_t at = 0;
	assert_int_equal(DB_SCALAR(d, &at, "SELECT at FROM audit_events WHERE seq = 1", DB_END), 1);
	assert_true(at >= before && at <= now_ms());
}

/* ---- tampering ---- */

static void edited_field(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET action = 'user.unlock' WHERE seq = 3", DB_END), 1);
	expect_verify(d, false, 5, 3, "第 3 条事件内容被修改（哈希不匹配）");
}

static void edited_detail_time_actor(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET detail = '{\"n\":2}' WHERE seq = 2", DB_END), 1);
	expect_verify(d, false, 5, 2, "第 2 条事件内容被修改（哈希不匹配）");
	assert_int_equal(DBX(d, "UPDATE audit_events SET at = at + 1 WHERE seq = 1", DB_END), 1);
	expect_verify(d, false, 5, 1, "第 1 条事件内容被修改（哈希不匹配）");
}

static void null_actor_id_set(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	/* Event 3 had no actor; pinning it on user 7 is an edit. */
	assert_int_equal(DBX(d, "UPDATE audit_events SET actor_id = 7 WHERE seq = 3", DB_END), 1);
	expect_verify(d, false, 5, 3, "第 3 条事件内容被修改（哈希不匹配）");
}

static void edited_prev_hash(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET prev_hash = ? WHERE seq = 4",
			     DB_TEXT(ZERO_HASH)),
			 1);
	expect_verify(d, false, 5, 4, "第 4 条事件的前序哈希不匹配");
}

static void edited_and_rehashed(void **state)
{
	/* The edit of event 3 is re-hashed consistently; event 4's prev_hash then betrays it. */
	struct db *d = db_of(state);
	append_five(d);
	char prev[65], h[65];
	stored_hash(d, 2, prev);
	assert_int_equal(DBX(d, "UPDATE audit_events SET result = 'failed' WHERE seq = 3", DB_END), 1);
	rehash_row(d, 3, prev, h);
	assert_int_equal(DBX(d, "UPDATE audit_events SET hash = ? WHERE seq = 3", DB_TEXT(h)), 1);
	expect_verify(d, false, 5, 4, "第 4 条事件的前序哈希不匹配");
}

static void deleted_middle(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "DELETE FROM audit_events WHERE seq = 3", DB_END), 1);
	expect_verify(d, false, 4, 3, "第 3 条事件缺失或序号不连续（实际为 4）");
}

static void deleted_first(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "DELETE FROM audit_events WHERE seq = 1", DB_END), 1);
	expect_verify(d, false, 4, 1, "第 1 条事件缺失或序号不连续（实际为 2）");
}

static void deleted_tail(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "DELETE FROM audit_events WHERE seq >= 4", DB_END), 2);
	expect_verify(d, false, 3, 4, "链尾不一致：链头记录第 5 条，实际最后一条为第 3 条");
}

static void deleted_everything(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "DELETE FROM audit_events", DB_END), 5);
	expect_verify(d, false, 0, 1, "链尾不一致：链头记录第 5 条，实际最后一条为第 0 条");
}

static void inserted_after_head(void **state)
{
	/* A well-formed event appended by hand, without moving the head. */
	struct db *d = db_of(state);
	append_five(d);
	char prev[65], h[65];
	stored_hash(d, 5, prev);
	audit_hash(prev, 6, T0 + 6000, 0, "system", "", "user.unlock", "user", "106", "ok", "{}", h);
	assert_int_equal(DBX(d,
			     "INSERT INTO audit_events (seq, at, actor_id, actor, ip, action,"
			     " target_type, target_id, result, detail, prev_hash, hash)"
			     " VALUES (6, ?, NULL, 'system', '', 'user.unlock', 'user', '106', 'ok',"
			     " '{}', ?, ?)",
			     DB_INT(T0 + 6000), DB_TEXT(prev), DB_TEXT(h)),
			 1);
	expect_verify(d, false, 6, 6, "链尾不一致：链头记录第 5 条，实际最后一条为第 6 条");
}

static void inserted_garbage(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d,
			     "INSERT INTO audit_events (seq, at, actor_id, actor, ip, action,"
			     " target_type, target_id, result, detail, prev_hash, hash)"
			     " SELECT 6, at, actor_id, actor, ip, action, target_type, target_id,"
			     " result, detail, hash, hash FROM audit_events WHERE seq = 5",
			     DB_END),
			 1);
	expect_verify(d, false, 6, 6, "第 6 条事件内容被修改（哈希不匹配）");
}

static void inserted_in_gap(void **state)
{
	/* Events renumbered to open a gap at 3, then a forged event put into it. */
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = seq + 10 WHERE seq >= 3", DB_END), 3);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = seq - 9 WHERE seq >= 13", DB_END), 3);
	assert_int_equal(DBX(d,
			     "INSERT INTO audit_events (seq, at, actor_id, actor, ip, action,"
			     " target_type, target_id, result, detail, prev_hash, hash)"
			     " SELECT 3, at, actor_id, actor, ip, 'forged', target_type, target_id,"
			     " result, detail, prev_hash, hash FROM audit_events WHERE seq = 2",
			     DB_END),
			 1);
	assert_int_equal(DBX(d, "UPDATE audit_head SET seq = 6 WHERE id = 1", DB_END), 1);
	expect_verify(d, false, 6, 3, "第 3 条事件的前序哈希不匹配");
}

static void swapped_order(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = -2 WHERE seq = 2", DB_END), 1);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = 2 WHERE seq = 3", DB_END), 1);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = 3 WHERE seq = -2", DB_END), 1);
	expect_verify(d, false, 5, 2, "第 2 条事件的前序哈希不匹配");
}

static void swapped_content(void **state)
{
	/* Rows 2 and 4 exchange everything but their sequence numbers. */
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = 100 WHERE seq = 2", DB_END), 1);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = 2 WHERE seq = 4", DB_END), 1);
	assert_int_equal(DBX(d, "UPDATE audit_events SET seq = 4 WHERE seq = 100", DB_END), 1);
	expect_verify(d, false, 5, 2, "第 2 条事件的前序哈希不匹配");
}

static void head_moved(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_head SET seq = 7 WHERE id = 1", DB_END), 1);
	expect_verify(d, false, 5, 6, "链尾不一致：链头记录第 7 条，实际最后一条为第 5 条");
	assert_int_equal(DBX(d, "UPDATE audit_head SET seq = 3 WHERE id = 1", DB_END), 1);
	expect_verify(d, false, 5, 4, "链尾不一致：链头记录第 3 条，实际最后一条为第 5 条");
}

static void appending_continues_after_verify(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	expect_verify(d, true, 5, 0, "");
	assert_int_equal(db_begin(d, true), DB_OK);
	struct audit_event ev = {.at = T0, .actor = "李四", .action = "role.create"};
	assert_int_equal(audit_append(d, &ev), DB_OK);
	assert_int_equal(db_commit(d), DB_OK);
	expect_verify(d, true, 6, 0, "");
}

/* The last event edited and re-hashed: no later event holds its hash, but audit_head does, so
 * audit_verify() must compare the head's hash too (regression test). */
static void tail_edited_and_rehashed(void **state)
{
	struct db *d = db_of(state);
	append_five(d);
	char prev[65], h[65];
	stored_hash(d, 4, prev);
	assert_int_equal(DBX(d, "UPDATE audit_events SET action = 'nothing' WHERE seq = 5", DB_END), 1);
	rehash_row(d, 5, prev, h);
	assert_int_equal(DBX(d, "UPDATE audit_events SET hash = ? WHERE seq = 5", DB_TEXT(h)), 1);
	struct audit_verify_result v;
	assert_int_equal(audit_verify(d, &v), DB_OK);
	assert_false(v.ok);
	assert_int_equal(v.first_bad_seq, 5);
}

static int group_setup(void **state)
{
	log_set_level(LOG_WARN);
	return crypto_init(1);
}

/* With the guard in place, the database itself refuses to edit or remove an event. */
static void guard_refuses_changes(void **state)
{
	(void)state;
	struct unit_db u;
	assert_int_equal(unit_db_make(&u, "guard"), 0);
	struct db *d = db_open(u.url);
	assert_non_null(d);
	assert_int_equal(store_migrate(d), DB_OK);
	append_five(d);
	assert_int_equal(DBX(d, "UPDATE audit_events SET detail = '{}' WHERE seq = 2", DB_END), DB_CONSTRAINT);
	assert_int_equal(DBX(d, "DELETE FROM audit_events WHERE seq = 5", DB_END), DB_CONSTRAINT);
	struct audit_verify_result v;
	assert_int_equal(audit_verify(d, &v), DB_OK);
	assert_true(v.ok);
	assert_int_equal(v.events, 5);
	db_close(d);
	unit_db_remove(&u);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_known_values),
		cmocka_unit_test(guard_refuses_changes),
		cmocka_unit_test(hash_covers_every_field),
		cmocka_unit_test(diff_helper),
		T(empty_chain_verifies),
		T(append_stores_linked_rows),
		T(rolled_back_append_leaves_no_trace),
		T(edited_field),
		T(edited_detail_time_actor),
		T(null_actor_id_set),
		T(edited_prev_hash),
		T(edited_and_rehashed),
		T(deleted_middle),
		T(deleted_first),
		T(deleted_tail),
		T(deleted_everything),
		T(inserted_after_head),
		T(inserted_garbage),
		T(inserted_in_gap),
		T(swapped_order),
		T(swapped_content),
		T(head_moved),
		T(appending_continues_after_verify),
		T(tail_edited_and_rehashed),
	};
	return cmocka_run_group_tests_name("audit_chain", tests, group_setup, NULL);
}
