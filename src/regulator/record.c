/* The regulator record format (see record.h and docs/regulator.md). Everything here is pure so
 * that the record fcms sends and the checks the simulator applies are pinned by unit tests. */
#include "regulator/record.h"
#include "domain/complaint.h"
#include "util/crypto.h"
#include "util/iso8601.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

const char *regulator_event_for(enum wf_action a, const char *before, const char *after)
{
	if (is(after, "draft"))
		return NULL;
	switch (a) {
	case WF_SYNC:
		return "sync";
	case WF_SUBMIT:
		return "registered";
	case WF_APPROVE_DELETE:
		return "deleted";
	case WF_WITHDRAW:
		return "withdrawn";
	case WF_REOPEN:
		return "reopened";
	case WF_APPROVE_NEW_FACTS:
	case WF_APPROVE_EXTENSION:
		return "updated";
	default:
		break;
	}
	if (is(before, after))
		return NULL;
	if (is(after, "closed"))
		return "closed";
	if (is(after, "replied"))
		return "replied";
	/* an unsatisfied callback sends a replied complaint back to handling */
	if (a == WF_CALLBACK)
		return "updated";
	return NULL;
}

void regulator_idem_key(const char *complaint_no, int64_t seq, char *buf, size_t n)
{
	snprintf(buf, n, "%s:%lld", complaint_no ? complaint_no : "", (long long)seq);
}

static void put_time(json_t *out, const char *name, json_t *rec, const char *col)
{
	json_t *v = json_object_get(rec, col);
	if (!json_is_integer(v)) {
		json_object_set_new(out, name, json_null());
		return;
	}
	char iso[40];
	iso8601_format(json_integer_value(v), CN_TZ_OFFSET_MIN, iso, sizeof iso);
	json_object_set_new(out, name, json_string(iso));
}

static void put_copy(json_t *out, const char *name, json_t *rec)
{
	json_t *v = json_object_get(rec, name);
	json_object_set_new(out, name, v ? json_incref(v) : json_null());
}

static json_t *split_words(const char *s)
{
	json_t *a = json_array();
	char buf[256];
	snprintf(buf, sizeof buf, "%s", s ? s : "");
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_array_append_new(a, json_string(w));
	return a;
}

json_t *regulator_record(json_t *rec, const char *fin_code, const char *event, int64_t seq, int64_t at)
{
	const char *no = json_string_value(json_object_get(rec, "complaint_no"));
	char key[128], iso[40];
	regulator_idem_key(no, seq, key, sizeof key);
	iso8601_format(at, CN_TZ_OFFSET_MIN, iso, sizeof iso);
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "format", REGULATOR_FORMAT, "idempotency_key",
			      key, "complaint_no", no ? no : "", "event", event, "event_seq", (json_int_t)seq,
			      "event_at", iso, "institution_code", fin_code ? fin_code : "");
	static const char *const copy[] = {"status", "source_channel", "external_no", "region_code",
					   "business_channel_code", "business_type_code", "cause_code",
					   "amount_fen", "content", "demand", "extension_count", NULL};
	for (int i = 0; copy[i]; i++)
		put_copy(r, copy[i], rec);
	json_object_set_new(r, "rights", split_words(json_string_value(json_object_get(rec, "rights"))));
	static const char *const times[] = {"received_at", "registered_at", "due_at", "closed_at", "withdrawn_at",
					    "deleted_at", NULL};
	for (int i = 0; times[i]; i++)
		put_time(r, times[i], rec, times[i]);
	json_t *result = json_null();
	if (json_is_string(json_object_get(rec, "reply_result")) && json_is_integer(json_object_get(rec, "replied_at"))) {
		result = json_object();
		json_object_set(result, "result", json_object_get(rec, "reply_result"));
		put_copy(result, "compensation_fen", rec);
		put_time(result, "replied_at", rec, "replied_at");
	}
	json_object_set_new(r, "result", result);
	json_t *callback = json_null();
	if (json_is_string(json_object_get(rec, "callback_satisfaction"))) {
		callback = json_object();
		json_object_set(callback, "satisfaction", json_object_get(rec, "callback_satisfaction"));
		put_time(callback, "callback_at", rec, "callback_at");
	}
	json_object_set_new(r, "callback", callback);
	return r;
}

/* ---- the regulator's checks ---- */

static int problem(struct regulator_problem *p, const char *code, const char *field, const char *message)
{
	*p = (struct regulator_problem){code, field, message};
	return 1;
}

/* A JR/T 0169 code: the dimension letter and 2 to 7 digits. */
static bool code_shape(const char *v, char dim)
{
	size_t n = v ? strlen(v) : 0;
	if (n < 3 || n > 8 || v[0] != dim)
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

static bool iso_ok(json_t *v)
{
	int64_t ms;
	return json_is_string(v) && iso8601_parse(json_string_value(v), &ms) == 0;
}

int regulator_record_check(json_t *r, struct regulator_problem *p)
{
	if (!json_is_object(r))
		return problem(p, "E100", NULL, "报送记录必须是JSON对象");
	if (!is(json_string_value(json_object_get(r, "format")), REGULATOR_FORMAT))
		return problem(p, "E101", "format", "不支持的报送格式版本");
	static const char *const required[] = {"idempotency_key", "complaint_no", "event", "institution_code",
					       "region_code", "business_channel_code", "business_type_code",
					       "cause_code", "status", NULL};
	for (int i = 0; required[i]; i++) {
		const char *v = json_string_value(json_object_get(r, required[i]));
		if (!v || !*v)
			return problem(p, "E201", required[i], "缺少必填字段");
	}
	if (!json_is_integer(json_object_get(r, "event_seq")) || json_integer_value(json_object_get(r, "event_seq")) < 1)
		return problem(p, "E201", "event_seq", "事件序号必须是正整数");
	if (!iso_ok(json_object_get(r, "received_at")))
		return problem(p, "E202", "received_at", "接收时间缺失或格式错误");
	if (!iso_ok(json_object_get(r, "event_at")))
		return problem(p, "E202", "event_at", "事件时间缺失或格式错误");
	static const char *const events[] = {"registered", "updated", "replied", "closed", "withdrawn", "deleted",
					     "reopened", "sync", NULL};
	const char *ev = json_string_value(json_object_get(r, "event"));
	int i = 0;
	while (events[i] && !is(events[i], ev))
		i++;
	if (!events[i])
		return problem(p, "E102", "event", "未知的事件类型");
	const char *inst = json_string_value(json_object_get(r, "institution_code"));
	if (strlen(inst) != 14)
		return problem(p, "E301", "institution_code", "金融机构编码须为14位");
	for (const char *c = inst; *c; c++)
		if (!isdigit((unsigned char)*c) && !isupper((unsigned char)*c))
			return problem(p, "E301", "institution_code", "金融机构编码只能包含数字和大写字母");
	const char *region = json_string_value(json_object_get(r, "region_code"));
	if (strlen(region) != 6 || strspn(region, "0123456789") != 6)
		return problem(p, "E302", "region_code", "行政区划代码须为6位数字");
	if (!code_shape(json_string_value(json_object_get(r, "business_channel_code")), 'A'))
		return problem(p, "E303", "business_channel_code", "业务办理渠道代码格式错误");
	if (!code_shape(json_string_value(json_object_get(r, "business_type_code")), 'B'))
		return problem(p, "E303", "business_type_code", "业务类别代码格式错误");
	if (!code_shape(json_string_value(json_object_get(r, "cause_code")), 'C'))
		return problem(p, "E303", "cause_code", "投诉原因代码格式错误");
	json_t *rights = json_object_get(r, "rights"), *x;
	if (!json_is_array(rights))
		return problem(p, "E201", "rights", "缺少基本权益代码");
	size_t k;
	json_array_foreach(rights, k, x)
		if (!code_shape(json_string_value(x), 'R'))
			return problem(p, "E303", "rights", "基本权益代码格式错误");
	return 0;
}

/* ---- batches ---- */

void regulator_manifest(const char *body, size_t len, int *count, char sha256[65])
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		n += body[i] == '\n';
	*count = n;
	crypto_sha256_hex(body, len, sha256);
}

int regulator_manifest_check(const char *body, size_t len, int count, const char *sha256, const char **why)
{
	int n;
	char sha[65];
	regulator_manifest(body, len, &n, sha);
	if (len > 0 && body[len - 1] != '\n')
		return *why = "批次文件最后一条记录没有换行结束（文件不完整）", -1;
	if (n != count)
		return *why = "清单中的记录数与批次文件不符", -1;
	if (!sha256 || strcmp(sha, sha256) != 0)
		return *why = "清单中的SHA-256与批次文件不符", -1;
	return 0;
}

int64_t regulator_backoff_ms(int attempt, int base_ms, int max_ms, uint32_t rnd)
{
	if (attempt < 1)
		attempt = 1;
	int64_t d = base_ms > 0 ? base_ms : 1;
	for (int i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	int64_t half = d / 2;
	return d - half + (int64_t)(rnd % (uint32_t)(half + 1));
}

/* ---- settings ---- */

void regulator_settings_defaults(struct regulator_settings *s)
{
	*s = (struct regulator_settings){.max_attempts = 20, .backoff_base_ms = 1000, .backoff_max_ms = 300000,
					  .batch_size = 100, .alert_failures = 5, .alert_pending_hours = 24,
					  .alert_rejection = true, .alert_missed_run = true};
	snprintf(s->schedule, sizeof s->schedule, "realtime");
	snprintf(s->daily_at, sizeof s->daily_at, "18:00");
	snprintf(s->notify_roles, sizeof s->notify_roles, "reviewer");
}

#define INT_FIELDS(X)                                                                            \
	X(max_attempts, 1, 1000, "最大重试次数")                                                  \
	X(backoff_base_ms, 10, 3600000, "重试初始间隔（毫秒）")                                   \
	X(backoff_max_ms, 10, 86400000, "重试最大间隔（毫秒）")                                   \
	X(batch_size, 1, 1000, "每批记录数")                                                      \
	X(alert_failures, 0, 1000, "连续失败次数阈值")                                            \
	X(alert_pending_hours, 0, 720, "待报送时长阈值（小时）")

static int bad(const char **msg, const char **field, const char *m, const char *f)
{
	*msg = m, *field = f;
	return -1;
}

static bool valid_hhmm(const char *t)
{
	return t && strlen(t) == 5 && isdigit((unsigned char)t[0]) && isdigit((unsigned char)t[1]) && t[2] == ':' &&
	       isdigit((unsigned char)t[3]) && isdigit((unsigned char)t[4]) && atoi(t) < 24 && atoi(t + 3) < 60;
}

int regulator_settings_apply(struct regulator_settings *s, json_t *json, const char **msg, const char **field)
{
	struct regulator_settings n = *s;
	const char *key;
	json_t *v;
	json_object_foreach(json, key, v)
	{
		const char *t = json_string_value(v);
#define INT_CASE(f, lo, hi, label)                                                               \
	if (!strcmp(key, #f)) {                                                                  \
		if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) \
			return bad(msg, field, label "超出允许范围（" #lo "～" #hi "）", #f);      \
		n.f = (int)json_integer_value(v);                                                \
		continue;                                                                        \
	}
		INT_FIELDS(INT_CASE)
#undef INT_CASE
		if (!strcmp(key, "schedule")) {
			if (!is(t, "realtime") && !is(t, "daily") && !is(t, "manual"))
				return bad(msg, field, "报送频次只能是 realtime（实时）、daily（每日定时）或 manual（仅手动）", key);
			snprintf(n.schedule, sizeof n.schedule, "%s", t);
		} else if (!strcmp(key, "daily_at")) {
			if (!valid_hhmm(t))
				return bad(msg, field, "每日报送时间格式应为 HH:MM", key);
			snprintf(n.daily_at, sizeof n.daily_at, "%s", t);
		} else if (!strcmp(key, "alert_rejection") || !strcmp(key, "alert_missed_run")) {
			if (!json_is_boolean(v))
				return bad(msg, field, "提醒开关必须是true或false", key);
			*(key[6] == 'r' ? &n.alert_rejection : &n.alert_missed_run) = json_is_true(v);
		} else if (!strcmp(key, "notify_roles")) {
			if (!t || strlen(t) >= sizeof n.notify_roles)
				return bad(msg, field, "通知角色须为以空格分隔的角色代码", key);
			snprintf(n.notify_roles, sizeof n.notify_roles, "%s", t);
		} else {
			return bad(msg, field, "不支持的设置项", key);
		}
	}
	if (n.backoff_base_ms > n.backoff_max_ms)
		return bad(msg, field, "重试初始间隔不能大于最大间隔", "backoff_base_ms");
	*s = n;
	return 0;
}

json_t *regulator_settings_json(const struct regulator_settings *s)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:s}", "schedule", s->schedule, "daily_at", s->daily_at,
			      "alert_rejection", s->alert_rejection, "alert_missed_run", s->alert_missed_run,
			      "notify_roles", s->notify_roles);
#define INT_OUT(f, lo, hi, label) json_object_set_new(o, #f, json_integer(s->f));
	INT_FIELDS(INT_OUT)
#undef INT_OUT
	return o;
}
