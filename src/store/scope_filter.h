/* Data scope as list queries apply it: the four widths of a role's data scope and the
 * parameters every scoped query binds (store/scope_sql.h writes the condition). The width is
 * decided in domain (domain/permissions.h: scope_filter_for, scope_allows); the store only
 * filters rows with it. */
#ifndef FCMS_SCOPE_FILTER_H
#define FCMS_SCOPE_FILTER_H
#include <stdint.h>

/* Ordered by width: a wider scope has the larger value (a user's scope is the widest of their
 * roles' scopes). */
enum data_scope { SCOPE_SELF = 0, SCOPE_ORG = 1, SCOPE_SUBTREE = 2, SCOPE_ALL = 3 };

/* Parameters for list queries, so every store list applies scope the same way:
 * filter rows with "(?1 = 3 OR (?1 = 2 AND path LIKE ?2) OR (?1 = 1 AND org_id = ?3)
 * OR (?1 = 0 AND owner = ?4))". */
struct scope_filter {
	int kind;
	char path_like[520]; /* org_path + '%' */
	int64_t org_id;
	int64_t user_id;
};

#endif
