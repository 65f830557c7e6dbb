/* Bounded counts that steer a complaint list's access paths (issue 13), kept a short
 * while between requests: how many complaints a scope, a person's own registrations or cases, an
 * institution filter's subtree hold, up to a bound. Every list request counted them again: the
 * subtree of a province branch up to 20,001 (160,000 VM steps, ~2 ms of CPU), the handler's and
 * the registrar's own, before any of its own work (a sub-branch handler's 34 processing cases:
 * 4.7 ms, 3 of them the counts). A count only chooses the path; every path gives the same rows
 * and total (tests/api/complaints-access-paths.test.mjs), so a count up to PLAN_COUNT_TTL_MS old
 * costs at most a slower plan, never a wrong answer. One cache per process, shared by the read
 * workers; the key names the database (SQLite: complaint_text_edits' random token; PostgreSQL:
 * "pg", a server process serving one --db), the statement and its arguments. */
#ifndef FCMS_PLAN_COUNT_CACHE_H
#define FCMS_PLAN_COUNT_CACHE_H
#include <stdbool.h>
#include <stdint.h>

#define PLAN_COUNT_TTL_MS 30000
#define PLAN_COUNT_KEY_MAX 512 /* longer keys are not kept */

/* The count kept for key, read at most PLAN_COUNT_TTL_MS before now_ms (a monotonic clock), into
 * *n and true; false on a miss. Thread-safe. */
bool plan_count_cache_get(const char *key, int64_t now_ms, int64_t *n);

/* Keeps n for key, read at now_ms, in the slot the key hashes to (replacing what it held). A key
 * of PLAN_COUNT_KEY_MAX bytes or more is not kept. Thread-safe; may run twice. */
void plan_count_cache_put(const char *key, int64_t now_ms, int64_t n);

/* Empties the cache (tests). */
void plan_count_cache_clear(void);

#endif
