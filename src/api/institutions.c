/* 机构管理: the institution tree. Reads are open to every signed-in user within their data
 * scope; writes need org.manage and stay inside the caller's scope too. */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/bank_name.h"
#include "http/request.h"
#include "store/store.h"
#include "util/log.h"
#include <ctype.h>
#include <string.h>

static const char *const org_types[] = {"head_office", "branch", "sub_branch", "outlet", "department", NULL};

static bool in_list(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}

static bool all_chars(const char *s, const char *extra, bool lower_ok)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isdigit(c) || isupper(c) || (lower_ok && islower(c)) || (extra && strchr(extra, c)))
			continue;
		return false;
	}
	return true;
}

/* Field checks beyond the spec table. Returns 0, or replies 400 and returns -1. */
static int check_fields(struct request *r)
{
	const char *v;
	if ((v = body_str(r, "fin_code")) && (strlen(v) != 14 || !all_chars(v, NULL, false)))
		return reply_error(r, 400, "invalid_field", "金融机构编码必须是14位数字或大写字母", "fin_code"), -1;
	if ((v = body_str(r, "region_code")) && (strlen(v) != 6 || !all_chars(v, NULL, false) ||
						 strspn(v, "0123456789") != 6))
		return reply_error(r, 400, "invalid_field", "行政区划代码必须是6位数字（GB/T 2260）", "region_code"), -1;
	if ((v = body_str(r, "internal_code")) && !all_chars(v, "_-", true))
		return reply_error(r, 400, "invalid_field", "机构代码只能包含字母、数字、下划线和连字符", "internal_code"), -1;
	if ((v = body_str(r, "type")) && !in_list(v, org_types))
		return reply_error(r, 400, "invalid_field", "机构类型无效", "type"), -1;
	if ((v = body_str(r, "status")) && strcmp(v, "active") && strcmp(v, "disabled"))
		return reply_error(r, 400, "invalid_field", "机构状态只能是active或disabled", "status"), -1;
	return 0;
}

static void fields_from_body(struct request *r, struct org_fields *f)
{
	f->name = body_str(r, "name");
	f->internal_code = body_str(r, "internal_code");
	f->fin_code = body_str(r, "fin_code");
	f->region_code = body_str(r, "region_code");
	f->type = body_str(r, "type");
	f->address = body_str(r, "address");
	f->status = body_str(r, "status");
	f->has_sort = body_has(r, "sort");
	f->sort = body_int(r, "sort", 0);
}

/* Loads an institution the caller may see: 1 found (in *out), 0 after replying 404. */
static int fetch_visible(struct request *r, struct db *d, int64_t id, json_t **out, struct refusal *e)
{
	int rc = store_org_get(d, id, out);
	if (rc < 0)
		return rc;
	if (rc == 0 || !scope_allows(r->user, json_string_value(json_object_get(*out, "path")), 0)) {
		json_decref(*out);
		*out = NULL;
		return refuse(e, 404, "not_found", "机构不存在或不在您的数据范围内", NULL), 0;
	}
	return 1;
}

int api_org_list(struct request *r)
{
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	if (sf.kind == SCOPE_SELF) /* a person always sees the institution they belong to */
		sf.kind = SCOPE_ORG;
	/* ?for=register: the institutions a registrar may name as 被投诉机构 (scope_may_register) */
	const char *purpose = req_query(r, "for");
	if (purpose && strcmp(purpose, "register") == 0 && (r->user->perms & P_COMPLAINT_REGISTER) &&
	    sf.kind != SCOPE_ALL)
		sf.kind = SCOPE_SUBTREE;
	json_t *items;
	int rc = store_org_list(r->db, &sf, req_query(r, "q"), req_query(r, "status"), &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:I, s:o}", "total", (json_int_t)json_array_size(items), "items", items));
}

int api_org_get(struct request *r)
{
	json_t *org;
	struct refusal e = {0};
	int rc = fetch_visible(r, r->db, req_arg_id(r, 0), &org, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	return reply_json(r, 200, org);
}

static const struct field_spec org_spec_create[] = {
	{"parent_id", F_ID_OR_NULL, false, 0, 0, "上级机构"},
	{"name", F_STRING, true, 100, 1, "机构名称"},
	{"internal_code", F_STRING, true, 32, 1, "机构代码"},
	{"fin_code", F_STRING, true, 14, 14, "金融机构编码"},
	{"region_code", F_STRING, true, 6, 6, "行政区划代码"},
	{"type", F_STRING, true, 20, 1, "机构类型"},
	{"address", F_STRING, false, 200, 0, "地址"},
	{"sort", F_INT, false, 0, 0, "排序"},
	{"status", F_STRING, false, 10, 0, "状态"},
	{NULL},
};

static const struct field_spec org_spec_update[] = {
	{"name", F_STRING, false, 100, 1, "机构名称"},
	{"internal_code", F_STRING, false, 32, 1, "机构代码"},
	{"fin_code", F_STRING, false, 14, 14, "金融机构编码"},
	{"region_code", F_STRING, false, 6, 6, "行政区划代码"},
	{"type", F_STRING, false, 20, 1, "机构类型"},
	{"address", F_STRING, false, 200, 0, "地址"},
	{"sort", F_INT, false, 0, 0, "排序"},
	{"status", F_STRING, false, 10, 0, "状态"},
	{NULL},
};

struct org_ctx {
	struct request *r;
	int64_t id, parent_id;
	struct org_fields f;
	json_t *result;
	struct refusal err;
};

/* The region code must be a known GB/T 2260 code. */
static int check_region(struct db *d, const char *code, struct refusal *e)
{
	if (!code)
		return 0;
	json_t *region;
	int rc = store_region_get(d, code, &region);
	json_decref(region);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : refuse(e, 400, "invalid_field", "行政区划代码不存在（GB/T 2260）", "region_code");
}

static int create_tx(struct db *d, void *arg)
{
	struct org_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	json_t *parent = NULL;
	int rc = check_region(d, c->f.region_code, &c->err);
	if (rc != 0)
		return rc;
	if (c->parent_id) {
		rc = fetch_visible(r, d, c->parent_id, &parent, &c->err);
		if (rc != 1)
			return rc == 0 ? refuse(&c->err, 400, "invalid_field", "上级机构不存在或不在您的数据范围内",
						  "parent_id") : rc;
		json_decref(parent);
	} else {
		if (r->user->scope != SCOPE_ALL)
			return refuse(&c->err, 403, "out_of_scope", "只有全行范围的管理员可以创建总行", "parent_id");
		int64_t root;
		if ((rc = store_org_root_id(d, &root)) != 0)
			return rc < 0 ? rc : refuse(&c->err, 409, "root_exists", "总行已存在，新机构必须指定上级机构", "parent_id");
	}
	int64_t now = now_ms();
	if ((rc = store_org_insert(d, c->parent_id, &c->f, now, &c->id)) < 0)
		return rc;
	if ((rc = store_org_get(d, c->id, &c->result)) != 1)
		return rc < 0 ? rc : DB_HARD;
	return api_audit(r, d, "org.create", "institution", c->id, "ok",
			 audit_diff(NULL, json_deep_copy(c->result)));
}

int api_org_create(struct request *r)
{
	if (req_validate(r, org_spec_create) != 0 || check_fields(r) != 0)
		return 0;
	struct org_ctx c = {.r = r, .parent_id = body_int(r, "parent_id", 0)};
	fields_from_body(r, &c.f);
	int rc = store_write(create_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, "duplicate_code", "机构代码或金融机构编码已存在");
	}
	return reply_json(r, 201, c.result);
}

static int update_tx(struct db *d, void *arg)
{
	struct org_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	json_t *before;
	int rc = check_region(d, c->f.region_code, &c->err);
	if (rc != 0)
		return rc;
	rc = fetch_visible(c->r, d, c->id, &before, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if ((rc = store_org_update(d, c->id, &c->f, now_ms())) < 0 ||
	    (rc = store_org_get(d, c->id, &c->result)) != 1) {
		json_decref(before);
		return rc < 0 ? rc : DB_HARD;
	}
	return api_audit(c->r, d, "org.update", "institution", c->id, "ok",
			 audit_diff(before, json_deep_copy(c->result)));
}

int api_org_update(struct request *r)
{
	if (req_validate(r, org_spec_update) != 0 || check_fields(r) != 0)
		return 0;
	struct org_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	fields_from_body(r, &c.f);
	int rc = store_write(update_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, "duplicate_code", "机构代码或金融机构编码已存在");
	}
	return reply_json(r, 200, c.result);
}

static int move_tx(struct db *d, void *arg)
{
	struct org_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	json_t *self, *parent;
	int rc = fetch_visible(c->r, d, c->id, &self, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	rc = fetch_visible(c->r, d, c->parent_id, &parent, &c->err);
	if (rc != 1) {
		json_decref(self);
		return rc == 0 ? refuse(&c->err, 400, "invalid_field", "目标上级机构不存在或不在您的数据范围内", "parent_id") : rc;
	}
	const char *self_path = json_string_value(json_object_get(self, "path"));
	const char *parent_path = json_string_value(json_object_get(parent, "path"));
	bool root = json_is_null(json_object_get(self, "parent_id"));
	bool into_self = strncmp(parent_path, self_path, strlen(self_path)) == 0;
	json_t *before = json_pack("{s:O}", "parent_id", json_object_get(self, "parent_id"));
	json_decref(self);
	json_decref(parent);
	if (root || into_self) {
		json_decref(before);
		return refuse(&c->err, 409, "invalid_move",
				root ? "总行不能移动" : "不能移动到自身或其下级机构之下", "parent_id");
	}
	if ((rc = store_org_move(d, c->id, c->parent_id, now_ms())) < 0 ||
	    (rc = store_org_get(d, c->id, &c->result)) != 1) {
		json_decref(before);
		return rc < 0 ? rc : DB_HARD;
	}
	return api_audit(c->r, d, "org.move", "institution", c->id, "ok",
			 audit_diff(before, json_pack("{s:I}", "parent_id", (json_int_t)c->parent_id)));
}

int api_org_move(struct request *r)
{
	static const struct field_spec spec[] = {{"parent_id", F_ID, true, 0, 0, "上级机构"}, {NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct org_ctx c = {.r = r, .id = req_arg_id(r, 0), .parent_id = body_int(r, "parent_id", 0)};
	int rc = store_write(move_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, c.result);
}

static int delete_tx(struct db *d, void *arg)
{
	struct org_ctx *c = arg;
	json_t *before;
	int rc = fetch_visible(c->r, d, c->id, &before, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	int64_t children = 0, users = 0, complaints = 0;
	if ((rc = store_org_dependents(d, c->id, &children, &users)) < 0 ||
	    (rc = store_complaint_org_count(d, c->id, &complaints)) < 0) {
		json_decref(before);
		return rc;
	}
	if (children || users || complaints) {
		json_decref(before);
		if (children)
			return refuse(&c->err, 409, "institution_has_children",
				      "该机构下还有下级机构，不能删除；可先移走或删除下级机构，或将其停用", NULL);
		if (users)
			return refuse(&c->err, 409, "institution_has_users",
				      "该机构下还有用户（含已注销用户的历史记录），不能删除；可将其停用", NULL);
		return refuse(&c->err, 409, "institution_has_complaints",
			      "该机构有关联的投诉单（被投诉、处理或受理），不能删除；可将其停用", NULL);
	}
	if ((rc = store_org_delete(d, c->id)) < 0) {
		json_decref(before);
		return rc;
	}
	return api_audit(c->r, d, "org.delete", "institution", c->id, "ok", audit_diff(before, NULL));
}

int api_org_delete(struct request *r)
{
	struct org_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(delete_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, "institution_in_use", "该机构仍被引用，不能删除");
	}
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- 机构全称 (the bank's name on the closure form, domain/bank_name.h) ---- */

static json_t *bank_name_json(const struct bank_name *b)
{
	return json_pack("{s:s, s:s, s:s, s:i}", "bank_name", b->stored, "default_name", b->fallback,
			 "print_title_name", b->name, "max_length", BANK_NAME_MAX);
}

/* Every signed-in user may read it (the print form shows it). */
int api_bank_name_get(struct request *r)
{
	struct bank_name b;
	int rc = bank_name_get(r->db, &b);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, bank_name_json(&b));
}

struct bank_name_ctx {
	struct request *r;
	char name[BANK_NAME_BUF];
	struct bank_name after;
	struct refusal err;
};

static int bank_name_tx(struct db *d, void *arg)
{
	struct bank_name_ctx *c = arg;
	struct bank_name before;
	int64_t root;
	json_t *org = NULL;
	int rc = store_org_root_id(d, &root);
	if (rc == 1 && (rc = store_org_get(d, root, &org)) == 1) {
		/* The name is the whole bank's: a system administrator confined to a branch may not set it. */
		bool whole_bank = scope_allows(c->r->user, json_string_value(json_object_get(org, "path")), 0);
		json_decref(org);
		if (!whole_bank)
			return refuse(&c->err, 403, "forbidden", "只有数据范围为全行的系统管理员可以设置机构全称", NULL);
	}
	if (rc < 0 || (rc = bank_name_get(d, &before)) < 0 || (rc = bank_name_save(d, c->name)) < 0 ||
	    (rc = bank_name_get(d, &c->after)) < 0)
		return rc;
	return api_audit(c->r, d, "org.bank_name", "bank_name", 0, "ok",
			 audit_diff(json_pack("{s:s}", "bank_name", before.stored),
				    json_pack("{s:s}", "bank_name", c->after.stored)));
}

int api_bank_name_put(struct request *r)
{
	static const struct field_spec spec[] = {{"bank_name", F_STRING, true, BANK_NAME_MAX, 1, "机构全称"}, {NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct bank_name_ctx c = {.r = r};
	if (bank_name_normalize(body_str(r, "bank_name"), c.name, &c.err) != 0)
		return api_reply_tx_error(r, 1, &c.err, NULL, NULL);
	int rc = store_write(bank_name_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 200, bank_name_json(&c.after));
}
