/* Complaint process settings (see complaint_settings.h). One table describes every member, so
 * reading, checking and writing cannot drift apart. */
#include "domain/complaint_settings.h"
#include "store/store.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_INT, K_BOOL, K_STR };
static const struct {
	const char *name;
	enum kind kind;
	size_t off;
	int lo, hi;
	const char *label;
} fields[] = {
#define INT(f, lo, hi, l) {#f, K_INT, offsetof(struct complaint_settings, f), lo, hi, l}
#define BOOL(f, l) {#f, K_BOOL, offsetof(struct complaint_settings, f), 0, 1, l}
	INT(standard_days, 1, 60, "标准处理时限（日）"),
	INT(first_extension_max, 1, 90, "第一次延期后的总时限（日）"),
	INT(second_extension_max, 1, 180, "第二次延期后的总时限（日）"),
	BOOL(working_days, "按工作日计算"),
	BOOL(roll_past_holiday, "期限末日遇节假日顺延"),
	INT(first_response_hours, 1, 720, "首次响应时限（小时）"),
	INT(due_soon_days, 0, 30, "临期提醒天数"),
	BOOL(review_step, "答复需审核"),
	BOOL(callback_step, "答复后需回访"),
	INT(repeat_window_days, 1, 365, "重复投诉判定天数"),
	INT(transfer_warn_after, 1, 20, "转办预警次数"),
	INT(remind_before_hours, 0, 720, "到期前提醒（小时）"),
	BOOL(remind_at_due, "到期时提醒"),
	BOOL(escalate_overdue, "逾期升级提醒"),
	{"escalate_role", K_STR, offsetof(struct complaint_settings, escalate_role), 1, 31, "逾期升级通知角色"},
#undef INT
#undef BOOL
};
#define NFIELDS (sizeof fields / sizeof fields[0])

void complaint_settings_defaults(struct complaint_settings *s)
{
	memset(s, 0, sizeof *s);
	s->standard_days = 15;
	s->first_extension_max = 30;
	s->second_extension_max = 60;
	s->first_response_hours = 24;
	s->due_soon_days = 3;
	s->review_step = true;
	s->callback_step = true;
	s->repeat_window_days = 30;
	s->transfer_warn_after = 3;
	s->remind_before_hours = 72;
	s->remind_at_due = true;
	s->escalate_overdue = true;
	snprintf(s->escalate_role, sizeof s->escalate_role, "reviewer");
}

int complaint_settings_apply(struct complaint_settings *s, json_t *json, struct refusal *e)
{
	struct complaint_settings next = *s;
	const char *key;
	json_t *v;
	json_object_foreach(json, key, v)
	{
		size_t i = 0;
		while (i < NFIELDS && strcmp(fields[i].name, key) != 0)
			i++;
		if (i == NFIELDS)
			return refusef(e, 400, "invalid_field", key, "不支持的设置项：%.60s", key), -1;
		char *dst = (char *)&next + fields[i].off;
		if (fields[i].kind == K_BOOL) {
			if (!json_is_boolean(v))
				return refusef(e, 400, "invalid_field", fields[i].name, "%s必须是true或false",
					       fields[i].label), -1;
			*(bool *)dst = json_is_true(v);
		} else if (fields[i].kind == K_INT) {
			json_int_t x = json_integer_value(v);
			if (!json_is_integer(v) || x < fields[i].lo || x > fields[i].hi)
				return refusef(e, 400, "invalid_field", fields[i].name, "%s必须是%d到%d之间的整数",
					       fields[i].label, fields[i].lo, fields[i].hi), -1;
			*(int *)dst = (int)x;
		} else {
			const char *t = json_string_value(v);
			if (!t || strlen(t) < (size_t)fields[i].lo || strlen(t) > (size_t)fields[i].hi)
				return refusef(e, 400, "invalid_field", fields[i].name, "%s必须是1到31个字符",
					       fields[i].label), -1;
			snprintf(dst, (size_t)fields[i].hi + 1, "%s", t);
		}
	}
	if (next.standard_days > next.first_extension_max || next.first_extension_max > next.second_extension_max)
		return refuse(e, 400, "invalid_field", "时限必须满足：标准时限 ≤ 第一次延期总时限 ≤ 第二次延期总时限",
			      "first_extension_max"), -1;
	*s = next;
	return 0;
}

json_t *complaint_settings_json(const struct complaint_settings *s)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < NFIELDS; i++) {
		const char *src = (const char *)s + fields[i].off;
		json_t *v = fields[i].kind == K_BOOL  ? json_boolean(*(const bool *)src)
			    : fields[i].kind == K_INT ? json_integer(*(const int *)src)
						      : json_string(src);
		json_object_set_new(o, fields[i].name, v);
	}
	return o;
}

json_t *complaint_settings_limits_json(void)
{
	static const char *kinds[] = {[K_INT] = "int", [K_BOOL] = "bool", [K_STR] = "string"};
	json_t *o = json_object();
	for (size_t i = 0; o && i < NFIELDS; i++) {
		json_t *f = json_pack("{s:s, s:i, s:i, s:s}", "kind", kinds[fields[i].kind], "min", fields[i].lo,
				      "max", fields[i].hi, "label", fields[i].label);
		if (!f || json_object_set_new(o, fields[i].name, f) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int complaint_settings_get(struct db *d, struct complaint_settings *s)
{
	complaint_settings_defaults(s);
	char text[4096];
	int rc = store_setting_get(d, "complaint_settings", text, sizeof text);
	if (rc <= 0)
		return rc;
	json_t *o = json_loads(text, 0, NULL);
	struct refusal ignored;
	/* Stored settings were checked when saved; a newer version's extra keys are ignored. */
	if (o && complaint_settings_apply(s, o, &ignored) != 0)
		complaint_settings_defaults(s);
	json_decref(o);
	return 0;
}

int complaint_settings_save(struct db *d, const struct complaint_settings *s)
{
	json_t *o = complaint_settings_json(s);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!text)
		return DB_HARD;
	int rc = store_setting_set(d, "complaint_settings", text);
	free(text);
	return rc < 0 ? rc : 0;
}
