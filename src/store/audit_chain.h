/* The rows of the audit chain (audit_events, audit_head): reading and writing them for
 * domain/audit.c, which owns the hashing and the rules of the chain. Return values as in db.h. */
#ifndef FCMS_STORE_AUDIT_CHAIN_H
#define FCMS_STORE_AUDIT_CHAIN_H
#include "store/db.h"
#include <stdint.h>

/* The chain's head: the last event's number and hash, and the profile (algorithm name) the
 * next event is hashed with. */
struct store_audit_head {
	int64_t seq;
	char hash[65];
	char alg[16];
};

/* One event as stored. Strings borrowed (from the caller, or from the result row during a
 * store_audit_each callback); actor_id 0 is stored as NULL. */
struct store_audit_row {
	int64_t seq, at, actor_id;
	const char *actor, *ip, *action, *target_type, *target_id, *result, *detail, *prev_hash, *hash;
};

/* Takes the next event number: increments the head and returns it with the previous event's
 * hash and the head's profile in *h. Locks the head first, so two appenders never share a
 * number (PostgreSQL: the second waits, then retries on the serialization failure). DB_OK, or
 * DB_HARD when there is no head row, or negative. */
int store_audit_head_next(struct db *d, struct store_audit_head *h);
/* Reads the head into *h. 1 found, 0 none, negative on failure. */
int store_audit_head_get(struct db *d, struct store_audit_head *h);
/* Sets the head's hash (after appending the event that has it). */
int store_audit_head_set_hash(struct db *d, const char *hash);
/* Sets the profile the next events are hashed with. */
int store_audit_head_set_alg(struct db *d, const char *alg);
/* Inserts one event. */
int store_audit_insert(struct db *d, const struct store_audit_row *row);
/* Calls fn for every event in seq order (row strings valid during the call). DB_OK or negative. */
int store_audit_each(struct db *d, void (*fn)(void *ctx, const struct store_audit_row *row), void *ctx);

#endif
