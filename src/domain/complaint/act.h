/* Internal to the act use case (act.c, act_rules.c, act_requests.c): the state of one action's
 * run and the rule step. Not for other modules. */
#ifndef FCMS_COMPLAINT_ACT_H
#define FCMS_COMPLAINT_ACT_H
#include "domain/complaint/service.h"

struct act {
	struct db *d;
	const struct actor *a;
	const struct complaint_cmd *cmd;
	const struct complaint_settings *cfg;
	struct complaint_act_out *out;
	struct refusal *e;
	int64_t now;
};

/* The action's own rule and change to rec (o->status may be changed: an unsatisfied callback
 * goes back to processing). 0, 1 with *x->e, or negative. */
int act_apply(struct act *x, struct complaint *rec, struct wf_outcome *o);
/* The request actions (延期, 删除, 重新计时: ask, approve, reject, withdraw) — act_requests.c. */
int act_request(struct act *x, struct complaint *rec);

#endif
