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

/* The members of input.complainant: known keys, strings of bounded length. 0 or 1 with *e. */
static int check_complainant_keys(json_t *in, struct refusal *e)
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
	return 0;
}

/* The merged identity's ID type (in the dictionary, or the cache's), resident ID number and phone.
 * 0, 1 with *e, or negative. */
static int check_identity(struct db *d, json_t *id, const struct complaint_input_cache *cache, struct refusal *e)
{
	const char *id_type = json_string_value(json_object_get(id, "id_type"));
	const char *id_no = json_string_value(json_object_get(id, "id_no"));
	const char *phone = json_string_value(json_object_get(id, "phone"));
	if (id_type && *id_type) {
		json_t *item = NULL;
		int rc = cache && cache->id_types ? json_object_get(cache->id_types, id_type) != NULL
						  : store_dict_get(d, "id_type", id_type, &item);
		json_decref(item);
		if (rc == 0)
			return refuse(e, 400, "invalid_field", "证件类型不在证件类型字典中", "complainant.id_type");
		if (rc < 0)
			return rc;
	}
	if (id_no && *id_no && id_type && strcmp(id_type, "01") == 0 && !resident_id_valid(id_no))
		return refuse(e, 400, "invalid_field", "居民身份证号码不正确（18位，校验位不符）", "complainant.id_no");
	if (phone && *phone && !phone_valid(phone))
		return refuse(e, 400, "invalid_field", "联系电话只能包含数字、空格、+和-（5-20位数字）", "complainant.phone");
	return 0;
}

/* The identity sealed under the cache's key, or else the current key read in this transaction. */
static char *seal_with(struct db *d, const char *plain, const struct complaint_input_cache *cache,
		       char key_id[PII_KEY_ID_SIZE])
{
	if (!cache || !*cache->key_id)
		return key_rotation_seal(d, plain, key_id);
	snprintf(key_id, PII_KEY_ID_SIZE, "%s", cache->key_id);
	char *s = pii_encrypt_with(key_id, plain);
	if (!s)
		log_error("pii: the current key %s cannot be loaded from the keys dir", key_id);
	return s;
}

/* Seals the identity under the current key (read in this transaction, or given by the cache)
 * into complainant_enc and pii_key_id; key_id gets the key's id. 0 or DB_HARD. */
static int seal_identity(struct db *d, json_t *id, struct complaint *rec, const struct complaint_input_cache *cache,
			 char key_id[PII_KEY_ID_SIZE])
{
	char *plain = json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS);
	char *sealed = plain ? seal_with(d, plain, cache, key_id) : NULL;
	if (plain) {
		crypto_wipe(plain, strlen(plain));
		free(plain);
	}
	if (!sealed)
		return DB_HARD;
	CREC_SET_TEXT(rec, complainant_enc, sealed);
	CREC_SET_TEXT(rec, pii_key_id, key_id);
	free(sealed);
	return 0;
}

/* The blind indexes (in the family of the key that sealed the identity: pii.h) and the masked
 * identity shown to those who may not unmask. 0 or DB_HARD. */
static int index_and_mask(json_t *id, const char *key_id, struct complaint *rec)
{
	const char *id_type = json_string_value(json_object_get(id, "id_type"));
	const char *name = json_string_value(json_object_get(id, "name"));
	const char *id_no = json_string_value(json_object_get(id, "id_no"));
	const char *phone = json_string_value(json_object_get(id, "phone"));
	const char *gender = json_string_value(json_object_get(id, "gender"));
	char bidx[33], m_name[160], m_id[100], m_phone[100], m_addr[160];
	const struct {
		enum pii_kind kind;
		const char *value;
		char **col;
	} idx[3] = {{PII_NAME, name, &rec->name_bidx}, {PII_ID_NO, id_no, &rec->id_no_bidx},
		    {PII_PHONE, phone, &rec->phone_bidx}};
	for (int i = 0; i < 3; i++) {
		if (pii_blind_index_for(key_id, idx[i].kind, idx[i].value, bidx) != 0)
			return DB_HARD;
		complaint_record_set_text(rec, idx[i].col, *bidx ? bidx : NULL);
	}
	pii_mask(PII_NAME, name, m_name, sizeof m_name);
	pii_mask(PII_ID_NO, id_no, m_id, sizeof m_id);
	pii_mask(PII_PHONE, phone, m_phone, sizeof m_phone);
	pii_mask_address(json_string_value(json_object_get(id, "address")), m_addr, sizeof m_addr);
	json_t *masked = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", m_name, "id_type", id_type ? id_type : "",
				   "id_no", m_id, "phone", m_phone, "address", m_addr, "gender", gender ? gender : "");
	char *mtext = masked ? json_dumps(masked, JSON_COMPACT) : NULL;
	json_decref(masked);
	CREC_SET_TEXT(rec, complainant_masked, mtext ? mtext : "{}");
	free(mtext);
	return 0;
}

/* Merges input.complainant into the sealed identity; reseals, re-masks, re-indexes. */
static int apply_complainant(struct db *d, json_t *in, struct complaint *rec,
			     const struct complaint_input_cache *cache, struct refusal *e)
{
	int rc = check_complainant_keys(in, e);
	if (rc != 0)
		return rc;
	json_t *id = complaint_identity_of(rec->complainant_enc, rec->pii_key_id, rec->id);
	if (!id)
		id = json_object();
	json_object_update(id, in);
	char key_id[PII_KEY_ID_SIZE] = "";
	if ((rc = check_identity(d, id, cache, e)) == 0 && (rc = seal_identity(d, id, rec, cache, key_id)) == 0)
		rc = index_and_mask(id, key_id, rec);
	/* wipe the identity's strings before they go back to the allocator */
	const char *key;
	json_t *val;
	json_object_foreach(id, key, val)
	{
		if (json_is_string(val))
			crypto_wipe((void *)json_string_value(val), json_string_length(val));
	}
	json_decref(id);
	return rc;
}

/* 投诉反映渠道: enabled in the dictionary; the channel's attrs.tag tags the complaint (e.g.
 * regulator-transferred complaints are tagged 监管转办). */
static int apply_channel(struct db *d, const char *channel, struct complaint *rec, struct refusal *e)
{
	json_t *item;
	int rc = store_dict_get(d, "source_channel", channel, &item);
	bool enabled = rc == 1 && json_integer_value(json_object_get(item, "enabled"));
	json_t *attrs = enabled ? json_loads(json_string_value(json_object_get(item, "attrs")), 0, NULL) : NULL;
	json_decref(item);
	if (rc < 0)
		return rc;
	if (!enabled)
		return refuse(e, 400, "invalid_field", "投诉反映渠道不存在或已停用", "source_channel");
	CREC_SET_TEXT(rec, source_channel, channel);
	const char *tag = json_string_value(json_object_get(attrs, "tag"));
	if (tag && strcmp(tag, "regulator") == 0)
		complaint_record_add_tag(rec, "regulator");
	else if (tag && strcmp(tag, "media") == 0)
		complaint_record_add_tag(rec, "media");
	json_decref(attrs);
	return 0;
}

/* 被投诉机构: it must exist; until someone takes the complaint on, it handles it. */
static int apply_complained_org(struct db *d, int64_t org_id, struct complaint *rec, struct refusal *e)
{
	json_t *org;
	int rc = store_org_get(d, org_id, &org);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(e, 400, "invalid_field", "被投诉机构不存在", "complained_org_id");
	rec->complained_org_id = OPT_SOME(org_id);
	if (!rec->handler_id.set) {
		rec->handling_org_id = OPT_SOME(org_id);
		CREC_SET_TEXT(rec, org_path, json_string_value(json_object_get(org, "path")));
	}
	json_decref(org);
	return 0;
}

static int apply_region(struct db *d, const char *code, struct complaint *rec, struct refusal *e)
{
	json_t *region;
	int rc = store_region_get(d, code, &region);
	json_decref(region);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(e, 400, "invalid_field", "行政区划代码不存在（GB/T 2260）", "region_code");
	CREC_SET_TEXT(rec, region_code, code);
	return 0;
}

/* The rights and tags lists: space-joined codes. 0 or 1 with *e. */
static int apply_lists(const struct complaint_input *in, struct complaint *rec, struct refusal *e)
{
	char list[300];
	int rc;
	if (in->rights) {
		if ((rc = join_list(in->rights, "rights", is_right_code, list, sizeof list, e)) != 0)
			return rc;
		CREC_SET_TEXT(rec, rights, list);
	}
	if (in->tags) {
		if ((rc = join_list(in->tags, "tags", is_known_tag, list, sizeof list, e)) != 0)
			return rc;
		/* a tag the channel implies stays */
		bool had_regulator = rec->tags && strstr(rec->tags, "regulator") != NULL;
		CREC_SET_TEXT(rec, tags, list);
		if (had_regulator)
			complaint_record_add_tag(rec, "regulator");
	}
	return 0;
}

/* The members that need no lookup: plain texts, the rights and tags lists, the numbers. */
static int apply_plain(const struct complaint_input *in, struct complaint *rec, struct refusal *e)
{
	const struct {
		const char *value;
		char **field;
	} plain[] = {{in->business_channel_code, &rec->business_channel_code},
		     {in->business_type_code, &rec->business_type_code},
		     {in->cause_code, &rec->cause_code},
		     {in->content, &rec->content},
		     {in->demand, &rec->demand},
		     {in->external_no, &rec->external_no}};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (plain[i].value)
			complaint_record_set_text(rec, plain[i].field, plain[i].value);
	int rc = apply_lists(in, rec, e);
	if (rc != 0)
		return rc;
	if (in->amount_fen.set) {
		if (in->amount_fen.v < 0 || in->amount_fen.v > MAX_AMOUNT_FEN)
			return refuse(e, 400, "invalid_field", "涉及金额（分）不能为负数或超出范围", "amount_fen");
		rec->amount_fen = in->amount_fen;
	}
	if (in->group_size.set) {
		if (in->group_size.v < 2 || in->group_size.v > 100000)
			return refuse(e, 400, "invalid_field", "群体投诉人数须在2到100000之间", "group_size");
		rec->group_size = in->group_size;
	}
	return rec->oom ? DB_HARD : 0;
}

/* complaint_record_apply_input, the identity's lookups from cache when given. */
static int apply_input(struct db *d, const struct complaint_input *in, struct complaint *rec,
		       const struct complaint_input_cache *cache, struct refusal *e)
{
	int rc;
	if (in->source_channel && (rc = apply_channel(d, in->source_channel, rec, e)) != 0)
		return rc;
	if (in->received_at) {
		int64_t ms;
		if (iso8601_parse(in->received_at, &ms) != 0)
			return refuse(e, 400, "invalid_field",
				      "接收时间必须是带时区的ISO 8601时间，例如 2026-11-27T09:30:00+08:00", "received_at");
		rec->received_at = OPT_SOME(ms);
		rec->clock_start_at = OPT_SOME(ms);
	}
	if (in->complainant && !json_is_null(in->complainant) &&
	    (rc = apply_complainant(d, in->complainant, rec, cache, e)) != 0)
		return rc;
	if (in->complained_org_id && (rc = apply_complained_org(d, in->complained_org_id, rec, e)) != 0)
		return rc;
	if (in->region_code && (rc = apply_region(d, in->region_code, rec, e)) != 0)
		return rc;
	return apply_plain(in, rec, e);
}

int complaint_record_apply_input(struct db *d, const struct complaint_input *in, struct complaint *rec,
				 struct refusal *e)
{
	return apply_input(d, in, rec, NULL, e);
}

/* The input spec bound onto a bare struct complaint_input (the JSON form below). */
static const struct field_bind input_spec[] = {COMPLAINT_INPUT_FIELDS(struct complaint_input, ), FIELD_BIND_END};

int complaint_apply_input(struct db *d, json_t *input, json_t *rec, struct refusal *e)
{
	return complaint_apply_input_cached(d, input, rec, NULL, e);
}

int complaint_apply_input_cached(struct db *d, json_t *input, json_t *rec, const struct complaint_input_cache *cache,
				 struct refusal *e)
{
	struct complaint_input in = {0};
	json_spec_bind(input, input_spec, &in);
	struct complaint c;
	int rc = complaint_record_from_json(rec, &c);
	if (rc != 0)
		return rc;
	json_t *before = complaint_record_json(&c), *after = NULL;
	rc = before ? apply_input(d, &in, &c, cache, e) : DB_HARD;
	if (rc == 0 && !(after = complaint_record_json(&c)))
		rc = DB_HARD;
	const char *k;
	json_t *v;
	if (rc == 0)
		json_object_foreach(after, k, v)
		{
			if (!json_equal(json_object_get(before, k), v) && json_object_set(rec, k, v) != 0)
				rc = DB_HARD;
		}
	json_decref(before);
	json_decref(after);
	complaint_record_free(&c);
	return rc;
}

/* tags with tag added into out (n bytes); false when it is there already. */
static bool tags_with(const char *tags, const char *tag, char *out, size_t n)
{
	char want[40];
	snprintf(out, n, " %s ", tags ? tags : "");
	snprintf(want, sizeof want, " %s ", tag);
	if (strstr(out, want))
		return false;
	snprintf(out, n, "%s%s%s", tags ? tags : "", tags && *tags ? " " : "", tag);
	return true;
}

void complaint_add_tag(json_t *rec, const char *tag)
{
	char have[300];
	if (tags_with(json_string_value(json_object_get(rec, "tags")), tag, have, sizeof have))
		json_object_set_new(rec, "tags", json_string(have));
}

void complaint_record_add_tag(struct complaint *c, const char *tag)
{
	char have[300];
	if (tags_with(c->tags, tag, have, sizeof have))
		CREC_SET_TEXT(c, tags, have);
}

/* s when it is a non-empty text, else NULL. */
static const char *given_text(const char *s)
{
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

/* The required fields present, the receipt not in the future, a complainant named. 0 or 1 with *e. */
static int check_required(const struct complaint *c, int64_t now, struct refusal *e)
{
	const struct {
		const char *value, *key, *label;
	} required[] = {{c->source_channel, "source_channel", "投诉反映渠道"},
			{c->business_channel_code, "business_channel_code", "业务办理渠道"},
			{c->business_type_code, "business_type_code", "业务类别"},
			{c->cause_code, "cause_code", "投诉原因"},
			{c->region_code, "region_code", "行政区划"},
			{c->content, "content", "投诉内容"}};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!given_text(required[i].value))
			return refusef(e, 400, "missing_field", required[i].key, "%s不能为空", required[i].label);
	if (!c->received_at.set)
		return refuse(e, 400, "missing_field", "接收时间不能为空", "received_at");
	if (c->received_at.v > now + 5 * 60000)
		return refuse(e, 400, "invalid_field", "接收时间不能晚于当前时间", "received_at");
	if (!c->complained_org_id.set)
		return refuse(e, 400, "missing_field", "被投诉机构不能为空", "complained_org_id");
	json_t *masked = json_loads(given_text(c->complainant_masked) ? c->complainant_masked : "{}", 0, NULL);
	const char *mname = json_string_value(json_object_get(masked, "name"));
	bool has_name = mname && *mname;
	json_decref(masked);
	if (!has_name)
		return refuse(e, 400, "missing_field", "投诉人姓名不能为空", "complainant.name");
	return 0;
}

/* Channel-specific fields (e.g. the regulator's ticket for transferred complaints). 0, 1, or negative. */
static int check_channel(struct db *d, const struct complaint *c, struct refusal *e)
{
	json_t *ch;
	int rc = store_dict_get(d, "source_channel", given_text(c->source_channel), &ch);
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
		if (f && !strcmp(f, "external_no") && !given_text(c->external_no)) {
			json_decref(attrs);
			return refuse(e, 400, "missing_field", "该渠道的投诉必须填写外部工单号（如人行工单号、12378工单号）",
				      "external_no");
		}
	}
	json_decref(attrs);
	return 0;
}

int complaint_record_check_complete(struct db *d, const struct complaint *c, int64_t now, struct refusal *e)
{
	int rc;
	if ((rc = check_required(c, now, e)) != 0 || (rc = check_channel(d, c, e)) != 0)
		return rc;
	char date[16];
	ymd_format(ymd_from_ms(c->received_at.v, CN_TZ_OFFSET_MIN), date, sizeof date);
	if ((rc = check_code(d, "A", given_text(c->business_channel_code), date, "business_channel_code", "业务办理渠道", e)) ||
	    (rc = check_code(d, "B", given_text(c->business_type_code), date, "business_type_code", "业务类别", e)) ||
	    (rc = check_code(d, "C", given_text(c->cause_code), date, "cause_code", "投诉原因", e)))
		return rc;
	const char *rights = given_text(c->rights);
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
	if ((rc = store_org_get(d, c->complained_org_id.v, &org)) < 0)
		return rc;
	bool active = rc == 1 && strcmp(json_string_value(json_object_get(org, "status")), "active") == 0;
	json_decref(org);
	if (!active)
		return refuse(e, 400, "invalid_field", "被投诉机构不存在或已停用", "complained_org_id");
	return 0;
}

int complaint_check_complete(struct db *d, json_t *rec, int64_t now, struct refusal *e)
{
	struct complaint c;
	int rc = complaint_record_from_json(rec, &c);
	if (rc == 0)
		rc = complaint_record_check_complete(d, &c, now, e);
	complaint_record_free(&c);
	return rc;
}

json_t *complaint_identity_of(const char *sealed, const char *key_id, int64_t complaint_id)
{
	if (!sealed)
		return NULL;
	char *plain = pii_decrypt(key_id, sealed);
	if (!plain) {
		log_error("complaint %lld: complainant identity cannot be opened (key missing or data altered)",
			  (long long)complaint_id);
		return NULL;
	}
	json_t *id = json_loads(plain, 0, NULL);
	crypto_wipe(plain, strlen(plain));
	free(plain);
	return id;
}

json_t *complaint_identity(json_t *rec)
{
	return complaint_identity_of(json_string_value(json_object_get(rec, "complainant_enc")),
				     json_string_value(json_object_get(rec, "pii_key_id")),
				     json_integer_value(json_object_get(rec, "id")));
}

bool complaint_requested_by(const char *pending_data, int64_t user_id)
{
	json_t *p = pending_data && user_id > 0 ? json_loads(pending_data, 0, NULL) : NULL;
	bool own = p && json_integer_value(json_object_get(p, "requested_by")) == user_id;
	json_decref(p);
	return own;
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
