-- The to-do of the head office's reviewers, callback staff and approvers (issue 13; as
-- sqlite/0038): their arm (todo_union in src/store/complaints.c) reads the open work waiting for
-- a review, a callback or an approval across the bank, a third of the open work. This partial
-- index holds only that work and every column the arm reads (the id too, see 0034); the arm
-- repeats its WHERE word for word.
CREATE INDEX complaints_open_review ON complaints(due_at, status, pending, handler_id, handling_org_id, org_path,
  registrar_id, deadline_state) INCLUDE (id)
  WHERE status IN ('reviewing', 'replied') OR pending IS NOT NULL;
