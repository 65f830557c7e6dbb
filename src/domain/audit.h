/* The append-only audit chain. Each event stores H(prev_hash "\n" canonical content),
 * where the canonical content is a compact JSON array of the event's fields including its
 * sequence number, so an edited, removed, inserted or reordered event breaks the chain at that
 * event. audit_head holds the last seq and hash, so removing events at the tail is seen too.
 * Appends run inside the caller's write transaction: the event commits with the change.
 *
 * H is the hash of the database's crypto profile (util/crypto.h: SHA-256 or SM3). Every chain
 * starts under default; an audit.rechain event switches it (its detail {"from","to",
 * "checkpoint_seq","checkpoint_hash"}), and is itself hashed under the new profile over the old
 * head, so the old chain is sealed into the new one and the verifier follows the switches from
 * the chain itself. audit_head.alg is the profile the next append uses. */
#ifndef FCMS_AUDIT_H
#define FCMS_AUDIT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "util/crypto.h"

#define AUDIT_RECHAIN "audit.rechain"

struct db;

struct audit_event {
	int64_t at;          /* epoch ms; 0 = now */
	int64_t actor_id;    /* 0 = none (anonymous / system) */
	const char *actor;   /* username or "system" */
	const char *ip;
	const char *action;  /* e.g. "user.lock" */
	const char *target_type;
	const char *target_id;
	const char *result;  /* "ok" | "denied" | "failed" */
	json_t *detail;      /* borrowed; may be NULL; before/after of what changed */
};

/* Canonical hash of one event: hex SHA-256 into out[65]. detail_text is the stored JSON text. */
void audit_hash(const char *prev_hash, int64_t seq, int64_t at, int64_t actor_id,
		const char *actor, const char *ip, const char *action, const char *target_type,
		const char *target_id, const char *result, const char *detail_text, char out[65]);

/* The same under profile p (audit_hash is the default profile's). */
void audit_hash_with(enum crypto_profile p, const char *prev_hash, int64_t seq, int64_t at, int64_t actor_id,
		     const char *actor, const char *ip, const char *action, const char *target_type,
		     const char *target_id, const char *result, const char *detail_text, char out[65]);

/* Switches the chain to profile to inside the caller's write transaction: sets the head's alg and
 * appends the audit.rechain event (via: what asked, for the detail). 0 when the chain already
 * hashes under to, 1 when switched, or a negative db status. May run twice with its transaction. */
int audit_rechain(struct db *d, enum crypto_profile to, const char *via);

/* Appends ev to the chain. Must run inside a write transaction on d. Returns DB_OK or a
 * negative db status. */
int audit_append(struct db *d, const struct audit_event *ev);

struct actor;
/* Appends one event done by actor a (NULL user: "anonymous") on target_type/target_id (0: none),
 * result NULL meaning "ok". Takes ownership of detail (may be NULL) in every case. Same return
 * as audit_append. Runs inside the caller's transaction; may run twice with it. */
int audit_by(struct db *d, const struct actor *a, const char *action, const char *target_type, int64_t target_id,
	     const char *result, json_t *detail);

struct audit_verify_result {
	bool ok;
	int64_t events;
	int64_t first_bad_seq; /* 0 when ok */
	char reason[160];
};
/* Walks the whole chain in seq order, events and head read in one snapshot (its own read
 * transaction: call it outside a transaction). Returns DB_OK (result in *out) or a negative db status. */
int audit_verify(struct db *d, struct audit_verify_result *out);

/* Helper for before/after details: {"before":before,"after":after}; steals both (NULL ok). */
json_t *audit_diff(json_t *before, json_t *after);

#endif
