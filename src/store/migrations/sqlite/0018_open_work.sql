-- Open work (issue 13). The to-do, the queues and the deadline watch touch only unfinished
-- complaints (drafts and the open statuses: a few % of the table); these partial indexes hold
-- only those rows, so a branch reads its own open rows and the head office walks the open set
-- soonest due first, never the whole table. The WHERE is STATUS_UNFINISHED_SQL of
-- src/domain/status.h item for item: SQLite uses a partial index only for a query that holds the
-- same term (tests/unit/test_status.c checks both).
-- By institution subtree, carrying what the to-do tests (scope, kind, due date).
CREATE INDEX complaints_open_path ON complaints(org_path, due_at, status, pending, handler_id, handling_org_id, registrar_id)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
-- Soonest due first over all open work: the head office's to-do and the deadline watch.
CREATE INDEX complaints_open_due ON complaints(due_at, status, pending, handler_id, handling_org_id, registrar_id, org_path, reminded)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
-- An institution's own queue (data scope "org").
CREATE INDEX complaints_open_org ON complaints(handling_org_id, status, handler_id, due_at)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
