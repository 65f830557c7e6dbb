/* Internal to the complaint queries (store/complaints.c, store/complaint_list.c): the select
 * with the names a complaint row carries, the open-work term of the partial indexes, and the
 * prefix ranges both files build. Not for other modules. */
#ifndef FCMS_STORE_COMPLAINT_SQL_H
#define FCMS_STORE_COMPLAINT_SQL_H
#include "store/status_sql.h"
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>

/* " c.status IN <unfinished>": the term the partial indexes of open work (migration
 * sqlite/0018, pg/0016) carry in their WHERE, verbatim (store/status_sql.h). */
#define UNFINISHED " c.status IN " STATUS_UNFINISHED_SQL

/* The rows a complaint's names come from (store/complaint_record.h: COMPLAINT_JOINED). */
#define COMPLAINT_FROM                                                                            \
	" FROM complaints c LEFT JOIN institutions co ON co.id = c.complained_org_id"           \
	" LEFT JOIN institutions ho ON ho.id = c.handling_org_id"                                 \
	" LEFT JOIN users hu ON hu.id = c.handler_id LEFT JOIN users ru ON ru.id = c.registrar_id" \
	" LEFT JOIN institutions ro ON ro.id = c.registrar_org_id"
#define COMPLAINT_SELECT_KIND(EXTRA)                                                            \
	"SELECT c.*, " EXTRA " AS todo_kind, co.name AS complained_org_name, ho.name AS handling_org_name,"              \
	" hu.name AS handler_name, ru.name AS registrar_name, ro.name AS registrar_org_name,"    \
	" co.path AS complained_org_path" COMPLAINT_FROM
#define COMPLAINT_SELECT COMPLAINT_SELECT_KIND("NULL")

/* Upper bound of a prefix range: "/1/5/" -> "/1/50" ('0' follows '/'), "B03" -> "B04".
 * false when prefix does not fit in n bytes. */
bool complaint_sql_prefix_end(const char *prefix, char *out, size_t n);
/* The subtree of a scope as the range [path, end) of org_path; false when it does not fit. */
bool complaint_sql_subtree_range(const struct scope_filter *sf, char *path, char *end, size_t n);

#endif
