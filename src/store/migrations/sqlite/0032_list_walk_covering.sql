-- The list's walks read index entries only (issue 13, SQLite). A page without a status and
-- without a selective filter walks the order's index (complaints_received, or complaints_due for
-- sort=due) and tests each complaint against the filters until the page is full: for a
-- sub-branch's cause, a tag or a business code that is thousands of complaints, each one a read
-- of its table row. Under writes every read transaction starts with an empty page cache (WAL),
-- so each row cost a read from the file: 0.2-0.7 s per page at 1M, 0.3-1 s p50 under the
-- working-day load. These two indexes carry every column the list's filters and the data scope
-- test (complaint_where in src/store/complaint_list.c), so a walk reads ~30 entries per page of
-- the index instead of one table page per complaint. Same names, same leading columns: every
-- query that used them still does; the id follows the order's columns, as the order's last term
-- (otherwise every run of equal dates would be sorted again by id).
DROP INDEX complaints_received;
CREATE INDEX complaints_received ON complaints(received_at, id, status, org_path, handling_org_id, registrar_id,
  handler_id, complained_org_id, source_channel, business_channel_code, business_type_code, cause_code,
  region_code, tags, rights, merged_into, deadline_state, due_at);
DROP INDEX complaints_due;
CREATE INDEX complaints_due ON complaints(due_at IS NULL, due_at, id, status, org_path, handling_org_id, registrar_id,
  handler_id, complained_org_id, source_channel, business_channel_code, business_type_code, cause_code,
  region_code, tags, rights, merged_into, deadline_state, received_at);
