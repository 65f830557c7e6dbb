/* The dashboard (首页): today, open, due soon, overdue, a 30-day trend, top causes and business
 * types, channel mix, on-time and satisfaction rates, for the caller's scope. Five scans of the
 * report index under one read lock. */
#include "report/report_parts.h"
#include "store/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The n largest groups of a code dimension at its first level. */
static json_t *top_codes(struct report_scan *s, enum fact_dim dim, json_t *cat, int n)
{
	json_t *rows = report_tree_rows(s, dim, cat, NULL, 1), *top = json_array();
	while (json_array_size(rows) && (int)json_array_size(top) < n) {
		size_t best = 0;
		for (size_t i = 1; i < json_array_size(rows); i++)
			if (json_integer_value(json_object_get(json_array_get(rows, i), "count")) >
			    json_integer_value(json_object_get(json_array_get(rows, best), "count")))
				best = i;
		json_array_append(top, json_array_get(rows, best));
		json_array_remove(rows, best);
	}
	json_decref(rows);
	return top;
}

/* The catalogs and scans of a dashboard. */
struct dash {
	json_t *orgs, *ccat, *bcat, *chcat;
	/* everything ever received; the last 30 days by day; and by cause, type and channel */
	struct report_scan all, days, causes, types, channels;
};

static int dash_catalogs(struct db *d, const struct report_params *p, struct dash *b)
{
	int rc = report_catalog_org_paths(d, p, &b->orgs);
	if (rc == 0)
		rc = report_catalog_codes2(d, 'C', &b->ccat, 'B', &b->bcat);
	if (rc == 0)
		rc = report_catalog_dict(d, "source_channel", &b->chcat);
	return rc;
}

/* Runs the five scans for q (the last 30 days). Under the read lock. 0 or DB_HARD. */
static int dash_scans(struct dash *b, const struct report_params *q)
{
	b->all.q = (struct fact_query){.group = FD_NONE, .group2 = FD_NONE};
	int rc = report_scan_filters(&b->all, q, b->orgs);
	b->all.q.from_day = 0; /* open, due soon and overdue count everything ever received */
	if (rc == 0)
		rc = report_scan_run(&b->all);
	b->days.q = (struct fact_query){.group = FD_DAY, .group2 = FD_NONE, .ngroups = 30};
	if (rc == 0 && (rc = report_scan_filters(&b->days, q, b->orgs)) == 0)
		rc = report_scan_run(&b->days);
	b->causes.q = (struct fact_query){.group = FD_C, .group2 = FD_NONE};
	b->types.q = (struct fact_query){.group = FD_B, .group2 = FD_NONE};
	b->channels.q = (struct fact_query){.group = FD_CHANNEL, .group2 = FD_NONE};
	struct report_scan *each[] = {&b->causes, &b->types, &b->channels};
	for (int i = 0; rc == 0 && i < 3; i++) {
		if ((rc = report_scan_filters(each[i], q, b->orgs)) != 0)
			break;
		each[i]->q.ngroups = facts_dict_size(each[i]->q.group);
		rc = report_scan_run(each[i]);
	}
	return rc;
}

/* The dashboard's JSON from the scans; today is a day number. */
static void dash_json(json_t *res, struct dash *b, int32_t today)
{
	json_t *trend = json_array();
	for (int i = 0; i < 30; i++) {
		char day[16];
		report_day_text(today - 29 + i, day, sizeof day);
		json_array_append_new(trend, json_pack("{s:s, s:i, s:i}", "day", day, "count", b->days.groups[i].count,
						       "closed", b->days.groups[i].closed));
	}
	json_object_set_new(res, "today", json_integer(b->days.groups[29].count));
	json_object_set_new(res, "open", json_integer(b->all.total.open));
	json_object_set_new(res, "due_soon", json_integer(b->all.total.due_soon));
	json_object_set_new(res, "overdue_open", json_integer(b->all.total.open_overdue));
	json_object_set_new(res, "total", json_integer(b->all.total.count));
	json_t *last30 = json_object();
	report_measures_json(last30, &b->days.total, 0);
	json_object_set_new(res, "last_30_days", last30);
	json_object_set_new(res, "trend", trend);
	json_object_set_new(res, "top_causes", top_codes(&b->causes, FD_C, b->ccat, 5));
	json_object_set_new(res, "top_business_types", top_codes(&b->types, FD_B, b->bcat, 5));
	json_object_set_new(res, "channels", report_flat_rows(&b->channels, FD_CHANNEL, b->chcat));
	char from[16], to[16];
	report_day_text(today - 29, from, sizeof from);
	report_day_text(today, to, sizeof to);
	json_object_set_new(res, "from", json_string(from));
	json_object_set_new(res, "to", json_string(to));
}

int report_dashboard(struct db *d, const struct report_params *p, int32_t today_ymd, json_t **out)
{
	struct dash b = {0};
	json_t *res = NULL;
	int rc = facts_sync(d);
	if (rc == 0)
		rc = dash_catalogs(d, p, &b);
	if (rc < 0)
		goto done;
	struct report_params q = *p;
	int32_t today = facts_ymd_day(today_ymd);
	q.to_ymd = today_ymd;
	q.from_ymd = facts_day_ymd(today - 29);
	res = json_object();
	facts_read_lock();
	rc = res ? dash_scans(&b, &q) : DB_HARD;
	if (rc == 0)
		dash_json(res, &b, today);
	facts_read_unlock();
done:
	report_scan_free(&b.all);
	report_scan_free(&b.days);
	report_scan_free(&b.causes);
	report_scan_free(&b.types);
	report_scan_free(&b.channels);
	json_decref(b.orgs);
	json_decref(b.ccat);
	json_decref(b.bcat);
	json_decref(b.chcat);
	if (rc != 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}
