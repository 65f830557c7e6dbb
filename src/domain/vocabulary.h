/* The complaint vocabulary, written once: the Chinese labels of statuses, workflow actions,
 * reply results and callback satisfaction, and the fixed limits of the rules. The status codes
 * and their sets (open, clock, unfinished) are in domain/status.h; the limits that a bank may
 * change (15/30/60 days, review and callback steps) are settings (domain/complaint_settings.h).
 * GET /api/v1/meta serves all of it to the web (vocab_json), so the pages copy none of it. */
#ifndef FCMS_DOMAIN_VOCABULARY_H
#define FCMS_DOMAIN_VOCABULARY_H
#include "domain/workflow.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed limits of the rules (not settings). */
#define VOCAB_MAX_EXTENSIONS 2                            /* a complaint is extended twice at most */
#define VOCAB_MAX_DAYS 366                                /* days in one client number (extensions) */
#define VOCAB_MAX_COMPENSATION_FEN ((int64_t)1000000000000) /* 10^12 fen */

/* The lists of coded values with a Chinese label. */
enum vocab_list { VOCAB_STATUS, VOCAB_REPLY_RESULT, VOCAB_SATISFACTION, VOCAB_LIST_COUNT };

struct vocab_entry {
	const char *code, *label;
};

/* The entries of list l in display order (static storage), *n their count; NULL and *n = 0
 * for an unknown list. The statuses follow enum status_code. */
const struct vocab_entry *vocab_entries(enum vocab_list l, size_t *n);
/* The label of code in list l (static string), or NULL when code is not in it (or NULL). */
const char *vocab_label(enum vocab_list l, const char *code);
/* True when code is one of the values of list l. */
bool vocab_known(enum vocab_list l, const char *code);

/* The Chinese label ("批准延期") of workflow action a (static string); "" out of range. Its API
 * name is wf_action_name(a). */
const char *vocab_action_label(enum wf_action a);

/* The whole vocabulary as served by GET /api/v1/meta: statuses (code, label, open, clock,
 * unfinished), status_sets, actions (the workflow's and "print"), reply_results, satisfaction,
 * limits (the fixed ones above). A new reference the caller owns, NULL on allocation failure. */
json_t *vocab_json(void);

#endif
