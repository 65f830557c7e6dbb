-- The list sorted by deadline (sort=due: "ORDER BY c.due_at IS NULL, c.due_at, c.id") walks this
-- index in order and stops at the page's LIMIT (issue 13). Without it every sort=due request
-- sorted all the complaints of its scope: 3–6 s at 1M for any user, even a sub-branch's.
-- The rowid (c.id) ends every index entry, so the order's last term is served too.
CREATE INDEX complaints_due ON complaints(due_at IS NULL, due_at);
-- With a status, the walk seeks that status's complaints in deadline order.
CREATE INDEX complaints_status_due ON complaints(status, due_at IS NULL, due_at);
