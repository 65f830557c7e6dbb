/* Exact lookups of a complainant by ID number or phone (精确查询, issue 11 H2). A blind-index
 * match answers "is this the number?", and a masked number leaves few digits to guess, so such a
 * lookup is an unmasking in slow motion: it needs pii.lookup (or pii.unmask, or callcenter.lookup
 * for the call centre's screen-pop), every attempt is
 * on the audit chain with the masked value only, and each user is held to a few per minute and
 * per day. The counts are read from the audit chain itself, so they hold across restarts and
 * across instances sharing a database. See docs/security.md, "Exact PII lookups (H2)". */
#ifndef FCMS_PII_LOOKUP_H
#define FCMS_PII_LOOKUP_H
#include "domain/permissions.h"
#include "domain/refusal.h"
#include <stdint.h>

struct db;

/* Admitted exact lookups per user: enough for a caller on the phone, far too few to walk the
 * 10^4 numbers a mask like 138****0000 leaves (34 days at the daily limit). */
#define PII_LOOKUP_PER_MINUTE 30
#define PII_LOOKUP_PER_DAY 300

/* The values asked for, as typed; NULL when not asked. */
struct pii_lookup {
	const char *id_no;
	const char *phone;
};

/* Decides and records one exact lookup by p, inside the caller's write transaction on d. Every
 * attempt appends "complaint.lookup" (target pii_lookup/<user id>, the masked values, result
 * "ok" or "denied"). Returns 0 when admitted; 1 with *e (403 forbidden without the permission,
 * 429 too_many_lookups past a limit) when refused — the caller commits anyway so that the
 * refusal stays on record; or a negative db status. Keeps nothing across runs (may run twice). */
int pii_lookup_admit(struct db *d, const struct principal *p, const char *ip, const struct pii_lookup *q,
		     int64_t now, struct refusal *e);

#endif
