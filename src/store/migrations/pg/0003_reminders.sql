-- The last reminder stage sent for a complaint's current due time (due_soon | overdue), so the
-- deadline watch reminds once per stage; cleared when the due time moves.
ALTER TABLE complaints ADD COLUMN reminded TEXT;
