-- 投诉明细报表 exports run as background jobs (src/report/ledger_export.c). The worker keeps
-- progress in memory; this table holds each job's filters and final state, so a restart can
-- mark the jobs it was running as failed and a status request still finds finished jobs.
CREATE TABLE report_exports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  filters TEXT NOT NULL,              -- the request's filters as JSON
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_total INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  file_name TEXT,                     -- under DATA/exports/
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  expired_at INTEGER                  -- the file was removed (24 h after finishing)
);
CREATE INDEX report_exports_open ON report_exports(status);
