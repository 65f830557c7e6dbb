/* The complaint status sets as SQL lists, for queries and the partial indexes of open work
 * (migrations sqlite/0018, pg/0016 carry STATUS_UNFINISHED_SQL verbatim: SQLite uses a partial
 * index only when the query holds the same term, item for item and in the same order). Defined
 * here in store so that the store needs nothing from domain; domain/status.h includes this file
 * and holds the same sets for C code (tests/unit/test_status.c checks that they agree). */
#ifndef FCMS_STORE_STATUS_SQL_H
#define FCMS_STORE_STATUS_SQL_H

#define STATUS_OPEN_SQL "('registered', 'processing', 'reviewing', 'replied')"
#define STATUS_CLOCK_SQL "('registered', 'processing', 'reviewing')"
#define STATUS_UNFINISHED_SQL "('draft', 'registered', 'processing', 'reviewing', 'replied')"
#define STATUS_QUEUE_SQL "('registered', 'processing')"

#endif
