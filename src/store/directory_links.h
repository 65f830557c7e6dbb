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

#endif
