/* The report index (see facts.h): columns of small integers, one entry per complaint, appended
 * in id order and updated in place. A scan touches only the columns it needs and only the rows
 * whose received day can fall in the range (each day remembers the span of rows holding it;
 * complaints arrive roughly in date order, so a month is a narrow slice of the arrays). */
#include "report/facts.h"
#include "domain/status.h"
#include "store/db.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/log.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NDAYS 65536 /* day numbers fit in 16 bits: 1970 .. 2149 */

/* Columns of a FACT_COLUMNS row (store/report_facts.c). */
enum fact_col {
	COL_ID, COL_STATUS, COL_RECEIVED, COL_HANDLING_ORG, COL_REGISTRAR_ORG, COL_COMPLAINED_ORG,
	COL_REGION, COL_A, COL_B, COL_C, COL_CHANNEL, COL_RIGHTS, COL_DEADLINE, COL_DUE, COL_CLOSED,
	COL_SATISFACTION, COL_REPEAT_OF, COL_TAGS, COL_MERGED_INTO, COL_COMPENSATION, COL_REPLIED, COL_RESTARTS, COL_SEQ
};

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

static struct {
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
	uint16_t *dv[FD_NDICT];
	uint32_t *row_of; /* complaint id → row + 1 */
	int64_t row_of_len;
	uint32_t *day_lo, *day_hi; /* rows holding each day lie in [lo, hi) */
	struct dict dicts[FD_NDICT];
	pthread_t loader;
	bool loader_running;
	bool oom; /* a dictionary could not grow: the load fails and is redone next time */
	bool ready;              /* loaded and caught up once (read without the locks: atomics) */
	enum facts_source source; /* where the last full load came from */
	char snap_path[1024];    /* "" = no snapshot */
} F = {.lock = PTHREAD_RWLOCK_INITIALIZER, .sync_mu = PTHREAD_MUTEX_INITIALIZER};

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
static uint16_t dict_intern(struct dict *t, const char *text)
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

static void *grow(void *p, size_t elem, uint32_t cap)
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
		F.row_of = grow(F.row_of, sizeof *F.row_of, (uint32_t)len);
		memset(F.row_of + F.row_of_len, 0, (size_t)(len - F.row_of_len) * sizeof *F.row_of);
		F.row_of_len = len;
	}
	if (F.row_of[id])
		return F.row_of[id] - 1;
	if (F.n == F.cap) {
		F.cap = F.cap ? F.cap * 2 : 4096;
		F.day = grow(F.day, sizeof *F.day, F.cap);
		F.hour = grow(F.hour, sizeof *F.hour, F.cap);
		F.flags = grow(F.flags, sizeof *F.flags, F.cap);
		F.handling = grow(F.handling, sizeof *F.handling, F.cap);
		F.comp = grow(F.comp, sizeof *F.comp, F.cap);
		for (int k = 0; k < FD_NDICT; k++)
			F.dv[k] = grow(F.dv[k], sizeof *F.dv[k], F.cap);
	}
	F.row_of[id] = F.n + 1;
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

/* Stores one FACT_COLUMNS row. Called with the write lock held (or before anyone reads). */
static void apply_row(struct db_res *r)
{
	int64_t id = db_int(r, COL_ID);
	if (id <= 0)
		return;
	uint32_t i = row_for(id);
	const char *status = db_text(r, COL_STATUS);
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

	char org[24];
	int64_t scope_org = db_is_null(r, COL_HANDLING_ORG) ? db_int(r, COL_REGISTRAR_ORG) : db_int(r, COL_HANDLING_ORG);
	snprintf(org, sizeof org, "%lld", (long long)scope_org);
	F.dv[FD_SCOPE_ORG][i] = dict_intern(&F.dicts[FD_SCOPE_ORG], org);
	if (db_is_null(r, COL_COMPLAINED_ORG))
		org[0] = '\0';
	else
		snprintf(org, sizeof org, "%lld", (long long)db_int(r, COL_COMPLAINED_ORG));
	F.dv[FD_COMPLAINED_ORG][i] = dict_intern(&F.dicts[FD_COMPLAINED_ORG], org);
	F.dv[FD_REGION][i] = dict_intern(&F.dicts[FD_REGION], db_text(r, COL_REGION));
	F.dv[FD_A][i] = dict_intern(&F.dicts[FD_A], db_text(r, COL_A));
	F.dv[FD_B][i] = dict_intern(&F.dicts[FD_B], db_text(r, COL_B));
	F.dv[FD_C][i] = dict_intern(&F.dicts[FD_C], db_text(r, COL_C));
	F.dv[FD_CHANNEL][i] = dict_intern(&F.dicts[FD_CHANNEL], db_text(r, COL_CHANNEL));
	F.dv[FD_STATUS][i] = dict_intern(&F.dicts[FD_STATUS], status);

	/* Rights: a set of R codes, one bit per interned code (at most 16 distinct codes). */
	uint16_t rights = 0;
	const char *rl = db_text(r, COL_RIGHTS);
	for (const char *p = rl ? rl : ""; *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len > 0 && len < 16) {
			char code[16];
			memcpy(code, p, len);
			code[len] = '\0';
			uint16_t v = dict_intern(&F.dicts[FD_RIGHT], code);
			if (v >= 1 && v <= 16)
				rights |= (uint16_t)(1u << (v - 1));
		}
		p += len;
	}
	F.dv[FD_RIGHT][i] = rights;

	/* Handling is measured at the reply (答复), which the deadline governs; the callback and the
	 * closing come after it. */
	bool closed = text_is(status, "closed");
	bool open = status_is_open(status);
	bool timed = !db_is_null(r, COL_DUE) && !db_is_null(r, COL_REPLIED);
	int64_t due = db_int(r, COL_DUE), replied_at = db_int(r, COL_REPLIED);
	const char *deadline = db_text(r, COL_DEADLINE), *sat = db_text(r, COL_SATISFACTION);
	uint16_t fl = 0;
	if (received && status && !text_is(status, "draft") && !text_is(status, "deleted") &&
	    db_is_null(r, COL_MERGED_INTO))
		fl |= F_COUNTED;
	if (!text_is(status, "deleted"))
		fl |= F_LISTED;
	if (closed) {
		fl |= F_CLOSED;
		if (timed && replied_at <= due)
			fl |= F_ON_TIME;
		if (timed && replied_at > due)
			fl |= F_OVERDUE;
	}
	if (open) {
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
	F.flags[i] = fl;
	int64_t end = !db_is_null(r, COL_REPLIED) ? replied_at : db_int(r, COL_CLOSED);
	int64_t tenths = closed && received && end ? (end - recv) / (MS_PER_DAY / 10) : 0;
	F.handling[i] = (uint16_t)(tenths < 0 ? 0 : tenths > UINT16_MAX ? UINT16_MAX : tenths);
	F.comp[i] = db_int(r, COL_COMPENSATION);
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
}

/* The fingerprint of the database the index was loaded from (set at each full load). */
static int64_t fp_id, fp_created;

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
		rc = store_facts_fingerprint(d, &fp_id, &fp_created);
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

/* ---- the snapshot (see facts.h) ---- */

/* Bump when a column, a flag's meaning, FACT_COLUMNS or the layout below changes. */
#define SNAP_VERSION 2u /* 2: SHA-256 checksum (util/crypto.h) instead of BLAKE2b */
static const char snap_magic[8] = {'F', 'C', 'M', 'S', 'R', 'I', 'X', '\n'};

struct snap_header {
	char magic[8];
	uint32_t version;
	uint32_t endian; /* 0x01020304 as written: a file from another byte order is refused */
	uint32_t n, ndict, ndays, pad;
	int64_t seq; /* every change up to here is in it */
	int64_t row_of_len;
	int64_t fp_id, fp_created; /* store_facts_fingerprint() of its database */
};

void facts_set_snapshot_path(const char *path)
{
	snprintf(F.snap_path, sizeof F.snap_path, "%s", path ? path : "");
}

enum facts_source facts_source(void)
{
	return __atomic_load_n(&F.source, __ATOMIC_ACQUIRE);
}

bool facts_ready(void)
{
	return __atomic_load_n(&F.ready, __ATOMIC_ACQUIRE);
}

/* Writes through a hash: every byte of the file but the trailing checksum is hashed. */
struct snap_out {
	FILE *f;
	struct crypto_sha256_ctx h;
	bool bad;
};

static void put(struct snap_out *o, const void *p, size_t n)
{
	if (o->bad || n == 0)
		return;
	crypto_sha256_update(&o->h, p, n);
	if (fwrite(p, 1, n, o->f) != n)
		o->bad = true;
}

int facts_snapshot_write(void)
{
	if (!F.snap_path[0])
		return -1;
	char tmp[1100], dir[1024];
	snprintf(tmp, sizeof tmp, "%s.%ld.%lu.tmp", F.snap_path, (long)getpid(), (unsigned long)pthread_self());
	uint64_t t0 = mono_ns();
	pthread_rwlock_rdlock(&F.lock);
	if (!F.loaded) {
		pthread_rwlock_unlock(&F.lock);
		return -1;
	}
	struct snap_out o = {.f = fopen(tmp, "wb")};
	if (!o.f) {
		pthread_rwlock_unlock(&F.lock);
		log_warn("report index: cannot write the snapshot %s: %s", tmp, strerror(errno));
		return -1;
	}
	crypto_sha256_init(&o.h);
	struct snap_header h = {.version = SNAP_VERSION, .endian = 0x01020304u, .n = F.n, .ndict = FD_NDICT,
				.ndays = NDAYS, .seq = F.seq, .row_of_len = F.row_of_len, .fp_id = fp_id,
				.fp_created = fp_created};
	memcpy(h.magic, snap_magic, sizeof h.magic);
	put(&o, &h, sizeof h);
	put(&o, F.day, F.n * sizeof *F.day);
	put(&o, F.hour, F.n * sizeof *F.hour);
	put(&o, F.flags, F.n * sizeof *F.flags);
	put(&o, F.handling, F.n * sizeof *F.handling);
	put(&o, F.comp, F.n * sizeof *F.comp);
	for (int k = 0; k < FD_NDICT; k++)
		put(&o, F.dv[k], F.n * sizeof *F.dv[k]);
	put(&o, F.row_of, (size_t)F.row_of_len * sizeof *F.row_of);
	put(&o, F.day_lo, NDAYS * sizeof *F.day_lo);
	put(&o, F.day_hi, NDAYS * sizeof *F.day_hi);
	for (int k = 0; k < FD_NDICT; k++) {
		uint32_t n = F.dicts[k].n;
		put(&o, &n, sizeof n);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t len = (uint32_t)strlen(F.dicts[k].keys[i]);
			put(&o, &len, sizeof len);
			put(&o, F.dicts[k].keys[i], len);
		}
	}
	int64_t seq = F.seq;
	uint32_t rows = F.n;
	pthread_rwlock_unlock(&F.lock);
	unsigned char sum[32];
	crypto_sha256_final(&o.h, sum);
	if (!o.bad && fwrite(sum, 1, sizeof sum, o.f) != sizeof sum)
		o.bad = true;
	if (fflush(o.f) != 0 || fsync(fileno(o.f)) != 0)
		o.bad = true;
	if (fclose(o.f) != 0)
		o.bad = true;
	if (o.bad || rename(tmp, F.snap_path) != 0) {
		log_warn("report index: cannot write the snapshot %s: %s", F.snap_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* The rename is durable once the directory is. */
	snprintf(dir, sizeof dir, "%s", F.snap_path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	log_info("report index: snapshot of %u complaints at change %lld written in %.2f s", rows, (long long)seq,
		 (double)(mono_ns() - t0) / 1e9);
	return 0;
}

/* Reads through the hash; false once the file ran short. */
struct snap_in {
	FILE *f;
	struct crypto_sha256_ctx h;
	bool bad;
};

static bool get(struct snap_in *in, void *p, size_t n)
{
	if (in->bad || (n && fread(p, 1, n, in->f) != n))
		return !(in->bad = true);
	crypto_sha256_update(&in->h, p, n);
	return true;
}

/* Frees the rows and the dictionaries: the index is empty (F.loaded false). */
static void drop_all(void)
{
	for (int k = 0; k < FD_NDICT; k++)
		dict_free(&F.dicts[k]);
	F.loaded = false;
	clear_all();
}

/* Loads the snapshot into the (empty) index, under the write lock. 0 when it was taken, -1 when
 * it was absent or refused (logged; the index is left empty). Checks the database against it. */
static int snapshot_load(struct db *d)
{
	if (!F.snap_path[0])
		return -1;
	uint64_t t0 = mono_ns();
	struct snap_in in = {.f = fopen(F.snap_path, "rb")};
	if (!in.f) {
		if (errno != ENOENT)
			log_warn("report index: cannot read the snapshot %s: %s", F.snap_path, strerror(errno));
		return -1;
	}
	const char *why = NULL;
	struct stat st;
	struct snap_header h;
	crypto_sha256_init(&in.h);
	if (fstat(fileno(in.f), &st) != 0 || !get(&in, &h, sizeof h) || memcmp(h.magic, snap_magic, sizeof h.magic))
		why = "not a snapshot";
	else if (h.endian != 0x01020304u || h.version != SNAP_VERSION || h.ndict != FD_NDICT || h.ndays != NDAYS)
		why = "another version";
	else if (h.row_of_len < 0 || h.row_of_len > UINT32_MAX || h.n > h.row_of_len ||
		 (uint64_t)st.st_size < sizeof h + (uint64_t)h.n * (15 + 2 * FD_NDICT) + (uint64_t)h.row_of_len * 4)
		why = "truncated";
	int64_t head = 0, id = 0, created = 0;
	if (!why && (store_changes_head(d, &head) < 0 || store_facts_fingerprint(d, &id, &created) < 0))
		why = "the database cannot be read";
	else if (!why && (id != h.fp_id || created != h.fp_created))
		why = "taken of another database";
	else if (!why && h.seq > head)
		why = "newer than the database's change log";
	if (why) {
		fclose(in.f);
		log_warn("report index: snapshot %s ignored (%s); rebuilding from the database", F.snap_path, why);
		return -1;
	}
	drop_all();
	uint32_t cap = h.n ? h.n : 1;
	F.day = grow(F.day, sizeof *F.day, cap);
	F.hour = grow(F.hour, sizeof *F.hour, cap);
	F.flags = grow(F.flags, sizeof *F.flags, cap);
	F.handling = grow(F.handling, sizeof *F.handling, cap);
	F.comp = grow(F.comp, sizeof *F.comp, cap);
	for (int k = 0; k < FD_NDICT; k++)
		F.dv[k] = grow(F.dv[k], sizeof *F.dv[k], cap);
	F.cap = cap;
	if (h.row_of_len > F.row_of_len) {
		F.row_of = grow(F.row_of, sizeof *F.row_of, (uint32_t)h.row_of_len);
		F.row_of_len = h.row_of_len;
	}
	if (F.row_of_len) /* row_of may still be NULL: memset(NULL, 0, 0) is undefined */
		memset(F.row_of, 0, (size_t)F.row_of_len * sizeof *F.row_of);
	get(&in, F.day, h.n * sizeof *F.day);
	get(&in, F.hour, h.n * sizeof *F.hour);
	get(&in, F.flags, h.n * sizeof *F.flags);
	get(&in, F.handling, h.n * sizeof *F.handling);
	get(&in, F.comp, h.n * sizeof *F.comp);
	for (int k = 0; k < FD_NDICT; k++)
		get(&in, F.dv[k], h.n * sizeof *F.dv[k]);
	get(&in, F.row_of, (size_t)h.row_of_len * sizeof *F.row_of);
	get(&in, F.day_lo, NDAYS * sizeof *F.day_lo);
	get(&in, F.day_hi, NDAYS * sizeof *F.day_hi);
	for (int k = 0; k < FD_NDICT && !in.bad && !F.oom; k++) {
		uint32_t n = 0;
		if (!get(&in, &n, sizeof n) || n > UINT16_MAX) {
			in.bad = true;
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t len = 0;
			char key[256];
			if (!get(&in, &len, sizeof len) || len >= sizeof key || !get(&in, key, len)) {
				in.bad = true;
				break;
			}
			key[len] = '\0';
			/* Interned in file order, so each key gets back its number; the first is "". */
			if (i > 0 && dict_intern(&F.dicts[k], key) != i)
				in.bad = true;
		}
	}
	unsigned char want[32], sum[32];
	crypto_sha256_final(&in.h, want);
	bool ok = !in.bad && !F.oom && fread(sum, 1, sizeof sum, in.f) == sizeof sum && fgetc(in.f) == EOF &&
		  !memcmp(sum, want, sizeof sum);
	fclose(in.f);
	/* Row numbers must stay inside the rows: a checksum collision must not become a wild write. */
	for (int64_t i = 0; ok && i < h.row_of_len; i++)
		ok = F.row_of[i] <= h.n;
	if (!ok) {
		drop_all();
		log_warn("report index: snapshot %s ignored (corrupt or truncated); rebuilding from the database",
			 F.snap_path);
		return -1;
	}
	F.n = h.n;
	F.seq = h.seq;
	fp_id = h.fp_id;
	fp_created = h.fp_created;
	log_info("report index: %u complaints loaded from the snapshot (change %lld) in %.2f s", h.n, (long long)h.seq,
		 (double)(mono_ns() - t0) / 1e9);
	return 0;
}

/* The change log keeps this many changes behind the newest one applied; an instance that falls
 * further behind (its position was pruned) reloads everything. */
#define KEEP_CHANGES 200000
#define PRUNE_EVERY 100000

static int prune_tx(struct db *d, void *arg)
{
	return store_changes_prune(d, *(int64_t *)arg);
}

int facts_sync(struct db *d)
{
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
	pthread_rwlock_wrlock(&F.lock);
	if (!F.loaded && snapshot_load(d) == 0) {
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
	for (int k = 0; k < FD_NDICT; k++) {
		free(F.dv[k]);
		F.dv[k] = NULL;
		dict_free(&F.dicts[k]);
	}
	free(F.row_of);
	free(F.day_lo);
	free(F.day_hi);
	F.day = NULL;
	F.hour = NULL;
	F.flags = F.handling = NULL;
	F.comp = NULL;
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

void facts_stats(uint64_t *rows, size_t *bytes, int64_t *seq)
{
	pthread_rwlock_rdlock(&F.lock);
	*rows = F.n;
	*seq = F.seq;
	size_t per_row = sizeof *F.day + sizeof *F.hour + sizeof *F.flags + sizeof *F.handling + sizeof *F.comp +
			 FD_NDICT * sizeof(uint16_t);
	*bytes = (size_t)F.cap * per_row + (size_t)F.row_of_len * sizeof *F.row_of + 2 * NDAYS * sizeof(uint32_t);
	pthread_rwlock_unlock(&F.lock);
}

/* ---- the scan ---- */

/* Money sums saturate instead of wrapping: rows stored before compensation was range-checked
 * (issue 11 M5) may hold up to INT64_MAX, and two of them once summed to -2 fen. */
static inline int64_t money_add(int64_t a, int64_t b)
{
	int64_t s;
	if (!__builtin_add_overflow(a, b, &s))
		return s;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

static inline void agg_add(struct fact_agg *a, uint16_t fl, uint16_t handling, int64_t comp)
{
	a->count++;
	a->closed += (fl >> 1) & 1;
	a->on_time += (fl >> 2) & 1;
	a->overdue += (fl >> 3) & 1;
	a->open += (fl >> 4) & 1;
	a->due_soon += (fl >> 5) & 1;
	a->open_overdue += (fl >> 4) & (fl >> 3) & 1;
	a->callbacks += (fl >> 6) & 1;
	a->satisfied += (fl >> 7) & 1;
	a->repeats += (fl >> 8) & 1;
	a->clock_restarted += (fl >> 10) & 1;
	a->handling_tenths += handling;
	a->compensation_fen = money_add(a->compensation_fen, comp);
}

/* The group index of row i on one axis. */
static inline uint32_t group_of(enum fact_dim dim, const uint32_t *map, uint32_t i, int32_t from_day)
{
	switch (dim) {
	case FD_DAY:
		return (uint32_t)(F.day[i] - from_day);
	case FD_HOUR:
		return F.hour[i];
	case FD_NONE:
		return 0;
	default:
		return map ? map[F.dv[dim][i]] : F.dv[dim][i];
	}
}

/* Counts rows [lo, hi) into groups and *total (both zeroed by the caller). */
static void scan_range(const struct fact_query *q, uint32_t lo, uint32_t hi, struct fact_agg *groups,
		       struct fact_agg *total)
{
	int32_t from = q->from_day < 0 ? 0 : q->from_day, to = q->to_day >= NDAYS ? NDAYS - 1 : q->to_day;
	/* Only the filters in use are tested, each a table lookup. */
	const uint16_t *fcol[FD_NDICT];
	const uint8_t *fsel[FD_NDICT];
	int nf = 0;
	for (int k = 0; k < FD_NDICT; k++)
		if (q->sel[k]) {
			fcol[nf] = F.dv[k];
			fsel[nf++] = q->sel[k];
		}
	uint32_t span = (uint32_t)(to - from);
	uint16_t need = q->rows == FR_COUNTED ? F_COUNTED : q->rows == FR_LISTED ? F_LISTED : 0;
	bool rights = q->group == FD_RIGHT;
	uint32_t n2 = q->group2 == FD_NONE ? 1 : q->ngroups2;
	for (uint32_t i = lo; i < hi; i++) {
		uint16_t fl = F.flags[i];
		if ((fl & need) != need || (uint32_t)(F.day[i] - from) > span)
			continue;
		int f = 0;
		while (f < nf && fsel[f][fcol[f][i]])
			f++;
		if (f < nf)
			continue;
		agg_add(total, fl, F.handling[i], F.comp[i]);
		if (rights) {
			for (uint32_t bits = F.dv[FD_RIGHT][i], b = 0; bits; bits >>= 1, b++)
				if (bits & 1)
					agg_add(&groups[b + 1], fl, F.handling[i], F.comp[i]);
			continue;
		}
		if (q->group == FD_NONE)
			continue;
		uint32_t g = group_of(q->group, q->map, i, q->from_day) * n2;
		if (n2 > 1)
			g += group_of(q->group2, q->map2, i, q->from_day);
		agg_add(&groups[g], fl, F.handling[i], F.comp[i]);
	}
}

/* A share of a scan run on another thread. */
struct scan_part {
	const struct fact_query *q;
	uint32_t lo, hi;
	size_t ngroups;
	struct fact_agg *groups, total;
};

static void *scan_part_main(void *arg)
{
	struct scan_part *p = arg;
	scan_range(p->q, p->lo, p->hi, p->groups, &p->total);
	return NULL;
}

void facts_agg_merge(struct fact_agg *to, const struct fact_agg *a)
{
	to->count += a->count;
	to->closed += a->closed;
	to->on_time += a->on_time;
	to->overdue += a->overdue;
	to->open += a->open;
	to->due_soon += a->due_soon;
	to->open_overdue += a->open_overdue;
	to->callbacks += a->callbacks;
	to->satisfied += a->satisfied;
	to->repeats += a->repeats;
	to->clock_restarted += a->clock_restarted;
	to->handling_tenths += a->handling_tenths;
	to->compensation_fen = money_add(to->compensation_fen, a->compensation_fen);
}

/* Below this many rows one thread is quicker than starting another. */
static uint32_t split_rows = 1000000u;

void facts_set_split_rows(uint32_t rows)
{
	split_rows = rows ? rows : 1;
}

void facts_scan(const struct fact_query *q, struct fact_agg *groups, struct fact_agg *total)
{
	*total = (struct fact_agg){0};
	if (!F.day_lo || q->from_day > q->to_day)
		return;
	int32_t from = q->from_day < 0 ? 0 : q->from_day, to = q->to_day >= NDAYS ? NDAYS - 1 : q->to_day;
	uint32_t lo = UINT32_MAX, hi = 0;
	for (int32_t d = from; d <= to; d++) {
		if (F.day_lo[d] < lo)
			lo = F.day_lo[d];
		if (F.day_hi[d] > hi)
			hi = F.day_hi[d];
	}
	if (lo >= hi)
		return;
	/* Large scans are split in two: the second half runs on a helper thread. */
	struct scan_part part = {.q = q};
	bool split = hi - lo >= split_rows;
	pthread_t t;
	if (split) {
		part.ngroups = (size_t)(q->group == FD_NONE ? 1 : q->ngroups) * (q->group2 == FD_NONE ? 1 : q->ngroups2);
		part.groups = calloc(part.ngroups, sizeof *part.groups);
		part.lo = lo + (hi - lo) / 2;
		part.hi = hi;
		hi = part.lo;
		if (!part.groups || pthread_create(&t, NULL, scan_part_main, &part) != 0) {
			free(part.groups);
			hi = part.hi;
			split = false;
		}
	}
	scan_range(q, lo, hi, groups, total);
	if (split) {
		pthread_join(t, NULL);
		facts_agg_merge(total, &part.total);
		for (size_t g = 0; g < part.ngroups; g++)
			if (part.groups[g].count)
				facts_agg_merge(&groups[g], &part.groups[g]);
		free(part.groups);
	}
}
