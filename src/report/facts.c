/* The report index (see facts.h): columns of small integers, one entry per complaint, appended
 * in id order and updated in place. A scan touches only the columns it needs and only the rows
 * whose received day can fall in the range (each day remembers the span of rows holding it;
 * complaints arrive roughly in date order, so a month is a narrow slice of the arrays). This file
 * loads the index and keeps it current; facts_snapshot.c keeps it on disk, facts_scan.c counts. */
#include "report/facts_index.h"
#include "domain/status.h"
#include "store/db.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/due_order.h"
#include "util/log.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Columns of a FACT_COLUMNS row (store/report_facts.c). */
enum fact_col {
	COL_ID, COL_STATUS, COL_RECEIVED, COL_HANDLING_ORG, COL_REGISTRAR_ORG, COL_COMPLAINED_ORG,
	COL_REGION, COL_A, COL_B, COL_C, COL_CHANNEL, COL_RIGHTS, COL_DEADLINE, COL_DUE, COL_CLOSED,
	COL_SATISFACTION, COL_REPEAT_OF, COL_TAGS, COL_MERGED_INTO, COL_COMPENSATION, COL_REPLIED, COL_RESTARTS, COL_REGISTRAR, COL_HANDLER,
	COL_SEQ
};

struct facts_index facts_index = {.lock = PTHREAD_RWLOCK_INITIALIZER, .sync_mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- days ---- */

int32_t facts_ymd_day(int32_t ymd)
{
	return (int32_t)ymd_day_number(ymd);
}

int32_t facts_day_ymd(int32_t day)
{
	return ymd_from_day_number(day);
}

int32_t facts_day(int64_t ms)
{
	return (int32_t)day_number_from_ms(ms, CN_TZ_OFFSET_MIN);
}

/* ---- dictionaries ---- */

static uint32_t hash_text(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static bool dict_rehash(struct dict *t)
{
	uint32_t nslots = t->nslots ? t->nslots * 2 : 256;
	uint32_t *slots = calloc(nslots, sizeof *slots);
	if (!slots)
		return false;
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	for (uint32_t i = 1; i < t->n; i++) {
		uint32_t s = hash_text(t->keys[i]) & (t->nslots - 1);
		while (t->slots[s])
			s = (s + 1) & (t->nslots - 1);
		t->slots[s] = i + 1;
	}
	return true;
}

/* The value index of text (NULL or "" → 0), added when new; 0 also when the dictionary is full,
 * and when out of memory (F.oom set: the load in progress fails). */
uint16_t facts_dict_intern(struct dict *t, const char *text)
{
	if (!text || !*text)
		return 0;
	if (t->n == 0) {
		char **keys = malloc(64 * sizeof *keys);
		char *empty = keys ? strdup("") : NULL;
		if (!empty) {
			free(keys);
			F.oom = true;
			return 0;
		}
		t->cap = 64;
		t->keys = keys;
		t->keys[t->n++] = empty;
	}
	if ((t->n + 1) * 2 > t->nslots && !dict_rehash(t)) {
		F.oom = true;
		return 0;
	}
	uint32_t s = hash_text(text) & (t->nslots - 1);
	for (; t->slots[s]; s = (s + 1) & (t->nslots - 1))
		if (!strcmp(t->keys[t->slots[s] - 1], text))
			return (uint16_t)(t->slots[s] - 1);
	if (t->n >= UINT16_MAX) {
		log_warn("report index: more than %d distinct values in a dimension; \"%s\" counted as empty",
			 UINT16_MAX, text);
		return 0;
	}
	if (t->n == t->cap) {
		char **keys = realloc(t->keys, t->cap * 2 * sizeof *t->keys);
		if (!keys) {
			F.oom = true;
			return 0;
		}
		t->keys = keys;
		t->cap *= 2;
	}
	if (!(t->keys[t->n] = strdup(text))) {
		F.oom = true;
		return 0;
	}
	t->slots[s] = t->n + 1;
	return (uint16_t)t->n++;
}

static void dict_free(struct dict *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->slots);
	*t = (struct dict){0};
}

uint32_t facts_dict_size(enum fact_dim dim)
{
	return F.dicts[dim].n ? F.dicts[dim].n : 1;
}

const char *facts_dict_key(enum fact_dim dim, uint32_t value)
{
	return value < F.dicts[dim].n ? F.dicts[dim].keys[value] : "";
}

/* ---- rows ---- */

void *facts_grow(void *p, size_t elem, uint32_t cap)
{
	void *q = realloc(p, elem * cap);
	if (!q) {
		log_error("report index: out of memory at %u rows", cap);
		abort();
	}
	return q;
}

static uint32_t row_for(int64_t id)
{
	if (id >= F.row_of_len) {
		int64_t len = F.row_of_len ? F.row_of_len : 1024;
		while (len <= id)
			len *= 2;
		F.row_of = facts_grow(F.row_of, sizeof *F.row_of, (uint32_t)len);
		memset(F.row_of + F.row_of_len, 0, (size_t)(len - F.row_of_len) * sizeof *F.row_of);
		F.row_of_len = len;
	}
	if (F.row_of[id])
		return F.row_of[id] - 1;
	if (F.n == F.cap) {
		F.cap = F.cap ? F.cap * 2 : 4096;
		F.day = facts_grow(F.day, sizeof *F.day, F.cap);
		F.hour = facts_grow(F.hour, sizeof *F.hour, F.cap);
		F.flags = facts_grow(F.flags, sizeof *F.flags, F.cap);
		F.handling = facts_grow(F.handling, sizeof *F.handling, F.cap);
		F.comp = facts_grow(F.comp, sizeof *F.comp, F.cap);
		F.due = facts_grow(F.due, sizeof *F.due, F.cap);
		F.id = facts_grow(F.id, sizeof *F.id, F.cap);
		for (int k = 0; k < FD_NDICT; k++)
			F.dv[k] = facts_grow(F.dv[k], sizeof *F.dv[k], F.cap);
	}
	F.row_of[id] = F.n + 1;
	F.id[F.n] = (uint32_t)id;
	return F.n++;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

static bool text_is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

/* ITEM_MAX: the longest item of a space-separated list (rights, tags) a bit set records. */
#define ITEM_MAX 15

/* A space-separated list (rights, tags) as a bit set of dim: one bit per interned item (at most
 * 16 distinct items; items longer than ITEM_MAX or past the 16th are not recorded). */
static uint16_t item_bits(enum fact_dim dim, const char *list)
{
	uint16_t bits = 0;
	for (const char *p = list ? list : ""; *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len > 0 && len <= ITEM_MAX) {
			char item[ITEM_MAX + 1];
			memcpy(item, p, len);
			item[len] = '\0';
			uint16_t v = facts_dict_intern(&F.dicts[dim], item);
			if (v >= 1 && v <= 16)
				bits |= (uint16_t)(1u << (v - 1));
		}
		p += len;
	}
	return bits;
}

bool facts_item_bits(enum fact_dim dim, const char *text, uint16_t *bits)
{
	*bits = 0;
	if (!text || !*text || strlen(text) > ITEM_MAX || strchr(text, ' '))
		return false;
	const struct dict *t = &F.dicts[dim];
	for (uint32_t v = 1; v < t->n; v++) {
		if (strcasecmp(t->keys[v], text) != 0)
			continue;
		if (strcmp(t->keys[v], text) != 0 || v > 16)
			return false;
		*bits = (uint16_t)(1u << (v - 1));
	}
	return true;
}

/* The value of key in t, 0 when absent. */
static uint16_t dict_find(const struct dict *t, const char *key)
{
	if (!t->nslots)
		return 0;
	for (uint32_t s = hash_text(key) & (t->nslots - 1); t->slots[s]; s = (s + 1) & (t->nslots - 1))
		if (!strcmp(t->keys[t->slots[s] - 1], key))
			return (uint16_t)(t->slots[s] - 1);
	return 0;
}

bool facts_own_values(int64_t user_id, struct fact_query *q)
{
	if (F.dicts[FD_REGISTRAR].n >= UINT16_MAX || F.dicts[FD_HANDLER].n >= UINT16_MAX)
		return false;
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)user_id);
	q->own = true;
	q->own_registrar = dict_find(&F.dicts[FD_REGISTRAR], key);
	q->own_handler = dict_find(&F.dicts[FD_HANDLER], key);
	return true;
}

uint16_t facts_open_flag(void)
{
	return F_OPEN;
}

/* The dictionary columns of row i: institutions, codes, channel, status, rights, tags. */
static void apply_dims(struct db_res *r, uint32_t i)
{
	char org[24];
	int64_t scope_org = db_is_null(r, COL_HANDLING_ORG) ? db_int(r, COL_REGISTRAR_ORG) : db_int(r, COL_HANDLING_ORG);
	snprintf(org, sizeof org, "%lld", (long long)scope_org);
	facts_set_value(FD_SCOPE_ORG, i, facts_dict_intern(&F.dicts[FD_SCOPE_ORG], org));
	if (db_is_null(r, COL_COMPLAINED_ORG))
		org[0] = '\0';
	else
		snprintf(org, sizeof org, "%lld", (long long)db_int(r, COL_COMPLAINED_ORG));
	F.dv[FD_COMPLAINED_ORG][i] = facts_dict_intern(&F.dicts[FD_COMPLAINED_ORG], org);
	F.dv[FD_REGION][i] = facts_dict_intern(&F.dicts[FD_REGION], db_text(r, COL_REGION));
	F.dv[FD_A][i] = facts_dict_intern(&F.dicts[FD_A], db_text(r, COL_A));
	F.dv[FD_B][i] = facts_dict_intern(&F.dicts[FD_B], db_text(r, COL_B));
	F.dv[FD_C][i] = facts_dict_intern(&F.dicts[FD_C], db_text(r, COL_C));
	F.dv[FD_CHANNEL][i] = facts_dict_intern(&F.dicts[FD_CHANNEL], db_text(r, COL_CHANNEL));
	F.dv[FD_STATUS][i] = facts_dict_intern(&F.dicts[FD_STATUS], db_text(r, COL_STATUS));

	F.dv[FD_RIGHT][i] = item_bits(FD_RIGHT, db_text(r, COL_RIGHTS));
	F.dv[FD_TAG][i] = item_bits(FD_TAG, db_text(r, COL_TAGS));
	/* The people, so that a data scope's "or the caller's own" is counted here too. */
	static const struct {
		enum fact_dim dim;
		int col;
	} people[] = {{FD_REGISTRAR, COL_REGISTRAR}, {FD_HANDLER, COL_HANDLER}};
	for (size_t k = 0; k < sizeof people / sizeof people[0]; k++) {
		char user[24] = "";
		if (!db_is_null(r, people[k].col))
			snprintf(user, sizeof user, "%lld", (long long)db_int(r, people[k].col));
		facts_set_value(people[k].dim, i, facts_dict_intern(&F.dicts[people[k].dim], user));
	}
}

/* The F_* flags of a row. Handling is measured at the reply (答复), which the deadline governs;
 * the callback and the closing come after it. */
static uint16_t row_flags(struct db_res *r, bool received)
{
	const char *status = db_text(r, COL_STATUS);
	bool timed = !db_is_null(r, COL_DUE) && !db_is_null(r, COL_REPLIED);
	int64_t due = db_int(r, COL_DUE), replied_at = db_int(r, COL_REPLIED);
	const char *deadline = db_text(r, COL_DEADLINE), *sat = db_text(r, COL_SATISFACTION);
	uint16_t fl = 0;
	if (received && status && !text_is(status, "draft") && !text_is(status, "deleted") &&
	    db_is_null(r, COL_MERGED_INTO))
		fl |= F_COUNTED;
	if (!text_is(status, "deleted"))
		fl |= F_LISTED;
	if (text_is(status, "closed")) {
		fl |= F_CLOSED;
		if (timed && replied_at <= due)
			fl |= F_ON_TIME;
		if (timed && replied_at > due)
			fl |= F_OVERDUE;
	}
	if (status_is_open(status)) {
		fl |= F_OPEN;
		if (text_is(deadline, "overdue"))
			fl |= F_OVERDUE;
		if (text_is(deadline, "due_soon"))
			fl |= F_DUE_SOON;
	}
	if (sat) {
		fl |= F_CALLBACK;
		if (text_is(sat, "satisfied") || text_is(sat, "basically_satisfied"))
			fl |= F_SATISFIED;
	}
	if (!db_is_null(r, COL_REPEAT_OF) || has_word(db_text(r, COL_TAGS), "repeat"))
		fl |= F_REPEAT;
	if (db_int(r, COL_RESTARTS) > 0)
		fl |= F_RESTARTED;
	return fl;
}

/* Stores one FACT_COLUMNS row. Called with the write lock held (or before anyone reads). */
static void apply_row(struct db_res *r)
{
	int64_t id = db_int(r, COL_ID);
	if (id <= 0)
		return;
	uint32_t i = row_for(id);
	bool received = !db_is_null(r, COL_RECEIVED);
	int64_t recv = db_int(r, COL_RECEIVED);
	int32_t day = received ? facts_day(recv) : 0;
	if (day < 0 || day >= NDAYS)
		day = 0;
	F.day[i] = (uint16_t)day;
	F.hour[i] = received ? (uint8_t)(ms_into_local_day(recv, CN_TZ_OFFSET_MIN) / MS_PER_HOUR) : 0;
	if (F.day_lo[day] > i)
		F.day_lo[day] = i;
	if (F.day_hi[day] < i + 1)
		F.day_hi[day] = i + 1;
	if (day > F.max_day)
		F.max_day = day;
	apply_dims(r, i);
	F.flags[i] = row_flags(r, received);
	bool closed = text_is(db_text(r, COL_STATUS), "closed");
	int64_t end = !db_is_null(r, COL_REPLIED) ? db_int(r, COL_REPLIED) : db_int(r, COL_CLOSED);
	int64_t tenths = closed && received && end ? (end - recv) / (MS_PER_DAY / 10) : 0;
	F.handling[i] = (uint16_t)(tenths < 0 ? 0 : tenths > UINT16_MAX ? UINT16_MAX : tenths);
	F.comp[i] = db_int(r, COL_COMPENSATION);
	F.due[i] = db_is_null(r, COL_DUE) ? DUE_LAST : db_int(r, COL_DUE);
}

static void clear_all(void)
{
	F.n = 0;
	F.oom = false;
	if (F.row_of)
		memset(F.row_of, 0, (size_t)F.row_of_len * sizeof *F.row_of);
	for (int d = 0; d < NDAYS; d++) {
		F.day_lo[d] = UINT32_MAX;
		F.day_hi[d] = 0;
	}
	F.max_day = 0;
	facts_value_rows_reset();
}

struct load_ctx {
	bool reload;  /* a "reload everything" mark was seen */
	int64_t seq;  /* newest change seen */
	uint64_t rows;
};

static int load_row(struct db_res *r, void *arg)
{
	struct load_ctx *c = arg;
	apply_row(r);
	c->rows++;
	return F.oom; /* stops the scan; the caller sees F.oom */
}

static int change_row(struct db_res *r, void *arg)
{
	struct load_ctx *c = arg;
	c->seq = db_int(r, COL_SEQ);
	if (db_int(r, COL_ID) == 0)
		c->reload = true;
	else if (!c->reload)
		apply_row(r);
	return F.oom;
}

/* Loads everything: the change head first, so a change committed during the load is applied
 * again by the next catch-up (applying a row twice is harmless). */
static int load_all(struct db *d)
{
	int64_t head;
	int rc = store_changes_head(d, &head);
	if (rc >= 0)
		rc = store_facts_fingerprint(d, &F.fp_id, &F.fp_created);
	if (rc < 0)
		return rc;
	struct load_ctx c = {0};
	clear_all();
	rc = store_facts_all(d, load_row, &c);
	if (rc == 0 && F.oom) {
		log_error("report index: out of memory while loading");
		rc = DB_HARD;
	}
	if (rc < 0)
		return rc;
	F.seq = head;
	__atomic_store_n(&F.source, FACTS_FROM_DATABASE, __ATOMIC_RELEASE);
	log_info("report index: %llu complaints loaded", (unsigned long long)c.rows);
	return 0;
}

enum facts_source facts_source(void)
{
	return __atomic_load_n(&F.source, __ATOMIC_ACQUIRE);
}

bool facts_ready(void)
{
	return __atomic_load_n(&F.ready, __ATOMIC_ACQUIRE);
}

/* Frees the rows and the dictionaries: the index is empty (F.loaded false). */
void facts_drop_all(void)
{
	for (int k = 0; k < FD_NDICT; k++)
		dict_free(&F.dicts[k]);
	F.loaded = false;
	clear_all();
}

/* The change log keeps this many changes behind the newest one applied; an instance that falls
 * further behind (its position was pruned) reloads everything. */
#define KEEP_CHANGES 200000
#define PRUNE_EVERY 100000

static int prune_tx(struct db *d, void *arg)
{
	return store_changes_prune(d, *(int64_t *)arg);
}

static int64_t snap_every = FACTS_SNAPSHOT_EVERY, snap_gap_ms = FACTS_SNAPSHOT_GAP_MS;

void facts_snapshot_every(int64_t changes, int64_t gap_ms)
{
	snap_every = changes;
	snap_gap_ms = gap_ms;
}

static void *snapper_main(void *arg)
{
	(void)arg;
	facts_snapshot_write();
	__atomic_store_n(&F.snapping, false, __ATOMIC_RELEASE);
	return NULL;
}

/* Under sync_mu, after a sync that applied changes: starts the background write when the index
 * is far enough past the last snapshot (one write at a time; facts_stop joins it). */
static void snapshot_when_due(void)
{
	if (!F.snap_path[0] || snap_every <= 0 || !F.loaded ||
	    F.seq - __atomic_load_n(&F.snap_seq, __ATOMIC_ACQUIRE) < snap_every ||
	    now_ms() - __atomic_load_n(&F.snap_at_ms, __ATOMIC_ACQUIRE) < snap_gap_ms ||
	    __atomic_exchange_n(&F.snapping, true, __ATOMIC_ACQ_REL))
		return;
	if (F.snapper_started)
		pthread_join(F.snapper, NULL); /* the previous write, finished (snapping was false) */
	F.snapper_started = pthread_create(&F.snapper, NULL, snapper_main, NULL) == 0;
	if (!F.snapper_started)
		__atomic_store_n(&F.snapping, false, __ATOMIC_RELEASE);
}

int facts_sync(struct db *d)
{
	/* The change log's head, read before waiting for the lock: when another request's sync
	 * (running while this one waited) has reached it, this one is served by that sync. Under
	 * writes nearly every count sees new changes, and each applying them in turn serialised
	 * every count of the server behind the lock (issue 13: list p50 0.4 s at 6 sessions). */
	int64_t head = -1;
	if (__atomic_load_n(&F.ready, __ATOMIC_ACQUIRE) && store_changes_head(d, &head) != DB_OK)
		head = -1;
	pthread_mutex_lock(&F.sync_mu);
	int rc = 0;
	if (!F.day_lo || !F.day_hi) {
		free(F.day_lo);
		free(F.day_hi);
		F.day_lo = malloc(NDAYS * sizeof *F.day_lo);
		F.day_hi = malloc(NDAYS * sizeof *F.day_hi);
		if (!F.day_lo || !F.day_hi) {
			free(F.day_lo);
			free(F.day_hi);
			F.day_lo = F.day_hi = NULL;
			pthread_mutex_unlock(&F.sync_mu);
			return DB_HARD;
		}
		clear_all();
	}
	/* Nothing new since the last sync (the common case, once per count): answer without the
	 * write lock, so counts do not wait for each other's reads. F.loaded and F.seq change only
	 * under sync_mu, which is held. */
	if (F.loaded && head < 0 && store_changes_head(d, &head) != DB_OK)
		head = -1;
	if (F.loaded && head >= 0 && F.seq >= head) {
		pthread_mutex_unlock(&F.sync_mu);
		return 0;
	}
	pthread_rwlock_wrlock(&F.lock);
	if (!F.loaded && facts_snapshot_load(d) == 0) {
		F.loaded = true;
		__atomic_store_n(&F.source, FACTS_FROM_SNAPSHOT, __ATOMIC_RELEASE);
	}
	if (F.loaded) {
		/* Changes this index has not seen were pruned: start over. */
		int64_t oldest;
		rc = store_changes_oldest(d, &oldest);
		if (rc == 0 && oldest > F.seq + 1) {
			log_warn("report index: changes after %lld were pruned; reloading", (long long)F.seq);
			F.loaded = false;
		}
	}
	if (rc == 0 && !F.loaded) {
		rc = load_all(d);
		F.loaded = rc == 0;
	}
	for (int round = 0; rc == 0 && round < 2; round++) {
		struct load_ctx c = {.seq = F.seq};
		rc = store_facts_changed(d, F.seq, change_row, &c);
		if (rc == 0 && F.oom)
			rc = DB_HARD;
		if (rc < 0) {
			F.loaded = false; /* partly applied: reload next time */
			break;
		}
		if (!c.reload) {
			F.seq = c.seq;
			break;
		}
		rc = load_all(d); /* then catch up once more with what came during the load */
	}
	__atomic_store_n(&F.ready, rc == 0 && F.loaded, __ATOMIC_RELEASE);
	int64_t prune_below = 0;
	if (rc == 0 && F.seq - F.pruned_at >= KEEP_CHANGES + PRUNE_EVERY) {
		prune_below = F.seq - KEEP_CHANGES;
		F.pruned_at = prune_below;
	}
	pthread_rwlock_unlock(&F.lock);
	if (rc == 0)
		snapshot_when_due();
	pthread_mutex_unlock(&F.sync_mu);
	if (prune_below && store_write(prune_tx, &prune_below) != 0)
		log_warn("report index: could not prune the change log");
	return rc;
}

static void *loader_main(void *arg)
{
	(void)arg;
	struct db *d = store_conn();
	if (!d || facts_sync(d) != 0)
		log_error("report index: initial load failed; reports will retry");
	else if (facts_source() == FACTS_FROM_DATABASE && F.snap_path[0])
		facts_snapshot_write(); /* the next start reads it instead of the database */
	store_release_thread();
	return NULL;
}

int facts_start(void)
{
	if (pthread_create(&F.loader, NULL, loader_main, NULL) != 0)
		return -1;
	F.loader_running = true;
	return 0;
}

void facts_stop(void)
{
	if (F.loader_running)
		pthread_join(F.loader, NULL);
	F.loader_running = false;
	pthread_mutex_lock(&F.sync_mu);
	if (F.snapper_started)
		pthread_join(F.snapper, NULL);
	F.snapper_started = false;
	pthread_mutex_unlock(&F.sync_mu);
	/* A clean stop leaves a current snapshot: the next start catches up only what came after. */
	if (F.loaded && F.snap_path[0])
		facts_snapshot_write();
	pthread_rwlock_wrlock(&F.lock);
	__atomic_store_n(&F.ready, false, __ATOMIC_RELEASE);
	__atomic_store_n(&F.source, FACTS_EMPTY, __ATOMIC_RELEASE);
	free(F.day);
	free(F.hour);
	free(F.flags);
	free(F.handling);
	free(F.comp);
	free(F.due);
	free(F.id);
	for (int k = 0; k < FD_NDICT; k++) {
		free(F.dv[k]);
		F.dv[k] = NULL;
		dict_free(&F.dicts[k]);
	}
	free(F.row_of);
	facts_value_rows_free();
	free(F.day_lo);
	free(F.day_hi);
	F.day = NULL;
	F.hour = NULL;
	F.flags = F.handling = NULL;
	F.comp = NULL;
	F.due = NULL;
	F.id = NULL;
	F.row_of = NULL;
	F.day_lo = F.day_hi = NULL;
	F.row_of_len = 0;
	F.n = F.cap = 0;
	F.loaded = false;
	F.seq = F.pruned_at = 0;
	pthread_rwlock_unlock(&F.lock);
}

void facts_read_lock(void)
{
	pthread_rwlock_rdlock(&F.lock);
}

void facts_read_unlock(void)
{
	pthread_rwlock_unlock(&F.lock);
}

