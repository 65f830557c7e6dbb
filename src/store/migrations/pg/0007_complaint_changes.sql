-- Every committed change to a complaint, in commit order, so the in-memory report index of each
-- running server (src/report/facts.c) catches up with exactly what changed since it last looked.
-- complaint_id 0 means "anything may have changed" (written after a bulk load): reload all.
-- Sequence numbers come from a locked head row, not a SEQUENCE: a transaction takes its number
-- only after the previous holder committed, so numbers are visible in commit order and a reader
-- that has seen number n has seen every change before it (a SEQUENCE could leave a gap that
-- fills in later, and the change would be missed).
CREATE TABLE complaint_changes (
  seq BIGINT PRIMARY KEY,
  complaint_id BIGINT NOT NULL
);
CREATE TABLE complaint_change_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL
);
INSERT INTO complaint_change_head VALUES (1, 1);
INSERT INTO complaint_changes VALUES (1, 0);
CREATE FUNCTION complaint_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s BIGINT;
BEGIN
  UPDATE complaint_change_head SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO s;
  INSERT INTO complaint_changes VALUES (s, NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER complaints_changed AFTER INSERT OR UPDATE ON complaints
  FOR EACH ROW EXECUTE FUNCTION complaint_changed();
