/* Directory sign-in (issue 15 item 1): the connection settings of the bank's LDAP/AD directory and
 * OpenID Connect identity platform, and the OpenID Connect authorization-code flow with PKCE.
 *
 * Settings live in the settings table under "directory" (set by the system administrator); the
 * LDAP service password and the OIDC client secret are sealed there with the current PII key
 * (DATA/keys) and never appear in replies or audit details. fcms keeps its own accounts, roles
 * and scopes: a directory identity signs in only into the fcms account linked to it. */
#ifndef FCMS_DIRECTORY_H
#define FCMS_DIRECTORY_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct db;

struct directory_settings {
	bool ldap_enabled, ldap_starttls;
	char ldap_url[256], ldap_ca_file[256], ldap_bind_dn[256], ldap_bind_password[256];
	char ldap_base[256], ldap_filter[256], ldap_attr[64], ldap_group_base[256];
	bool oidc_enabled;
	char oidc_issuer[256], oidc_client_id[128], oidc_client_secret[256], oidc_redirect_uri[256];
	char oidc_ca_file[256];
};

/* The settings in force, secrets opened. 0, or a negative db status. Secrets that cannot be
 * opened (key file missing) read as empty. */
int directory_settings_get(struct db *d, struct directory_settings *out);
/* Stores s inside the caller's transaction, sealing the secrets. 0 or a negative db status. */
int directory_settings_save(struct db *d, const struct directory_settings *s);
/* Checks s for saving; 0, or -1 with a Chinese message and the field name. */
int directory_settings_check(const struct directory_settings *s, char *msg, size_t msg_n,
			     const char **field);
/* The settings without secrets (has_ldap_bind_password, has_oidc_client_secret instead); caller
 * owns. */
json_t *directory_settings_json(const struct directory_settings *s);

/* May an account of this permission mask be linked by the system administrator? Accounts of the
 * security and audit families may not (a directory identity the system administrator controls
 * would then carry another 三员's powers). */
bool directory_link_allowed(unsigned perms);

/* Group → role mapping (set by the security administrator). Only business-family roles may be
 * mapped: no 三员 role ever comes from a directory. */
bool directory_role_mappable(const char *sanyuan, const char *permissions);
/* Does an account whose own roles (not from the directory) are these {sanyuan, permissions} rows
 * take mapped roles? Only when they are business roles or none: a mapping never makes an
 * account's families mixed. */
bool directory_account_takes_mapping(const json_t *own_roles);

enum oidc_result { OIDC_OK = 0, OIDC_REFUSED, OIDC_UNAVAILABLE };

/* Starts a sign-in: discovery, then fresh state, nonce and PKCE verifier (URL-safe random text
 * into the 64-byte buffers) and the provider's authorization URL (malloc'ed into *url, caller
 * frees). OIDC_UNAVAILABLE with why when the provider cannot be reached. Blocking. */
enum oidc_result directory_oidc_begin(const struct directory_settings *s, char **url, char state[64],
				      char nonce[64], char verifier[64], char *why, size_t why_n);
/* Ends a sign-in: exchanges code at the token endpoint with the verifier, checks the ID token's
 * signature against the provider's JWKS (RS256/ES256) and its claims (iss, aud/azp, exp, iat,
 * nonce). OIDC_OK with the subject (sub) in subject; OIDC_REFUSED with why (English, for the
 * audit) when the token or the exchange is refused. Blocking. */
enum oidc_result directory_oidc_finish(const struct directory_settings *s, const char *code,
				       const char *verifier, const char *nonce, char *subject,
				       size_t subject_n, char *why, size_t why_n);
/* The claim checks alone, for tests: 0 ok, -1 with why. now in seconds. */
int directory_oidc_claims_ok(const json_t *claims, const char *issuer, const char *client_id,
			     const char *nonce, long long now, char *why, size_t why_n);

#endif
