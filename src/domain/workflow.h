/* The complaint lifecycle as a table (domain model §4): which action is allowed in which state,
 * by which permission, and where it leads. Pure; the API applies the result in one transaction
 * with the version check and the audit event.
 *
 *  draft ─submit→ registered ─assign→ processing ─reply→ reviewing ─approve_reply→ replied
 *  replied ─callback→ closed (unsatisfied → processing)     reviewing ─reject_reply→ processing
 *  processing ─transfer→ processing   processing ─return→ registered
 *  processing ─extend→ (pending) ─approve_extension→ processing with a later due date
 *  processing ─pause/resume→ processing (the clock stops)
 *  any open state ─withdraw→ withdrawn     any state ─request_delete→ (pending) ─approve_delete→ deleted
 *  a pending extension or deletion ─reject_extension/reject_delete→ cleared (by another person,
 *  reason required) or ─withdraw_request→ cleared (by its requester only)
 *  closed ─reopen→ processing; replied ─close→ closed (no callback possible)
 *  registered/processing ─merge→ closed (a repeat of an open complaint, merged into it)
 *  registered/processing/reviewing ─new_facts→ (pending) ─approve_new_facts→ same state, the clock
 *  restarts (2020 rules); reject_new_facts drops the request. The handler measured by the
 *  deadline cannot restart it alone (issue 11 M4): a reviewer other than the requester approves.
 * With the review step off, reply leads to replied; with callback off, approve_reply closes. */
#ifndef FCMS_WORKFLOW_H
#define FCMS_WORKFLOW_H
#include <stdbool.h>
#include <stdint.h>

enum wf_action {
	WF_SUBMIT, WF_ASSIGN, WF_TRANSFER, WF_RETURN, WF_EXTEND, WF_APPROVE_EXTENSION, WF_PAUSE,
	WF_RESUME, WF_REPLY, WF_APPROVE_REPLY, WF_REJECT_REPLY, WF_CALLBACK, WF_CLOSE, WF_REOPEN,
	WF_WITHDRAW, WF_REQUEST_DELETE, WF_APPROVE_DELETE, WF_SYNC, WF_MERGE, WF_NEW_FACTS, WF_APPROVE_NEW_FACTS,
	WF_REJECT_NEW_FACTS, WF_REJECT_EXTENSION, WF_REJECT_DELETE, WF_WITHDRAW_REQUEST, WF_ACTION_COUNT
};

/* What the table needs to know about a complaint. */
struct wf_state {
	const char *status;
	const char *pending;  /* "extension" | "delete" | "new_facts" | NULL */
	bool paused;
	int extension_count;
	bool own_request; /* the caller made the pending request (four eyes; only they withdraw it) */
};

/* Why wf_decide refused: the state (the API answers 409), or the caller (403). */
enum { WF_REFUSED_STATE = -1, WF_REFUSED_FOUR_EYES = -2, WF_REFUSED_NOT_REQUESTER = -3 };

struct wf_settings {
	bool review_step;   /* reply goes to review first (default on) */
	bool callback_step; /* approved replies wait for a callback (default on) */
};

struct wf_outcome {
	const char *status;  /* the state after the action (static string) */
	uint32_t perm_any;   /* permissions that may take the action */
};

/* Action by its API name ("submit", "approve_extension", ...); -1 when unknown. */
int wf_action_from_name(const char *name);
const char *wf_action_name(enum wf_action a);
/* Chinese label of a status (domain/vocabulary.c), for messages and the timeline; the code
 * itself when unknown, "" for NULL. Action labels: vocab_action_label(). */
const char *wf_status_label(const char *status);
/* True for states in which the complaint is still being handled. */
bool wf_status_open(const char *status);

/* Decides whether action a may be taken on s. Returns 0 and fills *out, or a WF_REFUSED_* value
 * with *why set to a Chinese sentence saying why not. The callback outcome (satisfied or
 * not) is decided by the caller: unsatisfied callbacks lead to processing. */
int wf_decide(const struct wf_state *s, enum wf_action a, const struct wf_settings *cfg,
	      struct wf_outcome *out, const char **why);

/* The actions allowed now (perm filter applied): bit i set for action i. */
uint32_t wf_allowed(const struct wf_state *s, const struct wf_settings *cfg, uint32_t perms);

#endif
