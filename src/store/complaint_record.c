/* The typed complaint record (store/complaint_record.h): everything here is generated from the
 * one column list — the SELECT, the reader, the bound parameters of the insert and the save,
 * the copy, and the JSON form. Nothing here names a column by hand. */
#include "store/complaint_record.h"
#include "store/complaint_sql.h"
#include <stdlib.h>
#include <string.h>

/* Expands x for the roles a statement writes, nothing for the others. */
#define ON_SAVE_SAVE(x) x
#define ON_SAVE_NEW(x)
#define ON_SAVE_IMPORT(x)
#define ON_SAVE_READ(x)
#define ON_SAVE_STAMP(x)
#define ON_NEW_SAVE(x) x
#define ON_NEW_NEW(x) x
#define ON_NEW_IMPORT(x) x
#define ON_NEW_READ(x)
#define ON_NEW_STAMP(x)

#define SEL_COL(kind, name, role) "c." #name ", "
#define SEL_JOIN(name, sql) sql " AS " #name ", "
#define SET_COL(kind, name, role) ON_SAVE_##role(#name " = ?, ")
#define NEW_NAME(kind, name, role) ON_NEW_##role(#name ", ")
#define NEW_Q(kind, name, role) ON_NEW_##role("?, ")
#define ARG_TEXT(n) DB_TEXT(c->n),
#define ARG_INT(n) DB_INT(c->n),
#define ARG_OPT(n) DB_INT_OR_NULL(c->n.set, c->n.v),
#define SAVE_ARG(kind, name, role) ON_SAVE_##role(ARG_##kind(name))
#define NEW_ARG(kind, name, role) ON_NEW_##role(ARG_##kind(name))

void complaint_record_free(struct complaint *c)
{
	if (!c)
		return;
#define FREE_TEXT(n) free(c->n);
#define FREE_INT(n)
#define FREE_OPT(n)
#define FREE_COL(kind, name, role) FREE_##kind(name)
#define FREE_JOIN(name, sql) free(c->name);
	COMPLAINT_COLUMNS(FREE_COL)
	COMPLAINT_JOINED(FREE_JOIN)
	*c = (struct complaint){0};
}

void complaint_record_set_text(struct complaint *c, char **field, const char *v)
{
	char *copy = v ? strdup(v) : NULL;
	if (v && !copy)
		c->oom = true;
	free(*field);
	*field = copy;
}

/* *dst = a copy of src (NULL stays NULL); false when it cannot be allocated. */
static bool dup_text(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

int complaint_record_copy(struct complaint *dst, const struct complaint *src)
{
	*dst = *src;
	bool ok = true;
#define COPY_TEXT(n) ok &= dup_text(&dst->n, src->n);
#define COPY_INT(n)
#define COPY_OPT(n)
#define COPY_COL(kind, name, role) COPY_##kind(name)
#define COPY_JOIN(name, sql) ok &= dup_text(&dst->name, src->name);
	COMPLAINT_COLUMNS(COPY_COL)
	COMPLAINT_JOINED(COPY_JOIN)
	if (ok)
		return 0;
	complaint_record_free(dst);
	return DB_HARD;
}

/* A text as the row JSON has it: null, or a string ("" when not valid UTF-8, as db_row_json). */
static json_t *text_json(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	return v ? v : json_string("");
}

json_t *complaint_record_json(const struct complaint *c)
{
	json_t *o = json_object();
	bool ok = o != NULL;
#define JSON_TEXT(n) text_json(c->n)
#define JSON_INT(n) json_integer(c->n)
#define JSON_OPT(n) (c->n.set ? json_integer(c->n.v) : json_null())
#define JSON_COL(kind, name, role) ok = ok && json_object_set_new(o, #name, JSON_##kind(name)) == 0;
#define JSON_JOIN(name, sql) ok = ok && json_object_set_new(o, #name, text_json(c->name)) == 0;
	COMPLAINT_COLUMNS(JSON_COL)
	COMPLAINT_JOINED(JSON_JOIN)
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

/* A member as an integer column: integers, booleans as 0/1 (what store_complaint_save bound). */
static struct opt_int opt_of(json_t *v)
{
	if (json_is_integer(v))
		return OPT_SOME(json_integer_value(v));
	if (json_is_boolean(v))
		return OPT_SOME(json_is_true(v));
	return OPT_NONE;
}

int complaint_record_from_json(json_t *row, struct complaint *c)
{
	*c = (struct complaint){0};
	bool ok = true;
#define FROM_TEXT(n) ok &= dup_text(&c->n, json_string_value(json_object_get(row, #n)));
#define FROM_INT(n) c->n = opt_of(json_object_get(row, #n)).v;
#define FROM_OPT(n) c->n = opt_of(json_object_get(row, #n));
#define FROM_COL(kind, name, role) FROM_##kind(name)
#define FROM_JOIN(name, sql) ok &= dup_text(&c->name, json_string_value(json_object_get(row, #name)));
	COMPLAINT_COLUMNS(FROM_COL)
	COMPLAINT_JOINED(FROM_JOIN)
	if (ok)
		return 0;
	complaint_record_free(c);
	return DB_HARD;
}

/* The current row of r (columns in list order, then the joined names) into *c. 0 or DB_HARD. */
static int read_row(struct db_res *r, struct complaint *c)
{
	int i = 0;
	bool ok = true;
#define READ_TEXT(n) ok &= dup_text(&c->n, db_text(r, i));
#define READ_INT(n) c->n = db_int(r, i);
#define READ_OPT(n) c->n = db_is_null(r, i) ? OPT_NONE : OPT_SOME(db_int(r, i));
#define READ_COL(kind, name, role) READ_##kind(name) i++;
#define READ_JOIN(name, sql) ok &= dup_text(&c->name, db_text(r, i)); i++;
	COMPLAINT_COLUMNS(READ_COL)
	COMPLAINT_JOINED(READ_JOIN)
	if (ok)
		return 0;
	complaint_record_free(c);
	return DB_HARD;
}

int store_complaint_read(struct db *d, int64_t id, struct complaint *out)
{
	*out = (struct complaint){0};
	struct db_res *r;
	int rc = DBQ(d, &r,
		     DB_GENERIC_PLAN "SELECT " COMPLAINT_COLUMNS(SEL_COL) COMPLAINT_JOINED(SEL_JOIN) "1" COMPLAINT_FROM
				     " WHERE c.id = ?",
		     DB_INT(id));
	if (rc < 0)
		return rc;
	if ((rc = db_next(r)) == 1 && read_row(r, out) != 0)
		rc = DB_HARD;
	db_done(r);
	return rc;
}

int store_complaint_insert_record(struct db *d, const struct complaint *c, int64_t *id)
{
	if (c->oom)
		return DB_HARD;
	struct db_res *r;
	int rc = DBQ(d, &r,
		     "INSERT INTO complaints (" COMPLAINT_COLUMNS(NEW_NAME) "updated_at) VALUES ("
		     COMPLAINT_COLUMNS(NEW_Q) "?) RETURNING id",
		     COMPLAINT_COLUMNS(NEW_ARG) DB_INT(c->updated_at));
	if (rc < 0)
		return rc;
	rc = db_next(r);
	if (rc == 1)
		*id = db_int(r, 0);
	db_done(r);
	return rc == 1 ? DB_OK : rc < 0 ? rc : DB_HARD;
}

int store_complaint_save_record(struct db *d, const struct complaint *c, int64_t expected_version)
{
	if (c->oom)
		return DB_HARD;
	return DBX(d, "UPDATE complaints SET " COMPLAINT_COLUMNS(SET_COL) "updated_at = ? WHERE id = ? AND version = ?",
		   COMPLAINT_COLUMNS(SAVE_ARG) DB_INT(c->updated_at), DB_INT(c->id), DB_INT(expected_version));
}
