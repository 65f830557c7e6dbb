-- 投诉明细报表 exports run as background jobs (src/report/ledger_export.c). The instance running a
-- job keeps it in memory and beats heartbeat_at (with rows_done) every few seconds; a job whose
-- heartbeat stopped (its server stopped or died) is marked failed by whichever instance looks
-- next. Finished jobs keep their filters and final state for status requests and downloads.
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
  heartbeat_at INTEGER,                 -- last sign of life of the instance running it
  finished_at INTEGER,
  expired_at INTEGER                  -- the file was removed (24 h after finishing)
);
CREATE INDEX report_exports_status ON report_exports(status);
