-- A two-character search ("年费", "盗刷", "吞卡") on PostgreSQL (issue 13; SQLite has its bigram
-- FTS5 index, migration sqlite/0034). pg_trgm cannot serve a pattern shorter than three
-- characters, so "ILIKE '%年费%'" read every complaint: 9 s per count and 3 s per page at 1M, the
-- largest share of PostgreSQL's slow statements in the working day. This index holds each
-- complaint's distinct two-character pieces of its text, case-folded as ILIKE folds them; the
-- list asks "fcms_bigrams(lower(text)) @> ARRAY[lower(q)]" beside a substring test of the text
-- (src/store/complaint_list.c, where_text).
CREATE FUNCTION fcms_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT ARRAY(SELECT DISTINCT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i) $$;
CREATE INDEX complaints_text_bigram ON complaints USING gin (fcms_bigrams(lower(content || ' ' || demand)));
