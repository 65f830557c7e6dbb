/* Session lifetime rules: an idle timeout and an absolute lifetime. Pure functions. */
#ifndef FCMS_SESSION_RULES_H
#define FCMS_SESSION_RULES_H
#include <stdint.h>

enum session_state { SESSION_VALID, SESSION_IDLE_EXPIRED, SESSION_ABSOLUTE_EXPIRED };

/* State of a session created at created_at and last used at last_seen_at (epoch ms). */
enum session_state session_state(int64_t created_at, int64_t last_seen_at, int64_t now,
				 int64_t idle_ms, int64_t absolute_ms);
/* True when last_seen_at is old enough to be worth writing back (saves a write per request). */
int session_touch_due(int64_t last_seen_at, int64_t now);

/* Lockout: given the failures so far and the threshold, true when this failure locks. */
int lockout_reached(int failed_attempts_after, int threshold);

#endif
