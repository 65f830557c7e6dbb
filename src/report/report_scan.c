/* The catalogs the reports name their rows from, and the scan of the report index with the
 * request's filters (see report_parts.h). Catalogs come from the database at each request (a few
 * hundred rows); regions, which never change at run time, are read once. */
#include "report/report_parts.h"
#include "store/db.h"
#include "store/store.h"
#include "util/dates.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- catalogs: code → {name, parent, sort[, label]} ---- */

static json_t *entry(const char *name, const char *parent, json_int_t sort)
{
	return json_pack("{s:s, s:s?, s:I}", "name", name ? name : "", "parent", parent, "sort", sort);
}

/* A catalog from store rows with code, name, parent and sort (of dimension dim when given; rows
 * without sort are ordered by their code as a number). Does not take items. */
static json_t *catalog_from_rows(json_t *items, char dim)
{
	json_t *out = json_object(), *c;
	size_t i;
	json_array_foreach(items, i, c)
	{
		const char *dimension = json_string_value(json_object_get(c, "dimension"));
		if (dim && !(dimension && dimension[0] == dim))
			continue;
		const char *code = json_string_value(json_object_get(c, "code"));
		json_t *sort = json_object_get(c, "sort");
		json_object_set_new(out, code,
				    entry(json_string_value(json_object_get(c, "name")),
					  json_string_value(json_object_get(c, "parent")),
					  sort ? json_integer_value(sort) : (json_int_t)strtol(code, NULL, 10)));
	}
	return out;
}

int report_catalog_codes(struct db *d, char dim, json_t **out)
{
	return report_catalog_codes2(d, dim, out, 0, NULL);
}

int report_catalog_codes2(struct db *d, char dim1, json_t **out1, char dim2, json_t **out2)
{
	json_t *items;
	int rc = store_report_codes(d, &items);
	if (rc < 0)
		return rc;
	*out1 = catalog_from_rows(items, dim1);
	if (out2)
		*out2 = catalog_from_rows(items, dim2);
	json_decref(items);
	return 0;
}

static pthread_mutex_t regions_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *regions_cache;

/* Regions (read once: they are loaded at init from the GB/T 2260 package). Borrowed. */
int report_catalog_regions(struct db *d, json_t **out)
{
	pthread_mutex_lock(&regions_mu);
	int rc = 0;
	json_t *items;
	if (!regions_cache && (rc = store_report_regions(d, &items)) == 0) {
		regions_cache = catalog_from_rows(items, 0);
		json_decref(items);
	}
	*out = regions_cache;
	pthread_mutex_unlock(&regions_mu);
	return rc;
}

/* Institutions keyed by id, with path, depth and the 金融机构编码 as the shown code. */
int report_catalog_orgs(struct db *d, json_t **out)
{
	json_t *items;
	int rc = store_report_orgs(d, &items);
	if (rc < 0)
		return rc;
	*out = json_object();
	size_t i;
	json_t *o;
	json_array_foreach(items, i, o)
	{
		char id[24], parent[24];
		snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(o, "id")));
		json_t *p = json_object_get(o, "parent_id");
		snprintf(parent, sizeof parent, "%lld", (long long)json_integer_value(p));
		json_t *e = entry(json_string_value(json_object_get(o, "name")), json_is_integer(p) ? parent : NULL,
				  json_integer_value(json_object_get(o, "sort")));
		json_object_set(e, "path", json_object_get(o, "path"));
		json_object_set(e, "depth", json_object_get(o, "depth"));
		json_object_set(e, "label", json_object_get(o, "fin_code"));
		json_object_set_new(*out, id, e);
	}
	json_decref(items);
	return 0;
}

int report_catalog_org_paths(struct db *d, const struct report_params *p, json_t **out)
{
	const char *prefix[] = {p->scope_path, p->org_path, p->complained_org_path};
	const bool exact[] = {p->scope_exact, false, false};
	json_t *orgs = json_object();
	int rc = orgs ? 0 : DB_HARD;
	for (size_t k = 0; rc == 0 && k < sizeof prefix / sizeof prefix[0]; k++) {
		json_t *rows = NULL;
		if (!prefix[k] || (rc = store_report_org_paths(d, prefix[k], exact[k], &rows)) < 0)
			continue;
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row)
		{
			char id[24];
			snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
			if (json_object_set_new(orgs, id, json_pack("{s:O}", "path", json_object_get(row, "path"))) != 0)
				rc = DB_HARD;
		}
		json_decref(rows);
	}
	if (rc < 0) {
		json_decref(orgs);
		return rc;
	}
	*out = orgs;
	return 0;
}

int report_catalog_dict(struct db *d, const char *kind, json_t **out)
{
	json_t *items;
	int rc = store_dict_list(d, kind, &items);
	if (rc < 0)
		return rc;
	*out = catalog_from_rows(items, 0);
	json_decref(items);
	return 0;
}

const char *report_cat_name(json_t *cat, const char *code)
{
	const char *n = json_string_value(json_object_get(json_object_get(cat, code), "name"));
	return n && *n ? n : code;
}

const char *report_root_org(json_t *orgs, const struct report_params *p)
{
	const char *want = p->org_path ? p->org_path : p->scope_path;
	const char *key;
	json_t *e;
	json_object_foreach(orgs, key, e)
	{
		const char *path = json_string_value(json_object_get(e, "path"));
		if (want ? path && !strcmp(path, want) : !json_object_get(e, "parent") || json_is_null(json_object_get(e, "parent")))
			return key;
	}
	return NULL;
}

/* ---- the scan with the request's filters ---- */

static bool starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static uint8_t *select_values(enum fact_dim dim, const char *want, bool prefix)
{
	uint32_t n = facts_dict_size(dim);
	uint8_t *sel = calloc(n, 1);
	for (uint32_t v = 0; sel && v < n; v++) {
		const char *key = facts_dict_key(dim, v);
		sel[v] = prefix ? starts_with(key, want) : !strcmp(key, want);
	}
	return sel;
}

int report_scan_filters(struct report_scan *s, const struct report_params *p, json_t *orgs)
{
	if (p->scope_path || p->org_path) {
		uint32_t n = facts_dict_size(FD_SCOPE_ORG);
		uint8_t *sel = calloc(n, 1);
		if (!(s->sel[FD_SCOPE_ORG] = sel))
			return DB_HARD;
		for (uint32_t v = 1; v < n; v++) {
			const char *path = json_string_value(
				json_object_get(json_object_get(orgs, facts_dict_key(FD_SCOPE_ORG, v)), "path"));
			bool in = path != NULL;
			if (in && p->scope_path)
				in = p->scope_exact ? !strcmp(path, p->scope_path) : starts_with(path, p->scope_path);
			if (in && p->org_path)
				in = starts_with(path, p->org_path);
			sel[v] = in;
		}
	}
	if (p->status && !(s->sel[FD_STATUS] = select_values(FD_STATUS, p->status, false)))
		return DB_HARD;
	if (p->source_channel && !(s->sel[FD_CHANNEL] = select_values(FD_CHANNEL, p->source_channel, false)))
		return DB_HARD;
	if (p->a_code && !(s->sel[FD_A] = select_values(FD_A, p->a_code, true)))
		return DB_HARD;
	if (p->b_code && !(s->sel[FD_B] = select_values(FD_B, p->b_code, true)))
		return DB_HARD;
	if (p->c_code && !(s->sel[FD_C] = select_values(FD_C, p->c_code, true)))
		return DB_HARD;
	if (p->region_code && !(s->sel[FD_REGION] = select_values(FD_REGION, p->region_code, true)))
		return DB_HARD;
	if (p->complained_org_path) {
		uint32_t n = facts_dict_size(FD_COMPLAINED_ORG);
		uint8_t *sel = calloc(n, 1);
		if (!(s->sel[FD_COMPLAINED_ORG] = sel))
			return DB_HARD;
		for (uint32_t v = 1; v < n; v++)
			sel[v] = starts_with(json_string_value(json_object_get(
						     json_object_get(orgs, facts_dict_key(FD_COMPLAINED_ORG, v)), "path")),
					     p->complained_org_path);
	}
	for (int k = 0; k < FD_NDICT; k++)
		s->q.sel[k] = s->sel[k];
	s->q.from_day = facts_ymd_day(p->from_ymd);
	s->q.to_day = facts_ymd_day(p->to_ymd);
	return 0;
}

int report_scan_run(struct report_scan *s)
{
	size_t n = (size_t)(s->q.group == FD_NONE ? 1 : s->q.ngroups) * (s->q.group2 == FD_NONE ? 1 : s->q.ngroups2);
	free(s->groups);
	if (!(s->groups = calloc(n ? n : 1, sizeof *s->groups)))
		return DB_HARD;
	facts_scan(&s->q, s->groups, &s->total);
	return 0;
}

void report_scan_free(struct report_scan *s)
{
	for (int k = 0; k < FD_NDICT; k++)
		free(s->sel[k]);
	free(s->groups);
}

void report_day_text(int32_t day, char *out, size_t n)
{
	ymd_format(ymd_from_day_number(day), out, (int)n);
}
