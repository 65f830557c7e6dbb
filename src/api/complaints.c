/* 投诉管理: intake and drafts (POST/PATCH /complaints), query, detail, timeline, the workflow
 * actions (POST /complaints/{id}/actions/{action}), unmasking the complainant, and the to-do
 * list. Every action runs in one transaction: scope, version, state table and permission are
 * checked, the record is changed, written back with the version it was read at, and the audit
 * event is appended — or nothing happens. */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/audit_catalogue.h"
#include "domain/bank_name.h"
#include "domain/complaint.h"
#include "domain/pii.h"
#include "domain/pii_lookup.h"
#include "domain/principal.h"
#include "domain/workflow.h"
#include "http/events.h"
#include "http/request.h"
#include "report/reports.h"
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

/* Body fields of POST /complaints and PATCH /complaints/{id}. */
#define COMPLAINT_FIELDS                                                                        \
	{"source_channel", F_STRING, false, 32, 0, "投诉反映渠道"},                                   \
	{"received_at", F_STRING, false, 40, 0, "接收时间"},                                          \
	{"complainant", F_OBJECT, false, 0, 0, "投诉人"},                                             \
	{"complained_org_id", F_ID, false, 0, 0, "被投诉机构"},                                       \
	{"region_code", F_STRING, false, 6, 0, "行政区划"},                                           \
	{"business_channel_code", F_STRING, false, 16, 0, "业务办理渠道"},                            \
	{"business_type_code", F_STRING, false, 16, 0, "业务类别"},                                   \
	{"cause_code", F_STRING, false, 16, 0, "投诉原因"},                                           \
	{"rights", F_ARRAY, false, 16, 0, "基本权益"},                                                \
	{"content", F_STRING, false, 4000, 0, "投诉内容"},                                            \
	{"demand", F_STRING, false, 2000, 0, "投诉诉求"},                                             \
	{"amount_fen", F_INT, false, 0, 0, "涉及金额"},                                               \
	{"external_no", F_STRING, false, 64, 0, "外部工单号"},                                        \
	{"tags", F_ARRAY, false, 8, 0, "标签"},                                                       \
	{"group_size", F_INT, false, 0, 0, "群体投诉人数"}

static bool visible(struct request *r, json_t *rec)
{
	return json_integer_value(json_object_get(rec, "registrar_id")) == r->user->user_id ||
	       json_integer_value(json_object_get(rec, "handler_id")) == r->user->user_id ||
	       scope_allows(r->user, json_string_value(json_object_get(rec, "org_path")),
			    json_integer_value(json_object_get(rec, "registrar_id")));
}

/* Loads a complaint the caller may see: 1 with *rec, 0 with a 404 refusal, negative. */
static int fetch(struct request *r, struct db *d, int64_t id, json_t **rec, struct refusal *e)
{
	int rc = store_complaint_get(d, id, rec);
	if (rc < 0)
		return rc;
	if (rc == 0 || !visible(r, *rec)) {
		json_decref(*rec);
		*rec = NULL;
		return refuse(e, 404, "not_found", "投诉单不存在或不在您的数据范围内", NULL), 0;
	}
	return 1;
}

/* Tells live clients that a complaint changed (after the transaction committed). */
static void publish(json_t *rec, const char *action)
{
	json_t *ev = json_pack("{s:O, s:O, s:s}", "id", json_object_get(rec, "id"), "complaint_no",
			       json_object_get(rec, "complaint_no"), "action", action);
	static const char *const extra[] = {"status", "version", "deadline_state", NULL};
	for (int i = 0; extra[i]; i++)
		if (json_object_get(rec, extra[i]))
			json_object_set(ev, extra[i], json_object_get(rec, extra[i]));
	/* A draft is its registrar's alone. */
	const char *st = json_string_value(json_object_get(rec, "status"));
	bool draft = st && strcmp(st, "draft") == 0;
	events_publish("complaint", ev, draft ? NULL : json_string_value(json_object_get(rec, "org_path")),
		       json_integer_value(json_object_get(rec, "registrar_id")),
		       json_integer_value(json_object_get(rec, "handler_id")));
	json_decref(ev);
}

void api_complaint_publish(json_t *row, const char *action)
{
	publish(row, action);
}


/* fetch() for a change: the caller's version must be the stored one (409 otherwise). */
static int fetch_for_change(struct request *r, struct db *d, int64_t id, int64_t version, json_t **rec,
			    struct refusal *e)
{
	int rc = fetch(r, d, id, rec, e);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if (json_integer_value(json_object_get(*rec, "version")) == version)
		return 0;
	json_decref(*rec);
	*rec = NULL;
	return refuse(e, 409, "stale_version", "投诉单已被他人修改，请刷新后重试", "version");
}

/* Writes rec back as the next version; somebody faster in between gets the caller a 409. */
static int save_next_version(struct db *d, json_t *rec, int64_t version, int64_t now, struct refusal *e)
{
	json_object_set_new(rec, "version", json_integer(version + 1));
	json_object_set_new(rec, "updated_at", json_integer(now));
	int rc = store_complaint_save(d, rec, version);
	return rc == 1 ? 0 : rc == 0 ? refuse(e, 409, "stale_version", "投诉单已被他人修改，请刷新后重试", "version") : rc;
}

static json_t *view(struct request *r, json_t *rec, const struct complaint_settings *cfg)
{
	json_t *v = complaint_view_as(rec, r->user->perms, r->user->user_id, cfg);
	json_decref(rec);
	return v;
}

/* Marks a repeat: the same complainant (by blind index) within the window (重复投诉). The tag
 * always (the reports count it); the earlier complaint's id only when the registrar may see it,
 * or registering would tell them whom another branch serves (issue 11 L2). */
static int detect_repeat(struct request *r, struct db *d, json_t *rec, const struct complaint_settings *cfg)
{
	int64_t received = json_integer_value(json_object_get(rec, "received_at")), other = 0;
	int rc = store_complaint_find_repeat(d, json_string_value(json_object_get(rec, "id_no_bidx")),
					     json_string_value(json_object_get(rec, "phone_bidx")),
					     received - (int64_t)cfg->repeat_window_days * 86400000,
					     json_integer_value(json_object_get(rec, "id")), &other);
	if (rc <= 0)
		return rc;
	json_t *earlier;
	if ((rc = store_complaint_get(d, other, &earlier)) < 0)
		return rc;
	if (rc == 1 && visible(r, earlier))
		json_object_set_new(rec, "repeat_of", json_integer(other));
	json_decref(earlier);
	complaint_add_tag(rec, "repeat");
	return 0;
}

/* The registration step shared by POST (not a draft) and the submit action. */
static int register_complaint(struct request *r, struct db *d, json_t *rec, const struct complaint_settings *cfg,
			      int64_t now, struct refusal *e)
{
	int rc = complaint_check_complete(d, rec, now, e);
	if (rc != 0)
		return rc;
	json_object_set_new(rec, "status", json_string("registered"));
	json_object_set_new(rec, "registered_at", json_integer(now));
	if ((rc = detect_repeat(r, d, rec, cfg)) < 0)
		return rc;
	return complaint_update_deadline(d, rec, cfg, now);
}

/* ---- create ---- */

/* The 被投诉机构 in the body must be one the caller may register against (scope_may_register);
 * an unknown institution is left to complaint_apply_input to refuse. */
static int check_complained_org(struct request *r, struct db *d, struct refusal *e)
{
	json_t *v = json_object_get(r->json, "complained_org_id"), *org;
	if (!json_is_integer(v))
		return 0;
	int rc = store_org_get(d, json_integer_value(v), &org);
	if (rc <= 0)
		return rc;
	bool ok = scope_may_register(r->user, json_string_value(json_object_get(org, "path")));
	json_decref(org);
	return ok ? 0 : refuse(e, 403, "out_of_scope", "被投诉机构只能是本机构或其下辖机构", "complained_org_id");
}

struct create_ctx {
	struct request *r;
	bool draft;
	const char *fixed_no; /* a number reserved at receipt (网上投诉), or NULL for a new one */
	int (*also)(struct db *d, void *arg, int64_t id); /* more writes in the same transaction */
	void *also_arg;
	struct complaint_settings cfg;
	json_t *rec;    /* the checked record, built before the transaction */
	char prefix[64];
	int64_t id;     /* the new complaint's, once committed */
	json_t *result; /* as read back after the commit */
	struct refusal err;
	const char *idem_key; /* Idempotency-Key header (call id), or NULL */
	char idem_sha[65];    /* of the canonical body */
	bool replayed;        /* the key was seen with the same body: id is the earlier complaint */
};

/* Idempotency keys are kept at least this long (docs/integration/callcenter.md). */
#define IDEM_KEEP_MS (48LL * 3600 * 1000)

/* The key seen before: the same body answers with the earlier complaint (1 with c->id), another
 * body is refused (1 with c->err), 0 when the key is new. */
static int idem_check(struct db *d, struct create_ctx *c)
{
	json_t *k;
	int rc = store_idem_get(d, c->r->user->user_id, c->idem_key, &k);
	if (rc <= 0)
		return rc;
	bool same = strcmp(json_string_value(json_object_get(k, "request_sha256")), c->idem_sha) == 0;
	int64_t id = json_integer_value(json_object_get(k, "complaint_id"));
	json_decref(k);
	if (!same)
		return refuse(&c->err, 422, "idempotency_key_reused",
			      "该幂等键（Idempotency-Key）已用于内容不同的投诉登记请求，请使用新的来电编号", "Idempotency-Key");
	c->id = id;
	c->replayed = true;
	return 1;
}

/* Builds and checks the record with plain reads, outside the write transaction, so the
 * database's single writer is held only for the writes themselves. */
static int create_prepare(struct db *d, struct create_ctx *c)
{
	struct request *r = c->r;
	int64_t now = now_ms();
	json_t *org;
	int rc = store_org_get(d, r->user->org_id, &org);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	char day[16];
	snprintf(day, sizeof day, "%08d", (int)ymd_from_ms(now, CN_TZ_OFFSET_MIN));
	snprintf(c->prefix, sizeof c->prefix, "%s-%s", json_string_value(json_object_get(org, "internal_code")), day);
	json_t *rec = json_pack("{s:s, s:I, s:I, s:I, s:O, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
				"status", "draft", "version", (json_int_t)1, "registrar_id", (json_int_t)r->user->user_id,
				"registrar_org_id", (json_int_t)r->user->org_id, "org_path", json_object_get(org, "path"),
				"rights", "", "tags", "", "content", "", "demand", "", "day_type",
				c->cfg.working_days ? "working" : "calendar", "deadline_state", "on_time",
				"allowed_days", (json_int_t)c->cfg.standard_days, "extension_count", (json_int_t)0,
				"transfer_count", (json_int_t)0, "created_at", (json_int_t)now, "updated_at",
				(json_int_t)now, "handling_org_id", (json_int_t)r->user->org_id);
	json_decref(org);
	json_object_set_new(rec, "sync_status", json_string("unsent"));
	json_object_set_new(rec, "complainant_masked", json_string("{}"));
	json_object_set_new(rec, "clock_restarts", json_integer(0));
	if ((rc = check_complained_org(r, d, &c->err)) != 0 || (rc = complaint_apply_input(d, r->json, rec, &c->err)) != 0 ||
	    (!c->draft && (rc = register_complaint(r, d, rec, &c->cfg, now, &c->err)) != 0)) {
		json_decref(rec);
		return rc;
	}
	c->rec = rec;
	return 0;
}

/* The settings and the checks in one read transaction: one snapshot, and SQLite's per-statement
 * read-lock work done once. */
static int create_prepare_tx(struct db *d, void *arg)
{
	struct create_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->rec);
	c->rec = NULL;
	int rc = complaint_settings_get(d, &c->cfg);
	return rc != 0 ? rc : create_prepare(d, c);
}

static int create_tx(struct db *d, void *arg)
{
	struct create_ctx *c = arg;
	/* a retried transaction starts over: c->rec is input, only its number and id are ours */
	c->id = 0;
	c->replayed = false;
	json_object_del(c->rec, "id");
	int64_t id, seq;
	int rc = c->idem_key ? idem_check(d, c) : 0;
	if (rc != 0)
		return rc < 0 ? rc : c->replayed ? 0 : 1;
	char number[96];
	if (c->fixed_no) {
		snprintf(number, sizeof number, "%s", c->fixed_no);
	} else {
		if ((rc = store_complaint_next_no(d, c->prefix, &seq)) < 0)
			return rc;
		snprintf(number, sizeof number, "%s-%05lld", c->prefix, (long long)seq);
	}
	json_object_set_new(c->rec, "complaint_no", json_string(number));
	/* A registration is news for the regulator: queued with the complaint (transactional outbox). */
	json_object_set_new(c->rec, "sync_status", json_string(c->draft ? "unsent" : "pending"));
	if ((rc = store_complaint_insert(d, c->rec, &id)) < 0)
		return rc;
	json_object_set_new(c->rec, "id", json_integer(id));
	if ((rc = api_audit(c->r, d, c->draft ? "complaint.draft" : "complaint.register", "complaint", id, "ok",
			    complaint_diff(NULL, c->rec))) < 0)
		return rc;
	if (!c->draft && (rc = regulator_enqueue(d, c->rec, "registered", false, now_ms())) < 0)
		return rc;
	if (!c->draft && (rc = webhook_enqueue(d, c->rec, "complaint.registered", NULL, now_ms())) < 0)
		return rc;
	if (c->idem_key && ((rc = store_idem_purge(d, now_ms() - IDEM_KEEP_MS)) < 0 ||
			    (rc = store_idem_insert(d, c->r->user->user_id, c->idem_key, c->idem_sha, id, now_ms())) < 0))
		return rc;
	if (c->also && (rc = c->also(d, c->also_arg, id)) != 0)
		return rc;
	c->id = id;
	return 0;
}

/* Runs the intake of r->json (already validated) and reads the complaint back: 0 with
 * c->result, or the transaction's status (refusal in c->err). */
static int create_run(struct create_ctx *c)
{
	int rc = db_tx(c->r->db, false, create_prepare_tx, c);
	if (rc == 0)
		rc = store_write(create_tx, c);
	json_decref(c->rec);
	c->rec = NULL;
	if (rc != 0)
		return rc;
	/* Read back on this thread's connection, after the commit: the writer is kept for writes. */
	if ((rc = store_complaint_get(c->r->db, c->id, &c->result)) != 1)
		return rc < 0 ? rc : DB_HARD;
	if (c->replayed) /* an earlier registration with this Idempotency-Key: nothing new happened */
		return 0;
	publish(c->result, c->draft ? "draft" : "register");
	regulator_worker_kick();
	return 0;
}

int api_complaint_register_reserved(struct request *r, const char *complaint_no,
				    int (*also)(struct db *d, void *arg, int64_t id), void *arg, json_t **out,
				    struct refusal *e)
{
	struct create_ctx c = {.r = r, .fixed_no = complaint_no, .also = also, .also_arg = arg};
	int rc = create_run(&c);
	if (rc != 0) {
		*e = c.err;
		return rc;
	}
	*out = view(r, c.result, &c.cfg);
	return 0;
}

int api_complaint_create(struct request *r)
{
	static const struct field_spec spec[] = {COMPLAINT_FIELDS, {"draft", F_BOOL, false, 0, 0, "暂存"}, {NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct create_ctx c = {.r = r, .draft = body_bool(r, "draft", false), .idem_key = req_header(r, "Idempotency-Key")};
	if (c.idem_key) {
		size_t n = strlen(c.idem_key);
		bool ok = n >= 1 && n <= 128;
		for (size_t i = 0; ok && i < n; i++)
			ok = c.idem_key[i] > 0x20 && c.idem_key[i] < 0x7f;
		if (!ok)
			return reply_error(r, 400, "invalid_field", "幂等键（Idempotency-Key）须为1～128个可见ASCII字符", "Idempotency-Key");
		char *canon = json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
		if (!canon)
			return reply_error(r, 500, "internal", "服务器内部错误", NULL);
		crypto_sha256_hex(canon, strlen(canon), c.idem_sha);
		free(canon);
	}
	int rc = create_run(&c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, "duplicate", "投诉编号冲突，请重试");
	if (c.replayed) { /* the retry of a registration that went through: the same answer */
		reply_json(r, 201, view(r, c.result, &c.cfg));
		reply_header(r, "Idempotent-Replayed", "true");
		return 0;
	}
	return reply_json(r, 201, view(r, c.result, &c.cfg));
}

/* ---- read ---- */

int api_complaint_get(struct request *r)
{
	struct complaint_settings cfg;
	json_t *rec;
	struct refusal e = {0};
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = fetch(r, r->db, req_arg_id(r, 0), &rec, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	return reply_json(r, 200, view(r, rec, &cfg));
}

static int64_t query_time(struct request *r, const char *key, bool end, bool *bad)
{
	const char *v = req_query(r, key);
	if (!v)
		return 0;
	int64_t ms;
	if (iso8601_parse(v, &ms) == 0)
		return ms;
	/* A plain date means the whole day in the bank's time zone. */
	int y, m, dd;
	char tail;
	if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3 && ymd_valid(y * 10000 + m * 100 + dd)) {
		int32_t ymd = y * 10000 + m * 100 + dd;
		return end ? ymd_end_ms(ymd, CN_TZ_OFFSET_MIN) + 1 : ymd_end_ms(ymd_add_days(ymd, -1), CN_TZ_OFFSET_MIN) + 1;
	}
	*bad = true;
	return 0;
}

/* Query-string filters shared by the list and the Excel export. The buffers in *fb hold the
 * blind indexes; *org (caller frees) the institution whose subtree was asked for. Returns 0, or
 * replies (400 / db error) and returns -1. */
void api_filter_bufs_free(struct filter_bufs *fb)
{
	json_decref(fb->org);
	json_decref(fb->complained_org);
	fb->org = fb->complained_org = NULL;
}

struct lookup_ctx {
	struct request *r;
	struct pii_lookup q;
	struct refusal err;
};

/* Commits the lookup's audit event also when the lookup is refused (the refusal is news). */
static int lookup_tx(struct db *d, void *arg)
{
	struct lookup_ctx *c = arg;
	c->err = (struct refusal){0};
	int rc = pii_lookup_admit(d, c->r->user, c->r->ip, &c->q, now_ms(), &c->err);
	return rc < 0 ? rc : 0;
}

int api_complaint_filter(struct request *r, struct complaint_filter *f, struct filter_bufs *fb)
{
	*f = (struct complaint_filter){
		.status = req_query(r, "status"),
		.q = req_query(r, "q"),
		.complaint_no = req_query(r, "complaint_no"),
		.source_channel = req_query(r, "source_channel"),
		.business_channel_code = req_query(r, "business_channel_code"),
		.business_type_code = req_query(r, "business_type_code"),
		.cause_code = req_query(r, "cause_code"),
		.tag = req_query(r, "tag"),
		.deadline_state = req_query(r, "deadline_state"),
		.region_code = req_query(r, "region_code"),
		.right = req_query(r, "right"),
	};
	fb->org = fb->complained_org = NULL;
	/* The store refuses values longer than its buffers (a 500); say it as the client's error. */
	static const char *const text_keys[] = {"status", "q", "complaint_no", "source_channel",
						"business_channel_code", "business_type_code", "cause_code",
						"tag", "deadline_state", "region_code", "right", NULL};
	for (int i = 0; text_keys[i]; i++) {
		const char *t = req_query(r, text_keys[i]);
		size_t chars = 0;
		for (; t && *t; t++)
			chars += ((unsigned char)*t & 0xC0) != 0x80;
		if (chars > 50)
			return reply_error(r, 400, "invalid_field", "筛选条件过长（最多50个字符）", text_keys[i]), -1;
	}
	bool bad = false;
	f->from = query_time(r, "from", false, &bad);
	f->to = query_time(r, "to", true, &bad);
	if (bad)
		return reply_error(r, 400, "invalid_field", "日期格式应为 YYYY-MM-DD 或带时区的ISO 8601时间", "from"), -1;
	const char *v;
	if ((v = req_query(r, "overdue")) && strcmp(v, "true") == 0)
		f->deadline_state = "overdue";
	if ((v = req_query(r, "mine")) && strcmp(v, "true") == 0)
		f->registrar_id = r->user->user_id;
	if ((v = req_query(r, "handler")) && strcmp(v, "me") == 0)
		f->handler_id = r->user->user_id;
	f->sort_by_due = (v = req_query(r, "sort")) && strcmp(v, "due") == 0;
	f->counted = (v = req_query(r, "counted")) && strcmp(v, "true") == 0;
	f->open = (v = req_query(r, "open")) && strcmp(v, "true") == 0;
	if ((v = req_query(r, "org_id"))) {
		int rc = store_org_get(r->db, strtoll(v, NULL, 10), &fb->org);
		if (rc < 0)
			return reply_db_error(r, rc), -1;
		if (rc == 0)
			return reply_error(r, 400, "invalid_field", "机构不存在", "org_id"), -1;
		f->org_path = json_string_value(json_object_get(fb->org, "path"));
	}
	if ((v = req_query(r, "complained_org_id"))) {
		int rc = store_org_get(r->db, strtoll(v, NULL, 10), &fb->complained_org);
		if (rc != 1) {
			api_filter_bufs_free(fb);
			return (rc < 0 ? reply_db_error(r, rc)
				       : reply_error(r, 400, "invalid_field", "被投诉机构不存在", "complained_org_id")),
			       -1;
		}
		f->complained_org_path = json_string_value(json_object_get(fb->complained_org, "path"));
	}
	/* Exact identity lookups go through blind indexes: the plaintext is never queried. */
	if (f->q) {
		int n = pii_blind_indexes(PII_NAME, f->q, fb->name_b);
		f->name_bidx = fb->name_b[0];
		f->name_bidx_alt = fb->name_b[n - 1];
	}
	struct lookup_ctx lk = {.r = r, .q = {.id_no = req_query(r, "id_no"), .phone = req_query(r, "phone")}};
	if (lk.q.id_no || lk.q.phone) { /* exact PII lookups: permission, limits, audit (H2) */
		int rc = store_write(lookup_tx, &lk);
		if (rc != 0 || lk.err.code) {
			api_filter_bufs_free(fb);
			return api_reply_tx_error(r, rc ? rc : 1, &lk.err, NULL, NULL), -1;
		}
	}
	if (lk.q.id_no) {
		int n = pii_blind_indexes(PII_ID_NO, lk.q.id_no, fb->id_b);
		f->id_no_bidx = fb->id_b[0];
		f->id_no_bidx_alt = fb->id_b[n - 1];
	}
	if (lk.q.phone) {
		int n = pii_blind_indexes(PII_PHONE, lk.q.phone, fb->phone_b);
		f->phone_bidx = fb->phone_b[0];
		f->phone_bidx_alt = fb->phone_b[n - 1];
	}
	return 0;
}

int api_complaint_list(struct request *r)
{
	struct complaint_filter f;
	struct filter_bufs fb;
	if (api_complaint_filter(r, &f, &fb) != 0)
		return 0;
	if (req_paging(r, &f.limit, &f.offset) != 0) {
		api_filter_bufs_free(&fb);
		return 0;
	}
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *items;
	int64_t total;
	bool capped = false;
	int rc = complaint_settings_get(r->db, &cfg);
	/* The report index counts in milliseconds what SQL counts in seconds (exact, no cap). */
	if (rc == 0 && (rc = report_list_count(r->db, &f, &sf, &total)) == 1)
		f.skip_count = true;
	if (rc >= 0)
		rc = store_complaint_list(r->db, &sf, &f, &items, &total, &capped);
	api_filter_bufs_free(&fb);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_t *out = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
		json_array_append_new(out, complaint_view_as(rec, r->user->perms, r->user->user_id, &cfg));
	json_decref(items);
	return reply_json(r, 200, json_pack("{s:o, s:I, s:b}", "items", out, "total", (json_int_t)total,
					    "total_capped", capped));
}

int api_complaint_timeline(struct request *r)
{
	json_t *rec, *items;
	struct refusal e = {0};
	int64_t id = req_arg_id(r, 0);
	int rc = fetch(r, r->db, id, &rec, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	json_decref(rec);
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)id);
	struct audit_filter f = {.target_type = "complaint", .target_id = tid, .oldest_first = true, .limit = 1000};
	int64_t total;
	if ((rc = store_audit_list(r->db, &f, &items, &total)) < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *ev;
	json_array_foreach(items, i, ev)
	{
		char iso[40];
		iso8601_format(json_integer_value(json_object_get(ev, "at")), CN_TZ_OFFSET_MIN, iso, sizeof iso);
		json_object_set_new(ev, "at", json_string(iso));
		json_object_del(ev, "hash");
	}
	audit_catalogue_label_rows(items);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

/* The complaint has news the regulator must hear: its 报送状态 is pending until the receipt. */
static void set_sync_pending(json_t *rec)
{
	json_object_set_new(rec, "sync_status", json_string("pending"));
}

/* ---- edit (drafts; re-coding of open complaints) ---- */

struct update_ctx {
	struct request *r;
	int64_t id, version;
	struct complaint_settings cfg;
	json_t *result;
	struct refusal err;
};

static int update_tx(struct db *d, void *arg)
{
	struct update_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	json_t *rec;
	int rc = fetch_for_change(r, d, c->id, c->version, &rec, &c->err);
	if (rc != 0)
		return rc;
	const char *status = json_string_value(json_object_get(rec, "status"));
	bool draft = strcmp(status, "draft") == 0;
	if (draft && json_integer_value(json_object_get(rec, "registrar_id")) != r->user->user_id)
		rc = refuse(&c->err, 403, "forbidden", "只能修改自己暂存的投诉单", NULL);
	else if (!draft && !wf_status_open(status))
		rc = refuse(&c->err, 409, "invalid_transition", "已办结、撤诉或删除的投诉单不能修改", NULL);
	else if (!(r->user->perms & (draft ? P_COMPLAINT_REGISTER : (P_COMPLAINT_HANDLE | P_COMPLAINT_REVIEW))))
		rc = refuse(&c->err, 403, "forbidden", "没有修改该投诉单的权限", NULL);
	if (rc != 0) {
		json_decref(rec);
		return rc;
	}
	json_t *before = json_deep_copy(rec);
	int64_t now = now_ms();
	rc = draft ? check_complained_org(r, d, &c->err) : 0;
	if (rc == 0)
		rc = complaint_apply_input(d, r->json, rec, &c->err);
	/* Out of draft, an edit must leave a complete record; the deadline follows new facts. */
	if (rc == 0 && !draft)
		rc = complaint_check_complete(d, rec, now, &c->err);
	if (rc == 0 && !draft) {
		rc = complaint_update_deadline(d, rec, &c->cfg, now);
		set_sync_pending(rec);
	}
	if (rc == 0)
		rc = save_next_version(d, rec, c->version, now, &c->err);
	if (rc == 0)
		rc = api_audit(r, d, draft ? "complaint.draft_update" : "complaint.update", "complaint", c->id, "ok",
			       complaint_diff(before, rec));
	/* Changed codes or facts go to the regulator with the change. */
	if (rc == 0 && !draft)
		rc = regulator_enqueue(d, rec, "updated", false, now);
	if (rc == 0 && !draft)
		rc = webhook_enqueue(d, rec, "complaint.updated", NULL, now);
	json_decref(before);
	json_decref(rec);
	if (rc != 0)
		return rc;
	rc = store_complaint_get(d, c->id, &c->result);
	return rc == 1 ? 0 : rc < 0 ? rc : DB_HARD;
}

int api_complaint_update(struct request *r)
{
	static const struct field_spec spec[] = {COMPLAINT_FIELDS, {"version", F_INT, true, 0, 0, "版本号"}, {NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct update_ctx c = {.r = r, .id = req_arg_id(r, 0), .version = body_int(r, "version", 0)};
	int rc = complaint_settings_get(r->db, &c.cfg);
	if (rc == 0)
		rc = store_write(update_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	publish(c.result, "update");
	regulator_worker_kick();
	return reply_json(r, 200, view(r, c.result, &c.cfg));
}

/* ---- workflow actions ---- */

/* Parameters each action takes besides "version". */
static const struct field_spec *action_spec(enum wf_action a)
{
#define V {"version", F_INT, true, 0, 0, "版本号"}
	static const struct field_spec only_version[] = {V, {NULL}};
	static const struct field_spec with_note[] = {V, {"note", F_STRING, false, 500, 0, "备注"}, {NULL}};
	static const struct field_spec with_reason[] = {V, {"reason", F_STRING, true, 500, 1, "原因"}, {NULL}};
	static const struct field_spec opt_reason[] = {V, {"reason", F_STRING, false, 500, 0, "原因"}, {NULL}};
	static const struct field_spec assign[] = {V, {"org_id", F_ID, false, 0, 0, "处理机构"},
						   {"user_id", F_ID, true, 0, 0, "处理人"}, {NULL}};
	static const struct field_spec transfer[] = {V, {"org_id", F_ID, true, 0, 0, "转办机构"},
						     {"reason", F_STRING, true, 500, 1, "转办原因"}, {NULL}};
	static const struct field_spec extend[] = {V, {"days", F_INT, true, 0, 0, "延期天数"},
						   {"reason", F_STRING, true, 500, 1, "延期原因"},
						   {"notified", F_BOOL, false, 0, 0, "已告知投诉人"}, {NULL}};
	static const struct field_spec reply[] = {V, {"result", F_STRING, true, 32, 1, "处理结果"},
						  {"reply_content", F_STRING, true, 4000, 1, "答复内容"},
						  {"compensation_fen", F_INT, false, 0, 0, "补偿金额"},
						  {"late_reason", F_STRING, false, 500, 0, "超过15日办结原因"}, {NULL}};
	static const struct field_spec merge[] = {V, {"into", F_ID, true, 0, 0, "合并到的投诉单"},
						  {"reason", F_STRING, false, 500, 0, "原因"}, {NULL}};
	static const struct field_spec callback[] = {V, {"satisfaction", F_STRING, true, 32, 1, "满意度"},
						     {"note", F_STRING, false, 1000, 0, "回访记录"}, {NULL}};
#undef V
	switch (a) {
	case WF_ASSIGN:
		return assign;
	case WF_TRANSFER:
		return transfer;
	case WF_EXTEND:
		return extend;
	case WF_REPLY:
		return reply;
	case WF_CALLBACK:
		return callback;
	case WF_PAUSE:
	case WF_REJECT_REPLY:
	case WF_REQUEST_DELETE:
	case WF_REJECT_EXTENSION:
	case WF_REJECT_DELETE:
		return with_reason;
	case WF_WITHDRAW_REQUEST:
		return opt_reason;
	case WF_RETURN:
	case WF_REOPEN:
	case WF_WITHDRAW:
		return opt_reason;
	case WF_MERGE:
		return merge;
	case WF_NEW_FACTS:
	case WF_REJECT_NEW_FACTS:
		return with_reason;
	case WF_APPROVE_EXTENSION:
	case WF_APPROVE_NEW_FACTS:
	case WF_APPROVE_REPLY:
	case WF_CLOSE:
		return with_note;
	default:
		return only_version;
	}
}

struct action_ctx {
	struct request *r;
	enum wf_action action;
	int64_t id, version;
	struct complaint_settings cfg;
	json_t *result;
	json_t *warnings;
	struct refusal err;
	bool via_oa; /* the OA's decision (api/integration.c): in-app approval rules do not apply */
};

static void set_int(json_t *rec, const char *k, int64_t v)
{
	json_object_set_new(rec, k, json_integer(v));
}

static void set_text(json_t *rec, const char *k, const char *v)
{
	json_object_set_new(rec, k, v ? json_string(v) : json_null());
}

/* Moves handling to an institution (and optionally a handler). */
static int hand_to(struct db *d, json_t *rec, int64_t org_id, struct refusal *e)
{
	json_t *org;
	int rc = store_org_get(d, org_id, &org);
	if (rc < 0)
		return rc;
	if (rc == 0 || strcmp(json_string_value(json_object_get(org, "status")), "active") != 0) {
		json_decref(org);
		return refuse(e, 400, "invalid_field", "处理机构不存在或已停用", "org_id");
	}
	set_int(rec, "handling_org_id", org_id);
	json_object_set(rec, "org_path", json_object_get(org, "path"));
	json_decref(org);
	return 0;
}

static int do_assign(struct action_ctx *c, struct db *d, json_t *rec)
{
	struct request *r = c->r;
	int64_t uid = body_int(r, "user_id", 0);
	struct principal who = {0};
	int rc = principal_load(d, uid, &who);
	if (rc < 0)
		return rc;
	if (rc == 0 || !(who.perms & P_COMPLAINT_HANDLE))
		return refuse(&c->err, 400, "invalid_field", "处理人不存在、已停用或没有投诉处理权限", "user_id");
	int64_t org = body_int(r, "org_id", who.org_id);
	if ((rc = hand_to(d, rec, org, &c->err)) != 0)
		return rc;
	const char *path = json_string_value(json_object_get(rec, "org_path"));
	/* Assigning hands work within one's own reach; elsewhere is a transfer (issue 11 L5). */
	if (!scope_allows(r->user, path, 0))
		return refuse(&c->err, 403, "forbidden", "不能分派到您数据范围以外的机构，请使用转办", "org_id");
	if (strncmp(who.org_path, path, strlen(path)) != 0)
		return refuse(&c->err, 400, "invalid_field", "处理人不属于该处理机构", "user_id");
	set_int(rec, "handler_id", uid);
	char msg[200];
	snprintf(msg, sizeof msg, "投诉单 %s 已分派给您处理", json_string_value(json_object_get(rec, "complaint_no")));
	return store_notification_insert(d, uid, c->id, "assigned", msg, NULL, now_ms());
}

/* Client numbers are range-checked before any arithmetic (STYLE: money <= 10^12 fen, days <= 366). */
#define MAX_COMPENSATION_FEN ((int64_t)1000000000000)
#define MAX_DAYS 366

static int do_extend(struct action_ctx *c, json_t *rec)
{
	struct request *r = c->r;
	int64_t days = body_int(r, "days", 0), allowed = json_integer_value(json_object_get(rec, "allowed_days"));
	int64_t count = json_integer_value(json_object_get(rec, "extension_count"));
	int64_t cap = count == 0 ? c->cfg.first_extension_max : c->cfg.second_extension_max;
	/* Range first: INT64_MAX days would pass the cap by overflowing the sum (issue 11 M5). */
	if (days < 1 || days > MAX_DAYS || allowed + days > cap)
		return refusef(&c->err, 400, "invalid_field", "days", "延期后总时限不能超过自收到投诉之日起%lld日（当前%lld日）",
			       (long long)cap, (long long)allowed);
	bool notified = body_bool(r, "notified", false);
	if (allowed + days > c->cfg.first_extension_max && !notified)
		return refuse(&c->err, 400, "invalid_field", "超过30日的延期须告知投诉人延期理由，请确认已告知", "notified");
	json_t *p = json_pack("{s:I, s:I, s:s, s:b, s:I, s:s}", "days", (json_int_t)days, "total",
			      (json_int_t)(allowed + days), "reason", body_str(r, "reason"), "notified", notified,
			      "requested_by", (json_int_t)r->user->user_id, "requested_by_name", r->user->name);
	char *text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	set_text(rec, "pending", "extension");
	set_text(rec, "pending_data", text);
	free(text);
	return 0;
}

static json_t *pending_data(json_t *rec)
{
	const char *t = json_string_value(json_object_get(rec, "pending_data"));
	return t ? json_loads(t, 0, NULL) : NULL;
}

static int do_approve_extension(struct action_ctx *c, json_t *rec)
{
	struct request *r = c->r;
	json_t *p = pending_data(rec);
	int64_t total = json_integer_value(json_object_get(p, "total"));
	json_decref(p);
	/* Beyond the first extension only head office (全行范围) may approve. */
	if (total > c->cfg.first_extension_max && r->user->scope != SCOPE_ALL)
		return refuse(&c->err, 403, "forbidden", "超过30日的延期须由总行消费者权益保护部门审批", NULL);
	set_int(rec, "allowed_days", total);
	set_int(rec, "extension_count", json_integer_value(json_object_get(rec, "extension_count")) + 1);
	set_text(rec, "pending", NULL);
	set_text(rec, "pending_data", NULL);
	return 0;
}

static int do_reply(struct action_ctx *c, json_t *rec, int64_t now)
{
	struct request *r = c->r;
	static const char *const results[] = {"accepted", "partially_accepted", "not_accepted", "explained", NULL};
	const char *result = body_str(r, "result");
	int i = 0;
	while (results[i] && strcmp(results[i], result) != 0)
		i++;
	if (!results[i])
		return refuse(&c->err, 400, "invalid_field",
			      "处理结果只能是 accepted（满足诉求）、partially_accepted（部分满足）、not_accepted（不予支持）或 explained（解释说明）",
			      "result");
	int64_t comp = body_int(r, "compensation_fen", 0);
	if (comp < 0 || comp > MAX_COMPENSATION_FEN)
		return refuse(&c->err, 400, "invalid_field", "补偿金额（分）不能为负数或超过10000000000元", "compensation_fen");
	/* Decided after the standard period (15 days from receipt): the reason is required. */
	int32_t start = ymd_from_ms(json_integer_value(json_object_get(rec, "clock_start_at")), CN_TZ_OFFSET_MIN);
	bool late = ymd_from_ms(now, CN_TZ_OFFSET_MIN) > ymd_add_days(start, c->cfg.standard_days);
	const char *late_reason = body_str(r, "late_reason");
	if (late && (!late_reason || !*late_reason))
		return refuse(&c->err, 400, "missing_field", "超过15日办结的投诉须填写超期原因", "late_reason");
	set_text(rec, "reply_result", result);
	set_text(rec, "reply_content", body_str(r, "reply_content"));
	set_int(rec, "compensation_fen", comp);
	set_text(rec, "late_reason", late_reason);
	set_int(rec, "replied_at", now);
	return 0;
}

/* A repeat of the same complaint during handling is merged into the open one (2020 rules): the
 * same complainant (ID number or phone), both still being handled. */
static int do_merge(struct action_ctx *c, struct db *d, json_t *rec, int64_t now)
{
	int64_t into = body_int(c->r, "into", 0);
	if (into == c->id)
		return refuse(&c->err, 400, "invalid_field", "不能合并到自身", "into");
	json_t *target;
	int rc = fetch(c->r, d, into, &target, &c->err);
	if (rc != 1)
		return rc == 0 ? refuse(&c->err, 400, "invalid_field", "要合并到的投诉单不存在或不在您的数据范围内", "into") : rc;
	const char *ts = json_string_value(json_object_get(target, "status"));
	bool open = wf_status_open(ts) && !json_is_integer(json_object_get(target, "merged_into"));
	const char *keys[] = {"id_no_bidx", "phone_bidx"};
	bool same = false;
	for (int i = 0; i < 2; i++) {
		const char *a = json_string_value(json_object_get(rec, keys[i]));
		const char *b = json_string_value(json_object_get(target, keys[i]));
		same |= a && b && !strcmp(a, b);
	}
	json_decref(target);
	if (!open)
		return refuse(&c->err, 409, "invalid_transition", "要合并到的投诉单已办结或已合并", "into");
	if (!same)
		return refuse(&c->err, 400, "invalid_field", "只能合并同一投诉人（证件号码或电话相同）的重复投诉", "into");
	set_int(rec, "merged_into", into);
	set_int(rec, "repeat_of", into);
	set_int(rec, "closed_at", now);
	complaint_add_tag(rec, "repeat");
	return 0;
}

/* A pending request rejected (驳回, reason required) or withdrawn by its requester (撤回): the
 * request is cleared; a rejection tells the requester why. The timeline entry is the audit event. */
static int end_request(struct action_ctx *c, struct db *d, json_t *rec, int64_t now)
{
	json_t *p = pending_data(rec);
	int64_t requester = json_integer_value(json_object_get(p, "requested_by"));
	json_decref(p);
	set_text(rec, "pending", NULL);
	set_text(rec, "pending_data", NULL);
	if (c->action == WF_WITHDRAW_REQUEST || requester <= 0)
		return 0;
	const char *what = c->action == WF_REJECT_DELETE ? "删除" : c->action == WF_REJECT_NEW_FACTS ? "重新计时" : "延期";
	const char *kind = c->action == WF_REJECT_DELETE	    ? "delete_rejected"
			   : c->action == WF_REJECT_NEW_FACTS ? "new_facts_rejected"
							      : "extension_rejected";
	char msg[800];
	snprintf(msg, sizeof msg, "投诉单 %s 的%s申请已被驳回：%s", json_string_value(json_object_get(rec, "complaint_no")),
		 what, body_str(c->r, "reason"));
	return store_notification_insert(d, requester, c->id, kind, msg, NULL, now);
}

static int apply_action(struct action_ctx *c, struct db *d, json_t *rec, struct wf_outcome *out, int64_t now)
{
	struct request *r = c->r;
	int rc = 0;
	switch (c->action) {
	case WF_SUBMIT:
		if (json_integer_value(json_object_get(rec, "registrar_id")) != r->user->user_id)
			return refuse(&c->err, 403, "forbidden", "只能提交自己暂存的投诉单", NULL);
		return register_complaint(r, d, rec, &c->cfg, now, &c->err);
	case WF_ASSIGN:
		return do_assign(c, d, rec);
	case WF_TRANSFER: {
		int64_t org = body_int(r, "org_id", 0);
		if (org == json_integer_value(json_object_get(rec, "handling_org_id")))
			return refuse(&c->err, 400, "invalid_field", "不能转办给当前处理机构", "org_id");
		if ((rc = hand_to(d, rec, org, &c->err)) != 0)
			return rc;
		set_text(rec, "handler_id", NULL);
		int64_t n = json_integer_value(json_object_get(rec, "transfer_count")) + 1;
		set_int(rec, "transfer_count", n);
		if (n > c->cfg.transfer_warn_after)
			json_array_append_new(c->warnings, json_sprintf("该投诉单已转办%lld次，超过%d次预警线", (long long)n,
									c->cfg.transfer_warn_after));
		return 0;
	}
	case WF_RETURN:
		set_text(rec, "handler_id", NULL);
		return 0;
	case WF_EXTEND:
		return do_extend(c, rec);
	case WF_APPROVE_EXTENSION:
		return do_approve_extension(c, rec);
	case WF_PAUSE:
		return store_pause_start(d, c->id, now, body_str(r, "reason"));
	case WF_RESUME:
		return store_pause_end(d, c->id, now);
	case WF_REPLY:
		return do_reply(c, rec, now);
	case WF_APPROVE_REPLY:
	case WF_CLOSE:
		if (!strcmp(out->status, "closed"))
			set_int(rec, "closed_at", now);
		return 0;
	case WF_REJECT_REPLY:
		set_text(rec, "replied_at", NULL);
		return 0;
	case WF_CALLBACK: {
		const char *s = body_str(r, "satisfaction");
		if (strcmp(s, "satisfied") && strcmp(s, "basically_satisfied") && strcmp(s, "unsatisfied"))
			return refuse(&c->err, 400, "invalid_field",
				      "满意度只能是 satisfied（满意）、basically_satisfied（基本满意）或 unsatisfied（不满意）",
				      "satisfaction");
		set_text(rec, "callback_satisfaction", s);
		set_text(rec, "callback_note", body_str(r, "note"));
		set_int(rec, "callback_at", now);
		if (!strcmp(s, "unsatisfied")) {
			out->status = "processing"; /* 不满意: handled again */
			set_text(rec, "replied_at", NULL);
		} else {
			set_int(rec, "closed_at", now);
		}
		return 0;
	}
	case WF_REOPEN:
		set_text(rec, "closed_at", NULL);
		set_text(rec, "replied_at", NULL);
		return 0;
	case WF_WITHDRAW:
		set_int(rec, "withdrawn_at", now);
		return 0;
	case WF_REQUEST_DELETE: {
		json_t *p = json_pack("{s:s, s:I, s:s}", "reason", body_str(r, "reason"), "requested_by",
				      (json_int_t)r->user->user_id, "requested_by_name", r->user->name);
		char *text = json_dumps(p, JSON_COMPACT);
		json_decref(p);
		set_text(rec, "pending", "delete");
		set_text(rec, "pending_data", text);
		free(text);
		return 0;
	}
	case WF_APPROVE_DELETE:
		set_int(rec, "deleted_at", now);
		set_text(rec, "pending", NULL);
		set_text(rec, "pending_data", NULL);
		return 0;
	case WF_REJECT_EXTENSION:
	case WF_REJECT_DELETE:
	case WF_REJECT_NEW_FACTS:
	case WF_WITHDRAW_REQUEST:
		return end_request(c, d, rec, now);
	case WF_MERGE:
		return do_merge(c, d, rec, now);
	case WF_NEW_FACTS: {
		/* New facts restart the period (2020 rules) — once a reviewer agrees: the handler whose
		 * deadline it is cannot reset it alone (issue 11 M4). */
		json_t *p = json_pack("{s:s, s:I, s:s}", "reason", body_str(r, "reason"), "requested_by",
				      (json_int_t)r->user->user_id, "requested_by_name", r->user->name);
		char *text = json_dumps(p, JSON_COMPACT);
		json_decref(p);
		set_text(rec, "pending", "new_facts");
		set_text(rec, "pending_data", text);
		free(text);
		return 0;
	}
	case WF_APPROVE_NEW_FACTS: /* not by the requester: wf_decide (four eyes) */
		set_int(rec, "clock_start_at", now);
		set_int(rec, "allowed_days", c->cfg.standard_days);
		set_int(rec, "extension_count", 0);
		set_int(rec, "clock_restarts", json_integer_value(json_object_get(rec, "clock_restarts")) + 1);
		set_text(rec, "pending", NULL);
		set_text(rec, "pending_data", NULL);
		return 0;
	case WF_SYNC:
		/* 手动同步: queued below (regulator_event_for), released at once whatever the schedule. */
		return 0;
	case WF_ACTION_COUNT:
		break;
	}
	return refuse(&c->err, 400, "invalid_action", "未知的操作", NULL);
}

static int action_tx(struct db *d, void *arg)
{
	struct action_ctx *c = arg;
	json_array_clear(c->warnings);
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	json_t *rec;
	int rc = fetch_for_change(r, d, c->id, c->version, &rec, &c->err);
	if (rc != 0)
		return rc;
	struct wf_state ws = {json_string_value(json_object_get(rec, "status")),
			      json_string_value(json_object_get(rec, "pending")),
			      strcmp(json_string_value(json_object_get(rec, "deadline_state")), "paused") == 0,
			      (int)json_integer_value(json_object_get(rec, "extension_count")),
			      complaint_pending_by(rec, r->user->user_id)};
	struct wf_settings wcfg = {c->cfg.review_step, c->cfg.callback_step};
	struct wf_outcome out;
	const char *why;
	int decided;
	json_t *before = NULL;
	int64_t now = now_ms();
	const char *event = NULL;
	if ((decided = wf_decide(&ws, c->action, &wcfg, &out, &why)) != 0)
		rc = decided == WF_REFUSED_FOUR_EYES	 ? refuse(&c->err, 403, "four_eyes", why, NULL)
		     : decided == WF_REFUSED_NOT_REQUESTER ? refuse(&c->err, 403, "forbidden", why, NULL)
							   : refuse(&c->err, 409, "invalid_transition", why, NULL);
	else if (!(out.perm_any & r->user->perms))
		rc = refuse(&c->err, 403, "forbidden", "没有执行该操作的权限", NULL);
	bool decides = c->action == WF_APPROVE_EXTENSION || c->action == WF_REJECT_EXTENSION ||
		       c->action == WF_APPROVE_DELETE || c->action == WF_REJECT_DELETE;
	if (rc == 0 && decides && !c->via_oa && (rc = oa_pending(d, c->id, now)) == 1)
		rc = refuse(&c->err, 409, "oa_pending", "该申请已提交行内OA审批，请在OA中审批；OA超时未答复后方可在本系统审批", NULL);
	if (rc == 0) {
		before = json_deep_copy(rec);
		rc = apply_action(c, d, rec, &out, now);
	}
	if (rc == 0) {
		event = regulator_event_for(c->action, json_string_value(json_object_get(before, "status")), out.status);
		set_text(rec, "status", out.status);
		rc = complaint_update_deadline(d, rec, &c->cfg, now);
		if (event)
			set_sync_pending(rec);
	}
	if (rc == 0)
		rc = save_next_version(d, rec, c->version, now, &c->err);
	if (rc == 0) {
		char action[64];
		snprintf(action, sizeof action, "complaint.%s", wf_action_name(c->action));
		json_t *detail = complaint_diff(before, rec);
		json_t *params = json_deep_copy(r->json);
		json_object_del(params, "version");
		json_object_set_new(detail, "params", params);
		if (c->action == WF_APPROVE_NEW_FACTS) { /* the timeline shows what the restart moved */
			char was[40] = "", is[40] = "";
			iso8601_format(json_integer_value(json_object_get(before, "due_at")), CN_TZ_OFFSET_MIN, was, sizeof was);
			iso8601_format(json_integer_value(json_object_get(rec, "due_at")), CN_TZ_OFFSET_MIN, is, sizeof is);
			json_object_set_new(detail, "clock_restart", json_pack("{s:s, s:s, s:I}", "old_due_at", was,
									      "new_due_at", is, "restarts",
									      json_integer_value(json_object_get(rec, "clock_restarts"))));
		}
		rc = api_audit(r, d, action, "complaint", c->id, "ok", detail);
	}
	/* Transactional outbox: the regulator's submission commits with the change or not at all. */
	if (rc == 0 && event)
		rc = regulator_enqueue(d, rec, event, c->action == WF_SYNC, now);
	if (rc == 0 && c->action != WF_SYNC) {
		char type[64];
		snprintf(type, sizeof type, "complaint.%s", wf_action_name(c->action));
		json_t *extra = c->via_oa ? json_pack("{s:s}", "decided_by", "oa") : NULL;
		rc = webhook_enqueue(d, rec, type, extra, now);
		json_decref(extra);
	}
	/* 延期 / 删除 requests go to the bank's OA when the settings say so (item 4). */
	if (rc == 0 && (c->action == WF_EXTEND || c->action == WF_REQUEST_DELETE)) {
		rc = oa_route_request(d, rec, c->action == WF_EXTEND ? "extension" : "delete", r->user->user_id, r->json, now);
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0 && c->action == WF_WITHDRAW_REQUEST)
		rc = oa_withdrawn(d, rec, now);
	json_decref(before);
	json_decref(rec);
	if (rc != 0)
		return rc;
	rc = store_complaint_get(d, c->id, &c->result);
	return rc == 1 ? 0 : rc < 0 ? rc : DB_HARD;
}

int api_complaint_action(struct request *r)
{
	int a = wf_action_from_name(r->args[1]);
	if (a < 0)
		return reply_error(r, 404, "not_found", "不支持的投诉操作", NULL);
	if (req_validate(r, action_spec((enum wf_action)a)) != 0)
		return 0;
	struct action_ctx c = {.r = r, .action = (enum wf_action)a, .id = req_arg_id(r, 0),
			       .version = body_int(r, "version", 0), .warnings = json_array()};
	int rc = complaint_settings_get(r->db, &c.cfg);
	if (rc == 0)
		rc = store_write(action_tx, &c);
	if (rc != 0) {
		json_decref(c.warnings);
		json_decref(c.result); /* left by a run whose batch then failed */
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	publish(c.result, wf_action_name(c.action));
	regulator_worker_kick();
	if (c.action == WF_ASSIGN) {
		json_t *note = json_pack("{s:O, s:O, s:s}", "complaint_id", json_object_get(c.result, "id"),
					 "complaint_no", json_object_get(c.result, "complaint_no"), "kind", "assigned");
		events_publish("notification", note, NULL, 0, json_integer_value(json_object_get(c.result, "handler_id")));
		json_decref(note);
	}
	json_t *v = view(r, c.result, &c.cfg);
	json_object_set_new(v, "warnings", c.warnings);
	return reply_json(r, 200, v);
}

int api_complaint_act_in_tx(struct request *r, struct db *d, const struct principal *as, int64_t id,
			    const char *action, json_t *params, json_t **result, struct refusal *e)
{
	*result = NULL;
	int a = wf_action_from_name(action);
	json_t *rec;
	int rc = a < 0 ? DB_HARD : store_complaint_get(d, id, &rec);
	if (rc != 1)
		return rc < 0 ? rc : refuse(e, 404, "not_found", "投诉单不存在", NULL);
	int64_t version = json_integer_value(json_object_get(rec, "version"));
	json_decref(rec);
	json_t *body = json_deep_copy(params);
	if (!body)
		return DB_HARD;
	json_object_set_new(body, "version", json_integer(version));
	struct principal *saved_user = r->user;
	json_t *saved_json = r->json;
	r->user = (struct principal *)as; /* read only, for the length of the action */
	r->json = body;
	struct action_ctx c = {.r = r, .action = (enum wf_action)a, .id = id, .version = version,
			       .warnings = json_array(), .via_oa = true};
	rc = complaint_settings_get(d, &c.cfg);
	if (rc == 0)
		rc = action_tx(d, &c);
	r->user = saved_user;
	r->json = saved_json;
	json_decref(body);
	json_decref(c.warnings);
	if (rc == 0)
		*result = c.result;
	else
		json_decref(c.result);
	if (rc > 0)
		*e = c.err;
	return rc;
}

/* ---- unmasking (pii.unmask), audited ---- */

struct unmask_ctx {
	struct request *r;
	int64_t id;
	json_t *identity;
	struct refusal err;
};

static int unmask_tx(struct db *d, void *arg)
{
	struct unmask_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->identity);
	c->identity = NULL;
	json_t *rec;
	int rc = fetch(c->r, d, c->id, &rec, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	/* pii.unmask, or the registrar of a draft reading back what they typed (still audited) */
	bool own_draft = strcmp(json_string_value(json_object_get(rec, "status")), "draft") == 0 &&
			 json_integer_value(json_object_get(rec, "registrar_id")) == c->r->user->user_id;
	if (!(c->r->user->perms & P_PII_UNMASK) && !own_draft) {
		json_decref(rec);
		return refuse(&c->err, 403, "forbidden", "没有查看完整个人信息的权限", NULL);
	}
	c->identity = complaint_identity(rec);
	json_decref(rec);
	if (!c->identity)
		return refuse(&c->err, 404, "not_found", "该投诉单没有可查看的投诉人信息", NULL);
	return api_audit(c->r, d, "complaint.unmask", "complaint", c->id, "ok",
			 json_pack("{s:s}", "fields", "name id_type id_no phone address"));
}

int api_complaint_identity(struct request *r)
{
	struct unmask_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(unmask_tx, &c);
	if (rc != 0) {
		json_decref(c.identity);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, c.identity);
}

/* ---- to-do and notifications ---- */

int api_todo(struct request *r)
{
	uint32_t p = r->user->perms;
	struct todo_query q = {
		.user_id = r->user->user_id,
		.org_id = r->user->org_id,
		.can_handle = (p & P_COMPLAINT_HANDLE) != 0,
		.can_review = (p & P_COMPLAINT_REVIEW) != 0,
		.can_approve_delete = (p & P_COMPLAINT_DELETE_APPROVE) != 0,
		.can_callback = (p & P_COMPLAINT_CALLBACK) != 0,
		.limit = 500,
	};
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *items;
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = store_todo_list(r->db, &sf, &q, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_t *out = json_array(), *counts = json_object();
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
	{
		const char *kind = json_string_value(json_object_get(rec, "todo_kind"));
		json_t *v = complaint_view_as(rec, p, r->user->user_id, &cfg);
		json_object_set_new(v, "todo_kind", json_string(kind));
		json_array_append_new(out, v);
		json_object_set_new(counts, kind, json_integer(json_integer_value(json_object_get(counts, kind)) + 1));
	}
	json_decref(items);
	return reply_json(r, 200, json_pack("{s:o, s:I, s:o}", "items", out, "total",
					    (json_int_t)json_array_size(out), "counts", counts));
}

int api_notification_list(struct request *r)
{
	json_t *items;
	int64_t unread;
	const char *u = req_query(r, "unread");
	int rc = store_notification_list(r->db, r->user->user_id, u && !strcmp(u, "true"), 50, &items, &unread);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "unread", (json_int_t)unread));
}

struct read_ctx {
	int64_t user_id, id, now;
};

static int read_tx(struct db *d, void *arg)
{
	const struct read_ctx *c = arg; /* no outputs: nothing to reset on a retry */
	int rc = store_notification_read(d, c->user_id, c->id, c->now);
	return rc < 0 ? rc : 0;
}

int api_notification_read(struct request *r)
{
	struct read_ctx c = {r->user->user_id, r->nargs ? req_arg_id(r, 0) : 0, now_ms()};
	int rc = store_write(read_tx, &c); /* a write: through the writer, never on r->db */
	if (rc != 0)
		return reply_db_error(r, rc < 0 ? rc : DB_HARD);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- closure form (结单打印): the data of the printable form of a closed complaint; every
 * print is audited. The title names the bank (bank_name.h). ---- */

struct print_ctx {
	struct request *r;
	int64_t id;
	json_t *rec, *bank;
	struct bank_name name;
	struct refusal err;
};

static int print_tx(struct db *d, void *arg)
{
	struct print_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->rec);
	json_decref(c->bank);
	c->rec = c->bank = NULL;
	int rc = fetch(c->r, d, c->id, &c->rec, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if (complaint_check_printable(c->rec, &c->err) != 0)
		return 1;
	int64_t root;
	if ((rc = store_org_root_id(d, &root)) < 0 || (rc == 1 && (rc = store_org_get(d, root, &c->bank)) < 0) ||
	    (rc = bank_name_get(d, &c->name)) < 0)
		return rc;
	return api_audit(c->r, d, "complaint.print", "complaint", c->id, "ok",
			 json_pack("{s:O}", "status", json_object_get(c->rec, "status")));
}

int api_complaint_print(struct request *r)
{
	struct print_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	struct complaint_settings cfg;
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = store_write(print_tx, &c);
	if (rc != 0) {
		json_decref(c.rec);
		json_decref(c.bank);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	json_t *body = json_pack("{s:o, s:o}", "complaint", view(r, c.rec, &cfg), "bank",
				 c.bank ? c.bank : json_null());
	char now[40];
	iso8601_format(now_ms(), CN_TZ_OFFSET_MIN, now, sizeof now);
	json_object_set_new(body, "bank_name", json_string(c.name.name));
	json_object_set_new(body, "printed_at", json_string(now));
	json_object_set_new(body, "printed_by", json_string(r->user->name));
	return reply_json(r, 200, body);
}

/* ---- who may be assigned (分派): handlers in the handling institution's subtree ---- */

int api_complaint_assignees(struct request *r)
{
	json_t *rec, *items, *org = NULL;
	struct refusal e = {0};
	int rc = fetch(r, r->db, req_arg_id(r, 0), &rec, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	const char *path = json_string_value(json_object_get(rec, "org_path"));
	const char *v = req_query(r, "org_id");
	if (v) { /* another institution, e.g. before a transfer — within the caller's scope */
		rc = store_org_get(r->db, strtoll(v, NULL, 10), &org);
		if (rc < 0) {
			json_decref(rec);
			return reply_db_error(r, rc);
		}
		if (rc == 0 || !scope_allows(r->user, json_string_value(json_object_get(org, "path")), 0)) {
			json_decref(rec);
			json_decref(org);
			return reply_error(r, 400, "invalid_field", "机构不存在或不在您的数据范围内", "org_id");
		}
		path = json_string_value(json_object_get(org, "path"));
	}
	rc = store_handlers_in_subtree(r->db, path ? path : "/", &items);
	json_decref(rec);
	json_decref(org);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
