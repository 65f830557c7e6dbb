/* Queries of directory sign-in (migration sqlite 0021 / pg 0019): links between fcms accounts
 * and directory identities, and the pending OpenID Connect sign-ins. */
#ifndef FCMS_DIRECTORY_LINKS_H
#define FCMS_DIRECTORY_LINKS_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* The account linked to (provider, subject): 1 with *user_id, 0 when none. */
int store_dirlink_user(struct db *d, const char *provider, const char *subject, int64_t *user_id);
/* 1 when any link of the account turns its local password off, 0 otherwise. */
int store_dirlink_local_off(struct db *d, int64_t user_id);
/* Links (or relinks) the account for provider. DB_CONSTRAINT when the subject is linked to
 * another account. */
int store_dirlink_set(struct db *d, int64_t user_id, const char *provider, const char *subject,
		      bool local_off, int64_t now);
/* Removes the account's link for provider; 1 removed, 0 there was none. */
int store_dirlink_delete(struct db *d, int64_t user_id, const char *provider);
/* Every link with the account's username, name and status. Caller owns *items. */
int store_dirlink_list(struct db *d, json_t **items);
/* Records a started OpenID Connect sign-in and forgets those created before prune_before. */
int store_oidc_state_put(struct db *d, const char *state_hash, const char *nonce,
			 const char *verifier, int64_t now, int64_t prune_before);
/* Takes (reads and deletes) the sign-in with state_hash created at or after since: 1 with nonce
 * (64 bytes) and verifier (64 bytes), 0 when unknown, expired or already used. */
int store_oidc_state_take(struct db *d, const char *state_hash, int64_t since, char nonce[64],
			  char verifier[64]);

/* ---- group → role mapping (migration sqlite 0022 / pg 0020) ---- */
/* Every mapping {group_name, role_id, role_code, role_name, sanyuan, permissions}. Caller owns. */
int store_dirgroup_list(struct db *d, json_t **items);
/* Replaces the whole mapping with n pairs. DB_CONSTRAINT on an unknown role. */
int store_dirgroup_replace(struct db *d, const char *const *groups, const int64_t *role_ids, int n,
			   int64_t now);
/* The distinct roles mapped from any of the n groups, at most max into ids; the count. */
int store_dirgroup_roles_of(struct db *d, const char *const *groups, int n, int64_t *ids, int max);
/* The account's roles that did not come from the directory, as {sanyuan, permissions} rows. */
int store_dirgrant_own_roles(struct db *d, int64_t user_id, json_t **items);
/* Makes the directory's grants of the account exactly want[0..n): grants what is missing (unless
 * the account already holds the role by a security administrator's grant) and withdraws the
 * directory's grants no longer wanted. The roles added and removed go to *added / *removed
 * (arrays of role ids, caller owns). */
int store_dirgrant_sync(struct db *d, int64_t user_id, const int64_t *want, int n, json_t **added,
			json_t **removed);

#endif
