/* JSON body validation against a field spec table, so handlers start from checked input. */
#include "http/request.h"
#include "util/arena.h"
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

static int bad(struct request *r, const char *code, const struct field_spec *f, const char *what)
{
	char msg[256];
	snprintf(msg, sizeof msg, "%s%s", f->label ? f->label : f->name, what);
	return reply_error(r, 400, code, msg, f->name), -1;
}

int req_validate(struct request *r, const struct field_spec *spec)
{
	if (!r->json || !json_is_object(r->json))
		return reply_error(r, 400, "invalid_json", "请求体必须是JSON对象", NULL), -1;
	const char *key;
	json_t *v;
	json_object_foreach(r->json, key, v)
	{
		const struct field_spec *f = spec;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name) {
			char msg[200];
			snprintf(msg, sizeof msg, "不支持的字段：%.100s", key);
			return reply_error(r, 400, "unknown_field", msg, key), -1;
		}
	}
	for (const struct field_spec *f = spec; f->name; f++) {
		v = json_object_get(r->json, f->name);
		if (!v || (json_is_null(v) && f->type != F_ID_OR_NULL)) {
			if (f->required)
				return bad(r, "missing_field", f, "不能为空");
			continue;
		}
		switch (f->type) {
		case F_STRING: {
			if (!json_is_string(v))
				return bad(r, "invalid_field", f, "必须是字符串");
			const char *s = json_string_value(v);
			int n = utf8_len(s), max = f->max_len ? f->max_len : 200;
			if (json_string_length(v) != strlen(s))
				return bad(r, "invalid_field", f, "不能包含空字符");
			if (has_control(s))
				return bad(r, "invalid_field", f, "不能包含控制字符");
			if (n > max) {
				char what[64];
				snprintf(what, sizeof what, "长度不能超过%d个字符", max);
				return bad(r, "invalid_field", f, what);
			}
			if (n == 0 && f->required)
				return bad(r, "missing_field", f, "不能为空");
			if (n > 0 && n < f->min_len) {
				char what[64];
				snprintf(what, sizeof what, "长度不能少于%d个字符", f->min_len);
				return bad(r, "invalid_field", f, what);
			}
			break;
		}
		case F_INT:
			if (!json_is_integer(v))
				return bad(r, "invalid_field", f, "必须是整数");
			break;
		case F_BOOL:
			if (!json_is_boolean(v))
				return bad(r, "invalid_field", f, "必须是true或false");
			break;
		case F_ID:
		case F_ID_OR_NULL:
			if (json_is_null(v))
				break;
			if (!json_is_integer(v) || json_integer_value(v) <= 0)
				return bad(r, "invalid_field", f, "必须是有效的编号");
			break;
		case F_ARRAY:
			if (!json_is_array(v))
				return bad(r, "invalid_field", f, "必须是数组");
			if (f->max_len && json_array_size(v) > (size_t)f->max_len)
				return bad(r, "invalid_field", f, "项数过多");
			break;
		case F_OBJECT:
			if (!json_is_object(v))
				return bad(r, "invalid_field", f, "必须是对象");
			break;
		}
	}
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
