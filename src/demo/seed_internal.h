/* Internals shared by the files of fcms seed-demo: the deterministic random stream
 * (seed_random.c), the bank in memory and its builder (seed_bank.c), used by the complaint
 * generator (seed.c). Not for use outside src/demo/. */
#ifndef FCMS_DEMO_SEED_INTERNAL_H
#define FCMS_DEMO_SEED_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

struct db;

/* ---- deterministic randomness (seed_random.c) ---- */

/* The xorshift64* state: set once from --seed; a retried batch restores it (same rows again). */
extern uint64_t demo_rng_state;
/* 0 <= result < n (0 when n <= 0). */
int demo_rnd_int(int n);

struct weighted {
	const char *key;
	double weight;
};
/* One key of w[0..n) with probability proportional to its weight; n > 0. */
const char *demo_pick(const struct weighted *w, size_t n);
#define PICK(arr) demo_pick(arr, sizeof arr / sizeof arr[0])

/* A Chinese name of two or three characters into out (n bytes). */
void demo_random_name(char *out, size_t n);
/* A valid 18-character resident ID number (with its check character) born in region. */
void demo_random_id_no(const char *region, char out[19]);
/* An 11-digit mobile number. */
void demo_random_phone(char out[12]);

/* ---- the bank in memory ---- */

struct leafset {
	char prefix[8];
	char (*codes)[16];
	int n;
};

struct demo_org {
	int64_t id;
	char code[24];
	char region[8];
	char path[64];
	int64_t handler, registrar;
	int level;  /* 0 head office, 1 province, 2 city, 3 sub-branch */
	int parent; /* index in demo.orgs of the parent (0 for head office and provinces' own) */
};

/* Room for every institution build_bank creates: 1 + 10 × (1 + 6 × (1 + 7)). */
#define DEMO_MAX_ORGS 600

struct demo {
	struct db *d;
	int64_t until; /* end of the window, epoch ms */
	struct demo_org *orgs; /* DEMO_MAX_ORGS entries */
	int norgs;
	int64_t reviewer, reviewer2;
	struct leafset leaves[64];
	int nleaves;
	char rights_for[16][32]; /* suggested rights by C code index */
	char password_hash[128];
};

/* Creates the demo institutions and users under the root institution into dm->orgs (from
 * index 0, the head office), inside a write transaction. Resets dm->norgs first, so it may run
 * twice. 0 or a DB_* error. */
int demo_build_bank(struct demo *dm);

#endif
