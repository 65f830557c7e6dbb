/* The one catalogue of audit actions and object types with their Chinese labels. The audit log's
 * filters and rows, and the complaint timeline, take their words from here (served by
 * GET /api/v1/audit/catalogue and as labels inside audit rows); a test checks that every action
 * the code can write to the chain is listed. Complaint workflow actions come from the workflow
 * table (complaint.<action>, labelled as the action buttons are). */
#ifndef FCMS_AUDIT_CATALOGUE_H
#define FCMS_AUDIT_CATALOGUE_H
#include <jansson.h>

/* Chinese label of an action ("complaint.print" -> "结单打印"), or NULL when not catalogued.
 * The string is static. */
const char *audit_action_label(const char *action);
/* Chinese label of an object type ("complaint" -> "投诉单"), or NULL. Static. */
const char *audit_target_type_label(const char *type);
/* {"actions":[{"code","label","group"}...],"target_types":[{"code","label"}...]} in display
 * order; a new reference the caller owns (NULL on allocation failure). */
json_t *audit_catalogue_json(void);
/* Adds "action_label" and "target_type_label" (null when not catalogued) to each audit row of
 * items (an array of objects with "action" and "target_type"). */
void audit_catalogue_label_rows(json_t *items);

#endif
