/* See due_order.h. */
#include "util/due_order.h"
#include <stdlib.h>

void due_keep(struct due_item *h, size_t *n, size_t keep, struct due_item it)
{
	size_t i;
	if (*n < keep) {
		i = (*n)++;
		while (i > 0 && due_item_before(&h[(i - 1) / 2], &it)) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = it;
		return;
	}
	if (keep == 0 || !due_item_before(&it, &h[0]))
		return;
	i = 0; /* replace the root and sift down */
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && due_item_before(&h[c], &h[c + 1]))
			c++;
		if (!due_item_before(&it, &h[c]))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = it;
}

static int due_item_cmp(const void *a, const void *b)
{
	const struct due_item *x = a, *y = b;
	return due_item_before(x, y) ? -1 : due_item_before(y, x) ? 1 : 0;
}

void due_sort(struct due_item *h, size_t n)
{
	if (n > 1)
		qsort(h, n, sizeof *h, due_item_cmp);
}
