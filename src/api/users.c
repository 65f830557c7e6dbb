/* 用户管理 and 用户状态管理: accounts, their roles (with the 三员 family rule, docs/security.md),
 * enable/disable/close and password reset by the system admin, and the security admin's grants,
 * lock, unlock and activation codes. Every object fetch goes through
 * api_fetch_user(), which applies the caller's data scope. */
#include "api/api.h"
#include "domain/audit.h"
#include "http/request.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_ROLES 20
/* An administrator's lock has no end until someone unlocks it. */
#define LOCK_FOREVER ((int64_t)4102444800000) /* 2100-01-01 */

int api_fetch_user(struct request *r, struct db *d, int64_t id, json_t **out, struct refusal *e)
{
	int rc = store_user_get(d, id, out);
	if (rc < 0)
		return rc;
	if (rc == 0 || !scope_allows(r->user, json_string_value(json_object_get(*out, "org_path")), id)) {
		json_decref(*out);
		*out = NULL;
		return refuse(e, 404, "not_found", "用户不存在或不在您的数据范围内", NULL), 0;
	}
	return 1;
}

static bool valid_username(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 32)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static bool valid_phone(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !strchr("+- ", *s))
			return false;
	return true;
}

static int check_contact(struct request *r)
{
	const char *v;
	if ((v = body_str(r, "phone")) && !valid_phone(v))
		return reply_error(r, 400, "invalid_field", "电话只能包含数字、空格、+和-", "phone"), -1;
	if ((v = body_str(r, "email")) && *v && (!strchr(v, '@') || strchr(v, ' ')))
		return reply_error(r, 400, "invalid_field", "电子邮箱格式不正确", "email"), -1;
	return 0;
}

/* Reads role_ids from the body into ids[]; replies 400 and returns -1 on a bad list. */
static int read_role_ids(struct request *r, int64_t *ids, int *n)
{
	json_t *arr = json_object_get(r->json, "role_ids");
	*n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return reply_error(r, 400, "invalid_field", "角色编号无效", "role_ids"), -1;
		int64_t id = json_integer_value(v);
		bool dup = false;
		for (int k = 0; k < *n; k++)
			dup |= ids[k] == id;
		if (!dup)
			ids[(*n)++] = id;
	}
	return 0;
}

/* Family of a role row ({sanyuan, permissions}); adds its permissions to *perms. */
static enum family row_family(json_t *row, uint32_t *perms)
{
	uint32_t mask = 0;
	perm_parse_list(json_string_value(json_object_get(row, "permissions")), &mask, NULL);
	if (perms)
		*perms |= mask;
	return role_family_of(json_string_value(json_object_get(row, "sanyuan")), mask);
}

/* Family of the account as stored: from the "roles" of a store_user_get() row. */
static enum family user_family(json_t *user)
{
	enum family fams[MAX_ROLES * 2];
	int n = 0;
	size_t i;
	json_t *role;
	json_array_foreach(json_object_get(user, "roles"), i, role)
		if (n < (int)(sizeof fams / sizeof fams[0]))
			fams[n++] = row_family(role, NULL);
	return family_of_set(fams, n);
}

/* Inside a transaction: all roles exist, belong to one family (三员 separation) and suit the
 * account: a service account holds business roles without pii.unmask (its token is minted by
 * the security administrator, who must not get a credential that reads PII). *sec_only is
 * set when every role is the security administrator's built-in role. */
static int check_roles(struct db *d, const int64_t *ids, int n, bool service, bool *sec_only,
		       struct refusal *e)
{
	json_t *rows;
	int rc = store_roles_by_ids(d, ids, n, &rows);
	if (rc < 0)
		return rc;
	enum family fams[MAX_ROLES];
	int kinds[MAX_ROLES];
	uint32_t perms = 0;
	bool all_sec = n > 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		kinds[i] = sanyuan_from_code(json_string_value(json_object_get(row, "sanyuan")));
		fams[i] = row_family(row, &perms);
		all_sec &= kinds[i] == SANYUAN_SEC;
	}
	size_t found = json_array_size(rows);
	json_decref(rows);
	if (sec_only)
		*sec_only = all_sec;
	if (found != (size_t)n)
		return refuse(e, 400, "invalid_field", "角色不存在", "role_ids");
	if (sanyuan_conflict(kinds, n))
		return refuse(e, 409, "sanyuan_conflict",
			      "系统管理员、安全管理员、审计管理员（三员）角色必须由不同账号担任，同一账号不能兼任", "role_ids");
	enum family f = family_of_set(fams, n);
	if (f == FAMILY_MIXED)
		return refuse(e, 409, "sanyuan_conflict",
			      "一个账号的角色只能属于一个职责类别（系统管理、安全管理、审计或业务），三员角色不能与其他类别的角色兼任，"
			      "权限跨类别的角色不能授予",
			      "role_ids");
	if (service && (f != FAMILY_BUSINESS && f != FAMILY_NONE))
		return refuse(e, 409, "service_account_role", "服务账号只能持有业务角色", "role_ids");
	if (service && (perms & P_PII_UNMASK))
		return refuse(e, 409, "service_account_role", "服务账号不能持有查看完整个人信息（pii.unmask）的角色",
			      "role_ids");
	return 0;
}

/* Someone other than user_id must be able to issue the activation code for a password the
 * system administrator issues to user_id: an account holding the security administrator's role.
 * Returns 0, a refusal, or a negative status. */
static int check_code_issuer(struct db *d, int64_t user_id, struct refusal *e)
{
	int64_t holders = 0;
	int rc = store_sanyuan_holders(d, "sec", user_id, &holders);
	if (rc < 0)
		return rc;
	if (holders == 0)
		return refuse(e, 409, "no_security_admin",
			      "没有其他安全管理员可以为该账号发放激活码，不能重置其密码", NULL);
	return 0;
}

int api_user_list(struct request *r)
{
	struct user_filter f = {
		.q = req_query(r, "q"),
		.status = req_query(r, "status"),
	};
	const char *v;
	if ((v = req_query(r, "org_id")) && (f.org_id = strtoll(v, NULL, 10)) <= 0)
		return reply_error(r, 400, "invalid_field", "机构编号无效", "org_id");
	if ((v = req_query(r, "role_id")) && (f.role_id = strtoll(v, NULL, 10)) <= 0)
		return reply_error(r, 400, "invalid_field", "角色编号无效", "role_id");
	if (req_paging(r, &f.limit, &f.offset) != 0)
		return 0;
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	json_t *items;
	int64_t total;
	int rc = store_user_list(r->db, &sf, &f, &items, &total);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *u;
	json_array_foreach(items, i, u)
	{
		api_user_view(json_incref(u)); /* shapes u in place */
		json_decref(u);
	}
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

int api_user_get(struct request *r)
{
	json_t *u;
	struct refusal e = {0};
	int rc = api_fetch_user(r, r->db, req_arg_id(r, 0), &u, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	return reply_json(r, 200, api_user_view(u));
}

struct user_ctx {
	struct request *r;
	int64_t id, org_id;
	int64_t role_ids[MAX_ROLES];
	int nroles;
	const char *password_hash;
	const char *status;     /* for status changes */
	const char *action;     /* audit action */
	bool activation;        /* the issued password needs an activation code */
	json_t *result;
	struct refusal err;
};

/* Checks that org_id exists, is active and is inside the caller's scope. */
static int check_org(struct request *r, struct db *d, int64_t org_id, struct refusal *e)
{
	json_t *org;
	int rc = store_org_get(d, org_id, &org);
	if (rc < 0)
		return rc;
	bool ok = rc == 1 && scope_allows(r->user, json_string_value(json_object_get(org, "path")), 0);
	bool active = ok && strcmp(json_string_value(json_object_get(org, "status")), "active") == 0;
	json_decref(org);
	if (!ok)
		return refuse(e, 400, "invalid_field", "所属机构不存在或不在您的数据范围内", "org_id");
	if (!active)
		return refuse(e, 400, "invalid_field", "所属机构已停用", "org_id");
	return 0;
}

static json_t *user_snapshot(json_t *u)
{
	json_t *s = json_deep_copy(u);
	json_object_del(s, "org_path");
	return s;
}

static int create_tx(struct db *d, void *arg)
{
	struct user_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	bool service = body_bool(r, "is_service", false), sec_only = false;
	int rc = check_org(r, d, c->org_id, &c->err);
	if (rc == 0)
		rc = check_roles(d, c->role_ids, c->nroles, service, &sec_only, &c->err);
	if (rc != 0)
		return rc;
	/* Roles are granted by the security administrator (PUT /users/{id}/roles), never by the
	 * one who creates the account and knows its first password. The one exception is the
	 * installation: the first security administrator, while no account holds that role. */
	if (c->nroles > 0) {
		int64_t holders = 0;
		if (sec_only && (rc = store_sanyuan_holders(d, "sec", 0, &holders)) < 0)
			return rc;
		if (!sec_only || holders > 0)
			return refuse(&c->err, 403, "grant_forbidden",
				      "新建账号时不能授予角色：角色由安全管理员授权（仅系统中还没有安全管理员时，可创建第一个安全管理员）",
				      "role_ids");
	}
	int64_t now = now_ms();
	rc = store_user_insert(d, body_str(r, "username"), body_str(r, "name"), c->org_id,
			       body_str(r, "phone"), body_str(r, "email"), c->password_hash,
			       body_bool(r, "is_service", false), now, &c->id);
	if (rc < 0)
		return rc;
	if ((rc = store_user_set_roles(d, c->id, c->role_ids, c->nroles)) < 0)
		return rc;
	/* Every password the system administrator issues is half a credential: the owner also needs
	 * a security administrator's activation code. Only the installation's first security
	 * administrator has nobody to issue one (docs/security.md: residual risks). */
	c->activation = !service && c->nroles == 0;
	if (c->activation && (rc = store_user_set_activation(d, c->id, "")) < 0)
		return rc;
	if ((rc = store_user_get(d, c->id, &c->result)) != 1)
		return rc < 0 ? rc : DB_HARD;
	return api_audit(r, d, "user.create", "user", c->id, "ok", audit_diff(NULL, user_snapshot(c->result)));
}

int api_user_create(struct request *r)
{
	static const struct field_spec spec[] = {
		{"username", F_STRING, true, 32, 3, "用户名"},
		{"name", F_STRING, true, 50, 1, "姓名"},
		{"org_id", F_ID, true, 0, 0, "所属机构"},
		{"phone", F_STRING, false, 20, 0, "电话"},
		{"email", F_STRING, false, 100, 0, "电子邮箱"},
		{"role_ids", F_ARRAY, false, MAX_ROLES, 0, "角色"},
		{"is_service", F_BOOL, false, 0, 0, "服务账号"},
		{NULL},
	};
	if (req_validate(r, spec) != 0 || check_contact(r) != 0)
		return 0;
	if (!valid_username(body_str(r, "username")))
		return reply_error(r, 400, "invalid_field", "用户名须为3-32位字母、数字、下划线、点或连字符", "username");
	struct user_ctx c = {.r = r, .org_id = body_int(r, "org_id", 0)};
	if (read_role_ids(r, c.role_ids, &c.nroles) != 0)
		return 0;
	char password[17] = "", hash[128];
	bool service = body_bool(r, "is_service", false);
	if (!service) {
		crypto_random_password(password);
		if (crypto_password_hash(password, hash) != 0)
			return reply_error(r, 500, "internal", "服务器内部错误", NULL);
		c.password_hash = hash;
	}
	int rc = store_write(create_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, "duplicate_username", "用户名已存在");
	}
	json_t *body = json_pack("{s:o, s:b}", "user", api_user_view(c.result), "activation_required", c.activation);
	json_object_set_new(body, "initial_password", service ? json_null() : json_string(password));
	return reply_json(r, 201, body);
}

static int update_tx(struct db *d, void *arg)
{
	struct user_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	json_t *before;
	int rc = api_fetch_user(r, d, c->id, &before, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if (c->org_id && (rc = check_org(r, d, c->org_id, &c->err)) != 0) {
		json_decref(before);
		return rc;
	}
	if ((rc = store_user_update(d, c->id, body_str(r, "name"), c->org_id, body_str(r, "phone"),
				    body_str(r, "email"), now_ms())) < 0 ||
	    (rc = store_user_get(d, c->id, &c->result)) != 1) {
		json_decref(before);
		return rc < 0 ? rc : DB_HARD;
	}
	json_t *b = user_snapshot(before);
	json_decref(before);
	return api_audit(r, d, "user.update", "user", c->id, "ok", audit_diff(b, user_snapshot(c->result)));
}

int api_user_update(struct request *r)
{
	static const struct field_spec spec[] = {
		{"name", F_STRING, false, 50, 1, "姓名"},
		{"org_id", F_ID, false, 0, 0, "所属机构"},
		{"phone", F_STRING, false, 20, 0, "电话"},
		{"email", F_STRING, false, 100, 0, "电子邮箱"},
		{NULL},
	};
	if (req_validate(r, spec) != 0 || check_contact(r) != 0)
		return 0;
	struct user_ctx c = {.r = r, .id = req_arg_id(r, 0), .org_id = body_int(r, "org_id", 0)};
	int rc = store_write(update_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, api_user_view(c.result));
}

static json_t *role_ids_of(json_t *user)
{
	json_t *ids = json_array();
	size_t i;
	json_t *role;
	json_array_foreach(json_object_get(user, "roles"), i, role)
		json_array_append(ids, json_object_get(role, "id"));
	return ids;
}

static int roles_tx(struct db *d, void *arg)
{
	struct user_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->result);
	c->result = NULL;
	struct request *r = c->r;
	json_t *before;
	int rc = api_fetch_user(r, d, c->id, &before, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	json_t *before_ids = role_ids_of(before);
	enum family had = user_family(before);
	bool service = json_integer_value(json_object_get(before, "is_service")) != 0;
	json_decref(before);
	/* The security administrator grants; he does not take the system or audit administrator's
	 * duties away (their accounts are closed by the system administrator instead). */
	if (had == FAMILY_SYSTEM || had == FAMILY_AUDIT) {
		json_decref(before_ids);
		return refuse(&c->err, 403, "sanyuan_target", "不能修改系统管理员或审计管理员账号的角色", NULL);
	}
	rc = check_roles(d, c->role_ids, c->nroles, service, NULL, &c->err);
	if (rc == 0)
		rc = store_user_set_roles(d, c->id, c->role_ids, c->nroles);
	if (rc == 0) {
		rc = store_user_get(d, c->id, &c->result);
		rc = rc == 1 ? 0 : rc == 0 ? DB_HARD : rc;
	}
	if (rc != 0) {
		json_decref(before_ids);
		return rc;
	}
	return api_audit(r, d, "user.roles", "user", c->id, "ok",
			 audit_diff(json_pack("{s:o}", "role_ids", before_ids),
				    json_pack("{s:o}", "role_ids", role_ids_of(c->result))));
}

int api_user_set_roles(struct request *r)
{
	static const struct field_spec spec[] = {{"role_ids", F_ARRAY, true, MAX_ROLES, 0, "角色"}, {NULL}};
	if (req_validate(r, spec) != 0)
		return 0;
	struct user_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	if (c.id == r->user->user_id)
		return reply_error(r, 403, "self_grant", "不能修改自己的角色", NULL);
	if (read_role_ids(r, c.role_ids, &c.nroles) != 0)
		return 0;
	int rc = store_write(roles_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, api_user_view(c.result));
}

/* Status changes (close, enable, disable, lock, unlock, reset) share one transaction body. */
enum status_op { OP_CLOSE, OP_ENABLE, OP_DISABLE, OP_LOCK, OP_UNLOCK, OP_RESET, OP_ACTIVATION };

struct status_ctx {
	struct user_ctx u;
	enum status_op op;
	char password[17];
	char hash[128];
	char code[17];      /* OP_ACTIVATION: the code, shown once */
	char code_hash[65];
};

/* The refusals of a status change on a user in status (fam, service). 0, 1 (refused, in
 * c->u.err) or a DB_* error. */
static int status_allowed(struct db *d, struct status_ctx *c, bool closed, enum family fam, bool service)
{
	int rc;
	if (closed && c->op != OP_CLOSE)
		return refuse(&c->u.err, 409, "user_closed", "该用户已注销，不能再操作", NULL);
	/* The security administrator locks and unlocks business accounts only: never one of the
	 * 三员 (an administrator locked out by failures waits out the lock). */
	if ((c->op == OP_LOCK || c->op == OP_UNLOCK) && fam != FAMILY_BUSINESS && fam != FAMILY_NONE)
		return refuse(&c->u.err, 403, "sanyuan_target", "安全管理员不能锁定或解锁三员账号", NULL);
	if (c->op == OP_RESET && !service && (rc = check_code_issuer(d, c->u.id, &c->u.err)) != 0)
		return rc;
	if (c->op == OP_ACTIVATION) {
		char have[65];
		if ((rc = store_user_activation(d, c->u.id, have)) != 1)
			return rc < 0 ? rc
				      : refuse(&c->u.err, 409, "no_activation_pending",
					       "该账号没有待激活的密码（只有系统管理员新建或重置的密码需要激活码）", NULL);
	}
	return 0;
}

/* The write of one status change; anything that takes access away also ends the user's
 * sessions at once. >= 0 or a DB_* error. */
static int status_apply(struct db *d, struct status_ctx *c, int64_t now)
{
	int rc = DB_HARD;
	switch (c->op) {
	case OP_CLOSE:
		rc = store_user_set_status(d, c->u.id, "closed", now);
		break;
	case OP_ENABLE:
		rc = store_user_set_status(d, c->u.id, "active", now);
		break;
	case OP_DISABLE:
		rc = store_user_set_status(d, c->u.id, "disabled", now);
		break;
	case OP_LOCK:
		rc = store_user_set_lock(d, c->u.id, 0, LOCK_FOREVER, "admin", now);
		break;
	case OP_UNLOCK:
		rc = store_user_set_lock(d, c->u.id, 0, 0, NULL, now);
		break;
	case OP_RESET:
		rc = store_user_set_password(d, c->u.id, c->hash, true, now);
		if (rc >= 0)
			rc = store_user_set_activation(d, c->u.id, "");
		c->u.activation = true;
		break;
	case OP_ACTIVATION:
		rc = store_user_set_activation(d, c->u.id, c->code_hash);
		break;
	}
	if (rc >= 0 && c->op != OP_ENABLE && c->op != OP_UNLOCK && c->op != OP_ACTIVATION)
		rc = store_session_delete_user(d, c->u.id);
	return rc;
}

static json_t *status_snapshot(json_t *user)
{
	return json_pack("{s:O, s:O, s:O}", "status", json_object_get(user, "status"), "locked_until",
			 json_object_get(user, "locked_until"), "failed_attempts", json_object_get(user, "failed_attempts"));
}

static int status_tx(struct db *d, void *arg)
{
	struct status_ctx *c = arg;
	/* a retried transaction starts over */
	json_decref(c->u.result);
	c->u.result = NULL;
	c->u.activation = false;
	json_t *before;
	int rc = api_fetch_user(c->u.r, d, c->u.id, &before, &c->u.err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	const char *status = json_string_value(json_object_get(before, "status"));
	assert(status); /* users.status is NOT NULL */
	bool closed = strcmp(status, "closed") == 0;
	enum family fam = user_family(before);
	bool service = json_integer_value(json_object_get(before, "is_service")) != 0;
	json_t *snap_before = status_snapshot(before);
	json_decref(before);
	if ((rc = status_allowed(d, c, closed, fam, service)) != 0)
		goto fail;
	if ((rc = status_apply(d, c, now_ms())) >= 0)
		rc = store_user_get(d, c->u.id, &c->u.result);
	if (rc <= 0) {
		rc = rc < 0 ? rc : DB_HARD;
		goto fail;
	}
	return api_audit(c->u.r, d, c->u.action, "user", c->u.id, "ok", audit_diff(snap_before, status_snapshot(c->u.result)));
fail:
	json_decref(snap_before);
	return rc;
}

static int change_status(struct request *r, enum status_op op, const char *action)
{
	struct status_ctx c = {.u = {.r = r, .id = req_arg_id(r, 0), .action = action}, .op = op};
	if (c.u.id == r->user->user_id && op != OP_UNLOCK && op != OP_ENABLE)
		return reply_error(r, 403, "self_action", "不能对自己的账号执行该操作", NULL);
	if (op == OP_RESET) {
		crypto_random_password(c.password);
		if (crypto_password_hash(c.password, c.hash) != 0)
			return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	}
	if (op == OP_ACTIVATION) {
		/* 16 characters of the one-time password alphabet: far beyond guessing at the rate
		 * POST /auth/password allows. */
		crypto_random_password(c.code);
		crypto_sha256_hex(c.code, strlen(c.code), c.code_hash);
	}
	int rc = store_write(status_tx, &c);
	if (rc != 0) {
		json_decref(c.u.result);
		return api_reply_tx_error(r, rc, &c.u.err, NULL, NULL);
	}
	if (op == OP_RESET) {
		json_decref(c.u.result);
		return reply_json(r, 200, json_pack("{s:s, s:b, s:b}", "password", c.password, "must_change_password", 1,
						    "activation_required", c.u.activation));
	}
	if (op == OP_ACTIVATION) {
		json_decref(c.u.result);
		return reply_json(r, 200, json_pack("{s:s}", "activation_code", c.code));
	}
	return reply_json(r, 200, api_user_view(c.u.result));
}

int api_user_close(struct request *r)
{
	return change_status(r, OP_CLOSE, "user.close");
}
int api_user_enable(struct request *r)
{
	return change_status(r, OP_ENABLE, "user.enable");
}
int api_user_disable(struct request *r)
{
	return change_status(r, OP_DISABLE, "user.disable");
}
int api_user_lock(struct request *r)
{
	return change_status(r, OP_LOCK, "user.lock");
}
int api_user_unlock(struct request *r)
{
	return change_status(r, OP_UNLOCK, "user.unlock");
}
int api_user_reset_password(struct request *r)
{
	return change_status(r, OP_RESET, "user.reset_password");
}
int api_user_activation_code(struct request *r)
{
	return change_status(r, OP_ACTIVATION, "user.activation_code");
}
