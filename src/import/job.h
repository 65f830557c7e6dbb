/* The historical-complaint import as a background job (docs/integration/import.md). One worker
 * thread runs the jobs one at a time in submission order.
 *
 * A job reads its file (DATA/imports/job-<id>.<csv|xlsx>) twice: a first pass finds the header,
 * counts the rows (for the progress bar) and the legacy numbers that occur more than once (every
 * such row is refused: the file does not say which one is right); the second pass validates each
 * row (domain/import.h) and, for an import, writes IMPORT_BATCH rows per write transaction (store_write_alone)
 * together with the job's progress checkpoint, so nothing is half imported: a batch is there
 * whole or not at all. The job's own committer thread writes one batch while the job's thread
 * builds the next (two batches, handed over under a mutex), so building and writing overlap on
 * two cores instead of taking turns. Every row gets a line in the report workbook
 * (DATA/imports/report-<id>.xlsx): row number, legacy number, result, column and reason, in
 * Chinese; bad rows are also kept in import_row_errors for the API. The end is audited (who, the
 * file's SHA-256, counts).
 *
 * A job left queued or running by a stopped server is run again from its first row at the next
 * start: rows that run already imported are found by their legacy number and counted as done by
 * this job, so the re-run is idempotent and the totals are those of one run. */
#ifndef FCMS_IMPORT_JOB_H
#define FCMS_IMPORT_JOB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rows per write transaction. A batch is written by store_write_alone: a transaction of its own
 * without the writer's per-body savepoint, under which every statement's journal release walked
 * the in-memory statement journal of the whole batch (temp_store=MEMORY) and a batch of 1 000
 * cost twice the CPU of 100. Without it, 1 000 rows per commit cost less than 100 (fewer commits,
 * each page of an index written to the WAL once for more rows); other writers wait for at most
 * one batch (a few hundred milliseconds). */
#define IMPORT_BATCH 1000

/* Starts the worker and queues the jobs a stopped server left. 0 or -1. */
int import_job_start(const char *data_dir);
/* Stops the worker after the batch in progress (the job stays running in the table, and is taken
 * up again at the next start). */
void import_job_stop(void);
/* Queues job id (recorded as queued, its file in place). 0, or -1 when out of memory. */
int import_job_submit(int64_t id);
/* The paths of a job's file and report under data_dir. */
void import_job_file_path(const char *data_dir, int64_t id, const char *kind, char *out, size_t n);
void import_job_report_path(const char *data_dir, int64_t id, char *out, size_t n);

#endif
