-- Migration of historical complaints from a bank's old system (issue 15 item 5,
-- docs/integration/import.md). A complaint brought in by an import keeps the old system's number
-- as its complaint_no and in legacy_no, the import key: a second run of the same file finds every
-- key and imports nothing new. legacy_handler keeps the old system's handler as written (an fcms
-- account of that name, when there is one, is also set as handler_id); import_job_id names the job.
ALTER TABLE complaints ADD COLUMN legacy_no TEXT;
ALTER TABLE complaints ADD COLUMN legacy_handler TEXT;
ALTER TABLE complaints ADD COLUMN import_job_id INTEGER;
CREATE UNIQUE INDEX complaints_legacy_no ON complaints(legacy_no) WHERE legacy_no IS NOT NULL;
-- Column mappings, saved per source system under a name: columns maps an fcms import field
-- (legacy_no, received_at, ...) to the header of the file's column, as JSON.
CREATE TABLE import_mappings (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL DEFAULT '',     -- the old system this mapping reads (free text)
  columns TEXT NOT NULL,               -- JSON object {field: header}
  created_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Import jobs: a dry run (validation only) or an import. The file is kept under DATA/imports/
-- until the job finishes; rows_done is the checkpoint committed with each batch, so a job that a
-- stopped server left running is taken up again from there at the next start.
CREATE TABLE import_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  mode TEXT NOT NULL CHECK (mode IN ('dry_run', 'import')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  user_id INTEGER NOT NULL,
  mapping_id INTEGER NOT NULL,
  columns TEXT NOT NULL,               -- the mapping as it was when the job started
  file_name TEXT NOT NULL,             -- as uploaded, for display
  file_kind TEXT NOT NULL,             -- csv | xlsx
  file_sha256 TEXT NOT NULL,
  file_size INTEGER NOT NULL,
  send_to_regulator INTEGER NOT NULL DEFAULT 0,
  rows_total INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_ok INTEGER NOT NULL DEFAULT 0,       -- valid (dry run) or imported now (import)
  rows_bad INTEGER NOT NULL DEFAULT 0,
  rows_skipped INTEGER NOT NULL DEFAULT 0,  -- already imported earlier (same legacy_no)
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX import_jobs_user ON import_jobs(user_id, id);
CREATE TABLE import_row_errors (
  job_id INTEGER NOT NULL,
  row_no INTEGER NOT NULL,             -- the file's row number (header is row 1)
  legacy_no TEXT NOT NULL DEFAULT '',
  column_name TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  PRIMARY KEY (job_id, row_no)
);
