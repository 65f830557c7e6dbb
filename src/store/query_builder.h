/* A fixed-size builder of SQL text and its bound values, for the few queries assembled from
 * filters (store/complaints.c). It never truncates: text or values that do not fit set
 * `overflow`, and the query must then not run (qb_check gives DB_HARD, logged). Header-only so
 * the unit tests reach it. */
#ifndef FCMS_STORE_QUERY_BUILDER_H
#define FCMS_STORE_QUERY_BUILDER_H
#include "store/db.h"
#include "util/log.h"
#include <stdbool.h>
#include <string.h>

#define QB_MAX_ARGS 96
struct qb {
	char sql[8192];
	size_t len;
	struct db_val args[QB_MAX_ARGS]; /* the last slot is kept for DB_END */
	int nargs;
	bool overflow;
};

/* Appends text; on overflow nothing is appended and q->overflow is set. */
static inline void qb_add(struct qb *q, const char *text)
{
	size_t n = strlen(text);
	if (q->overflow || q->len + n >= sizeof q->sql) {
		q->overflow = true;
		return;
	}
	memcpy(q->sql + q->len, text, n + 1);
	q->len += n;
}

/* Appends a bound value; on overflow q->overflow is set. */
static inline void qb_arg(struct qb *q, struct db_val v)
{
	if (q->overflow || q->nargs >= QB_MAX_ARGS - 1) {
		q->overflow = true;
		return;
	}
	q->args[q->nargs++] = v;
}

/* Terminates the values with DB_END. DB_OK, or DB_HARD (logged) when anything overflowed:
 * a truncated query must never run. */
static inline int qb_check(struct qb *q)
{
	if (q->overflow) {
		log_error("query builder overflow (%zu bytes, %d values): query not run", q->len, q->nargs);
		return DB_HARD;
	}
	q->args[q->nargs] = DB_END;
	return DB_OK;
}

/* Empties q for the next statement (keeps nothing). */
static inline void qb_reset(struct qb *q)
{
	q->len = 0;
	q->sql[0] = '\0';
	q->nargs = 0;
	q->overflow = false;
}

#endif
