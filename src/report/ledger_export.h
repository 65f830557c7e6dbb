/* 投诉明细报表 (the detail ledger) as an Excel file written by a background job: the complaints
 * the reports count for a set of report filters, identity masked, up to millions of rows.
 *
 * One worker thread runs the jobs one at a time in submission order; the rest wait in a queue.
 * It pages through the complaints by keyset (store_complaint_keyset) and writes the sheet in
 * libxlsxwriter's constant_memory mode, so memory stays flat however many rows there are. The
 * file goes to DATA/exports/ledger-<id>.xlsx (written as .part, renamed when complete) and is
 * removed 24 hours after the job finished. A job's row in report_exports (created by the API
 * with the job) records its final state; while the job is queued or running the instance holding
 * it beats the row's heartbeat (with its progress) every few seconds, and a job whose heartbeat
 * stopped for a minute — its server stopped or died — is marked failed by the housekeeping pass
 * of any instance (at start and every minute). Several instances on one PostgreSQL database each
 * run the jobs they were given. */
#ifndef FCMS_LEDGER_EXPORT_H
#define FCMS_LEDGER_EXPORT_H
#include "domain/permissions.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct report_params;
struct complaint_filter;
struct db;

#define LEDGER_EXPORT_TTL_MS (24LL * 3600 * 1000)

/* The complaints the reports count for p, as a complaint list filter: the counting rule (no
 * drafts, deleted or merged), received within [from, to] in the bank's time zone, the report's
 * filters, and the handling institution inside p's data scope. Sets only those members of *f;
 * f borrows p's strings. */
void report_ledger_filter(const struct report_params *p, struct complaint_filter *f);

/* Starts the worker, which writes under data_dir/exports and, at once and every minute, fails
 * lost jobs and removes expired files. 0 or -1. */
int report_ledger_start(const char *data_dir);
/* Stops the worker: a running job is abandoned (marked failed), queued ones are left to the
 * housekeeping of the next instance that looks (failed once their heartbeat is stale). */
void report_ledger_stop(void);

/* Queues job id (already recorded as queued) for who with the filters p (copied), audited in the
 * name of who from ip. 0, or -1 when out of memory. */
int report_ledger_submit(int64_t id, const struct principal *who, const char *ip, const struct report_params *p);

/* The state of a job this server holds (queued or running): sets "status" and "rows_done" in
 * out and returns true; false when the job is not in memory (its table row is final). */
bool report_ledger_progress(int64_t id, json_t *out);

/* The file name of a finished job's workbook (relative to DATA/exports). */
void report_ledger_file_name(int64_t id, char *out, size_t n);

/* The expiry pass: files of jobs finished before now - LEDGER_EXPORT_TTL_MS are removed. */
int report_ledger_expire(struct db *d, const char *data_dir, int64_t now);

#endif
