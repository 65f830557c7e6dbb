/* Sign-in, sessions and API tokens: POST /auth/login, /auth/logout, /auth/password, GET /auth/me,
 * and the authentication of every request.
 *
 * Sessions: the cookie carries 32 random bytes; the database keeps only their SHA-256, so a
 * leaked database does not leak live sessions. Each login makes a new session id (no fixation).
 * Argon2id runs outside any transaction so a slow hash never holds the SQLite write lock. */
#include "api/api.h"
#include "api/stream_check.h"
#include "domain/password_policy.h"
#include "domain/principal.h"
#include "domain/security_policy.h"
#include "domain/session_rules.h"
#include "http/request.h"
#include "http/server.h"
#include "store/directory_links.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/crypto.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define COOKIE "fcms_session"

static int load_principal(struct request *r, int64_t user_id, struct principal **out)
{
	struct principal *p = arena_alloc(r->arena, sizeof *p);
	if (!p)
		return DB_HARD;
	int rc = principal_load(r->db, user_id, p);
	if (rc == 1)
		*out = p;
	return rc;
}

/* The bookkeeping writes of authentication (last use of a token, sliding session expiry, removal
 * of an expired session) go through the writer like every other write: on SQLite a write on the
 * request thread's own connection would pay its own fsync and contend with the group commit. */
enum auth_write { AUTH_TOKEN_TOUCH, AUTH_SESSION_TOUCH, AUTH_SESSION_DELETE };

struct auth_write_ctx {
	enum auth_write what;
	const char *hash;
	int64_t now;
};

static int auth_write_tx(struct db *d, void *arg)
{
	const struct auth_write_ctx *c = arg; /* no outputs: nothing to reset on a retry */
	int rc = c->what == AUTH_TOKEN_TOUCH     ? store_token_touch(d, c->hash, c->now)
		 : c->what == AUTH_SESSION_TOUCH ? store_session_touch(d, c->hash, c->now)
						 : store_session_delete(d, c->hash);
	return rc < 0 ? rc : 0;
}

/* Runs one bookkeeping write; on failure replies (503/500) and returns -1, like the reads of
 * api_authenticate: a database that cannot take the write cannot serve the request either. */
static int auth_write(struct request *r, enum auth_write what, const char *hash, int64_t now)
{
	struct auth_write_ctx c = {what, hash, now};
	int rc = store_write(auth_write_tx, &c);
	if (rc != 0)
		return reply_db_error(r, rc < 0 ? rc : DB_HARD), -1;
	return 0;
}

static int authenticate(struct request *r)
{
	int64_t now = now_ms();
	const char *authz = req_header(r, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		char hash[65];
		const char *tok = authz + 7;
		crypto_sha256_hex(tok, strlen(tok), hash);
		int64_t uid = 0, last_used = 0;
		int rc = store_token_user(r->db, hash, now, &uid, &last_used);
		if (rc == 1)
			rc = load_principal(r, uid, &r->user);
		if (rc < 0)
			return reply_db_error(r, rc), -1;
		if (!r->user)
			return reply_error(r, 401, "invalid_token", "接口令牌无效、已过期或已吊销", NULL), -1;
		r->user->via_token = true;
		/* At most one write a minute per token (store_token_touch checks it again). */
		if (last_used < now - 60000 && auth_write(r, AUTH_TOKEN_TOUCH, hash, now) != 0)
			return -1;
		return 0;
	}
	const char *cookie = req_cookie(r, COOKIE);
	if (!cookie || !*cookie)
		return 0;
	char hash[65];
	crypto_sha256_hex(cookie, strlen(cookie), hash);
	struct principal *p = arena_alloc(r->arena, sizeof *p);
	if (!p)
		return reply_db_error(r, DB_HARD), -1;
	int64_t created, seen;
	int rc = principal_from_session(r->db, hash, p, &created, &seen);
	if (rc < 0)
		return reply_db_error(r, rc), -1;
	if (rc == 0) /* no such session, or the account is no longer active */
		return 0;
	struct security_policy sp;
	if ((rc = security_policy_get(r->db, &sp)) < 0)
		return reply_db_error(r, rc), -1;
	if (session_state(created, seen, now, (int64_t)sp.session_idle_minutes * 60000,
			  (int64_t)sp.session_absolute_hours * 3600000) != SESSION_VALID) {
		if (auth_write(r, AUTH_SESSION_DELETE, hash, now) != 0)
			return -1;
		if (!(r->route && (r->route->flags & ROUTE_PUBLIC)))
			return reply_error(r, 401, "session_expired", "会话已过期，请重新登录", NULL), -1;
		return 0;
	}
	snprintf(p->session_hash, sizeof p->session_hash, "%s", hash);
	r->user = p;
	if (session_touch_due(seen, now) && auth_write(r, AUTH_SESSION_TOUCH, hash, now) != 0) {
		r->user = NULL;
		return -1;
	}
	return 0;
}

int api_authenticate(struct request *r)
{
	int rc = authenticate(r);
	if (rc == 0 && r->user) {
		const struct principal *p = r->user;
		r->caller = (struct req_caller){
			.user_id = p->user_id,
			.perms = p->perms,
			.via_token = p->via_token,
			.must_change_password = p->must_change_password,
			.username = p->username,
			.csrf = p->csrf,
			.session_hash = p->session_hash,
		};
	}
	return rc;
}

const struct http_hooks api_http_hooks = {
	.authenticate = api_authenticate,
	.db_conn = store_conn,
	.snapshot_begin = db_snapshot_begin,
	.snapshot_end = db_snapshot_end,
	.events = &api_events_audience,
};

/* ---- login ---- */

struct login_ctx {
	struct request *r;
	const struct api_login *a;
	struct security_policy sp;
	int64_t now;
	/* out */
	int outcome;               /* 0 ok, 401, 403 (403 local password off), 423, 429 */
	bool local_off_refused;
	char token[64], csrf[64];
};

static json_t *login_detail(struct login_ctx *c, const char *reason)
{
	return json_pack("{s:s, s:s, s:s}", "username", c->a->username, "reason", reason, "method",
			 c->a->method);
}

/* Failures from one address over every user name, as a multiple of the lockout threshold, after
 * which that address is refused (429) for any name until its failures age out: password spraying
 * costs the sprayer, never the users. */
#define SPRAY_FACTOR 20
#define FORGET_FAILURES_MS (24LL * 3600 * 1000)

/* A wrong credential or an unknown name: counted per (name, source address), locked at the
 * threshold for the lockout time, audited. Outcome 401. */
static int login_failed(struct login_ctx *c, struct db *d, bool known, int64_t uid, int64_t failed)
{
	struct request *r = c->r;
	const struct api_login *a = c->a;
	bool lock = lockout_reached((int)(failed > 1000000 ? 1000000 : failed), c->sp.lockout_threshold);
	int64_t until = lock ? c->now + (int64_t)c->sp.lockout_minutes * 60000 : 0;
	int rc = store_login_failures_set(d, a->username, r->ip, failed, until, c->now,
					  c->now - FORGET_FAILURES_MS);
	if (rc >= 0)
		rc = api_audit(r, d, "auth.login_failed", "user", uid, "failed",
			       json_pack("{s:s, s:s, s:s, s:I}", "username", a->username, "method", a->method,
					 "reason", a->reason ? a->reason : known ? "bad_password" : "unknown_user",
					 "failed_attempts", (json_int_t)failed));
	if (rc >= 0 && lock)
		rc = api_audit(r, d, "auth.lockout", "user", uid, "ok",
			       json_pack("{s:s, s:I, s:I, s:s}", "username", a->username, "failed_attempts",
					 (json_int_t)failed, "locked_until", (json_int_t)until, "source", r->ip));
	c->outcome = 401;
	return rc < 0 ? rc : 0;
}

/* The right credential of an active account: a new session, the counters cleared, audited. */
static int login_succeeded(struct login_ctx *c, struct db *d, const struct user_auth *fresh)
{
	struct request *r = c->r;
	const struct api_login *a = c->a;
	int rc;
	struct password_policy pp;
	bool expired = password_policy_for(c->sp.password_profile, &pp) == 0 &&
		       password_expired(&pp, fresh->password_changed_at, c->now);
	crypto_random_token(c->token, 32);
	crypto_random_token(c->csrf, 24);
	char hash[65];
	crypto_sha256_hex(c->token, strlen(c->token), hash);
	rc = store_user_login_ok(d, fresh->id, c->now);
	if (rc >= 0)
		rc = store_login_failures_clear(d, a->username, r->ip);
	if (rc >= 0 && expired && !fresh->must_change_password)
		rc = store_user_set_must_change(d, fresh->id, true);
	if (rc >= 0)
		rc = store_session_insert(d, hash, fresh->id, c->csrf, r->ip, c->now);
	if (rc >= 0) {
		struct principal actor = {.user_id = fresh->id};
		snprintf(actor.username, sizeof actor.username, "%s", a->username);
		r->user = &actor;
		if (a->on_success)
			rc = a->on_success(r, d, fresh->id, a->arg);
		if (rc >= 0)
			rc = api_audit(r, d, "auth.login", "user", fresh->id, "ok",
			       json_pack("{s:s, s:s, s:b}", "username", a->username, "method", a->method,
					 "password_expired", expired));
		r->user = NULL;
	}
	c->outcome = 0;
	return rc < 0 ? rc : 0;
}

/* Records the outcome of one attempt: counters, lock, session, audit — atomically. Failures are
 * counted per (user name, source address) whether the name exists or not (login_failures): a
 * lock keeps that address out of that name only, so nobody can lock a user out from elsewhere,
 * and unknown and known names answer alike. users.locked_until is the security admin's lock. */
static int login_tx(struct db *d, void *arg)
{
	struct login_ctx *c = arg;
	struct request *r = c->r;
	/* a retried transaction starts over (every path sets outcome; a new token each run) */
	c->outcome = 0;
	c->local_off_refused = false;
	c->token[0] = c->csrf[0] = '\0';
	const struct api_login *a = c->a;
	int64_t window = (int64_t)c->sp.lockout_minutes * 60000;
	int64_t failures, locked_until, last_at, from_source = 0;
	int rc = store_login_failures_get(d, a->username, r->ip, &failures, &locked_until, &last_at);
	if (rc >= 0)
		rc = store_login_failures_of_source(d, r->ip, c->now - window, &from_source);
	if (rc < 0)
		return rc;
	struct user_auth fresh;
	bool known = false;
	if (a->user_id) {
		if ((rc = store_user_auth_by_id(d, a->user_id, &fresh)) < 0)
			return rc;
		known = rc == 1;
	}
	int64_t uid = known ? fresh.id : 0;
	if (locked_until > c->now || (known && fresh.locked_until > c->now)) {
		c->outcome = 423;
		return api_audit(r, d, "auth.login_failed", "user", uid, "denied", login_detail(c, "locked"));
	}
	if (c->sp.lockout_threshold > 0 && from_source >= (int64_t)SPRAY_FACTOR * c->sp.lockout_threshold) {
		c->outcome = 429;
		return api_audit(r, d, "auth.login_failed", "user", uid, "denied",
				 login_detail(c, "source_throttled"));
	}
	if (!known || !a->credential_ok) {
		/* A lock that has run out, or failures older than the lock time, start a fresh count. */
		int64_t failed = (locked_until || last_at < c->now - window ? 0 : failures) + 1;
		return login_failed(c, d, known, uid, failed);
	}
	if (strcmp(fresh.status, "active") != 0 || fresh.is_service) {
		c->outcome = 403;
		return api_audit(r, d, "auth.login_failed", "user", fresh.id, "denied",
				 login_detail(c, fresh.is_service ? "service_account" : fresh.status));
	}
	if (a->local_off) {
		/* the right local password of an account whose local password the system admin
		 * turned off: refused, and said so (only the holder of the password learns it) */
		c->outcome = 403;
		c->local_off_refused = true;
		return api_audit(r, d, "auth.login_failed", "user", fresh.id, "denied",
				 login_detail(c, "local_password_disabled"));
	}
	return login_succeeded(c, d, &fresh);
}

int api_login_locked(struct request *r, const char *username)
{
	int64_t failures, locked_until, last_at;
	if (store_login_failures_get(r->db, username, r->ip, &failures, &locked_until, &last_at) < 0)
		return 0; /* the transaction reads them again and decides */
	return locked_until > now_ms();
}

int api_login_refuse(struct request *r, bool redirect, int status, const char *code, const char *message)
{
	if (!redirect)
		return reply_error(r, status, code, message, NULL);
	/* A browser on its way back from the identity platform: show the sign-in page with the
	 * reason instead of bare JSON (the code is a fixed identifier, safe in the URL). */
	char loc[160];
	snprintf(loc, sizeof loc, "/#/login?sso_error=%s", code);
	reply_raw(r, 302, "text/plain; charset=utf-8", "", 0);
	reply_header(r, "Location", loc);
	return 0;
}

int api_login_attempt(struct request *r, const struct api_login *a, struct api_session *out)
{
	struct login_ctx c = {.r = r, .a = a, .now = now_ms()};
	int rc = security_policy_get(r->db, &c.sp);
	if (rc < 0)
		return reply_db_error(r, rc), -1;
	rc = store_write(login_tx, &c);
	if (rc != 0)
		return reply_db_error(r, rc), -1;
	switch (c.outcome) {
	case 401:
		if (strcmp(a->method, "oidc") == 0)
			return api_login_refuse(r, a->redirect_errors, 401, "directory_unlinked",
					   "该统一身份认证账号未关联本系统账户，请联系系统管理员"), -1;
		return api_login_refuse(r, a->redirect_errors, 401, "invalid_credentials",
				   strcmp(a->method, "ldap") == 0 ? "域账号或密码错误，或该域账号未关联本系统账户"
								  : "用户名或密码错误"), -1;
	case 423:
		return api_login_refuse(r, a->redirect_errors, 423, "account_locked", "账户已锁定，请稍后再试或联系安全管理员解锁"), -1;
	case 429:
		return api_login_refuse(r, a->redirect_errors, 429, "too_many_attempts", "本地址登录失败次数过多，请稍后再试"), -1;
	case 403:
		if (c.local_off_refused)
			return api_login_refuse(r, a->redirect_errors, 403, "local_password_disabled",
					   "该账户已停用本地密码，请使用域账号或统一身份认证登录"), -1;
		return api_login_refuse(r, a->redirect_errors, 403, "account_disabled", "账户已停用或不允许登录"), -1;
	}
	memcpy(out->token, c.token, sizeof out->token);
	memcpy(out->csrf, c.csrf, sizeof out->csrf);
	return 0;
}

void api_login_cookie(struct request *r, const struct api_session *sess)
{
	char cookie[200];
	snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", sess->token,
		 r->secure ? "; Secure" : "");
	reply_header(r, "Set-Cookie", cookie);
}

int api_login_reply(struct request *r, int64_t user_id, const struct api_session *sess)
{
	json_t *user = NULL;
	int rc = store_user_get(r->db, user_id, &user);
	if (rc != 1)
		return reply_db_error(r, rc);
	reply_json(r, 200, json_pack("{s:o, s:s}", "user", api_user_view(user), "csrf_token", sess->csrf));
	api_login_cookie(r, sess);
	return 0;
}

int api_auth_login(struct request *r)
{
	static const struct field_spec spec[] = {
		{"username", F_STRING, true, 64, 1, "用户名"},
		{"password", F_STRING, true, 256, 1, "密码"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct api_login a = {.username = body_str(r, "username"), .method = "password"};
	struct user_auth ua;
	int rc = store_user_auth(r->db, a.username, &ua);
	if (rc < 0)
		return reply_db_error(r, rc);
	const char *password = body_str(r, "password");
	/* Every attempt spends one hash, locked or unknown names too: the answer's timing must not
	 * tell which names exist or are locked. */
	if (rc == 1) {
		a.user_id = ua.id;
		a.credential_ok = crypto_password_verify(ua.password_hash, password);
		if (a.credential_ok && (rc = store_dirlink_local_off(r->db, ua.id)) != 0) {
			if (rc < 0)
				return reply_db_error(r, rc);
			a.local_off = true;
		}
	} else {
		crypto_password_dummy_verify(password);
	}
	struct api_session sess;
	if (api_login_attempt(r, &a, &sess) != 0)
		return 0;
	return api_login_reply(r, a.user_id, &sess);
}

/* ---- logout, me ---- */

struct logout_ctx {
	struct request *r;
};

static int logout_tx(struct db *d, void *arg)
{
	struct request *r = ((struct logout_ctx *)arg)->r;
	int rc = store_session_delete(d, r->user->session_hash);
	if (rc >= 0)
		rc = api_audit(r, d, "auth.logout", "user", r->user->user_id, "ok", NULL);
	return rc < 0 ? rc : 0;
}

int api_auth_logout(struct request *r)
{
	if (!r->user->via_token) {
		struct logout_ctx c = {r};
		int rc = store_write(logout_tx, &c);
		if (rc != 0)
			return reply_db_error(r, rc);
	}
	reply_json(r, 200, json_pack("{s:b}", "ok", 1));
	char cookie[160];
	snprintf(cookie, sizeof cookie, COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 r->secure ? "; Secure" : "");
	reply_header(r, "Set-Cookie", cookie);
	return 0;
}

int api_auth_me(struct request *r)
{
	json_t *user = NULL;
	int rc = store_user_get(r->db, r->user->user_id, &user);
	if (rc != 1)
		return rc < 0 ? reply_db_error(r, rc) : reply_error(r, 401, "unauthenticated", "请先登录", NULL);
	json_t *body = json_pack("{s:o}", "user", api_user_view(user));
	json_object_set_new(body, "csrf_token", r->user->via_token ? json_null() : json_string(r->user->csrf));
	return reply_json(r, 200, body);
}

/* ---- password change ---- */

/* Checks a proposed password against the policy and the user's recent passwords. Returns 0, or
 * replies 400 and returns -1. Also used by nothing else: resets generate compliant passwords. */
static int check_new_password(struct request *r, int64_t user_id, const char *username,
			      const char *password)
{
	struct security_policy sp;
	struct password_policy pp;
	int rc = security_policy_get(r->db, &sp);
	if (rc < 0)
		return reply_db_error(r, rc), -1;
	if (password_policy_for(sp.password_profile, &pp) != 0)
		password_policy_for("dengbao", &pp);
	const char *reason;
	if (password_check(&pp, password, username, &reason) != 0)
		return reply_error(r, 400, "password_policy", reason, "new_password"), -1;
	if (pp.history > 0) {
		json_t *hashes;
		if ((rc = store_password_history(r->db, user_id, pp.history, &hashes)) < 0)
			return reply_db_error(r, rc), -1;
		size_t i;
		json_t *h;
		bool reused = false;
		json_array_foreach(hashes, i, h)
		{
			if (!reused && crypto_password_verify(json_string_value(h), password))
				reused = true;
		}
		json_decref(hashes);
		if (reused)
			return reply_error(r, 400, "password_policy", "新密码不能与最近5次使用过的密码相同",
					   "new_password"), -1;
	}
	return 0;
}

/* 三员 split knowledge (docs/security.md): a password the system administrator issued is only
 * half a credential; replacing it also takes the activation code a security administrator
 * issued. Returns 0, or replies and returns -1. */
static int check_activation(struct request *r)
{
	char want[65];
	int rc = store_user_activation(r->db, r->user->user_id, want);
	if (rc < 0)
		return reply_db_error(r, rc), -1;
	if (rc == 0)
		return 0;
	if (!*want)
		return reply_error(r, 403, "activation_not_issued",
				   "该密码由系统管理员发放，还需安全管理员发放的激活码才能设置新密码，请联系安全管理员",
				   "activation_code"), -1;
	const char *code = body_str(r, "activation_code");
	char got[65];
	if (code)
		crypto_sha256_hex(code, strlen(code), got);
	if (!code || strcmp(got, want) != 0) /* hashes: timing tells nothing */
		return reply_error(r, 400, "invalid_activation_code", "激活码不正确", "activation_code"), -1;
	return 0;
}

struct password_ctx {
	struct request *r;
	const char *hash;
};

static int password_tx(struct db *d, void *arg)
{
	struct password_ctx *c = arg;
	struct request *r = c->r;
	int rc = store_user_set_password(d, r->user->user_id, c->hash, false, now_ms());
	if (rc >= 0)
		rc = store_session_delete_others(d, r->user->user_id, r->user->session_hash);
	if (rc >= 0)
		rc = api_audit(r, d, "auth.password_change", "user", r->user->user_id, "ok", NULL);
	return rc < 0 ? rc : 0;
}

int api_auth_password(struct request *r)
{
	static const struct field_spec spec[] = {
		{"old_password", F_STRING, true, 256, 1, "原密码"},
		{"new_password", F_STRING, true, 256, 1, "新密码"},
		{"activation_code", F_STRING, false, 64, 0, "激活码"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct user_auth ua;
	int rc = store_user_auth_by_id(r->db, r->user->user_id, &ua);
	if (rc != 1)
		return reply_db_error(r, rc);
	if (!crypto_password_verify(ua.password_hash, body_str(r, "old_password")))
		return reply_error(r, 400, "invalid_credentials", "原密码不正确", "old_password");
	if (check_activation(r) != 0)
		return 0;
	const char *pw = body_str(r, "new_password");
	if (check_new_password(r, ua.id, r->user->username, pw) != 0)
		return 0;
	char hash[128];
	if (crypto_password_hash(pw, hash) != 0)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	struct password_ctx c = {r, hash};
	rc = store_write(password_tx, &c);
	if (rc != 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}
