/* The deadline order of complaint lists and the to-do: (due_at, those without one last, id), as
 * SQL's ORDER BY due_at IS NULL, due_at, id. A page of the first `keep` items of a long pass is
 * kept in a max-heap of that size (its root the last of them), so the pass costs n log keep, not a
 * sort of n. Used by the to-do (store/complaints.c) and the report index (facts_due_page). */
#ifndef FCMS_DUE_ORDER_H
#define FCMS_DUE_ORDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUE_LAST INT64_MAX /* the due of an item without a deadline */

struct due_item {
	int64_t due; /* epoch ms, or DUE_LAST */
	int64_t id;
	uint32_t tag; /* the caller's (a to-do kind) */
};

static inline bool due_item_before(const struct due_item *a, const struct due_item *b)
{
	return a->due != b->due ? a->due < b->due : a->id < b->id;
}

/* Offers it to the heap h[0..*n) holding the first `keep` items seen (h has room for keep):
 * kept when fewer are held or it comes before the last of them, which then leaves. */
void due_keep(struct due_item *h, size_t *n, size_t keep, struct due_item it);
/* Puts h[0..n) (a heap of due_keep or any array) in deadline order. */
void due_sort(struct due_item *h, size_t n);

#endif
