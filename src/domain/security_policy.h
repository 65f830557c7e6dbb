/* The run-time security policy (password profile, lockout, session lifetimes): defaults from the
 * configuration, overridden by the security admin through the API and stored in the settings
 * table so every instance sees it. Cached for a few seconds per process. */
#ifndef FCMS_SECURITY_POLICY_H
#define FCMS_SECURITY_POLICY_H
#include <jansson.h>

struct db;
struct config;

struct security_policy {
	char password_profile[16];
	int lockout_threshold;
	int lockout_minutes;
	int session_idle_minutes;
	int session_absolute_hours;
};

/* Takes the defaults from the configuration. Call once at start. */
void security_policy_defaults(const struct config *c);
/* The policy in force (cached up to 5 s). Returns 0, or a negative db status. */
int security_policy_get(struct db *d, struct security_policy *out);
/* Stores p (inside the caller's transaction) and drops the cache. */
int security_policy_save(struct db *d, const struct security_policy *p);
/* Drops the cache (after the transaction that saved a new policy committed). */
void security_policy_invalidate(void);
/* As JSON for replies and audit details; caller owns. */
json_t *security_policy_json(const struct security_policy *p);

#endif
