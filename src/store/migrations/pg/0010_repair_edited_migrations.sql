-- Migration 0009 was edited after databases had applied it: report_exports gained heartbeat_at
-- and its index was renamed report_exports_open -> report_exports_status. A database migrated
-- before that edit lacks both. This brings either shape to the same schema.
-- Migrations are frozen from here on: src/store/migrations/SHA256SUMS, tests/unit/test_migrations.c.
ALTER TABLE report_exports ADD COLUMN IF NOT EXISTS heartbeat_at BIGINT;
ALTER INDEX IF EXISTS report_exports_open RENAME TO report_exports_status;
