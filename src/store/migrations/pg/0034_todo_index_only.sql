-- The to-do read from index entries alone on PostgreSQL too (issue 13). Migration 0029 gave the
-- open-work indexes every column the to-do's arms read but the complaint's id, which SQLite keeps
-- in every index entry and PostgreSQL does not: each arm still read a table page per item (an
-- Index Scan, never an Index Only Scan). The head office's reviewers, callback staff and
-- approvers were the worst: their arm (todo_union in src/store/complaints.c) ORed
-- complaints_status_due's reviews with all of complaints_open_org (pending is not a leading
-- column there), 6,800 buffers and ~95 ms idle for a reviewer's 8,000 items at 1M, every call.
-- Same names and columns as 0029, the id added (the reviewers' own index: 0035).
DROP INDEX complaints_open_path;
CREATE INDEX complaints_open_path ON complaints(org_path, due_at, status, pending, handler_id, handling_org_id, registrar_id, deadline_state)
  INCLUDE (id) WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
DROP INDEX complaints_open_due;
CREATE INDEX complaints_open_due ON complaints(due_at, status, pending, handler_id, handling_org_id, registrar_id, org_path, reminded, deadline_state)
  INCLUDE (id) WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
DROP INDEX complaints_open_org;
CREATE INDEX complaints_open_org ON complaints(handling_org_id, status, handler_id, due_at, pending, org_path, registrar_id, deadline_state)
  INCLUDE (id) WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
DROP INDEX complaints_open_handler;
CREATE INDEX complaints_open_handler ON complaints(handler_id, status, pending, due_at, handling_org_id, org_path, registrar_id, deadline_state)
  INCLUDE (id) WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
