/* Directory settings and the OpenID Connect flow (see directory.h). Outbound HTTP with libcurl:
 * discovery, token exchange and JWKS are fetched per sign-in (sign-ins are rare; a key rotation at
 * the provider is then seen at once). */
#include "domain/directory.h"
#include "domain/permissions.h"
#include "domain/pii.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/jwt.h"
#include "util/log.h"
#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_KEY "directory"

static const struct {
	const char *name;
	size_t offset, size;
	bool secret;
} text_fields[] = {
#define T(f, sec) {#f, offsetof(struct directory_settings, f), sizeof(((struct directory_settings *)0)->f), sec}
	T(ldap_url, false), T(ldap_ca_file, false), T(ldap_bind_dn, false), T(ldap_bind_password, true),
	T(ldap_base, false), T(ldap_filter, false), T(ldap_attr, false), T(ldap_group_base, false),
	T(oidc_issuer, false),
	T(oidc_client_id, false), T(oidc_client_secret, true), T(oidc_redirect_uri, false),
	T(oidc_ca_file, false),
#undef T
};
#define NFIELDS (sizeof text_fields / sizeof text_fields[0])

static const struct {
	const char *name;
	size_t offset;
} bool_fields[] = {
	{"ldap_enabled", offsetof(struct directory_settings, ldap_enabled)},
	{"ldap_starttls", offsetof(struct directory_settings, ldap_starttls)},
	{"oidc_enabled", offsetof(struct directory_settings, oidc_enabled)},
};

static char *field(const struct directory_settings *s, size_t i)
{
	return (char *)s + text_fields[i].offset;
}

static bool *flag(const struct directory_settings *s, size_t i)
{
	return (bool *)((char *)s + bool_fields[i].offset);
}

int directory_settings_get(struct db *d, struct directory_settings *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->ldap_attr, sizeof out->ldap_attr, "uid");
	char text[8192];
	int rc = store_setting_get(d, SETTINGS_KEY, text, sizeof text);
	if (rc <= 0)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *v = json_string_value(json_object_get(o, text_fields[i].name));
		if (!v)
			continue;
		if (!text_fields[i].secret) {
			snprintf(field(out, i), text_fields[i].size, "%s", v);
			continue;
		}
		/* sealed: "<key id>:<base64>" */
		const char *colon = strchr(v, ':');
		char kid[16];
		if (!colon || colon - v >= (ptrdiff_t)sizeof kid)
			continue;
		snprintf(kid, sizeof kid, "%.*s", (int)(colon - v), v);
		char *plain = pii_decrypt(kid, colon + 1);
		if (plain) {
			snprintf(field(out, i), text_fields[i].size, "%s", plain);
			crypto_wipe(plain, strlen(plain));
			free(plain);
		}
	}
	for (size_t i = 0; i < sizeof bool_fields / sizeof bool_fields[0]; i++)
		*flag(out, i) = json_is_true(json_object_get(o, bool_fields[i].name));
	json_decref(o);
	return 0;
}

int directory_settings_save(struct db *d, const struct directory_settings *s)
{
	json_t *o = json_object();
	int rc = o ? 0 : DB_HARD;
	for (size_t i = 0; rc == 0 && i < NFIELDS; i++) {
		const char *v = field(s, i);
		if (!text_fields[i].secret) {
			json_object_set_new(o, text_fields[i].name, json_string(v));
			continue;
		}
		if (!*v)
			continue;
		char *sealed = pii_encrypt(v);
		char *both = sealed ? malloc(strlen(sealed) + 16) : NULL;
		if (!both)
			rc = DB_HARD;
		else {
			sprintf(both, "%s:%s", pii_key_id(), sealed);
			json_object_set_new(o, text_fields[i].name, json_string(both));
		}
		free(both);
		free(sealed);
	}
	for (size_t i = 0; o && i < sizeof bool_fields / sizeof bool_fields[0]; i++)
		json_object_set_new(o, bool_fields[i].name, json_boolean(*flag(s, i)));
	char *text = rc == 0 ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!text)
		return DB_HARD;
	rc = store_setting_set(d, SETTINGS_KEY, text);
	free(text);
	return rc < 0 ? rc : 0;
}

json_t *directory_settings_json(const struct directory_settings *s)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < NFIELDS; i++) {
		if (text_fields[i].secret) {
			char has[80];
			snprintf(has, sizeof has, "has_%s", text_fields[i].name);
			json_object_set_new(o, has, json_boolean(*field(s, i) != '\0'));
		} else {
			json_object_set_new(o, text_fields[i].name, json_string(field(s, i)));
		}
	}
	for (size_t i = 0; o && i < sizeof bool_fields / sizeof bool_fields[0]; i++)
		json_object_set_new(o, bool_fields[i].name, json_boolean(*flag(s, i)));
	return o;
}

/* http(s) URL; plain http only to this machine (a provider started next to fcms, or tests). */
static bool url_ok(const char *u, bool allow_ldap)
{
	if (allow_ldap)
		return strncmp(u, "ldaps://", 8) == 0 || strncmp(u, "ldap://", 7) == 0;
	if (strncmp(u, "https://", 8) == 0)
		return true;
	return strncmp(u, "http://127.0.0.1", 16) == 0 || strncmp(u, "http://localhost", 16) == 0 ||
	       strncmp(u, "http://[::1]", 12) == 0;
}

int directory_settings_check(const struct directory_settings *s, char *msg, size_t msg_n,
			     const char **fieldname)
{
#define BAD(f, m) return (snprintf(msg, msg_n, "%s", m), *fieldname = f, -1)
	if (s->ldap_enabled) {
		if (!url_ok(s->ldap_url, true))
			BAD("ldap_url", "LDAP地址须以ldaps://或ldap://开头");
		if (strncmp(s->ldap_url, "ldap://", 7) == 0 && !s->ldap_starttls)
			BAD("ldap_starttls", "使用ldap://时必须启用StartTLS，密码不得明文传输");
		if (!*s->ldap_bind_dn || !*s->ldap_bind_password)
			BAD("ldap_bind_dn", "请填写服务账号DN及其密码");
		if (!*s->ldap_base)
			BAD("ldap_base", "请填写用户搜索根");
		if (!*s->ldap_attr || strspn(s->ldap_attr, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
					      strlen(s->ldap_attr))
			BAD("ldap_attr", "登录属性只能包含字母、数字和连字符");
		size_t fl = strlen(s->ldap_filter);
		if (fl && (s->ldap_filter[0] != '(' || s->ldap_filter[fl - 1] != ')'))
			BAD("ldap_filter", "过滤条件须为括号括起的LDAP过滤式，如(objectClass=person)");
	}
	if (s->oidc_enabled) {
		if (!url_ok(s->oidc_issuer, false))
			BAD("oidc_issuer", "身份认证平台地址须为https地址");
		if (!*s->oidc_client_id || !*s->oidc_client_secret)
			BAD("oidc_client_id", "请填写客户端标识及密钥");
		if (!url_ok(s->oidc_redirect_uri, false) ||
		    !strstr(s->oidc_redirect_uri, "/api/v1/auth/oidc/callback"))
			BAD("oidc_redirect_uri", "回调地址须为本系统的 /api/v1/auth/oidc/callback（https）");
	}
	return 0;
#undef BAD
}

bool directory_link_allowed(unsigned perms)
{
	enum family f = perm_family(perms);
	return f != FAMILY_SECURITY && f != FAMILY_AUDIT && f != FAMILY_MIXED;
}

static enum family row_family(const json_t *row)
{
	uint32_t mask = 0;
	perm_parse_list(json_string_value(json_object_get(row, "permissions")), &mask, NULL);
	return role_family_of(json_string_value(json_object_get(row, "sanyuan")), mask);
}

bool directory_role_mappable(const char *sanyuan, const char *permissions)
{
	json_t *row = json_pack("{s:s?, s:s?}", "sanyuan", sanyuan, "permissions", permissions);
	bool ok = row && row_family(row) == FAMILY_BUSINESS;
	json_decref(row);
	return ok;
}

bool directory_account_takes_mapping(const json_t *own_roles)
{
	size_t i;
	json_t *row;
	json_array_foreach(own_roles, i, row)
	{
		if (row_family(row) != FAMILY_BUSINESS)
			return false;
	}
	return true;
}

/* ---- OpenID Connect ---- */

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t add = size * nmemb;
	if (b->n + add > 1 << 20)
		return 0; /* a provider's reply is small; more is refused */
	char *p = realloc(b->p, b->n + add + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, add);
	b->p = p;
	b->n += add;
	p[b->n] = '\0';
	return add;
}

/* GET (form == NULL) or POST form with HTTP Basic client authentication; JSON reply in *out.
 * Returns the HTTP status, or -1 when unreachable or the reply is not JSON. */
static long http_json(const struct directory_settings *s, const char *url, const char *form, json_t **out)
{
	*out = NULL;
	if (!url_ok(url, false))
		return -1;
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	struct buf b = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (*s->oidc_ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->oidc_ca_file);
	if (form) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		/* RFC 6749 2.3.1: id and secret are form-encoded before Basic */
		char *id = curl_easy_escape(c, s->oidc_client_id, 0), *sec = curl_easy_escape(c, s->oidc_client_secret, 0);
		curl_easy_setopt(c, CURLOPT_USERNAME, id ? id : "");
		curl_easy_setopt(c, CURLOPT_PASSWORD, sec ? sec : "");
		curl_free(id);
		curl_free(sec);
	}
	long status = -1;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (status > 0 && b.p)
		*out = json_loads(b.p, 0, NULL);
	free(b.p);
	if (status > 0 && !*out)
		status = -1;
	return status;
}

/* The provider's metadata; its issuer must be the configured one exactly (OIDC Discovery 4.3). */
static json_t *discover(const struct directory_settings *s, char *why, size_t why_n)
{
	char url[400];
	size_t il = strlen(s->oidc_issuer);
	snprintf(url, sizeof url, "%s%s.well-known/openid-configuration", s->oidc_issuer,
		 il && s->oidc_issuer[il - 1] == '/' ? "" : "/");
	json_t *m;
	long st = http_json(s, url, NULL, &m);
	const char *iss = json_string_value(json_object_get(m, "issuer"));
	if (st != 200 || !iss || strcmp(iss, s->oidc_issuer) != 0 ||
	    !json_string_value(json_object_get(m, "authorization_endpoint")) ||
	    !json_string_value(json_object_get(m, "token_endpoint")) ||
	    !json_string_value(json_object_get(m, "jwks_uri"))) {
		snprintf(why, why_n, "discovery failed (HTTP %ld)", st);
		json_decref(m);
		return NULL;
	}
	return m;
}

static void pkce_challenge(const char *verifier, char out[64])
{
	unsigned char h[32];
	crypto_sha256(verifier, strlen(verifier), h);
	jwt_b64url(h, sizeof h, out, 64);
}

enum oidc_result directory_oidc_begin(const struct directory_settings *s, char **url, char state[64],
				      char nonce[64], char verifier[64], char *why, size_t why_n)
{
	*url = NULL;
	json_t *m = discover(s, why, why_n);
	if (!m)
		return OIDC_UNAVAILABLE;
	crypto_random_token(state, 32);
	crypto_random_token(nonce, 32);
	crypto_random_token(verifier, 32);
	char challenge[64];
	pkce_challenge(verifier, challenge);
	const char *ae = json_string_value(json_object_get(m, "authorization_endpoint"));
	CURL *c = curl_easy_init();
	char *id = c ? curl_easy_escape(c, s->oidc_client_id, 0) : NULL;
	char *ru = c ? curl_easy_escape(c, s->oidc_redirect_uri, 0) : NULL;
	size_t n = strlen(ae) + 512 + (id ? strlen(id) : 0) + (ru ? strlen(ru) : 0);
	char *u = id && ru ? malloc(n) : NULL;
	if (u)
		snprintf(u, n,
			 "%s%cresponse_type=code&scope=openid&client_id=%s&redirect_uri=%s&state=%s&nonce=%s"
			 "&code_challenge=%s&code_challenge_method=S256",
			 ae, strchr(ae, '?') ? '&' : '?', id, ru, state, nonce, challenge);
	curl_free(id);
	curl_free(ru);
	if (c)
		curl_easy_cleanup(c);
	json_decref(m);
	if (!u) {
		snprintf(why, why_n, "out of memory");
		return OIDC_UNAVAILABLE;
	}
	*url = u;
	return OIDC_OK;
}

int directory_oidc_claims_ok(const json_t *claims, const char *issuer, const char *client_id,
			     const char *nonce, long long now, char *why, size_t why_n)
{
#define NO(...) return (snprintf(why, why_n, __VA_ARGS__), -1)
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	if (!iss || strcmp(iss, issuer) != 0)
		NO("wrong issuer");
	json_t *aud = json_object_get(claims, "aud");
	bool aud_ok = json_is_string(aud) && strcmp(json_string_value(aud), client_id) == 0;
	if (json_is_array(aud)) {
		size_t i;
		json_t *a;
		json_array_foreach(aud, i, a) aud_ok |= json_is_string(a) && strcmp(json_string_value(a), client_id) == 0;
		const char *azp = json_string_value(json_object_get(claims, "azp"));
		if (json_array_size(aud) > 1 && (!azp || strcmp(azp, client_id) != 0))
			aud_ok = false;
	}
	if (!aud_ok)
		NO("wrong audience");
	json_t *exp = json_object_get(claims, "exp"), *iat = json_object_get(claims, "iat");
	if (!json_is_integer(exp) || json_integer_value(exp) + 60 < now)
		NO("token expired");
	if (json_is_integer(iat) && json_integer_value(iat) > now + 300)
		NO("token issued in the future");
	const char *nn = json_string_value(json_object_get(claims, "nonce"));
	if (!nn || !crypto_str_equal(nn, nonce))
		NO("nonce mismatch");
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	if (!sub || !*sub || strlen(sub) > 255)
		NO("no subject");
	return 0;
#undef NO
}

enum oidc_result directory_oidc_finish(const struct directory_settings *s, const char *code,
				       const char *verifier, const char *nonce, char *subject,
				       size_t subject_n, char *why, size_t why_n)
{
	*subject = '\0';
	json_t *m = discover(s, why, why_n), *tok = NULL, *jwks = NULL, *claims = NULL;
	if (!m)
		return OIDC_UNAVAILABLE;
	enum oidc_result res = OIDC_REFUSED;
	CURL *c = curl_easy_init();
	char *ec = c ? curl_easy_escape(c, code, 0) : NULL, *ev = c ? curl_easy_escape(c, verifier, 0) : NULL;
	char *er = c ? curl_easy_escape(c, s->oidc_redirect_uri, 0) : NULL;
	char form[2048];
	if (!ec || !ev || !er ||
	    (size_t)snprintf(form, sizeof form, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
			     ec, er, ev) >= sizeof form) {
		snprintf(why, why_n, "code too long");
		goto done;
	}
	long st = http_json(s, json_string_value(json_object_get(m, "token_endpoint")), form, &tok);
	if (st != 200) {
		const char *err = json_string_value(json_object_get(tok, "error"));
		snprintf(why, why_n, "token endpoint refused the code (HTTP %ld %.60s)", st, err ? err : "");
		if (st < 0 || st >= 500)
			res = OIDC_UNAVAILABLE;
		goto done;
	}
	const char *idt = json_string_value(json_object_get(tok, "id_token"));
	if (!idt) {
		snprintf(why, why_n, "no id_token");
		goto done;
	}
	if (http_json(s, json_string_value(json_object_get(m, "jwks_uri")), NULL, &jwks) != 200) {
		snprintf(why, why_n, "jwks unavailable");
		res = OIDC_UNAVAILABLE;
		goto done;
	}
	if (jwt_verify(idt, jwks, &claims, why, why_n) != 0)
		goto done;
	if (directory_oidc_claims_ok(claims, s->oidc_issuer, s->oidc_client_id, nonce,
				     (long long)(now_ms() / 1000), why, why_n) != 0)
		goto done;
	snprintf(subject, subject_n, "%s", json_string_value(json_object_get(claims, "sub")));
	res = OIDC_OK;
done:
	curl_free(ec);
	curl_free(ev);
	curl_free(er);
	if (c)
		curl_easy_cleanup(c);
	json_decref(m);
	json_decref(tok);
	json_decref(jwks);
	json_decref(claims);
	return res;
}
