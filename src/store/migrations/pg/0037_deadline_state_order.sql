-- A deadline state's complaints in deadline order from index entries alone (issue 13). A list of
-- "overdue" or "due soon" complaints by deadline (deadline_state=...&sort=due) read every
-- complaint of that state in the bank through complaints_deadline_due (deadline_state, due_at),
-- a table page each for the data scope, and sorted them: 11,000 buffers and 560 ms a page in
-- the working day at 1M. The index now holds the list's order after the state, and every column
-- its filters and data scope test (as complaints_open_due_order, 0036), so a page is the first
-- entries of the state that pass them.
DROP INDEX complaints_deadline_due;
CREATE INDEX complaints_deadline_due ON complaints(deadline_state, (due_at IS NULL), due_at, id) INCLUDE (status,
  org_path, handling_org_id, registrar_id, handler_id, complained_org_id, source_channel, business_channel_code,
  business_type_code, cause_code, region_code, tags, rights, merged_into, received_at);
