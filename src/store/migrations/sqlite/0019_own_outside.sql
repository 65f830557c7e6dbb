-- A subtree user's list also shows their own complaints (registered or handled) outside the
-- subtree (issue 13). The report index counts the subtree; these indexes find the own rows on
-- either side of the subtree's org_path range by two seeks each, without reading the user's
-- complaints inside it (a city branch's handler has tens of thousands).
CREATE INDEX complaints_handler_path ON complaints(handler_id, org_path);
CREATE INDEX complaints_registrar_path ON complaints(registrar_id, org_path);
