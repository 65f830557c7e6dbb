/* Session expiry and lockout arithmetic. */
#include "domain/session_rules.h"

enum session_state session_state(int64_t created_at, int64_t last_seen_at, int64_t now,
				 int64_t idle_ms, int64_t absolute_ms)
{
	if (now - created_at >= absolute_ms)
		return SESSION_ABSOLUTE_EXPIRED;
	if (now - last_seen_at >= idle_ms)
		return SESSION_IDLE_EXPIRED;
	return SESSION_VALID;
}

int session_touch_due(int64_t last_seen_at, int64_t now)
{
	return now - last_seen_at >= 30000;
}

int lockout_reached(int failed_attempts_after, int threshold)
{
	return threshold > 0 && failed_attempts_after >= threshold;
}
