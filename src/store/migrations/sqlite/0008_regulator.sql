-- 监管报送: the transactional outbox of submissions to the regulator, one row per complaint event
-- (written in the same transaction as the change), every delivery attempt, and the sync alerts.
-- Leases (lease_owner, lease_until) keep two instances from delivering the same row at once.
CREATE TABLE regulator_submissions (
  id INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  complaint_no TEXT NOT NULL,
  seq INTEGER NOT NULL,                 -- event sequence within the complaint, from 1
  idem_key TEXT NOT NULL UNIQUE,        -- complaint_no ":" seq
  event TEXT NOT NULL,                  -- registered updated replied closed withdrawn deleted reopened sync
  payload TEXT NOT NULL,                -- the record (docs/regulator.md), compact JSON
  status TEXT NOT NULL DEFAULT 'pending', -- pending sent failed rejected
  released INTEGER NOT NULL DEFAULT 1,  -- 0 while held for a scheduled or manual run
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  batch_id TEXT,                        -- dir transport: the batch awaiting its receipt
  receipt_no TEXT,
  reject_codes TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  UNIQUE (complaint_id, seq)
);
CREATE INDEX regulator_submissions_due ON regulator_submissions(status, next_attempt_at);
CREATE INDEX regulator_submissions_created ON regulator_submissions(created_at);
CREATE INDEX regulator_submissions_batch ON regulator_submissions(batch_id);
CREATE TABLE regulator_attempts (
  id INTEGER PRIMARY KEY,
  submission_id INTEGER NOT NULL REFERENCES regulator_submissions(id),
  at INTEGER NOT NULL,
  instance TEXT NOT NULL,
  transport TEXT NOT NULL,
  outcome TEXT NOT NULL,                -- accepted rejected error written
  detail TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regulator_attempts_submission ON regulator_attempts(submission_id);
CREATE TABLE regulator_alerts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,                   -- consecutive_failures pending_age rejection missed_run
  scope_key TEXT NOT NULL,              -- '' or the complaint number a rejection concerns
  message TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  cleared_at INTEGER
);
CREATE UNIQUE INDEX regulator_alerts_open ON regulator_alerts(kind, scope_key) WHERE cleared_at IS NULL;
ALTER TABLE complaints ADD COLUMN regulator_receipt_no TEXT;
ALTER TABLE complaints ADD COLUMN sync_error TEXT;
ALTER TABLE complaints ADD COLUMN synced_at INTEGER;
