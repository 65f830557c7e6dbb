/* The principal from the store's rows (see principal.h). Unknown permission codes (from a newer
 * version's data) grant nothing; an unknown scope is the narrowest. */
#include "domain/principal.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

static void add_role(void *ctx, const char *permissions, int scope)
{
	struct principal *p = ctx;
	uint32_t mask = 0;
	perm_parse_list(permissions, &mask, NULL);
	p->perms |= mask;
	if (scope > (int)p->scope && scope <= SCOPE_ALL)
		p->scope = (enum data_scope)scope;
}

static void from_identity(const struct store_identity *id, struct principal *p)
{
	p->user_id = id->user_id;
	snprintf(p->username, sizeof p->username, "%s", id->username);
	snprintf(p->name, sizeof p->name, "%s", id->name);
	p->org_id = id->org_id;
	snprintf(p->org_path, sizeof p->org_path, "%s", id->org_path);
	p->must_change_password = id->must_change_password;
	snprintf(p->csrf, sizeof p->csrf, "%s", id->csrf);
}

int principal_load(struct db *d, int64_t user_id, struct principal *p)
{
	struct store_identity id = {0};
	memset(p, 0, sizeof *p);
	int rc = store_identity_load(d, user_id, &id, add_role, p);
	if (rc == 1)
		from_identity(&id, p);
	return rc;
}

int principal_from_session(struct db *d, const char *id_hash, struct principal *p,
			   int64_t *created_at, int64_t *last_seen_at)
{
	struct store_identity id = {0};
	memset(p, 0, sizeof *p);
	int rc = store_session_identity(d, id_hash, &id, add_role, p);
	if (rc == 1) {
		from_identity(&id, p);
		*created_at = id.created_at;
		*last_seen_at = id.last_seen_at;
	}
	return rc;
}
