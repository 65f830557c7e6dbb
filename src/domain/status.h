/* The complaint statuses and the sets of them that rules and queries share, written once here
 * (issue 13: facts.c, store/complaints.c, complaint.c and workflow.c each had their own list).
 * Header-only. The SQL forms live in store/status_sql.h (the store needs nothing from domain).
 *
 *   open      still being handled: registered, processing, reviewing, replied
 *   clock     the handling deadline runs: registered, processing, reviewing (a subset of open)
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

#include "store/status_sql.h"

/* The same sets for C code. NULL is in none of them. */
static inline bool status_is_clock(const char *s)
{
	return s && (!strcmp(s, "registered") || !strcmp(s, "processing") || !strcmp(s, "reviewing"));
}

static inline bool status_is_open(const char *s)
{
	return status_is_clock(s) || (s && !strcmp(s, "replied"));
}

static inline bool status_is_unfinished(const char *s)
{
	return status_is_open(s) || (s && !strcmp(s, "draft"));
}

#endif
