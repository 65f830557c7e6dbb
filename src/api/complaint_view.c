/* The complaint's edge to clients: the view for the request's user, and the live event that
 * tells connected clients a complaint changed (after the transaction committed). */
#include "api/complaint_view.h"
#include "api/api.h"
#include "http/events.h"
#include "http/request.h"
#include <string.h>

struct actor api_actor(struct request *r)
{
	return (struct actor){.user = r->user, .ip = r->ip};
}

json_t *api_complaint_view(struct request *r, json_t *rec, const struct complaint_settings *cfg)
{
	json_t *v = complaint_view_row(rec, r->user->perms, r->user->user_id, cfg);
	json_decref(rec);
	return v;
}

json_t *api_complaint_view_record(struct request *r, const struct complaint *c, const struct complaint_settings *cfg)
{
	return complaint_view_as(c, r->user->perms, r->user->user_id, cfg);
}

int api_reply_fetch_error(struct request *r, int rc, struct refusal *e)
{
	return rc == 0 ? api_reply_tx_error(r, 1, e, NULL, NULL) : reply_db_error(r, rc);
}

void api_complaint_publish(json_t *rec, const char *action)
{
	json_t *ev = json_pack("{s:O, s:O, s:s}", "id", json_object_get(rec, "id"), "complaint_no",
			       json_object_get(rec, "complaint_no"), "action", action);
	static const char *const extra[] = {"status", "version", "deadline_state", NULL};
	for (int i = 0; extra[i]; i++)
		if (json_object_get(rec, extra[i]))
			json_object_set(ev, extra[i], json_object_get(rec, extra[i]));
	/* A draft is its registrar's alone. */
	const char *st = json_string_value(json_object_get(rec, "status"));
	bool draft = st && strcmp(st, "draft") == 0;
	events_publish("complaint", ev, draft ? NULL : json_string_value(json_object_get(rec, "org_path")),
		       json_integer_value(json_object_get(rec, "registrar_id")),
		       json_integer_value(json_object_get(rec, "handler_id")));
	json_decref(ev);
}
