-- The full-text index is kept in bulk rather than row by row (SQLite only). Each FTS5 write
-- transaction adds a segment that later merges cost rewriting, so indexing a new complaint in
-- its own registration transaction made that index the main cost of creating one. New
-- complaints now wait in complaint_text_queue; the server indexes them in batches a fraction
-- of a second later (store_text_index_catch_up), and searches read the few still waiting
-- directly, so a search never misses one.
CREATE TABLE complaint_text_queue (complaint_id INTEGER PRIMARY KEY);
DROP TRIGGER complaints_fts_insert;
CREATE TRIGGER complaints_fts_insert AFTER INSERT ON complaints BEGIN
  INSERT OR IGNORE INTO complaint_text_queue (complaint_id) VALUES (new.id);
END;
-- A complaint still waiting has nothing in the index to replace: it is indexed as it is then.
DROP TRIGGER complaints_fts_update;
CREATE TRIGGER complaints_fts_update AFTER UPDATE OF content, demand ON complaints
WHEN NOT EXISTS (SELECT 1 FROM complaint_text_queue WHERE complaint_id = old.id) BEGIN
  INSERT INTO complaints_fts(complaints_fts, rowid, content, demand) VALUES ('delete', old.id, old.content, old.demand);
  INSERT INTO complaints_fts(rowid, content, demand) VALUES (new.id, new.content, new.demand);
END;
