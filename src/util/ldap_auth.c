/* LDAP simple-bind password check (see ldap_auth.h). One connection per check: sign-ins are rare
 * and a pooled connection bound as a user would be a trap. */
#define LDAP_DEPRECATED 0
#include "util/ldap_auth.h"
#include <sys/time.h>
#include <ldap.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int ldap_filter_escape(const char *value, char *out, size_t n)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		bool esc = *p == '*' || *p == '(' || *p == ')' || *p == '\\';
		size_t need = esc ? 3 : 1;
		if (o + need >= n)
			return -1;
		if (esc)
			o += (size_t)snprintf(out + o, n - o, "\\%02x", *p);
		else
			out[o++] = (char)*p;
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return 0;
}

static enum ldap_auth_result fail(char *why, size_t n, enum ldap_auth_result r, const char *what, int rc)
{
	snprintf(why, n, "%s: %s", what, rc ? ldap_err2string(rc) : "no detail");
	return r;
}

/* A connection ready to bind: protocol 3, timeouts, TLS options on this handle only, StartTLS
 * when asked. NULL (why set) on failure. */
static LDAP *connect_tls(const struct ldap_conf *c, char *why, size_t why_n)
{
	LDAP *ld = NULL;
	int rc = ldap_initialize(&ld, c->url);
	if (rc != LDAP_SUCCESS || !ld)
		return fail(why, why_n, 0, "ldap_initialize", rc), NULL;
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	struct timeval tv = {c->timeout_s > 0 ? c->timeout_s : 10, 0};
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
	if (c->ca_file && *c->ca_file)
		ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file);
	/* the options above apply to a new TLS context of this handle, not the process-wide one */
	if ((rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero)) != LDAP_OPT_SUCCESS) {
		fail(why, why_n, 0, "tls context", rc);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	if (c->starttls && strncmp(c->url, "ldap://", 7) == 0 &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		fail(why, why_n, 0, "starttls", rc);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

static int simple_bind(LDAP *ld, const char *dn, const char *password)
{
	struct berval cred = {strlen(password), (char *)password};
	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* The cn of every group under c->group_base naming dn as member (lower case). Errors leave the
 * list short: a directory that cannot list groups maps no roles. */
static void read_groups(LDAP *ld, const struct ldap_conf *c, const char *dn, struct ldap_groups *g)
{
	char esc[1024], filter[2200];
	if (ldap_filter_escape(dn, esc, sizeof esc) != 0 ||
	    (size_t)snprintf(filter, sizeof filter, "(|(member=%s)(uniqueMember=%s))", esc, esc) >= sizeof filter)
		return;
	char *attrs[] = {"cn", NULL};
	struct timeval tv = {c->timeout_s > 0 ? c->timeout_s : 10, 0};
	LDAPMessage *msg = NULL;
	int rc = ldap_search_ext_s(ld, c->group_base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv,
				   LDAP_MAX_GROUPS, &msg);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
		for (LDAPMessage *e = ldap_first_entry(ld, msg); e && g->n < LDAP_MAX_GROUPS; e = ldap_next_entry(ld, e)) {
			struct berval **v = ldap_get_values_len(ld, e, "cn");
			if (v && v[0] && v[0]->bv_len > 0 && v[0]->bv_len < LDAP_GROUP_LEN &&
			    !memchr(v[0]->bv_val, '\0', v[0]->bv_len)) {
				for (size_t i = 0; i < v[0]->bv_len; i++)
					g->name[g->n][i] = (char)tolower((unsigned char)v[0]->bv_val[i]);
				g->name[g->n][v[0]->bv_len] = '\0';
				g->n++;
			}
			if (v)
				ldap_value_free_len(v);
		}
	}
	if (msg)
		ldap_msgfree(msg);
}

enum ldap_auth_result ldap_auth_check(const struct ldap_conf *c, const char *username,
				      const char *password, char *subject, size_t subject_n,
				      struct ldap_groups *groups, char *why, size_t why_n)
{
	*subject = '\0';
	if (groups)
		groups->n = 0;
	snprintf(why, why_n, "ok");
	if (!*password || !*username)
		return fail(why, why_n, LDAP_AUTH_BAD_CREDENTIALS, "empty username or password", 0);
	bool ldaps = strncmp(c->url, "ldaps://", 8) == 0;
	if (!ldaps && !(c->starttls && strncmp(c->url, "ldap://", 7) == 0))
		return fail(why, why_n, LDAP_AUTH_UNAVAILABLE, "plain ldap refused (use ldaps or starttls)", 0);
	char esc[512], filter[1400];
	if (ldap_filter_escape(username, esc, sizeof esc) != 0 ||
	    (size_t)snprintf(filter, sizeof filter, "(&%s(%s=%s))", c->filter ? c->filter : "", c->attr,
			     esc) >= sizeof filter)
		return fail(why, why_n, LDAP_AUTH_BAD_CREDENTIALS, "username too long", 0);
	LDAP *ld = connect_tls(c, why, why_n);
	if (!ld)
		return LDAP_AUTH_UNAVAILABLE;
	enum ldap_auth_result res = LDAP_AUTH_UNAVAILABLE;
	LDAPMessage *msg = NULL;
	char *dn = NULL;
	struct berval **vals = NULL;
	int rc = simple_bind(ld, c->bind_dn, c->bind_password);
	if (rc != LDAP_SUCCESS) {
		fail(why, why_n, 0, "service bind", rc);
		goto done;
	}
	char *attrs[] = {(char *)c->attr, NULL};
	struct timeval tv = {c->timeout_s > 0 ? c->timeout_s : 10, 0};
	rc = ldap_search_ext_s(ld, c->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv, 2, &msg);
	if (rc == LDAP_SIZELIMIT_EXCEEDED || (rc == LDAP_SUCCESS && ldap_count_entries(ld, msg) != 1)) {
		res = fail(why, why_n, LDAP_AUTH_BAD_CREDENTIALS,
			   rc == LDAP_SUCCESS && ldap_count_entries(ld, msg) == 0 ? "no such user" : "several entries match",
			   0);
		goto done;
	}
	if (rc != LDAP_SUCCESS) {
		fail(why, why_n, 0, "search", rc);
		goto done;
	}
	LDAPMessage *e = ldap_first_entry(ld, msg);
	dn = e ? ldap_get_dn(ld, e) : NULL;
	vals = e ? ldap_get_values_len(ld, e, c->attr) : NULL;
	if (!dn || !vals || !vals[0] || vals[0]->bv_len == 0 || vals[0]->bv_len >= subject_n ||
	    memchr(vals[0]->bv_val, '\0', vals[0]->bv_len)) {
		res = fail(why, why_n, LDAP_AUTH_BAD_CREDENTIALS, "entry without a usable login attribute", 0);
		goto done;
	}
	rc = simple_bind(ld, dn, password);
	if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_UNWILLING_TO_PERFORM) {
		res = fail(why, why_n, LDAP_AUTH_BAD_CREDENTIALS, "user bind", rc);
		goto done;
	}
	if (rc != LDAP_SUCCESS) {
		fail(why, why_n, 0, "user bind", rc);
		goto done;
	}
	memcpy(subject, vals[0]->bv_val, vals[0]->bv_len);
	subject[vals[0]->bv_len] = '\0';
	/* groups are read as the service account: the user's own rights may not cover them */
	if (groups && c->group_base && *c->group_base &&
	    simple_bind(ld, c->bind_dn, c->bind_password) == LDAP_SUCCESS)
		read_groups(ld, c, dn, groups);
	res = LDAP_AUTH_OK;
done:
	if (vals)
		ldap_value_free_len(vals);
	if (dn)
		ldap_memfree(dn);
	if (msg)
		ldap_msgfree(msg);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return res;
}
