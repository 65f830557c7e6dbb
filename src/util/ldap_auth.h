/* LDAP / Active Directory password check by simple bind (libldap, OpenLDAP): connect over ldaps://
 * or ldap:// with StartTLS (plain LDAP is refused: the password would cross the wire in clear),
 * bind as the service account, search the user under the base with the configured filter and login
 * attribute, then bind as the found entry with the user's password. No project includes. */
#ifndef FCMS_LDAP_AUTH_H
#define FCMS_LDAP_AUTH_H
#include <stdbool.h>
#include <stddef.h>

struct ldap_conf {
	const char *url;           /* ldaps://host:636 or ldap://host:389 (then starttls must be set) */
	bool starttls;
	const char *ca_file;       /* PEM CA for the server certificate; NULL/"" = system CAs */
	const char *bind_dn, *bind_password; /* service account */
	const char *base;          /* search base */
	const char *filter;        /* extra filter, e.g. (objectClass=inetOrgPerson); "" = none */
	const char *attr;          /* login attribute: uid, sAMAccountName ... */
	const char *group_base;    /* where groups are searched ((member=DN) or (uniqueMember=DN));
				    * NULL/"" = groups are not read */
	int timeout_s;
};

#define LDAP_MAX_GROUPS 32
#define LDAP_GROUP_LEN 64
/* The groups (cn, lower case) of the signed-in entry; filled by ldap_auth_check. */
struct ldap_groups {
	int n;
	char name[LDAP_MAX_GROUPS][LDAP_GROUP_LEN];
};

enum ldap_auth_result {
	LDAP_AUTH_OK = 0,
	LDAP_AUTH_BAD_CREDENTIALS, /* no such user, several matches, or the user's bind failed */
	LDAP_AUTH_UNAVAILABLE,     /* server unreachable, TLS failed, or the service bind failed */
};

/* Writes the RFC 4515 escaped form of value into out (n bytes: \2a for '*', \28 \29 \5c \00 and
 * every byte >= 0x80 kept as is). Returns 0, or -1 when it does not fit. */
int ldap_filter_escape(const char *value, char *out, size_t n);

/* Checks username/password against the directory. On LDAP_AUTH_OK writes the entry's value of
 * the login attribute (as stored, e.g. "zhangsan") into subject. An empty password is refused
 * without contacting the server (an empty simple bind is an anonymous bind that "succeeds").
 * why gets a short English reason for logs (never the password). Blocking; any thread. */
enum ldap_auth_result ldap_auth_check(const struct ldap_conf *c, const char *username,
				      const char *password, char *subject, size_t subject_n,
				      struct ldap_groups *groups, char *why, size_t why_n);

#endif
