/* Base data queries (基础数据配置): JR/T 0169 codes (versioned by valid_from/valid_to), the
 * dictionaries (source channels, ID types), GB/T 2260 regions and the deadline calendar. */
#include "store/store.h"
#include <stdlib.h>
#include <string.h>

#define CODE_COLS                                                                               \
	"id, dimension, code, COALESCE(parent, '') AS parent, level, name, sort, suggest_rights," \
	" valid_from, valid_to"
#define IN_FORCE "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"

int store_codes_list(struct db *d, const char *dimension, const char *on_date, json_t **items)
{
	if (on_date)
		return DBJ(d, items,
			   "SELECT " CODE_COLS " FROM codes WHERE (CAST(? AS TEXT) IS NULL OR dimension = ?)"
			   " AND " IN_FORCE " ORDER BY dimension, sort, code",
			   DB_TEXT(dimension), DB_TEXT(dimension), DB_TEXT(on_date), DB_TEXT(on_date));
	return DBJ(d, items,
		   "SELECT " CODE_COLS " FROM codes WHERE (CAST(? AS TEXT) IS NULL OR dimension = ?)"
		   " ORDER BY dimension, sort, code, valid_from",
		   DB_TEXT(dimension), DB_TEXT(dimension));
}

int store_code_in_force(struct db *d, const char *dimension, const char *code, const char *date,
			bool *leaf)
{
	int64_t n = 0, children = 0;
	int rc = DB_SCALAR(d, &n, "SELECT COUNT(*) FROM codes WHERE dimension = ? AND code = ? AND " IN_FORCE,
			   DB_TEXT(dimension), DB_TEXT(code), DB_TEXT(date), DB_TEXT(date));
	if (rc < 0)
		return rc;
	if (n == 0)
		return 0;
	rc = DB_SCALAR(d, &children,
		       "SELECT COUNT(*) FROM codes WHERE dimension = ? AND parent = ? AND " IN_FORCE,
		       DB_TEXT(dimension), DB_TEXT(code), DB_TEXT(date), DB_TEXT(date));
	if (rc < 0)
		return rc;
	*leaf = children == 0;
	return 1;
}

int store_code_get(struct db *d, int64_t id, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT " CODE_COLS " FROM codes WHERE id = ?", DB_INT(id));
	return rc < 0 ? rc : *out != NULL;
}

int store_code_upsert(struct db *d, json_t *row, int64_t now, bool *inserted)
{
	const char *parent = json_string_value(json_object_get(row, "parent"));
	int64_t id = 0;
	int rc = DB_SCALAR(d, &id, "SELECT id FROM codes WHERE dimension = ? AND code = ? AND valid_from = ?",
			   DB_TEXT(json_string_value(json_object_get(row, "dimension"))),
			   DB_TEXT(json_string_value(json_object_get(row, "code"))),
			   DB_TEXT(json_string_value(json_object_get(row, "valid_from"))));
	if (rc < 0)
		return rc;
	*inserted = rc == 0;
	if (rc == 1)
		rc = DBX(d,
			 "UPDATE codes SET parent = ?, level = ?, name = ?, sort = ?, suggest_rights = ?,"
			 " valid_to = ?, updated_at = ? WHERE id = ?",
			 DB_TEXT(parent && *parent ? parent : NULL), DB_INT(json_integer_value(json_object_get(row, "level"))),
			 DB_TEXT(json_string_value(json_object_get(row, "name"))),
			 DB_INT(json_integer_value(json_object_get(row, "sort"))),
			 DB_TEXT(json_string_value(json_object_get(row, "suggest_rights"))),
			 DB_TEXT(json_string_value(json_object_get(row, "valid_to"))), DB_INT(now), DB_INT(id));
	else
		rc = DBX(d,
			 "INSERT INTO codes (dimension, code, parent, level, name, sort, suggest_rights, valid_from,"
			 " valid_to, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			 DB_TEXT(json_string_value(json_object_get(row, "dimension"))),
			 DB_TEXT(json_string_value(json_object_get(row, "code"))),
			 DB_TEXT(parent && *parent ? parent : NULL), DB_INT(json_integer_value(json_object_get(row, "level"))),
			 DB_TEXT(json_string_value(json_object_get(row, "name"))),
			 DB_INT(json_integer_value(json_object_get(row, "sort"))),
			 DB_TEXT(json_string_value(json_object_get(row, "suggest_rights"))),
			 DB_TEXT(json_string_value(json_object_get(row, "valid_from"))),
			 DB_TEXT(json_string_value(json_object_get(row, "valid_to"))), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_codes_count(struct db *d, int64_t *n)
{
	int rc = DB_SCALAR(d, n, "SELECT COUNT(*) FROM codes", DB_END);
	return rc < 0 ? rc : DB_OK;
}

/* ---- dictionaries ---- */

int store_dict_list(struct db *d, const char *kind, json_t **items)
{
	return DBJ(d, items,
		   "SELECT kind, code, name, sort, enabled, attrs FROM dictionary_items WHERE kind = ?"
		   " ORDER BY sort, code",
		   DB_TEXT(kind));
}

int store_dict_get(struct db *d, const char *kind, const char *code, json_t **out)
{
	int rc = DBJ1(d, out,
		      "SELECT kind, code, name, sort, enabled, attrs FROM dictionary_items WHERE kind = ? AND code = ?",
		      DB_TEXT(kind), DB_TEXT(code));
	return rc < 0 ? rc : *out != NULL;
}

int store_dict_upsert(struct db *d, const char *kind, const char *code, const char *name, int64_t sort,
		      bool enabled, const char *attrs, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO dictionary_items (kind, code, name, sort, enabled, attrs, updated_at)"
		     " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, code) DO UPDATE SET name = excluded.name,"
		     " sort = excluded.sort, enabled = excluded.enabled, attrs = excluded.attrs,"
		     " updated_at = excluded.updated_at",
		     DB_TEXT(kind), DB_TEXT(code), DB_TEXT(name), DB_INT(sort), DB_INT(enabled),
		     DB_TEXT(attrs ? attrs : "{}"), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

/* ---- regions ---- */

int store_regions_list(struct db *d, const char *parent, json_t **items)
{
	if (!parent)
		return DBJ(d, items, "SELECT code, name, parent, level FROM regions WHERE level = 1 ORDER BY code", DB_END);
	return DBJ(d, items, "SELECT code, name, parent, level FROM regions WHERE parent = ? ORDER BY code",
		   DB_TEXT(parent));
}

int store_regions_all(struct db *d, json_t **items)
{
	return DBJ(d, items, "SELECT code, name, parent, level FROM regions ORDER BY code", DB_END);
}

int store_region_get(struct db *d, const char *code, json_t **out)
{
	int rc = DBJ1(d, out, "SELECT code, name, parent, level FROM regions WHERE code = ?", DB_TEXT(code));
	return rc < 0 ? rc : *out != NULL;
}

int store_region_insert(struct db *d, const char *code, const char *name, const char *parent, int level)
{
	int rc = DBX(d,
		     "INSERT INTO regions (code, name, parent, level) VALUES (?, ?, ?, ?)"
		     " ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent,"
		     " level = excluded.level",
		     DB_TEXT(code), DB_TEXT(name), DB_TEXT(parent), DB_INT(level));
	return rc < 0 ? rc : DB_OK;
}

int store_regions_count(struct db *d, int64_t *n)
{
	int rc = DB_SCALAR(d, n, "SELECT COUNT(*) FROM regions", DB_END);
	return rc < 0 ? rc : DB_OK;
}

/* ---- calendar ---- */

int store_calendar_list(struct db *d, int year, json_t **items)
{
	return DBJ(d, items,
		   "SELECT day, kind, note, updated_at FROM calendar_days WHERE day >= ? AND day < ? ORDER BY day",
		   DB_INT(year * 10000), DB_INT((year + 1) * 10000));
}

int store_calendar_set(struct db *d, int32_t day, const char *kind, const char *note, int64_t now)
{
	int rc = DBX(d,
		     "INSERT INTO calendar_days (day, kind, note, updated_at) VALUES (?, ?, ?, ?)"
		     " ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, note = excluded.note,"
		     " updated_at = excluded.updated_at",
		     DB_INT(day), DB_TEXT(kind), DB_TEXT(note ? note : ""), DB_INT(now));
	return rc < 0 ? rc : DB_OK;
}

int store_calendar_delete(struct db *d, int32_t day)
{
	return DBX(d, "DELETE FROM calendar_days WHERE day = ?", DB_INT(day));
}

static long calendar_loads;

long store_calendar_loads(void)
{
	return __atomic_load_n(&calendar_loads, __ATOMIC_RELAXED);
}

int store_calendar_load(struct db *d, struct calendar_data *out)
{
	__atomic_add_fetch(&calendar_loads, 1, __ATOMIC_RELAXED);
	memset(out, 0, sizeof *out);
	struct db_res *r;
	int rc = DBQ(d, &r, "SELECT day, kind FROM calendar_days ORDER BY day", DB_END);
	if (rc < 0)
		return rc;
	size_t cap = 0;
	while ((rc = db_next(r)) == 1) {
		bool holiday = strcmp(db_text(r, 1), "holiday") == 0;
		int32_t **arr = holiday ? &out->holidays : &out->workdays;
		size_t *n = holiday ? &out->nholidays : &out->nworkdays;
		if (*n + 1 > cap) {
			cap = cap ? cap * 2 : 64;
			int32_t *a = realloc(out->holidays, cap * sizeof(int32_t));
			int32_t *b = a ? realloc(out->workdays, cap * sizeof(int32_t)) : NULL;
			if (a)
				out->holidays = a;
			if (b)
				out->workdays = b;
			if (!a || !b) {
				rc = DB_HARD;
				break;
			}
		}
		(*arr)[(*n)++] = (int32_t)db_int(r, 0);
	}
	db_done(r);
	if (rc < 0)
		store_calendar_free(out);
	return rc < 0 ? rc : DB_OK;
}

void store_calendar_free(struct calendar_data *c)
{
	free(c->holidays);
	free(c->workdays);
	memset(c, 0, sizeof *c);
}
