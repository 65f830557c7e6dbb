/* Historical-complaint import: the rules (see import.h). */
#include "domain/import.h"
#include "domain/complaint.h"
#include "domain/complaint_settings.h"
#include "domain/deadline.h"
#include "domain/key_rotation.h"
#include "domain/workflow.h"
#include "regulator/gateway.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/log.h"
#include "domain/import_values.h"
#include "util/sheet_read.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct import_field_info import_fields[IF_COUNT] = {
	[IF_LEGACY_NO] = {"legacy_no", "原投诉编号", true},
	[IF_RECEIVED_AT] = {"received_at", "接收时间", true},
	[IF_SOURCE_CHANNEL] = {"source_channel", "投诉反映渠道", true},
	[IF_EXTERNAL_NO] = {"external_no", "外部工单号", false},
	[IF_NAME] = {"complainant_name", "投诉人姓名", true},
	[IF_ID_TYPE] = {"complainant_id_type", "证件类型", false},
	[IF_ID_NO] = {"complainant_id_no", "证件号码", false},
	[IF_PHONE] = {"complainant_phone", "联系电话", false},
	[IF_ADDRESS] = {"complainant_address", "联系地址", false},
	[IF_ORG] = {"complained_org", "被投诉机构", true}, /* financial code, internal code or name */
	[IF_REGION] = {"region_code", "行政区划代码", true},
	[IF_CHANNEL] = {"business_channel_code", "业务办理渠道代码", true},
	[IF_TYPE] = {"business_type_code", "业务类别代码", true},
	[IF_CAUSE] = {"cause_code", "投诉原因代码", true},
	[IF_RIGHTS] = {"rights", "基本权益代码", false},
	[IF_CONTENT] = {"content", "投诉内容", true},
	[IF_DEMAND] = {"demand", "投诉诉求", false},
	[IF_AMOUNT] = {"amount_yuan", "涉及金额（元）", false},
	[IF_STATUS] = {"status", "状态", true},
	[IF_DUE_AT] = {"due_at", "办理时限", false},
	[IF_HANDLER] = {"handler", "处理人", false},
	[IF_REPLY_RESULT] = {"reply_result", "处理结果", false},
	[IF_REPLY_CONTENT] = {"reply_content", "答复内容", false},
	[IF_COMPENSATION] = {"compensation_yuan", "补偿金额（元）", false},
	[IF_REPLIED_AT] = {"replied_at", "答复时间", false},
	[IF_CLOSED_AT] = {"closed_at", "办结时间", false},
};

static int field_of(const char *key)
{
	for (int i = 0; i < IF_COUNT; i++)
		if (!strcmp(import_fields[i].key, key))
			return i;
	return -1;
}

int import_mapping_check(json_t *columns, struct refusal *e)
{
	if (!json_is_object(columns) || json_object_size(columns) == 0)
		return refuse(e, 400, "invalid_field", "列映射必须是非空对象：{导入字段: 文件列标题}", "columns");
	const char *k;
	json_t *v;
	json_object_foreach(columns, k, v)
	{
		if (field_of(k) < 0)
			return refusef(e, 400, "unknown_field", "columns", "不支持的导入字段：%.40s", k);
		const char *h = json_string_value(v);
		if (!h || !*h || strlen(h) > 64)
			return refusef(e, 400, "invalid_field", "columns", "“%s”的列标题必须是1到64字节的文字",
				       import_fields[field_of(k)].label);
	}
	for (int i = 0; i < IF_COUNT; i++)
		if (import_fields[i].required && !json_object_get(columns, import_fields[i].key))
			return refusef(e, 400, "missing_field", "columns", "必须映射“%s”（%s）", import_fields[i].label,
				       import_fields[i].key);
	return 0;
}

int import_map_header(json_t *columns, const struct sheet_row *hdr, struct import_map *m, struct refusal *e)
{
	for (int i = 0; i < IF_COUNT; i++) {
		m->col[i] = -1;
		m->header[i][0] = '\0';
	}
	const char *k;
	json_t *v;
	json_object_foreach(columns, k, v)
	{
		int f = field_of(k);
		const char *want = json_string_value(v);
		if (f < 0 || !want)
			continue;
		snprintf(m->header[f], sizeof m->header[f], "%s", want);
		for (int c = 0; c < hdr->ncells && m->col[f] < 0; c++) {
			char have[80];
			import_trim_to(hdr->cells[c], have, sizeof have);
			if (!strcmp(have, want))
				m->col[f] = c;
		}
		if (m->col[f] < 0)
			return refusef(e, 400, "unknown_column", "columns", "列映射中的“%.64s”在文件第 %lld 行（标题行）中不存在",
				       want, (long long)hdr->row_no);
	}
	return 0;
}

/* The cells of the row being built, trimmed. One per job (a row at a time). */
struct cells {
	char v[IF_COUNT][SHEET_MAX_CELL + 1 > 4096 ? 4096 : SHEET_MAX_CELL + 1];
};

struct import_ctx {
	const struct principal *who;
	int64_t now;
	struct complaint_settings cfg;
	json_t *orgs;         /* fin_code / internal_code / name -> row */
	json_t *orgs_by_id;   /* "id" -> row */
	json_t *channels;     /* source_channel code or name -> code */
	json_t *channel_tags; /* source_channel code -> the tag it implies (attrs.tag) */
	json_t *id_types;     /* id_type code or name -> code */
	json_t *users;        /* username -> row */
	json_t *regions;      /* code -> true, cached as seen */
	json_t *codes;        /* "A|code|yyyymmdd" -> 1 leaf in force, 0 not, 2 has children */
	char org_path[512];
	struct cells *x;
	struct complaint_input_cache input; /* the ID types (id_types) and the batch's sealing key */
};

/* The enabled items of a dictionary into into (code and name -> code) and, when tags is not
 * NULL, each code's attrs.tag into tags. */
static int load_dict(struct db *d, const char *kind, json_t *into, json_t *tags)
{
	json_t *items;
	int rc = store_dict_list(d, kind, &items);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *code = json_object_get(it, "code");
		if (!json_integer_value(json_object_get(it, "enabled")) && json_object_get(it, "enabled"))
			continue;
		json_object_set(into, json_string_value(code), code);
		const char *name = json_string_value(json_object_get(it, "name"));
		if (name)
			json_object_set(into, name, code);
		json_t *attrs = tags ? json_loads(json_string_value(json_object_get(it, "attrs")) ?: "{}", 0, NULL) : NULL;
		json_t *tag = json_object_get(attrs, "tag");
		if (json_is_string(tag))
			json_object_set(tags, json_string_value(code), tag);
		json_decref(attrs);
	}
	json_decref(items);
	return 0;
}

/* Institutions by name, internal code, financial code and id; the importer's own path. */
static void index_orgs(struct import_ctx *c, json_t *orgs)
{
	size_t i;
	json_t *o;
	/* the name first, so a code that equals another institution's name wins */
	json_array_foreach(orgs, i, o) json_object_set(c->orgs, json_string_value(json_object_get(o, "name")), o);
	json_array_foreach(orgs, i, o)
	{
		json_object_set(c->orgs, json_string_value(json_object_get(o, "internal_code")), o);
		json_object_set(c->orgs, json_string_value(json_object_get(o, "fin_code")), o);
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(o, "id")));
		json_object_set(c->orgs_by_id, id, o);
		if (json_integer_value(json_object_get(o, "id")) == c->who->org_id)
			snprintf(c->org_path, sizeof c->org_path, "%s", json_string_value(json_object_get(o, "path")));
	}
}

struct import_ctx *import_ctx_new(struct db *d, const struct principal *who, int64_t now)
{
	struct import_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->who = who;
	c->now = now;
	json_t **maps[] = {&c->orgs, &c->orgs_by_id, &c->channels, &c->channel_tags, &c->id_types, &c->users, &c->regions, &c->codes};
	bool ok = (c->x = malloc(sizeof *c->x)) != NULL;
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
		ok = (*maps[i] = json_object()) != NULL && ok;
	json_t *orgs = NULL, *users = NULL;
	if (!ok || complaint_settings_get(d, &c->cfg) != 0 || load_dict(d, "source_channel", c->channels, c->channel_tags) != 0 ||
	    load_dict(d, "id_type", c->id_types, NULL) != 0 || store_import_orgs(d, &orgs) < 0 || store_import_users(d, &users) < 0) {
		json_decref(orgs);
		json_decref(users);
		import_ctx_free(c);
		return NULL;
	}
	index_orgs(c, orgs);
	c->input.id_types = c->id_types; /* the enabled codes, a subset of the dictionary */
	size_t i;
	json_t *o;
	json_array_foreach(users, i, o) json_object_set(c->users, json_string_value(json_object_get(o, "username")), o);
	json_decref(orgs);
	json_decref(users);
	return c;
}

void import_ctx_free(struct import_ctx *c)
{
	if (!c)
		return;
	json_t *maps[] = {c->orgs, c->orgs_by_id, c->channels, c->channel_tags, c->id_types, c->users, c->regions, c->codes};
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
		json_decref(maps[i]);
	free(c->x);
	free(c);
}

int import_ctx_begin_batch(struct db *d, struct import_ctx *c, char key_id[PII_KEY_ID_SIZE])
{
	int rc = key_rotation_current_key(d, c->input.key_id);
	snprintf(key_id, PII_KEY_ID_SIZE, "%s", rc < 0 ? "" : c->input.key_id);
	return rc < 0 ? rc : 0;
}

int import_batch_check_key(struct db *d, const char *key_id, int64_t after_id, int64_t n)
{
	char now[PII_KEY_ID_SIZE];
	int64_t resealed = 0;
	int rc = key_rotation_current_key(d, now);
	if (rc < 0 || strcmp(now, key_id) == 0)
		return rc < 0 ? rc : 0;
	rc = key_rotation_reseal_after(d, after_id, n, &resealed);
	if (rc == 0)
		log_info("import: the key changed from %s to %s during a batch; %lld rows re-sealed", key_id, now,
			 (long long)resealed);
	return rc;
}

/* ---- one row ---- */

/* The row being built: its cells, what the checks found, the record. */
struct build {
	struct db *d;
	struct import_ctx *c;
	const struct import_map *m;
	struct cells *x;
	struct import_row_result *res;
	int64_t received;
	const char *status;
	json_t *chan, *org; /* borrowed from the ctx */
	char date[16];      /* the receipt date, yyyy-mm-dd */
	json_t *rec;
};

static const char *cell(const struct build *b, int f)
{
	return b->x->v[f];
}

/* Marks the row bad at field f (-1: no column) with the reason. Returns 1 (a bad row). */
static int bad(const struct build *b, int f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(const struct build *b, int f, const char *fmt, ...)
{
	b->res->ok = false;
	snprintf(b->res->column, sizeof b->res->column, "%s", f >= 0 ? b->m->header[f] : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->res->reason, sizeof b->res->reason, fmt, ap);
	va_end(ap);
	return 1;
}

void import_row_key(const struct import_map *m, const struct sheet_row *row, char out[65])
{
	int c = m->col[IF_LEGACY_NO];
	import_trim_to(c >= 0 && c < row->ncells ? row->cells[c] : "", out, 65);
}

/* JR/T 0169 code check, cached per job by dimension, code and receipt date: 1 a leaf in force, 0
 * not in force, 2 in force but not a leaf; negative db status. */
static int code_state(struct db *d, struct import_ctx *c, const char *dim, const char *code, const char *date)
{
	char key[96];
	snprintf(key, sizeof key, "%s|%.40s|%s", dim, code, date);
	json_t *v = json_object_get(c->codes, key);
	if (v)
		return (int)json_integer_value(v);
	bool leaf = false;
	int rc = store_code_in_force(d, dim, code, date, &leaf);
	if (rc < 0)
		return rc;
	int st = rc == 0 ? 0 : leaf ? 1 : 2;
	json_object_set_new(c->codes, key, json_integer(st));
	return st;
}

/* Each mapped cell, refused when it is (or looks like) a formula or is too long, trimmed. */
static int load_cells(struct build *b, const struct sheet_row *row)
{
	for (int f = 0; f < IF_COUNT; f++) {
		int col = b->m->col[f];
		bool in = col >= 0 && col < row->ncells;
		const char *raw = in ? row->cells[col] : "";
		if (in && row->formula[col])
			return bad(b, f, "单元格是 Excel 公式，导入只接受数值或文字，已拒绝");
		if (import_formula_like(raw))
			return bad(b, f, "单元格以“%c”开头，可能是公式注入（如 =cmd|...），已拒绝", raw[0] == '\t' ? ' ' : raw[0]);
		if (strlen(raw) >= sizeof b->x->v[f])
			return bad(b, f, "%s过长（超过 %zu 字节）", import_fields[f].label, sizeof b->x->v[f] - 1);
		import_trim_to(raw, b->x->v[f], sizeof b->x->v[f]);
	}
	for (int f = 0; f < IF_COUNT; f++)
		if (import_fields[f].required && !*cell(b, f))
			return bad(b, f, "%s不能为空", import_fields[f].label);
	if (strlen(cell(b, IF_LEGACY_NO)) > 64)
		return bad(b, IF_LEGACY_NO, "原投诉编号超过 64 字节");
	return 0;
}

/* The receipt time, status, channel, institution and the three JR/T 0169 codes. */
static int check_head(struct build *b)
{
	struct import_ctx *c = b->c;
	if (import_parse_time(cell(b, IF_RECEIVED_AT), &b->received) != 0)
		return bad(b, IF_RECEIVED_AT, "接收时间“%.40s”不是日期时间（如 2023-05-01 09:30:00）", cell(b, IF_RECEIVED_AT));
	if (b->received > c->now)
		return bad(b, IF_RECEIVED_AT, "接收时间晚于当前时间");
	if (!(b->status = import_status_from(cell(b, IF_STATUS))))
		return bad(b, IF_STATUS, "状态“%.30s”无法识别（可用：已登记、处理中、审核中、已答复、已办结、已撤回）",
			   cell(b, IF_STATUS));
	if (!(b->chan = json_object_get(c->channels, cell(b, IF_SOURCE_CHANNEL))))
		return bad(b, IF_SOURCE_CHANNEL, "投诉反映渠道“%.30s”不在字典中（可填代码或名称）", cell(b, IF_SOURCE_CHANNEL));
	if (!(b->org = json_object_get(c->orgs, cell(b, IF_ORG))))
		return bad(b, IF_ORG, "被投诉机构“%.60s”不存在（可填金融机构编码、内部编码或名称）", cell(b, IF_ORG));
	ymd_format(ymd_from_ms(b->received, CN_TZ_OFFSET_MIN), b->date, sizeof b->date);
	static const struct {
		int f;
		const char *dim;
	} dims[] = {{IF_CHANNEL, "A"}, {IF_TYPE, "B"}, {IF_CAUSE, "C"}};
	for (size_t i = 0; i < 3; i++) {
		int st = code_state(b->d, c, dims[i].dim, cell(b, dims[i].f), b->date);
		if (st < 0)
			return st;
		if (st == 0)
			return bad(b, dims[i].f, "%s“%.16s”不在 JR/T 0169 代码表中或在接收日期（%s）未生效",
				   import_fields[dims[i].f].label, cell(b, dims[i].f), b->date);
		if (st == 2)
			return bad(b, dims[i].f, "%s“%.16s”还有下级分类，须为最末一级代码", import_fields[dims[i].f].label,
				   cell(b, dims[i].f));
	}
	return 0;
}

/* The region, checked once per code per job. */
static int check_region(struct build *b)
{
	const char *code = cell(b, IF_REGION);
	json_t *known = json_object_get(b->c->regions, code);
	if (!known) {
		json_t *row = NULL;
		int rc = store_region_get(b->d, code, &row);
		json_decref(row);
		if (rc < 0)
			return rc;
		json_object_set_new(b->c->regions, code, json_boolean(rc == 1));
		known = json_object_get(b->c->regions, code);
	}
	if (!json_is_true(known))
		return bad(b, IF_REGION, "行政区划代码“%.12s”不存在（GB/T 2260 六位代码）", code);
	return 0;
}

/* The record as a complaint registered in fcms would start. NULL when out of memory. */
static json_t *new_record(const struct import_ctx *c)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I}",
			 "status", "draft", "version", (json_int_t)1, "registrar_id", (json_int_t)c->who->user_id,
			 "registrar_org_id", (json_int_t)c->who->org_id, "org_path", c->org_path, "rights", "", "tags", "",
			 "content", "", "demand", "", "day_type", c->cfg.working_days ? "working" : "calendar",
			 "deadline_state", "on_time", "allowed_days", (json_int_t)c->cfg.standard_days, "extension_count",
			 (json_int_t)0, "transfer_count", (json_int_t)0, "created_at", (json_int_t)c->now, "updated_at",
			 (json_int_t)c->now, "handling_org_id", (json_int_t)c->who->org_id, "sync_status", "unsent",
			 "complainant_masked", "{}", "clock_restarts", (json_int_t)0);
}

/* A refusal's field (an API name) as the import field it came from. */
static int field_of_refusal(const char *field)
{
	static const char *const map[][2] = {
		{"complainant.name", "complainant_name"}, {"complainant.id_type", "complainant_id_type"},
		{"complainant.id_no", "complainant_id_no"}, {"complainant.phone", "complainant_phone"},
		{"complainant.address", "complainant_address"}, {"amount_fen", "amount_yuan"},
		{"complained_org_id", "complained_org"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(field, map[i][0]))
			return field_of(map[i][1]);
	return field_of(field);
}

/* The complainant as complaint_apply_input takes it. NULL when out of memory; 1 in *bad_row when
 * the identity type is not in the dictionary. */
static json_t *complainant_of(struct build *b, int *bad_row)
{
	json_t *who = json_object();
	if (!who || json_object_set_new(who, "name", json_string(cell(b, IF_NAME))) != 0)
		goto fail;
	const char *idt = cell(b, IF_ID_TYPE);
	if (*idt) {
		json_t *code = json_object_get(b->c->id_types, idt);
		if (!code) {
			*bad_row = bad(b, IF_ID_TYPE, "证件类型“%.30s”不在证件类型字典中", idt);
			goto fail;
		}
		/* a copy: apply_complainant wipes the identity's strings, and code is the cache's */
		json_object_set_new(who, "id_type", json_string(json_string_value(code)));
	}
	static const struct {
		int f;
		const char *key;
	} idf[] = {{IF_ID_NO, "id_no"}, {IF_PHONE, "phone"}, {IF_ADDRESS, "address"}};
	for (size_t i = 0; i < 3; i++)
		if (*cell(b, idf[i].f) && json_object_set_new(who, idf[i].key, json_string(cell(b, idf[i].f))) != 0)
			goto fail;
	return who;
fail:
	json_decref(who);
	return NULL;
}

/* The complainant and the complaint's own fields through complaint_apply_input (the rules of a
 * complaint registered in fcms); the channel, institution and region are checked already (per
 * job, not per row) and set directly. */
static int apply_fields(struct build *b)
{
	int bad_row = 0;
	json_t *who = complainant_of(b, &bad_row), *input = json_object();
	if (!who || !input) {
		json_decref(who);
		json_decref(input);
		return bad_row ? 1 : DB_HARD;
	}
	json_object_set_new(input, "complainant", who);
	static const struct {
		int f;
		const char *key;
	} plain[] = {{IF_CHANNEL, "business_channel_code"}, {IF_TYPE, "business_type_code"}, {IF_CAUSE, "cause_code"},
		     {IF_CONTENT, "content"}, {IF_DEMAND, "demand"}};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		json_object_set_new(input, plain[i].key, json_string(cell(b, plain[i].f)));
	if (*cell(b, IF_EXTERNAL_NO))
		json_object_set_new(input, "external_no", json_string(cell(b, IF_EXTERNAL_NO)));
	if (*cell(b, IF_RIGHTS))
		json_object_set_new(input, "rights", import_split_rights(cell(b, IF_RIGHTS)));
	int64_t fen;
	int rc = 0;
	if (*cell(b, IF_AMOUNT) && import_parse_yuan(cell(b, IF_AMOUNT), &fen) != 0)
		rc = bad(b, IF_AMOUNT, "涉及金额“%.30s”不是金额（元，最多两位小数）", cell(b, IF_AMOUNT));
	else if (*cell(b, IF_AMOUNT))
		json_object_set_new(input, "amount_fen", json_integer(fen));
	struct refusal e = {0};
	if (rc == 0 && (rc = complaint_apply_input_cached(b->d, input, b->rec, &b->c->input, &e)) > 0)
		rc = bad(b, field_of_refusal(e.field), "%s", e.message);
	json_decref(input);
	if (rc != 0)
		return rc;
	json_object_set(b->rec, "source_channel", b->chan);
	const char *tag = json_string_value(json_object_get(b->c->channel_tags, json_string_value(b->chan)));
	if (tag && (!strcmp(tag, "regulator") || !strcmp(tag, "media")))
		complaint_add_tag(b->rec, tag); /* e.g. regulator-transferred complaints are tagged 监管转办 */
	json_object_set(b->rec, "complained_org_id", json_object_get(b->org, "id"));
	json_object_set_new(b->rec, "region_code", json_string(cell(b, IF_REGION)));
	return 0;
}

/* Each basic-rights code in force on the receipt date. */
static int check_rights(struct build *b)
{
	const char *rights = json_string_value(json_object_get(b->rec, "rights")) ?: "";
	for (const char *p = rights; *p;) {
		char code[16];
		size_t n = strcspn(p, " ");
		snprintf(code, sizeof code, "%.*s", (int)(n < 15 ? n : 15), p);
		int rc = code_state(b->d, b->c, "R", code, b->date);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return bad(b, IF_RIGHTS, "基本权益代码“%s”不在 JR/T 0169 代码表中或未生效", code);
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* The history the old system holds, one parser per kind of cell. */
enum hist_kind { H_TIME, H_YUAN, H_REPLY_RESULT, H_TEXT };
static const struct {
	int f;
	const char *col;
	enum hist_kind kind;
} history[] = {
	{IF_REPLIED_AT, "replied_at", H_TIME},        {IF_CLOSED_AT, "closed_at", H_TIME},
	{IF_DUE_AT, "due_at", H_TIME},                {IF_REPLY_RESULT, "reply_result", H_REPLY_RESULT},
	{IF_REPLY_CONTENT, "reply_content", H_TEXT}, {IF_COMPENSATION, "compensation_fen", H_YUAN},
};

static int set_history_cell(struct build *b, int f, const char *col, enum hist_kind kind)
{
	const char *s = cell(b, f);
	int64_t n;
	const char *word;
	switch (kind) {
	case H_TIME:
		if (import_parse_time(s, &n) != 0)
			return bad(b, f, "%s“%.40s”不是日期时间（如 2023-05-01 09:30:00）", import_fields[f].label, s);
		return json_object_set_new(b->rec, col, json_integer(n)) ? DB_HARD : 0;
	case H_YUAN:
		if (import_parse_yuan(s, &n) != 0)
			return bad(b, f, "%s“%.30s”不是金额（元，最多两位小数）", import_fields[f].label, s);
		return json_object_set_new(b->rec, col, json_integer(n)) ? DB_HARD : 0;
	case H_REPLY_RESULT:
		if (!(word = import_reply_result_from(s)))
			return bad(b, f, "处理结果“%.30s”无法识别（满足诉求、部分满足、不予支持、解释说明）", s);
		return json_object_set_new(b->rec, col, json_string(word)) ? DB_HARD : 0;
	case H_TEXT:
		return json_object_set_new(b->rec, col, json_string(s)) ? DB_HARD : 0;
	}
	return DB_HARD;
}

/* The dates, status and reply of the old system, checked against each other. */
static int set_history(struct build *b)
{
	json_t *rec = b->rec;
	json_object_set_new(rec, "received_at", json_integer(b->received));
	json_object_set_new(rec, "clock_start_at", json_integer(b->received));
	json_object_set_new(rec, "registered_at", json_integer(b->received));
	json_object_set_new(rec, "status", json_string(b->status));
	int rc;
	for (size_t i = 0; i < sizeof history / sizeof history[0]; i++)
		if (*cell(b, history[i].f) && (rc = set_history_cell(b, history[i].f, history[i].col, history[i].kind)) != 0)
			return rc;
	json_t *closed = json_object_get(rec, "closed_at");
	if (!strcmp(b->status, "closed") && !closed)
		return bad(b, b->m->col[IF_CLOSED_AT] >= 0 ? IF_CLOSED_AT : IF_STATUS, "状态为已办结的投诉必须有办结时间");
	static const int order[] = {IF_REPLIED_AT, IF_CLOSED_AT};
	static const char *const order_col[] = {"replied_at", "closed_at"};
	for (int i = 0; i < 2; i++) {
		json_t *t = json_object_get(rec, order_col[i]);
		if (t && json_integer_value(t) < b->received)
			return bad(b, order[i], "%s早于接收时间", import_fields[order[i]].label);
		if (t && json_integer_value(t) > b->c->now)
			return bad(b, order[i], "%s晚于当前时间", import_fields[order[i]].label);
	}
	if (!strcmp(b->status, "withdrawn") && closed)
		json_object_set(rec, "withdrawn_at", closed);
	return 0;
}

/* The handler, the data scope (the handler's institution, else the complained one), the
 * deadline state and the numbers. */
static int set_scope(struct build *b)
{
	json_t *rec = b->rec;
	struct import_ctx *c = b->c;
	json_t *u = *cell(b, IF_HANDLER) ? json_object_get(c->users, cell(b, IF_HANDLER)) : NULL;
	json_t *horg = NULL;
	if (u) {
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(u, "org_id")));
		json_object_set(rec, "handler_id", json_object_get(u, "id"));
		horg = json_object_get(c->orgs_by_id, id);
	}
	if (*cell(b, IF_HANDLER))
		json_object_set_new(rec, "legacy_handler", json_string(cell(b, IF_HANDLER)));
	json_object_set(rec, "org_path", json_object_get(horg ? horg : b->org, "path"));
	json_object_set(rec, "handling_org_id", json_object_get(horg ? horg : b->org, "id"));
	const char *st = b->status;
	if (!strcmp(st, "closed") || !strcmp(st, "withdrawn") || !strcmp(st, "replied"))
		json_object_set_new(rec, "deadline_state", json_string("done"));
	int rc = 0;
	if (json_is_integer(json_object_get(rec, "due_at"))) {
		if (wf_status_open(st) && strcmp(st, "replied") != 0) {
			static const char *const names[] = {"on_time", "due_soon", "overdue", "paused"};
			enum deadline_state ds = deadline_state(json_integer_value(json_object_get(rec, "due_at")), c->now,
								c->cfg.due_soon_days * MS_PER_DAY);
			json_object_set_new(rec, "deadline_state", json_string(names[ds]));
		}
	} else if ((rc = complaint_update_deadline(b->d, rec, &c->cfg, c->now)) < 0)
		return rc;
	json_object_set_new(rec, "complaint_no", json_string(cell(b, IF_LEGACY_NO)));
	json_object_set_new(rec, "legacy_no", json_string(cell(b, IF_LEGACY_NO)));
	return 0;
}

int import_row_build(struct db *d, struct import_ctx *c, const struct import_map *m, const struct sheet_row *row,
		     json_t **rec_out, struct import_row_result *res)
{
	*rec_out = NULL;
	memset(res, 0, sizeof *res);
	import_row_key(m, row, res->legacy_no);
	struct build b = {.d = d, .c = c, .m = m, .x = c->x, .res = res};
	int rc = load_cells(&b, row);
	if (rc == 0)
		rc = check_head(&b);
	if (rc == 0 && !(b.rec = new_record(c)))
		rc = DB_HARD;
	/* the region before the rest of the record, as complaint_apply_input checks it */
	int (*const stages[])(struct build *) = {check_region, apply_fields, check_rights, set_history, set_scope};
	for (size_t i = 0; rc == 0 && i < sizeof stages / sizeof stages[0]; i++)
		rc = stages[i](&b);
	if (rc != 0) {
		json_decref(b.rec);
		return rc < 0 ? rc : 0;
	}
	res->ok = true;
	*rec_out = b.rec;
	return 0;
}

int import_key_exists(struct db *d, const char *legacy_no)
{
	int64_t id, job;
	bool imported = false;
	int rc = store_import_key_get(d, legacy_no, &id, &job, &imported);
	return rc < 0 ? rc : rc == 0 ? 0 : imported ? 1 : 2;
}

int import_row_write(struct db *d, json_t *rec, int64_t job_id, bool to_regulator, int64_t now,
		     enum import_outcome *out)
{
	const char *no = json_string_value(json_object_get(rec, "legacy_no"));
	int64_t id, job;
	bool imported = false;
	json_object_del(rec, "id");
	int rc = store_import_key_get(d, no, &id, &job, &imported);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*out = !imported ? IMPORT_NUMBER_TAKEN : job == job_id ? IMPORT_DONE_BY_JOB : IMPORT_SKIPPED_EXISTING;
		return 0;
	}
	json_object_set_new(rec, "sync_status", json_string(to_regulator ? "pending" : "unsent"));
	if ((rc = store_complaint_insert_imported(d, rec, job_id, &id)) < 0)
		return rc;
	json_object_set_new(rec, "id", json_integer(id));
	if (to_regulator && (rc = regulator_enqueue(d, rec, "registered", false, now)) < 0)
		return rc;
	*out = IMPORT_INSERTED;
	return 0;
}
