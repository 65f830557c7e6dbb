/* The consumer channel's rules (see consumer.h). */
#include "domain/consumer.h"
#include "domain/complaint.h"
#include "domain/pii.h"
#include "domain/vocabulary.h"
#include "store/consumer.h"
#include "util/crypto.h"
#include "util/iso8601.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHALLENGE_TTL_MS (10 * 60 * 1000)

bool consumer_phone_valid(const char *p)
{
	if (!p || strlen(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9')
		return false;
	return strspn(p, "0123456789") == 11;
}

void consumer_code_new(char out[7])
{
	snprintf(out, 7, "%06u", crypto_random_uniform(1000000));
}

void consumer_code_hash(const char *phone_bidx, const char *code, char out[33])
{
	char buf[128];
	snprintf(buf, sizeof buf, "sms-code:%s:%s", phone_bidx, code);
	pii_blind_index(PII_NAME, buf, out);
	crypto_wipe(buf, sizeof buf);
}

static void challenge_mac(const char *payload, size_t len, char out[33])
{
	char buf[96];
	snprintf(buf, sizeof buf, "pow:%.*s", (int)len, payload);
	pii_blind_index(PII_NAME, buf, out);
}

void consumer_challenge_new(int64_t now, char *out, size_t n)
{
	char rnd[32], mac[33];
	crypto_random_token(rnd, 12);
	int len = snprintf(out, n, "%lld.%s", (long long)(now + CHALLENGE_TTL_MS), rnd);
	challenge_mac(out, (size_t)len, mac);
	snprintf(out + len, n - (size_t)len, ".%s", mac);
}

bool consumer_challenge_check(const char *ch, const char *nonce, int bits, int64_t now)
{
	if (!ch || !nonce || strlen(ch) > 95 || strlen(nonce) > 32 || !*nonce)
		return false;
	const char *dot = strrchr(ch, '.');
	if (!dot || strlen(dot + 1) != 32)
		return false;
	char mac[33];
	challenge_mac(ch, (size_t)(dot - ch), mac);
	if (!crypto_str_equal(mac, dot + 1) || strtoll(ch, NULL, 10) < now)
		return false;
	char buf[160];
	int len = snprintf(buf, sizeof buf, "%s:%s", ch, nonce);
	unsigned char h[32];
	crypto_sha256(buf, (size_t)len, h);
	for (int i = 0; i < bits; i++)
		if (h[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int consumer_limit_check(const struct consumer_limits *l, const struct sms_counts *c, int64_t now,
			 struct refusal *e)
{
	if (c->global >= l->global_minute)
		return refuse(e, 429, "sms_busy", "验证码发送繁忙，请稍后再试", NULL);
	if (c->ip >= l->per_ip_hour)
		return refuse(e, 429, "sms_rate_limited", "获取验证码过于频繁，请一小时后再试", NULL);
	if (c->phone >= l->per_phone_hour)
		return refuse(e, 429, "sms_rate_limited", "该手机号获取验证码过于频繁，请一小时后再试", "phone");
	if (c->phone_last_at && now - c->phone_last_at < (int64_t)l->resend_s * 1000)
		return refuse(e, 429, "sms_resend_wait", "验证码已发送，请稍后再重新获取", "phone");
	return 0;
}

bool consumer_code_matches(const struct consumer_limits *l, json_t *row, const char *phone_bidx,
			   const char *code, int64_t now)
{
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6) {
		code = "------"; /* still hashed, so a malformed entry costs the same */
	}
	char h[33];
	consumer_code_hash(phone_bidx, code, h);
	const char *stored = row ? json_string_value(json_object_get(row, "code_hash")) : NULL;
	bool same = crypto_str_equal(h, stored ? stored : "00000000000000000000000000000000");
	return row && same && json_is_null(json_object_get(row, "used_at")) &&
	       json_integer_value(json_object_get(row, "expires_at")) > now &&
	       json_integer_value(json_object_get(row, "attempts")) < l->max_attempts;
}

static const struct {
	const char *key, *label, *code;
} business[] = {
	{"deposit", "存款、取款", "B01"},
	{"loan", "贷款", "B02"},
	{"debit_card", "借记卡（储蓄卡）", "B0301"},
	{"credit_card", "信用卡", "B0302"},
	{"wealth", "理财产品", "B04"},
	{"payment", "转账汇款、账户、手机银行支付", "B05"},
	{"cash", "现金、零钱兑换", "B06"},
	{"forex", "外汇", "B07"},
	{"personal_info", "个人信息、征信", "B09"},
	{"other", "其他（由银行工作人员分类）", ""},
};

json_t *consumer_business_types(void)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < sizeof business / sizeof business[0]; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "key", business[i].key, "label",
						   business[i].label, "code", business[i].code));
	return a;
}

int consumer_business_code(const char *key, const char **code)
{
	for (size_t i = 0; key && i < sizeof business / sizeof business[0]; i++)
		if (strcmp(key, business[i].key) == 0) {
			*code = business[i].code;
			return 1;
		}
	return 0;
}

static const char *status_words(const char *st)
{
	static const struct {
		const char *status, *words;
	} w[] = {
		{"registered", "已登记，正在安排处理"}, {"processing", "正在处理"},
		{"reviewing", "处理结果审核中"},       {"replied", "已答复"},
		{"closed", "已办结"},                 {"withdrawn", "已撤回"},
	};
	for (size_t i = 0; st && i < sizeof w / sizeof w[0]; i++)
		if (strcmp(st, w[i].status) == 0)
			return w[i].words;
	return "正在处理";
}

static json_t *when(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char buf[40];
	iso8601_format(ms, CN_TZ_OFFSET_MIN, buf, sizeof buf);
	return json_string(buf);
}

static void milestone(json_t *a, const char *key, const char *label, bool done, int64_t at)
{
	json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:o}", "key", key, "label", label, "done", done,
					   "at", when(done ? at : 0)));
}

static int64_t geti(json_t *o, const char *k)
{
	return o ? json_integer_value(json_object_get(o, k)) : 0;
}

static bool status_in(const char *st, const char *const *set)
{
	for (; st && *set; set++)
		if (strcmp(st, *set) == 0)
			return true;
	return false;
}

bool consumer_may_rate(json_t *rec)
{
	static const char *const ok[] = {"replied", "closed", NULL};
	return rec && status_in(json_string_value(json_object_get(rec, "status")), ok);
}

bool consumer_satisfaction_valid(const char *s)
{
	return vocab_known(VOCAB_SATISFACTION, s);
}

json_t *consumer_progress(json_t *sub, json_t *rec, const char *handling_org, json_t *messages)
{
	const char *st = rec ? json_string_value(json_object_get(rec, "status")) : NULL;
	static const char *const assigned[] = {"processing", "reviewing", "replied", "closed", NULL};
	static const char *const answered[] = {"replied", "closed", NULL};
	int64_t received = rec ? geti(rec, "received_at") : geti(sub, "received_at");
	json_t *ms = json_array();
	milestone(ms, "received", "已收到投诉", true, received);
	milestone(ms, "registered", "已登记", rec != NULL, geti(rec, "registered_at"));
	/* No time for this one: the assignment's moment lives in the staff's timeline only. */
	milestone(ms, "assigned", status_in(st, assigned) ? "已转交处理机构" : "转交处理机构", status_in(st, assigned), 0);
	milestone(ms, "replied", "已答复", status_in(st, answered), geti(rec, "replied_at"));
	milestone(ms, "closed", "已办结", st && strcmp(st, "closed") == 0, geti(rec, "closed_at"));
	json_t *v = json_pack("{s:s, s:s, s:o, s:o, s:o}", "complaint_no",
			      json_string_value(json_object_get(rec ? rec : sub, "complaint_no")), "status_text",
			      rec ? status_words(st) : "已收到，等待银行工作人员登记", "received_at", when(received),
			      "due_at", when(rec ? geti(rec, "due_at") : 0), "milestones", ms);
	if (handling_org && status_in(st, assigned))
		json_object_set_new(v, "handling_org", json_string(handling_org));
	if (status_in(st, answered)) {
		json_t *reply = json_pack("{s:s?, s:o}", "content", json_string_value(json_object_get(rec, "reply_content")),
					  "at", when(geti(rec, "replied_at")));
		json_object_set_new(v, "reply", reply);
	}
	json_t *supp = json_array(), *rating = json_null();
	size_t i;
	json_t *m;
	json_array_foreach(messages, i, m) {
		const char *kind = json_string_value(json_object_get(m, "kind"));
		json_t *item = json_pack("{s:O, s:o}", "content", json_object_get(m, "content"), "at",
					 when(geti(m, "created_at")));
		if (kind && strcmp(kind, "rating") == 0) {
			json_object_set(item, "satisfaction", json_object_get(m, "satisfaction"));
			json_decref(rating);
			rating = item;
		} else {
			json_array_append_new(supp, item);
		}
	}
	json_object_set_new(v, "supplements", supp);
	json_object_set_new(v, "rating", rating);
	json_object_set_new(v, "may_rate", json_boolean(consumer_may_rate(rec) && json_is_null(rating)));
	return v;
}
