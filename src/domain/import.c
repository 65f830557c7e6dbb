/* Historical-complaint import: the rules (see import.h). */
#include "domain/import.h"
#include "domain/complaint.h"
#include "domain/complaint_settings.h"
#include "domain/deadline.h"
#include "domain/workflow.h"
#include "regulator/gateway.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/sheet_read.h"
#include <ctype.h>
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

/* s without leading and trailing spaces (ASCII and U+3000) into out. */
static void trim_to(const char *s, char *out, size_t n)
{
	while (*s == ' ' || *s == '\t' || !strncmp(s, "\xE3\x80\x80", 3))
		s += *s == ' ' || *s == '\t' ? 1 : 3;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	while (len >= 3 && !memcmp(s + len - 3, "\xE3\x80\x80", 3))
		len -= 3;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
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
			trim_to(hdr->cells[c], have, sizeof have);
			if (!strcmp(have, want))
				m->col[f] = c;
		}
		if (m->col[f] < 0)
			return refusef(e, 400, "unknown_column", "columns", "列映射中的“%.64s”在文件第 %lld 行（标题行）中不存在",
				       want, (long long)hdr->row_no);
	}
	return 0;
}

struct import_ctx {
	const struct principal *who;
	int64_t now;
	struct complaint_settings cfg;
	json_t *orgs;      /* fin_code / internal_code / name -> row */
	json_t *channels;  /* source_channel code or name -> code */
	json_t *id_types;  /* id_type code or name -> code */
	json_t *users;     /* username -> row */
	json_t *regions;   /* code -> true, cached as seen */
	json_t *codes;     /* "A|code|yyyymmdd" -> 1 leaf in force, 0 not, 2 has children */
	char org_path[512];
};

static int load_dict(struct db *d, const char *kind, json_t *into)
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
	}
	json_decref(items);
	return 0;
}

struct import_ctx *import_ctx_new(struct db *d, const struct principal *who, int64_t now)
{
	struct import_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->who = who;
	c->now = now;
	c->orgs = json_object();
	c->channels = json_object();
	c->id_types = json_object();
	c->users = json_object();
	c->regions = json_object();
	c->codes = json_object();
	json_t *orgs = NULL, *users = NULL;
	if (!c->orgs || !c->channels || !c->id_types || !c->users || !c->regions || !c->codes ||
	    complaint_settings_get(d, &c->cfg) != 0 || load_dict(d, "source_channel", c->channels) != 0 ||
	    load_dict(d, "id_type", c->id_types) != 0 || store_import_orgs(d, &orgs) < 0 ||
	    store_import_users(d, &users) < 0)
		goto fail;
	size_t i;
	json_t *o;
	/* the name first, so a code that equals another institution's name wins */
	json_array_foreach(orgs, i, o) json_object_set(c->orgs, json_string_value(json_object_get(o, "name")), o);
	json_array_foreach(orgs, i, o)
	{
		json_object_set(c->orgs, json_string_value(json_object_get(o, "internal_code")), o);
		json_object_set(c->orgs, json_string_value(json_object_get(o, "fin_code")), o);
		if (json_integer_value(json_object_get(o, "id")) == who->org_id)
			snprintf(c->org_path, sizeof c->org_path, "%s", json_string_value(json_object_get(o, "path")));
	}
	json_array_foreach(users, i, o) json_object_set(c->users, json_string_value(json_object_get(o, "username")), o);
	json_decref(orgs);
	json_decref(users);
	return c;
fail:
	json_decref(orgs);
	json_decref(users);
	import_ctx_free(c);
	return NULL;
}

void import_ctx_free(struct import_ctx *c)
{
	if (!c)
		return;
	json_decref(c->orgs);
	json_decref(c->channels);
	json_decref(c->id_types);
	json_decref(c->users);
	json_decref(c->regions);
	json_decref(c->codes);
	free(c);
}

/* ---- cells ---- */
struct cells {
	const struct import_map *m;
	const struct sheet_row *row;
	char v[IF_COUNT][SHEET_MAX_CELL + 1 > 4096 ? 4096 : SHEET_MAX_CELL + 1];
};

static const char *cell(struct cells *c, int f)
{
	return c->v[f];
}

static int bad(struct import_row_result *res, const struct import_map *m, int f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(struct import_row_result *res, const struct import_map *m, int f, const char *fmt, ...)
{
	res->ok = false;
	snprintf(res->column, sizeof res->column, "%s", f >= 0 ? m->header[f] : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	return 0;
}

/* A cell a spreadsheet would run as a formula when the data is opened again (CSV injection):
 * =, @, or + / - not followed by a digit, and the tab/CR prefixes that hide them. */
static bool formula_like(const char *s)
{
	if (!*s)
		return false;
	if (*s == '=' || *s == '@' || *s == '\t' || *s == '\r')
		return true;
	if ((*s == '+' || *s == '-') && s[1] && !isdigit((unsigned char)s[1]) && s[1] != '.' && s[1] != ' ')
		return true;
	return false;
}

void import_row_key(const struct import_map *m, const struct sheet_row *row, char out[65])
{
	int c = m->col[IF_LEGACY_NO];
	trim_to(c >= 0 && c < row->ncells ? row->cells[c] : "", out, 65);
}

/* "2023-05-01", "2023/5/1 9:30", "2023-05-01 09:30:00", ISO 8601 with offset, or an Excel date
 * serial (days since 1899-12-30, the fraction the time of day), bank local time. 0 or -1. */
static int parse_time(const char *s, int64_t *ms)
{
	if (!*s)
		return -1;
	char *end;
	double serial = strtod(s, &end);
	if (*end == '\0' && end != s && serial > 1 && serial < 2958466) {
		double days = serial - 25569.0; /* 1970-01-01 */
		*ms = (int64_t)(days * (double)MS_PER_DAY + (days >= 0 ? 0.5 : -0.5)) - CN_TZ_OFFSET_MS;
		return 0;
	}
	if (strchr(s, 'T') && iso8601_parse(s, ms) == 0)
		return 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	char sep;
	if (sscanf(s, "%4d%c%2d%*[-/]%2d%n", &y, &sep, &mo, &d, &n) < 4 || (sep != '-' && sep != '/'))
		return -1;
	const char *rest = s + n;
	if (*rest) {
		int m2 = 0;
		if (sscanf(rest, " %2d:%2d%n", &h, &mi, &m2) < 2)
			return -1;
		rest += m2;
		if (*rest == ':') {
			int m3 = 0;
			if (sscanf(rest, ":%2d%n", &sec, &m3) < 1)
				return -1;
			rest += m3;
		}
		if (*rest)
			return -1;
	}
	if (h > 23 || mi > 59 || sec > 59 || !ymd_valid(y * 10000 + mo * 100 + d))
		return -1;
	char iso[40];
	snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, h, mi, sec);
	return iso8601_parse(iso, ms);
}

/* "1,234.56" yuan -> fen. 0 or -1. */
static int parse_yuan(const char *s, int64_t *fen)
{
	int64_t whole = 0;
	int frac = 0, fd = 0;
	bool dot = false, any = false;
	for (; *s; s++) {
		if (*s == ',')
			continue;
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return -1;
		any = true;
		if (dot) {
			if (++fd > 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		} else if ((whole = whole * 10 + (*s - '0')) > 1000000000000LL)
			return -1;
	}
	if (!any)
		return -1;
	if (fd == 1)
		frac *= 10;
	*fen = whole * 100 + frac;
	return 0;
}

static const char *status_from(const char *s)
{
	static const struct {
		const char *word, *status;
	} words[] = {{"registered", "registered"}, {"processing", "processing"}, {"reviewing", "reviewing"},
		     {"replied", "replied"},       {"closed", "closed"},         {"withdrawn", "withdrawn"},
		     {"已登记", "registered"},     {"待处理", "registered"},     {"已受理", "registered"},
		     {"处理中", "processing"},     {"办理中", "processing"},     {"待审核", "reviewing"},
		     {"审核中", "reviewing"},      {"已答复", "replied"},        {"已回复", "replied"},
		     {"已办结", "closed"},         {"办结", "closed"},           {"已结案", "closed"},
		     {"已关闭", "closed"},         {"已撤回", "withdrawn"},      {"撤诉", "withdrawn"}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(s, words[i].word))
			return words[i].status;
	return NULL;
}

static const char *reply_result_from(const char *s)
{
	static const char *const map[][2] = {{"accepted", "accepted"},   {"partially_accepted", "partially_accepted"},
					     {"not_accepted", "not_accepted"}, {"explained", "explained"},
					     {"满足诉求", "accepted"},   {"部分满足", "partially_accepted"},
					     {"不予支持", "not_accepted"}, {"解释说明", "explained"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(s, map[i][0]))
			return map[i][1];
	return NULL;
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

static int check_codes(struct db *d, struct import_ctx *c, struct cells *x, const char *date,
		       struct import_row_result *res, bool *ok)
{
	static const struct {
		int f;
		const char *dim;
	} dims[] = {{IF_CHANNEL, "A"}, {IF_TYPE, "B"}, {IF_CAUSE, "C"}};
	*ok = false;
	for (size_t i = 0; i < 3; i++) {
		int st = code_state(d, c, dims[i].dim, cell(x, dims[i].f), date);
		if (st < 0)
			return st;
		if (st == 0)
			return bad(res, x->m, dims[i].f, "%s“%.16s”不在 JR/T 0169 代码表中或在接收日期（%s）未生效",
				   import_fields[dims[i].f].label, cell(x, dims[i].f), date);
		if (st == 2)
			return bad(res, x->m, dims[i].f, "%s“%.16s”还有下级分类，须为最末一级代码",
				   import_fields[dims[i].f].label, cell(x, dims[i].f));
	}
	*ok = true;
	return 0;
}

/* The rights cell ("R01;R03", separated by ; ， , 、 or spaces) as a JSON array; NULL when bad. */
static json_t *split_rights(const char *s)
{
	json_t *a = json_array();
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", s);
	for (char *p = buf; a && *p;) {
		size_t n = strcspn(p, ";,， 、；");
		if (n) {
			char save = p[n];
			p[n] = '\0';
			json_array_append_new(a, json_string(p));
			p[n] = save;
			p += n;
		}
		/* skip one separator, ASCII or a three-byte one */
		if (*p)
			p += ((unsigned char)*p >= 0x80) ? 3 : 1;
	}
	return a;
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

static int set_time_field(json_t *rec, struct cells *x, int f, const char *col, struct import_row_result *res)
{
	if (!*cell(x, f))
		return 1;
	int64_t ms;
	if (parse_time(cell(x, f), &ms) != 0)
		return bad(res, x->m, f, "%s“%.40s”不是日期时间（如 2023-05-01 09:30:00）", import_fields[f].label, cell(x, f)), 0;
	json_object_set_new(rec, col, json_integer(ms));
	return 1;
}

int import_row_build(struct db *d, struct import_ctx *c, const struct import_map *m, const struct sheet_row *row,
		     json_t **rec_out, struct import_row_result *res)
{
	*rec_out = NULL;
	memset(res, 0, sizeof *res);
	res->ok = false;
	import_row_key(m, row, res->legacy_no);
	struct cells *x = malloc(sizeof *x);
	if (!x)
		return DB_HARD;
	x->m = m;
	x->row = row;
	for (int f = 0; f < IF_COUNT; f++) {
		int col = m->col[f];
		const char *raw = col >= 0 && col < row->ncells ? row->cells[col] : "";
		if (col >= 0 && col < row->ncells && row->formula[col]) {
			bad(res, m, f, "单元格是 Excel 公式，导入只接受数值或文字，已拒绝");
			goto out;
		}
		if (formula_like(raw)) {
			bad(res, m, f, "单元格以“%c”开头，可能是公式注入（如 =cmd|...），已拒绝", raw[0] == '\t' ? ' ' : raw[0]);
			goto out;
		}
		if (strlen(raw) >= sizeof x->v[f]) {
			bad(res, m, f, "%s过长（超过 %zu 字节）", import_fields[f].label, sizeof x->v[f] - 1);
			goto out;
		}
		trim_to(raw, x->v[f], sizeof x->v[f]);
	}
	for (int f = 0; f < IF_COUNT; f++)
		if (import_fields[f].required && !*cell(x, f)) {
			bad(res, m, f, "%s不能为空", import_fields[f].label);
			goto out;
		}
	if (strlen(cell(x, IF_LEGACY_NO)) > 64) {
		bad(res, m, IF_LEGACY_NO, "原投诉编号超过 64 字节");
		goto out;
	}
	int64_t received;
	if (parse_time(cell(x, IF_RECEIVED_AT), &received) != 0) {
		bad(res, m, IF_RECEIVED_AT, "接收时间“%.40s”不是日期时间（如 2023-05-01 09:30:00）", cell(x, IF_RECEIVED_AT));
		goto out;
	}
	if (received > c->now) {
		bad(res, m, IF_RECEIVED_AT, "接收时间晚于当前时间");
		goto out;
	}
	const char *status = status_from(cell(x, IF_STATUS));
	if (!status) {
		bad(res, m, IF_STATUS, "状态“%.30s”无法识别（可用：已登记、处理中、审核中、已答复、已办结、已撤回）",
		    cell(x, IF_STATUS));
		goto out;
	}
	json_t *chan = json_object_get(c->channels, cell(x, IF_SOURCE_CHANNEL));
	if (!chan) {
		bad(res, m, IF_SOURCE_CHANNEL, "投诉反映渠道“%.30s”不在字典中（可填代码或名称）", cell(x, IF_SOURCE_CHANNEL));
		goto out;
	}
	json_t *org = json_object_get(c->orgs, cell(x, IF_ORG));
	if (!org) {
		bad(res, m, IF_ORG, "被投诉机构“%.60s”不存在（可填金融机构编码、内部编码或名称）", cell(x, IF_ORG));
		goto out;
	}
	char date[16];
	ymd_format(ymd_from_ms(received, CN_TZ_OFFSET_MIN), date, sizeof date);
	bool codes_ok;
	int rc = check_codes(d, c, x, date, res, &codes_ok);
	if (rc < 0 || !codes_ok) {
		free(x);
		return rc < 0 ? rc : 0;
	}
	/* The record as a complaint registered in fcms, then the history the old system holds. */
	json_t *rec = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I}",
				"status", "draft", "version", (json_int_t)1, "registrar_id", (json_int_t)c->who->user_id,
				"registrar_org_id", (json_int_t)c->who->org_id, "org_path", c->org_path, "rights", "",
				"tags", "", "content", "", "demand", "", "day_type", c->cfg.working_days ? "working" : "calendar",
				"deadline_state", "on_time", "allowed_days", (json_int_t)c->cfg.standard_days,
				"extension_count", (json_int_t)0, "transfer_count", (json_int_t)0, "created_at", (json_int_t)c->now,
				"updated_at", (json_int_t)c->now, "handling_org_id", (json_int_t)c->who->org_id,
				"sync_status", "unsent", "complainant_masked", "{}", "clock_restarts", (json_int_t)0);
	json_t *who = json_object();
	json_t *input = json_object();
	if (!rec || !who || !input) {
		json_decref(rec);
		json_decref(who);
		json_decref(input);
		free(x);
		return DB_HARD;
	}
	json_object_set_new(who, "name", json_string(cell(x, IF_NAME)));
	const char *idt = cell(x, IF_ID_TYPE);
	if (*idt) {
		json_t *code = json_object_get(c->id_types, idt);
		if (!code) {
			bad(res, m, IF_ID_TYPE, "证件类型“%.30s”不在证件类型字典中", idt);
			goto fail_rec;
		}
		/* a copy: apply_complainant wipes the identity's strings, and code is the cache's */
		json_object_set_new(who, "id_type", json_string(json_string_value(code)));
	}
	static const struct {
		int f;
		const char *key;
	} idf[] = {{IF_ID_NO, "id_no"}, {IF_PHONE, "phone"}, {IF_ADDRESS, "address"}};
	for (size_t i = 0; i < 3; i++)
		if (*cell(x, idf[i].f))
			json_object_set_new(who, idf[i].key, json_string(cell(x, idf[i].f)));
	json_object_set_new(input, "complainant", who);
	who = NULL;
	json_object_set(input, "source_channel", chan);
	json_object_set(input, "complained_org_id", json_object_get(org, "id"));
	json_object_set_new(input, "region_code", json_string(cell(x, IF_REGION)));
	json_object_set_new(input, "business_channel_code", json_string(cell(x, IF_CHANNEL)));
	json_object_set_new(input, "business_type_code", json_string(cell(x, IF_TYPE)));
	json_object_set_new(input, "cause_code", json_string(cell(x, IF_CAUSE)));
	json_object_set_new(input, "content", json_string(cell(x, IF_CONTENT)));
	json_object_set_new(input, "demand", json_string(cell(x, IF_DEMAND)));
	if (*cell(x, IF_EXTERNAL_NO))
		json_object_set_new(input, "external_no", json_string(cell(x, IF_EXTERNAL_NO)));
	if (*cell(x, IF_RIGHTS))
		json_object_set_new(input, "rights", split_rights(cell(x, IF_RIGHTS)));
	int64_t fen;
	if (*cell(x, IF_AMOUNT)) {
		if (parse_yuan(cell(x, IF_AMOUNT), &fen) != 0) {
			bad(res, m, IF_AMOUNT, "涉及金额“%.30s”不是金额（元，最多两位小数）", cell(x, IF_AMOUNT));
			goto fail_rec;
		}
		json_object_set_new(input, "amount_fen", json_integer(fen));
	}
	json_t *region = json_object_get(c->regions, cell(x, IF_REGION));
	if (!region) {
		json_t *row_r = NULL;
		rc = store_region_get(d, cell(x, IF_REGION), &row_r);
		json_decref(row_r);
		if (rc < 0)
			goto fail_db;
		json_object_set_new(c->regions, cell(x, IF_REGION), json_boolean(rc == 1));
		region = json_object_get(c->regions, cell(x, IF_REGION));
	}
	if (!json_is_true(region)) {
		bad(res, m, IF_REGION, "行政区划代码“%.12s”不存在（GB/T 2260 六位代码）", cell(x, IF_REGION));
		goto fail_rec;
	}
	json_object_del(input, "region_code"); /* checked above, once per code */
	json_object_set_new(rec, "region_code", json_string(cell(x, IF_REGION)));
	struct refusal e = {0};
	rc = complaint_apply_input(d, input, rec, &e);
	if (rc < 0)
		goto fail_db;
	if (rc > 0) {
		int f = field_of_refusal(e.field);
		bad(res, m, f, "%s", e.message);
		goto fail_rec;
	}
	const char *rights = json_string_value(json_object_get(rec, "rights")) ?: "";
	for (const char *p = rights; *p;) {
		char code[16];
		size_t n = strcspn(p, " ");
		snprintf(code, sizeof code, "%.*s", (int)(n < 15 ? n : 15), p);
		if ((rc = code_state(d, c, "R", code, date)) < 0)
			goto fail_db;
		if (rc == 0) {
			bad(res, m, IF_RIGHTS, "基本权益代码“%s”不在 JR/T 0169 代码表中或未生效", code);
			goto fail_rec;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	json_object_set_new(rec, "received_at", json_integer(received));
	json_object_set_new(rec, "clock_start_at", json_integer(received));
	json_object_set_new(rec, "registered_at", json_integer(received));
	json_object_set_new(rec, "status", json_string(status));
	/* history */
	if (!set_time_field(rec, x, IF_REPLIED_AT, "replied_at", res) || !set_time_field(rec, x, IF_CLOSED_AT, "closed_at", res) ||
	    !set_time_field(rec, x, IF_DUE_AT, "due_at", res))
		goto fail_rec;
	json_t *closed = json_object_get(rec, "closed_at");
	if (!strcmp(status, "closed") && !closed) {
		bad(res, m, m->col[IF_CLOSED_AT] >= 0 ? IF_CLOSED_AT : IF_STATUS, "状态为已办结的投诉必须有办结时间");
		goto fail_rec;
	}
	static const int order[] = {IF_REPLIED_AT, IF_CLOSED_AT};
	static const char *const order_col[] = {"replied_at", "closed_at"};
	for (int i = 0; i < 2; i++) {
		json_t *t = json_object_get(rec, order_col[i]);
		if (t && json_integer_value(t) < received) {
			bad(res, m, order[i], "%s早于接收时间", import_fields[order[i]].label);
			goto fail_rec;
		}
		if (t && json_integer_value(t) > c->now) {
			bad(res, m, order[i], "%s晚于当前时间", import_fields[order[i]].label);
			goto fail_rec;
		}
	}
	if (!strcmp(status, "withdrawn") && closed)
		json_object_set(rec, "withdrawn_at", closed);
	if (*cell(x, IF_REPLY_RESULT)) {
		const char *rr = reply_result_from(cell(x, IF_REPLY_RESULT));
		if (!rr) {
			bad(res, m, IF_REPLY_RESULT, "处理结果“%.30s”无法识别（满足诉求、部分满足、不予支持、解释说明）",
			    cell(x, IF_REPLY_RESULT));
			goto fail_rec;
		}
		json_object_set_new(rec, "reply_result", json_string(rr));
	}
	if (*cell(x, IF_REPLY_CONTENT))
		json_object_set_new(rec, "reply_content", json_string(cell(x, IF_REPLY_CONTENT)));
	if (*cell(x, IF_COMPENSATION)) {
		if (parse_yuan(cell(x, IF_COMPENSATION), &fen) != 0) {
			bad(res, m, IF_COMPENSATION, "补偿金额“%.30s”不是金额（元，最多两位小数）", cell(x, IF_COMPENSATION));
			goto fail_rec;
		}
		json_object_set_new(rec, "compensation_fen", json_integer(fen));
	}
	if (*cell(x, IF_HANDLER)) {
		json_t *u = json_object_get(c->users, cell(x, IF_HANDLER));
		if (u) {
			json_object_set(rec, "handler_id", json_object_get(u, "id"));
			json_object_set(rec, "handling_org_id", json_object_get(u, "org_id"));
		}
		json_object_set_new(rec, "legacy_handler", json_string(cell(x, IF_HANDLER)));
	}
	/* The institution that handled it decides the data scope: the handler's, else the complained one. */
	json_t *hid = json_object_get(rec, "handling_org_id");
	json_t *horg = NULL;
	if (json_is_integer(json_object_get(rec, "handler_id"))) {
		json_t *row_o;
		if ((rc = store_org_get(d, json_integer_value(hid), &row_o)) < 0)
			goto fail_db;
		horg = rc == 1 ? row_o : NULL;
	}
	json_object_set(rec, "org_path", json_object_get(horg ? horg : org, "path"));
	if (!horg)
		json_object_set(rec, "handling_org_id", json_object_get(org, "id"));
	json_decref(horg);
	if (!strcmp(status, "closed") || !strcmp(status, "withdrawn") || !strcmp(status, "replied"))
		json_object_set_new(rec, "deadline_state", json_string("done"));
	if (json_is_integer(json_object_get(rec, "due_at"))) {
		if (wf_status_open(status) && strcmp(status, "replied") != 0) {
			static const char *const names[] = {"on_time", "due_soon", "overdue", "paused"};
			enum deadline_state st = deadline_state(json_integer_value(json_object_get(rec, "due_at")), c->now,
								c->cfg.due_soon_days * MS_PER_DAY);
			json_object_set_new(rec, "deadline_state", json_string(names[st]));
		}
	} else if ((rc = complaint_update_deadline(d, rec, &c->cfg, c->now)) < 0)
		goto fail_db;
	json_object_set_new(rec, "complaint_no", json_string(cell(x, IF_LEGACY_NO)));
	json_object_set_new(rec, "legacy_no", json_string(cell(x, IF_LEGACY_NO)));
	json_decref(input);
	free(x);
	res->ok = true;
	*rec_out = rec;
	return 0;
fail_db:
	json_decref(rec);
	json_decref(input);
	json_decref(who);
	free(x);
	return rc < 0 ? rc : DB_HARD;
fail_rec:
	json_decref(rec);
	json_decref(input);
	json_decref(who);
out:
	free(x);
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
