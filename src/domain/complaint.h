/* The complaint record (domain model §3): turning API input into the stored record (validation
 * against the base data in force on the receipt date, sealing the complainant's identity, blind
 * indexes and masks: complaint.c), the deadline of a complaint (complaint/deadline.c), and the
 * view sent to clients (complaint/view.c). The use cases are complaint/service.h.
 * A complaint is a struct complaint (store/complaint_record.h: one column list); its input is a
 * struct complaint_input, bound from JSON by one spec table (COMPLAINT_INPUT_FIELDS). The JSON
 * forms left (complaint_apply_input, complaint_update_deadline, complaint_check_complete,
 * complaint_view) serve the callers that still build a complaint as a JSON object (import, demo
 * data) or read list rows; they map through complaint_record_from_json / complaint_record_json. */
#ifndef FCMS_COMPLAINT_H
#define FCMS_COMPLAINT_H
#include "domain/complaint_settings.h"
#include "domain/pii.h" /* PII_KEY_ID_SIZE */
#include "domain/refusal.h"
#include "store/complaint_record.h"
#include "util/dates.h" /* CN_TZ_OFFSET_MIN, the bank's time zone */
#include "util/json_spec.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* The input of a complaint (POST /complaints, PATCH /complaints/{id}, the confirmation of a
 * 网上投诉, the import, the consumer form), typed. Absent members are NULL / 0 / unset; strings
 * and JSON values are borrowed from the body they were bound from. */
struct complaint_input {
	const char *source_channel;
	const char *received_at; /* ISO 8601 with offset */
	json_t *complainant;     /* {name,id_type,id_no,phone,address,gender}; a JSON null: not given */
	int64_t complained_org_id;
	const char *region_code;
	/* texts a JSON null clears (bound as "") */
	const char *business_channel_code, *business_type_code, *cause_code, *content, *demand, *external_no;
	json_t *rights, *tags; /* arrays of codes, as sent (a JSON null is refused) */
	struct opt_int amount_fen, group_size;
};
/* The body fields of a complaint's input (names fixed by the API contract), checked and bound
 * into the struct complaint_input at member path P of the command struct T: e.g.
 * COMPLAINT_INPUT_FIELDS(struct complaint_create_cmd, input.), or (struct complaint_input, ). */
#define COMPLAINT_INPUT_FIELD(T, P, name, type, max, label, to) {{#name, type, false, max, 0, label}, to, offsetof(T, P name)}
#define COMPLAINT_INPUT_FIELDS(T, P)                                                                      \
	COMPLAINT_INPUT_FIELD(T, P, source_channel, F_STRING, 32, "投诉反映渠道", FB_TEXT),                    \
	COMPLAINT_INPUT_FIELD(T, P, received_at, F_STRING, 40, "接收时间", FB_TEXT),                           \
	COMPLAINT_INPUT_FIELD(T, P, complainant, F_OBJECT, 0, "投诉人", FB_JSON),                              \
	COMPLAINT_INPUT_FIELD(T, P, complained_org_id, F_ID, 0, "被投诉机构", FB_INT),                         \
	COMPLAINT_INPUT_FIELD(T, P, region_code, F_STRING, 6, "行政区划", FB_TEXT),                            \
	COMPLAINT_INPUT_FIELD(T, P, business_channel_code, F_STRING, 16, "业务办理渠道", FB_CLEAR),            \
	COMPLAINT_INPUT_FIELD(T, P, business_type_code, F_STRING, 16, "业务类别", FB_CLEAR),                   \
	COMPLAINT_INPUT_FIELD(T, P, cause_code, F_STRING, 16, "投诉原因", FB_CLEAR),                           \
	COMPLAINT_INPUT_FIELD(T, P, rights, F_ARRAY, 16, "基本权益", FB_JSON),                                 \
	COMPLAINT_INPUT_FIELD(T, P, content, F_STRING, 4000, "投诉内容", FB_CLEAR),                            \
	COMPLAINT_INPUT_FIELD(T, P, demand, F_STRING, 2000, "投诉诉求", FB_CLEAR),                             \
	COMPLAINT_INPUT_FIELD(T, P, amount_fen, F_INT, 0, "涉及金额", FB_OPT),                                 \
	COMPLAINT_INPUT_FIELD(T, P, external_no, F_STRING, 64, "外部工单号", FB_CLEAR),                        \
	COMPLAINT_INPUT_FIELD(T, P, tags, F_ARRAY, 8, "标签", FB_JSON),                                        \
	COMPLAINT_INPUT_FIELD(T, P, group_size, F_INT, 0, "群体投诉人数", FB_OPT)

/* Copies the fields given in in into rec, checking formats and looking up the channel, the
 * institution and the region (the complainant is merged into the sealed identity, resealed,
 * re-masked and re-indexed). 0, 1 with *e (400), or a negative db status. */
int complaint_record_apply_input(struct db *d, const struct complaint_input *in, struct complaint *rec,
				 struct refusal *e);
/* The same from input as a JSON object with the API's names (bound by COMPLAINT_INPUT_FIELDS,
 * not checked: give it checked input) onto rec, the record's JSON form: only the members the
 * input changed are written. Same returns. */
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

/* The client view of c: API names, ISO times, masked identity, arrays for rights and tags,
 * status label, and `actions`: the actions the given permissions allow now, for user_id (0: no
 * one): `actions` also leaves out what the four-eyes rule keeps from them (approving or
 * rejecting their own request) and offers withdraw_request on their own. Caller owns; NULL when
 * out of memory. */
json_t *complaint_view_as(const struct complaint *c, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg);
/* The same from a row (every column and joined name, as store_complaint_get or the list gives):
 * complaint_view_row for a user, complaint_view for no one. Caller owns; NULL on failure. */
json_t *complaint_view_row(json_t *rec, uint32_t perms, int64_t user_id, const struct complaint_settings *cfg);
json_t *complaint_view(json_t *rec, uint32_t perms, const struct complaint_settings *cfg);
/* 结单打印: only a closed complaint (已办结) has a closure form to print: the form records the
 * outcome, the reply and the callback, which an open complaint does not have yet and a withdrawn
 * or deleted one never gets. 0 when c may be printed, else 1 with *e (409 not_printable). The
 * view offers "print" in `actions` by the same rule. */
int complaint_check_printable(const struct complaint *c, struct refusal *e);
/* True when user_id made the complaint's pending request (pending_data.requested_by; NULL: no
 * request). */
bool complaint_requested_by(const char *pending_data, int64_t user_id);

/* Members that differ between two records (for audit details), without sealed identity. */
json_t *complaint_diff(json_t *before, json_t *after);

#endif
