/* 系统审计: browsing and verifying the audit chain (审计管理员 only). */
#include "api/api.h"
#include "domain/audit.h"
#include "domain/audit_catalogue.h"
#include "http/request.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>

static int64_t query_ms(struct request *r, const char *key, bool *bad)
{
	const char *v = req_query(r, key);
	if (!v)
		return 0;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*end || x < 0)
		*bad = true;
	return x;
}

int api_audit_list(struct request *r)
{
	bool bad = false;
	struct audit_filter f = {
		.from = query_ms(r, "from", &bad),
		.to = query_ms(r, "to", &bad),
		.actor = req_query(r, "actor"),
		.action = req_query(r, "action"),
		.target_type = req_query(r, "target_type"),
		.target_id = req_query(r, "target_id"),
		.result = req_query(r, "result"),
	};
	if (bad)
		return reply_error(r, 400, "invalid_field", "时间必须是毫秒时间戳", "from");
	if (req_paging(r, &f.limit, &f.offset) != 0)
		return 0;
	/* "auth." finds every sign-in event: an action filter is a prefix. */
	char action_like[80];
	if (f.action) {
		snprintf(action_like, sizeof action_like, "%.70s%%", f.action);
		f.action = action_like;
	}
	json_t *items;
	int64_t total;
	int rc = store_audit_list(r->db, &f, &items, &total);
	if (rc < 0)
		return reply_db_error(r, rc);
	audit_catalogue_label_rows(items);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

int api_audit_verify(struct request *r)
{
	struct audit_verify_result v;
	int rc = audit_verify(r->db, &v);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_t *body = json_pack("{s:b, s:I}", "ok", v.ok, "events", (json_int_t)v.events);
	json_object_set_new(body, "first_bad_seq", v.ok ? json_null() : json_integer(v.first_bad_seq));
	json_object_set_new(body, "reason", v.ok ? json_null() : json_string(v.reason));
	return reply_json(r, 200, body);
}

/* GET /audit/catalogue: every action and object type with its Chinese label (the filters'
 * choices; rows carry the same labels). */
int api_audit_catalogue(struct request *r)
{
	json_t *c = audit_catalogue_json();
	if (!c)
		return reply_db_error(r, DB_HARD);
	return reply_json(r, 200, c);
}
