/* The consumer channel (issue 16): 网上投诉 and 投诉进度查询 under /api/public/v1 (no staff
 * sign-in is ever read there; server.c keeps staff routes off that prefix and the public
 * origin), and the registrars' queue under /api/v1.
 *
 * The consumer's path: a proof-of-work challenge → an SMS code → a short session (an HttpOnly,
 * SameSite=Strict cookie scoped to /api/public/) → submit, upload photos or PDFs, or read the
 * progress, add information and rate. Whether a complaint number (or a phone) is known never
 * shows: a code is "sent" either way (only a real match gets an SMS), and every failed check of
 * a code answers the same words. Every step is audited. */
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/consumer.h"
#include "domain/filetype.h"
#include "domain/key_rotation.h"
#include "domain/pii.h"
#include "http/request.h"
#include "http/server.h"
#include "sms/sms.h"
#include "store/consumer.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COOKIE "fcms_h5"
#define CODE_INVALID "验证码错误或已失效，请重新获取"
#define FAILED_CODES_PER_IP_HOUR 30

static struct consumer_limits limits_of(struct request *r)
{
	const struct config *c = &r->app->cfg;
	return (struct consumer_limits){c->sms_code_ttl_s, c->sms_resend_s, c->sms_per_phone_hour,
					c->sms_per_ip_hour, c->sms_global_minute, c->sms_max_attempts, c->pow_bits};
}

static json_t *masked_phone(const char *phone)
{
	char m[32];
	pii_mask(PII_PHONE, phone, m, sizeof m);
	return json_string(m);
}

/* ---- meta and challenge ---- */

int api_public_meta(struct request *r)
{
	json_t *orgs;
	int rc = store_consumer_institutions(r->db, &orgs);
	if (rc != DB_OK)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o, s:o, s:i, s:i, s:i}", "business_types", consumer_business_types(),
					    "institutions", orgs, "code_ttl_s", r->app->cfg.sms_code_ttl_s,
					    "max_files", r->app->cfg.consumer_uploads, "max_file_mb",
					    r->app->cfg.consumer_upload_mb));
}

int api_public_challenge(struct request *r)
{
	char ch[128];
	consumer_challenge_new(now_ms(), ch, sizeof ch);
	return reply_json(r, 200, json_pack("{s:s, s:i}", "challenge", ch, "bits", r->app->cfg.pow_bits));
}

/* ---- SMS code ---- */

struct code_ctx {
	struct request *r;
	const char *purpose, *phone, *subject, *challenge;
	char bidx[33];
	struct refusal err;
};

static int code_tx(struct db *d, void *arg)
{
	struct code_ctx *c = arg;
	struct consumer_limits l = limits_of(c->r);
	int64_t now = now_ms();
	struct sms_counts counts;
	int rc = store_sms_counts(d, c->bidx, c->r->ip, now - 3600000, now - 60000, &counts);
	if (rc < 0)
		return rc;
	if ((rc = consumer_limit_check(&l, &counts, now, &c->err)) != 0)
		return rc;
	int known = 1;
	if (strcmp(c->purpose, "query") == 0 && (known = store_consumer_owns(d, c->subject, c->bidx)) < 0)
		return known;
	char code[7], hash[33];
	consumer_code_new(code);
	consumer_code_hash(c->bidx, code, hash);
	rc = store_sms_code_insert(d, c->purpose, c->bidx, c->subject, hash, c->r->ip, c->challenge, now,
				   now + (int64_t)l.code_ttl_s * 1000);
	if (rc == DB_CONSTRAINT)
		return refuse(&c->err, 400, "challenge_invalid", "安全校验已失效，请重试", "challenge");
	if (rc < 0)
		return rc;
	/* Only a real match gets a message; the reply is the same either way. */
	if (known) {
		json_t *params = json_pack("{s:s, s:i}", "code", code, "minutes", (l.code_ttl_s + 59) / 60);
		rc = params ? sms_enqueue(d, c->phone, SMS_CODE, params, now) : DB_HARD;
		json_decref(params);
		if (rc < 0)
			return rc;
	}
	crypto_wipe(code, sizeof code);
	return api_audit(c->r, d, "consumer.code_request", "consumer", 0, "ok",
			 json_pack("{s:s, s:o, s:s, s:b}", "purpose", c->purpose, "phone", masked_phone(c->phone),
				   "complaint_no", c->subject, "matched", known));
}

static int check_purpose(struct request *r, const char *purpose, const char *complaint_no)
{
	if (strcmp(purpose, "submit") != 0 && strcmp(purpose, "query") != 0)
		return reply_error(r, 400, "invalid_field", "用途只能是 submit（网上投诉）或 query（进度查询）", "purpose"), -1;
	if (strcmp(purpose, "query") == 0 && (!complaint_no || !*complaint_no))
		return reply_error(r, 400, "missing_field", "请填写投诉编号", "complaint_no"), -1;
	return 0;
}

static int check_phone(struct request *r, const char *phone)
{
	return consumer_phone_valid(phone) ? 0
					   : (reply_error(r, 400, "invalid_field", "请填写正确的11位手机号码", "phone"), -1);
}

int api_public_sms_code(struct request *r)
{
	static const struct field_spec spec[] = {
		{"purpose", F_STRING, true, 16, 1, "用途"},        {"phone", F_STRING, true, 11, 11, "手机号码"},
		{"complaint_no", F_STRING, false, 64, 0, "投诉编号"}, {"challenge", F_STRING, true, 127, 1, "安全校验"},
		{"nonce", F_STRING, true, 32, 1, "安全校验"},      {NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct code_ctx c = {.r = r, .purpose = body_str(r, "purpose"), .phone = body_str(r, "phone"),
			     .challenge = body_str(r, "challenge")};
	const char *no = body_str(r, "complaint_no");
	if (check_purpose(r, c.purpose, no) != 0 || check_phone(r, c.phone) != 0)
		return 0;
	c.subject = strcmp(c.purpose, "query") == 0 ? no : "";
	if (!consumer_challenge_check(c.challenge, body_str(r, "nonce"), r->app->cfg.pow_bits, now_ms()))
		return reply_error(r, 400, "challenge_invalid", "安全校验未通过，请重试", "challenge");
	if (key_rotation_blind_index(r->db, PII_PHONE, c.phone, c.bidx) != 0)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	int rc = store_write(code_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 202, json_pack("{s:b, s:i, s:i}", "sent", 1, "expires_in", r->app->cfg.sms_code_ttl_s,
					    "resend_after", r->app->cfg.sms_resend_s));
}

/* ---- session ---- */

struct session_ctx {
	struct request *r;
	const char *purpose, *subject, *code;
	char bidx[33], token[64], token_hash[65];
	bool ok;
	struct refusal err;
};

static int session_tx(struct db *d, void *arg)
{
	struct session_ctx *c = arg;
	c->ok = false;
	struct consumer_limits l = limits_of(c->r);
	int64_t now = now_ms(), failed;
	int rc = store_consumer_failures(d, c->r->ip, now - 3600000, &failed);
	if (rc < 0)
		return rc;
	if (failed >= FAILED_CODES_PER_IP_HOUR)
		return refuse(&c->err, 429, "too_many_attempts", "验证码错误次数过多，请一小时后再试", NULL);
	json_t *row = NULL;
	if ((rc = store_sms_code_latest(d, c->purpose, c->bidx, c->subject, &row)) < 0)
		return rc;
	bool match = consumer_code_matches(&l, row, c->bidx, c->code, now);
	int64_t id = row ? json_integer_value(json_object_get(row, "id")) : 0;
	json_decref(row);
	if (match && (rc = store_sms_code_use(d, id, now)) < 0)
		return rc;
	c->ok = match && rc == 1;
	if (!c->ok) {
		/* Counted, and committed: the reply is the refusal, not a rollback. */
		if ((id && (rc = store_sms_code_attempt(d, id)) < 0) ||
		    (rc = store_consumer_failure_add(d, c->r->ip, now)) < 0)
			return rc;
		return api_audit(c->r, d, "consumer.session_failed", "consumer", 0, "denied",
				 json_pack("{s:s, s:s}", "purpose", c->purpose, "complaint_no", c->subject));
	}
	crypto_random_token(c->token, 32);
	crypto_sha256_hex(c->token, strlen(c->token), c->token_hash);
	if ((rc = store_consumer_session_insert(d, c->token_hash, c->purpose, c->bidx, c->subject, now,
						now + (int64_t)c->r->app->cfg.consumer_session_minutes * 60000)) < 0)
		return rc;
	return api_audit(c->r, d, "consumer.session", "consumer", 0, "ok",
			 json_pack("{s:s, s:s}", "purpose", c->purpose, "complaint_no", c->subject));
}

static void set_cookie(struct request *r, const char *token, int max_age_s)
{
	char cookie[200];
	snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/api/public/; Max-Age=%d; HttpOnly; SameSite=Strict%s", token,
		 max_age_s, r->secure ? "; Secure" : "");
	reply_header(r, "Set-Cookie", cookie);
}

int api_public_session(struct request *r)
{
	static const struct field_spec spec[] = {
		{"purpose", F_STRING, true, 16, 1, "用途"},        {"phone", F_STRING, true, 11, 11, "手机号码"},
		{"complaint_no", F_STRING, false, 64, 0, "投诉编号"}, {"code", F_STRING, true, 6, 1, "验证码"},
		{NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct session_ctx c = {.r = r, .purpose = body_str(r, "purpose"), .code = body_str(r, "code")};
	const char *no = body_str(r, "complaint_no"), *phone = body_str(r, "phone");
	if (check_purpose(r, c.purpose, no) != 0 || check_phone(r, phone) != 0)
		return 0;
	c.subject = strcmp(c.purpose, "query") == 0 ? no : "";
	if (key_rotation_blind_index(r->db, PII_PHONE, phone, c.bidx) != 0)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	int rc = store_write(session_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	if (!c.ok)
		return reply_error(r, 400, "code_invalid", CODE_INVALID, "code");
	reply_json(r, 200, json_pack("{s:s, s:i}", "purpose", c.purpose, "expires_in",
				     r->app->cfg.consumer_session_minutes * 60));
	set_cookie(r, c.token, r->app->cfg.consumer_session_minutes * 60);
	return 0;
}

/* The caller's live session: 1 with *s ({purpose, phone_bidx, complaint_no, uploads}) and its
 * token hash, or replies 401 and returns 0 (negative: replied with a db error). */
static int session_of(struct request *r, const char *purpose, json_t **s, char hash[65])
{
	const char *tok = req_cookie(r, COOKIE);
	*s = NULL;
	if (tok && strlen(tok) < 100) {
		crypto_sha256_hex(tok, strlen(tok), hash);
		int rc = store_consumer_session_get(r->db, hash, now_ms(), s);
		if (rc < 0)
			return reply_db_error(r, rc), rc;
	}
	const char *p = *s ? json_string_value(json_object_get(*s, "purpose")) : NULL;
	if (p && (!purpose || strcmp(p, purpose) == 0))
		return 1;
	json_decref(*s);
	*s = NULL;
	reply_error(r, 401, "session_required", "请先获取并填写短信验证码", NULL);
	return 0;
}

static int end_tx(struct db *d, void *arg)
{
	return store_consumer_session_end(d, arg);
}

int api_public_session_end(struct request *r)
{
	json_t *s;
	char hash[65];
	if (session_of(r, NULL, &s, hash) != 1)
		return 0;
	json_decref(s);
	int rc = store_write(end_tx, hash);
	if (rc != 0)
		return reply_db_error(r, rc);
	reply_json(r, 200, json_pack("{s:b}", "ok", 1));
	set_cookie(r, "", 0);
	return 0;
}

/* ---- submit ---- */

struct submit_ctx {
	struct request *r;
	const char *phone, *token_hash;
	json_t *sub; /* the row to insert, built before */
	char prefix[64], number[96];
	struct refusal err;
};

static int submit_tx(struct db *d, void *arg)
{
	struct submit_ctx *c = arg;
	int64_t seq, id;
	int rc = store_complaint_next_no(d, c->prefix, &seq);
	if (rc < 0)
		return rc;
	snprintf(c->number, sizeof c->number, "%s-%05lld", c->prefix, (long long)seq);
	json_object_set_new(c->sub, "complaint_no", json_string(c->number));
	if ((rc = store_submission_insert(d, c->sub, &id)) < 0 ||
	    (rc = store_consumer_session_set_no(d, c->token_hash, c->number)) < 0)
		return rc;
	json_t *params = json_pack("{s:s}", "complaint_no", c->number);
	rc = params ? sms_enqueue(d, c->phone, SMS_COMPLAINT_NO, params, now_ms()) : DB_HARD;
	json_decref(params);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, "consumer.submit", "consumer", id, "ok",
			 json_pack("{s:s, s:O, s:O}", "complaint_no", c->number, "complained_org_id",
				   json_object_get(c->sub, "complained_org_id"), "business_type_code",
				   json_object_get(c->sub, "business_type_code")));
}

/* The identity and text a consumer typed, checked by the intake's own rules (formats of the
 * ID number, lengths) against a scratch record. The intake wipes the identity it was given, so
 * it gets a copy. 0, or replied and -1. */
static int check_input(struct request *r, json_t *complainant)
{
	json_t *input = json_pack("{s:o, s:s, s:s, s:s}", "complainant", json_deep_copy(complainant), "source_channel", "internet",
				  "content", body_str(r, "content"), "demand", body_str(r, "demand"));
	json_t *scratch = json_object();
	struct refusal e = {0};
	int rc = input && scratch ? complaint_apply_input(r->db, input, scratch, &e) : DB_HARD;
	json_decref(input);
	json_decref(scratch);
	if (rc == 0)
		return 0;
	api_reply_tx_error(r, rc, &e, NULL, NULL);
	return -1;
}

/* The session's checks before a submission: a session for "submit" not used yet, fields of the
 * right shape, the phone the code went to (its blind index into bidx). 0, or replied and -1. */
static int submit_session(struct request *r, char hash[65], char bidx[33])
{
	static const struct field_spec spec[] = {
		{"name", F_STRING, true, 50, 1, "姓名"},
		{"id_type", F_STRING, false, 4, 1, "证件类型"},
		{"id_no", F_STRING, true, 32, 1, "证件号码"},
		{"phone", F_STRING, true, 11, 11, "手机号码"},
		{"complained_org_id", F_ID, true, 0, 0, "被投诉机构"},
		{"business_type", F_STRING, true, 32, 1, "业务类型"},
		{"content", F_STRING, true, 4000, 10, "投诉内容"},
		{"demand", F_STRING, true, 2000, 1, "投诉诉求"},
		{NULL}};
	json_t *s;
	if (session_of(r, "submit", &s, hash) != 1)
		return -1;
	const char *phone = json_string_value(json_object_get(r->json, "phone"));
	if (key_rotation_blind_index(r->db, PII_PHONE, phone ? phone : "", bidx) != 0) {
		json_decref(s);
		return reply_error(r, 500, "internal", "服务器内部错误", NULL), -1;
	}
	bool used = json_string_length(json_object_get(s, "complaint_no")) > 0;
	bool same_phone = crypto_str_equal(bidx, json_string_value(json_object_get(s, "phone_bidx")));
	json_decref(s);
	if (req_validate(r, spec) != 0)
		return -1;
	if (!same_phone)
		return reply_error(r, 403, "phone_mismatch", "手机号码与接收验证码的号码不一致", "phone"), -1;
	if (used)
		return reply_error(r, 409, "already_submitted", "本次验证已提交过投诉；如需再次投诉，请重新获取验证码", NULL), -1;
	return 0;
}

/* The active institution the consumer complains about into *org (caller decrefs). 0, or
 * replied and -1. */
static int submit_org(struct request *r, json_t **org)
{
	*org = NULL;
	int rc = store_org_get(r->db, body_int(r, "complained_org_id", 0), org);
	if (rc < 0)
		return reply_db_error(r, rc), -1;
	const char *st = rc == 1 ? json_string_value(json_object_get(*org, "status")) : NULL;
	if (!st || strcmp(st, "active") != 0) {
		json_decref(*org);
		*org = NULL;
		return reply_error(r, 400, "invalid_field", "请选择被投诉的银行网点或机构", "complained_org_id"), -1;
	}
	return 0;
}

/* The submission row: the identity who sealed (never stored in clear), its masked form, the
 * institution and the text. NULL when out of memory or the identity cannot be sealed. */
static json_t *submission_row(struct request *r, json_t *who, json_t *org, const char *bidx, const char *btype,
			      int64_t now)
{
	const char *phone = json_string_value(json_object_get(who, "phone"));
	/* Sealed under the database's current key (a profile move may have changed it since start),
	 * and the phone indexed in the seal's key family. */
	char kid[PII_KEY_ID_SIZE] = "", sbidx[33];
	char *text = json_dumps(who, JSON_COMPACT), *sealed = text ? key_rotation_seal(r->db, text, kid) : NULL;
	if (!sealed || pii_blind_index_for(kid, PII_PHONE, phone, sbidx) != 0)
		snprintf(sbidx, sizeof sbidx, "%s", bidx);
	char mname[64];
	pii_mask(PII_NAME, body_str(r, "name"), mname, sizeof mname);
	json_t *sub = json_pack("{s:I, s:s, s:O, s:O, s:s*, s:s, s:s?, s:{s:s, s:o}, s:s, s:s, s:s}", "received_at",
				(json_int_t)now, "phone_bidx", sbidx, "complained_org_id", json_object_get(org, "id"),
				"org_path", json_object_get(org, "path"), "business_type_code", *btype ? btype : NULL,
				"key_id", kid, "identity", sealed, "masked", "name", mname, "phone",
				masked_phone(phone), "content", body_str(r, "content"), "demand", body_str(r, "demand"),
				"ip", r->ip);
	if (text) {
		crypto_wipe(text, strlen(text));
		free(text);
	}
	free(sealed);
	if (!sub || !json_is_string(json_object_get(sub, "identity"))) {
		json_decref(sub);
		return NULL;
	}
	char *m = json_dumps(json_object_get(sub, "masked"), JSON_COMPACT);
	json_object_set_new(sub, "masked", json_string(m ? m : "{}"));
	free(m);
	return sub;
}

int api_public_submit(struct request *r)
{
	char hash[65], bidx[33];
	if (submit_session(r, hash, bidx) != 0)
		return 0;
	const char *btype;
	if (!consumer_business_code(body_str(r, "business_type"), &btype))
		return reply_error(r, 400, "invalid_field", "请选择业务类型", "business_type");
	const char *phone = body_str(r, "phone");
	json_t *who = json_pack("{s:s, s:s, s:s, s:s}", "name", body_str(r, "name"), "id_type",
				body_has(r, "id_type") ? body_str(r, "id_type") : "01", "id_no", body_str(r, "id_no"),
				"phone", phone);
	json_t *org = NULL;
	if (!who || check_input(r, who) != 0) {
		json_decref(who);
		return r->done ? 0 : reply_error(r, 500, "internal", "服务器内部错误", NULL);
	}
	if (submit_org(r, &org) != 0) {
		json_decref(who);
		return 0;
	}
	struct submit_ctx c = {.r = r, .phone = phone, .token_hash = hash};
	int64_t now = now_ms();
	snprintf(c.prefix, sizeof c.prefix, "%s-%08d", json_string_value(json_object_get(org, "internal_code")),
		 (int)ymd_from_ms(now, CN_TZ_OFFSET_MIN));
	c.sub = submission_row(r, who, org, bidx, btype, now);
	json_decref(who);
	json_decref(org);
	int rc = c.sub ? store_write(submit_tx, &c) : DB_HARD;
	json_decref(c.sub);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, "duplicate", "投诉编号冲突，请重试");
	char at[40];
	iso8601_format(now, CN_TZ_OFFSET_MIN, at, sizeof at);
	return reply_json(r, 201, json_pack("{s:s, s:s, s:s}", "complaint_no", c.number, "received_at", at,
					    "status_text", "已收到，等待银行工作人员登记"));
}

/* ---- files (photos and PDFs) ---- */

struct file_ctx {
	struct request *r;
	const char *token_hash, *complaint_no, *name, *mime, *storage;
	char sha[65];
	int64_t id;
	struct refusal err;
};

static int file_tx(struct db *d, void *arg)
{
	struct file_ctx *c = arg;
	int rc = store_consumer_session_upload(d, c->token_hash, c->r->app->cfg.consumer_uploads);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(&c->err, 429, "too_many_files", "上传的文件数量已达上限", NULL);
	if ((rc = store_consumer_file_insert(d, c->complaint_no, c->name, c->mime, (int64_t)c->r->body_len, c->sha,
					     c->storage, now_ms(), &c->id)) < 0)
		return rc;
	return api_audit(c->r, d, "consumer.file", "consumer", c->id, "ok",
			 json_pack("{s:s, s:s, s:s, s:I, s:s}", "complaint_no", c->complaint_no, "name", c->name, "mime",
				   c->mime, "size", (json_int_t)c->r->body_len, "sha256", c->sha));
}

static bool consumer_mime(const char *mime)
{
	return mime && (!strcmp(mime, "image/jpeg") || !strcmp(mime, "image/png") || !strcmp(mime, "application/pdf"));
}

int api_public_file(struct request *r)
{
	json_t *s;
	char hash[65];
	if (session_of(r, NULL, &s, hash) != 1)
		return 0;
	char no[96];
	snprintf(no, sizeof no, "%s", json_string_value(json_object_get(s, "complaint_no")));
	json_decref(s);
	if (!no[0])
		return reply_error(r, 409, "submit_first", "请先提交投诉，再上传材料", NULL);
	const char *name = req_query(r, "name");
	if (!name || !*name || strlen(name) > 200 || strpbrk(name, "/\\\"") || name[0] == '.')
		return reply_error(r, 400, "invalid_field", "文件名不正确", "name");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			return reply_error(r, 400, "invalid_field", "文件名不正确", "name");
	if (r->body_len == 0)
		return reply_error(r, 400, "missing_field", "文件内容为空", NULL);
	const char *mime = filetype_sniff((const unsigned char *)r->body, r->body_len, name);
	if (!consumer_mime(mime) || !filetype_name_matches(mime, name))
		return reply_error(r, 415, "file_type_not_allowed", "只能上传照片（JPG、PNG）或 PDF 文件", NULL);
	char storage[40], path[800];
	crypto_random_token(storage, 24);
	struct file_ctx c = {.r = r, .token_hash = hash, .complaint_no = no, .name = name, .mime = mime, .storage = storage};
	crypto_sha256_hex(r->body, r->body_len, c.sha);
	if (api_attachment_write(r, storage, path, sizeof path) != 0) {
		log_error("req=%s cannot store a consumer file: %s", r->id, strerror(errno));
		return reply_error(r, 500, "internal", "文件保存失败", NULL);
	}
	int rc = store_write(file_tx, &c);
	if (rc != 0) {
		unlink(path);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 201, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)c.id, "name", name, "size",
					    (json_int_t)r->body_len));
}

/* ---- progress, 补充材料, rating ---- */

/* The complaint (or waiting submission) of a query session: 1 with *rec / *sub (either may be
 * NULL, not both), 0 after replying. */
static int query_target(struct request *r, char hash[65], char no[96], json_t **rec, json_t **sub)
{
	json_t *s;
	*rec = *sub = NULL;
	if (session_of(r, "query", &s, hash) != 1)
		return 0;
	snprintf(no, 96, "%s", json_string_value(json_object_get(s, "complaint_no")));
	char bidx[33];
	snprintf(bidx, sizeof bidx, "%s", json_string_value(json_object_get(s, "phone_bidx")));
	json_decref(s);
	int64_t id;
	int rc = store_consumer_complaint_id(r->db, no, bidx, &id);
	if (rc == 1)
		rc = store_complaint_get(r->db, id, rec);
	if (rc >= 0)
		rc = store_submission_by_no(r->db, no, sub);
	if (rc < 0) {
		json_decref(*rec);
		json_decref(*sub);
		return reply_db_error(r, rc), 0;
	}
	if (*rec || *sub)
		return 1;
	return reply_error(r, 401, "session_required", "请先获取并填写短信验证码", NULL), 0;
}

int api_public_progress(struct request *r)
{
	char hash[65], no[96];
	json_t *rec, *sub, *msgs = NULL, *org = NULL;
	if (query_target(r, hash, no, &rec, &sub) != 1)
		return 0;
	int rc = store_consumer_messages(r->db, no, &msgs);
	int64_t hid = rec ? json_integer_value(json_object_get(rec, "handling_org_id")) : 0;
	if (rc >= 0 && hid)
		rc = store_org_get(r->db, hid, &org);
	json_t *v = rc >= 0 ? consumer_progress(sub, rec, org ? json_string_value(json_object_get(org, "name")) : NULL, msgs)
			    : NULL;
	json_t *files = NULL;
	if (v && store_consumer_files(r->db, no, &files) == DB_OK) {
		size_t i;
		json_t *f;
		json_array_foreach(files, i, f) {
			json_object_del(f, "sha256");
			json_object_del(f, "mime");
		}
		json_object_set_new(v, "files", files);
	}
	json_decref(rec);
	json_decref(sub);
	json_decref(msgs);
	json_decref(org);
	return v ? reply_json(r, 200, v) : reply_db_error(r, rc < 0 ? rc : DB_HARD);
}

struct note_ctx {
	struct request *r;
	const char *no, *kind, *content, *satisfaction;
	struct refusal err;
};

static int note_tx(struct db *d, void *arg)
{
	struct note_ctx *c = arg;
	int rc = store_consumer_message_insert(d, c->no, c->kind, c->content, c->satisfaction, now_ms());
	if (rc == DB_CONSTRAINT)
		return refuse(&c->err, 409, "already_rated", "您已评价过本次处理", NULL);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, strcmp(c->kind, "rating") == 0 ? "consumer.rating" : "consumer.supplement",
			 "consumer", 0, "ok",
			 json_pack("{s:s, s:s?, s:I}", "complaint_no", c->no, "satisfaction", c->satisfaction, "length",
				   (json_int_t)strlen(c->content)));
}

static int add_note(struct request *r, const char *kind)
{
	static const struct field_spec supp[] = {{"content", F_STRING, true, 2000, 1, "补充内容"}, {NULL}};
	static const struct field_spec rate[] = {{"satisfaction", F_STRING, true, 32, 1, "满意度"},
						 {"note", F_STRING, false, 500, 0, "意见"}, {NULL}};
	bool rating = strcmp(kind, "rating") == 0;
	char hash[65], no[96];
	json_t *rec, *sub;
	if (query_target(r, hash, no, &rec, &sub) != 1)
		return 0;
	bool may_rate = consumer_may_rate(rec);
	json_decref(rec);
	json_decref(sub);
	if (req_validate(r, rating ? rate : supp) != 0)
		return 0;
	struct note_ctx c = {.r = r, .no = no, .kind = kind};
	if (rating) {
		c.satisfaction = body_str(r, "satisfaction");
		c.content = body_has(r, "note") ? body_str(r, "note") : "";
		if (!consumer_satisfaction_valid(c.satisfaction))
			return reply_error(r, 400, "invalid_field", "请选择满意、基本满意或不满意", "satisfaction");
		if (!may_rate)
			return reply_error(r, 409, "not_replied", "银行答复后才能评价", NULL);
	} else {
		c.content = body_str(r, "content");
	}
	int rc = store_write(note_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 201, json_pack("{s:b}", "ok", 1));
}

int api_public_supplement(struct request *r)
{
	return add_note(r, "supplement");
}

int api_public_rating(struct request *r)
{
	return add_note(r, "rating");
}
