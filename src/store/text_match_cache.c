/* The full-text matches kept between searches: see text_match_cache.h. A handful of entries,
 * the least recently used replaced; the ids of all entries together stay under a bound. */
#include "store/text_match_cache.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES 64 /* the searches of a working day: a bank's common words and names */
#define KEY_MAX 640                  /* an index name and the longest MATCH text (600 bytes) */
#define IDS_MAX (4 * TEXT_MATCH_ENTRY_IDS_MAX) /* all entries: 64 MB at most */

struct entry {
	char key[KEY_MAX];
	struct text_match_version v;
	int64_t *ids;
	size_t n;
	uint64_t used; /* the tick of its last use; 0 = free */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry cache[ENTRIES];
static uint64_t tick;
static size_t ids_kept;

static bool same_version(const struct text_match_version *a, const struct text_match_version *b)
{
	return a->edits == b->edits && strcmp(a->token, b->token) == 0;
}

static struct entry *find(const char *key)
{
	for (size_t i = 0; i < ENTRIES; i++)
		if (cache[i].used && strcmp(cache[i].key, key) == 0)
			return &cache[i];
	return NULL;
}

static void drop(struct entry *e)
{
	ids_kept -= e->n;
	free(e->ids);
	memset(e, 0, sizeof *e);
}

/* The entry for key kept with v's token, and with its change count unless any_edits (then it
 * comes in v->edits): a copy as text_match_cache_get gives it. */
static bool get_entry(const char *key, struct text_match_version *v, bool any_edits, int64_t **ids, size_t *n,
		      size_t *cap)
{
	bool hit = false;
	pthread_mutex_lock(&mu);
	struct entry *e = find(key);
	if (e && (any_edits ? strcmp(e->v.token, v->token) != 0 : !same_version(&e->v, v))) {
		drop(e); /* read with another database or before an edit: never valid again */
		e = NULL;
	}
	if (e) {
		size_t room = e->n + e->n / 8 + 64; /* the tail of new matches fits */
		int64_t *copy = malloc(room * sizeof *copy);
		if (copy) {
			memcpy(copy, e->ids, e->n * sizeof *copy);
			*ids = copy;
			*n = e->n;
			*cap = room;
			v->edits = e->v.edits;
			e->used = ++tick;
			hit = true;
		}
	}
	pthread_mutex_unlock(&mu);
	return hit;
}

bool text_match_cache_get(const char *key, const struct text_match_version *v, int64_t **ids, size_t *n,
			  size_t *cap)
{
	struct text_match_version asked = *v;
	return get_entry(key, &asked, false, ids, n, cap);
}

bool text_match_cache_get_any(const char *key, struct text_match_version *v, int64_t **ids, size_t *n, size_t *cap)
{
	return get_entry(key, v, true, ids, n, cap);
}

void text_match_cache_put(const char *key, const struct text_match_version *v, const int64_t *ids, size_t n)
{
	if (strlen(key) >= KEY_MAX || n > TEXT_MATCH_ENTRY_IDS_MAX)
		return;
	int64_t *copy = malloc((n ? n : 1) * sizeof *copy);
	if (!copy)
		return;
	if (n)
		memcpy(copy, ids, n * sizeof *copy);
	pthread_mutex_lock(&mu);
	struct entry *e = find(key);
	if (e)
		drop(e);
	/* Room: the least recently used entries go until the ids fit and an entry is free. */
	for (;;) {
		struct entry *free_one = NULL, *oldest = NULL;
		for (size_t i = 0; i < ENTRIES; i++) {
			if (!cache[i].used)
				free_one = free_one ? free_one : &cache[i];
			else if (!oldest || cache[i].used < oldest->used)
				oldest = &cache[i];
		}
		if (free_one && ids_kept + n <= IDS_MAX) {
			e = free_one;
			break;
		}
		drop(oldest); /* oldest is set: not every entry is free, or the ids would fit */
	}
	snprintf(e->key, sizeof e->key, "%s", key);
	e->v = *v;
	e->ids = copy;
	e->n = n;
	e->used = ++tick;
	ids_kept += n;
	pthread_mutex_unlock(&mu);
}

static bool reading; /* under mu: a full read is under way (text_match_cache_claim_read) */

bool text_match_cache_claim_read(void)
{
	pthread_mutex_lock(&mu);
	bool claimed = !reading;
	reading = true;
	pthread_mutex_unlock(&mu);
	return claimed;
}

void text_match_cache_end_read(void)
{
	pthread_mutex_lock(&mu);
	reading = false;
	pthread_mutex_unlock(&mu);
}

void text_match_cache_clear(void)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ENTRIES; i++)
		if (cache[i].used)
			drop(&cache[i]);
	pthread_mutex_unlock(&mu);
}
