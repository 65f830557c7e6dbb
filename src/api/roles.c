/* 角色管理: roles as sets of catalogue permissions plus a data scope. The three 三员 roles are
 * built in and their permissions fixed; every other role holds permissions of one family only
 * (system, security, audit or business), so the separation of duties cannot be edited away by
 * giving one role, and so one account, the permissions of two (docs/security.md). */
#include "api/api.h"
#include "domain/audit.h"
#include "http/request.h"
#include "store/store.h"
#include "util/log.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Builds the stored permission list from the body's array; replies 400 and returns -1 when an
 * entry is not in the catalogue. *out is "" for an empty list; caller frees. */
static int permissions_text(struct request *r, char **out, uint32_t *mask_out)
{
	json_t *arr = json_object_get(r->json, "permissions");
	uint32_t mask = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		uint32_t bit = json_is_string(v) ? perm_from_code(json_string_value(v)) : 0;
		if (!bit)
			return reply_error(r, 400, "invalid_field", "权限代码不在权限目录中", "permissions"), -1;
		mask |= bit;
	}
	*mask_out = mask;
	/* Catalogue order, no duplicates: the stored text is canonical. */
	size_t len = 1;
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		len += strlen(p->code) + 1;
	char *s = calloc(1, len);
	if (!s)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL), -1;
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		if (mask & p->bit) {
			if (*s)
				strcat(s, " ");
			strcat(s, p->code);
		}
	*out = s;
	return 0;
}

#define ROLE_FAMILY_MESSAGE                                                                     \
	"一个角色的权限只能属于一个职责类别：系统管理（机构、用户）、安全管理（角色、用户状态、安全策略、接口令牌）、" \
	"审计（审计日志）或业务（投诉、报表、基础数据、个人信息）"

static json_t *role_view(json_t *role)
{
	json_t *perms = json_array();
	const char *text = json_string_value(json_object_get(role, "permissions"));
	uint32_t mask = 0;
	perm_parse_list(text, &mask, NULL);
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		if (mask & p->bit)
			json_array_append_new(perms, json_string(p->code));
	json_object_set_new(role, "permissions", perms);
	json_object_set_new(role, "builtin", json_boolean(json_integer_value(json_object_get(role, "builtin"))));
	enum family f = role_family_of(json_string_value(json_object_get(role, "sanyuan")), mask);
	json_object_set_new(role, "family", json_string(family_code(f)));
	return role;
}

int api_role_list(struct request *r)
{
	json_t *items;
	int rc = store_role_list(r->db, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *role;
	json_array_foreach(items, i, role)
		role_view(role);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

int api_role_get(struct request *r)
{
	json_t *role;
	int rc = store_role_get(r->db, req_arg_id(r, 0), &role);
	if (rc < 0)
		return reply_db_error(r, rc);
	if (rc == 0)
		return reply_error(r, 404, "not_found", "角色不存在", NULL);
	return reply_json(r, 200, role_view(role));
}

int api_permission_list(struct request *r)
{
	json_t *items = json_array();
	for (const struct perm_info *p = perm_catalogue; p->code; p++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s}", "code", p->code, "name", p->name, "group",
						       p->group, "family", family_code(perm_family(p->bit))));
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

struct role_ctx {
	struct request *r;
	int64_t id;
	char *permissions;
	uint32_t mask;
	json_t *result;
	struct refusal err;
};

static int create_tx(struct db *d, void *arg)
{
	struct role_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	int rc = store_role_insert(d, body_str(r, "code"), body_str(r, "name"), body_str(r, "description"),
				   c->permissions, body_str(r, "data_scope"), false, NULL, now_ms(), &c->id);
	if (rc < 0)
		return rc;
	if ((rc = store_role_get(d, c->id, &c->result)) != 1)
		return rc < 0 ? rc : DB_HARD;
	role_view(c->result);
	return api_audit(r, d, "role.create", "role", c->id, "ok", audit_diff(NULL, json_deep_copy(c->result)));
}

static int check_scope(struct request *r)
{
	const char *s = body_str(r, "data_scope");
	if (s && scope_from_code(s) < 0)
		return reply_error(r, 400, "invalid_field", "数据范围只能是self、org、subtree或all", "data_scope"), -1;
	return 0;
}

int api_role_create(struct request *r)
{
	static const struct field_spec spec[] = {
		{"code", F_STRING, true, 32, 2, "角色代码"},
		{"name", F_STRING, true, 50, 1, "角色名称"},
		{"description", F_STRING, false, 200, 0, "描述"},
		{"permissions", F_ARRAY, true, 64, 0, "权限"},
		{"data_scope", F_STRING, true, 10, 1, "数据范围"},
		{NULL},
	};
	if (req_validate(r, spec) != 0 || check_scope(r) != 0)
		return 0;
	for (const char *s = body_str(r, "code"); *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return reply_error(r, 400, "invalid_field", "角色代码只能包含字母、数字和下划线", "code");
	struct role_ctx c = {.r = r};
	if (permissions_text(r, &c.permissions, &c.mask) != 0)
		return 0;
	if (perm_family(c.mask) == FAMILY_MIXED) {
		free(c.permissions);
		return reply_error(r, 400, "role_family", ROLE_FAMILY_MESSAGE, "permissions");
	}
	int rc = store_write(create_tx, &c);
	free(c.permissions);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, "duplicate_role", "角色代码或名称已存在");
	}
	return reply_json(r, 201, c.result);
}

static int update_tx(struct db *d, void *arg)
{
	struct role_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	json_t *before;
	int rc = store_role_get(d, c->id, &before);
	if (rc != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "角色不存在", NULL);
	bool sanyuan = !json_is_null(json_object_get(before, "sanyuan"));
	if (sanyuan && (c->permissions || body_has(r, "data_scope"))) {
		json_decref(before);
		return refuse(&c->err, 409, "role_builtin", "三员内置角色的权限和数据范围不能修改", NULL);
	}
	if (c->permissions && perm_family(c->mask) == FAMILY_MIXED) {
		json_decref(before);
		return refuse(&c->err, 400, "role_family", ROLE_FAMILY_MESSAGE, "permissions");
	}
	/* A service account's token is minted by the security administrator: it must never read
	 * PII, so a role one holds cannot gain pii.unmask. */
	int64_t services = 0;
	if (c->permissions && (c->mask & P_PII_UNMASK) &&
	    ((rc = store_role_service_holders(d, c->id, &services)) < 0 || services > 0)) {
		json_decref(before);
		return rc < 0 ? rc
			      : refuse(&c->err, 409, "service_account_role",
				       "该角色已分配给服务账号，不能加入查看完整个人信息（pii.unmask）权限", "permissions");
	}
	if ((rc = store_role_update(d, c->id, body_str(r, "name"), body_str(r, "description"),
				    c->permissions, body_str(r, "data_scope"), now_ms())) < 0 ||
	    (rc = store_role_get(d, c->id, &c->result)) != 1) {
		json_decref(before);
		return rc < 0 ? rc : DB_HARD;
	}
	role_view(c->result);
	return api_audit(r, d, "role.update", "role", c->id, "ok",
			 audit_diff(role_view(before), json_deep_copy(c->result)));
}

int api_role_update(struct request *r)
{
	static const struct field_spec spec[] = {
		{"name", F_STRING, false, 50, 1, "角色名称"},
		{"description", F_STRING, false, 200, 0, "描述"},
		{"permissions", F_ARRAY, false, 64, 0, "权限"},
		{"data_scope", F_STRING, false, 10, 1, "数据范围"},
		{NULL},
	};
	if (req_validate(r, spec) != 0 || check_scope(r) != 0)
		return 0;
	struct role_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	if (body_has(r, "permissions") && permissions_text(r, &c.permissions, &c.mask) != 0)
		return 0;
	int rc = store_write(update_tx, &c);
	free(c.permissions);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, "duplicate_role", "角色名称已存在");
	}
	return reply_json(r, 200, c.result);
}

static int delete_tx(struct db *d, void *arg)
{
	struct role_ctx *c = arg;
	json_t *before;
	int rc = store_role_get(d, c->id, &before);
	if (rc != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "角色不存在", NULL);
	int64_t users = 0;
	if (json_integer_value(json_object_get(before, "builtin"))) {
		json_decref(before);
		return refuse(&c->err, 409, "role_builtin", "内置角色不能删除", NULL);
	}
	if ((rc = store_role_user_count(d, c->id, &users)) < 0) {
		json_decref(before);
		return rc;
	}
	if (users > 0) {
		json_decref(before);
		return refuse(&c->err, 409, "role_in_use", "该角色仍分配给用户，请先取消分配再删除", NULL);
	}
	if ((rc = store_role_delete(d, c->id)) < 0) {
		json_decref(before);
		return rc;
	}
	return api_audit(c->r, d, "role.delete", "role", c->id, "ok", audit_diff(role_view(before), NULL));
}

int api_role_delete(struct request *r)
{
	struct role_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(delete_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}
