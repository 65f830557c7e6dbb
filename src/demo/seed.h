/* Demo data for fcms seed-demo (see seed.c, seed_bank.c, seed_random.c). */
#ifndef FCMS_DEMO_SEED_H
#define FCMS_DEMO_SEED_H
#include <stdbool.h>
#include <stdint.h>

struct db;

struct demo_options {
	int64_t complaints; /* how many complaints */
	uint64_t seed;      /* same seed (and until) → same data */
	int64_t until;      /* end of the two-year window, epoch ms; 0 = now */
	int64_t timelines;  /* the most recent N complaints also get audit timelines */
	const char *password; /* password of every demo account */
	bool progress;
};

/* Builds the demo bank and its complaints into an empty complaint table. 0, or -1 (printed). */
int demo_seed(struct db *d, const struct demo_options *opt);

#endif
