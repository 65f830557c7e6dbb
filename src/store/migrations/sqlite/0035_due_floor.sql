-- The list sorted by deadline over a date range (sort=due with from=, issue 13) walks the deadline
-- index from the first deadline a complaint received in the range can have: the range's start
-- plus the smallest (due_at - received_at) of any complaint, kept here by triggers. Deadlines
-- follow receipt (15 days and more), but an import takes due_at as given, so the gap is measured,
-- not assumed. Without a bound the walk passed every older complaint (0.6-2 s at 1M for the last
-- year's closed complaints in deadline order), and sorting the range's matches was no better.
-- The floor only ever goes down: a complaint whose dates move later leaves it lower than needed,
-- never higher, so the bound is always safe.
CREATE TABLE complaint_due_floor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  min_gap INTEGER NOT NULL -- ms; the smallest due_at - received_at of any complaint
);
INSERT INTO complaint_due_floor (id, min_gap)
  SELECT 1, COALESCE(MIN(due_at - received_at), 0) FROM complaints
  WHERE due_at IS NOT NULL AND received_at IS NOT NULL;
CREATE TRIGGER complaints_due_floor_insert AFTER INSERT ON complaints
  WHEN new.due_at - new.received_at < (SELECT min_gap FROM complaint_due_floor WHERE id = 1) BEGIN
  UPDATE complaint_due_floor SET min_gap = new.due_at - new.received_at WHERE id = 1;
END;
CREATE TRIGGER complaints_due_floor_update AFTER UPDATE OF due_at, received_at ON complaints
  WHEN new.due_at - new.received_at < (SELECT min_gap FROM complaint_due_floor WHERE id = 1) BEGIN
  UPDATE complaint_due_floor SET min_gap = new.due_at - new.received_at WHERE id = 1;
END;
