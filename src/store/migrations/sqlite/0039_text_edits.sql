-- What a search may keep of the full-text index between requests (issue 13, SQLite). A search's
-- exact count reads the ids of every match of its text (store_complaint_text_ids: 254,000 for
-- "信用卡" at 1M, 9 ms per search, an eighth of the server's CPU under the working day). New
-- complaints only add ids above the largest indexed, which a search reads as a tail; an edited
-- text replaces a complaint's entries anywhere. This row says which database the kept ids come
-- from (token) and how many texts were edited since it began (edits): a server keeps a text's
-- ids with both and reads them again when either differs.
--
-- The trigger now fires only when a text really changes: a complaint's record is written whole
-- (store/complaint_record.c), so every assignment, reply and approval "updated" content and
-- demand, and rewrote the complaint's entries in both full-text indexes (four FTS5 writes per
-- workflow step; 7,774 in one minute of the working day).
CREATE TABLE complaint_text_edits (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  token TEXT NOT NULL,
  edits INTEGER NOT NULL
);
INSERT INTO complaint_text_edits (id, token, edits) VALUES (1, lower(hex(randomblob(16))), 0);
DROP TRIGGER complaints_fts_update;
CREATE TRIGGER complaints_fts_update AFTER UPDATE OF content, demand ON complaints
WHEN (old.content IS NOT new.content OR old.demand IS NOT new.demand)
  AND NOT EXISTS (SELECT 1 FROM complaint_text_queue WHERE complaint_id = old.id) BEGIN
  INSERT INTO complaints_fts(complaints_fts, rowid, content, demand) VALUES ('delete', old.id, old.content, old.demand);
  INSERT INTO complaints_fts(rowid, content, demand) VALUES (new.id, new.content, new.demand);
  INSERT INTO complaints_bigram(complaints_bigram, rowid, content, demand) VALUES ('delete', old.id, old.content, old.demand);
  INSERT INTO complaints_bigram(rowid, content, demand) VALUES (new.id, new.content, new.demand);
  UPDATE complaint_text_edits SET edits = edits + 1 WHERE id = 1;
END;
