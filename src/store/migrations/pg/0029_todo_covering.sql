-- The to-do read from open-work indexes alone (issue 13). Its arms read the complaint rows for
-- the kind's columns and its counts joined every item back to complaints for the deadline state:
-- 17,000 row lookups for the head office's reviewer at 1M (0.1 s idle, 0.4-0.7 s under the
-- working-day load, every call). These indexes carry every column the to-do reads (scope, kind,
-- due date, deadline state), so an arm and its counts never touch the table. Same names as
-- migration 0016's (SQLite's twin, 0031, is named by INDEXED BY), columns appended; the WHERE
-- is STATUS_UNFINISHED_SQL verbatim (tests/unit/domain/test_status.c checks it).
DROP INDEX IF EXISTS complaints_open_path;
CREATE INDEX complaints_open_path ON complaints(org_path, due_at, status, pending, handler_id, handling_org_id, registrar_id, deadline_state)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
DROP INDEX IF EXISTS complaints_open_due;
CREATE INDEX complaints_open_due ON complaints(due_at, status, pending, handler_id, handling_org_id, registrar_id, org_path, reminded, deadline_state)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
DROP INDEX IF EXISTS complaints_open_org;
CREATE INDEX complaints_open_org ON complaints(handling_org_id, status, handler_id, due_at, pending, org_path, registrar_id, deadline_state)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
-- A handler's own open cases (the to-do's first arm read them through complaints_handler, rows
-- and all, closed ones skipped by status).
CREATE INDEX complaints_open_handler ON complaints(handler_id, status, pending, due_at, handling_org_id, org_path, registrar_id, deadline_state)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
