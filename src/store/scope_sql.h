/* The data-scope condition every scoped list query uses, in one place. path_col is the
 * institution path of the row, org_col its institution id, owner_col the user it belongs to.
 * SCOPE_ARGS binds the seven parameters in order from a struct scope_filter. */
#ifndef FCMS_SCOPE_SQL_H
#define FCMS_SCOPE_SQL_H
#define SCOPE_SQL(path_col, org_col, owner_col)                                                 \
	"(? = 3 OR (? = 2 AND " path_col " LIKE ?) OR (? = 1 AND " org_col " = ?) OR (? = 0 AND " \
	owner_col " = ?))"
#define SCOPE_ARGS(sf)                                                                          \
	DB_INT((sf)->kind), DB_INT((sf)->kind), DB_TEXT((sf)->path_like), DB_INT((sf)->kind),   \
		DB_INT((sf)->org_id), DB_INT((sf)->kind), DB_INT((sf)->user_id)
#endif
