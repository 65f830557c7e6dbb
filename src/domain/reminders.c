/* Deadline reminders (see reminders.h). */
#include "domain/reminders.h"
#include "domain/complaint_settings.h"
#include "domain/permissions.h"
#include "store/store.h"
#include "util/log.h"
#include "util/periodic.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

struct pass {
	int64_t now;
	struct complaint_settings cfg;
	json_t *items;
	int changed;
};

static int notify(struct db *d, int64_t user, json_t *c, const char *kind, const char *msg, int64_t now)
{
	char key[96];
	snprintf(key, sizeof key, "%s:%lld:%lld:%lld", kind, (long long)json_integer_value(json_object_get(c, "id")),
		 (long long)json_integer_value(json_object_get(c, "due_at")), (long long)user);
	return store_notification_insert(d, user, json_integer_value(json_object_get(c, "id")), kind, msg, key, now);
}

static int pass_tx(struct db *d, void *arg)
{
	struct pass *p = arg;
	/* a retried transaction starts over: a previous run's list and count were rolled back */
	json_decref(p->items);
	p->items = NULL;
	p->changed = 0;
	int rc = store_deadline_changes(d, p->now, (int64_t)p->cfg.remind_before_hours * 3600000, &p->items);
	if (rc < 0)
		return rc;
	json_t *supervisors = NULL;
	size_t i;
	json_t *c;
	json_array_foreach(p->items, i, c)
	{
		bool overdue = json_integer_value(json_object_get(c, "due_at")) < p->now;
		const char *no = json_string_value(json_object_get(c, "complaint_no"));
		int64_t handler = json_integer_value(json_object_get(c, "handler_id"));
		char msg[200];
		if ((rc = store_complaint_set_deadline_state(d, json_integer_value(json_object_get(c, "id")),
							     overdue ? "overdue" : "due_soon")) < 0)
			break;
		p->changed++;
		if (handler && (overdue ? p->cfg.remind_at_due : p->cfg.remind_before_hours > 0)) {
			snprintf(msg, sizeof msg, overdue ? "投诉单 %s 已超过办理时限" : "投诉单 %s 即将到期，请及时办理", no);
			if ((rc = notify(d, handler, c, overdue ? "overdue" : "due_soon", msg, p->now)) < 0)
				break;
		}
		if (overdue && p->cfg.escalate_overdue) {
			if (!supervisors && (rc = store_users_with_role(d, p->cfg.escalate_role, &supervisors)) < 0)
				break;
			size_t k;
			json_t *u;
			json_array_foreach(supervisors, k, u)
			{
				/* The supervisor's own scope decides (the widest of their roles, as when they
				 * sign in): a subtree reviewer hears of its subtree, an institution-scoped one of
				 * its institution; like the list, every scope also covers what the supervisor
				 * registered or handles. */
				struct principal who = {.user_id = json_integer_value(json_object_get(u, "id")),
							.scope = (enum data_scope)json_integer_value(json_object_get(u, "scope"))};
				snprintf(who.org_path, sizeof who.org_path, "%s", json_string_value(json_object_get(u, "org_path")));
				int64_t registrar = json_integer_value(json_object_get(c, "registrar_id"));
				if (!scope_allows(&who, json_string_value(json_object_get(c, "org_path")), registrar) &&
				    registrar != who.user_id && handler != who.user_id)
					continue;
				snprintf(msg, sizeof msg, "投诉单 %s 已逾期，请督办", no);
				if ((rc = notify(d, who.user_id, c, "escalation", msg, p->now)) < 0)
					break;
			}
			if (rc < 0)
				break;
		}
	}
	json_decref(supervisors);
	return rc < 0 ? rc : 0;
}

int reminders_run_once(struct db *d, int64_t now, reminders_changed_fn changed)
{
	struct pass p = {.now = now};
	int rc = complaint_settings_get(d, &p.cfg);
	if (rc < 0)
		return rc;
	rc = store_write(pass_tx, &p);
	if (rc == 0 && changed) {
		size_t i;
		json_t *c;
		json_array_foreach(p.items, i, c)
			changed(c);
	}
	json_decref(p.items);
	return rc == 0 ? p.changed : rc;
}

static struct periodic job;
static reminders_changed_fn on_changed;

static void job_pass(void *arg)
{
	(void)arg;
	struct db *d = store_conn();
	int rc = d ? reminders_run_once(d, now_ms(), on_changed) : DB_HARD;
	if (rc < 0)
		log_warn("reminders: pass failed (%d)", rc);
	else if (rc > 0)
		log_info("reminders: %d complaint(s) changed deadline state", rc);
}

int reminders_start(int interval_s, reminders_changed_fn changed)
{
	on_changed = changed;
	job = (struct periodic){.run = job_pass, .at_exit = store_release_thread,
				.interval_ms = (interval_s > 0 ? interval_s : 60) * 1000L};
	return periodic_start(&job);
}

void reminders_stop(void)
{
	periodic_stop(&job);
}
