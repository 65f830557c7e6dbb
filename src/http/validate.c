/* JSON body validation against a field spec table (util/json_spec.h), so handlers start from
 * checked input — or, with a bound spec, from a typed command struct. */
#include "http/request.h"

/* Replies with err: 400 and its code, message and field. Returns -1. */
static int reply_spec_error(struct request *r, const struct spec_error *err)
{
	return reply_error(r, 400, err->code, err->message, err->field), -1;
}

int req_validate(struct request *r, const struct field_spec *spec)
{
	struct spec_error err;
	return json_spec_check(r->json, spec, &err) == 0 ? 0 : reply_spec_error(r, &err);
}

int req_bind(struct request *r, const struct field_bind *spec, void *out)
{
	struct spec_error err;
	if (json_spec_check_bound(r->json, spec, &err) != 0)
		return reply_spec_error(r, &err);
	json_spec_bind(r->json, spec, out);
	return 0;
}

const char *body_str(struct request *r, const char *name)
{
	return json_string_value(json_object_get(r->json, name));
}

bool body_has(struct request *r, const char *name)
{
	json_t *v = json_object_get(r->json, name);
	return v && !json_is_null(v);
}

int64_t body_int(struct request *r, const char *name, int64_t dflt)
{
	json_t *v = json_object_get(r->json, name);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

bool body_bool(struct request *r, const char *name, bool dflt)
{
	json_t *v = json_object_get(r->json, name);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}
