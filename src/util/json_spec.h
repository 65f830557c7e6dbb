/* JSON input specs, as GNU Taler's spec arrays: one table says which members a JSON object may
 * have, their types and limits, and — for a bound spec (struct field_bind) — where each member
 * goes in a typed command struct (offsetof). json_spec_check validates an object against the
 * table; json_spec_bind then copies the members into the struct, so no caller reads the object
 * again by key name. The http layer replies with the error (req_validate, req_bind); the domain
 * binds stored or generated input with the same tables. No project includes but util. */
#ifndef FCMS_JSON_SPEC_H
#define FCMS_JSON_SPEC_H
#include "util/opt_int.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum field_type { F_STRING, F_INT, F_BOOL, F_ID, F_ID_OR_NULL, F_ARRAY, F_OBJECT };
struct field_spec {
	const char *name;
	enum field_type type;
	bool required;
	int max_len;       /* characters for strings (0 = 200), max items for arrays */
	int min_len;       /* characters for strings */
	const char *label; /* Chinese field label for messages */
};

/* How json_spec_bind stores a member at its offset. A member absent from the object leaves the
 * struct as it was (callers start from a zeroed struct); a JSON null reads as noted.
 *   FB_INT   int64_t          null: left as is     FB_OPT  struct opt_int   null: unset
 *   FB_BOOL  bool             null: left as is     FB_TEXT const char *     null: NULL
 *   FB_CLEAR const char *     null: "" (a null clears the text)
 *   FB_JSON  json_t *         the value as sent, null included (the caller judges it)
 * Strings and values are borrowed from the object. A member of another JSON type than the kind
 * is left as is (json_spec_check refuses it first). */
enum bind_kind { FB_INT = 1, FB_OPT, FB_BOOL, FB_TEXT, FB_CLEAR, FB_JSON };
struct field_bind {
	struct field_spec f;
	enum bind_kind to;
	size_t at; /* offsetof(command struct, member) */
};
/* The last entry of a bound spec. */
#define FIELD_BIND_END {.f = {NULL}}

/* Why an object did not pass: the reply's code, message and field (NULL: none; borrowed from
 * the spec or the object). */
struct spec_error {
	const char *code;
	char message[256];
	const char *field;
};

/* Checks body against spec (terminated by {NULL}): an object, no unknown members, required
 * present, types right, string lengths in range, no control characters in strings. 0 when
 * valid, else -1 with *err. */
int json_spec_check(json_t *body, const struct field_spec *spec, struct spec_error *err);
/* The same for a bound spec (terminated by FIELD_BIND_END). */
int json_spec_check_bound(json_t *body, const struct field_bind *spec, struct spec_error *err);
/* Copies the members of body that spec names into out (see enum bind_kind). body should have
 * passed json_spec_check_bound; out keeps pointers into body. */
void json_spec_bind(json_t *body, const struct field_bind *spec, void *out);

#endif
