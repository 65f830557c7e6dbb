/* Security policy (安全策略) read and update, and API tokens for integration clients. */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/password_policy.h"
#include "domain/security_policy.h"
#include "http/request.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

int api_policy_get(struct request *r)
{
	struct security_policy sp;
	int rc = security_policy_get(r->db, &sp);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, security_policy_json(&sp));
}

struct policy_ctx {
	struct request *r;
	struct security_policy next;
};

static int policy_tx(struct db *d, void *arg)
{
	struct policy_ctx *c = arg;
	struct security_policy before;
	int rc = security_policy_get(d, &before);
	if (rc == 0)
		rc = security_policy_save(d, &c->next);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, "policy.update", "security_policy", 0, "ok",
			 audit_diff(security_policy_json(&before), security_policy_json(&c->next)));
}

int api_policy_put(struct request *r)
{
	static const struct field_spec spec[] = {
		{"password_profile", F_STRING, true, 16, 1, "密码策略"},
		{"lockout_threshold", F_INT, true, 0, 0, "连续失败锁定次数"},
		{"lockout_minutes", F_INT, true, 0, 0, "锁定时长"},
		{"session_idle_minutes", F_INT, true, 0, 0, "空闲超时"},
		{"session_absolute_hours", F_INT, true, 0, 0, "会话最长时间"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct password_policy pp;
	struct policy_ctx c = {.r = r};
	const char *profile = body_str(r, "password_profile");
	if (password_policy_for(profile, &pp) != 0)
		return reply_error(r, 400, "invalid_field", "密码策略只能是dengbao（等保）或asvs", "password_profile");
	snprintf(c.next.password_profile, sizeof c.next.password_profile, "%s", profile);
	static const struct {
		const char *name;
		int lo, hi;
		const char *msg;
	} ranges[] = {
		{"lockout_threshold", 3, 10, "连续失败锁定次数须在3到10之间"},
		{"lockout_minutes", 5, 1440, "锁定时长须在5到1440分钟之间"},
		{"session_idle_minutes", 5, 120, "空闲超时须在5到120分钟之间"},
		{"session_absolute_hours", 1, 24, "会话最长时间须在1到24小时之间"},
	};
	int *dst[] = {&c.next.lockout_threshold, &c.next.lockout_minutes, &c.next.session_idle_minutes,
		      &c.next.session_absolute_hours};
	for (size_t i = 0; i < 4; i++) {
		int64_t v = body_int(r, ranges[i].name, 0);
		if (v < ranges[i].lo || v > ranges[i].hi)
			return reply_error(r, 400, "invalid_field", ranges[i].msg, ranges[i].name);
		*dst[i] = (int)v;
	}
	int rc = store_write(policy_tx, &c);
	if (rc != 0)
		return reply_db_error(r, rc);
	security_policy_invalidate();
	return reply_json(r, 200, security_policy_json(&c.next));
}

/* ---- API tokens ---- */

struct token_ctx {
	struct request *r;
	int64_t user_id, id, expires_at;
	const char *name;
	char token[80], hash[65], prefix[16];
	struct refusal err;
};

/* The target must be a visible, active service account holding business roles without
 * pii.unmask: the security administrator who mints the token must not get a credential of a
 * 三员 or of an account that reads PII (docs/security.md). */
static int check_service_user(struct request *r, struct db *d, int64_t id, struct refusal *e)
{
	json_t *u;
	int rc = api_fetch_user(r, d, id, &u, e);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	bool service = json_integer_value(json_object_get(u, "is_service")) != 0;
	bool active = strcmp(json_string_value(json_object_get(u, "status")), "active") == 0;
	bool business = true;
	size_t i;
	json_t *role;
	json_array_foreach(json_object_get(u, "roles"), i, role)
	{
		uint32_t mask = 0;
		perm_parse_list(json_string_value(json_object_get(role, "permissions")), &mask, NULL);
		if (!json_is_null(json_object_get(role, "sanyuan")) || (mask & ~(uint32_t)PERMS_BUSINESS) ||
		    (mask & P_PII_UNMASK))
			business = false;
	}
	json_decref(u);
	if (service && !business)
		return refuse(e, 409, "service_account_role",
			      "只能为仅持有业务角色（且不含查看完整个人信息权限）的服务账号创建接口令牌", NULL);
	if (!service)
		return refuse(e, 409, "not_service_account", "只能为服务账号创建接口令牌", NULL);
	if (!active)
		return refuse(e, 409, "user_inactive", "该服务账号未启用", NULL);
	return 0;
}

int api_token_list(struct request *r)
{
	json_t *u, *items;
	struct refusal e = {0};
	int64_t id = req_arg_id(r, 0);
	int rc = api_fetch_user(r, r->db, id, &u, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	json_decref(u);
	if ((rc = store_token_list(r->db, id, &items)) < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int token_create_tx(struct db *d, void *arg)
{
	struct token_ctx *c = arg;
	int rc = check_service_user(c->r, d, c->user_id, &c->err);
	if (rc != 0)
		return rc;
	rc = store_token_insert(d, c->user_id, c->name, c->hash, c->prefix, c->r->user->user_id, now_ms(),
				c->expires_at, &c->id);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, "token.create", "user", c->user_id, "ok",
			 json_pack("{s:I, s:s, s:s}", "token_id", (json_int_t)c->id, "name", c->name, "prefix", c->prefix));
}

int api_token_create(struct request *r)
{
	static const struct field_spec spec[] = {
		{"name", F_STRING, true, 50, 1, "令牌名称"},
		{"expires_days", F_INT, false, 0, 0, "有效天数"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	int64_t days = body_int(r, "expires_days", 0);
	if (days < 0 || days > 3650)
		return reply_error(r, 400, "invalid_field", "有效天数须在0到3650之间（0表示不过期）", "expires_days");
	struct token_ctx c = {.r = r, .user_id = req_arg_id(r, 0), .name = body_str(r, "name")};
	c.expires_at = days ? now_ms() + days * MS_PER_DAY : 0;
	char raw[64];
	crypto_random_token(raw, 32);
	snprintf(c.token, sizeof c.token, "fcms_%s", raw);
	crypto_sha256_hex(c.token, strlen(c.token), c.hash);
	snprintf(c.prefix, sizeof c.prefix, "%.10s", c.token);
	int rc = store_write(token_create_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c.id, "token", c.token,
					    "prefix", c.prefix, "name", c.name));
}

static int token_revoke_tx(struct db *d, void *arg)
{
	struct token_ctx *c = arg;
	json_t *t;
	int rc = store_token_get(d, c->id, &t);
	if (rc != 1)
		return rc < 0 ? rc : refuse(&c->err, 404, "not_found", "令牌不存在", NULL);
	c->user_id = json_integer_value(json_object_get(t, "user_id"));
	json_decref(t);
	json_t *u;
	if ((rc = api_fetch_user(c->r, d, c->user_id, &u, &c->err)) != 1)
		return rc == 0 ? refuse(&c->err, 404, "not_found", "令牌不存在", NULL) : rc;
	json_decref(u);
	if ((rc = store_token_revoke(d, c->id, now_ms())) < 0)
		return rc;
	return api_audit(c->r, d, "token.revoke", "user", c->user_id, "ok",
			 json_pack("{s:I}", "token_id", (json_int_t)c->id));
}

int api_token_revoke(struct request *r)
{
	struct token_ctx c = {.r = r, .id = req_arg_id(r, 0)};
	int rc = store_write(token_revoke_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}
