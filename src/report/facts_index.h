/* The report index's columns and the helpers its three files share: facts.c (loading and
 * catching up), facts_snapshot.c (the copy on disk) and facts_scan.c (counting). Not for use
 * outside src/report/facts*.c: everyone else goes through facts.h and its locks. */
#ifndef FCMS_FACTS_INDEX_H
#define FCMS_FACTS_INDEX_H
#include "report/facts.h"
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NDAYS 65536 /* day numbers fit in 16 bits: 1970 .. 2149 */

enum {
	F_COUNTED = 1 << 0, F_CLOSED = 1 << 1, F_ON_TIME = 1 << 2, F_OVERDUE = 1 << 3, F_OPEN = 1 << 4,
	F_DUE_SOON = 1 << 5, F_CALLBACK = 1 << 6, F_SATISFIED = 1 << 7, F_REPEAT = 1 << 8,
	F_LISTED = 1 << 9, /* not deleted */
	F_RESTARTED = 1 << 10 /* the handling period was restarted after new facts (approved) */
};

/* Interned text values: index 0 is "". Open addressing over indexes; keys never move. */
struct dict {
	char **keys;
	uint32_t n, cap;
	uint32_t *slots; /* index + 1, 0 = empty */
	uint32_t nslots;
};

/* The rows holding one value of a listed dimension (a scope institution, a registrar, a
 * handler), in the order they took it: a branch's or a person's scan reads them instead of every
 * row of the days asked (facts_value_rows.c). */
#define ROW_GONE UINT32_MAX /* the row took another value */
struct value_rows {
	uint32_t *rows;
	uint32_t n, cap, live; /* entries, room, entries not ROW_GONE */
};
/* The dimensions with row lists: FD_SCOPE_ORG, FD_REGISTRAR, FD_HANDLER (facts_listed_dim). */
enum { LISTED_DIMS = 3 };
struct dim_rows {
	struct value_rows *of; /* by value; len of them */
	uint32_t len;
	uint32_t *pos; /* row -> its place in its value's list, ROW_GONE: in none */
	uint32_t pos_cap;
};

/* The index: one instance per process. */
struct facts_index {
	pthread_rwlock_t lock;
	pthread_mutex_t sync_mu; /* one catch-up at a time */
	bool loaded;
	int64_t seq;             /* last change applied */
	int64_t pruned_at;       /* the change log was pruned below this */
	uint32_t n, cap;         /* rows */
	uint16_t *day;
	uint8_t *hour;
	uint16_t *flags;
	uint16_t *handling; /* tenths of a day, closed ones */
	int64_t *comp;
	/* The deadline (due_at, epoch ms; DUE_LAST without one) and the complaint id of each row:
	 * the list's deadline order (util/due_order.h), (due_at IS NULL, due_at, id), is found here (facts_due_page). */
	int64_t *due;
	uint32_t *id; /* ids are below row_of_len, at most UINT32_MAX */
	uint16_t *dv[FD_NDICT];
	uint32_t *row_of; /* complaint id → row + 1 */
	int64_t row_of_len;
	uint32_t *day_lo, *day_hi; /* rows holding each day lie in [lo, hi) */
	int32_t max_day;           /* no row holds a later day (a bound: not lowered when rows change) */
	struct dim_rows listed[LISTED_DIMS]; /* row lists by value, facts_listed_dim's order */
	struct dict dicts[FD_NDICT];
	pthread_t loader;
	bool loader_running;
	/* The periodic snapshot (facts_sync starts it): its thread, whether one runs (taken with an
	 * atomic exchange), the change position and time of the newest snapshot written. */
	pthread_t snapper;
	bool snapper_started; /* under sync_mu: a thread to join */
	bool snapping;
	int64_t snap_seq, snap_at_ms;
	bool oom; /* a dictionary could not grow: the load fails and is redone next time */
	bool ready;              /* loaded and caught up once (read without the locks: atomics) */
	enum facts_source source; /* where the last full load came from */
	char snap_path[1024];    /* "" = no snapshot */
	int64_t fp_id, fp_created; /* store_facts_fingerprint() of the database last loaded */
};
extern struct facts_index facts_index;
/* The three files name the index F. */
#define F facts_index

/* realloc, or abort when out of memory (the index cannot stay half-grown). */
void *facts_grow(void *p, size_t elem, uint32_t cap);
/* The value index of text (NULL or "" → 0), added when new; 0 also when the dictionary is full,
 * and when out of memory (F.oom set: the load in progress fails). Under the write lock. */
uint16_t facts_dict_intern(struct dict *t, const char *text);
/* Frees the rows and the dictionaries: the index is empty (F.loaded false). */
void facts_drop_all(void);
/* Which row lists dim has: 0..LISTED_DIMS-1, or -1 for none. */
int facts_listed_dim(enum fact_dim dim);
/* Row i's value of dim (a listed dimension) becomes v; its column is set here: the row leaves its
 * old value's list and joins v's. For another dimension only the column is set. Under the write
 * lock; aborts when out of memory. */
void facts_set_value(enum fact_dim dim, uint32_t i, uint16_t v);
/* Empties every list (the rows are gone: clear_all). */
void facts_value_rows_reset(void);
/* Builds the lists from the columns for rows [0, F.n) (after a snapshot load). */
void facts_value_rows_rebuild(void);
/* Frees the lists (facts_stop). */
void facts_value_rows_free(void);
/* The rows holding value v of listed dimension dim, or NULL when none ever did. Under the read
 * lock. */
const struct value_rows *facts_value_rows(enum fact_dim dim, uint32_t v);

/* Loads the snapshot into the (empty) index, under the write lock. 0 when it was taken, -1 when
 * it was absent or refused (logged; the index is left empty). Checks the database against it. */
int facts_snapshot_load(struct db *d);

#endif
