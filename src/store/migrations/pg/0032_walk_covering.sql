-- The list's walks read index entries only (issue 13; as sqlite/0032). A page whose filters no
-- index serves (a code, a channel, a region, a tag, a right, the counting rule) walks the order's
-- index (complaints_received, or complaints_due for sort=due) and tests each complaint until the
-- page is full: on PostgreSQL a heap fetch per entry, 12,000 buffer reads per page on average in
-- the working day at 1M and up to 107,000 in deadline order (pg_stat_statements), the largest
-- share of PostgreSQL's work. These carry every column the filters and the data scope test
-- (complaint_where in src/store/complaint_list.c) as INCLUDE columns: an index-only scan tests
-- them in the index (the visibility map covers all but the newest pages). Same names, same
-- leading columns, and the id after the order's column: the tie-break no longer sorts.
DROP INDEX complaints_received;
CREATE INDEX complaints_received ON complaints(received_at, id) INCLUDE (status, org_path, handling_org_id,
  registrar_id, handler_id, complained_org_id, source_channel, business_channel_code, business_type_code,
  cause_code, region_code, tags, rights, merged_into, deadline_state, due_at);
DROP INDEX complaints_due;
CREATE INDEX complaints_due ON complaints((due_at IS NULL), due_at, id) INCLUDE (status, org_path, handling_org_id,
  registrar_id, handler_id, complained_org_id, source_channel, business_channel_code, business_type_code,
  cause_code, region_code, tags, rights, merged_into, deadline_state, received_at);
