/* Whether the session or API token behind a live event stream still admits its user: the same
 * tests api_authenticate makes on every request (session row present, account active, idle and
 * absolute limits of the current security policy; token present, unexpired, unrevoked), without
 * writing anything — an open stream does not keep a session alive. */
#include "api/stream_check.h"
#include "domain/principal.h"
#include "domain/security_policy.h"
#include "http/events.h"
#include "domain/session_rules.h"
#include "store/store.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

int api_stream_check(const char *cred_hash, bool via_token, struct principal *fresh)
{
	struct db *d = store_conn();
	if (!d)
		return DB_HARD;
	int64_t now = now_ms();
	memset(fresh, 0, sizeof *fresh);
	if (via_token) {
		int64_t uid = 0, last_used = 0;
		int rc = store_token_user(d, cred_hash, now, &uid, &last_used);
		if (rc == 1)
			rc = principal_load(d, uid, fresh);
		if (rc == 1)
			fresh->via_token = true;
		return rc;
	}
	int64_t created, seen;
	int rc = principal_from_session(d, cred_hash, fresh, &created, &seen);
	if (rc != 1)
		return rc;
	struct security_policy sp;
	if ((rc = security_policy_get(d, &sp)) < 0)
		return rc;
	if (session_state(created, seen, now, (int64_t)sp.session_idle_minutes * 60000,
			  (int64_t)sp.session_absolute_hours * 3600000) != SESSION_VALID)
		return 0;
	snprintf(fresh->session_hash, sizeof fresh->session_hash, "%s", cred_hash);
	return 1;
}

static bool sees(const struct principal *who, const char *org_path, int64_t owner_id)
{
	return scope_allows(who, org_path, owner_id);
}

const struct events_audience api_events_audience = {
	.who_size = sizeof(struct principal),
	.check = api_stream_check,
	.sees = sees,
};
