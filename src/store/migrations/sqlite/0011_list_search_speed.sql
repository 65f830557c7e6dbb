-- Search and list speed at a million complaints and more (bench/complaints.sh), SQLite only.
--
-- 1. The span of complaint ids received on each day (UTC day of received_at), kept by triggers.
--    A full-text search limited to dates reads only the index entries whose ids can hold a
--    complaint received in the range (FTS5 takes rowid bounds) instead of every match of the
--    fragment. A complaint whose receipt date is edited widens its new day's span; the old
--    day's span may stay wider than needed, never narrower, so the bounds are always safe.
CREATE TABLE complaint_received_days (
  day INTEGER PRIMARY KEY,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL
);
INSERT INTO complaint_received_days (day, first_id, last_id)
  SELECT received_at / 86400000, MIN(id), MAX(id) FROM complaints WHERE received_at IS NOT NULL GROUP BY 1;
CREATE TRIGGER complaints_days_insert AFTER INSERT ON complaints WHEN new.received_at IS NOT NULL BEGIN
  INSERT INTO complaint_received_days (day, first_id, last_id) VALUES (new.received_at / 86400000, new.id, new.id)
  ON CONFLICT (day) DO UPDATE SET first_id = MIN(first_id, excluded.first_id), last_id = MAX(last_id, excluded.last_id);
END;
CREATE TRIGGER complaints_days_update AFTER UPDATE OF received_at ON complaints WHEN new.received_at IS NOT NULL BEGIN
  INSERT INTO complaint_received_days (day, first_id, last_id) VALUES (new.received_at / 86400000, new.id, new.id)
  ON CONFLICT (day) DO UPDATE SET first_id = MIN(first_id, excluded.first_id), last_id = MAX(last_id, excluded.last_id);
END;
-- 2. The deadline lists (overdue / due soon, soonest due first) count and page from the index
--    alone: it carries every column their filters and the data scope test.
DROP INDEX complaints_deadline_due;
CREATE INDEX complaints_deadline_due ON complaints(deadline_state, due_at, status, org_path, registrar_id, handler_id);
-- 3. Where a bulk load (seed-demo) keeps the definitions of the complaint indexes it drops while
--    loading, until it creates them again (store_bulk_load_begin / _end).
CREATE TABLE bulk_load_indexes (
  name TEXT PRIMARY KEY,
  sql TEXT NOT NULL
);
