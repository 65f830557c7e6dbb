/* Helpers the complaint resource files share (complaints.c, complaint_actions.c, closure_form.c,
 * assignees.c, todo.c): the actor of a request, the client view, the live event. */
#ifndef FCMS_API_COMPLAINT_VIEW_H
#define FCMS_API_COMPLAINT_VIEW_H
#include "domain/complaint/service.h"
#include <jansson.h>

struct request;

/* The request's signed-in user and address as the domain's actor (borrowed from r). */
struct actor api_actor(struct request *r);
/* The client view of rec for r's user; steals rec, caller owns the result. */
json_t *api_complaint_view(struct request *r, json_t *rec, const struct complaint_settings *cfg);
/* The same from the typed record (borrowed); caller owns the result. */
json_t *api_complaint_view_record(struct request *r, const struct complaint *c, const struct complaint_settings *cfg);
/* Replies to a complaint read that returned rc (0 refused with e, negative db status). */
int api_reply_fetch_error(struct request *r, int rc, struct refusal *e);

#endif
