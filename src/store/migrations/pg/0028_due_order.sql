-- The list sorted by deadline (sort=due: "ORDER BY c.due_at IS NULL, c.due_at, c.id") walks this
-- index in order and stops at the page's LIMIT (issue 13), instead of sorting every complaint of
-- the caller's scope.
CREATE INDEX complaints_due ON complaints((due_at IS NULL), due_at, id);
-- With a status, the walk seeks that status's complaints in deadline order.
CREATE INDEX complaints_status_due ON complaints(status, (due_at IS NULL), due_at, id);
