/* The webhook channel of the delivery engine (see webhooks.h): settings, URL rules, the event
 * and its fan-out inside the change's transaction, signatures, and one delivery round run by
 * the regulator worker's thread with its lease owner, backoff (regulator_backoff_ms) and HTTP
 * client (reg_http_post). */
#include "regulator/webhooks.h"
#include "domain/audit.h"
#include "domain/complaint.h"
#include "domain/workflow.h"
#include "domain/pii.h"
#include "domain/recording_source.h"
#include "regulator/gateway.h"
#include "regulator/transport.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

/* ---- settings ---- */

void integration_settings_defaults(struct integration_settings *s)
{
	*s = (struct integration_settings){.max_attempts = 30, .backoff_base_ms = 1000, .backoff_max_ms = 600000,
					   .timeout_ms = 10000, .replay_window_s = 300, .oa_timeout_s = 86400,
					   .recording_max_mb = 200, .recording_fetch_timeout_s = 120};
}

#define HOOK_INT_FIELDS(X)                                                                       \
	X(max_attempts, 1, 1000, "最大重试次数")                                                  \
	X(backoff_base_ms, 10, 3600000, "重试初始间隔（毫秒）")                                   \
	X(backoff_max_ms, 10, 86400000, "重试最大间隔（毫秒）")                                   \
	X(timeout_ms, 100, 120000, "推送超时（毫秒）")                                            \
	X(replay_window_s, 30, 3600, "签名时间窗（秒）")                                          \
	X(oa_timeout_s, 10, 2592000, "OA审批超时（秒）")                                     \
	X(recording_max_mb, 1, 4096, "通话录音大小上限（MB）")                                  \
	X(recording_fetch_timeout_s, 1, 3600, "录音拉取超时（秒）")

static int bad(const char **msg, const char **field, const char *m, const char *f)
{
	*msg = m, *field = f;
	return -1;
}

int integration_settings_apply(struct integration_settings *s, json_t *json, const char **msg, const char **field)
{
	struct integration_settings n = *s;
	const char *key;
	json_t *v;
	json_object_foreach(json, key, v)
	{
#define INT_CASE(f, lo, hi, label)                                                               \
	if (!strcmp(key, #f)) {                                                                  \
		if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) \
			return bad(msg, field, label "超出允许范围（" #lo "～" #hi "）", #f);      \
		n.f = (int)json_integer_value(v);                                                \
		continue;                                                                        \
	}
		HOOK_INT_FIELDS(INT_CASE)
#undef INT_CASE
		if (!strcmp(key, "oa_extension") || !strcmp(key, "oa_delete")) {
			if (!json_is_boolean(v))
				return bad(msg, field, "OA审批开关必须是true或false", key);
			*(key[3] == 'e' ? &n.oa_extension : &n.oa_delete) = json_is_true(v);
		} else if (!strcmp(key, "allow_hosts")) {
			const char *t = json_string_value(v);
			if (!t || strlen(t) >= sizeof n.allow_hosts)
				return bad(msg, field, "允许的推送主机须为以空格分隔的主机名", key);
			snprintf(n.allow_hosts, sizeof n.allow_hosts, "%s", t);
		} else if (!strcmp(key, "recording_fetch_prefixes")) {
			const char *t = json_string_value(v), *why;
			if (!t || strlen(t) >= sizeof n.recording_fetch_prefixes)
				return bad(msg, field, "允许的录音服务器地址须为以空格分隔的网址前缀（合计不超过1000个字符）", key);
			if (recording_prefixes_check(t, &why) != 0)
				return bad(msg, field, why, key);
			snprintf(n.recording_fetch_prefixes, sizeof n.recording_fetch_prefixes, "%s", t);
		} else {
			return bad(msg, field, "不支持的设置项", key);
		}
	}
	if (n.backoff_base_ms > n.backoff_max_ms)
		return bad(msg, field, "重试初始间隔不能大于最大间隔", "backoff_base_ms");
	*s = n;
	return 0;
}

json_t *integration_settings_json(const struct integration_settings *s)
{
	json_t *o = json_pack("{s:b, s:b, s:s, s:s}", "oa_extension", s->oa_extension, "oa_delete", s->oa_delete,
			      "allow_hosts", s->allow_hosts, "recording_fetch_prefixes", s->recording_fetch_prefixes);
#define INT_OUT(f, lo, hi, label) json_object_set_new(o, #f, json_integer(s->f));
	HOOK_INT_FIELDS(INT_OUT)
#undef INT_OUT
	return o;
}

int integration_settings_get(struct db *d, struct integration_settings *s)
{
	integration_settings_defaults(s);
	char text[4096];
	int rc = store_setting_get(d, "integration_settings", text, sizeof text);
	if (rc <= 0)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	const char *msg, *field;
	if (o && integration_settings_apply(s, o, &msg, &field) != 0)
		integration_settings_defaults(s);
	json_decref(o);
	return 0;
}

int integration_settings_save(struct db *d, const struct integration_settings *s)
{
	json_t *o = integration_settings_json(s);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!text)
		return DB_HARD;
	int rc = store_setting_set(d, "integration_settings", text);
	free(text);
	return rc < 0 ? rc : 0;
}

/* ---- URL rules ---- */

static bool host_listed(const char *host, size_t n, const char *list)
{
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t l = strcspn(p, " ,");
		if (l && l == n && !strncasecmp(p, host, n))
			return true;
		p += l;
	}
	return false;
}

int webhook_url_check(const char *url, const char *allow_hosts, const char **msg)
{
	const char *rest = !url ? NULL : !strncmp(url, "https://", 8) ? url + 8 : !strncmp(url, "http://", 7) ? url + 7 : NULL;
	if (!rest)
		return *msg = "推送地址只能是 http:// 或 https:// 开头的网址", -1;
	if (strlen(url) > 500)
		return *msg = "推送地址过长（最多500个字符）", -1;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return *msg = "推送地址不能包含空白或控制字符", -1;
	size_t auth = strcspn(rest, "/?#");
	if (memchr(rest, '@', auth))
		return *msg = "推送地址不能包含用户名或密码", -1;
	/* host: [v6] or name, then an optional :port */
	const char *host = rest;
	size_t hn;
	if (*host == '[') {
		const char *end = memchr(host, ']', auth);
		if (!end)
			return *msg = "推送地址的主机名无效", -1;
		host++;
		hn = (size_t)(end - host);
	} else {
		hn = strcspn(rest, ":/?#");
	}
	if (hn == 0 || hn > 253)
		return *msg = "推送地址的主机名无效", -1;
	char h[256];
	snprintf(h, sizeof h, "%.*s", (int)hn, host);
	if (reg_addr_forbidden(h) || !strcasecmp(h, "metadata.google.internal") || !strcasecmp(h, "metadata") ||
	    !strcasecmp(h, "instance-data"))
		return *msg = "推送地址不允许指向链路本地或云元数据地址", -1;
	if (allow_hosts && *allow_hosts && !host_listed(h, hn, allow_hosts))
		return *msg = "推送地址的主机不在允许列表中（集成设置 allow_hosts）", -1;
	return 0;
}

/* ---- events ---- */

static const char *const extra_types[] = {"complaint.registered", "complaint.updated", "approval.requested",
					  "approval.expired", "approval.decided", NULL};

bool webhook_event_known(const char *type)
{
	if (!type)
		return false;
	for (int i = 0; extra_types[i]; i++)
		if (!strcmp(type, extra_types[i]))
			return true;
	return !strncmp(type, "complaint.", 10) && wf_action_from_name(type + 10) >= 0;
}

/* True when the space-separated list holds type (or "*"). */
static bool wants(const char *list, const char *type)
{
	size_t n = strlen(type);
	for (const char *p = list ? list : ""; *p;) {
		while (*p == ' ')
			p++;
		size_t l = strcspn(p, " ");
		if ((l == 1 && *p == '*') || (l == n && !strncmp(p, type, n)))
			return true;
		p += l;
	}
	return false;
}

static void set_time(json_t *o, const char *key, json_t *rec, const char *from)
{
	int64_t ms = json_integer_value(json_object_get(rec, from));
	char t[40];
	if (ms) {
		iso8601_format(ms, CN_TZ_OFFSET_MIN, t, sizeof t);
		json_object_set_new(o, key, json_string(t));
	} else {
		json_object_set_new(o, key, json_null());
	}
}

/* The event as stored: no PII in clear, no free text. Caller frees the string. */
static char *event_text(json_t *rec, const char *type, const char *event_id, json_t *extra, int64_t now)
{
	static const char *const copy[] = {"id", "complaint_no", "status", "version", "source_channel", "external_no",
					   "complained_org_id", "handling_org_id", "handler_id", "region_code",
					   "business_channel_code", "business_type_code", "cause_code", "amount_fen",
					   "deadline_state", "extension_count", "pending", "reply_result",
					   "callback_satisfaction", NULL};
	static const char *const times[] = {"received_at", "due_at", "replied_at", "closed_at", "updated_at", NULL};
	json_t *c = json_object();
	for (int i = 0; copy[i]; i++) {
		json_t *x = json_object_get(rec, copy[i]);
		json_object_set_new(c, copy[i], x ? json_incref(x) : json_null());
	}
	for (int i = 0; times[i]; i++)
		set_time(c, times[i], rec, times[i]);
	json_t *masked = json_loads(json_string_value(json_object_get(rec, "complainant_masked")) ?: "{}", 0, NULL);
	json_object_set_new(c, "complainant", masked ? masked : json_object());
	char at[40];
	iso8601_format(now, CN_TZ_OFFSET_MIN, at, sizeof at);
	json_t *ev = json_pack("{s:s, s:s, s:s, s:o}", "id", event_id, "type", type, "occurred_at", at, "complaint", c);
	if (extra)
		json_object_update(ev, extra);
	char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	return text;
}

static int enqueue(struct db *d, int64_t only_sub, json_t *rec, const char *type, json_t *extra, int64_t now)
{
	json_t *subs;
	int rc = store_hook_subs_for(d, json_string_value(json_object_get(rec, "org_path")), &subs);
	if (rc < 0)
		return rc;
	char event_id[48], tok[40];
	crypto_random_token(tok, 16);
	snprintf(event_id, sizeof event_id, "evt_%s", tok);
	char *text = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(subs, i, s)
	{
		int64_t sid = json_integer_value(json_object_get(s, "id"));
		if (only_sub ? sid != only_sub : !wants(json_string_value(json_object_get(s, "event_types")), type))
			continue;
		if (!text && !(text = event_text(rec, type, event_id, extra, now))) {
			rc = DB_HARD;
			break;
		}
		if ((rc = store_hook_enqueue(d, sid, event_id, type, json_integer_value(json_object_get(rec, "id")),
					     json_string_value(json_object_get(rec, "complaint_no")), text, now)) < 0)
			break;
	}
	free(text);
	json_decref(subs);
	return rc < 0 ? rc : DB_OK;
}

int webhook_enqueue(struct db *d, json_t *rec, const char *type, json_t *extra, int64_t now)
{
	return enqueue(d, 0, rec, type, extra, now);
}

int webhook_enqueue_to(struct db *d, int64_t sub_id, json_t *rec, const char *type, json_t *extra, int64_t now)
{
	return enqueue(d, sub_id, rec, type, extra, now);
}

/* ---- secrets and signatures ---- */

char *webhook_secret_seal(const char *plain)
{
	const char *kid = pii_key_id();
	char *sealed = pii_encrypt(plain);
	if (!sealed || !kid)
		return free(sealed), NULL;
	size_t n = strlen(kid) + strlen(sealed) + 2;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s:%s", kid, sealed);
	free(sealed);
	return out;
}

char *webhook_secret_open(const char *sealed)
{
	const char *colon = sealed ? strchr(sealed, ':') : NULL;
	if (!colon || colon - sealed > 16)
		return NULL;
	char kid[17];
	snprintf(kid, sizeof kid, "%.*s", (int)(colon - sealed), sealed);
	return pii_decrypt(kid, colon + 1);
}

static void hmac_hex(const char *secret, int64_t t, const char *body, size_t len, char out[65])
{
	unsigned char mac[32];
	char ts[24];
	int tn = snprintf(ts, sizeof ts, "%lld.", (long long)t);
	crypto_hmac_sha256(secret, strlen(secret), ts, (size_t)tn, body, len, mac);
	crypto_hex(mac, sizeof mac, out);
}

void webhook_sign(const char *secret, int64_t t, const char *body, size_t len, char *out, size_t n)
{
	char hex[65];
	hmac_hex(secret, t, body, len, hex);
	snprintf(out, n, "t=%lld,v1=%s", (long long)t, hex);
}

int webhook_verify(const char *secret, const char *header, const char *body, size_t len, int64_t now_s,
		   int window_s, char v1_out[65])
{
	if (!header || strncmp(header, "t=", 2) != 0)
		return -1;
	char *end;
	long long t = strtoll(header + 2, &end, 10);
	const char *v1 = strstr(header, ",v1=");
	if (end == header + 2 || *end != ',' || !v1 || strlen(v1 + 4) != 64)
		return -1;
	for (const char *p = v1 + 4; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return -1;
	if (t < now_s - window_s || t > now_s + window_s)
		return -2;
	char want[65], got[65];
	hmac_hex(secret, t, body, len, want);
	for (int i = 0; i < 64; i++)
		got[i] = (char)tolower((unsigned char)v1[4 + i]);
	got[64] = 0;
	if (!crypto_mem_equal(want, got, 64))
		return -3;
	memcpy(v1_out, got, 65);
	return 0;
}

/* ---- delivery ---- */

struct sent {
	int64_t id, http_status, duration_ms;
	bool ok;
	char error[300];
};

struct hook_round {
	json_t *rows;
	struct sent *out;
	const char *owner;
	struct integration_settings s;
	int64_t lease_s;
};

static int claim_tx(struct db *d, void *arg)
{
	struct hook_round *c = arg;
	json_decref(c->rows);
	c->rows = NULL;
	int64_t now = now_ms();
	int rc = integration_settings_get(d, &c->s);
	return rc < 0 ? rc : store_hook_claim(d, c->owner, now, now + c->lease_s * 1000, 50, &c->rows);
}

static uint32_t rnd32(void)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)now_ms();
	return r;
}

static int record_tx(struct db *d, void *arg)
{
	struct hook_round *c = arg;
	int64_t now = now_ms();
	size_t i;
	json_t *row;
	json_array_foreach(c->rows, i, row)
	{
		struct sent *o = &c->out[i];
		int64_t attempts = json_integer_value(json_object_get(row, "attempts")) + 1;
		bool give_up = !o->ok && attempts >= c->s.max_attempts;
		int64_t next = o->ok ? now
				     : now + regulator_backoff_ms((int)attempts, c->s.backoff_base_ms, c->s.backoff_max_ms, rnd32());
		int rc = store_hook_finish(d, o->id, c->owner, o->ok ? "sent" : give_up ? "failed" : "pending", next,
					   o->http_status, o->ok ? NULL : o->error, now);
		if (rc == 1)
			rc = store_hook_attempt_insert(d, o->id, c->owner, o->ok ? "delivered" : "error", o->http_status,
						       o->ok ? "" : o->error, o->duration_ms, now);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The body actually sent: the stored event, plus the identity and texts for a PII subscription.
 * Caller frees. NULL when the complaint cannot be read (the attempt fails and is retried). */
static char *body_for(struct db *d, json_t *row)
{
	const char *payload = json_string_value(json_object_get(row, "payload"));
	if (!json_integer_value(json_object_get(row, "carries_pii")))
		return strdup(payload);
	json_t *ev = json_loads(payload, 0, NULL), *rec = NULL;
	int64_t cid = json_integer_value(json_object_get(row, "complaint_id"));
	if (!ev || (cid && store_complaint_get(d, cid, &rec) != 1)) {
		json_decref(ev);
		return NULL;
	}
	json_t *c = json_object_get(ev, "complaint");
	if (rec && c) {
		json_t *who = complaint_identity(rec);
		if (who)
			json_object_set_new(c, "complainant", who);
		static const char *const texts[] = {"content", "demand", "reply_content", NULL};
		for (int i = 0; texts[i]; i++) {
			json_t *x = json_object_get(rec, texts[i]);
			json_object_set_new(c, texts[i], x ? json_incref(x) : json_null());
		}
	}
	json_decref(rec);
	char *text = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	return text;
}

static void send_one(struct reg_http *http, struct db *d, json_t *row, const struct integration_settings *s,
		     struct sent *o)
{
	o->id = json_integer_value(json_object_get(row, "id"));
	int64_t t0 = now_ms();
	char *secret = webhook_secret_open(json_string_value(json_object_get(row, "secret")));
	char *body = body_for(d, row);
	if (!secret || !body) {
		snprintf(o->error, sizeof o->error, "%s", !secret ? "订阅密钥无法解密" : "事件内容无法生成");
	} else {
		char sig[128], h_sig[160], h_id[96], h_type[96];
		webhook_sign(secret, t0 / 1000, body, strlen(body), sig, sizeof sig);
		snprintf(h_sig, sizeof h_sig, "X-Fcms-Signature: %s", sig);
		snprintf(h_id, sizeof h_id, "X-Fcms-Event-Id: %s", json_string_value(json_object_get(row, "event_id")));
		snprintf(h_type, sizeof h_type, "X-Fcms-Event-Type: %s", json_string_value(json_object_get(row, "event")));
		const char *const headers[] = {"Content-Type: application/json; charset=utf-8", h_sig, h_id, h_type,
					       "User-Agent: fcms-webhooks/1", NULL};
		long status = 0;
		if (reg_http_post(http, json_string_value(json_object_get(row, "url")), headers, body, strlen(body),
				  s->timeout_ms, true, &status, NULL, o->error, sizeof o->error) == 0) {
			o->http_status = status;
			o->ok = status >= 200 && status < 300;
			if (!o->ok)
				snprintf(o->error, sizeof o->error, "接收方返回HTTP %ld", status);
		}
	}
	if (secret)
		crypto_wipe(secret, strlen(secret));
	free(secret);
	free(body);
	o->duration_ms = now_ms() - t0;
}

int webhook_deliver_round(struct reg_http *http, const char *owner, int lease_s)
{
	struct db *d = store_conn();
	if (!http || !d)
		return -1;
	struct hook_round c = {.owner = owner, .lease_s = lease_s};
	if (store_write(claim_tx, &c) != 0) {
		json_decref(c.rows);
		log_warn("webhooks: claim failed");
		return -1;
	}
	size_t n = json_array_size(c.rows);
	if (n == 0) {
		json_decref(c.rows);
		return 0;
	}
	if (!(c.out = calloc(n, sizeof *c.out))) {
		json_decref(c.rows);
		return -1;
	}
	/* A subscription that failed once in this round is not tried again in it: its receiver is
	 * down or refusing, and each of its deliveries waits its own backoff. */
	json_t *down = json_object();
	size_t i;
	json_t *row;
	json_array_foreach(c.rows, i, row)
	{
		char sid[24];
		snprintf(sid, sizeof sid, "%lld", (long long)json_integer_value(json_object_get(row, "subscription_id")));
		if (json_object_get(down, sid)) {
			c.out[i].id = json_integer_value(json_object_get(row, "id"));
			snprintf(c.out[i].error, sizeof c.out[i].error, "%s", json_string_value(json_object_get(down, sid)));
			continue;
		}
		send_one(http, d, row, &c.s, &c.out[i]);
		if (!c.out[i].ok)
			json_object_set_new(down, sid, json_string(c.out[i].error));
	}
	json_decref(down);
	if (store_write(record_tx, &c) != 0)
		log_warn("webhooks: outcomes not recorded; the leases expire and the events go again");
	free(c.out);
	json_decref(c.rows);
	return (int)n;
}

/* ---- OA approvals ---- */

int oa_route_request(struct db *d, json_t *rec, const char *kind, int64_t requester, json_t *params, int64_t now)
{
	struct integration_settings s;
	int64_t sub = 0, id;
	int rc = integration_settings_get(d, &s);
	if (rc < 0)
		return rc;
	if (!(!strcmp(kind, "extension") ? s.oa_extension : s.oa_delete))
		return 0;
	if ((rc = store_hook_oa_sub(d, &sub)) < 0 || sub == 0)
		return rc < 0 ? rc : 0;
	int64_t expires = now + (int64_t)s.oa_timeout_s * 1000;
	int64_t cid = json_integer_value(json_object_get(rec, "id"));
	if ((rc = store_oa_insert(d, cid, sub, kind, requester, now, expires, &id)) < 0)
		return rc;
	char until[40];
	iso8601_format(expires, CN_TZ_OFFSET_MIN, until, sizeof until);
	json_t *a = json_pack("{s:I, s:s, s:I, s:s, s:s}", "id", (json_int_t)id, "kind", kind, "requested_by",
			      (json_int_t)requester, "expires_at", until, "callback", "/api/v1/oa/callback");
	if (!a)
		return DB_HARD;
	json_t *days = json_object_get(params, "days"), *reason = json_object_get(params, "reason");
	if (days)
		json_object_set(a, "days", days);
	if (reason)
		json_object_set(a, "reason", reason);
	json_t *extra = json_pack("{s:o}", "approval", a);
	rc = webhook_enqueue_to(d, sub, rec, "approval.requested", extra, now);
	json_decref(extra);
	return rc < 0 ? rc : 1;
}

int oa_pending(struct db *d, int64_t complaint_id, int64_t now)
{
	json_t *a;
	int rc = store_oa_open_for(d, complaint_id, &a);
	if (rc <= 0)
		return rc;
	bool live = json_integer_value(json_object_get(a, "expires_at")) > now;
	json_decref(a);
	return live ? 1 : 0;
}

/* Closes approval a (status expired / withdrawn), audits it and tells the OA. */
static int oa_close(struct db *d, json_t *a, json_t *rec, const char *status, int64_t now)
{
	int64_t id = json_integer_value(json_object_get(a, "id"));
	int rc = store_oa_decide(d, id, status, NULL, NULL, now);
	if (rc <= 0)
		return rc;
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)json_integer_value(json_object_get(a, "complaint_id")));
	json_t *detail = json_pack("{s:I, s:O, s:s}", "approval_id", (json_int_t)id, "kind", json_object_get(a, "kind"),
				   "status", status);
	struct audit_event ev = {.at = now, .actor = "system", .ip = "", .action = "complaint.oa_close",
				 .target_type = "complaint", .target_id = tid, .result = "ok", .detail = detail};
	rc = audit_append(d, &ev);
	json_decref(detail);
	if (rc < 0 || !rec)
		return rc;
	json_t *extra = json_pack("{s:{s:I, s:O, s:s}}", "approval", "id", (json_int_t)id, "kind",
				  json_object_get(a, "kind"), "status", status);
	rc = webhook_enqueue_to(d, json_integer_value(json_object_get(a, "subscription_id")), rec,
				!strcmp(status, "expired") ? "approval.expired" : "approval.decided", extra, now);
	json_decref(extra);
	return rc;
}

int oa_withdrawn(struct db *d, json_t *rec, int64_t now)
{
	json_t *a;
	int rc = store_oa_open_for(d, json_integer_value(json_object_get(rec, "id")), &a);
	if (rc <= 0)
		return rc;
	rc = oa_close(d, a, rec, "withdrawn", now);
	json_decref(a);
	return rc < 0 ? rc : 0;
}

static int expire_tx(struct db *d, void *arg)
{
	(void)arg;
	int64_t now = now_ms();
	json_t *due;
	int rc = store_oa_due(d, now, &due);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *a;
	json_array_foreach(due, i, a)
	{
		json_t *full = NULL, *rec = NULL;
		rc = store_oa_get(d, json_integer_value(json_object_get(a, "id")), &full);
		if (rc == 1)
			rc = store_complaint_get(d, json_integer_value(json_object_get(a, "complaint_id")), &rec);
		if (rc >= 0)
			rc = oa_close(d, full, rec, "expired", now);
		json_decref(full);
		json_decref(rec);
		if (rc < 0)
			break;
	}
	json_decref(due);
	return rc < 0 ? rc : 0;
}

void webhook_oa_expire(void)
{
	struct db *d = store_conn();
	json_t *due = NULL;
	/* A read first: the writer is taken only when something is due. */
	if (!d || store_oa_due(d, now_ms(), &due) < 0 || json_array_size(due) == 0) {
		json_decref(due);
		return;
	}
	json_decref(due);
	if (store_write(expire_tx, NULL) != 0)
		log_warn("webhooks: expiring OA approvals failed; tried again next pass");
}
