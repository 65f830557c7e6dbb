-- The to-do of the head office's reviewers, callback staff and approvers (issue 13, SQLite): their
-- arm of the to-do (store/complaints.c, todo_union) reads the work waiting for a review, a
-- callback or an approval across the bank. Through complaints_open_due it read every open
-- complaint (88,000 entries at 1M after a working day, 22 ms of CPU for each to-do of a reviewer;
-- the two reviewers' to-dos were a tenth of the server's CPU under the working day), though only
-- a third of them waits for these roles. This index holds only that third. The to-do's arm
-- repeats the WHERE term below word for word, so that SQLite may use the partial index.
CREATE INDEX complaints_open_review ON complaints(due_at, status, pending, handler_id, handling_org_id, org_path,
  registrar_id, deadline_state)
  WHERE status IN ('reviewing', 'replied') OR pending IS NOT NULL;
