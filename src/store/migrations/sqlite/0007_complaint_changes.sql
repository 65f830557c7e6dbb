-- Every committed change to a complaint, in commit order, so the in-memory report index of each
-- running server (src/report/facts.c) catches up with exactly what changed since it last looked.
-- complaint_id 0 means "anything may have changed" (written after a bulk load): reload all.
CREATE TABLE complaint_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_id INTEGER NOT NULL
);
CREATE TRIGGER complaints_changed_insert AFTER INSERT ON complaints BEGIN
  INSERT INTO complaint_changes (complaint_id) VALUES (new.id);
END;
CREATE TRIGGER complaints_changed_update AFTER UPDATE ON complaints BEGIN
  INSERT INTO complaint_changes (complaint_id) VALUES (new.id);
END;
INSERT INTO complaint_changes (complaint_id) VALUES (0);
