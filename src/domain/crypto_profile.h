/* The database's crypto profile (util/crypto.h: default or gm), chosen at `fcms init --crypto` and
 * changed only by `fcms keys rotate --to PROFILE` (domain/key_rotation.c), and the signing key pair
 * of each profile.
 *
 * The profile lives in the setting crypto.profile (absent = default). What follows it:
 *   sealing and blind indexes   the current PII key (setting pii.current_key), whose id names its
 *                               profile, read by every write in its own transaction (pii.h)
 *   the audit chain             audit_head.alg, switched by an audit.rechain event (audit.h)
 *   new password hashes         the process profile, set from the database when a command starts
 *   manifest signatures         this file: DATA/keys/sign-<profile>.key (secret, 0600) and
 *                               sign-<profile>.pub (public, for the receiver: `fcms keys public`) */
#ifndef FCMS_CRYPTO_PROFILE_H
#define FCMS_CRYPTO_PROFILE_H
#include <stdbool.h>
#include <stddef.h>
#include "util/crypto.h"

struct db;

#define CRYPTO_PROFILE_SETTING "crypto.profile"

/* The database's profile into *p (default when never set). DB_OK or a negative db status. */
int crypto_profile_load(struct db *d, enum crypto_profile *p);
/* At init: a database with no events and no profile takes want (its first event is the
 * audit.rechain to want, the first PII key is of want's profile); one that already has want is left
 * alone. The signing key pair is not made here: the caller makes it with
 * crypto_profile_signing_key_ensure once key_rotation_check_keys has accepted this instance's keys
 * dir (a refused instance writes no key pair). 0, or -1 after saying on stderr that a database in use moves
 * to another profile only through `fcms keys rotate --to`. Needs pii_init and store_init. */
int crypto_profile_init(struct db *d, enum crypto_profile want);
/* Inside a write transaction: records to as the database's profile with key_id as the current PII
 * key, and re-chains the audit log (audit_rechain). via names the command for the audit detail.
 * DB_OK or a negative db status; may run twice. */
int crypto_profile_switch(struct db *d, enum crypto_profile to, const char *key_id, const char *via);

/* Makes the profile's signing key pair in the keys dir when it is missing. 0 or -1. */
int crypto_profile_signing_key_ensure(enum crypto_profile p);
/* Signs msg with the profile's secret key: *sig malloc'd (base64). 0, or -1 (no key, failure). */
int crypto_profile_sign(enum crypto_profile p, const void *msg, size_t len, char **sig);
/* The profile's public signing key as a SubjectPublicKeyInfo PEM (both profiles), malloc'd;
 * NULL when there is none. */
char *crypto_profile_public_key(enum crypto_profile p);

#endif
