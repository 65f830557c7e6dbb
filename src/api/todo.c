/* 待办 (GET /todo): the complaints waiting for the user, by kind (to assign, to handle, to
 * review, to approve, to call back), with counts per kind. */
#include "api/api.h"
#include "api/complaint_view.h"
#include "http/request.h"
#include "store/store.h"
#include <string.h>

int api_todo(struct request *r)
{
	uint32_t p = r->user->perms;
	struct todo_query q = {
		.user_id = r->user->user_id,
		.org_id = r->user->org_id,
		.can_handle = (p & P_COMPLAINT_HANDLE) != 0,
		.can_review = (p & P_COMPLAINT_REVIEW) != 0,
		.can_approve_delete = (p & P_COMPLAINT_DELETE_APPROVE) != 0,
		.can_callback = (p & P_COMPLAINT_CALLBACK) != 0,
		.limit = 500,
	};
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *items;
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = store_todo_list(r->db, &sf, &q, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_t *out = json_array(), *counts = json_object();
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
	{
		const char *kind = json_string_value(json_object_get(rec, "todo_kind"));
		json_t *v = complaint_view_row(rec, p, r->user->user_id, &cfg);
		json_object_set_new(v, "todo_kind", json_string(kind));
		json_array_append_new(out, v);
		json_object_set_new(counts, kind, json_integer(json_integer_value(json_object_get(counts, kind)) + 1));
	}
	json_decref(items);
	return reply_json(r, 200, json_pack("{s:o, s:I, s:o}", "items", out, "total",
					    (json_int_t)json_array_size(out), "counts", counts));
}
