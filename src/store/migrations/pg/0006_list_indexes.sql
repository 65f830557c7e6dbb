-- Complaint lists at millions of rows: newest first within a status, and counts of a status
-- within an institution subtree answered from the index alone.
CREATE INDEX complaints_status_received ON complaints(status, received_at);
CREATE INDEX complaints_status_org ON complaints(status, org_path);
-- Overdue and due-soon lists, soonest first.
CREATE INDEX complaints_deadline_due ON complaints(deadline_state, due_at);
