/* Who may be assigned (分派; GET /complaints/{id}/assignees): handlers in the handling
 * institution's subtree, or in another institution within the caller's scope (before a transfer). */
#include "api/api.h"
#include "api/complaint_view.h"
#include "http/request.h"
#include "store/store.h"
#include <stdlib.h>

int api_complaint_assignees(struct request *r)
{
	struct complaint rec;
	json_t *items, *org = NULL;
	struct refusal e = {0};
	struct actor a = api_actor(r);
	int rc = complaint_load(r->db, &a, req_arg_id(r, 0), &rec, &e);
	if (rc != 1)
		return api_reply_fetch_error(r, rc, &e);
	const char *path = rec.org_path;
	const char *v = req_query(r, "org_id");
	if (v) { /* another institution, e.g. before a transfer — within the caller's scope */
		rc = store_org_get(r->db, strtoll(v, NULL, 10), &org);
		if (rc < 0) {
			complaint_record_free(&rec);
			return reply_db_error(r, rc);
		}
		if (rc == 0 || !scope_allows(r->user, json_string_value(json_object_get(org, "path")), 0)) {
			complaint_record_free(&rec);
			json_decref(org);
			return reply_error(r, 400, "invalid_field", "机构不存在或不在您的数据范围内", "org_id");
		}
		path = json_string_value(json_object_get(org, "path"));
	}
	rc = store_handlers_in_subtree(r->db, path ? path : "/", &items);
	complaint_record_free(&rec);
	json_decref(org);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}
