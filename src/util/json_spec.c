/* JSON input specs (json_spec.h): validation of an object against a spec table, and binding of
 * its members into a typed struct by the table's offsets. Plain and bound tables share one
 * checker, which walks either kind of entry by its size. */
#include "util/json_spec.h"
#include <stdio.h>
#include <string.h>

static int utf8_len(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static int bad(struct spec_error *err, const char *code, const struct field_spec *f, const char *what)
{
	err->code = code;
	snprintf(err->message, sizeof err->message, "%s%s", f->label ? f->label : f->name, what);
	err->field = f->name;
	return -1;
}

static int check_string(json_t *v, const struct field_spec *f, struct spec_error *err)
{
	if (!json_is_string(v))
		return bad(err, "invalid_field", f, "必须是字符串");
	const char *s = json_string_value(v);
	int n = utf8_len(s), max = f->max_len ? f->max_len : 200;
	char what[64];
	if (json_string_length(v) != strlen(s))
		return bad(err, "invalid_field", f, "不能包含空字符");
	if (has_control(s))
		return bad(err, "invalid_field", f, "不能包含控制字符");
	if (n > max) {
		snprintf(what, sizeof what, "长度不能超过%d个字符", max);
		return bad(err, "invalid_field", f, what);
	}
	if (n == 0 && f->required)
		return bad(err, "missing_field", f, "不能为空");
	if (n > 0 && n < f->min_len) {
		snprintf(what, sizeof what, "长度不能少于%d个字符", f->min_len);
		return bad(err, "invalid_field", f, what);
	}
	return 0;
}

/* One member v (present) against its entry f. 0 or -1 with *err. */
static int check_value(json_t *v, const struct field_spec *f, struct spec_error *err)
{
	switch (f->type) {
	case F_STRING:
		return check_string(v, f, err);
	case F_INT:
		return json_is_integer(v) ? 0 : bad(err, "invalid_field", f, "必须是整数");
	case F_BOOL:
		return json_is_boolean(v) ? 0 : bad(err, "invalid_field", f, "必须是true或false");
	case F_ID:
	case F_ID_OR_NULL:
		if (json_is_null(v) || (json_is_integer(v) && json_integer_value(v) > 0))
			return 0;
		return bad(err, "invalid_field", f, "必须是有效的编号");
	case F_ARRAY:
		if (!json_is_array(v))
			return bad(err, "invalid_field", f, "必须是数组");
		if (f->max_len && json_array_size(v) > (size_t)f->max_len)
			return bad(err, "invalid_field", f, "项数过多");
		return 0;
	case F_OBJECT:
		return json_is_object(v) ? 0 : bad(err, "invalid_field", f, "必须是对象");
	}
	return 0;
}

/* The entry after f in a table whose entries are stride bytes long (a field_spec begins each). */
static const struct field_spec *next(const struct field_spec *f, size_t stride)
{
	return (const struct field_spec *)(const void *)((const char *)f + stride);
}

static int check(json_t *body, const struct field_spec *spec, size_t stride, struct spec_error *err)
{
	*err = (struct spec_error){0};
	if (!body || !json_is_object(body)) {
		err->code = "invalid_json";
		snprintf(err->message, sizeof err->message, "请求体必须是JSON对象");
		return -1;
	}
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		const struct field_spec *f = spec;
		while (f->name && strcmp(f->name, key) != 0)
			f = next(f, stride);
		if (!f->name) {
			err->code = "unknown_field";
			snprintf(err->message, sizeof err->message, "不支持的字段：%.100s", key);
			err->field = key;
			return -1;
		}
	}
	for (const struct field_spec *f = spec; f->name; f = next(f, stride)) {
		v = json_object_get(body, f->name);
		if (!v || (json_is_null(v) && f->type != F_ID_OR_NULL)) {
			if (f->required)
				return bad(err, "missing_field", f, "不能为空");
			continue;
		}
		if (check_value(v, f, err) != 0)
			return -1;
	}
	return 0;
}

int json_spec_check(json_t *body, const struct field_spec *spec, struct spec_error *err)
{
	return check(body, spec, sizeof *spec, err);
}

int json_spec_check_bound(json_t *body, const struct field_bind *spec, struct spec_error *err)
{
	return check(body, &spec->f, sizeof *spec, err);
}

void json_spec_bind(json_t *body, const struct field_bind *spec, void *out)
{
	for (const struct field_bind *b = spec; b->f.name; b++) {
		json_t *v = json_object_get(body, b->f.name);
		char *at = (char *)out + b->at;
		if (!v)
			continue;
		bool null = json_is_null(v);
		if (b->to == FB_INT && json_is_integer(v))
			*(int64_t *)(void *)at = json_integer_value(v);
		else if (b->to == FB_OPT && (json_is_integer(v) || null))
			*(struct opt_int *)(void *)at = null ? OPT_NONE : OPT_SOME(json_integer_value(v));
		else if (b->to == FB_BOOL && json_is_boolean(v))
			*(bool *)(void *)at = json_is_true(v);
		else if ((b->to == FB_TEXT || b->to == FB_CLEAR) && (json_is_string(v) || null))
			*(const char **)(void *)at = !null ? json_string_value(v) : b->to == FB_CLEAR ? "" : NULL;
		else if (b->to == FB_JSON)
			*(json_t **)(void *)at = v;
	}
}
