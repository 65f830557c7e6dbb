/* The report index: every complaint's statistical facts held in memory as columns, kept current
 * from the database's change log (complaint_changes), scanned by the reports.
 *
 * Each running server keeps its own copy. Before answering, a report calls facts_sync(), which
 * reads the changes committed since the last look (one indexed query, usually empty) and applies
 * them; so a report always counts every committed change, also those made by other instances
 * sharing a PostgreSQL database. Values of text dimensions (codes, channels, institutions) are
 * interned into small integers; value 0 always means "not filled in".
 *
 * Locking: facts_sync() takes the write lock while it applies changes. Readers call
 * facts_read_lock(), then facts_dict_*() and facts_scan(), then facts_read_unlock(). */
#ifndef FCMS_FACTS_H
#define FCMS_FACTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Dimensions with a dictionary of values. FD_RIGHT's and FD_TAG's columns are bit sets (bit k =
 * value k+1: the first 16 values have a bit; items past them are not recorded). */
enum fact_dim {
	FD_SCOPE_ORG,      /* handling (or registering) institution id: the data scope */
	FD_COMPLAINED_ORG, /* complained institution id */
	FD_REGION,         /* GB/T 2260 code */
	FD_A,              /* business channel code */
	FD_B,              /* business type code */
	FD_C,              /* cause code */
	FD_CHANNEL,        /* source channel */
	FD_STATUS,
	FD_RIGHT, /* basic rights (R codes) */
	FD_TAG,   /* the complaint's tags (regulator, repeat, media, ...) */
	FD_REGISTRAR, /* registering user id */
	FD_HANDLER,   /* handling user id ("" while unassigned) */
	FD_NDICT,
	/* group keys computed from other columns */
	FD_DAY = FD_NDICT, /* received day, relative to the query's from_day */
	FD_HOUR,           /* hour of day received (0..23) */
	FD_NONE
};

/* Measures of a group. */
struct fact_agg {
	uint32_t count;     /* complaints */
	uint32_t closed;    /* status closed */
	uint32_t on_time;   /* closed, replied no later than the deadline that applied */
	uint32_t overdue;   /* open past the deadline, or closed but replied after it */
	uint32_t open;      /* registered, processing, reviewing or replied */
	uint32_t due_soon;  /* open and near the deadline */
	uint32_t open_overdue; /* open and past the deadline */
	uint32_t callbacks; /* with a callback satisfaction */
	uint32_t satisfied; /* satisfied or basically satisfied */
	uint32_t repeats;   /* repeat complaints */
	uint32_t clock_restarted; /* whose handling period was restarted after new facts; on_time and
				   * overdue measure them against the restarted deadline, so this count
				   * is shown beside them (issue 11 M4) */
	uint64_t handling_tenths; /* sum over closed ones of (reply - receipt) in tenths of a day */
	int64_t compensation_fen;
};

/* Which complaints a query considers. */
enum fact_rows {
	FR_COUNTED, /* the reports' rule: registered, not deleted, not merged into another */
	FR_LISTED,  /* the complaint list's default: everything but deleted (drafts too) */
	FR_ALL
};

/* What to count and how to group it. */
struct fact_query {
	enum fact_rows rows;
	int32_t from_day, to_day; /* received day numbers, inclusive (facts_day()) */
	/* Per dictionary dimension: a table indexed by value (length facts_dict_size() under the
	 * same read lock) with 1 for the values to keep, or NULL for any. */
	const uint8_t *sel[FD_NDICT];
	/* Flags every row must have beyond the rows' rule (F_OPEN: open work), and for the bit-set
	 * dimensions the bits of which a row must hold at least one (0: any row). */
	uint16_t need_flags, any_right, any_tag;
	/* A data scope's "or the caller's own" (store/scope_sql.h): with own, a row outside
	 * sel[FD_SCOPE_ORG] still passes when its FD_REGISTRAR value is own_registrar or its
	 * FD_HANDLER value is own_handler (0: the caller holds none). Set by facts_own_values. */
	bool own;
	uint16_t own_registrar, own_handler;
	enum fact_dim group, group2; /* group2 = FD_NONE for one dimension */
	/* Optional value → group index maps for dictionary dimensions (e.g. county → province);
	 * without one the value index is the group index. */
	const uint32_t *map, *map2;
	uint32_t ngroups, ngroups2; /* sizes of the two group axes */
};

/* Starts loading every complaint in a background thread (serve). Reports wait for it. 0 or -1. */
int facts_start(void);
/* Waits for the loader and frees everything (after the HTTP server stopped). */
void facts_stop(void);
/* Applies every change committed since the last call (the first call loads everything).
 * Returns 0, or a negative store status. */
int facts_sync(struct db *d);

void facts_read_lock(void);
void facts_read_unlock(void);
/* The bits of a bit-set dimension (FD_RIGHT, FD_TAG) whose value equals text into *bits (0
 * when no row holds it). False when the index cannot say: the text is longer than an item it
 * records, the value has no bit (past the 16th), or another value differs from it only in ASCII
 * case (SQLite's LIKE would match both, PostgreSQL's one). Under the read lock. */
bool facts_item_bits(enum fact_dim dim, const char *text, uint16_t *bits);
/* The received hours holding the newest want complaints q matches (a list page's, newest
 * received first), as day * 24 + hour of the day (local time): true with [*first, *last] when the
 * want newest matches all lie in those hours and no match lies after *last; false when the index
 * cannot say it cheaply (fewer matches than want, or spread over more than a year). The rows are
 * read newest registered first until the days down to the want-th match are complete (every row
 * holding them read). Under the read lock. */
bool facts_page_hours(const struct fact_query *q, uint64_t want, int32_t *first, int32_t *last);
/* The values of user user_id in FD_REGISTRAR and FD_HANDLER into q (own set): false when the
 * index cannot tell a person's complaints (a dictionary of people is full: 65,535 values). Under
 * the read lock. */
bool facts_own_values(int64_t user_id, struct fact_query *q);
/* The flag an open complaint's index row carries (for fact_query.need_flags). */
uint16_t facts_open_flag(void);
/* Number of values of a dictionary dimension, value 0 included. Under the read lock. */
uint32_t facts_dict_size(enum fact_dim dim);
/* The text of a value (borrowed, lives until facts_stop); "" for value 0. Under the read lock. */
const char *facts_dict_key(enum fact_dim dim, uint32_t value);
/* Counts the facts matching q into groups (ngroups * ngroups2 entries, key = g1 * ngroups2 + g2,
 * zeroed by the caller) and *total (every match once, also for FD_RIGHT). Under the read lock. */
void facts_scan(const struct fact_query *q, struct fact_agg *groups, struct fact_agg *total);

/* Like facts_scan without groups, over the complaints ids[0..n) only (ascending; ids the index
 * does not hold are left out). With newest, the last want matching ids also go there, highest
 * first (*got of them). Under the read lock. */
void facts_scan_ids(const struct fact_query *q, const int64_t *ids, size_t n, struct fact_agg *total, int64_t *newest,
		    size_t want, size_t *got);
/* The first want matches of q in the complaint list's deadline order (due_at, those without one
 * last, then id) into ids[0..*got), in that order, and the number of matches into *matches (as
 * facts_scan's total count). False when out of memory. Under the read lock. */
bool facts_due_page(const struct fact_query *q, size_t want, int64_t *ids, size_t *got, uint64_t *matches);
/* Day number (days since 1970-01-01 in China time) of an epoch-ms instant, and back to yyyymmdd. */
int32_t facts_day(int64_t ms);
int32_t facts_day_ymd(int32_t day);
int32_t facts_ymd_day(int32_t ymd);

/* Scans of at least this many rows run on two threads (default 1,000,000; tests lower it). */
void facts_set_split_rows(uint32_t rows);

/* Adds every measure of a to *to. */
void facts_agg_merge(struct fact_agg *to, const struct fact_agg *a);

/* ---- the snapshot: restart in seconds ----
 * The index is kept on disk (path, normally DATA_DIR/report-index.snap): versioned, checksummed
 * (SHA-256), with the change-log position it covers and the database's fingerprint. The first
 * facts_sync() after a start reads it and catches up from that position; it is ignored and the
 * index rebuilt from the database when it is absent, truncated, corrupt, of another version or
 * database, newer than the database's change log, or older than the oldest change kept. It is
 * written (temp file + fsync + rename + fsync of the directory) after a rebuild by the loader, by
 * facts_stop(), and in the background once the index has applied FACTS_SNAPSHOT_EVERY changes
 * past the last one written and FACTS_SNAPSHOT_GAP_MS have passed: a crash leaves a recent one,
 * which catches up a bounded number of changes (the change log keeps 200,000). Two instances sharing a data dir write the same file in turns. */
enum facts_source { FACTS_EMPTY, FACTS_FROM_DATABASE, FACTS_FROM_SNAPSHOT };
/* Sets the snapshot's path (copied; NULL or "" turns snapshots off). Call before facts_start(). */
void facts_set_snapshot_path(const char *path);
#define FACTS_SNAPSHOT_EVERY 20000
#define FACTS_SNAPSHOT_GAP_MS (10 * 60 * 1000)
/* Overrides the periodic snapshot's thresholds (tests; changes <= 0 turns it off). */
void facts_snapshot_every(int64_t changes, int64_t gap_ms);
/* Writes the index as it stands now (takes the read lock). 0, or -1 (logged) when nothing was
 * loaded, no path is set or the write failed (the previous snapshot is kept). */
int facts_snapshot_write(void);
/* Where the index's last full load came from. */
enum facts_source facts_source(void);
/* True once the index is loaded and caught up: callers that must not wait for the load (the
 * list's total) fall back to SQL while it is false. Never blocks. */
bool facts_ready(void);

#endif
