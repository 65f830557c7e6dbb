/* Settings of the complaint process, editable in 基础数据配置 and stored as one JSON document in
 * the settings table. Defaults follow the 2020 rules (15 calendar days, extension to 30, second
 * extension to 60) and what a consumer-protection department expects (review and callback on). */
#ifndef FCMS_COMPLAINT_SETTINGS_H
#define FCMS_COMPLAINT_SETTINGS_H
#include <jansson.h>
#include "domain/refusal.h"
#include <stdbool.h>

struct db;

struct complaint_settings {
	/* deadlines */
	int standard_days;        /* 15 */
	int first_extension_max;  /* 30: total days reachable with the first extension */
	int second_extension_max; /* 60 */
	bool working_days;        /* count working days instead of calendar days */
	bool roll_past_holiday;   /* a last day off moves to the next workday */
	int first_response_hours; /* the bank's own first-response SLA */
	int due_soon_days;        /* "due soon" window */
	/* workflow */
	bool review_step;
	bool callback_step;
	int repeat_window_days;   /* same complainant within N days = 重复投诉 */
	int transfer_warn_after;  /* warn when transferred more than N times */
	/* reminders (工单待办提醒设置) */
	int remind_before_hours;  /* remind the handler N hours before the due time */
	bool remind_at_due;
	bool escalate_overdue;    /* notify the supervisor role when overdue */
	char escalate_role[32];   /* role code notified on escalation */
};

void complaint_settings_defaults(struct complaint_settings *s);
/* The settings in force (defaults overlaid with what is stored). 0 or a negative db status. */
int complaint_settings_get(struct db *d, struct complaint_settings *s);
/* Applies the members present in json over *s, checking ranges. 0, or -1 with *e filled (a 400
 * invalid_field refusal: the Chinese message and the offending field, by value) and *s
 * unchanged. */
int complaint_settings_apply(struct complaint_settings *s, json_t *json, struct refusal *e);
int complaint_settings_save(struct db *d, const struct complaint_settings *s);
json_t *complaint_settings_json(const struct complaint_settings *s);
/* The one definition of each setting's kind and range, for forms: {"<name>":{"kind":"int"|
 * "bool"|"string","min":lo,"max":hi,"label":"..."}} (for strings min/max are lengths). A new
 * reference the caller owns, NULL on allocation failure. */
json_t *complaint_settings_limits_json(void);

#endif
