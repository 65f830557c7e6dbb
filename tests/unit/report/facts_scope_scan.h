/* For the report index's unit tests: a selection of one value, and a scan of one scope
 * institution's complaints (with own_user > 0 also that user's own anywhere, fact_query.own),
 * grouped by group into g[0..64). */
#ifndef FCMS_TEST_FACTS_SCOPE_SCAN_H
#define FCMS_TEST_FACTS_SCOPE_SCAN_H
#include "report/facts.h"
#include <stdlib.h>
#include <string.h>

/* A selection of dim's value key (fact_query.sel; caller frees). Under the read lock. */
static inline uint8_t *select_one(enum fact_dim dim, const char *key)
{
	uint32_t n = facts_dict_size(dim);
	uint8_t *sel = calloc(n, 1);
	assert_non_null(sel);
	for (uint32_t v = 0; v < n; v++)
		sel[v] = !strcmp(facts_dict_key(dim, v), key);
	return sel;
}

static inline void scan_scope_org(const char *org, int64_t own_user, enum fact_dim group, struct fact_agg g[64],
				  struct fact_agg *total)
{
	facts_read_lock();
	uint8_t *sel = select_one(FD_SCOPE_ORG, org);
	struct fact_query q = {.from_day = 0, .to_day = 65535, .group = group, .group2 = FD_NONE, .ngroups = 64};
	q.sel[FD_SCOPE_ORG] = sel;
	if (own_user)
		assert_true(facts_own_values(own_user, &q));
	memset(g, 0, 64 * sizeof *g);
	facts_scan(&q, g, total);
	facts_read_unlock();
	free(sel);
}

#endif
