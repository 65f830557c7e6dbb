/* The complaint record, typed. One column list (COMPLAINT_COLUMNS) generates struct complaint,
 * its row reader (store_complaint_read), its bound parameters (store_complaint_insert_record,
 * store_complaint_save_record) and its JSON form (complaint_record_json, the object the row
 * reader of store_complaint_get gives, key for key). A misspelt field fails to compile instead
 * of reading NULL. Adding a column: one row here, in the table's column order.
 *
 * Texts are owned by the record (complaint_record_free); set them with CREC_SET_TEXT, which
 * copies and, when the copy cannot be allocated, marks the record so that saving it fails
 * (DB_HARD) instead of writing a half-changed row. */
#ifndef FCMS_STORE_COMPLAINT_RECORD_H
#define FCMS_STORE_COMPLAINT_RECORD_H
#include "store/db.h"
#include "util/opt_int.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A nullable integer column is a struct opt_int (util/opt_int.h): set false is SQL NULL. */

/* X(KIND, name, ROLE), in the table's column order.
 * KIND: TEXT (char *, owned; NULL is SQL NULL), INT (int64_t, a NOT NULL column), OPT (struct
 * opt_int, a nullable integer).
 * ROLE: SAVE (written by every save and insert), NEW (written once, by the insert), IMPORT
 * (written by the insert: NULL but for imported complaints), STAMP (updated_at, written by
 * both, last), READ (written elsewhere: the id, the regulator worker's columns). */
#define COMPLAINT_COLUMNS(X)                                                                      \
	X(INT, id, READ) X(TEXT, complaint_no, NEW) X(TEXT, status, SAVE) X(INT, version, SAVE)    \
	X(TEXT, source_channel, SAVE) X(TEXT, external_no, SAVE) X(OPT, received_at, SAVE)        \
	X(OPT, registered_at, SAVE) X(INT, registrar_id, NEW) X(INT, registrar_org_id, NEW)       \
	X(OPT, complained_org_id, SAVE) X(OPT, handling_org_id, SAVE) X(OPT, handler_id, SAVE)    \
	X(TEXT, org_path, SAVE) X(TEXT, region_code, SAVE) X(TEXT, business_channel_code, SAVE)   \
	X(TEXT, business_type_code, SAVE) X(TEXT, cause_code, SAVE) X(TEXT, rights, SAVE)         \
	X(TEXT, content, SAVE) X(TEXT, demand, SAVE) X(OPT, amount_fen, SAVE) X(TEXT, tags, SAVE) \
	X(OPT, group_size, SAVE) X(TEXT, complainant_enc, SAVE) X(TEXT, pii_key_id, SAVE)         \
	X(TEXT, complainant_masked, SAVE) X(TEXT, name_bidx, SAVE) X(TEXT, id_no_bidx, SAVE)      \
	X(TEXT, phone_bidx, SAVE) X(TEXT, day_type, SAVE) X(OPT, clock_start_at, SAVE)            \
	X(INT, allowed_days, SAVE) X(OPT, due_at, SAVE) X(TEXT, deadline_state, SAVE)             \
	X(INT, extension_count, SAVE) X(INT, transfer_count, SAVE) X(TEXT, pending, SAVE)         \
	X(TEXT, pending_data, SAVE) X(TEXT, reply_result, SAVE) X(TEXT, reply_content, SAVE)      \
	X(OPT, compensation_fen, SAVE) X(TEXT, late_reason, SAVE) X(OPT, replied_at, SAVE)        \
	X(TEXT, callback_satisfaction, SAVE) X(TEXT, callback_note, SAVE)                         \
	X(OPT, callback_at, SAVE) X(OPT, closed_at, SAVE) X(OPT, withdrawn_at, SAVE)              \
	X(OPT, deleted_at, SAVE) X(OPT, repeat_of, SAVE) X(OPT, merged_into, SAVE)                \
	X(TEXT, sync_status, SAVE) X(INT, created_at, NEW) X(INT, updated_at, STAMP)               \
	X(TEXT, reminded, SAVE) X(TEXT, regulator_receipt_no, READ) X(TEXT, sync_error, READ)     \
	X(OPT, synced_at, READ) X(INT, clock_restarts, SAVE) X(TEXT, legacy_no, IMPORT)           \
	X(TEXT, legacy_handler, IMPORT) X(OPT, import_job_id, IMPORT)

/* The names a read carries from the rows a complaint points to (read only): X(name, sql).
 * todo_kind is the to-do's; a single read gives NULL. */
#define COMPLAINT_JOINED(X)                                                                       \
	X(todo_kind, "NULL") X(complained_org_name, "co.name") X(handling_org_name, "ho.name")     \
	X(handler_name, "hu.name") X(registrar_name, "ru.name") X(registrar_org_name, "ro.name")  \
	X(complained_org_path, "co.path")

#define CREC_FIELD_TEXT(n) char *n;
#define CREC_FIELD_INT(n) int64_t n;
#define CREC_FIELD_OPT(n) struct opt_int n;
#define CREC_FIELD(kind, name, role) CREC_FIELD_##kind(name)
#define CREC_JOINED_FIELD(name, sql) char *name;

struct complaint {
	COMPLAINT_COLUMNS(CREC_FIELD)
	COMPLAINT_JOINED(CREC_JOINED_FIELD)
	bool oom; /* a text could not be copied: saving fails with DB_HARD */
};

/* Frees the texts and zeroes the record. NULL allowed. */
void complaint_record_free(struct complaint *c);
/* *field = a copy of v (NULL sets SQL NULL); the old text is freed. On allocation failure the
 * field becomes NULL and c->oom is set. field must be one of c's text fields. */
void complaint_record_set_text(struct complaint *c, char **field, const char *v);
#define CREC_SET_TEXT(c, name, v) complaint_record_set_text((c), &(c)->name, (v))
/* dst = a deep copy of src (dst is overwritten, not freed). 0, or DB_HARD (dst then empty). */
int complaint_record_copy(struct complaint *dst, const struct complaint *src);
/* The record as the row JSON store_complaint_get gives: every column, then the joined names, in
 * the same order with the same types. Caller owns; NULL on allocation failure. */
json_t *complaint_record_json(const struct complaint *c);
/* The record from such a JSON object (missing or null members read as NULL / 0; a boolean
 * as 0/1, as store_complaint_save binds it). c is overwritten, not freed. 0 or DB_HARD. */
int complaint_record_from_json(json_t *row, struct complaint *c);

/* Reads complaint id with its joined names into *out (overwritten, not freed first): 1, 0 when
 * there is no such complaint (*out zeroed), or a negative db status. */
int store_complaint_read(struct db *d, int64_t id, struct complaint *out);
/* Inserts c (every column but the READ ones; c->id is ignored): DB_OK with *id, or negative
 * (DB_HARD when c->oom). */
int store_complaint_insert_record(struct db *d, const struct complaint *c, int64_t *id);
/* Writes c's SAVE columns back to row c->id if its version is still expected_version: 1 when
 * written, 0 when someone wrote in between (or no such row), or negative (DB_HARD when c->oom). */
int store_complaint_save_record(struct db *d, const struct complaint *c, int64_t expected_version);

#endif
