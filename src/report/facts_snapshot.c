/* The report index on disk (see "the snapshot" in facts.h): a versioned file of the index's
 * columns and dictionaries with the change-log position it covers and the database's
 * fingerprint, checksummed with SHA-256. Written through a temp file, fsync and rename; read back
 * only when every check passes, else the index is rebuilt from the database. */
#include "report/facts_index.h"
#include "store/db.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when a column, a flag's meaning, FACT_COLUMNS or the layout below changes. */
#define SNAP_VERSION 5u /* 2: SHA-256 checksum (util/crypto.h) instead of BLAKE2b; 3: tags; 4: registrar, handler;
                         * 5: deadlines */
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
				.ndays = NDAYS, .seq = F.seq, .row_of_len = F.row_of_len, .fp_id = F.fp_id,
				.fp_created = F.fp_created};
	memcpy(h.magic, snap_magic, sizeof h.magic);
	put(&o, &h, sizeof h);
	put(&o, F.day, F.n * sizeof *F.day);
	put(&o, F.hour, F.n * sizeof *F.hour);
	put(&o, F.flags, F.n * sizeof *F.flags);
	put(&o, F.handling, F.n * sizeof *F.handling);
	put(&o, F.comp, F.n * sizeof *F.comp);
	put(&o, F.due, F.n * sizeof *F.due);
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
	__atomic_store_n(&F.snap_seq, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&F.snap_at_ms, now_ms(), __ATOMIC_RELEASE);
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


/* Why the file behind in (its header read into *h) cannot be taken for d, or NULL. */
static const char *snap_refusal(struct snap_in *in, struct db *d, struct snap_header *h)
{
	struct stat st;
	if (fstat(fileno(in->f), &st) != 0 || !get(in, h, sizeof *h) || memcmp(h->magic, snap_magic, sizeof h->magic))
		return "not a snapshot";
	if (h->endian != 0x01020304u || h->version != SNAP_VERSION || h->ndict != FD_NDICT || h->ndays != NDAYS)
		return "another version";
	if (h->row_of_len < 0 || h->row_of_len > UINT32_MAX || h->n > h->row_of_len ||
	    (uint64_t)st.st_size < sizeof *h + (uint64_t)h->n * (23 + 2 * FD_NDICT) + (uint64_t)h->row_of_len * 4)
		return "truncated";
	int64_t head = 0, id = 0, created = 0;
	if (store_changes_head(d, &head) < 0 || store_facts_fingerprint(d, &id, &created) < 0)
		return "the database cannot be read";
	if (id != h->fp_id || created != h->fp_created)
		return "taken of another database";
	if (h->seq > head)
		return "newer than the database's change log";
	return NULL;
}

/* Sizes the (empty) columns for h->n rows and reads them. */
static void snap_read_columns(struct snap_in *in, const struct snap_header *h)
{
	uint32_t cap = h->n ? h->n : 1;
	F.day = facts_grow(F.day, sizeof *F.day, cap);
	F.hour = facts_grow(F.hour, sizeof *F.hour, cap);
	F.flags = facts_grow(F.flags, sizeof *F.flags, cap);
	F.handling = facts_grow(F.handling, sizeof *F.handling, cap);
	F.comp = facts_grow(F.comp, sizeof *F.comp, cap);
	F.due = facts_grow(F.due, sizeof *F.due, cap);
	F.id = facts_grow(F.id, sizeof *F.id, cap);
	for (int k = 0; k < FD_NDICT; k++)
		F.dv[k] = facts_grow(F.dv[k], sizeof *F.dv[k], cap);
	F.cap = cap;
	if (h->row_of_len > F.row_of_len) {
		F.row_of = facts_grow(F.row_of, sizeof *F.row_of, (uint32_t)h->row_of_len);
		F.row_of_len = h->row_of_len;
	}
	if (F.row_of_len) /* row_of may still be NULL: memset(NULL, 0, 0) is undefined */
		memset(F.row_of, 0, (size_t)F.row_of_len * sizeof *F.row_of);
	get(in, F.day, h->n * sizeof *F.day);
	get(in, F.hour, h->n * sizeof *F.hour);
	get(in, F.flags, h->n * sizeof *F.flags);
	get(in, F.handling, h->n * sizeof *F.handling);
	get(in, F.comp, h->n * sizeof *F.comp);
	get(in, F.due, h->n * sizeof *F.due);
	for (int k = 0; k < FD_NDICT; k++)
		get(in, F.dv[k], h->n * sizeof *F.dv[k]);
	get(in, F.row_of, (size_t)h->row_of_len * sizeof *F.row_of);
	/* Each row's id is where row_of points to it (not written twice). */
	for (int64_t id = 0; !in->bad && id < h->row_of_len; id++)
		if (F.row_of[id] && F.row_of[id] <= h->n)
			F.id[F.row_of[id] - 1] = (uint32_t)id;
	get(in, F.day_lo, NDAYS * sizeof *F.day_lo);
	get(in, F.day_hi, NDAYS * sizeof *F.day_hi);
}

/* Reads the dictionaries (in->bad set when the file is wrong). */
static void snap_read_dicts(struct snap_in *in)
{
	for (int k = 0; k < FD_NDICT && !in->bad && !F.oom; k++) {
		uint32_t n = 0;
		if (!get(in, &n, sizeof n) || n > UINT16_MAX) {
			in->bad = true;
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t len = 0;
			char key[256];
			if (!get(in, &len, sizeof len) || len >= sizeof key || !get(in, key, len)) {
				in->bad = true;
				break;
			}
			key[len] = '\0';
			/* Interned in file order, so each key gets back its number; the first is "". */
			if (i > 0 && facts_dict_intern(&F.dicts[k], key) != i)
				in->bad = true;
		}
	}
}

int facts_snapshot_load(struct db *d)
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
	struct snap_header h;
	crypto_sha256_init(&in.h);
	const char *why = snap_refusal(&in, d, &h);
	if (why) {
		fclose(in.f);
		log_warn("report index: snapshot %s ignored (%s); rebuilding from the database", F.snap_path, why);
		return -1;
	}
	facts_drop_all();
	snap_read_columns(&in, &h);
	snap_read_dicts(&in);
	unsigned char want[32], sum[32];
	crypto_sha256_final(&in.h, want);
	bool ok = !in.bad && !F.oom && fread(sum, 1, sizeof sum, in.f) == sizeof sum && fgetc(in.f) == EOF &&
		  !memcmp(sum, want, sizeof sum);
	fclose(in.f);
	/* Row numbers must stay inside the rows: a checksum collision must not become a wild write. */
	for (int64_t i = 0; ok && i < h.row_of_len; i++)
		ok = F.row_of[i] <= h.n;
	if (!ok) {
		facts_drop_all();
		log_warn("report index: snapshot %s ignored (corrupt or truncated); rebuilding from the database",
			 F.snap_path);
		return -1;
	}
	F.n = h.n;
	facts_value_rows_rebuild();
	for (F.max_day = NDAYS - 1; F.max_day > 0 && !F.day_hi[F.max_day]; F.max_day--)
		;
	F.seq = h.seq;
	__atomic_store_n(&F.snap_seq, h.seq, __ATOMIC_RELEASE);
	__atomic_store_n(&F.snap_at_ms, now_ms(), __ATOMIC_RELEASE);
	F.fp_id = h.fp_id;
	F.fp_created = h.fp_created;
	log_info("report index: %u complaints loaded from the snapshot (change %lld) in %.2f s", h.n, (long long)h.seq,
		 (double)(mono_ns() - t0) / 1e9);
	return 0;
}
