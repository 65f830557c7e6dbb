/* 系统集成 (issue 15 items 2-4): webhook subscriptions, the delivery log with replay and the
 * integration settings (integration.manage, system family); the OA's signed callback (public
 * route, authenticated by its HMAC signature only); the call-centre screen-pop lookup and intake
 * (callcenter.lookup, a service account's token). The rules live in regulator/webhooks.c,
 * domain/pii_lookup.c and the complaint workflow; this file parses and replies. */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/complaint.h"
#include "domain/pii.h"
#include "domain/workflow.h"
#include "http/request.h"
#include "regulator/gateway.h"
#include "regulator/webhooks.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void iso_keys(json_t *o, const char *const *keys)
{
	for (int i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		if (!json_is_integer(v))
			continue;
		char t[40];
		iso8601_format(json_integer_value(v), CN_TZ_OFFSET_MIN, t, sizeof t);
		json_object_set_new(o, keys[i], json_string(t));
	}
}

static void sub_view(json_t *s)
{
	json_object_set_new(s, "carries_pii", json_boolean(json_integer_value(json_object_get(s, "carries_pii"))));
	json_object_set_new(s, "enabled", json_boolean(json_integer_value(json_object_get(s, "enabled"))));
	const char *t = json_string_value(json_object_get(s, "event_types"));
	json_t *types = json_array();
	for (const char *p = t ? t : ""; *p;) {
		while (*p == ' ')
			p++;
		size_t l = strcspn(p, " ");
		if (l)
			json_array_append_new(types, json_stringn(p, l));
		p += l;
	}
	json_object_set_new(s, "event_types", types);
	json_object_del(s, "secret");
	iso_keys(s, (const char *const[]){"created_at", "updated_at", NULL});
}

int api_hook_sub_list(struct request *r)
{
	json_t *items;
	int rc = store_hook_sub_list(r->db, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *s;
	json_array_foreach(items, i, s)
		sub_view(s);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static const struct field_spec sub_spec[] = {
	{"name", F_STRING, false, 100, 1, "订阅名称"},
	{"kind", F_STRING, false, 16, 0, "类型"},
	{"url", F_STRING, false, 500, 8, "推送地址"},
	{"event_types", F_ARRAY, false, 64, 0, "事件类型"},
	{"org_id", F_ID_OR_NULL, false, 0, 0, "机构范围"},
	{"carries_pii", F_BOOL, false, 0, 0, "携带个人信息"},
	{"enabled", F_BOOL, false, 0, 0, "启用"},
	{"rotate_secret", F_BOOL, false, 0, 0, "重新生成密钥"},
	{NULL},
};

struct sub_ctx {
	struct request *r;
	int64_t id;
	bool create;
	char types[1100];
	char secret[64];     /* the new secret in clear, shown once */
	char *sealed;        /* built before the transaction */
	json_t *result;
	struct refusal err;
};

/* Event types from the body into "a b c" ("*" when absent on create). 0 or a refusal. */
static int parse_types(struct request *r, json_t *before, char *out, size_t n, struct refusal *e)
{
	json_t *arr = json_object_get(r->json, "event_types");
	if (!arr) {
		snprintf(out, n, "%s", before ? json_string_value(json_object_get(before, "event_types")) : "*");
		return 0;
	}
	out[0] = 0;
	size_t i;
	json_t *t;
	json_array_foreach(arr, i, t)
	{
		const char *s = json_string_value(t);
		if (!s || (strcmp(s, "*") && !webhook_event_known(s)))
			return refuse(e, 400, "invalid_field", "未知的事件类型（见接口文档的事件列表）", "event_types");
		size_t l = strlen(out);
		if (l + strlen(s) + 2 > n)
			return refuse(e, 400, "invalid_field", "事件类型过多", "event_types");
		snprintf(out + l, n - l, "%s%s", l ? " " : "", s);
	}
	if (!out[0])
		return refuse(e, 400, "invalid_field", "至少选择一种事件类型", "event_types");
	return 0;
}

static int sub_tx(struct db *d, void *arg)
{
	struct sub_ctx *c = arg;
	struct request *r = c->r;
	json_decref(c->result);
	c->result = NULL;
	json_t *before = NULL, *org = NULL;
	int rc = 0;
	if (!c->create && (rc = store_hook_sub_get(d, c->id, false, &before)) != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "推送订阅不存在", NULL);
	struct integration_settings s;
	if ((rc = integration_settings_get(d, &s)) < 0)
		goto out;
	const char *kind = c->create ? (body_str(r, "kind") ?: "webhook") : json_string_value(json_object_get(before, "kind"));
	if (strcmp(kind, "webhook") && strcmp(kind, "oa")) {
		rc = refuse(&c->err, 400, "invalid_field", "类型只能是 webhook（推送订阅）或 oa（行内OA审批）", "kind");
		goto out;
	}
	const char *url = body_str(r, "url") ?: json_string_value(json_object_get(before, "url"));
	const char *name = body_str(r, "name") ?: json_string_value(json_object_get(before, "name"));
	const char *msg;
	if (!name || !url) {
		rc = refuse(&c->err, 400, "missing_field", "请填写订阅名称和推送地址", !name ? "name" : "url");
		goto out;
	}
	if (webhook_url_check(url, s.allow_hosts, &msg) != 0) {
		rc = refuse(&c->err, 400, "url_not_allowed", msg, "url");
		goto out;
	}
	if ((rc = parse_types(r, before, c->types, sizeof c->types, &c->err)) != 0)
		goto out;
	struct hook_sub h = {.name = name, .kind = kind, .url = url, .event_types = c->types, .org_path = "",
			     .secret = c->sealed ? c->sealed : "", .created_by = r->user->user_id};
	json_t *org_v = json_object_get(r->json, "org_id");
	h.org_id = org_v ? json_integer_value(org_v) : json_integer_value(json_object_get(before, "org_id"));
	if (h.org_id > 0) {
		if ((rc = store_org_get(d, h.org_id, &org)) != 1) {
			rc = rc < 0 ? rc : refuse(&c->err, 400, "invalid_field", "机构不存在", "org_id");
			goto out;
		}
		h.org_path = json_string_value(json_object_get(org, "path"));
	}
	bool was_pii = before && json_integer_value(json_object_get(before, "carries_pii"));
	h.carries_pii = body_bool(r, "carries_pii", was_pii);
	h.enabled = body_bool(r, "enabled", before ? json_integer_value(json_object_get(before, "enabled")) != 0 : true);
	int64_t now = now_ms();
	if (c->create) {
		if ((rc = store_hook_sub_insert(d, &h, now, &c->id)) < 0)
			goto out;
	} else if ((rc = store_hook_sub_update(d, c->id, &h, now)) < 0) {
		goto out;
	}
	json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "name", name, "kind", kind, "url", url,
				   "event_types", c->types, "carries_pii", h.carries_pii, "enabled", h.enabled,
				   "secret_rotated", c->sealed != NULL);
	if ((rc = api_audit(r, d, c->create ? "integration.subscription.create" : "integration.subscription.update",
			    "webhook_subscription", c->id, "ok", detail)) < 0)
		goto out;
	/* Letting PII leave the system is its own audited act, on grant and on withdrawal. */
	if (h.carries_pii != was_pii &&
	    (rc = api_audit(r, d, h.carries_pii ? "integration.pii.grant" : "integration.pii.revoke",
			    "webhook_subscription", c->id, "ok", json_pack("{s:s, s:s}", "name", name, "url", url))) < 0)
		goto out;
	if ((rc = store_hook_sub_get(d, c->id, false, &c->result)) != 1)
		rc = rc < 0 ? rc : DB_HARD;
	else
		rc = 0;
out:
	json_decref(before);
	json_decref(org);
	return rc;
}

static int sub_write(struct request *r, bool create)
{
	if (req_validate(r, sub_spec) != 0)
		return 0;
	struct sub_ctx c = {.r = r, .create = create, .id = create ? 0 : req_arg_id(r, 0)};
	if (create || body_bool(r, "rotate_secret", false)) {
		char tok[48];
		crypto_random_token(tok, 32);
		snprintf(c.secret, sizeof c.secret, "whsec_%s", tok);
		if (!(c.sealed = webhook_secret_seal(c.secret)))
			return reply_error(r, 500, "internal", "密钥无法加密保存（PII密钥不可用）", NULL);
	}
	int rc = store_write(sub_tx, &c);
	free(c.sealed);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	sub_view(c.result);
	if (c.secret[0]) /* shown once; stored sealed with the PII key */
		json_object_set_new(c.result, "secret", json_string(c.secret));
	crypto_wipe(c.secret, sizeof c.secret);
	return reply_json(r, create ? 201 : 200, c.result);
}

int api_hook_sub_create(struct request *r)
{
	return sub_write(r, true);
}

int api_hook_sub_update(struct request *r)
{
	return sub_write(r, false);
}

/* ---- delivery log ---- */

static void delivery_view(json_t *x)
{
	iso_keys(x, (const char *const[]){"next_attempt_at", "created_at", "updated_at", "sent_at", NULL});
	json_t *p = json_object_get(x, "payload");
	if (json_is_string(p))
		json_object_set_new(x, "payload", json_loads(json_string_value(p), 0, NULL) ?: json_null());
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(x, "attempts_log"), i, a)
	{
		/* Milliseconds: retries with a short backoff fall within one second. */
		json_t *at = json_object_get(a, "at");
		if (!json_is_integer(at))
			continue;
		char t[40];
		iso8601_format_ms(json_integer_value(at), CN_TZ_OFFSET_MIN, t, sizeof t);
		json_object_set_new(a, "at", json_string(t));
	}
}

int api_hook_deliveries(struct request *r)
{
	struct hook_filter f = {.status = req_query(r, "status"), .complaint_no = req_query(r, "complaint_no"),
				.event = req_query(r, "event")};
	const char *sid = req_query(r, "subscription_id");
	f.subscription_id = sid ? strtoll(sid, NULL, 10) : 0;
	if (req_paging(r, &f.limit, &f.offset) != 0)
		return 0;
	json_t *items;
	int64_t total;
	int rc = store_hook_list(r->db, &f, &items, &total);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *x;
	json_array_foreach(items, i, x)
		delivery_view(x);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

int api_hook_delivery(struct request *r)
{
	json_t *x;
	int rc = store_hook_get(r->db, req_arg_id(r, 0), &x);
	if (rc < 0)
		return reply_db_error(r, rc);
	if (rc == 0)
		return reply_error(r, 404, "not_found", "推送记录不存在", NULL);
	delivery_view(x);
	return reply_json(r, 200, x);
}

struct replay_ctx {
	struct request *r;
	int64_t id;
	struct refusal err;
};

static int replay_tx(struct db *d, void *arg)
{
	struct replay_ctx *c = arg;
	json_t *x;
	int rc = store_hook_get(d, c->id, &x);
	if (rc != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "推送记录不存在", NULL);
	json_t *detail = json_pack("{s:O, s:O, s:O}", "event_id", json_object_get(x, "event_id"), "event",
				   json_object_get(x, "event"), "was", json_object_get(x, "status"));
	json_decref(x);
	if ((rc = store_hook_replay(d, c->id, now_ms())) < 0) {
		json_decref(detail);
		return rc;
	}
	return api_audit(c->r, d, "integration.delivery.replay", "webhook_delivery", c->id, "ok", detail);
}

int api_hook_replay(struct request *r)
{
	struct replay_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(replay_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	regulator_worker_kick();
	return api_hook_delivery(r);
}

/* ---- settings ---- */

int api_integration_settings_get(struct request *r)
{
	struct integration_settings s;
	int rc = integration_settings_get(r->db, &s);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, integration_settings_json(&s));
}

struct isettings_ctx {
	struct request *r;
	struct integration_settings after;
	struct refusal err;
};

static int isettings_tx(struct db *d, void *arg)
{
	struct isettings_ctx *c = arg;
	struct integration_settings before;
	int rc = integration_settings_get(d, &before);
	if (rc < 0)
		return rc;
	c->after = before;
	const char *msg, *field;
	if (integration_settings_apply(&c->after, c->r->json, &msg, &field) != 0)
		return refuse(&c->err, 400, "invalid_field", msg, field);
	if ((rc = integration_settings_save(d, &c->after)) < 0)
		return rc;
	return api_audit(c->r, d, "integration.settings.update", "integration_settings", 0, "ok",
			 json_pack("{s:o, s:o}", "before", integration_settings_json(&before), "after",
				   integration_settings_json(&c->after)));
}

int api_integration_settings_put(struct request *r)
{
	if (!r->json || !json_is_object(r->json))
		return reply_error(r, 400, "invalid_json", "请求体必须是JSON对象", NULL);
	struct isettings_ctx c = {.r = r};
	int rc = store_write(isettings_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 200, integration_settings_json(&c.after));
}

/* ---- OA ---- */

static bool one_of(const char *v, const char *const *set)
{
	for (int i = 0; set[i]; i++)
		if (!strcmp(v, set[i]))
			return true;
	return false;
}

int api_oa_approvals(struct request *r)
{
	static const char *const statuses[] = {"pending", "approved", "rejected", "expired", "withdrawn", NULL};
	static const char *const kinds[] = {"extension", "delete", NULL};
	bool bad = false;
	struct oa_filter f = {.status = req_query(r, "status"), .kind = req_query(r, "kind"),
			      .complaint_no = req_query(r, "complaint_no"), .from = api_query_time(r, "from", false, &bad),
			      .to = api_query_time(r, "to", true, &bad)};
	if (f.status && !one_of(f.status, statuses))
		return reply_error(r, 400, "invalid_field", "审批状态只能是 pending、approved、rejected、expired 或 withdrawn", "status");
	if (f.kind && !one_of(f.kind, kinds))
		return reply_error(r, 400, "invalid_field", "审批类型只能是 extension（延期）或 delete（删除）", "kind");
	if (bad)
		return reply_error(r, 400, "invalid_field", "日期格式应为 YYYY-MM-DD 或带时区的ISO 8601时间", "from");
	if (req_paging(r, &f.limit, &f.offset) != 0)
		return 0;
	json_t *items;
	int64_t total;
	int rc = store_oa_list(r->db, &f, &items, &total);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *x;
	json_array_foreach(items, i, x)
		iso_keys(x, (const char *const[]){"requested_at", "expires_at", "decided_at", NULL});
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

int api_callcenter_accounts(struct request *r)
{
	json_t *items;
	int rc = store_callcenter_accounts(r->db, now_ms(), &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *x;
	json_array_foreach(items, i, x)
	{
		json_object_set_new(x, "is_service", json_boolean(json_integer_value(json_object_get(x, "is_service"))));
		iso_keys(x, (const char *const[]){"last_used_at", NULL});
	}
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

struct oa_ctx {
	struct request *r;
	int64_t sub_id, approval_id;
	char v1[65];
	const char *decision, *approver, *comment;
	int window_s;
	json_t *result;
	const char *action;
	struct refusal err;
};

static int oa_tx(struct db *d, void *arg)
{
	struct oa_ctx *c = arg;
	json_decref(c->result);
	c->result = NULL;
	int64_t now = now_ms();
	int rc = store_oa_signature_take(d, c->v1, now, now - 2LL * c->window_s * 1000);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(&c->err, 409, "replayed", "该回调已处理过（重放的请求被拒绝）", NULL);
	json_t *a;
	if ((rc = store_oa_get(d, c->approval_id, &a)) != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "审批单不存在", "approval_id");
	int64_t cid = json_integer_value(json_object_get(a, "complaint_id"));
	bool mine = json_integer_value(json_object_get(a, "subscription_id")) == c->sub_id;
	const char *status = json_string_value(json_object_get(a, "status"));
	const char *kind = json_string_value(json_object_get(a, "kind"));
	bool pending = !strcmp(status, "pending"), late = json_integer_value(json_object_get(a, "expires_at")) <= now;
	bool ext = !strcmp(kind, "extension");
	json_decref(a);
	if (!mine)
		return refuse(&c->err, 404, "not_found", "审批单不存在", "approval_id");
	if (!pending || late)
		return refuse(&c->err, 409, late && pending ? "approval_expired" : "approval_closed",
			      late && pending ? "审批已超时，已转为在本系统内审批" : "该审批已办结或已撤回", "approval_id");
	bool approve = !strcmp(c->decision, "approved");
	if ((rc = store_oa_decide(d, c->approval_id, c->decision, c->approver, c->comment, now)) < 0)
		return rc;
	/* The decision as if made in fcms, by the OA's approver (四眼: never the requester). */
	struct principal oa = {.user_id = 0, .perms = P_COMPLAINT_REVIEW | P_COMPLAINT_DELETE_APPROVE,
			       .scope = SCOPE_ALL, .org_path = "/", .via_token = true};
	snprintf(oa.username, sizeof oa.username, "OA:%.56s", c->approver);
	snprintf(oa.name, sizeof oa.name, "%s（OA）", c->approver);
	c->action = approve ? (ext ? "approve_extension" : "approve_delete") : (ext ? "reject_extension" : "reject_delete");
	json_t *params = json_pack("{s:s, s:s}", "reason", c->comment[0] ? c->comment : "OA审批未通过", "note", c->comment);
	rc = api_complaint_act_in_tx(c->r, d, &oa, cid, c->action, params, &c->result, &c->err);
	json_decref(params);
	return rc;
}

int api_oa_callback(struct request *r)
{
	const char *sid = req_header(r, "X-Fcms-Oa-Id"), *sig = req_header(r, "X-Fcms-Signature");
	struct oa_ctx c = {.r = r, .sub_id = sid ? strtoll(sid, NULL, 10) : 0};
	if (c.sub_id <= 0 || !sig)
		return reply_error(r, 401, "bad_signature", "缺少签名头（X-Fcms-Oa-Id、X-Fcms-Signature）", NULL);
	json_t *sub = NULL;
	struct integration_settings s;
	int rc = integration_settings_get(r->db, &s);
	if (rc >= 0)
		rc = store_hook_sub_get(r->db, c.sub_id, true, &sub);
	if (rc < 0)
		return reply_db_error(r, rc);
	bool usable = rc == 1 && !strcmp(json_string_value(json_object_get(sub, "kind")), "oa") &&
		      json_integer_value(json_object_get(sub, "enabled"));
	char *secret = usable ? webhook_secret_open(json_string_value(json_object_get(sub, "secret"))) : NULL;
	json_decref(sub);
	int v = secret ? webhook_verify(secret, sig, r->body ? r->body : "", r->body_len, now_ms() / 1000,
					s.replay_window_s, c.v1)
		       : -3;
	if (secret)
		crypto_wipe(secret, strlen(secret));
	free(secret);
	if (v == -2)
		return reply_error(r, 401, "stale_signature", "签名时间戳超出允许的时间窗，请同步时钟后重新签名", NULL);
	if (v != 0)
		return reply_error(r, 401, "bad_signature", "签名校验失败", NULL);
	json_t *body = r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
	c.approval_id = json_integer_value(json_object_get(body, "approval_id"));
	c.decision = json_string_value(json_object_get(body, "decision"));
	c.approver = json_string_value(json_object_get(body, "approver"));
	c.comment = json_string_value(json_object_get(body, "comment")) ?: "";
	if (c.approval_id <= 0 || !c.decision || (strcmp(c.decision, "approved") && strcmp(c.decision, "rejected")) ||
	    !c.approver || !*c.approver || strlen(c.approver) > 60 || strlen(c.comment) > 500) {
		json_decref(body);
		return reply_error(r, 400, "invalid_field",
				   "回调内容应为 {approval_id, decision: approved|rejected, approver(≤60字), comment(≤500字)}", NULL);
	}
	c.window_s = s.replay_window_s;
	rc = store_write(oa_tx, &c);
	if (rc != 0) {
		json_decref(body);
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	api_complaint_publish(c.result, c.action);
	regulator_worker_kick();
	json_t *out = json_pack("{s:I, s:s, s:O, s:O, s:O}", "approval_id", (json_int_t)c.approval_id, "decision",
				c.decision, "complaint_id", json_object_get(c.result, "id"), "complaint_no",
				json_object_get(c.result, "complaint_no"), "status", json_object_get(c.result, "status"));
	json_decref(c.result);
	json_decref(body); /* c.decision and the others point into it */
	return reply_json(r, 200, out);
}

/* ---- call centre ---- */

int api_callcenter_lookup(struct request *r)
{
	const char *phone = req_query(r, "phone");
	size_t n = phone ? strlen(phone) : 0;
	bool ok = n >= 5 && n <= 20;
	for (size_t i = 0; ok && i < n; i++)
		ok = (phone[i] >= '0' && phone[i] <= '9') || (i == 0 && phone[i] == '+') || phone[i] == '-';
	if (!ok)
		return reply_error(r, 400, "invalid_field", "请用 ?phone= 提供来电号码（5～20位数字）", "phone");
	struct complaint_filter f;
	struct filter_bufs fb;
	/* The same exact-lookup path as the complaint list: permission, per-minute and per-day
	 * limits, and the audit event with the masked number (domain/pii_lookup.c). */
	if (api_complaint_filter(r, &f, &fb) != 0)
		return 0;
	f.limit = 50;
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	json_t *items;
	int64_t total;
	int rc = store_complaint_list(r->db, &sf, &f, &items, &total, NULL);
	api_filter_bufs_free(&fb);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_t *open = json_array(), *recent = json_array();
	int64_t since = now_ms() - 365 * MS_PER_DAY;
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
	{
		const char *st = json_string_value(json_object_get(rec, "status"));
		bool is_open = wf_status_open(st);
		if (!is_open && json_integer_value(json_object_get(rec, "received_at")) < since)
			continue;
		json_t *v = json_pack("{s:O, s:O, s:O, s:s, s:O, s:O}", "id", json_object_get(rec, "id"), "complaint_no",
				      json_object_get(rec, "complaint_no"), "status", json_object_get(rec, "status"),
				      "status_label", wf_status_label(st), "handling_org_name",
				      json_object_get(rec, "handling_org_name") ?: json_null(), "cause_code",
				      json_object_get(rec, "cause_code") ?: json_null());
		json_t *masked = json_loads(json_string_value(json_object_get(rec, "complainant_masked")) ?: "{}", 0, NULL);
		json_object_set_new(v, "complainant", masked ? masked : json_object());
		json_object_set(v, "received_at", json_object_get(rec, "received_at"));
		json_object_set(v, "due_at", json_object_get(rec, "due_at"));
		iso_keys(v, (const char *const[]){"received_at", "due_at", NULL});
		json_array_append_new(is_open ? open : recent, v);
	}
	json_decref(items);
	return reply_json(r, 200, json_pack("{s:o, s:o}", "open", open, "recent", recent));
}

int api_callcenter_create(struct request *r)
{
	if (!req_header(r, "Idempotency-Key"))
		return reply_error(r, 400, "missing_field", "客服中心登记投诉须带 Idempotency-Key 头（来电编号）", "Idempotency-Key");
	return api_complaint_create(r);
}
