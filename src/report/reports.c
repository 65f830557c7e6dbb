/* The twelve reports over the report index: the table that declares them, report_build() that
 * runs one, and the counts the detail ledger and the complaint list take from the index. Each
 * report is one scan of the index (facts_scan) grouped by one or two dimensions, then shaped by
 * its kind's builder: tree (report_tree.c), flat (report_tree.c), time (report_time.c), and the
 * regulator layout of the code trees (report_matrix.c). The dashboard is report_dashboard.c. */
#include "report/reports.h"
#include "report/report_parts.h"
#include "domain/permissions.h"
#include "store/store.h"
#include "util/dates.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reports, in the order the web lists them. */
static const struct report_def reports[] = {
	{.name = "detail", .title = "投诉明细报表", .kind = RK_DETAIL},
	{.name = "region", .title = "投诉地区分布", .kind = RK_TREE, .dim = FD_REGION, .catalog = CAT_REGIONS,
	 .build = report_build_tree},
	{.name = "category", .title = "投诉类别分布", .kind = RK_TREE, .dim = FD_B, .catalog = CAT_CODES,
	 .code_table = 'B', .max_level = 1, .matrix = true, .build = report_build_tree},
	{.name = "business_channel", .title = "金融消费者投诉业务办理渠道", .kind = RK_TREE, .dim = FD_A,
	 .catalog = CAT_CODES, .code_table = 'A', .matrix = true, .build = report_build_tree},
	{.name = "business_type", .title = "投诉业务类别统计", .kind = RK_TREE, .dim = FD_B, .catalog = CAT_CODES,
	 .code_table = 'B', .matrix = true, .build = report_build_tree},
	{.name = "cause", .title = "投诉原因统计", .kind = RK_TREE, .dim = FD_C, .catalog = CAT_CODES,
	 .code_table = 'C', .matrix = true, .build = report_build_tree},
	{.name = "institution", .title = "被投诉机构统计", .kind = RK_TREE, .dim = FD_COMPLAINED_ORG,
	 .catalog = CAT_ORGS, .org_root = true, .build = report_build_tree},
	{.name = "source_channel", .title = "投诉反映渠道统计", .kind = RK_FLAT, .dim = FD_CHANNEL,
	 .catalog = CAT_DICT, .dict_kind = "source_channel", .build = report_build_flat},
	{.name = "time", .title = "投诉时间统计", .kind = RK_TIME, .build = report_build_time},
	{.name = "mom", .title = "投诉时间环比", .kind = RK_TIME, .compare = CMP_MOM, .build = report_build_time},
	{.name = "yoy", .title = "投诉同比统计", .kind = RK_TIME, .compare = CMP_YOY, .build = report_build_time},
	{.name = "rights", .title = "投诉基本权利统计", .kind = RK_FLAT, .dim = FD_RIGHT, .catalog = CAT_CODES,
	 .code_table = 'R', .build = report_build_flat},
};

static const struct report_def *report_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof reports / sizeof reports[0]; i++)
		if (!strcmp(reports[i].name, name))
			return &reports[i];
	return NULL;
}

const char *report_title(const char *name)
{
	const struct report_def *r = report_find(name);
	return r ? r->title : NULL;
}

bool report_known(const char *name)
{
	return report_find(name) != NULL;
}

bool report_lists_complaints(const char *name)
{
	const struct report_def *r = report_find(name);
	return r && r->kind == RK_DETAIL;
}

/* ---- measures ---- */

static json_t *rate(uint64_t part, uint64_t whole)
{
	return whole ? json_real(round((double)part * 10000.0 / (double)whole) / 10000.0) : json_null();
}

void report_measures_json(json_t *row, const struct fact_agg *a, uint32_t total)
{
	json_object_set_new(row, "count", json_integer(a->count));
	json_object_set_new(row, "closed", json_integer(a->closed));
	json_object_set_new(row, "closed_on_time", json_integer(a->on_time));
	json_object_set_new(row, "on_time_rate", rate(a->on_time, a->closed));
	json_object_set_new(row, "overdue", json_integer(a->overdue));
	json_object_set_new(row, "open", json_integer(a->open));
	json_object_set_new(row, "due_soon", json_integer(a->due_soon));
	json_object_set_new(row, "avg_handling_days",
			    a->closed ? json_real(round((double)a->handling_tenths / a->closed) / 10.0) : json_null());
	json_object_set_new(row, "callbacks", json_integer(a->callbacks));
	json_object_set_new(row, "satisfaction_rate", rate(a->satisfied, a->callbacks));
	json_object_set_new(row, "repeats", json_integer(a->repeats));
	json_object_set_new(row, "repeat_rate", rate(a->repeats, a->count));
	json_object_set_new(row, "clock_restarted", json_integer(a->clock_restarted));
	json_object_set_new(row, "compensation_fen", json_integer(a->compensation_fen));
	if (total)
		json_object_set_new(row, "share", rate(a->count, total));
}

static json_t *report_head(const struct report_params *p, const char *name)
{
	char from[16], to[16];
	ymd_format(p->from_ymd, from, sizeof from);
	ymd_format(p->to_ymd, to, sizeof to);
	return json_pack("{s:s, s:s, s:s, s:s}", "report", name, "title", report_title(name), "from", from, "to", to);
}


/* The report's own catalog into run->cat. 0 or < 0. */
static int load_catalog(struct db *d, struct report_run *run)
{
	switch (run->def->catalog) {
	case CAT_REGIONS:
		run->cat = json_incref(run->regions);
		return 0;
	case CAT_ORGS:
		run->cat = json_incref(run->orgs);
		return 0;
	case CAT_CODES:
		return report_catalog_codes(d, run->def->code_table, &run->cat);
	case CAT_DICT:
		return report_catalog_dict(d, run->def->dict_kind, &run->cat);
	default:
		return 0;
	}
}

int report_build(struct db *d, const struct report_params *p, json_t **out, struct refusal *e)
{
	const struct report_def *def = report_find(p->name);
	if (!def || !def->build)
		return refuse(e, 400, "invalid_field", "该报表按投诉逐条列出，没有汇总", "name");
	struct report_run run = {.def = def, .p = p, .scan = {.q = {.group = FD_NONE, .group2 = FD_NONE}}};
	json_t *res = NULL;
	int rc = facts_sync(d);
	if (rc == 0)
		rc = report_catalog_orgs(d, &run.orgs);
	if (rc == 0)
		rc = report_catalog_regions(d, &run.regions);
	if (rc == 0)
		rc = load_catalog(d, &run);
	if (rc < 0)
		goto done;
	bool matrix = p->layout && !strcmp(p->layout, "matrix");
	if (matrix && !def->matrix) {
		rc = refuse(e, 400, "invalid_field", "监管报表格式只适用于业务办理渠道、业务类别、投诉类别和投诉原因", "layout");
		goto done;
	}
	res = report_head(p, def->name);
	facts_read_lock();
	rc = res ? report_scan_filters(&run.scan, p, run.orgs) : DB_HARD;
	if (rc == 0)
		rc = (matrix ? report_build_matrix : def->build)(&run, res, e);
	facts_read_unlock();
done:
	report_scan_free(&run.scan);
	json_decref(run.orgs);
	json_decref(run.cat);
	if (rc != 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* Counts the complaints matching p (rows: which ones are considered at all). */
/* What the complaint list filters on beyond report_params: open work, a right, a tag, and with
 * a text query the ids of its matches (ascending). */
struct list_facets {
	bool open;
	const char *right, *tag;
	bool text;
	const int64_t *ids;
	size_t nids;
	/* A data scope's "or the caller's own": this user's registrations and cases anywhere also
	 * count (0: none). */
	int64_t own_user;
	/* Without text, page_want > 0: the hours holding the newest page_want matches
	 * (facts_page_hours) into page_first .. page_last, page_hours set when found. */
	uint64_t page_want;
	int32_t page_first, page_last;
	bool page_hours;
	/* With want > 0 and text: the newest want matches go to page[0..got), newest first; with
	 * by_due (no text): the first want in deadline order (facts_due_page). */
	bool by_due;
	int64_t *page;
	size_t want, got;
};

/* Counts p's complaints of the rows' rule received in [from_day, to_day] (and lf's facets when
 * given) into *total. 0, 1 when the index cannot count lf's right or tag (facts_item_bits), 2
 * when it cannot tell lf's own user's complaints (facts_own_values), or negative. */
static int count_matching(struct db *d, const struct report_params *p, enum fact_rows rows, int32_t from_day,
			  int32_t to_day, struct list_facets *lf, int64_t *total)
{
	*total = 0;
	int rc = facts_sync(d);
	json_t *orgs = NULL;
	/* The institutions are needed only to select subtrees (not for a whole-bank list). */
	if (rc == 0 && (p->scope_path || p->org_path || p->complained_org_path))
		rc = report_catalog_org_paths(d, p, &orgs);
	if (rc < 0)
		return rc;
	struct report_scan s = {.q = {.rows = rows, .group = FD_NONE, .group2 = FD_NONE}};
	facts_read_lock();
	rc = report_scan_filters(&s, p, orgs);
	s.q.from_day = from_day;
	s.q.to_day = to_day;
	bool none = false; /* a right or tag no complaint holds */
	if (rc == 0 && lf) {
		if (lf->open)
			s.q.need_flags = facts_open_flag();
		if ((lf->right && !facts_item_bits(FD_RIGHT, lf->right, &s.q.any_right)) ||
		    (lf->tag && !facts_item_bits(FD_TAG, lf->tag, &s.q.any_tag)))
			rc = 1;
		none = (lf->right && !s.q.any_right) || (lf->tag && !s.q.any_tag);
		if (rc == 0 && lf->own_user && !facts_own_values(lf->own_user, &s.q))
			rc = 2;
	}
	uint64_t matches = 0;
	if (rc == 0 && !none && lf && lf->text)
		facts_scan_ids(&s.q, lf->ids, lf->nids, &s.total, lf->page, lf->want, &lf->got);
	else if (rc == 0 && !none && lf && lf->by_due && lf->want) {
		if (!facts_due_page(&s.q, lf->want, lf->page, &lf->got, &matches))
			rc = DB_HARD;
		s.total.count = (uint32_t)matches;
	} else if (rc == 0 && !none) {
		rc = report_scan_run(&s);
		if (rc == 0 && lf && lf->page_want)
			lf->page_hours = facts_page_hours(&s.q, lf->page_want, &lf->page_first, &lf->page_last);
	}
	facts_read_unlock();
	*total = rc == 0 && !none ? s.total.count : 0;
	report_scan_free(&s);
	json_decref(orgs);
	return rc;
}

int report_count(struct db *d, const struct report_params *p, int64_t *total)
{
	return count_matching(d, p, FR_COUNTED, facts_ymd_day(p->from_ymd), facts_ymd_day(p->to_ymd), NULL, total);
}

/* A list page from the report index: a text search's newest want matches, or by_due the first
 * want in deadline order (the caller keeps the ones past its offset). */
struct list_page {
	size_t want;
	bool by_due;
	int64_t *ids; /* malloc'd: the page, in its order */
	size_t n;
};

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x < y) - (x > y);
}

/* Merges the caller's own matches outside the scope (own, n_own, any order; sorted here) into
 * the index's newest matches (desc, got): the newest want of both into pg. Without own, the
 * index's page as it is (a deadline order). 0 or DB_HARD. */
static int merge_page(struct list_page *pg, const int64_t *desc, size_t got, int64_t *own, size_t n_own)
{
	if (n_own)
		qsort(own, n_own, sizeof *own, cmp_desc);
	pg->ids = malloc((pg->want ? pg->want : 1) * sizeof *pg->ids);
	if (!pg->ids)
		return DB_HARD;
	size_t i = 0, j = 0;
	for (pg->n = 0; pg->n < pg->want && (i < got || j < n_own); pg->n++)
		pg->ids[pg->n] = j >= n_own || (i < got && desc[i] > own[j]) ? desc[i++] : own[j++];
	return DB_OK;
}

/* The list's total (and with page, a text search's or a deadline order's page) from the report
 * index: 1 when it answered, 0 when the list must ask SQL, negative on an error. */
static int list_by_index(struct db *d, const struct complaint_filter *f, const struct scope_filter *sf,
			 struct list_page *page, int64_t *total, struct report_page_hours *hours)
{
	if (hours)
		hours->found = false;
	if (!facts_ready()) /* the index is loading: the list answers now, counting in SQL */
		return 0;
	/* Not in the index: the number, the deadline state (open work's own, beside the index's),
	 * the people, the identity. */
	if (f->complaint_no || f->deadline_state || f->handler_id || f->registrar_id ||
	    f->id_no_bidx || f->phone_bidx)
		return 0;
	/* The list's scope also admits the caller's own registrations and cases anywhere: a subtree
	 * filter inside the caller's subtree leaves exactly that subtree; without one, the subtree
	 * is counted here and the caller's own complaints outside it by SQL (a handful, found
	 * through the registrar and handler indexes). Issue 13: that SQL count over the subtree
	 * took 0.95 s for a city branch at 1M and 33 s at 10M. */
	const char *org_path = f->org_path;
	char scope_path[sizeof sf->path_like];
	bool own_outside = false, exact = false;
	if (sf->kind != SCOPE_ALL) {
		size_t n = strlen(sf->path_like);
		if ((sf->kind != SCOPE_SUBTREE && sf->kind != SCOPE_ORG) || n == 0)
			return 0;
		if (sf->kind == SCOPE_ORG) {
			/* The institution's own complaints: those it handles, which carry its path
			 * (domain/complaint: handling institution and org_path change together), and
			 * the caller's own elsewhere. An institution filter is left to SQL. */
			if (f->org_path)
				return 0;
			snprintf(scope_path, sizeof scope_path, "%.*s", (int)n - 1, sf->path_like);
			org_path = scope_path;
			exact = own_outside = true;
		} else if (!f->org_path) {
			snprintf(scope_path, sizeof scope_path, "%.*s", (int)n - 1, sf->path_like);
			org_path = scope_path;
			own_outside = true;
		} else if (strncmp(f->org_path, sf->path_like, n - 1) != 0) {
			return 0;
		}
	}
	if ((f->from && !ms_is_local_midnight(f->from, CN_TZ_OFFSET_MIN)) ||
	    (f->to && !ms_is_local_midnight(f->to, CN_TZ_OFFSET_MIN)))
		return 0; /* not whole days */
	/* A text query: its matches from the full-text index, tested here with the other filters
	 * (SQL tested the newest 10,001 against their table rows: 30-120 ms, and a lower bound). */
	int64_t *ids = NULL;
	size_t nids = 0;
	if (f->q && *f->q) {
		bool found = false;
		int trc = store_complaint_text_ids(d, f, &ids, &nids, &found);
		if (trc < 0 || !found)
			return trc < 0 ? trc : 0;
	}
	bool text = f->q && *f->q;
	if (page && !text && !page->by_due)
		return 0; /* without a text, only the deadline order is paged here */
	/* The caller's own complaints outside the scope are tested by the index with the rest (its
	 * registrar and handler columns), or when it cannot tell people apart (more than 65,535 of
	 * them) found by SQL: the call centre's registrar has 780,000 at 1M, past SQL's cap. */
	int64_t outside = 0, *own = NULL;
	int rc = 0;
	for (int attempt = 0; attempt < 2 && rc == 0; attempt++) {
		bool own_by_sql = own_outside && attempt == 1;
		if (own_by_sql && page && page->by_due) {
			rc = 1; /* the own found by SQL have no place in the deadline order here */
			break;
		}
		if (own_by_sql) {
			rc = store_complaint_count_own_outside(d, sf, f, text ? ids : NULL, nids, &outside,
								page ? &own : NULL);
			if (rc >= 0 && outside > COMPLAINT_COUNT_CAP) /* too many to test: SQL counts the whole */
				rc = 1;
			if (rc != 0)
				break;
		}
		struct report_params p = {
			.scope_path = exact ? org_path : NULL,
			.scope_exact = exact,
			.org_path = exact ? NULL : org_path,
			.status = f->status,
			.source_channel = f->source_channel,
			.a_code = f->business_channel_code,
			.b_code = f->business_type_code,
			.c_code = f->cause_code,
			.region_code = f->region_code,
			.complained_org_path = f->complained_org_path,
		};
		enum fact_rows rows = f->counted ? FR_COUNTED : f->status ? FR_ALL : FR_LISTED;
		struct list_facets lf = {.open = f->open, .right = f->right, .tag = f->tag, .text = text,
					 .ids = ids, .nids = nids, .want = page ? page->want : 0,
					 .by_due = page && page->by_due,
					 .own_user = own_outside && !own_by_sql ? sf->user_id : 0};
		/* The page's hours, when every match is in the index (not the own found by SQL). */
		if (hours && !text && !own_by_sql && f->limit > 0 && f->offset >= 0)
			lf.page_want = (uint64_t)f->offset + (uint64_t)f->limit;
		if (page && !(lf.page = malloc((lf.want ? lf.want : 1) * sizeof *lf.page)))
			rc = DB_HARD;
		if (rc == 0)
			rc = count_matching(d, &p, rows, f->from ? facts_day(f->from) : 0,
					    f->to ? facts_day(f->to) - 1 : INT32_MAX, &lf, total);
		if (rc == 0 && page)
			rc = merge_page(page, lf.page, lf.got, own, (size_t)outside);
		free(lf.page);
		if (rc == 0 && hours && lf.page_hours) {
			hours->found = true;
			hours->from = (int64_t)lf.page_first * MS_PER_HOUR - CN_TZ_OFFSET_MS;
			hours->to = ((int64_t)lf.page_last + 1) * MS_PER_HOUR - CN_TZ_OFFSET_MS;
		}
		if (rc == 0)
			break;
		if (rc == 2 && own_outside && !own_by_sql) /* the people are not known: SQL finds the own */
			rc = 0;
	}
	free(own);
	free(ids);
	if (rc != 0) /* an error, or what the index cannot count */
		return rc < 0 ? rc : 0;
	*total += outside;
	return 1;
}

int report_list_count(struct db *d, const struct complaint_filter *f, const struct scope_filter *sf, int64_t *total,
		      struct report_page_hours *hours)
{
	return list_by_index(d, f, sf, NULL, total, hours);
}

int report_list_page(struct db *d, const struct complaint_filter *f, const struct scope_filter *sf, json_t **items,
		     int64_t *total)
{
	*items = NULL;
	bool text = f->q && *f->q;
	/* Deep pages are left to SQL: the index keeps offset + limit ids. */
	if ((!text && !f->sort_by_due) || f->offset < 0 || f->limit <= 0 || f->offset > LIST_PAGE_DEPTH_MAX)
		return 0;
	if (!text && store_list_path_forced())
		return 0;
	struct list_page pg = {.want = (size_t)(f->offset + f->limit), .by_due = !text};
	int rc = list_by_index(d, f, sf, &pg, total, NULL);
	if (rc == 1) {
		size_t from = (size_t)f->offset < pg.n ? (size_t)f->offset : pg.n;
		int src = store_complaint_rows(d, pg.ids + from, pg.n - from, items);
		rc = src < 0 ? src : 1;
	}
	free(pg.ids);
	return rc;
}
