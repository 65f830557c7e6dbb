/* Audit chain (see audit.h). */
#include "domain/audit.h"
#include "domain/actor.h"
#include "store/audit_chain.h"
#include "store/db.h"
#include "util/crypto.h"
#include "util/log.h"
#include <stdarg.h>
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
	/* Taking the next number locks the head (store_audit_head_next), so two events never get
	 * the same number. The head's hash is still the previous event's here, its alg the profile
	 * this event is hashed with. */
	struct store_audit_head head;
	int rc = store_audit_head_next(d, &head);
	if (rc < 0)
		return rc;
	enum crypto_profile p = CRYPTO_DEFAULT;
	if (crypto_profile_parse(head.alg, &p) != 0)
		return DB_HARD;
	char *detail = ev->detail ? json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS)
				  : strdup("{}");
	if (!detail)
		return DB_HARD;
	struct store_audit_row row = {
		.seq = head.seq,
		.at = ev->at ? ev->at : now_ms(),
		.actor_id = ev->actor_id,
		.actor = ev->actor ? ev->actor : "system",
		.ip = ev->ip ? ev->ip : "",
		.action = ev->action,
		.target_type = ev->target_type ? ev->target_type : "",
		.target_id = ev->target_id ? ev->target_id : "",
		.result = ev->result ? ev->result : "ok",
		.detail = detail,
		.prev_hash = head.hash,
	};
	char hash[65];
	audit_hash_with(p, head.hash, row.seq, row.at, row.actor_id, row.actor, row.ip, row.action,
			row.target_type, row.target_id, row.result, detail, hash);
	row.hash = hash;
	rc = store_audit_insert(d, &row);
	free(detail);
	if (rc < 0)
		return rc;
	return store_audit_head_set_hash(d, hash);
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
	struct store_audit_head head;
	int rc = store_audit_head_get(d, &head);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	if (strcmp(head.alg, crypto_profile_name(to)) == 0)
		return 0;
	/* From here on events hash under the new profile, this one first: its prev_hash is the old
	 * chain's head, sealed into the new chain. */
	if ((rc = store_audit_head_set_alg(d, crypto_profile_name(to))) < 0)
		return rc;
	struct crypto_algorithms a;
	crypto_algorithms(to, &a);
	struct audit_event ev = {.actor = "system", .ip = "", .action = AUDIT_RECHAIN, .target_type = "audit_chain",
				 .target_id = crypto_profile_name(to), .result = "ok"};
	ev.detail = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "from", head.alg, "to", crypto_profile_name(to),
			      "hash", a.hash, "checkpoint_seq", (json_int_t)head.seq, "checkpoint_hash", head.hash, "via", via ? via : "");
	if (!ev.detail)
		return DB_HARD;
	rc = audit_append(d, &ev);
	json_decref(ev.detail);
	return rc < 0 ? rc : 1;
}

/* The walk's state over the events in seq order. */
struct walk {
	struct audit_verify_result *out;
	char prev[65];          /* the previous event's stored hash */
	int64_t expect;         /* the number the next event must have */
	enum crypto_profile p;  /* the profile the next event is hashed with */
};

__attribute__((format(printf, 3, 4))) static void walk_bad(struct walk *w, int64_t seq, const char *fmt, ...)
{
	w->out->ok = false;
	w->out->first_bad_seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->out->reason, sizeof w->out->reason, fmt, ap);
	va_end(ap);
}

/* One event: numbered next, linked to the previous one, its hash its content's. The first
 * fault is kept; the rest are only counted. */
static void walk_event(void *ctx, const struct store_audit_row *e)
{
	struct walk *w = ctx;
	w->out->events++;
	if (!w->out->ok)
		return;
	const char *action = e->action ? e->action : "";
	if (strcmp(action, AUDIT_RECHAIN) == 0 && rechain_to(e->detail, &w->p) != 0) {
		walk_bad(w, e->seq, "第 %lld 条事件（算法切换）的内容无法识别", (long long)e->seq);
		return;
	}
	char h[65];
	audit_hash_with(w->p, w->prev, e->seq, e->at, e->actor_id, e->actor, e->ip, e->action,
			e->target_type, e->target_id, e->result, e->detail, h);
	if (e->seq != w->expect)
		walk_bad(w, w->expect, "第 %lld 条事件缺失或序号不连续（实际为 %lld）", (long long)w->expect,
			 (long long)e->seq);
	else if (!e->prev_hash || strcmp(e->prev_hash, w->prev) != 0)
		walk_bad(w, e->seq, "第 %lld 条事件的前序哈希不匹配", (long long)e->seq);
	else if (!e->hash || strcmp(e->hash, h) != 0)
		walk_bad(w, e->seq, "第 %lld 条事件内容被修改（哈希不匹配）", (long long)e->seq);
	snprintf(w->prev, sizeof w->prev, "%s", e->hash ? e->hash : "");
	w->expect = e->seq + 1;
}

/* The head is the only witness of the last event: its number, hash and profile must match the
 * end of the walk. */
static int walk_head(struct db *d, struct walk *w)
{
	struct store_audit_head head = {0};
	int rc = store_audit_head_get(d, &head);
	if (rc < 0)
		return rc;
	enum crypto_profile head_p = CRYPTO_DEFAULT;
	bool alg_ok = rc != 1 || (crypto_profile_parse(head.alg, &head_p) == 0 && head_p == w->p);
	int64_t last = w->expect - 1;
	if (!alg_ok) /* switched without an audit.rechain event: the next append would not verify */
		walk_bad(w, head.seq, "链头记录的哈希算法与链中最后一次算法切换不一致");
	else if (head.seq == last && strcmp(head.hash, w->prev) != 0)
		walk_bad(w, head.seq, "第 %lld 条事件与链头记录的哈希不一致", (long long)head.seq);
	else if (head.seq != last)
		walk_bad(w, head.seq > last ? w->expect : head.seq + 1,
			 "链尾不一致：链头记录第 %lld 条，实际最后一条为第 %lld 条", (long long)head.seq,
			 (long long)last);
	return DB_OK;
}

/* The walk itself; runs inside one read transaction (see audit_verify). May run twice: resets
 * its output first. */
static int verify_tx(struct db *d, void *arg)
{
	struct audit_verify_result *out = arg;
	memset(out, 0, sizeof *out);
	out->ok = true;
	/* Every chain starts under the default profile; see audit_rechain. */
	struct walk w = {.out = out, .prev = "0000000000000000000000000000000000000000000000000000000000000000",
			 .expect = 1, .p = CRYPTO_DEFAULT};
	int rc = store_audit_each(d, walk_event, &w);
	if (rc < 0)
		return rc;
	return out->ok ? walk_head(d, &w) : DB_OK;
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

int audit_by(struct db *d, const struct actor *a, const char *action, const char *target_type, int64_t target_id,
	     const char *result, json_t *detail)
{
	char tid[24] = "";
	if (target_id)
		snprintf(tid, sizeof tid, "%lld", (long long)target_id);
	struct audit_event ev = {
		.actor_id = a->user ? a->user->user_id : 0,
		.actor = a->user ? a->user->username : "anonymous",
		.ip = a->ip,
		.action = action,
		.target_type = target_type,
		.target_id = tid,
		.result = result ? result : "ok",
		.detail = detail,
	};
	int rc = audit_append(d, &ev);
	json_decref(detail);
	return rc;
}
