/* Audit chain (see audit.h). */
#include "domain/audit.h"
#include "store/db.h"
#include "util/crypto.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void audit_hash(const char *prev_hash, int64_t seq, int64_t at, int64_t actor_id,
		const char *actor, const char *ip, const char *action, const char *target_type,
		const char *target_id, const char *result, const char *detail_text, char out[65])
{
	audit_hash_with(CRYPTO_DEFAULT, prev_hash, seq, at, actor_id, actor, ip, action, target_type, target_id,
			result, detail_text, out);
}

void audit_hash_with(enum crypto_profile p, const char *prev_hash, int64_t seq, int64_t at, int64_t actor_id,
		     const char *actor, const char *ip, const char *action, const char *target_type,
		     const char *target_id, const char *result, const char *detail_text, char out[65])
{
	json_t *arr = json_pack("[sIIIssssssss]", "fcms-audit-v1", (json_int_t)seq, (json_int_t)at,
				(json_int_t)actor_id, actor ? actor : "", ip ? ip : "", action ? action : "",
				target_type ? target_type : "", target_id ? target_id : "",
				result ? result : "", detail_text ? detail_text : "", prev_hash);
	char *canon = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	if (!canon) {
		/* Out of memory: a hash that can never verify is safer than a silent one. */
		memset(out, 'x', 64);
		out[64] = '\0';
	} else {
		size_t plen = strlen(prev_hash), clen = strlen(canon);
		char *buf = malloc(plen + 1 + clen);
		if (buf) {
			memcpy(buf, prev_hash, plen);
			buf[plen] = '\n';
			memcpy(buf + plen + 1, canon, clen);
			crypto_digest_hex(p, buf, plen + 1 + clen, out);
			free(buf);
		} else {
			memset(out, 'x', 64);
			out[64] = '\0';
		}
	}
	free(canon);
	json_decref(arr);
}

int audit_append(struct db *d, const struct audit_event *ev)
{
	/* Taking the next number by updating the head locks it first (PostgreSQL: a concurrent
	 * appender waits, then retries on the serialization failure), so two events never get the
	 * same number. The head's hash is still the previous event's here, its alg the profile this
	 * event is hashed with. */
	struct db_res *r;
	int rc = DBQ(d, &r, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, alg", DB_END);
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc != 1) {
		db_done(r);
		return rc < 0 ? rc : DB_HARD;
	}
	int64_t seq = db_int(r, 0);
	char prev[65];
	snprintf(prev, sizeof prev, "%s", db_text(r, 1));
	enum crypto_profile p = CRYPTO_DEFAULT;
	bool known = crypto_profile_parse(db_text(r, 2), &p) == 0;
	db_done(r);
	if (!known)
		return DB_HARD;

	char *detail = ev->detail ? json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS)
				  : strdup("{}");
	if (!detail)
		return DB_HARD;
	int64_t at = ev->at ? ev->at : now_ms();
	const char *actor = ev->actor ? ev->actor : "system";
	const char *ip = ev->ip ? ev->ip : "";
	const char *result = ev->result ? ev->result : "ok";
	const char *ttype = ev->target_type ? ev->target_type : "";
	const char *tid = ev->target_id ? ev->target_id : "";
	char hash[65];
	audit_hash_with(p, prev, seq, at, ev->actor_id, actor, ip, ev->action, ttype, tid, result, detail, hash);
	rc = DBX(d,
		 "INSERT INTO audit_events (seq, at, actor_id, actor, ip, action, target_type, target_id,"
		 " result, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 DB_INT(seq), DB_INT(at), DB_INT_OR_NULL(ev->actor_id > 0, ev->actor_id), DB_TEXT(actor),
		 DB_TEXT(ip), DB_TEXT(ev->action), DB_TEXT(ttype), DB_TEXT(tid), DB_TEXT(result),
		 DB_TEXT(detail), DB_TEXT(prev), DB_TEXT(hash));
	free(detail);
	if (rc < 0)
		return rc;
	rc = DBX(d, "UPDATE audit_head SET hash = ? WHERE id = 1", DB_TEXT(hash));
	return rc < 0 ? rc : DB_OK;
}

/* The profile an audit.rechain event's detail switches to ({"to": "gm", ...}). 0 or -1. */
static int rechain_to(const char *detail, enum crypto_profile *p)
{
	json_t *o = detail ? json_loads(detail, 0, NULL) : NULL;
	int rc = crypto_profile_parse(json_string_value(json_object_get(o, "to")), p);
	json_decref(o);
	return rc;
}

int audit_rechain(struct db *d, enum crypto_profile to, const char *via)
{
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT seq, hash, alg FROM audit_head WHERE id = 1", DB_END);
	if (rc < 0)
		return rc;
	if ((rc = db_next(r)) != 1) {
		db_done(r);
		return rc < 0 ? rc : DB_HARD;
	}
	int64_t seq = db_int(r, 0);
	char hash[65], from[16];
	snprintf(hash, sizeof hash, "%s", db_text(r, 1));
	snprintf(from, sizeof from, "%s", db_text(r, 2));
	db_done(r);
	if (strcmp(from, crypto_profile_name(to)) == 0)
		return 0;
	/* From here on events hash under the new profile, this one first: its prev_hash is the old
	 * chain's head, sealed into the new chain. */
	rc = DBX(d, "UPDATE audit_head SET alg = ? WHERE id = 1", DB_TEXT(crypto_profile_name(to)));
	if (rc < 0)
		return rc;
	struct crypto_algorithms a;
	crypto_algorithms(to, &a);
	struct audit_event ev = {.actor = "system", .ip = "", .action = AUDIT_RECHAIN, .target_type = "audit_chain",
				 .target_id = crypto_profile_name(to), .result = "ok"};
	ev.detail = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "from", from, "to", crypto_profile_name(to), "hash",
			      a.hash, "checkpoint_seq", (json_int_t)seq, "checkpoint_hash", hash, "via", via ? via : "");
	if (!ev.detail)
		return DB_HARD;
	rc = audit_append(d, &ev);
	json_decref(ev.detail);
	return rc < 0 ? rc : 1;
}

/* The walk itself; runs inside one read transaction (see audit_verify). May run twice. */
static int verify_tx(struct db *d, void *arg)
{
	struct audit_verify_result *out = arg;
	memset(out, 0, sizeof *out);
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "SELECT seq, at, actor_id, actor, ip, action, target_type, target_id, result, detail,"
		     " prev_hash, hash FROM audit_events ORDER BY seq",
		     DB_END);
	if (rc < 0)
		return rc;
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	int64_t expect = 1;
	enum crypto_profile p = CRYPTO_DEFAULT; /* every chain starts under default; see audit_rechain */
	out->ok = true;
	while ((rc = db_next(r)) == 1) {
		int64_t seq = db_int(r, 0);
		out->events++;
		if (!out->ok)
			continue;
		const char *stored_prev = db_text(r, 10), *stored_hash = db_text(r, 11);
		if (strcmp(db_text(r, 5) ? db_text(r, 5) : "", AUDIT_RECHAIN) == 0 && rechain_to(db_text(r, 9), &p) != 0) {
			out->ok = false;
			out->first_bad_seq = seq;
			snprintf(out->reason, sizeof out->reason, "第 %lld 条事件（算法切换）的内容无法识别",
				 (long long)seq);
			continue;
		}
		char h[65];
		audit_hash_with(p, prev, seq, db_int(r, 1), db_int(r, 2), db_text(r, 3), db_text(r, 4),
			   db_text(r, 5), db_text(r, 6), db_text(r, 7), db_text(r, 8), db_text(r, 9), h);
		if (seq != expect) {
			out->ok = false;
			out->first_bad_seq = expect;
			snprintf(out->reason, sizeof out->reason,
				 "第 %lld 条事件缺失或序号不连续（实际为 %lld）", (long long)expect,
				 (long long)seq);
		} else if (!stored_prev || strcmp(stored_prev, prev) != 0) {
			out->ok = false;
			out->first_bad_seq = seq;
			snprintf(out->reason, sizeof out->reason, "第 %lld 条事件的前序哈希不匹配",
				 (long long)seq);
		} else if (!stored_hash || strcmp(stored_hash, h) != 0) {
			out->ok = false;
			out->first_bad_seq = seq;
			snprintf(out->reason, sizeof out->reason, "第 %lld 条事件内容被修改（哈希不匹配）",
				 (long long)seq);
		}
		snprintf(prev, sizeof prev, "%s", stored_hash ? stored_hash : "");
		expect = seq + 1;
	}
	db_done(r);
	if (rc < 0)
		return rc;
	if (out->ok) {
		/* The head is the only witness of the last event: compare its hash too. */
		int64_t head_seq = 0;
		char head_hash[65] = "";
		enum crypto_profile head_p = CRYPTO_DEFAULT;
		rc = DBQ(d, &r, "SELECT seq, hash, alg FROM audit_head WHERE id = 1", DB_END);
		if (rc < 0)
			return rc;
		bool alg_ok = true;
		if ((rc = db_next(r)) == 1) {
			head_seq = db_int(r, 0);
			snprintf(head_hash, sizeof head_hash, "%s", db_text(r, 1));
			alg_ok = crypto_profile_parse(db_text(r, 2), &head_p) == 0 && head_p == p;
		}
		db_done(r);
		if (rc < 0)
			return rc;
		if (!alg_ok) {
			/* Switched without an audit.rechain event: the next append would not verify. */
			out->ok = false;
			out->first_bad_seq = head_seq;
			snprintf(out->reason, sizeof out->reason, "链头记录的哈希算法与链中最后一次算法切换不一致");
		} else if (head_seq == expect - 1 && strcmp(head_hash, prev) != 0) {
			out->ok = false;
			out->first_bad_seq = head_seq;
			snprintf(out->reason, sizeof out->reason, "第 %lld 条事件与链头记录的哈希不一致",
				 (long long)head_seq);
		} else if (head_seq != expect - 1) {
			out->ok = false;
			out->first_bad_seq = head_seq > expect - 1 ? expect : head_seq + 1;
			snprintf(out->reason, sizeof out->reason,
				 "链尾不一致：链头记录第 %lld 条，实际最后一条为第 %lld 条",
				 (long long)head_seq, (long long)(expect - 1));
		}
	}
	return DB_OK;
}

int audit_verify(struct db *d, struct audit_verify_result *out)
{
	/* Events and head must come from one snapshot: read apart, an append committed between
	 * the two reads looks exactly like a removed or forged tail ("链尾不一致"). SQLite's
	 * deferred BEGIN holds one WAL snapshot from the first read; PostgreSQL runs REPEATABLE
	 * READ READ ONLY. */
	int rc = db_tx(d, false, verify_tx, out);
	return rc > 0 ? DB_HARD : rc;
}

json_t *audit_diff(json_t *before, json_t *after)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "before", before ? before : json_null());
	json_object_set_new(o, "after", after ? after : json_null());
	return o;
}
