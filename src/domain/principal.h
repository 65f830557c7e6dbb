/* The signed-in principal (domain/permissions.h: struct principal), built from the rows the
 * store returns for an account or a session: the union of the permission codes of the user's
 * roles becomes the permission mask, the widest of their data scopes the scope. */
#ifndef FCMS_PRINCIPAL_H
#define FCMS_PRINCIPAL_H
#include "domain/permissions.h"
#include <stdint.h>

struct db;

/* The active account user_id as a principal into *p (zeroed first; no session fields). 1 found,
 * 0 not (or not active), negative on a database failure. */
int principal_load(struct db *d, int64_t user_id, struct principal *p);
/* The session with SHA-256 (hex) id_hash and its active account into *p (zeroed first; csrf
 * set, session_hash left for the caller), with the session's times. 1 found, 0 not, negative on
 * a database failure. */
int principal_from_session(struct db *d, const char *id_hash, struct principal *p,
			   int64_t *created_at, int64_t *last_seen_at);

#endif
