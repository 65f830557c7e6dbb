/* The complaint record (domain model §3): turning API input into the stored record (validation
 * against the base data in force on the receipt date, sealing the complainant's identity, blind
 * indexes and masks: complaint.c), the deadline of a complaint (complaint/deadline.c), and the
 * view sent to clients (complaint/view.c). The use cases are complaint/service.h.
 * A complaint is a struct complaint (store/complaint_record.h: one column list) in the action
 * and edit use cases and the deadline; applying input, registration, create, import and the
 * view still take it as a JSON object whose members are the columns of `complaints`
 * (complaint_record_json / complaint_record_from_json map the two). */
#ifndef FCMS_COMPLAINT_H
#define FCMS_COMPLAINT_H
#include "domain/complaint_settings.h"
#include "domain/pii.h" /* PII_KEY_ID_SIZE */
#include "domain/refusal.h"
#include "store/complaint_record.h"
#include "util/dates.h" /* CN_TZ_OFFSET_MIN, the bank's time zone */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* Copies the fields present in input (the API's names: source_channel, received_at (ISO 8601),
 * complainant{name,id_type,id_no,phone,address}, complained_org_id, region_code,
 * business_channel_code, business_type_code, cause_code, rights[], content, demand, amount_fen,
 * external_no, tags[], group_size) into rec, checking formats. Returns 0, 1 with *e (400), or a
 * negative db status. */
int complaint_apply_input(struct db *d, json_t *input, json_t *rec, struct refusal *e);

/* What complaint_apply_input reads for each identity, given once by a caller that applies many
 * inputs (the import, per batch): the ID types known (an object whose keys are the codes;
 * borrowed) and the current sealing key (key_rotation_current_key, read by the caller, which
 * answers for a rotation that commits meanwhile). */
struct complaint_input_cache {
	json_t *id_types;
	char key_id[PII_KEY_ID_SIZE];
};
/* complaint_apply_input with those read from cache instead of d. Same returns. */
int complaint_apply_input_cached(struct db *d, json_t *input, json_t *rec, const struct complaint_input_cache *cache,
				 struct refusal *e);

/* Full validation before a complaint leaves the draft state: every required field present,
 * codes in force on the receipt date and leaves of their tree, region known, institution
 * active, receipt not in the future, channel-specific fields. 0, 1 with *e, or negative. */
int complaint_check_complete(struct db *d, json_t *rec, int64_t now, struct refusal *e);
/* The same on a typed record. */
int complaint_record_check_complete(struct db *d, const struct complaint *c, int64_t now, struct refusal *e);

/* Recomputes due_at and deadline_state from the clock start, allowed days, day type, the
 * calendar and the recorded pauses. 0 or a negative db status. */
int complaint_update_deadline(struct db *d, json_t *rec, const struct complaint_settings *cfg,
			      int64_t now);
/* The same on a typed record (a new due time clears reminded). 0 or a negative db status. */
int complaint_record_update_deadline(struct db *d, struct complaint *c, const struct complaint_settings *cfg,
				     int64_t now);

/* Recomputes due_at and deadline_state of every complaint whose clock runs, after the calendar
 * or the settings changed: the calendar is loaded once (from rd, a read connection that sees the
 * committed change), then COMPLAINT_RECOMPUTE_BATCH complaints per store_write, by id, so other
 * writes go through between batches. Versions are not bumped (no fact changed, only the rule in
 * force). Not itself a transaction body: call it after the change committed. *count: complaints
 * looked at. 0, or a negative db status (the batches before it stay committed). */
#define COMPLAINT_RECOMPUTE_BATCH 500
int complaint_recompute_open(struct db *rd, const struct complaint_settings *cfg, int64_t now, int *count);
/* complaint_recompute_open after a calendar or settings change committed: with cfg the settings
 * now in force, or NULL to read them from rd. Same returns. */
int complaint_recompute_after_change(struct db *rd, const struct complaint_settings *cfg, int64_t now, int *count);

/* Adds a tag to the record's space-separated tags unless it is there. */
void complaint_add_tag(json_t *rec, const char *tag);
/* The same on a typed record. */
void complaint_record_add_tag(struct complaint *c, const char *tag);

/* The decrypted complainant identity (caller owns), or NULL when absent or unreadable. */
json_t *complaint_identity(json_t *rec);
/* The same from the sealed text, its key id and the complaint's id (for the log). */
json_t *complaint_identity_of(const char *sealed, const char *key_id, int64_t complaint_id);

/* The client view of rec: API names, ISO times, masked identity, arrays for rights and tags,
 * status label, and `actions`: the actions the given permissions allow now. Caller owns. */
json_t *complaint_view(json_t *rec, uint32_t perms, const struct complaint_settings *cfg);
/* The same for one user: `actions` also leaves out what the four-eyes rule keeps from them
 * (approving or rejecting their own request) and offers withdraw_request on their own. */
json_t *complaint_view_as(json_t *rec, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg);
/* 结单打印: only a closed complaint (已办结) has a closure form to print: the form records the
 * outcome, the reply and the callback, which an open complaint does not have yet and a withdrawn
 * or deleted one never gets. 0 when rec may be printed, else 1 with *e (409 not_printable). The
 * view offers "print" in `actions` by the same rule. */
int complaint_check_printable(json_t *rec, struct refusal *e);
/* True when user_id made the complaint's pending request (pending_data.requested_by). */
bool complaint_pending_by(json_t *rec, int64_t user_id);
/* The same from the pending_data text (NULL: no request). */
bool complaint_requested_by(const char *pending_data, int64_t user_id);

/* Members that differ between two records (for audit details), without sealed identity. */
json_t *complaint_diff(json_t *before, json_t *after);

#endif
