/* The store: the database behind fcms. This header lists every query the server makes; the SQL
 * lives in the store/ source files next to these functions, written once with `?` placeholders for
 * both backends. Reads that feed replies return jansson objects whose keys are the API's field
 * names (the store does not build HTTP replies; the API layer decides what to send).
 *
 * Return values follow db.h: DB_OK (0) or a row count >= 0; negative on failure
 * (DB_SOFT retry, DB_CONSTRAINT uniqueness, DB_HARD). "found" functions return 1 / 0. */
#ifndef FCMS_STORE_H
#define FCMS_STORE_H
#include "store/db.h"
#include "store/scope_filter.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- connections ---- */
/* Remembers the database URL for store_conn(). Call once before threads start. */
int store_init(const char *url);
/* This thread's connection, opened on first use and closed when the thread exits.
 * Borrowed; NULL when the database cannot be reached. */
struct db *store_conn(void);
/* Closes the calling thread's connection (main thread at shutdown). */
void store_release_thread(void);
/* Write transactions. With SQLite, store_writer_start() runs a writer thread that commits the
 * transactions of all callers in batches (group commit: one fsync per batch); store_write()
 * hands it fn and waits until the batch committed. Same contract as db_tx(fn, ctx): 0 after the
 * commit, a positive refusal, or a negative status. Without a writer (PostgreSQL, command-line
 * tools) it runs db_tx on the caller's connection. fn must use only the connection it is given. */
int store_writer_start(const char *url);
void store_writer_stop(void);
int store_write(db_tx_fn fn, void *ctx);
/* store_write for a large body (an import batch of a thousand rows): on SQLite it runs in a
 * transaction of its own without the per-body SAVEPOINT, so it waits for the batch before it
 * and the next batch waits for it. Under a savepoint every statement's journal release walks
 * the journal the whole body wrote so far (temp_store=MEMORY), which made the cost of a body
 * grow with the square of its size. A refusal or error rolls back the transaction, which is
 * only this body's. Same contract and results as store_write. */
int store_write_alone(db_tx_fn fn, void *ctx);
void store_writer_stats(long *batches, long *jobs);

/* Applies pending migrations (numbered, each in its own transaction). Returns DB_OK. */
int store_migrate(struct db *d);
/* Bulk loading (seed-demo): on SQLite the full-text index is not updated row by row (FTS5 syncs
 * its pending data at every statement savepoint, so per-row inserts get slower as it grows) but
 * rebuilt in one pass at the end; on both backends the per-row change records (complaint_changes)
 * are suspended and one "reload everything" mark is written at the end. */
int store_bulk_load_begin(struct db *d);
int store_bulk_load_end(struct db *d);
/* Indexes for full-text search up to max_rows of the complaints waiting in
 * complaint_text_queue (SQLite, migration 0010), oldest first, inside the caller's write
 * transaction; *indexed is how many. PostgreSQL indexes as it writes: nothing to do there.
 * Returns DB_OK or a negative status. */
int store_text_index_catch_up(struct db *d, int64_t max_rows, int64_t *indexed);
/* A thread that indexes waiting complaints (store_text_index_catch_up) every 200 ms through
 * store_write; SQLite only (start returns 0 and does nothing for PostgreSQL). Start after
 * store_writer_start, stop before store_writer_stop. Start returns 0 or -1. */
int store_text_index_start(const char *url);
void store_text_index_stop(void);
/* Refreshes the query planner's statistics (SQLite: a sampled ANALYZE, run at every start and
 * after bulk loads; PostgreSQL's autovacuum does this by itself). */
int store_optimize(struct db *d);
/* Current schema version (0 when empty). */
int store_schema_version(struct db *d, int64_t *version);

/* "%q%" with LIKE wildcards in q escaped by backslash, for `LIKE ? ESCAPE '\'`: a search for
 * "50%" means the text "50%". */
void store_like_pattern(char *out, size_t n, const char *q);

/* ---- report facts: the complaint columns the statistics need, and the change log ---- */
/* Row callback for the fact loaders: called once per complaint row with the columns in
 * FACT_COLUMNS order (see store/report_facts.c); return non-zero to stop. */
typedef int (*store_fact_row_fn)(struct db_res *row, void *ctx);
/* The newest change sequence number (0 when none). */
int store_changes_head(struct db *d, int64_t *seq);
/* The oldest change still kept (0 when none). */
int store_changes_oldest(struct db *d, int64_t *seq);
/* Forgets the changes numbered below below_seq (a write; run it through store_write). */
int store_changes_prune(struct db *d, int64_t below_seq);
/* Which database this is, for the report index's snapshot: the first complaint's id and creation
 * time (0, 0 when none). A snapshot taken of another database (a restore, a recreated test
 * database) differs here. */
int store_facts_fingerprint(struct db *d, int64_t *first_id, int64_t *first_created);
/* Every complaint, in id order, read in chunks of ids (no statement's result is held whole: libpq
 * keeps all of it in memory). fn returning non-zero stops it. */
int store_facts_all(struct db *d, store_fact_row_fn fn, void *ctx);
/* Complaints changed after seq, in change order (a complaint may come more than once; the
 * column after the FACT_COLUMNS is the change's seq, and a row with id 0 means "reload all"). */
int store_facts_changed(struct db *d, int64_t after_seq, store_fact_row_fn fn, void *ctx);
/* Institutions (id, parent_id, path, name, fin_code, depth, sort), regions (code, name, parent,
 * level) and code-table nodes (dimension, code, parent, level, name, sort: the newest version of
 * each code) for the report trees. Caller owns *items. */
int store_report_orgs(struct db *d, json_t **items);
/* The institutions (id, path) whose path starts with prefix, or equals it with exact: the few a
 * list's count selects, through institutions_path (the whole catalogue cost a fifth of a
 * branch's list request). Caller owns *items. */
int store_report_org_paths(struct db *d, const char *prefix, bool exact, json_t **items);
int store_report_regions(struct db *d, json_t **items);
int store_report_codes(struct db *d, json_t **items);

/* ---- settings (key/value text) ---- */
/* Copies the value into buf; returns 1 when set, 0 when absent. */
int store_setting_get(struct db *d, const char *key, char *buf, int buflen);
int store_setting_set(struct db *d, const char *key, const char *value);

/* ---- institutions ---- */
struct org_fields {
	const char *name, *internal_code, *fin_code, *region_code, *type, *address, *status;
	int64_t sort;
	bool has_sort;
};
/* Returns 1 and the institution in *out (caller owns), or 0 when not found. */
int store_org_get(struct db *d, int64_t id, json_t **out);
/* Institutions inside the scope, optionally filtered by q (name or code) and status. */
int store_org_list(struct db *d, const struct scope_filter *sf, const char *q, const char *status,
		   json_t **items);
/* Inserts under parent (0 = root). *id set on success. DB_CONSTRAINT on a duplicate code. */
int store_org_insert(struct db *d, int64_t parent_id, const struct org_fields *f, int64_t now,
		     int64_t *id);
/* Updates the fields that are non-NULL (and sort when has_sort). */
int store_org_update(struct db *d, int64_t id, const struct org_fields *f, int64_t now);
/* Moves id (and its subtree) under new_parent. The caller checked it is not a descendant. */
int store_org_move(struct db *d, int64_t id, int64_t new_parent, int64_t now);
int store_org_delete(struct db *d, int64_t id);
/* Counts what keeps an institution from being deleted. */
int store_org_dependents(struct db *d, int64_t id, int64_t *children, int64_t *users);
/* The root institution's id: 1 found, 0 when there is none yet. */
int store_org_root_id(struct db *d, int64_t *id);

/* ---- roles ---- */
int store_role_list(struct db *d, json_t **items);
int store_role_get(struct db *d, int64_t id, json_t **out);
int store_role_insert(struct db *d, const char *code, const char *name, const char *description,
		      const char *permissions, const char *scope, bool builtin, const char *sanyuan,
		      int64_t now, int64_t *id);
/* Updates non-NULL fields. */
int store_role_update(struct db *d, int64_t id, const char *name, const char *description,
		      const char *permissions, const char *scope, int64_t now);
/* Deletes the role and any links to it (of closed accounts). */
int store_role_delete(struct db *d, int64_t id);
int store_role_user_count(struct db *d, int64_t id, int64_t *count);
/* Service accounts (any status) that hold the role. */
int store_role_service_holders(struct db *d, int64_t id, int64_t *count);
/* Role id by code; 1 found, 0 not. */
int store_role_id(struct db *d, const char *code, int64_t *id);

/* ---- users ---- */
struct user_filter {
	const char *q;      /* username or name contains */
	int64_t org_id;     /* subtree of this institution; 0 = any */
	int64_t role_id;    /* 0 = any */
	const char *status; /* NULL = any */
	int64_t limit, offset;
};
/* Users within the scope, with roles; *total counts all matches. */
int store_user_list(struct db *d, const struct scope_filter *sf, const struct user_filter *f,
		    json_t **items, int64_t *total);
/* One user with "roles" (array of {id, code, name, permissions, data_scope, sanyuan}) and
 * "org_path"; 1 found, 0 not. */
int store_user_get(struct db *d, int64_t id, json_t **out);
struct user_auth {
	int64_t id, org_id, failed_attempts, locked_until, password_changed_at;
	char status[16];
	char password_hash[160];
	char lock_reason[16];
	bool is_service, must_change_password;
};
/* Credentials and lock state by username; 1 found, 0 not. */
int store_user_auth(struct db *d, const char *username, struct user_auth *out);
int store_user_auth_by_id(struct db *d, int64_t id, struct user_auth *out);
int store_user_insert(struct db *d, const char *username, const char *name, int64_t org_id,
		      const char *phone, const char *email, const char *password_hash,
		      bool is_service, int64_t now, int64_t *id);
int store_user_update(struct db *d, int64_t id, const char *name, int64_t org_id,
		      const char *phone, const char *email, int64_t now);
int store_user_set_roles(struct db *d, int64_t id, const int64_t *role_ids, int n);
int store_user_set_status(struct db *d, int64_t id, const char *status, int64_t now);
/* Sets the failure counter and lock (locked_until 0 = unlocked). Unlocking also clears the
 * account's per-source failure locks (login_failures). */
int store_user_set_lock(struct db *d, int64_t id, int64_t failed, int64_t locked_until,
			const char *reason, int64_t now);
/* Failed sign-ins of one user name from one source (login_failures, migration 0017): 1 with
 * *failures and *locked_until (0 = not locked) and *last_at, 0 when none are recorded. */
int store_login_failures_get(struct db *d, const char *username, const char *source,
			     int64_t *failures, int64_t *locked_until, int64_t *last_at);
/* Records the new count and lock of (username, source) and drops rows idle since before
 * forget_before. */
int store_login_failures_set(struct db *d, const char *username, const char *source,
			     int64_t failures, int64_t locked_until, int64_t now, int64_t forget_before);
/* Forgets the failures of (username, source) after a successful sign-in. */
int store_login_failures_clear(struct db *d, const char *username, const char *source);
/* Failures from one source over every user name since `since` (password spraying). */
int store_login_failures_of_source(struct db *d, const char *source, int64_t since, int64_t *failures);
int store_user_login_ok(struct db *d, int64_t id, int64_t now);
/* Sets or clears "must change the password before anything else". */
int store_user_set_must_change(struct db *d, int64_t id, bool must_change);
/* Stores a new password hash (also into the history); must_change marks a one-time password. */
int store_user_set_password(struct db *d, int64_t id, const char *hash, bool must_change,
			    int64_t now);
/* Sets users.activation_hash: NULL (no activation asked), "" (asked, no code issued yet) or
 * the SHA-256 hex of an issued activation code. */
int store_user_set_activation(struct db *d, int64_t id, const char *hash);
/* 1 when the user's password may be replaced only with an activation code (hash into hash[65],
 * "" when no code has been issued yet), 0 when not (or no such user), or a negative status. */
int store_user_activation(struct db *d, int64_t id, char hash[65]);
/* Accounts other than except_user (any status) holding a role with this 三员 label. */
int store_sanyuan_holders(struct db *d, const char *kind, int64_t except_user, int64_t *count);
/* The last n password hashes, newest first, as a JSON array of strings. */
int store_password_history(struct db *d, int64_t id, int n, json_t **hashes);
/* Roles by id with their 三员 kinds ("sys"/"sec"/"audit"/NULL) and permission text: JSON array
 * of {id, sanyuan, permissions}; ids not found are left out. */
int store_roles_by_ids(struct db *d, const int64_t *ids, int n, json_t **out);

/* ---- principals: sessions and tokens ---- */
/* A signed-in user as the store holds it: the account and its institution, and for a session
 * its CSRF token and times. domain/principal.c builds a struct principal from it and the user's
 * role rows. */
struct store_identity {
	int64_t user_id, org_id;
	char username[64], name[128], org_path[512];
	bool must_change_password;
	char csrf[64];                    /* sessions only */
	int64_t created_at, last_seen_at; /* sessions only */
};
/* Called once per role row: its permission codes (space-separated text, as stored) and its data
 * scope as enum data_scope (unknown scope codes read as SCOPE_SELF). */
typedef void (*store_role_fn)(void *ctx, const char *permissions, int scope);
/* The active account user_id into *id, and each of its roles through fn. 1 found, 0 not (or
 * not active). */
int store_identity_load(struct db *d, int64_t user_id, struct store_identity *id, store_role_fn fn,
			void *ctx);
/* Session by hash joined with its user (active accounts only) into *id; the union of the user's
 * roles comes through fn in one call (all permission codes, the widest scope). 1 found, 0 not. */
int store_session_identity(struct db *d, const char *id_hash, struct store_identity *id,
			   store_role_fn fn, void *ctx);
int store_session_insert(struct db *d, const char *id_hash, int64_t user_id, const char *csrf,
			 const char *ip, int64_t now);
int store_session_touch(struct db *d, const char *id_hash, int64_t now);
int store_session_delete(struct db *d, const char *id_hash);
int store_session_delete_user(struct db *d, int64_t user_id);
/* Ends every session of the user except keep_hash (after a password change). */
int store_session_delete_others(struct db *d, int64_t user_id, const char *keep_hash);
int store_token_insert(struct db *d, int64_t user_id, const char *name, const char *hash,
		       const char *prefix, int64_t created_by, int64_t now, int64_t expires_at,
		       int64_t *id);
/* User id and last use (0 when never) of a live (not revoked, not expired) token hash; 1 found,
 * 0 not. */
int store_token_user(struct db *d, const char *hash, int64_t now, int64_t *user_id, int64_t *last_used_at);
/* Records the token's last use (at most once a minute). */
/* Sets last_used_at to now unless it was set less than a minute ago (a write). */
int store_token_touch(struct db *d, const char *hash, int64_t now);
int store_token_list(struct db *d, int64_t user_id, json_t **items);
/* Token row {id, user_id, name, revoked_at}; 1 found, 0 not. */
int store_token_get(struct db *d, int64_t id, json_t **out);
int store_token_revoke(struct db *d, int64_t id, int64_t now);

/* ---- base data: codes, dictionaries, regions, calendar ---- */
/* Codes of a dimension (NULL = all) in force on on_date (YYYY-MM-DD), or every version when
 * on_date is NULL. */
int store_codes_list(struct db *d, const char *dimension, const char *on_date, json_t **items);
/* 1 when the code is in force on date (and *leaf tells whether it has no children in force). */
int store_code_in_force(struct db *d, const char *dimension, const char *code, const char *date,
			bool *leaf);
int store_code_get(struct db *d, int64_t id, json_t **out);
/* Inserts or updates the row keyed by (dimension, code, valid_from). */
int store_code_upsert(struct db *d, json_t *row, int64_t now, bool *inserted);
int store_codes_count(struct db *d, int64_t *n);
int store_dict_list(struct db *d, const char *kind, json_t **items);
int store_dict_get(struct db *d, const char *kind, const char *code, json_t **out);
int store_dict_upsert(struct db *d, const char *kind, const char *code, const char *name, int64_t sort,
		      bool enabled, const char *attrs, int64_t now);
/* Provinces (parent NULL) or the children of a region. */
int store_regions_list(struct db *d, const char *parent, json_t **items);
int store_region_get(struct db *d, const char *code, json_t **out);
/* Every region {code, name, parent, level}, ordered by code (a few thousand rows). */
int store_regions_all(struct db *d, json_t **items);
int store_region_insert(struct db *d, const char *code, const char *name, const char *parent, int level);
int store_regions_count(struct db *d, int64_t *n);
int store_calendar_list(struct db *d, int year, json_t **items);
int store_calendar_set(struct db *d, int32_t day, const char *kind, const char *note, int64_t now);
int store_calendar_delete(struct db *d, int32_t day);
/* The whole calendar, sorted, for the deadline engine. Free with store_calendar_free. */
struct calendar_data {
	int32_t *holidays, *workdays;
	size_t nholidays, nworkdays;
};
int store_calendar_load(struct db *d, struct calendar_data *out);
void store_calendar_free(struct calendar_data *c);
/* How many times store_calendar_load ran in this process (tests: the calendar is loaded once
 * per recomputation, not per complaint). */
long store_calendar_loads(void);

/* ---- complaints ---- */
/* One complaint: every column plus complained_org_name, handling_org_name, handler_name,
 * registrar_name, registrar_org_name, complained_org_path. 1 found, 0 not. */
int store_complaint_get(struct db *d, int64_t id, json_t **out);
/* Up to limit complaints whose deadline clock runs (registered, processing, reviewing) with id
 * above after_id, by id: every column, as store_complaint_save wants them. Keyset paging. */
int store_complaints_counting_after(struct db *d, int64_t after_id, int64_t limit, json_t **items);
/* Inserts obj (complaint_no, registrar_id, registrar_org_id, created_at, updated_at and the saved
 * columns); *id set. */
int store_complaint_insert(struct db *d, json_t *obj, int64_t *id);
/* Writes every saved column of obj where the row still has expected_version. Returns the rows
 * changed: 0 means somebody else changed it first. */
int store_complaint_save(struct db *d, json_t *obj, int64_t expected_version);
/* Next sequence number for a complaint-number prefix. */
int store_complaint_next_no(struct db *d, const char *prefix, int64_t *seq);
/* The latest other non-draft complaint of the same complainant (by blind index) received since
 * `since`: 1 with *repeat_id, 0 none. */
int store_complaint_find_repeat(struct db *d, const char *id_no_bidx, const char *phone_bidx,
				int64_t since, int64_t exclude_id, int64_t *repeat_id);
/* Complaints that name the institution (complained, handling or registering). */
int store_complaint_org_count(struct db *d, int64_t org_id, int64_t *n);
int store_pauses_list(struct db *d, int64_t complaint_id, json_t **items);
int store_pause_start(struct db *d, int64_t complaint_id, int64_t now, const char *reason);
int store_pause_end(struct db *d, int64_t complaint_id, int64_t now);

struct complaint_filter {
	const char *status;         /* NULL: every status but deleted */
	int64_t from, to;           /* received_at range, epoch ms; 0 = open */
	const char *org_path;       /* handling institution subtree */
	const char *q;              /* number, complainant name (exact, by blind index), or text */
	const char *name_bidx;      /* blind index of q taken as a name */
	/* The same value's index in the other blind-index family, or the same pointer (pii.h): rows
	 * sealed under either crypto profile match while a rotation moves them. */
	const char *name_bidx_alt, *id_no_bidx_alt, *phone_bidx_alt;
	const char *complaint_no;   /* number prefix */
	const char *source_channel;
	const char *business_channel_code, *business_type_code, *cause_code; /* code prefixes */
	const char *tag;
	const char *deadline_state; /* on_time | due_soon | overdue | paused | done */
	int64_t handler_id, registrar_id;
	const char *id_no_bidx, *phone_bidx;
	bool sort_by_due;           /* due first instead of newest first */
	/* The reports' counting rule: no drafts, no deleted, no repeats merged into another. */
	bool counted;
	bool open;                       /* still being handled: registered .. replied */
	const char *region_code;         /* region code prefix ("44" = Guangdong) */
	const char *complained_org_path; /* complained institution subtree */
	const char *right;               /* has this basic right (R code) */
	bool skip_count;                 /* the caller has the total already (report index) */
	int64_t limit, offset;
};
/* How long a list's count may run (db_scalar_int_within; config list_count_ms, 0: no bound):
 * past it the total is a lower bound as when nothing is counted. Set before serving. */
void store_set_list_count_ms(int ms);
/* Complaints within the scope (and the caller's own registrations) matching f. *total is exact
 * up to a cap (COMPLAINT_COUNT_CAP); past it *total is the cap and *capped true ("more than").
 * A full-text query on SQLite counts its filters over the newest COMPLAINT_TEXT_COUNT_CAP + 1
 * matches only: with more matches than that *total is what those held (at most the cap) and
 * *capped is true ("at least"). Where no index narrows the rows (index_driven in
 * store/complaint_list.c: e.g. a tag alone at the head office, or on SQLite any filter without
 * an index of its own in a scope of more than 20,000 complaints) nothing is counted, and a count
 * that runs out of time (store_set_list_count_ms) is dropped: *total is what the pages up to
 * this one hold, one more after a full page, and *capped is true. capped may
 * be NULL. With f->skip_count no count is made and *total is left as the caller set it. */
#define COMPLAINT_COUNT_CAP 10000
#define COMPLAINT_TEXT_COUNT_CAP 10000 /* full-text matches are counted up to this */
int store_complaint_list(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			 json_t **items, int64_t *total, bool *capped);

/* The ids of every complaint whose text holds f->q (*n of them in *ids, caller frees), when the
 * list searches the text for it: two characters or more and no complaint with that number or
 * complainant name (then *found is false and nothing is returned: the list counts it). On
 * SQLite the full-text index's matches and the complaints still waiting for the index that match
 * by substring; on PostgreSQL the matches of the list's own text test, kept between searches
 * and brought up to date from the change log (not found while another server thread reads a
 * text's matches anew: one such read at a time). Ascending, each once. Only the text is tested, no
 * other filter or scope (report_list_count tests those in the report index). 0 or negative. */
int store_complaint_text_ids(struct db *d, const struct complaint_filter *f, int64_t **ids, size_t *n, bool *found);

/* Complaints matching f that are the caller's own — registered or handled by sf->user_id —
 * outside sf's institutions (sf->kind SCOPE_SUBTREE: its subtree; SCOPE_ORG: its institution,
 * whose complaints carry its path): the part of a scoped list the report index does not count
 * (report_list_count adds the two). With among (n_among ids, ascending: the text's matches from
 * store_complaint_text_ids) only those among them count, f->q is not tested, and with matched
 * their ids come in *matched (*n of them, in no order; caller frees); without among, f has no text
 * query. Counts up to COMPLAINT_COUNT_CAP + 1 (more means "too many to add to an exact
 * total"). DB_OK, DB_HARD for another scope kind, or negative. */
int store_complaint_count_own_outside(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
				     const int64_t *among, size_t n_among, int64_t *n, int64_t **matched);
/* True when a test forces one of the list's SQL access paths (FCMS_TEST_LIST_PATH scope, sort
 * or walk; unset in production): pages the report index could give come from that path. */
bool store_list_path_forced(void);
/* The list rows (as store_complaint_list's) of the complaints ids[0..n), in that order; ids no
 * complaint has are left out. Caller owns *items. 0 or negative. */
int store_complaint_rows(struct db *d, const int64_t *ids, size_t n, json_t **items);

/* The ledger's paging: complaints matching f (no full-text drive) newest received first, the
 * page after *after (NULL: the first page). Keyset paging, so the millionth row costs what the
 * first does; pass the last row's received_at and id as the next cursor. */
struct complaint_cursor {
	int64_t received_at, id;
};
int store_complaint_keyset(struct db *d, const struct scope_filter *sf, const struct complaint_filter *f,
			   const struct complaint_cursor *after, int64_t limit, json_t **items);

/* The caller's work items (待办): complaints assigned to the user, the institution's queue,
 * replies to review, extensions and deletions to approve, callbacks due — as the permissions
 * allow, within scope, soonest due first. Each item has "todo_kind". */
struct todo_query {
	int64_t user_id, org_id;
	bool can_handle, can_review, can_approve_delete, can_callback;
	const char *kind; /* one to-do kind only, or NULL for all */
	int64_t limit, offset;
};
/* The caller's to-do in one pass over its items: *counts, the whole to-do counted (q->kind,
 * limit and offset aside) as rows (todo_kind, deadline_state, n); *items, the open complaints
 * waiting for them of q->kind (all kinds when NULL), soonest due first, each with todo_kind
 * (assigned, queue, review, approve_extension, approve_new_facts, approve_delete, callback), a
 * page of q->limit from q->offset. Both new references. DB_OK or a negative db status (then
 * both NULL). */
int store_todo(struct db *d, const struct scope_filter *sf, const struct todo_query *q, json_t **counts,
	       json_t **items);
/* Open complaints owed a reminder: overdue and not yet reminded as overdue, or due within
 * soon_ms and not reminded at all. Rows: id, complaint_no, due_at,
 * deadline_state, handler_id, handling_org_id, org_path, registrar_id. */
int store_deadline_changes(struct db *d, int64_t now, int64_t soon_ms, json_t **items);
/* Persists a deadline state, and records it as the reminder stage sent, without touching the
 * version (no fact changed). */
int store_complaint_set_deadline_state(struct db *d, int64_t id, const char *state);
/* Active users who may handle complaints (a role with complaint.handle) in the institution
 * subtree at path: id, username, name, org_id, org_name. */
int store_handlers_in_subtree(struct db *d, const char *path, json_t **items);
/* Active users holding the role with this code: id, org_path, scope (the widest data scope of
 * all their roles, as enum data_scope: 0 self .. 3 all, as a session computes it). */
int store_users_with_role(struct db *d, const char *role_code, json_t **items);
/* Attachments: metadata rows; the bytes live under the data directory. */
int store_attachment_insert(struct db *d, int64_t complaint_id, const char *name, const char *mime,
			    int64_t size, const char *sha256, const char *storage_name, int64_t user_id,
			    int64_t now, int64_t *id);
int store_attachment_list(struct db *d, int64_t complaint_id, json_t **items);
/* One attachment with storage_name and complaint_id; 1 found, 0 not. */
int store_attachment_get(struct db *d, int64_t id, json_t **out);
/* Notifications (bell): insert once per dedup_key (NULL = always). */
int store_notification_insert(struct db *d, int64_t user_id, int64_t complaint_id, const char *kind,
			      const char *message, const char *dedup_key, int64_t now);
int store_notification_list(struct db *d, int64_t user_id, bool unread_only, int64_t limit, json_t **items,
			    int64_t *unread);
int store_notification_read(struct db *d, int64_t user_id, int64_t id, int64_t now);

/* ---- ledger export jobs (report_exports) ---- */
/* A new job, status queued; filters is its JSON text. */
int store_report_export_insert(struct db *d, int64_t user_id, const char *filters, int64_t rows_total,
			       int64_t now, int64_t *id);
/* Records a job's state (error, file_name may be NULL; finished_at 0 = not finished). */
int store_report_export_update(struct db *d, int64_t id, const char *status, int64_t rows_done,
			       const char *error, const char *file_name, int64_t finished_at);
/* One job: id, user_id, filters (text), status, rows_done, rows_total, error, file_name,
 * created_at, heartbeat_at, finished_at, expired_at. 1 found, 0 not. */
int store_report_export_get(struct db *d, int64_t id, json_t **out);
/* The running instance's sign of life for a queued or running job, with its progress. */
int store_report_export_heartbeat(struct db *d, int64_t id, int64_t rows_done, int64_t now);
/* Jobs queued or running whose last heartbeat (or creation) is before stale_before: their
 * instance stopped or died. They are failed with error. */
int store_report_export_fail_stale(struct db *d, const char *error, int64_t stale_before, int64_t now);
/* Finished jobs whose file is still there and that finished before the given time: id, file_name. */
int store_report_export_expiring(struct db *d, int64_t finished_before, json_t **items);
int store_report_export_expire(struct db *d, int64_t id, int64_t now);

/* ---- regulator gateway (监管报送): the outbox, attempts, alerts ---- */
/* Next event sequence number of a complaint's submissions (1 for the first). */
int store_reg_next_seq(struct db *d, int64_t complaint_id, int64_t *seq);
/* Queues a submission (status pending; released = may go out before a scheduled/manual run). */
int store_reg_insert(struct db *d, int64_t complaint_id, const char *complaint_no, int64_t seq,
		     const char *idem_key, const char *event, const char *payload, bool released, int64_t now,
		     int64_t *id);
/* Leases up to limit released pending submissions that are due (next_attempt_at <= now, no live
 * lease) and that are the oldest pending of their complaint (delivery in order), to owner until
 * lease_until. Rows {id, complaint_id, idem_key, payload, attempts}, by id. */
int store_reg_claim(struct db *d, const char *owner, int64_t now, int64_t lease_until, int64_t limit,
		    json_t **items);
/* The final outcome of a leased submission: status sent/rejected/failed, or pending again at
 * next_attempt_at. Only while owner still holds the lease; returns rows changed (0 = lost). */
int store_reg_finish(struct db *d, int64_t id, const char *owner, const char *status, int64_t next_attempt_at,
		     const char *receipt_no, const char *reject_codes, const char *error, int64_t now);
/* Marks leased rows as written into a batch file awaiting its receipt (lease kept until
 * lease_until). */
int store_reg_batched(struct db *d, int64_t id, const char *owner, const char *batch_id, int64_t lease_until,
		      int64_t now);
/* Rows {id, complaint_id, idem_key, attempts, lease_owner} still pending in a batch. */
int store_reg_batch_rows(struct db *d, const char *batch_id, json_t **items);
int store_reg_attempt_insert(struct db *d, int64_t submission_id, const char *instance, const char *transport,
			     const char *outcome, const char *detail, int64_t duration_ms, int64_t now);
/* Reflects a submission's outcome onto its complaint (sync_status, receipt, error) unless a
 * later submission of the complaint exists (then the complaint stays pending). */
int store_reg_complaint_sync(struct db *d, int64_t complaint_id, int64_t seq, const char *status,
			     const char *receipt_no, const char *error, int64_t now);
/* Counts by status, oldest pending created_at, last sent_at, held (unreleased) count. */
int store_reg_status(struct db *d, json_t **out);
struct reg_filter {
	const char *status, *complaint_no, *event;
	int64_t from, to; /* created_at range; 0 = open */
	int64_t limit, offset;
};
int store_reg_list(struct db *d, const struct reg_filter *f, json_t **items, int64_t *total);
/* One submission with its payload and "attempts" (oldest first). 1 found, 0 not. */
int store_reg_get(struct db *d, int64_t id, json_t **out);
/* Sends a failed or pending submission again now (attempts restart). Rows changed. */
int store_reg_retry(struct db *d, int64_t id, int64_t now);
/* Releases held submissions and makes every pending one due now; with failed, failed ones of
 * the created_at range (0 = open) go back to pending too. *n counts the rows touched. */
int store_reg_release(struct db *d, int64_t now, bool failed, int64_t from, int64_t to, int64_t *n);
/* Non-draft complaint ids received in [from, to), at most limit. */
int store_reg_complaints_in_range(struct db *d, int64_t from, int64_t to, int64_t limit, json_t **ids);
/* Alerts: raise inserts an open alert unless one of (kind, scope_key) is open (returns 1 when
 * raised, 0 when already open; *id set). clear closes the open one (1 cleared, 0 none). */
int store_reg_alert_raise(struct db *d, const char *kind, const char *scope_key, const char *message, int64_t now,
			  int64_t *id);
int store_reg_alert_clear(struct db *d, const char *kind, const char *scope_key, int64_t now, int64_t *id);
/* Open alerts (cleared_at NULL), or the latest limit alerts when all. */
int store_reg_alert_list(struct db *d, bool open_only, int64_t limit, json_t **items);

/* ---- audit log (reading; appending is domain/audit.c) ---- */
struct audit_filter {
	int64_t from, to; /* epoch ms; 0 = open */
	const char *actor, *action, *target_type, *target_id, *result;
	bool oldest_first;
	int64_t limit, offset;
};
int store_audit_list(struct db *d, const struct audit_filter *f, json_t **items, int64_t *total);
/* Events with this target and result at or after since (the audit_events_target index): the
 * count behind per-user limits kept in the audit log itself, e.g. exact PII lookups. */
int store_audit_count_since(struct db *d, const char *target_type, const char *target_id, const char *result,
			    int64_t since, int64_t *n);

/* ---- integration (issue 15; store/integration.c) ---- */
/* A webhook subscription as written (secret: the sealed HMAC key; "" on update keeps it). */
struct hook_sub {
	const char *name, *kind, *url, *event_types, *org_path, *secret;
	int64_t org_id, created_by;
	bool carries_pii, enabled;
};
int store_hook_sub_insert(struct db *d, const struct hook_sub *s, int64_t now, int64_t *id);
int store_hook_sub_update(struct db *d, int64_t id, const struct hook_sub *s, int64_t now);
/* Every subscription (no secret) with its pending and failed delivery counts. */
int store_hook_sub_list(struct db *d, json_t **items);
/* One subscription, with its sealed secret when asked. 1 found, 0 not. */
int store_hook_sub_get(struct db *d, int64_t id, bool with_secret, json_t **out);
/* Enabled subscriptions whose scope holds org_path: rows {id, kind, event_types}. */
int store_hook_subs_for(struct db *d, const char *org_path, json_t **items);
/* Queues one delivery (pending, due now). Rows changed. */
int store_hook_enqueue(struct db *d, int64_t sub_id, const char *event_id, const char *event, int64_t complaint_id,
		       const char *complaint_no, const char *payload, int64_t now);
/* Leases up to limit due deliveries, each the oldest undelivered of its (subscription,
 * complaint) chain, to owner until lease_until. Rows {id, subscription_id, event_id, event,
 * complaint_id, payload, attempts, url, secret, carries_pii}, by id. */
int store_hook_claim(struct db *d, const char *owner, int64_t now, int64_t lease_until, int64_t limit,
		     json_t **items);
/* Outcome of a leased delivery (sent / failed / pending again at next_attempt_at), only while
 * owner holds the lease: rows changed (0 = lost). */
int store_hook_finish(struct db *d, int64_t id, const char *owner, const char *status, int64_t next_attempt_at,
		      int64_t http_status, const char *error, int64_t now);
int store_hook_attempt_insert(struct db *d, int64_t delivery_id, const char *instance, const char *outcome,
			      int64_t http_status, const char *detail, int64_t duration_ms, int64_t now);
struct hook_filter {
	int64_t subscription_id; /* 0 = any */
	const char *status, *complaint_no, *event; /* NULL = any */
	int64_t limit, offset;
};
int store_hook_list(struct db *d, const struct hook_filter *f, json_t **items, int64_t *total);
/* One delivery with its payload and attempts_log. 1 found, 0 not. */
int store_hook_get(struct db *d, int64_t id, json_t **out);
/* Makes a delivery pending and due now (attempts restart). Rows changed. */
int store_hook_replay(struct db *d, int64_t id, int64_t now);
/* The OA: the first enabled subscription of kind oa (*id 0 when none). */
int store_hook_oa_sub(struct db *d, int64_t *id);
/* Idempotency keys of creation requests: {request_sha256, complaint_id, created_at}. 1/0. */
int store_idem_get(struct db *d, int64_t user_id, const char *key, json_t **out);
int store_idem_insert(struct db *d, int64_t user_id, const char *key, const char *sha, int64_t complaint_id,
		      int64_t now);
int store_idem_purge(struct db *d, int64_t before);
/* OA approvals. */
int store_oa_insert(struct db *d, int64_t complaint_id, int64_t sub_id, const char *kind, int64_t requested_by,
		    int64_t now, int64_t expires_at, int64_t *id);
int store_oa_get(struct db *d, int64_t id, json_t **out);             /* 1 found, 0 not */
int store_oa_open_for(struct db *d, int64_t complaint_id, json_t **out); /* 1 found, 0 not */
struct oa_filter {
	const char *status, *kind, *complaint_no; /* NULL = any */
	int64_t from, to;                         /* requested_at in [from, to); 0 = open */
	int64_t limit, offset;
};
/* Approvals newest first with the complaint number and status, the requester's and the OA
 * subscription's names; *total counts all that match. */
int store_oa_list(struct db *d, const struct oa_filter *f, json_t **items, int64_t *total);
/* Accounts holding callcenter.lookup through a role, with their active token count and the
 * last use of any token (the call centre's callers). */
int store_callcenter_accounts(struct db *d, int64_t now, json_t **items);
/* Decides a pending approval (approved / rejected / expired). Rows changed (0 = not pending). */
int store_oa_decide(struct db *d, int64_t id, const char *status, const char *approver, const char *comment,
		    int64_t now);
/* Pending approvals past their expiry: rows {id, complaint_id, kind}, at most 100. */
int store_oa_due(struct db *d, int64_t now, json_t **items);
/* Records a callback signature as taken (forgetting those older than forget_before): 1 when
 * new, 0 when it was taken before (a replay). */
int store_oa_signature_take(struct db *d, const char *signature, int64_t now, int64_t forget_before);

/* ---- historical-complaint import (store/imports.c; domain/import.h, import/job.h) ---- */
/* Saves a column mapping under name (replacing one of that name); *id its id. */
int store_import_mapping_upsert(struct db *d, const char *name, const char *source, const char *columns,
				int64_t user_id, int64_t now, int64_t *id);
int store_import_mapping_list(struct db *d, json_t **items);
/* 1 with *out (caller owns), 0 when absent. */
int store_import_mapping_get(struct db *d, int64_t id, json_t **out);
struct import_job_fields {
	const char *mode; /* dry_run | import */
	int64_t user_id, mapping_id;
	const char *columns, *file_name, *file_kind, *file_sha256;
	int64_t file_size;
	bool send_to_regulator;
};
/* Records a queued job; *id its id. */
int store_import_job_insert(struct db *d, const struct import_job_fields *f, int64_t now, int64_t *id);
/* 1 with *out (caller owns: the job with username and mapping_name), 0 when absent. */
int store_import_job_get(struct db *d, int64_t id, json_t **out);
/* The newest jobs first, of user_id (0: everyone's). */
int store_import_job_list(struct db *d, int64_t user_id, int64_t limit, json_t **items);
/* Jobs queued or running ({id}), oldest first: what a stopped server left. */
int store_import_jobs_unfinished(struct db *d, json_t **items);
/* (Re)starts a job: running, counters zeroed, its row errors removed. */
int store_import_job_start(struct db *d, int64_t id, int64_t rows_total, int64_t now);
/* The checkpoint written with each batch. */
int store_import_job_progress(struct db *d, int64_t id, int64_t done, int64_t ok, int64_t bad, int64_t skipped);
int store_import_job_finish(struct db *d, int64_t id, const char *status, const char *error, int64_t now);
int store_import_error_insert(struct db *d, int64_t job_id, int64_t row_no, const char *legacy_no,
			      const char *column, const char *reason);
/* A job's bad rows in row order: row_no, legacy_no, column, reason. */
int store_import_errors_list(struct db *d, int64_t job_id, int64_t offset, int64_t limit, json_t **items);
/* The complaint numbered no (an import keeps the old number as complaint_no and legacy_no): 1
 * with its id, its import job (0 when not imported) and whether it was imported under that
 * legacy number; 0 when there is none. */
int store_import_key_get(struct db *d, const char *no, int64_t *complaint_id, int64_t *job_id, bool *imported);
/* store_complaint_insert for an imported complaint: also legacy_no, legacy_handler (members of
 * obj) and import_job_id (store/complaints.c). */
int store_complaint_insert_imported(struct db *d, json_t *obj, int64_t job_id, int64_t *id);
/* Institutions (id, name, fin_code, internal_code, path, status) and people accounts (id,
 * username, name, org_id) for the import's lookups. */
int store_import_orgs(struct db *d, json_t **items);
int store_import_users(struct db *d, json_t **items);
/* Complaints written by job_id. */
int store_import_counted(struct db *d, int64_t job_id, int64_t *n);

#endif
