-- A branch's list read from index entries alone (issue 13, SQLite). A scope small enough to
-- drive its page (a sub-branch, a city branch, an institution's own) was read through
-- complaints_org_path and then each complaint's table row, for the sort key and the filters:
-- 2,800 table reads for a sub-branch's page and again for its count, each a read from the file
-- under writes. This index carries every column the list's filters, the data scope and both
-- sort orders read (as complaints_received does since 0032), so the scope's part of the page
-- (scope_union in src/store/complaint_list.c) never touches the table. Same name and leading
-- columns: every query that used it still does.
DROP INDEX complaints_org_path;
CREATE INDEX complaints_org_path ON complaints(org_path, received_at, id, status, handling_org_id, registrar_id,
  handler_id, complained_org_id, source_channel, business_channel_code, business_type_code, cause_code,
  region_code, tags, rights, merged_into, deadline_state, due_at);
