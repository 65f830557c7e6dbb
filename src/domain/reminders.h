/* 工单待办提醒: a background job that keeps the persisted deadline state of open complaints in
 * step with the clock (on_time → due_soon → overdue, so lists and reports can filter on it) and
 * raises reminders per the settings: to the handler before the due time and at it, and on
 * overdue an escalation to the users of the configured supervisor role whose scope covers the
 * complaint. Reminders are deduplicated in the database, so several instances may run it. */
#ifndef FCMS_REMINDERS_H
#define FCMS_REMINDERS_H
#include <jansson.h>
#include <stdint.h>

struct db;

/* Called after a pass committed, once per complaint whose state changed (borrowed row: id,
 * complaint_no, org_path, registrar_id, handler_id) — the server publishes live events. */
typedef void (*reminders_changed_fn)(json_t *row);

/* One pass at time now. Returns the number of complaints whose state changed, or a negative
 * db status. changed may be NULL. */
int reminders_run_once(struct db *d, int64_t now, reminders_changed_fn changed);
/* Starts the job on its own thread, every interval_s seconds. 0 on success. */
int reminders_start(int interval_s, reminders_changed_fn changed);
void reminders_stop(void);

#endif
