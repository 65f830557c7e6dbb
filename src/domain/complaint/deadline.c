/* The deadline of a complaint (complaint.h): due_at and deadline_state from the clock start,
 * the allowed days, the day type, the calendar and the recorded pauses; and the recomputation of
 * every running deadline after the calendar or the settings changed (in batches, through the
 * writer, other writes interleaving). */
#include "domain/complaint.h"
#include "domain/deadline.h"
#include "domain/status.h"
#include "store/store.h"
#include "util/dates.h"
#include <stdlib.h>
#include <string.h>

static void set_text(json_t *rec, const char *key, const char *v)
{
	json_object_set_new(rec, key, v ? json_string(v) : json_null());
}

/* complaint_update_deadline with the calendar given (preloaded), or loaded here when NULL. */
static int update_deadline(struct db *d, json_t *rec, const struct complaint_settings *cfg,
			   const struct calendar *preloaded, int64_t now)
{
	const char *status = json_string_value(json_object_get(rec, "status"));
	bool counting = status_is_clock(status);
	if (!counting) {
		set_text(rec, "deadline_state", strcmp(status ? status : "", "draft") == 0 ? "on_time" : "done");
		return 0;
	}
	json_t *pauses;
	int64_t id = json_integer_value(json_object_get(rec, "id"));
	int rc = id ? store_pauses_list(d, id, &pauses) : (pauses = json_array(), 0);
	if (rc < 0)
		return rc;
	size_t np = json_array_size(pauses), i;
	struct pause *p = np ? calloc(np, sizeof *p) : NULL;
	if (np && !p) {
		json_decref(pauses);
		return DB_HARD;
	}
	json_t *row;
	json_array_foreach(pauses, i, row)
	{
		p[i].start_at = json_integer_value(json_object_get(row, "start_at"));
		p[i].end_at = json_integer_value(json_object_get(row, "end_at"));
	}
	json_decref(pauses);
	struct calendar_data cd = {0};
	bool working = strcmp(json_string_value(json_object_get(rec, "day_type")), "working") == 0;
	if (!preloaded && (working || cfg->roll_past_holiday) && (rc = store_calendar_load(d, &cd)) < 0) {
		free(p);
		return rc;
	}
	struct calendar cal = preloaded ? *preloaded : (struct calendar){cd.holidays, cd.nholidays, cd.workdays, cd.nworkdays};
	struct deadline_rule rule = {working ? DAY_WORKING : DAY_CALENDAR,
				     (int)json_integer_value(json_object_get(rec, "allowed_days")),
				     cfg->roll_past_holiday, CN_TZ_OFFSET_MIN};
	int64_t due = deadline_due_at(&cal, &rule, json_integer_value(json_object_get(rec, "clock_start_at")), p, np);
	free(p);
	store_calendar_free(&cd);
	static const char *const names[] = {"on_time", "due_soon", "overdue", "paused"};
	enum deadline_state st = deadline_state(due, now, (int64_t)cfg->due_soon_days * MS_PER_DAY);
	json_t *old = json_object_get(rec, "due_at");
	if (!old || json_integer_value(old) != due) /* a new due time deserves new reminders */
		json_object_set_new(rec, "reminded", json_null());
	json_object_set_new(rec, "due_at", due ? json_integer(due) : json_null());
	set_text(rec, "deadline_state", names[st]);
	return 0;
}

int complaint_update_deadline(struct db *d, json_t *rec, const struct complaint_settings *cfg, int64_t now)
{
	return update_deadline(d, rec, cfg, NULL, now);
}

/* ---- recomputing every running deadline ---- */

struct recompute_batch {
	const struct complaint_settings *cfg;
	const struct calendar *cal;
	int64_t now, after_id; /* in: the keyset position */
	int64_t last_id;       /* out: the last id read, 0 when the batch was empty */
	int seen;              /* out */
};

/* One batch in one write transaction. May run twice: outputs are reset at entry. */
static int recompute_tx(struct db *d, void *arg)
{
	struct recompute_batch *b = arg;
	b->last_id = 0;
	b->seen = 0;
	json_t *items;
	int rc = store_complaints_counting_after(d, b->after_id, COMPLAINT_RECOMPUTE_BATCH, &items);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
	{
		json_t *due = json_deep_copy(json_object_get(rec, "due_at"));
		if ((rc = update_deadline(d, rec, b->cfg, b->cal, b->now)) < 0 ||
		    (!json_equal(due, json_object_get(rec, "due_at")) &&
		     (rc = store_complaint_save(d, rec, json_integer_value(json_object_get(rec, "version")))) < 0)) {
			json_decref(due);
			json_decref(items);
			return rc;
		}
		json_decref(due);
		b->last_id = json_integer_value(json_object_get(rec, "id"));
		b->seen++;
	}
	json_decref(items);
	return 0;
}

int complaint_recompute_open(struct db *rd, const struct complaint_settings *cfg, int64_t now, int *count)
{
	*count = 0;
	struct calendar_data cd;
	int rc = store_calendar_load(rd, &cd);
	if (rc < 0)
		return rc;
	struct calendar cal = {cd.holidays, cd.nholidays, cd.workdays, cd.nworkdays};
	struct recompute_batch b = {.cfg = cfg, .cal = &cal, .now = now};
	for (;;) {
		if ((rc = store_write(recompute_tx, &b)) != 0)
			break;
		*count += b.seen;
		if (b.seen < COMPLAINT_RECOMPUTE_BATCH)
			break;
		b.after_id = b.last_id;
	}
	store_calendar_free(&cd);
	return rc;
}

int complaint_recompute_after_change(struct db *rd, const struct complaint_settings *cfg, int64_t now, int *count)
{
	struct complaint_settings now_cfg;
	int rc = cfg ? 0 : complaint_settings_get(rd, &now_cfg);
	if (rc < 0)
		return rc;
	return complaint_recompute_open(rd, cfg ? cfg : &now_cfg, now, count);
}
