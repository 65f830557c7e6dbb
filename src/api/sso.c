/* Directory sign-in (issue 15 item 1): POST /auth/ldap/login (LDAP/AD password), GET
 * /auth/oidc/start and /auth/oidc/callback (the bank's identity platform, OpenID Connect code flow
 * with PKCE), GET /auth/methods (what the sign-in page offers), and the system administrator's
 * connection settings and account links (/directory/..., /users/{id}/directory-link).
 *
 * Every path ends in api_login_attempt (auth.c): the same lockout per (name, source), source
 * throttle, account status and lock, session and audit as a local password. A directory identity
 * reaches only the fcms account the system administrator linked it to; roles stay fcms's own. */
#include "api/api.h"
#include "domain/directory.h"
#include "domain/permissions.h"
#include "domain/principal.h"
#include "http/request.h"
#include "store/directory_links.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/ldap_auth.h"
#include "util/log.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_COOKIE "fcms_oidc"
#define STATE_TTL_MS (10LL * 60 * 1000)

static int load_settings(struct request *r, struct directory_settings *s)
{
	int rc = directory_settings_get(r->db, s);
	if (rc < 0)
		return reply_db_error(r, rc), -1;
	return 0;
}

/* ---- an audit event outside a sign-in attempt (the provider is down, the state is wrong) ---- */

struct note_ctx {
	struct request *r;
	const char *action, *result;
	json_t *detail; /* borrowed: each run audits a copy */
};

static int note_tx(struct db *d, void *arg)
{
	struct note_ctx *c = arg;
	int rc = api_audit(c->r, d, c->action, "user", 0, c->result, json_deep_copy(c->detail));
	return rc < 0 ? rc : 0;
}

/* A browser navigation (the identity platform sent the user back) rather than an API client. */
static bool wants_html(struct request *r)
{
	const char *acc = req_header(r, "Accept");
	return acc && strstr(acc, "text/html");
}

/* Audits a refused directory sign-in that never reached an account, then replies (a browser on
 * the OIDC callback gets the sign-in page with the reason). Returns 0. */
static int refuse_audited(struct request *r, int status, const char *code, const char *message,
			  const char *method, const char *reason, const char *why)
{
	json_t *detail = json_pack("{s:s, s:s, s:s}", "method", method, "reason", reason, "detail", why ? why : "");
	struct note_ctx c = {r, "auth.login_failed", status >= 500 ? "failed" : "denied", detail};
	int rc = detail ? store_write(note_tx, &c) : DB_HARD;
	json_decref(detail);
	if (rc != 0)
		return reply_db_error(r, rc);
	return api_login_refuse(r, strcmp(method, "oidc") == 0 && wants_html(r), status, code, message);
}

int api_auth_methods(struct request *r)
{
	struct directory_settings s;
	if (load_settings(r, &s) != 0)
		return 0;
	return reply_json(r, 200, json_pack("{s:b, s:b}", "ldap", s.ldap_enabled, "oidc", s.oidc_enabled));
}

/* ---- LDAP / AD ---- */

/* api_login.on_success of an LDAP sign-in: the account's roles mapped from its groups (see
 * store_dirgrant_sync), unless its own roles are not business roles. Audited when it changes. */
static int sync_group_roles(struct request *r, struct db *d, int64_t user_id, void *arg)
{
	const struct ldap_groups *g = arg;
	json_t *own = NULL, *added = NULL, *removed = NULL, *names = json_array();
	int64_t want[LDAP_MAX_GROUPS];
	int n = 0;
	int rc = names ? store_dirgrant_own_roles(d, user_id, &own) : DB_HARD;
	if (rc >= 0 && directory_account_takes_mapping(own)) {
		const char *list[LDAP_MAX_GROUPS];
		for (int i = 0; i < g->n; i++) {
			list[i] = g->name[i];
			json_array_append_new(names, json_string(g->name[i]));
		}
		rc = n = store_dirgroup_roles_of(d, list, g->n, want, LDAP_MAX_GROUPS);
	}
	if (rc >= 0)
		rc = store_dirgrant_sync(d, user_id, want, n, &added, &removed);
	if (rc >= 0 && (json_array_size(added) || json_array_size(removed))) {
		rc = api_audit(r, d, "user.directory_roles", "user", user_id, "ok",
			       json_pack("{s:O, s:O, s:O}", "groups", names, "added", added, "removed", removed));
	}
	json_decref(own);
	json_decref(added);
	json_decref(removed);
	json_decref(names);
	return rc < 0 ? rc : 0;
}

int api_auth_ldap_login(struct request *r)
{
	static const struct field_spec spec[] = {
		{"username", F_STRING, true, 128, 1, "域账号"},
		{"password", F_STRING, true, 256, 1, "密码"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct directory_settings s;
	if (load_settings(r, &s) != 0)
		return 0;
	if (!s.ldap_enabled)
		return reply_error(r, 404, "directory_not_configured", "未启用域账号登录", NULL);
	/* Directory names compare without case; so does the lockout key, or case variants of one
	 * name would each get their own count of tries. */
	const char *typed = body_str(r, "username");
	char key[140];
	snprintf(key, sizeof key, "ldap:%s", typed);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	struct ldap_groups groups = {0};
	struct api_login a = {.username = key, .method = "ldap", .on_success = sync_group_roles, .arg = &groups};
	char subject[256] = "", why[160] = "locked";
	if (!api_login_locked(r, key)) {
		struct ldap_conf lc = {s.ldap_url, s.ldap_starttls, s.ldap_ca_file, s.ldap_bind_dn,
				       s.ldap_bind_password, s.ldap_base, s.ldap_filter, s.ldap_attr,
				       s.ldap_group_base, 10};
		enum ldap_auth_result res = ldap_auth_check(&lc, typed, body_str(r, "password"), subject,
							    sizeof subject, &groups, why, sizeof why);
		if (res == LDAP_AUTH_UNAVAILABLE) {
			log_warn("ldap sign-in: directory unavailable: %s", why);
			return refuse_audited(r, 503, "directory_unavailable", "域控服务器暂时无法连接，请稍后再试",
					      "ldap", "directory_unavailable", why);
		}
		a.credential_ok = res == LDAP_AUTH_OK;
	}
	if (a.credential_ok) {
		for (char *p = subject; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		int rc = store_dirlink_user(r->db, "ldap", subject, &a.user_id);
		if (rc < 0)
			return reply_db_error(r, rc);
		if (rc == 0)
			a.reason = "unlinked";
	}
	struct api_session sess;
	if (api_login_attempt(r, &a, &sess) != 0)
		return 0;
	return api_login_reply(r, a.user_id, &sess);
}

/* ---- OpenID Connect ---- */

struct state_ctx {
	const char *hash, *nonce, *verifier;
	int64_t now;
	/* take: out */
	int found;
	char nonce_out[64], verifier_out[64];
};

static int state_put_tx(struct db *d, void *arg)
{
	struct state_ctx *c = arg;
	int rc = store_oidc_state_put(d, c->hash, c->nonce, c->verifier, c->now, c->now - STATE_TTL_MS);
	return rc < 0 ? rc : 0;
}

static int state_take_tx(struct db *d, void *arg)
{
	struct state_ctx *c = arg;
	c->found = 0;
	int rc = store_oidc_state_take(d, c->hash, c->now - STATE_TTL_MS, c->nonce_out, c->verifier_out);
	if (rc < 0)
		return rc;
	c->found = rc;
	return 0;
}

int api_auth_oidc_start(struct request *r)
{
	struct directory_settings s;
	if (load_settings(r, &s) != 0)
		return 0;
	if (!s.oidc_enabled)
		return reply_error(r, 404, "directory_not_configured", "未启用统一身份认证登录", NULL);
	char *url = NULL, state[64], nonce[64], verifier[64], why[160];
	if (directory_oidc_begin(&s, &url, state, nonce, verifier, why, sizeof why) != OIDC_OK) {
		log_warn("oidc sign-in: provider unavailable: %s", why);
		return refuse_audited(r, 503, "directory_unavailable", "统一身份认证平台暂时无法连接，请稍后再试",
				      "oidc", "provider_unavailable", why);
	}
	char hash[65];
	crypto_sha256_hex(state, strlen(state), hash);
	struct state_ctx c = {.hash = hash, .nonce = nonce, .verifier = verifier, .now = now_ms()};
	int rc = store_write(state_put_tx, &c);
	if (rc != 0) {
		free(url);
		return reply_db_error(r, rc);
	}
	reply_raw(r, 302, "text/plain; charset=utf-8", "", 0);
	reply_header(r, "Location", url);
	free(url);
	/* Binds the flow to this browser: the callback must come with the same state in a cookie
	 * (Lax: the provider's redirect back is a cross-site top-level navigation). */
	char cookie[200];
	snprintf(cookie, sizeof cookie, STATE_COOKIE "=%s; Path=/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600%s",
		 state, r->secure ? "; Secure" : "");
	reply_header(r, "Set-Cookie", cookie);
	return 0;
}

int api_auth_oidc_callback(struct request *r)
{
	struct directory_settings s;
	if (load_settings(r, &s) != 0)
		return 0;
	if (!s.oidc_enabled)
		return reply_error(r, 404, "directory_not_configured", "未启用统一身份认证登录", NULL);
	const char *err = req_query(r, "error"), *state = req_query(r, "state"), *code = req_query(r, "code");
	if (err)
		return refuse_audited(r, 401, "oidc_denied", "统一身份认证平台未完成认证，请重新登录", "oidc",
				      "provider_error", err);
	const char *bound = req_cookie(r, STATE_COOKIE);
	if (!state || !code || strlen(state) > 100 || strlen(code) > 1000 || !bound || !crypto_str_equal(bound, state))
		return refuse_audited(r, 400, "oidc_state_invalid", "登录请求无效或已过期，请重新发起统一身份认证登录",
				      "oidc", "state_mismatch", NULL);
	char hash[65];
	crypto_sha256_hex(state, strlen(state), hash);
	struct state_ctx c = {.hash = hash, .now = now_ms()};
	int rc = store_write(state_take_tx, &c);
	if (rc != 0)
		return reply_db_error(r, rc);
	if (!c.found)
		return refuse_audited(r, 400, "oidc_state_invalid", "登录请求无效或已过期，请重新发起统一身份认证登录",
				      "oidc", "state_unknown_or_used", NULL);
	char sub[256], why[160];
	enum oidc_result res = directory_oidc_finish(&s, code, c.verifier_out, c.nonce_out, sub, sizeof sub, why, sizeof why);
	if (res == OIDC_UNAVAILABLE)
		return refuse_audited(r, 503, "directory_unavailable", "统一身份认证平台暂时无法连接，请稍后再试",
				      "oidc", "provider_unavailable", why);
	if (res != OIDC_OK)
		return refuse_audited(r, 401, "oidc_token_invalid", "统一身份认证返回的身份凭证无效，登录被拒绝",
				      "oidc", "token_invalid", why);
	char key[300];
	snprintf(key, sizeof key, "oidc:%s", sub);
	struct api_login a = {.username = key, .method = "oidc", .credential_ok = true, .redirect_errors = wants_html(r)};
	if ((rc = store_dirlink_user(r->db, "oidc", sub, &a.user_id)) < 0)
		return reply_db_error(r, rc);
	if (rc == 0)
		a.reason = "unlinked";
	struct api_session sess;
	if (api_login_attempt(r, &a, &sess) != 0)
		return 0;
	reply_raw(r, 302, "text/plain; charset=utf-8", "", 0);
	reply_header(r, "Location", "/#/home");
	api_login_cookie(r, &sess);
	reply_header(r, "Set-Cookie", STATE_COOKIE "=; Path=/api/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0");
	return 0;
}

/* ---- administration (system administrator) ---- */

int api_directory_settings_get(struct request *r)
{
	struct directory_settings s;
	if (load_settings(r, &s) != 0)
		return 0;
	return reply_json(r, 200, directory_settings_json(&s));
}

struct settings_ctx {
	struct request *r;
	const struct directory_settings *next;
};

static int settings_tx(struct db *d, void *arg)
{
	struct settings_ctx *c = arg;
	int rc = directory_settings_save(d, c->next);
	if (rc >= 0) /* the view has no secrets, only whether they are set */
		rc = api_audit(c->r, d, "directory.settings.update", "directory_settings", 0, "ok",
			       directory_settings_json(c->next));
	return rc < 0 ? rc : 0;
}

int api_directory_settings_put(struct request *r)
{
	static const struct field_spec spec[] = {
		{"ldap_enabled", F_BOOL, false, 0, 0, "启用域账号登录"},
		{"ldap_starttls", F_BOOL, false, 0, 0, "StartTLS"},
		{"ldap_url", F_STRING, false, 255, 0, "LDAP地址"},
		{"ldap_ca_file", F_STRING, false, 255, 0, "CA证书文件"},
		{"ldap_bind_dn", F_STRING, false, 255, 0, "服务账号DN"},
		{"ldap_bind_password", F_STRING, false, 255, 0, "服务账号密码"},
		{"ldap_base", F_STRING, false, 255, 0, "搜索根"},
		{"ldap_filter", F_STRING, false, 255, 0, "过滤条件"},
		{"ldap_attr", F_STRING, false, 63, 0, "登录属性"},
		{"ldap_group_base", F_STRING, false, 255, 0, "组搜索根"},
		{"oidc_enabled", F_BOOL, false, 0, 0, "启用统一身份认证登录"},
		{"oidc_issuer", F_STRING, false, 255, 0, "认证平台地址"},
		{"oidc_client_id", F_STRING, false, 127, 0, "客户端标识"},
		{"oidc_client_secret", F_STRING, false, 255, 0, "客户端密钥"},
		{"oidc_redirect_uri", F_STRING, false, 255, 0, "回调地址"},
		{"oidc_ca_file", F_STRING, false, 255, 0, "CA证书文件"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct directory_settings s;
	if (load_settings(r, &s) != 0)
		return 0;
	/* Absent fields keep their value; an empty secret keeps the stored one (the form never
	 * shows it back). */
	s.ldap_enabled = body_bool(r, "ldap_enabled", s.ldap_enabled);
	s.ldap_starttls = body_bool(r, "ldap_starttls", s.ldap_starttls);
	s.oidc_enabled = body_bool(r, "oidc_enabled", s.oidc_enabled);
	static const struct {
		const char *name;
		size_t off, size;
		bool secret;
	} f[] = {
#define F(x, sec) {#x, offsetof(struct directory_settings, x), sizeof(((struct directory_settings *)0)->x), sec}
		F(ldap_url, false), F(ldap_ca_file, false), F(ldap_bind_dn, false), F(ldap_bind_password, true),
		F(ldap_base, false), F(ldap_filter, false), F(ldap_attr, false), F(ldap_group_base, false),
		F(oidc_issuer, false),
		F(oidc_client_id, false), F(oidc_client_secret, true), F(oidc_redirect_uri, false),
		F(oidc_ca_file, false),
#undef F
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		const char *v = body_str(r, f[i].name);
		if (v && (!f[i].secret || *v))
			snprintf((char *)&s + f[i].off, f[i].size, "%s", v);
	}
	char msg[200];
	const char *field = NULL;
	if (directory_settings_check(&s, msg, sizeof msg, &field) != 0)
		return reply_error(r, 400, "invalid_field", msg, field);
	struct settings_ctx c = {r, &s};
	int rc = store_write(settings_tx, &c);
	if (rc != 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, directory_settings_json(&s));
}

int api_directory_links(struct request *r)
{
	json_t *items;
	int rc = store_dirlink_list(r->db, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

struct link_ctx {
	struct request *r;
	int64_t id;
	const char *provider, *subject; /* subject NULL: unlink */
	bool local_off;
	struct refusal err;
};

static int link_tx(struct db *d, void *arg)
{
	struct link_ctx *c = arg;
	struct request *r = c->r;
	json_t *u = NULL;
	int rc = api_fetch_user(r, d, c->id, &u, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	bool service = json_integer_value(json_object_get(u, "is_service")) != 0;
	json_decref(u);
	if (!c->subject) {
		if ((rc = store_dirlink_delete(d, c->id, c->provider)) < 0)
			return rc;
		if (rc == 0)
			return refuse(&c->err, 404, "not_found", "该用户没有此类目录身份关联", NULL);
		rc = api_audit(r, d, "user.directory_unlink", "user", c->id, "ok",
			       json_pack("{s:s}", "provider", c->provider));
		return rc < 0 ? rc : 0;
	}
	if (service)
		return refuse(&c->err, 409, "service_account", "服务账号不能关联目录身份", NULL);
	struct principal p;
	if ((rc = principal_load(d, c->id, &p)) < 0)
		return rc;
	if (rc == 1 && !directory_link_allowed(p.perms))
		return refuse(&c->err, 403, "sanyuan_conflict",
			      "安全管理员、审计管理员账户不能由系统管理员关联目录身份（三员分立）", NULL);
	if ((rc = store_dirlink_set(d, c->id, c->provider, c->subject, c->local_off, now_ms())) < 0)
		return rc;
	/* With the local password off, its pending first change (of a one-time password) can never
	 * happen and must not hold directory sign-ins at the password page. */
	if (c->local_off && (rc = store_user_set_must_change(d, c->id, false)) < 0)
		return rc;
	rc = api_audit(r, d, "user.directory_link", "user", c->id, "ok",
		       json_pack("{s:s, s:s, s:b}", "provider", c->provider, "subject", c->subject,
				 "local_password_off", c->local_off));
	return rc < 0 ? rc : 0;
}

static int provider_arg(struct request *r, const char *p)
{
	if (p && (strcmp(p, "ldap") == 0 || strcmp(p, "oidc") == 0))
		return 0;
	return reply_error(r, 400, "invalid_field", "目录类型只能是ldap（域账号）或oidc（统一身份认证）", "provider"), -1;
}

int api_directory_link_put(struct request *r)
{
	static const struct field_spec spec[] = {
		{"provider", F_STRING, true, 8, 1, "目录类型"},
		{"subject", F_STRING, true, 255, 1, "目录身份"},
		{"local_password_off", F_BOOL, false, 0, 0, "停用本地密码"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	const char *provider = body_str(r, "provider");
	if (provider_arg(r, provider) != 0)
		return 0;
	char subject[256];
	snprintf(subject, sizeof subject, "%s", body_str(r, "subject"));
	if (strcmp(provider, "ldap") == 0) /* the directory compares login names without case */
		for (char *p = subject; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	struct link_ctx c = {r, req_arg_id(r, 0), provider, subject, body_bool(r, "local_password_off", false), {0}};
	int rc = store_write(link_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, "directory_subject_taken", "该目录身份已关联到其他账户");
	return reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:b}", "user_id", (json_int_t)c.id, "provider",
					    provider, "subject", subject, "local_password_off", c.local_off));
}

int api_directory_link_delete(struct request *r)
{
	const char *provider = req_query(r, "provider");
	if (provider_arg(r, provider) != 0)
		return 0;
	struct link_ctx c = {r, req_arg_id(r, 0), provider, NULL, false, {0}};
	int rc = store_write(link_tx, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- group → role mapping (security administrator) ---- */

int api_directory_group_roles_get(struct request *r)
{
	json_t *items;
	int rc = store_dirgroup_list(r->db, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

#define MAX_MAPPINGS 200

struct groups_ctx {
	struct request *r;
	const char *groups[MAX_MAPPINGS];
	char names[MAX_MAPPINGS][LDAP_GROUP_LEN];
	int64_t role_ids[MAX_MAPPINGS];
	int n;
	struct refusal err;
};

static int groups_tx(struct db *d, void *arg)
{
	struct groups_ctx *c = arg;
	for (int i = 0; i < c->n; i++) {
		json_t *role = NULL;
		int rc = store_role_get(d, c->role_ids[i], &role);
		if (rc < 0)
			return rc;
		bool ok = rc == 1 && directory_role_mappable(json_string_value(json_object_get(role, "sanyuan")),
							     json_string_value(json_object_get(role, "permissions")));
		json_decref(role);
		if (rc == 0)
			return refuse(&c->err, 400, "invalid_field", "角色不存在", "items");
		if (!ok)
			return refuse(&c->err, 403, "sanyuan_conflict",
				      "只能映射业务角色：系统管理员、安全管理员、审计管理员角色不能来自目录（三员分立）", "items");
	}
	int rc = store_dirgroup_replace(d, c->groups, c->role_ids, c->n, now_ms());
	json_t *items = NULL;
	if (rc >= 0)
		rc = store_dirgroup_list(d, &items);
	if (rc >= 0)
		rc = api_audit(c->r, d, "directory.group_roles.update", "directory_settings", 0, "ok",
			       json_pack("{s:o}", "items", items));
	return rc < 0 ? rc : 0;
}

int api_directory_group_roles_put(struct request *r)
{
	static const struct field_spec spec[] = {
		{"items", F_ARRAY, true, MAX_MAPPINGS, 0, "映射"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct groups_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	c->r = r;
	json_t *items = json_object_get(r->json, "items"), *it;
	size_t i;
	int ret = -1;
	if (json_array_size(items) > MAX_MAPPINGS) {
		reply_error(r, 400, "invalid_field", "映射最多200条", "items");
		goto done;
	}
	json_array_foreach(items, i, it)
	{
		const char *g = json_string_value(json_object_get(it, "group"));
		json_t *rid = json_object_get(it, "role_id");
		if (!g || !*g || strlen(g) >= LDAP_GROUP_LEN || !json_is_integer(rid) || json_integer_value(rid) <= 0) {
			reply_error(r, 400, "invalid_field", "每条映射须有目录组名（1至63个字符）和角色", "items");
			goto done;
		}
		for (size_t k = 0; g[k]; k++) /* groups compare without case, as the directory does */
			c->names[c->n][k] = (char)tolower((unsigned char)g[k]);
		c->groups[c->n] = c->names[c->n];
		c->role_ids[c->n++] = json_integer_value(rid);
	}
	int rc = store_write(groups_tx, c);
	if (rc != 0) {
		api_reply_tx_error(r, rc, &c->err, NULL, NULL);
		goto done;
	}
	ret = 0;
done:
	free(c);
	return ret == 0 ? api_directory_group_roles_get(r) : 0;
}
