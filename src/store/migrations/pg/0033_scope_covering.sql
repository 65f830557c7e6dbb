-- A branch's list read from index entries alone (issue 13; as sqlite/0036). The data scope
-- written as one condition "(subtree OR own registrations OR own handling)" was read by a
-- BitmapOr of complaints_org_path, complaints_registrar_path and complaints_handler_path, then
-- one table page per complaint of the scope for the filters and the sort key: a city branch's
-- page 17,000 buffers, a province's 73,000 (pg_stat_statements and auto_explain in the working
-- day at 1M; complaints arrive in time order, so a branch's rows lie on as many pages as they
-- are many). A scope small enough to drive now reads this index alone (scope_union in
-- src/store/complaint_list.c): it carries every column the list's filters, the data scope and
-- both sort orders read, as complaints_received does since 0032. Same name and leading columns:
-- every query that used it still does.
DROP INDEX complaints_org_path;
CREATE INDEX complaints_org_path ON complaints(org_path, received_at, id) INCLUDE (status, handling_org_id,
  registrar_id, handler_id, complained_org_id, source_channel, business_channel_code, business_type_code,
  cause_code, region_code, tags, rights, merged_into, deadline_state, due_at);
-- Index-only scans read the table for every entry on a page not marked all-visible; with the
-- default thresholds autovacuum marks the complaints' pages after 20% of the table changed
-- (200,000 rows at 1M: days of work), and a quarter of the pages were unmarked in the working
-- day. Vacuumed after 0.5% instead (5,000 rows at 1M), which also marks the newest pages; and
-- analysed after 2% (default 10%): the open work's share moves within a day, and with the
-- statistics of the day before the planner took a bitmap and a table page per item for the
-- reviewers' to-do (150 ms) where the open-work index alone serves it (25 ms after ANALYZE).
ALTER TABLE complaints SET (autovacuum_vacuum_scale_factor = 0.005, autovacuum_vacuum_insert_scale_factor = 0.005,
  autovacuum_analyze_scale_factor = 0.02);
