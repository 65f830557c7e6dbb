/* Migration of historical complaints (issue 15 item 5, docs/integration/import.md): the rules.
 * The import fields a column mapping may name, the check of a mapping against a file's header,
 * turning one row of the old system's file into a complaint record (every value checked the way
 * a complaint registered in fcms is: dictionaries, institution, GB/T 2260 region, the JR/T 0169
 * codes in force on the receipt date, identity formats; plus the history: status, dates, handler,
 * reply), and writing that record inside the caller's write transaction, keyed by the old
 * system's number (legacy_no) so a second run skips what is there. No file reading and no job
 * control here: those are src/import/job.c and util/sheet_read.c. */
#ifndef FCMS_IMPORT_H
#define FCMS_IMPORT_H
#include "domain/permissions.h"
#include "domain/pii.h" /* PII_KEY_ID_SIZE */
#include "domain/refusal.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct sheet_row;

enum import_field {
	IF_LEGACY_NO, IF_RECEIVED_AT, IF_SOURCE_CHANNEL, IF_EXTERNAL_NO, IF_NAME, IF_ID_TYPE, IF_ID_NO,
	IF_PHONE, IF_ADDRESS, IF_ORG, IF_REGION, IF_CHANNEL, IF_TYPE, IF_CAUSE, IF_RIGHTS, IF_CONTENT,
	IF_DEMAND, IF_AMOUNT, IF_STATUS, IF_DUE_AT, IF_HANDLER, IF_REPLY_RESULT, IF_REPLY_CONTENT,
	IF_COMPENSATION, IF_REPLIED_AT, IF_CLOSED_AT, IF_COUNT
};
struct import_field_info {
	const char *key;   /* the mapping's name, e.g. "received_at" */
	const char *label; /* Chinese, for reports and the UI */
	bool required;     /* a mapping must name a column for it */
};
extern const struct import_field_info import_fields[IF_COUNT];

/* Checks a mapping's columns object {field: header}: known fields, headers non-empty strings of
 * at most 64 bytes, every required field mapped. 0, or 1 with *e (400). */
int import_mapping_check(json_t *columns, struct refusal *e);

/* Where each field's column is in a file: col[f] is the 0-based column index, -1 unmapped. */
struct import_map {
	int col[IF_COUNT];
	char header[IF_COUNT][72];
};
/* Finds each mapped header in the file's header row hdr (exact match after trimming spaces).
 * 0, or 1 with *e (400 unknown_column naming the first header not in the file). */
int import_map_header(json_t *columns, const struct sheet_row *hdr, struct import_map *m, struct refusal *e);

/* Per-job lookups loaded once (institutions by code or name, dictionary names, handlers by
 * user name) and the settings in force. Not thread-safe; one per job. */
struct import_ctx;
/* Loads the lookups through d for an import made by who. NULL on failure. */
struct import_ctx *import_ctx_new(struct db *d, const struct principal *who, int64_t now);
void import_ctx_free(struct import_ctx *c);
/* Reads what the rows of a batch share: the current sealing key (key_rotation_current_key),
 * once per batch instead of once per row; into c, and its id into key_id. Call before the
 * batch's first row is built. 0 or a negative db status. */
int import_ctx_begin_batch(struct db *d, struct import_ctx *c, char key_id[PII_KEY_ID_SIZE]);

/* The outcome of one row: ok, or the column (its header in the file) and the reason. */
struct import_row_result {
	bool ok;
	char legacy_no[65];
	char column[72];
	char reason[300];
};

/* The legacy number of a row (trimmed), "" when unmapped or empty; into out[65]. */
void import_row_key(const struct import_map *m, const struct sheet_row *row, char out[65]);

/* Builds the complaint record of a data row (caller owns *rec; NULL when the row is bad) and
 * fills *res. Reads base data through d (any connection; no writes). 0, or a negative db status. */
int import_row_build(struct db *d, struct import_ctx *c, const struct import_map *m, const struct sheet_row *row,
		     json_t **rec, struct import_row_result *res);

/* What happened to a record in import_row_write. */
enum import_outcome { IMPORT_INSERTED, IMPORT_DONE_BY_JOB, IMPORT_SKIPPED_EXISTING, IMPORT_NUMBER_TAKEN };
/* Writes rec (from import_row_build) inside the caller's write transaction as job job_id: when a
 * complaint with its legacy_no exists, nothing is written (IMPORT_DONE_BY_JOB when this job wrote
 * it in an earlier run, else IMPORT_SKIPPED_EXISTING); when its number is already a complaint
 * number of fcms, IMPORT_NUMBER_TAKEN; else inserts it (IMPORT_INSERTED) and, only when
 * to_regulator, queues it for the regulator. Sets rec's "id". May run twice with its transaction.
 * 0 with *out, or a negative db status. */
int import_row_write(struct db *d, json_t *rec, int64_t job_id, bool to_regulator, int64_t now,
		     enum import_outcome *out);

/* Inside the batch's write transaction, after its rows: when the current key is no longer
 * key_id (a rotation committed since the batch was sealed), re-seals the complaints above
 * after_id (at most n, the batch's) under the current one, so the rotation's count of rows under
 * an old key holds. 0 or a negative db status. May run twice with its transaction. */
int import_batch_check_key(struct db *d, const char *key_id, int64_t after_id, int64_t n);

/* Whether a legacy number is already there: 1 imported (by any job), 2 the number of a complaint
 * registered in fcms, 0 neither, or a negative db status. */
int import_key_exists(struct db *d, const char *legacy_no);

#endif
