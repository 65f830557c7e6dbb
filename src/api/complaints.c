/* 投诉管理: intake and drafts (POST/PATCH /complaints), query, detail, timeline, and unmasking
 * the complainant. The body is validated against its spec here and handed to the domain's use
 * case (domain/complaint/: complaint_create, complaint_edit) inside store_write; the rules live
 * there. The workflow actions are api/complaint_actions.c, the filters api/complaint_filter.c,
 * the to-do list api/todo.c, notifications api/notifications.c, the closure form
 * api/closure_form.c and the assignee list api/assignees.c. */
#include "api/api.h"
#include "api/complaint_view.h"
#include "domain/audit_catalogue.h"
#include "http/request.h"
#include "report/reports.h"
#include "regulator/gateway.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bodies of POST /complaints and PATCH /complaints/{id}: checked and bound into the use
 * case's command by one spec table each (the input's fields: COMPLAINT_INPUT_FIELDS). */
static const struct field_bind create_spec[] = {
	COMPLAINT_INPUT_FIELDS(struct complaint_create_cmd, input.),
	{{"draft", F_BOOL, false, 0, 0, "暂存"}, FB_BOOL, offsetof(struct complaint_create_cmd, draft)},
	FIELD_BIND_END,
};
static const struct field_bind update_spec[] = {
	COMPLAINT_INPUT_FIELDS(struct complaint_edit_cmd, input.),
	{{"version", F_INT, true, 0, 0, "版本号"}, FB_INT, offsetof(struct complaint_edit_cmd, version)},
	FIELD_BIND_END,
};

/* ---- create ---- */

struct create_ctx {
	struct actor a;
	struct complaint_create_cmd cmd;
	struct complaint_settings cfg;
	struct complaint rec; /* the checked record, built before the transaction */
	char prefix[64];
	struct complaint_created made;
	json_t *result; /* as read back after the commit */
	struct refusal err;
};

/* The settings and the checks in one read transaction: one snapshot, and SQLite's per-statement
 * read-lock work done once. */
static int create_prepare_tx(struct db *d, void *arg)
{
	struct create_ctx *c = arg;
	/* a retried transaction starts over */
	complaint_record_free(&c->rec);
	int rc = complaint_settings_get(d, &c->cfg);
	return rc != 0 ? rc : complaint_create_prepare(d, &c->a, &c->cmd, &c->cfg, &c->rec, c->prefix, sizeof c->prefix, &c->err);
}

static int create_tx(struct db *d, void *arg)
{
	struct create_ctx *c = arg;
	return complaint_create(d, &c->a, &c->cmd, &c->rec, c->prefix, &c->made, &c->err);
}

/* Runs the intake of the bound body (c->cmd) and reads the complaint back: 0 with c->result, or
 * the transaction's status (refusal in c->err). */
static int create_run(struct request *r, struct create_ctx *c)
{
	c->a = api_actor(r);
	int rc = db_tx(r->db, false, create_prepare_tx, c);
	if (rc == 0)
		rc = store_write(create_tx, c);
	complaint_record_free(&c->rec);
	if (rc != 0)
		return rc;
	/* Read back on this thread's connection, after the commit: the writer is kept for writes. */
	if ((rc = store_complaint_get(r->db, c->made.id, &c->result)) != 1)
		return rc < 0 ? rc : DB_HARD;
	if (c->made.replayed) /* an earlier registration with this Idempotency-Key: nothing new happened */
		return 0;
	api_complaint_publish(c->result, c->cmd.draft ? "draft" : "register");
	regulator_worker_kick();
	return 0;
}

int api_complaint_register_reserved(struct request *r, const char *complaint_no,
				    int (*also)(struct db *d, void *arg, int64_t id), void *arg, json_t **out,
				    struct refusal *e)
{
	struct create_ctx c = {.cmd = {.fixed_no = complaint_no, .also = also, .also_arg = arg}};
	json_spec_bind(r->json, create_spec, &c.cmd); /* the caller built and checked the body */
	int rc = create_run(r, &c);
	if (rc != 0) {
		*e = c.err;
		return rc;
	}
	*out = api_complaint_view(r, c.result, &c.cfg);
	return 0;
}

/* The Idempotency-Key header (a call id): 1～128 visible ASCII characters; the body's canonical
 * hash goes with it. 0, or replies and returns -1. */
static int idem_key(struct request *r, struct complaint_create_cmd *cmd)
{
	const char *k = cmd->idem_key = req_header(r, "Idempotency-Key");
	if (!k)
		return 0;
	size_t n = strlen(k);
	bool ok = n >= 1 && n <= 128;
	for (size_t i = 0; ok && i < n; i++)
		ok = k[i] > 0x20 && k[i] < 0x7f;
	if (!ok)
		return reply_error(r, 400, "invalid_field", "幂等键（Idempotency-Key）须为1～128个可见ASCII字符", "Idempotency-Key"), -1;
	char *canon = json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL), -1;
	crypto_sha256_hex(canon, strlen(canon), cmd->idem_sha);
	free(canon);
	return 0;
}

int api_complaint_create(struct request *r)
{
	struct create_ctx c = {0};
	if (req_bind(r, create_spec, &c.cmd) != 0 || idem_key(r, &c.cmd) != 0)
		return 0;
	int rc = create_run(r, &c);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &c.err, "duplicate", "投诉编号冲突，请重试");
	if (c.made.replayed) { /* the retry of a registration that went through: the same answer */
		reply_json(r, 201, api_complaint_view(r, c.result, &c.cfg));
		reply_header(r, "Idempotent-Replayed", "true");
		return 0;
	}
	return reply_json(r, 201, api_complaint_view(r, c.result, &c.cfg));
}

/* ---- read ---- */

int api_complaint_get(struct request *r)
{
	struct complaint_settings cfg;
	struct complaint rec;
	struct refusal e = {0};
	struct actor a = api_actor(r);
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = complaint_load(r->db, &a, req_arg_id(r, 0), &rec, &e);
	if (rc != 1)
		return api_reply_fetch_error(r, rc, &e);
	json_t *v = api_complaint_view_record(r, &rec, &cfg);
	complaint_record_free(&rec);
	return reply_json(r, 200, v);
}

int api_complaint_list(struct request *r)
{
	struct complaint_filter f;
	struct filter_bufs fb;
	if (api_complaint_filter(r, &f, &fb) != 0)
		return 0;
	if (req_paging(r, &f.limit, &f.offset) != 0) {
		api_filter_bufs_free(&fb);
		return 0;
	}
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *items;
	int64_t total;
	bool capped = false;
	int rc = complaint_settings_get(r->db, &cfg);
	/* The report index counts in milliseconds what SQL counts in seconds (exact, no cap), and
	 * picks a text search's page among the full-text index's matches, or a page in deadline
	 * order. */
	bool paged = false, text = f.q && *f.q;
	struct report_page_hours hours = {0};
	if (rc == 0 && (text || f.sort_by_due) && (rc = report_list_page(r->db, &f, &sf, &items, &total)) == 1)
		paged = true;
	/* A text search the index could not page it cannot count either, but past the depth the
	 * page keeps (the full-text matches are not listed twice). */
	else if (rc == 0 && (!text || f.offset > LIST_PAGE_DEPTH_MAX) &&
		 (rc = report_list_count(r->db, &f, &sf, &total, &hours)) == 1) {
		f.skip_count = true;
		/* Newest received first: the page's matches lie in the hours the index found, so its
		 * walk starts at the newest match, not at the newest complaint (SQLite: a right held by
		 * 7% of complaints, none among the last 70,000, 60 ms of index entries per page;
		 * PostgreSQL: a province handler's tag, 943 -> 69 ms idle). */
		if (hours.found && !text && !f.sort_by_due) {
			f.from = f.from > hours.from ? f.from : hours.from;
			f.to = f.to && f.to < hours.to ? f.to : hours.to;
		}
	}
	if (rc >= 0 && !paged)
		rc = store_complaint_list(r->db, &sf, &f, &items, &total, &capped);
	api_filter_bufs_free(&fb);
	if (rc < 0)
		return reply_db_error(r, rc);
	json_t *out = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(items, i, rec)
		json_array_append_new(out, complaint_view_row(rec, r->user->perms, r->user->user_id, &cfg));
	json_decref(items);
	return reply_json(r, 200, json_pack("{s:o, s:I, s:b}", "items", out, "total", (json_int_t)total,
					    "total_capped", capped));
}

int api_complaint_timeline(struct request *r)
{
	struct complaint rec;
	json_t *items;
	struct refusal e = {0};
	struct actor a = api_actor(r);
	int64_t id = req_arg_id(r, 0);
	int rc = complaint_load(r->db, &a, id, &rec, &e);
	if (rc != 1)
		return api_reply_fetch_error(r, rc, &e);
	complaint_record_free(&rec);
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)id);
	struct audit_filter f = {.target_type = "complaint", .target_id = tid, .oldest_first = true, .limit = 1000};
	int64_t total;
	if ((rc = store_audit_list(r->db, &f, &items, &total)) < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *ev;
	json_array_foreach(items, i, ev)
	{
		char iso[40];
		iso8601_format(json_integer_value(json_object_get(ev, "at")), CN_TZ_OFFSET_MIN, iso, sizeof iso);
		json_object_set_new(ev, "at", json_string(iso));
		json_object_del(ev, "hash");
	}
	audit_catalogue_label_rows(items);
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}


/* ---- edit (drafts; re-coding of open complaints) ---- */

struct update_ctx {
	struct actor a;
	struct complaint_edit_cmd cmd;
	struct complaint_settings cfg;
	json_t *result;
	struct refusal err;
};

static int update_tx(struct db *d, void *arg)
{
	struct update_ctx *c = arg;
	return complaint_edit(d, &c->a, &c->cmd, &c->cfg, &c->result, &c->err);
}

int api_complaint_update(struct request *r)
{
	struct update_ctx c = {.a = api_actor(r), .cmd = {.id = req_arg_id(r, 0)}};
	if (req_bind(r, update_spec, &c.cmd) != 0)
		return 0;
	int rc = complaint_settings_get(r->db, &c.cfg);
	if (rc == 0)
		rc = store_write(update_tx, &c);
	if (rc != 0) {
		json_decref(c.result);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	api_complaint_publish(c.result, "update");
	regulator_worker_kick();
	return reply_json(r, 200, api_complaint_view(r, c.result, &c.cfg));
}

/* ---- unmasking (pii.unmask), audited ---- */

struct unmask_ctx {
	struct actor a;
	int64_t id;
	json_t *identity;
	struct refusal err;
};

static int unmask_tx(struct db *d, void *arg)
{
	struct unmask_ctx *c = arg;
	return complaint_unmask(d, &c->a, c->id, &c->identity, &c->err);
}

int api_complaint_identity(struct request *r)
{
	struct unmask_ctx c = {.a = api_actor(r), .id = req_arg_id(r, 0)};
	int rc = store_write(unmask_tx, &c);
	if (rc != 0) {
		json_decref(c.identity);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	return reply_json(r, 200, c.identity);
}
