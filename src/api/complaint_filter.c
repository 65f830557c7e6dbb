/* The query-string filters of the complaint list, shared by the Excel export and the reports'
 * drill-down (api_complaint_filter): dates in the bank's time zone, institutions by subtree, exact
 * identity lookups through blind indexes (permission, limits and audit first: pii_lookup). */
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/pii.h"
#include "domain/pii_lookup.h"
#include "http/request.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t api_query_time(struct request *r, const char *key, bool end, bool *bad)
{
	const char *v = req_query(r, key);
	if (!v)
		return 0;
	int64_t ms;
	if (iso8601_parse(v, &ms) == 0)
		return ms;
	/* A plain date means the whole day in the bank's time zone. */
	int y, m, dd;
	char tail;
	if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3 && ymd_valid(y * 10000 + m * 100 + dd)) {
		int32_t ymd = y * 10000 + m * 100 + dd;
		return end ? ymd_end_ms(ymd, CN_TZ_OFFSET_MIN) + 1 : ymd_end_ms(ymd_add_days(ymd, -1), CN_TZ_OFFSET_MIN) + 1;
	}
	*bad = true;
	return 0;
}

/* Query-string filters shared by the list and the Excel export. The buffers in *fb hold the
 * blind indexes; *org (caller frees) the institution whose subtree was asked for. Returns 0, or
 * replies (400 / db error) and returns -1. */
void api_filter_bufs_free(struct filter_bufs *fb)
{
	json_decref(fb->org);
	json_decref(fb->complained_org);
	fb->org = fb->complained_org = NULL;
}

struct lookup_ctx {
	struct request *r;
	struct pii_lookup q;
	struct refusal err;
};

/* Commits the lookup's audit event also when the lookup is refused (the refusal is news). */
static int lookup_tx(struct db *d, void *arg)
{
	struct lookup_ctx *c = arg;
	c->err = (struct refusal){0};
	int rc = pii_lookup_admit(d, c->r->user, c->r->ip, &c->q, now_ms(), &c->err);
	return rc < 0 ? rc : 0;
}

/* The store refuses values longer than its buffers (a 500); say it as the client's error. 0, or
 * replies 400 and returns -1. */
static int check_lengths(struct request *r)
{
	static const char *const text_keys[] = {"status", "q", "complaint_no", "source_channel",
						"business_channel_code", "business_type_code", "cause_code",
						"tag", "deadline_state", "region_code", "right", NULL};
	for (int i = 0; text_keys[i]; i++) {
		const char *t = req_query(r, text_keys[i]);
		size_t chars = 0;
		for (; t && *t; t++)
			chars += ((unsigned char)*t & 0xC0) != 0x80;
		if (chars > 50)
			return reply_error(r, 400, "invalid_field", "筛选条件过长（最多50个字符）", text_keys[i]), -1;
	}
	return 0;
}

/* The institutions asked for (org_id: handling subtree; complained_org_id). 0, or replies and
 * returns -1 with nothing left to free. */
static int filter_orgs(struct request *r, struct complaint_filter *f, struct filter_bufs *fb)
{
	const char *v;
	if ((v = req_query(r, "org_id"))) {
		int rc = store_org_get(r->db, strtoll(v, NULL, 10), &fb->org);
		if (rc < 0)
			return reply_db_error(r, rc), -1;
		if (rc == 0)
			return reply_error(r, 400, "invalid_field", "机构不存在", "org_id"), -1;
		f->org_path = json_string_value(json_object_get(fb->org, "path"));
	}
	if ((v = req_query(r, "complained_org_id"))) {
		int rc = store_org_get(r->db, strtoll(v, NULL, 10), &fb->complained_org);
		if (rc != 1) {
			api_filter_bufs_free(fb);
			return (rc < 0 ? reply_db_error(r, rc)
				       : reply_error(r, 400, "invalid_field", "被投诉机构不存在", "complained_org_id")),
			       -1;
		}
		f->complained_org_path = json_string_value(json_object_get(fb->complained_org, "path"));
	}
	return 0;
}

/* Exact identity lookups go through blind indexes: the plaintext is never queried. The id_no and
 * phone lookups are admitted (permission, limits) and audited first (H2). 0, or replies and
 * returns -1 with nothing left to free. */
static int filter_identity(struct request *r, struct complaint_filter *f, struct filter_bufs *fb)
{
	if (f->q) {
		int n = pii_blind_indexes(PII_NAME, f->q, fb->name_b);
		f->name_bidx = fb->name_b[0];
		f->name_bidx_alt = fb->name_b[n - 1];
	}
	struct lookup_ctx lk = {.r = r, .q = {.id_no = req_query(r, "id_no"), .phone = req_query(r, "phone")}};
	if (lk.q.id_no || lk.q.phone) {
		int rc = store_write(lookup_tx, &lk);
		if (rc != 0 || lk.err.code) {
			api_filter_bufs_free(fb);
			return api_reply_tx_error(r, rc ? rc : 1, &lk.err, NULL, NULL), -1;
		}
	}
	if (lk.q.id_no) {
		int n = pii_blind_indexes(PII_ID_NO, lk.q.id_no, fb->id_b);
		f->id_no_bidx = fb->id_b[0];
		f->id_no_bidx_alt = fb->id_b[n - 1];
	}
	if (lk.q.phone) {
		int n = pii_blind_indexes(PII_PHONE, lk.q.phone, fb->phone_b);
		f->phone_bidx = fb->phone_b[0];
		f->phone_bidx_alt = fb->phone_b[n - 1];
	}
	return 0;
}

static bool query_is(struct request *r, const char *key, const char *value)
{
	const char *v = req_query(r, key);
	return v && strcmp(v, value) == 0;
}

int api_complaint_filter(struct request *r, struct complaint_filter *f, struct filter_bufs *fb)
{
	*f = (struct complaint_filter){
		.status = req_query(r, "status"),
		.q = req_query(r, "q"),
		.complaint_no = req_query(r, "complaint_no"),
		.source_channel = req_query(r, "source_channel"),
		.business_channel_code = req_query(r, "business_channel_code"),
		.business_type_code = req_query(r, "business_type_code"),
		.cause_code = req_query(r, "cause_code"),
		.tag = req_query(r, "tag"),
		.deadline_state = req_query(r, "deadline_state"),
		.region_code = req_query(r, "region_code"),
		.right = req_query(r, "right"),
	};
	fb->org = fb->complained_org = NULL;
	if (check_lengths(r) != 0)
		return -1;
	bool bad = false;
	f->from = api_query_time(r, "from", false, &bad);
	f->to = api_query_time(r, "to", true, &bad);
	if (bad)
		return reply_error(r, 400, "invalid_field", "日期格式应为 YYYY-MM-DD 或带时区的ISO 8601时间", "from"), -1;
	if (query_is(r, "overdue", "true"))
		f->deadline_state = "overdue";
	if (query_is(r, "mine", "true"))
		f->registrar_id = r->user->user_id;
	if (query_is(r, "handler", "me"))
		f->handler_id = r->user->user_id;
	f->sort_by_due = query_is(r, "sort", "due");
	f->counted = query_is(r, "counted", "true");
	f->open = query_is(r, "open", "true");
	if (filter_orgs(r, f, fb) != 0)
		return -1;
	return filter_identity(r, f, fb);
}
