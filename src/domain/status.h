/* The complaint statuses and the sets of them that rules and queries share, written once here
 * (issue 13: facts.c, store/complaints.c, complaint.c and workflow.c each had their own list).
 * Header-only. The SQL forms live in store/status_sql.h (the store needs nothing from domain).
 *
 *   open      still being handled: registered, processing, reviewing, replied
 *   clock     the handling deadline runs: registered, processing, reviewing (a subset of open)
 *   queue     registered, processing: may be assigned or merged (the organisation's queue)
 *   unfinished  open plus draft: every complaint the to-do, the queues and the deadline watch can
 *             touch (a draft awaiting deletion is on the approver's to-do). A few % of the table.
 *
 * The trap: migrations sqlite/0018 and pg/0016 carry STATUS_UNFINISHED_SQL in the WHERE of the
 * partial indexes of open work, and SQLite uses a partial index only when the query holds the
 * same term, item for item and in the same order. Queries that want those indexes therefore add
 * " AND c.status IN " STATUS_UNFINISHED_SQL verbatim; tests/unit/test_status.c checks that the
 * migrations and these lists agree, and that the C tests below match the SQL lists. */
#ifndef FCMS_DOMAIN_STATUS_H
#define FCMS_DOMAIN_STATUS_H
#include <stdbool.h>
#include <string.h>

/* Every status, in the order of the lifecycle (labels: domain/vocabulary.c). */
enum status_code {
	ST_DRAFT, ST_REGISTERED, ST_PROCESSING, ST_REVIEWING, ST_REPLIED, ST_CLOSED, ST_WITHDRAWN, ST_DELETED,
	ST_COUNT
};

/* The code of status i (static string), or NULL out of range. */
static inline const char *status_code(int i)
{
	static const char *const codes[ST_COUNT] = {"draft",   "registered", "processing", "reviewing",
						    "replied", "closed",     "withdrawn",  "deleted"};
	return i >= 0 && i < ST_COUNT ? codes[i] : NULL;
}

/* The index of status s, or -1 for NULL or an unknown code. */
static inline int status_index(const char *s)
{
	for (int i = 0; s && i < ST_COUNT; i++)
		if (strcmp(status_code(i), s) == 0)
			return i;
	return -1;
}

#include "store/status_sql.h"

/* The same sets for C code, as bit sets over enum status_code (workflow.c's transition table
 * uses them too). NULL and unknown codes are in none of them. */
#define STATUS_BIT(i) (1u << (i))
#define STATUS_CLOCK_SET (STATUS_BIT(ST_REGISTERED) | STATUS_BIT(ST_PROCESSING) | STATUS_BIT(ST_REVIEWING))
#define STATUS_OPEN_SET (STATUS_CLOCK_SET | STATUS_BIT(ST_REPLIED))
#define STATUS_UNFINISHED_SET (STATUS_OPEN_SET | STATUS_BIT(ST_DRAFT))
/* queue  waiting for a handler or in one's hands: may be assigned, merged, or taken from the
 *        organisation's queue ("c.status IN " STATUS_QUEUE_SQL) */
#define STATUS_QUEUE_SET (STATUS_BIT(ST_REGISTERED) | STATUS_BIT(ST_PROCESSING))

static inline bool status_in_set(const char *s, unsigned set)
{
	int i = status_index(s);
	return i >= 0 && (set & STATUS_BIT(i)) != 0;
}

static inline bool status_is_clock(const char *s)
{
	return status_in_set(s, STATUS_CLOCK_SET);
}

static inline bool status_is_open(const char *s)
{
	return status_in_set(s, STATUS_OPEN_SET);
}

static inline bool status_is_unfinished(const char *s)
{
	return status_in_set(s, STATUS_UNFINISHED_SET);
}

#endif
