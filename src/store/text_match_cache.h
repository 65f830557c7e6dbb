/* The full-text index's matches of recent searches, kept between requests (issue 13):
 * a search's exact count reads the id of every match of its text (254,000 for a common word at
 * 1M, 9 ms), though between two searches the index only gains new complaints' ids above the
 * largest it held. An entry is valid for the database and the count of edited texts it was
 * read with (migration sqlite/0039: complaint_text_edits); the caller reads the tail above the
 * entry's last id. One cache per process, shared by the read workers, bounded in entries and
 * ids; a miss only costs the full read. On PostgreSQL the version is the complaint change log's
 * position (migration pg/0007) the ids were read at: the caller tests again the complaints
 * changed since (store_complaint_text_ids). */
#ifndef FCMS_TEXT_MATCH_CACHE_H
#define FCMS_TEXT_MATCH_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most ids one entry keeps: a text matching more is read again for every search. */
#define TEXT_MATCH_ENTRY_IDS_MAX ((size_t)2 * 1000 * 1000)

/* The version of the index an entry is valid for (complaint_text_edits' row). */
struct text_match_version {
	char token[40];
	int64_t edits;
};

/* When key (the index's name and the MATCH text) is kept for v: a copy of its ascending ids into
 * *ids (malloc'd, the caller frees; *cap its room), *n their number, and true. False on a miss
 * or when out of memory (nothing allocated). Thread-safe. */
bool text_match_cache_get(const char *key, const struct text_match_version *v, int64_t **ids, size_t *n,
			  size_t *cap);

/* PostgreSQL: as text_match_cache_get for the entry kept for key with v->token, whatever count it
 * was kept with, which comes in v->edits (there: the change-log position its ids were read at,
 * store_changes_head). False on a miss (an entry of another token is dropped). Thread-safe. */
bool text_match_cache_get_any(const char *key, struct text_match_version *v, int64_t **ids, size_t *n, size_t *cap);

/* Keeps a copy of ids[0..n) (ascending, the index's matches only) for key and v, replacing what
 * was kept for key; too long a key or too many ids are not kept. Thread-safe; may run twice. */
void text_match_cache_put(const char *key, const struct text_match_version *v, const int64_t *ids, size_t n);

/* PostgreSQL: one full read of a text's matches at a time per process (one of a common word
 * reads the whole table, 1-2 s at 1M): true when the caller may read (then it calls
 * text_match_cache_end_read when done, whatever the outcome), false while another read is under
 * way (the caller searches another way). Thread-safe. */
bool text_match_cache_claim_read(void);
void text_match_cache_end_read(void);

/* Empties the cache (tests). */
void text_match_cache_clear(void);

#endif
