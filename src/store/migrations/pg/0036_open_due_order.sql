-- Open work in deadline order from index entries alone (issue 13; SQLite walks complaints_open_due
-- for it, open_walk_fits in src/store/complaint_list.c). A list of open complaints by deadline
-- ("open=true&sort=due", a handler's everyday view) walked complaints_due in the list's order,
-- which holds the bank's closed complaints first (older deadlines): 26,000 buffers per page at
-- the head office in the working day at 1M. This partial index holds only open work, in the
-- list's order and with every column its filters and data scope test (as complaints_due, 0032).
CREATE INDEX complaints_open_due_order ON complaints((due_at IS NULL), due_at, id) INCLUDE (status, org_path,
  handling_org_id, registrar_id, handler_id, complained_org_id, source_channel, business_channel_code,
  business_type_code, cause_code, region_code, tags, rights, merged_into, deadline_state, received_at)
  WHERE status IN ('draft', 'registered', 'processing', 'reviewing', 'replied');
