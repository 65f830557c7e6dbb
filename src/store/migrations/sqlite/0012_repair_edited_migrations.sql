-- Two landed migrations were edited after databases had applied them: 0009 gained
-- report_exports.heartbeat_at (and its index was renamed report_exports_open -> _status), 0011
-- gained bulk_load_indexes. A database migrated before those edits lacks them. This migration
-- brings both shapes to the same schema. SQLite has no ADD COLUMN IF NOT EXISTS, so
-- report_exports is rebuilt from the columns both shapes share; heartbeat_at starts empty (it
-- only matters while a job runs, and no job runs while migrations do).
-- Migrations are frozen from here on: src/store/migrations/SHA256SUMS, tests/unit/test_migrations.c.
CREATE TABLE IF NOT EXISTS bulk_load_indexes (
  name TEXT PRIMARY KEY,
  sql TEXT NOT NULL
);
CREATE TABLE report_exports_rebuilt (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  filters TEXT NOT NULL,              -- the request's filters as JSON
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  rows_done INTEGER NOT NULL DEFAULT 0,
  rows_total INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  file_name TEXT,                     -- under DATA/exports/
  created_at INTEGER NOT NULL,
  heartbeat_at INTEGER,               -- last sign of life of the instance running it
  finished_at INTEGER,
  expired_at INTEGER                  -- the file was removed (24 h after finishing)
);
INSERT INTO report_exports_rebuilt (id, user_id, filters, status, rows_done, rows_total, error,
                                    file_name, created_at, finished_at, expired_at)
  SELECT id, user_id, filters, status, rows_done, rows_total, error, file_name, created_at,
         finished_at, expired_at FROM report_exports;
DROP TABLE report_exports;
ALTER TABLE report_exports_rebuilt RENAME TO report_exports;
CREATE INDEX report_exports_status ON report_exports(status);
