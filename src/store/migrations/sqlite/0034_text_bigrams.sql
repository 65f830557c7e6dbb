-- Searches of two characters from an index (issue 13, SQLite). The trigram index finds three
-- characters or more; "年费", "盗刷", "吞卡" scanned every complaint of the range instead (0.3 s for
-- the head office's half year at 1M, 1.1 s for all of it). complaints_bigram indexes every two
-- consecutive characters (the fcms_bigram tokenizer, src/store/fts_bigram.c, registered on every
-- connection) and serves the two-character searches; complaints_fts keeps the longer ones. It is
-- kept like complaints_fts: new complaints through complaint_text_queue (store_text_index_catch_up),
-- an edited text by the trigger below.
CREATE VIRTUAL TABLE complaints_bigram USING fts5(content, demand, content='complaints',
  content_rowid='id', tokenize='fcms_bigram');
INSERT INTO complaints_bigram(complaints_bigram, rank) VALUES ('hashsize', 67108864);
INSERT INTO complaints_bigram(complaints_bigram) VALUES ('rebuild');
INSERT INTO complaints_bigram(complaints_bigram, rank) VALUES ('hashsize', 1048576);
-- Complaints still waiting are indexed by the catch-up, not here (they were never in complaints_fts
-- either); 'rebuild' indexed them already: the catch-up's insert of the same rowid would add them
-- twice, so they leave the bigram index now and the catch-up adds them back.
INSERT INTO complaints_bigram(complaints_bigram, rowid, content, demand)
  SELECT 'delete', c.id, c.content, c.demand FROM complaint_text_queue t CROSS JOIN complaints c ON c.id = t.complaint_id;
DROP TRIGGER complaints_fts_update;
CREATE TRIGGER complaints_fts_update AFTER UPDATE OF content, demand ON complaints
WHEN NOT EXISTS (SELECT 1 FROM complaint_text_queue WHERE complaint_id = old.id) BEGIN
  INSERT INTO complaints_fts(complaints_fts, rowid, content, demand) VALUES ('delete', old.id, old.content, old.demand);
  INSERT INTO complaints_fts(rowid, content, demand) VALUES (new.id, new.content, new.demand);
  INSERT INTO complaints_bigram(complaints_bigram, rowid, content, demand) VALUES ('delete', old.id, old.content, old.demand);
  INSERT INTO complaints_bigram(rowid, content, demand) VALUES (new.id, new.content, new.demand);
END;
