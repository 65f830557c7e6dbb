/* fcms seed-demo: the demo bank — a head office, 10 provincial branches, 6 city branches each
 * (districts for a municipality) and 6–7 sub-branches under each city, on real GB/T 2260 regions,
 * with a handler and a registrar at every institution and the head office's named accounts.
 * Names are drawn from the seed's random stream, so the order of creation is part of the data. */
#include "demo/seed_internal.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/log.h"
#include <assert.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *region, *code, *name;
} provinces[] = {
	{"110000", "BJ", "北京市分行"}, {"310000", "SH", "上海市分行"}, {"440000", "GD", "广东省分行"},
	{"320000", "JS", "江苏省分行"}, {"330000", "ZJ", "浙江省分行"}, {"370000", "SD", "山东省分行"},
	{"510000", "SC", "四川省分行"}, {"420000", "HB", "湖北省分行"}, {"410000", "HA", "河南省分行"},
	{"350000", "FJ", "福建省分行"},
};

static int add_user(struct demo *dm, const char *username, const char *name, int64_t org, const char *role,
		    int64_t *id)
{
	struct user_auth ua;
	int rc = store_user_auth(dm->d, username, &ua);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*id = ua.id;
		return 0;
	}
	int64_t role_id;
	if ((rc = store_role_id(dm->d, role, &role_id)) != 1)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = store_user_insert(dm->d, username, name, org, "", "", dm->password_hash, false, now_ms(), id)) < 0 ||
	    (rc = store_user_set_must_change(dm->d, *id, false)) < 0)
		return rc;
	return store_user_set_roles(dm->d, *id, &role_id, 1);
}

static int add_org(struct demo *dm, int64_t parent, const char *code, const char *name, const char *region,
		   const char *type, int level, struct demo_org *out)
{
	struct org_fields f = {.name = name, .internal_code = code, .region_code = region, .type = type, .address = ""};
	char fin[32];
	/* 14 characters: a bank prefix, level, region and a sequence. */
	snprintf(fin, sizeof fin, "B001%d%.6s%03d", level % 10, region, dm->norgs % 1000);
	f.fin_code = fin;
	int64_t id;
	int rc = store_org_insert(dm->d, parent, &f, now_ms(), &id);
	if (rc < 0)
		return rc;
	json_t *org;
	if ((rc = store_org_get(dm->d, id, &org)) != 1)
		return rc < 0 ? rc : DB_HARD;
	*out = (struct demo_org){.id = id, .level = level};
	snprintf(out->code, sizeof out->code, "%s", code);
	snprintf(out->region, sizeof out->region, "%s", region);
	snprintf(out->path, sizeof out->path, "%s", json_string_value(json_object_get(org, "path")));
	json_decref(org);
	return 0;
}

/* Picks region children: prefectures of a province, or counties of a prefecture. */
static json_t *children(struct demo *dm, const char *parent, int level)
{
	json_t *items = NULL, *out = json_array();
	store_regions_list(dm->d, parent, &items);
	size_t i;
	json_t *r;
	json_array_foreach(items, i, r)
		if (json_integer_value(json_object_get(r, "level")) == level)
			json_array_append(out, r);
	json_decref(items);
	return out;
}

/* The head office (the root institution, index 0) and its named accounts. */
static int build_hq(struct demo *dm, int64_t *root)
{
	int rc = store_org_root_id(dm->d, root);
	if (rc != 1)
		return rc < 0 ? rc : DB_HARD;
	json_t *o;
	if ((rc = store_org_get(dm->d, *root, &o)) != 1)
		return rc < 0 ? rc : DB_HARD;
	assert(dm->norgs == 0);
	struct demo_org *hq = &dm->orgs[dm->norgs++];
	*hq = (struct demo_org){.id = *root, .level = 0};
	snprintf(hq->code, sizeof hq->code, "%s", json_string_value(json_object_get(o, "internal_code")));
	snprintf(hq->region, sizeof hq->region, "%s", json_string_value(json_object_get(o, "region_code")));
	snprintf(hq->path, sizeof hq->path, "%s", json_string_value(json_object_get(o, "path")));
	json_decref(o);
	if ((rc = add_user(dm, "xiaobao1", "周消保", *root, "reviewer", &dm->reviewer)) < 0 ||
	    (rc = add_user(dm, "xiaobao2", "吴消保", *root, "reviewer", &dm->reviewer2)) < 0 ||
	    (rc = add_user(dm, "tongji", "郑统计", *root, "statistician", &hq->registrar)) < 0 ||
	    (rc = add_user(dm, "lingdao", "王行长", *root, "manager", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "anquan", "钱安全", *root, "sec_admin", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "shenji", "孙审计", *root, "audit_admin", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "hq_handler", "赵处理", *root, "handler", &hq->handler)) < 0 ||
	    (rc = add_user(dm, "hq_registrar", "钱受理", *root, "registrar", &hq->registrar)) < 0)
		return rc;
	return 0;
}

/* The next institution with its handler and registrar (names drawn in that order). */
static int add_desk(struct demo *dm, int64_t parent, const char *code, const char *name, const char *region,
		    const char *type, int level, struct demo_org **out)
{
	assert(dm->norgs < DEMO_MAX_ORGS);
	struct demo_org *o = &dm->orgs[dm->norgs];
	char uname[48], person[32];
	int rc = add_org(dm, parent, code, name, region, type, level, o);
	if (rc < 0)
		return rc;
	snprintf(uname, sizeof uname, "%s_handler", code);
	demo_random_name(person, sizeof person);
	if ((rc = add_user(dm, uname, person, o->id, "handler", &o->handler)) < 0)
		return rc;
	snprintf(uname, sizeof uname, "%s_registrar", code);
	demo_random_name(person, sizeof person);
	if ((rc = add_user(dm, uname, person, o->id, "registrar", &o->registrar)) < 0)
		return rc;
	*out = o;
	return 0;
}

/* The 6–7 sub-branches of the city branch co (index ci in dm->orgs, c-th of province p): one
 * per county, or per street of the city when it has no counties. */
static int build_subbranches(struct demo *dm, size_t p, int c, json_t *city, bool municipality)
{
	static const char *const streets[] = {"人民路", "解放路", "中山路", "建设路", "新华路", "和平路", "文化路"};
	int ci = dm->norgs - 1;
	struct demo_org *co = &dm->orgs[ci];
	assert(co->level == 2);
	const char *cregion = co->region;
	json_t *counties = municipality ? json_array() : children(dm, cregion, 3);
	size_t ncounties = json_array_size(counties);
	int subs = 6 + (c % 3 == 0);
	int rc = 0;
	for (int s = 0; s < subs && rc == 0; s++) {
		json_t *county = json_array_get(counties, (size_t)s % (ncounties ? ncounties : 1));
		const char *sregion = county ? json_string_value(json_object_get(county, "code")) : cregion;
		char sname[128], scode[24];
		snprintf(sname, sizeof sname, "%s%s支行",
			 json_string_value(json_object_get(county ? county : city, "name")), streets[s % 7]);
		snprintf(scode, sizeof scode, "%s%02d%02d", provinces[p].code, c + 1, s + 1);
		/* Every sub-branch has its own handler and registrar: the to-do of a bank's day is
		 * spread over hundreds of desks, not a few city ones. */
		struct demo_org *so;
		if ((rc = add_desk(dm, co->id, scode, sname, sregion, municipality ? "outlet" : "sub_branch", 3, &so)) == 0) {
			so->parent = ci;
			dm->norgs++;
		}
	}
	json_decref(counties);
	return rc;
}

/* Province p: its branch, six cities (districts for a municipality) and their sub-branches. */
static int build_province(struct demo *dm, int64_t root, size_t p)
{
	char code[24];
	snprintf(code, sizeof code, "%s00", provinces[p].code);
	struct demo_org *prov;
	int rc = add_desk(dm, root, code, provinces[p].name, provinces[p].region, "branch", 1, &prov);
	if (rc < 0)
		return rc;
	dm->norgs++;
	json_t *cities = children(dm, provinces[p].region, 2);
	bool municipality = json_array_size(cities) == 0;
	if (municipality) {
		json_decref(cities);
		cities = children(dm, provinces[p].region, 3);
	}
	for (int c = 0; c < 6 && c < (int)json_array_size(cities) && rc == 0; c++) {
		json_t *city = json_array_get(cities, (size_t)c);
		char cname[96];
		snprintf(cname, sizeof cname, "%s%s", json_string_value(json_object_get(city, "name")),
			 municipality ? "支行" : "分行");
		snprintf(code, sizeof code, "%s%02d", provinces[p].code, c + 1);
		struct demo_org *co;
		rc = add_desk(dm, prov->id, code, cname, json_string_value(json_object_get(city, "code")),
			      municipality ? "sub_branch" : "branch", 2, &co);
		if (rc == 0) {
			dm->norgs++;
			rc = build_subbranches(dm, p, c, city, municipality);
		}
	}
	json_decref(cities);
	return rc;
}

int demo_build_bank(struct demo *dm)
{
	dm->norgs = 0; /* a retried transaction builds the list again */
	int64_t root;
	int rc = build_hq(dm, &root);
	for (size_t p = 0; rc == 0 && p < sizeof provinces / sizeof provinces[0]; p++)
		rc = build_province(dm, root, p);
	return rc;
}
