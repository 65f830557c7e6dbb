/* The complaint record (see complaint.h). */
#include "domain/complaint.h"
#include "domain/deadline.h"
#include "domain/key_rotation.h"
#include "domain/pii.h"
#include "domain/status.h"
#include "domain/workflow.h"
#include "store/store.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static const char *const known_tags[] = {"major", "regulator", "media", "repeat", "group", NULL};
#define MAX_AMOUNT_FEN ((json_int_t)100000000000000) /* 1 trillion yuan */

static size_t u8chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* GB 11643: 17 digits and a check character. */
static bool resident_id_valid(const char *id)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	if (strlen(id) != 18)
		return false;
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (!isdigit((unsigned char)id[i]))
			return false;
		sum += (id[i] - '0') * w[i];
	}
	return toupper((unsigned char)id[17]) == check[sum % 11];
}

static bool phone_valid(const char *p)
{
	int digits = 0;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr("+- ", *p))
			return false;
	}
	return digits >= 5 && digits <= 20;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t')
			return true;
	return false;
}

/* Space-joined list from a JSON array of strings, each checked by ok(); NULL + refusal when bad. */
static int join_list(json_t *arr, const char *field, bool (*ok)(const char *), char *out, size_t n,
		     struct refusal *e)
{
	size_t o = 0, i;
	json_t *v;
	out[0] = '\0';
	if (!json_is_array(arr) || json_array_size(arr) > 16)
		return refusef(e, 400, "invalid_field", field, "%s必须是不超过16项的数组", field);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);
		if (!s || !ok(s))
			return refusef(e, 400, "invalid_field", field, "%s中有无效的值", field);
		char padded[40];
		snprintf(padded, sizeof padded, " %s ", s);
		char have[300];
		snprintf(have, sizeof have, " %s ", out);
		if (strstr(have, padded))
			continue; /* duplicates collapse */
		int w = snprintf(out + o, n - o, "%s%s", o ? " " : "", s);
		if (w < 0 || (size_t)w >= n - o)
			return refusef(e, 400, "invalid_field", field, "%s项数过多", field);
		o += (size_t)w;
	}
	return 0;
}

static bool is_right_code(const char *s)
{
	if (s[0] != 'R' || strlen(s) < 2 || strlen(s) > 8)
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool is_known_tag(const char *s)
{
	for (int i = 0; known_tags[i]; i++)
		if (strcmp(s, known_tags[i]) == 0)
			return true;
	return false;
}

static void set_str(json_t *rec, const char *key, const char *v)
{
	json_object_set_new(rec, key, v ? json_string(v) : json_null());
}

/* Merges input.complainant into the sealed identity; reseals, re-masks, re-indexes. */
static int apply_complainant(struct db *d, json_t *in, json_t *rec, struct refusal *e)
{
	static const struct {
		const char *key, *label, *field;
		size_t max;
	} keys[] = {{"name", "投诉人姓名", "complainant.name", 50}, {"id_type", "证件类型", "complainant.id_type", 4},
		    {"id_no", "证件号码", "complainant.id_no", 32}, {"phone", "联系电话", "complainant.phone", 32},
		    {"address", "联系地址", "complainant.address", 200}, {"gender", "性别", "complainant.gender", 8}};
	if (!json_is_object(in))
		return refuse(e, 400, "invalid_field", "投诉人信息必须是对象", "complainant");
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v)
	{
		size_t i = 0;
		while (i < sizeof keys / sizeof keys[0] && strcmp(keys[i].key, k) != 0)
			i++;
		if (i == sizeof keys / sizeof keys[0])
			return refusef(e, 400, "unknown_field", "complainant", "不支持的投诉人字段：%.40s", k);
		if (json_is_null(v))
			continue;
		const char *s = json_string_value(v);
		if (!s || u8chars(s) > keys[i].max || has_control(s))
			return refusef(e, 400, "invalid_field", keys[i].field, "%s格式不正确或过长", keys[i].label);
	}
	json_t *id = complaint_identity(rec);
	if (!id)
		id = json_object();
	json_object_update(id, in);
	const char *id_type = json_string_value(json_object_get(id, "id_type"));
	const char *id_no = json_string_value(json_object_get(id, "id_no"));
	const char *phone = json_string_value(json_object_get(id, "phone"));
	int rc = 0;
	if (id_type && *id_type) {
		json_t *item;
		rc = store_dict_get(d, "id_type", id_type, &item);
		json_decref(item);
		if (rc == 0)
			rc = refuse(e, 400, "invalid_field", "证件类型不在证件类型字典中", "complainant.id_type");
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0 && id_no && *id_no && id_type && strcmp(id_type, "01") == 0 && !resident_id_valid(id_no))
		rc = refuse(e, 400, "invalid_field", "居民身份证号码不正确（18位，校验位不符）", "complainant.id_no");
	if (rc == 0 && phone && *phone && !phone_valid(phone))
		rc = refuse(e, 400, "invalid_field", "联系电话只能包含数字、空格、+和-（5-20位数字）", "complainant.phone");
	if (rc != 0) {
		json_decref(id);
		return rc;
	}
	char *plain = json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS);
	char key_id[9] = "";
	char *sealed = plain ? key_rotation_seal(d, plain, key_id) : NULL; /* the current key, read in this tx */
	if (plain) {
		sodium_memzero(plain, strlen(plain));
		free(plain);
	}
	if (!sealed) {
		json_decref(id);
		return DB_HARD;
	}
	set_str(rec, "complainant_enc", sealed);
	set_str(rec, "pii_key_id", key_id);
	free(sealed);
	char bidx[33], m_name[160], m_id[100], m_phone[100], m_addr[160];
	const char *name = json_string_value(json_object_get(id, "name"));
	pii_blind_index(PII_NAME, name, bidx);
	set_str(rec, "name_bidx", *bidx ? bidx : NULL);
	pii_blind_index(PII_ID_NO, id_no, bidx);
	set_str(rec, "id_no_bidx", *bidx ? bidx : NULL);
	pii_blind_index(PII_PHONE, phone, bidx);
	set_str(rec, "phone_bidx", *bidx ? bidx : NULL);
	pii_mask(PII_NAME, name, m_name, sizeof m_name);
	pii_mask(PII_ID_NO, id_no, m_id, sizeof m_id);
	pii_mask(PII_PHONE, phone, m_phone, sizeof m_phone);
	pii_mask_address(json_string_value(json_object_get(id, "address")), m_addr, sizeof m_addr);
	json_t *masked = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", m_name, "id_type", id_type ? id_type : "",
				   "id_no", m_id, "phone", m_phone, "address", m_addr, "gender",
				   json_string_value(json_object_get(id, "gender")) ? json_string_value(json_object_get(id, "gender")) : "");
	char *mtext = masked ? json_dumps(masked, JSON_COMPACT) : NULL;
	json_decref(masked);
	set_str(rec, "complainant_masked", mtext ? mtext : "{}");
	free(mtext);
	/* wipe the identity's strings before they go back to the allocator */
	const char *key;
	json_t *val;
	json_object_foreach(id, key, val)
	{
		if (json_is_string(val))
			sodium_memzero((void *)json_string_value(val), json_string_length(val));
	}
	json_decref(id);
	return 0;
}

int complaint_apply_input(struct db *d, json_t *input, json_t *rec, struct refusal *e)
{
	json_t *v;
	int rc;
	if ((v = json_object_get(input, "source_channel")) && !json_is_null(v)) {
		json_t *item;
		rc = store_dict_get(d, "source_channel", json_string_value(v), &item);
		bool enabled = rc == 1 && json_integer_value(json_object_get(item, "enabled"));
		json_t *attrs = enabled ? json_loads(json_string_value(json_object_get(item, "attrs")), 0, NULL) : NULL;
		json_decref(item);
		if (rc < 0)
			return rc;
		if (!enabled)
			return refuse(e, 400, "invalid_field", "投诉反映渠道不存在或已停用", "source_channel");
		json_object_set(rec, "source_channel", v);
		/* e.g. regulator-transferred complaints are tagged 监管转办 (the channel's attrs.tag) */
		const char *tag = json_string_value(json_object_get(attrs, "tag"));
		if (tag && strcmp(tag, "regulator") == 0)
			complaint_add_tag(rec, "regulator");
		else if (tag && strcmp(tag, "media") == 0)
			complaint_add_tag(rec, "media");
		json_decref(attrs);
	}
	if ((v = json_object_get(input, "received_at")) && !json_is_null(v)) {
		int64_t ms;
		if (iso8601_parse(json_string_value(v), &ms) != 0)
			return refuse(e, 400, "invalid_field",
				      "接收时间必须是带时区的ISO 8601时间，例如 2026-11-27T09:30:00+08:00", "received_at");
		json_object_set_new(rec, "received_at", json_integer(ms));
		json_object_set_new(rec, "clock_start_at", json_integer(ms));
	}
	if ((v = json_object_get(input, "complainant")) && !json_is_null(v) &&
	    (rc = apply_complainant(d, v, rec, e)) != 0)
		return rc;
	if ((v = json_object_get(input, "complained_org_id")) && !json_is_null(v)) {
		json_t *org;
		rc = store_org_get(d, json_integer_value(v), &org);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return refuse(e, 400, "invalid_field", "被投诉机构不存在", "complained_org_id");
		json_object_set(rec, "complained_org_id", v);
		/* Until someone takes it on, the complained institution handles it. */
		if (!json_is_integer(json_object_get(rec, "handler_id"))) {
			json_object_set(rec, "handling_org_id", v);
			json_object_set(rec, "org_path", json_object_get(org, "path"));
		}
		json_decref(org);
	}
	if ((v = json_object_get(input, "region_code")) && !json_is_null(v)) {
		json_t *region;
		rc = store_region_get(d, json_string_value(v), &region);
		json_decref(region);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return refuse(e, 400, "invalid_field", "行政区划代码不存在（GB/T 2260）", "region_code");
		json_object_set(rec, "region_code", v);
	}
	static const char *const plain[] = {"business_channel_code", "business_type_code", "cause_code",
					    "content", "demand", "external_no", NULL};
	for (int i = 0; plain[i]; i++)
		if ((v = json_object_get(input, plain[i])))
			if (json_object_set_new(rec, plain[i], json_is_null(v) ? json_string("") : json_incref(v)) != 0)
				return DB_HARD;
	char list[300];
	if ((v = json_object_get(input, "rights"))) {
		if ((rc = join_list(v, "rights", is_right_code, list, sizeof list, e)) != 0)
			return rc;
		set_str(rec, "rights", list);
	}
	if ((v = json_object_get(input, "tags"))) {
		if ((rc = join_list(v, "tags", is_known_tag, list, sizeof list, e)) != 0)
			return rc;
		/* a tag the channel implies stays */
		bool had_regulator = strstr(json_string_value(json_object_get(rec, "tags")) ?: "", "regulator") != NULL;
		set_str(rec, "tags", list);
		if (had_regulator)
			complaint_add_tag(rec, "regulator");
	}
	if ((v = json_object_get(input, "amount_fen")) && !json_is_null(v)) {
		json_int_t a = json_integer_value(v);
		if (a < 0 || a > MAX_AMOUNT_FEN)
			return refuse(e, 400, "invalid_field", "涉及金额（分）不能为负数或超出范围", "amount_fen");
		json_object_set(rec, "amount_fen", v);
	}
	if ((v = json_object_get(input, "group_size")) && !json_is_null(v)) {
		json_int_t g = json_integer_value(v);
		if (g < 2 || g > 100000)
			return refuse(e, 400, "invalid_field", "群体投诉人数须在2到100000之间", "group_size");
		json_object_set(rec, "group_size", v);
	}
	return 0;
}

void complaint_add_tag(json_t *rec, const char *tag)
{
	const char *tags = json_string_value(json_object_get(rec, "tags"));
	char have[300], want[40];
	snprintf(have, sizeof have, " %s ", tags ? tags : "");
	snprintf(want, sizeof want, " %s ", tag);
	if (strstr(have, want))
		return;
	snprintf(have, sizeof have, "%s%s%s", tags ? tags : "", tags && *tags ? " " : "", tag);
	json_object_set_new(rec, "tags", json_string(have));
}

static const char *str(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));
	return s && *s ? s : NULL;
}

/* The code must be in force on date and a leaf of its tree. */
static int check_code(struct db *d, const char *dim, const char *code, const char *date,
		      const char *field, const char *label, struct refusal *e)
{
	bool leaf = false;
	int rc = store_code_in_force(d, dim, code, date, &leaf);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refusef(e, 400, "invalid_code", field, "%s“%.16s”不存在或在接收日期（%s）未生效", label, code, date);
	if (!leaf)
		return refusef(e, 400, "invalid_code", field, "%s“%.16s”还有下级分类，请选择到最末一级", label, code);
	return 0;
}

int complaint_check_complete(struct db *d, json_t *rec, int64_t now, struct refusal *e)
{
	static const struct {
		const char *key, *label;
	} required[] = {{"source_channel", "投诉反映渠道"}, {"business_channel_code", "业务办理渠道"},
			{"business_type_code", "业务类别"}, {"cause_code", "投诉原因"}, {"region_code", "行政区划"},
			{"content", "投诉内容"}};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!str(rec, required[i].key))
			return refusef(e, 400, "missing_field", required[i].key, "%s不能为空", required[i].label);
	json_t *received = json_object_get(rec, "received_at");
	if (!json_is_integer(received))
		return refuse(e, 400, "missing_field", "接收时间不能为空", "received_at");
	int64_t rec_at = json_integer_value(received);
	if (rec_at > now + 5 * 60000)
		return refuse(e, 400, "invalid_field", "接收时间不能晚于当前时间", "received_at");
	if (!json_is_integer(json_object_get(rec, "complained_org_id")))
		return refuse(e, 400, "missing_field", "被投诉机构不能为空", "complained_org_id");
	json_t *masked = json_loads(str(rec, "complainant_masked") ? str(rec, "complainant_masked") : "{}", 0, NULL);
	const char *mname = json_string_value(json_object_get(masked, "name"));
	bool has_name = mname && *mname;
	json_decref(masked);
	if (!has_name)
		return refuse(e, 400, "missing_field", "投诉人姓名不能为空", "complainant.name");
	/* Channel-specific fields (e.g. the regulator's ticket for transferred complaints). */
	json_t *ch;
	int rc = store_dict_get(d, "source_channel", str(rec, "source_channel"), &ch);
	if (rc < 0)
		return rc;
	json_t *attrs = rc == 1 ? json_loads(json_string_value(json_object_get(ch, "attrs")), 0, NULL) : NULL;
	json_decref(ch);
	size_t i;
	json_t *req;
	json_array_foreach(json_object_get(attrs, "requires"), i, req)
	{
		/* The dictionary only accepts external_no here (see PUT /dictionaries). */
		const char *f = json_string_value(req);
		if (f && !strcmp(f, "external_no") && !str(rec, "external_no")) {
			json_decref(attrs);
			return refuse(e, 400, "missing_field", "该渠道的投诉必须填写外部工单号（如人行工单号、12378工单号）",
				      "external_no");
		}
	}
	json_decref(attrs);
	char date[16];
	ymd_format(ymd_from_ms(rec_at, CN_TZ_OFFSET_MIN), date, sizeof date);
	if ((rc = check_code(d, "A", str(rec, "business_channel_code"), date, "business_channel_code", "业务办理渠道", e)) ||
	    (rc = check_code(d, "B", str(rec, "business_type_code"), date, "business_type_code", "业务类别", e)) ||
	    (rc = check_code(d, "C", str(rec, "cause_code"), date, "cause_code", "投诉原因", e)))
		return rc;
	const char *rights = str(rec, "rights");
	for (const char *s = rights ? rights : ""; *s;) {
		char code[16];
		size_t n = strcspn(s, " ");
		snprintf(code, sizeof code, "%.*s", (int)(n < 15 ? n : 15), s);
		bool leaf;
		if ((rc = store_code_in_force(d, "R", code, date, &leaf)) < 0)
			return rc;
		if (rc == 0)
			return refusef(e, 400, "invalid_code", "rights", "基本权益“%s”不存在或未生效", code);
		s += n;
		while (*s == ' ')
			s++;
	}
	json_t *org;
	if ((rc = store_org_get(d, json_integer_value(json_object_get(rec, "complained_org_id")), &org)) < 0)
		return rc;
	bool active = rc == 1 && strcmp(json_string_value(json_object_get(org, "status")), "active") == 0;
	json_decref(org);
	if (!active)
		return refuse(e, 400, "invalid_field", "被投诉机构不存在或已停用", "complained_org_id");
	return 0;
}

/* complaint_update_deadline with the calendar given (preloaded), or loaded here when NULL. */
static int update_deadline(struct db *d, json_t *rec, const struct complaint_settings *cfg,
			   const struct calendar *preloaded, int64_t now)
{
	const char *status = json_string_value(json_object_get(rec, "status"));
	bool counting = status_is_clock(status);
	if (!counting) {
		set_str(rec, "deadline_state", strcmp(status ? status : "", "draft") == 0 ? "on_time" : "done");
		return 0;
	}
	json_t *pauses;
	int64_t id = json_integer_value(json_object_get(rec, "id"));
	int rc = id ? store_pauses_list(d, id, &pauses) : (pauses = json_array(), 0);
	if (rc < 0)
		return rc;
	size_t np = json_array_size(pauses), i;
	struct pause *p = np ? calloc(np, sizeof *p) : NULL;
	if (np && !p) {
		json_decref(pauses);
		return DB_HARD;
	}
	json_t *row;
	json_array_foreach(pauses, i, row)
	{
		p[i].start_at = json_integer_value(json_object_get(row, "start_at"));
		p[i].end_at = json_integer_value(json_object_get(row, "end_at"));
	}
	json_decref(pauses);
	struct calendar_data cd = {0};
	bool working = strcmp(json_string_value(json_object_get(rec, "day_type")), "working") == 0;
	if (!preloaded && (working || cfg->roll_past_holiday) && (rc = store_calendar_load(d, &cd)) < 0) {
		free(p);
		return rc;
	}
	struct calendar cal = preloaded ? *preloaded : (struct calendar){cd.holidays, cd.nholidays, cd.workdays, cd.nworkdays};
	struct deadline_rule rule = {working ? DAY_WORKING : DAY_CALENDAR,
				     (int)json_integer_value(json_object_get(rec, "allowed_days")),
				     cfg->roll_past_holiday, CN_TZ_OFFSET_MIN};
	int64_t due = deadline_due_at(&cal, &rule, json_integer_value(json_object_get(rec, "clock_start_at")), p, np);
	free(p);
	store_calendar_free(&cd);
	static const char *const names[] = {"on_time", "due_soon", "overdue", "paused"};
	enum deadline_state st = deadline_state(due, now, (int64_t)cfg->due_soon_days * 86400000);
	json_t *old = json_object_get(rec, "due_at");
	if (!old || json_integer_value(old) != due) /* a new due time deserves new reminders */
		json_object_set_new(rec, "reminded", json_null());
	json_object_set_new(rec, "due_at", due ? json_integer(due) : json_null());
	set_str(rec, "deadline_state", names[st]);
	return 0;
}

int complaint_update_deadline(struct db *d, json_t *rec, const struct complaint_settings *cfg, int64_t now)
{
	return update_deadline(d, rec, cfg, NULL, now);
}

/* ---- recomputing every running deadline ---- */

struct recompute_batch {
	const struct complaint_settings *cfg;
	const struct calendar *cal;
	int64_t now, after_id; /* in: the keyset position */
	int64_t last_id;       /* out: the last id read, 0 when the batch was empty */
	int seen;              /* out */
};

/* One batch in one write transaction. May run twice: outputs are reset at entry. */
static int recompute_tx(struct db *d, void *arg)
{
	struct recompute_batch *b = arg;
	b->last_id = 0;
	b->seen = 0;
	json_t *items;
	int rc = store_complaints_counting_after(d, b->after_id, COMPLAINT_RECOMPUTE_BATCH, &items);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
	{
		json_t *due = json_deep_copy(json_object_get(rec, "due_at"));
		if ((rc = update_deadline(d, rec, b->cfg, b->cal, b->now)) < 0 ||
		    (!json_equal(due, json_object_get(rec, "due_at")) &&
		     (rc = store_complaint_save(d, rec, json_integer_value(json_object_get(rec, "version")))) < 0)) {
			json_decref(due);
			json_decref(items);
			return rc;
		}
		json_decref(due);
		b->last_id = json_integer_value(json_object_get(rec, "id"));
		b->seen++;
	}
	json_decref(items);
	return 0;
}

int complaint_recompute_open(struct db *rd, const struct complaint_settings *cfg, int64_t now, int *count)
{
	*count = 0;
	struct calendar_data cd;
	int rc = store_calendar_load(rd, &cd);
	if (rc < 0)
		return rc;
	struct calendar cal = {cd.holidays, cd.nholidays, cd.workdays, cd.nworkdays};
	struct recompute_batch b = {.cfg = cfg, .cal = &cal, .now = now};
	for (;;) {
		if ((rc = store_write(recompute_tx, &b)) != 0)
			break;
		*count += b.seen;
		if (b.seen < COMPLAINT_RECOMPUTE_BATCH)
			break;
		b.after_id = b.last_id;
	}
	store_calendar_free(&cd);
	return rc;
}

json_t *complaint_identity(json_t *rec)
{
	const char *sealed = json_string_value(json_object_get(rec, "complainant_enc"));
	if (!sealed)
		return NULL;
	char *plain = pii_decrypt(json_string_value(json_object_get(rec, "pii_key_id")), sealed);
	if (!plain) {
		log_error("complaint %lld: complainant identity cannot be opened (key missing or data altered)",
			  (long long)json_integer_value(json_object_get(rec, "id")));
		return NULL;
	}
	json_t *id = json_loads(plain, 0, NULL);
	sodium_memzero(plain, strlen(plain));
	free(plain);
	return id;
}

static json_t *iso_or_null(json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key);
	if (!json_is_integer(v))
		return json_null();
	char buf[40];
	iso8601_format(json_integer_value(v), CN_TZ_OFFSET_MIN, buf, sizeof buf);
	return json_string(buf);
}

static json_t *split_list(const char *s)
{
	json_t *arr = json_array();
	while (s && *s) {
		size_t n = strcspn(s, " ");
		if (n)
			json_array_append_new(arr, json_stringn(s, n));
		s += n;
		while (*s == ' ')
			s++;
	}
	return arr;
}

bool complaint_pending_by(json_t *rec, int64_t user_id)
{
	const char *pd = json_string_value(json_object_get(rec, "pending_data"));
	json_t *p = pd && user_id > 0 ? json_loads(pd, 0, NULL) : NULL;
	bool own = p && json_integer_value(json_object_get(p, "requested_by")) == user_id;
	json_decref(p);
	return own;
}

json_t *complaint_view(json_t *rec, uint32_t perms, const struct complaint_settings *cfg)
{
	return complaint_view_as(rec, perms, 0, cfg);
}

json_t *complaint_view_as(json_t *rec, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg)
{
	json_t *v = json_object();
	static const char *const copy[] = {
		"id", "complaint_no", "status", "version", "source_channel", "external_no", "complained_org_id",
		"complained_org_name", "handling_org_id", "handling_org_name", "handler_id", "handler_name",
		"registrar_id", "registrar_name", "registrar_org_id", "registrar_org_name", "region_code",
		"business_channel_code", "business_type_code", "cause_code", "content", "demand", "amount_fen",
		"group_size", "allowed_days", "day_type", "deadline_state", "extension_count", "transfer_count",
		"pending", "reply_result", "reply_content", "compensation_fen", "late_reason",
		"callback_satisfaction", "callback_note", "repeat_of", "merged_into", "sync_status",
		"regulator_receipt_no", "sync_error", "clock_restarts", NULL};
	for (int i = 0; copy[i]; i++) {
		json_t *x = json_object_get(rec, copy[i]);
		json_object_set_new(v, copy[i], x ? json_incref(x) : json_null());
	}
	static const char *const times[] = {"received_at", "registered_at", "due_at", "replied_at", "callback_at",
					     "closed_at", "withdrawn_at", "deleted_at", "created_at", "updated_at", "synced_at", NULL};
	for (int i = 0; times[i]; i++)
		json_object_set_new(v, times[i], iso_or_null(rec, times[i]));
	const char *status = json_string_value(json_object_get(rec, "status"));
	json_object_set_new(v, "status_label", json_string(wf_status_label(status)));
	json_object_set_new(v, "draft", json_boolean(status && strcmp(status, "draft") == 0));
	json_object_set_new(v, "paused", json_boolean(strcmp(json_string_value(json_object_get(rec, "deadline_state")) ?: "", "paused") == 0));
	json_object_set_new(v, "rights", split_list(json_string_value(json_object_get(rec, "rights"))));
	json_object_set_new(v, "tags", split_list(json_string_value(json_object_get(rec, "tags"))));
	json_t *masked = json_loads(json_string_value(json_object_get(rec, "complainant_masked")) ?: "{}", 0, NULL);
	json_object_set_new(v, "complainant", masked ? masked : json_object());
	const char *pd = json_string_value(json_object_get(rec, "pending_data"));
	json_t *pending = pd ? json_loads(pd, 0, NULL) : NULL;
	json_object_set_new(v, "pending_data", pending ? pending : json_null());
	struct wf_state ws = {status, json_string_value(json_object_get(rec, "pending")),
			      json_object_get(v, "paused") == json_true(),
			      (int)json_integer_value(json_object_get(rec, "extension_count")),
			      complaint_pending_by(rec, user_id)};
	struct wf_settings wcfg = {cfg->review_step, cfg->callback_step};
	uint32_t allowed = wf_allowed(&ws, &wcfg, perms);
	json_t *actions = json_array();
	for (int a = 0; a < WF_ACTION_COUNT; a++)
		if (allowed & (1u << a))
			json_array_append_new(actions, json_string(wf_action_name((enum wf_action)a)));
	json_object_set_new(v, "actions", actions);
	return v;
}

json_t *complaint_diff(json_t *before, json_t *after)
{
	static const char *const secret[] = {"complainant_enc", "pii_key_id", "name_bidx", "id_no_bidx",
					     "phone_bidx", "version", "updated_at", NULL};
	json_t *b = json_object(), *a = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(after, k, v)
	{
		bool skip = false;
		for (int i = 0; secret[i]; i++)
			skip |= strcmp(k, secret[i]) == 0;
		json_t *old = before ? json_object_get(before, k) : NULL;
		if (skip || (old && json_equal(old, v)) || (!old && json_is_null(v)))
			continue;
		json_object_set_new(b, k, old ? json_incref(old) : json_null());
		json_object_set_new(a, k, json_incref(v));
	}
	return json_pack("{s:o, s:o}", "before", b, "after", a);
}
