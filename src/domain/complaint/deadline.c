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

/* The deadline of c: *counting false when its clock does not run (then only *state is set), else
 * *due (0: none) and *state. The calendar given (preloaded), or loaded here when NULL. 0 or
 * negative. */
static int compute(struct db *d, const struct complaint *c, const struct complaint_settings *cfg,
		   const struct calendar *preloaded, int64_t now, bool *counting, int64_t *due, const char **state)
{
	*counting = status_is_clock(c->status);
	if (!*counting) {
		*state = strcmp(c->status ? c->status : "", "draft") == 0 ? "on_time" : "done";
		return 0;
	}
	json_t *pauses;
	int rc = c->id ? store_pauses_list(d, c->id, &pauses) : (pauses = json_array(), 0);
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
	bool working = strcmp(c->day_type ? c->day_type : "", "working") == 0;
	if (!preloaded && (working || cfg->roll_past_holiday) && (rc = store_calendar_load(d, &cd)) < 0) {
		free(p);
		return rc;
	}
	struct calendar cal = preloaded ? *preloaded : (struct calendar){cd.holidays, cd.nholidays, cd.workdays, cd.nworkdays};
	struct deadline_rule rule = {working ? DAY_WORKING : DAY_CALENDAR, (int)c->allowed_days, cfg->roll_past_holiday,
				     CN_TZ_OFFSET_MIN};
	*due = deadline_due_at(&cal, &rule, c->clock_start_at.v, p, np);
	free(p);
	store_calendar_free(&cd);
	static const char *const names[] = {"on_time", "due_soon", "overdue", "paused"};
	*state = names[deadline_state(*due, now, (int64_t)cfg->due_soon_days * MS_PER_DAY)];
	return 0;
}

/* complaint_record_update_deadline with the calendar given (preloaded), or loaded when NULL. */
static int update_record(struct db *d, struct complaint *c, const struct complaint_settings *cfg,
			 const struct calendar *preloaded, int64_t now)
{
	bool counting;
	int64_t due = 0;
	const char *state;
	int rc = compute(d, c, cfg, preloaded, now, &counting, &due, &state);
	if (rc < 0)
		return rc;
	if (counting && c->due_at.v != due) /* a new due time deserves new reminders */
		CREC_SET_TEXT(c, reminded, NULL);
	if (counting)
		c->due_at = due ? OPT_SOME(due) : OPT_NONE;
	CREC_SET_TEXT(c, deadline_state, state);
	return 0;
}

int complaint_record_update_deadline(struct db *d, struct complaint *c, const struct complaint_settings *cfg,
				     int64_t now)
{
	return update_record(d, c, cfg, NULL, now);
}

int complaint_update_deadline(struct db *d, json_t *rec, const struct complaint_settings *cfg, int64_t now)
{
	struct complaint c;
	bool counting;
	int64_t due = 0;
	const char *state;
	int rc = complaint_record_from_json(rec, &c);
	if (rc == 0)
		rc = compute(d, &c, cfg, NULL, now, &counting, &due, &state);
	complaint_record_free(&c);
	if (rc < 0)
		return rc;
	json_t *old = json_object_get(rec, "due_at");
	if (counting && (!old || json_integer_value(old) != due)) /* a new due time deserves new reminders */
		json_object_set_new(rec, "reminded", json_null());
	if (counting)
		json_object_set_new(rec, "due_at", due ? json_integer(due) : json_null());
	json_object_set_new(rec, "deadline_state", json_string(state));
	return 0;
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
	json_t *row;
	json_array_foreach(items, i, row)
	{
		struct complaint c;
		if ((rc = complaint_record_from_json(row, &c)) < 0)
			break;
		struct opt_int due = c.due_at;
		rc = update_record(d, &c, b->cfg, b->cal, b->now);
		if (rc == 0 && (due.set != c.due_at.set || due.v != c.due_at.v))
			rc = store_complaint_save_record(d, &c, c.version);
		b->last_id = c.id;
		complaint_record_free(&c);
		if (rc < 0)
			break;
		b->seen++;
	}
	json_decref(items);
	return rc < 0 ? rc : 0;
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
