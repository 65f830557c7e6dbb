/* The consumer channel (issue 16), staff side under /api/v1: the registrars' queue of 网上投诉,
 * its confirmation into a complaint, the detail of a submission and the consumer's files (the
 * public side is api/consumer.c). */
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/consumer.h"
#include "domain/filetype.h"
#include "domain/pii.h"
#include "http/request.h"
#include "http/server.h"
#include "sms/sms.h"
#include "store/consumer.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include "util/log.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Replaces o's epoch-ms member key with its ISO 8601 time in the bank's zone. */
static void iso_member(json_t *o, const char *key)
{
	char at[40];
	iso8601_format(json_integer_value(json_object_get(o, key)), CN_TZ_OFFSET_MIN, at, sizeof at);
	json_object_set_new(o, key, json_string(at));
}

/* ---- staff: the queue of 网上投诉 and its confirmation ---- */

int api_consumer_queue(struct request *r)
{
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	json_t *items;
	int rc = store_submission_pending(r->db, r->user->scope == SCOPE_ALL ? "%" : sf.path_like, 200, &items);
	if (rc != DB_OK)
		return reply_db_error(r, rc);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_t *m = json_loads(json_string_value(json_object_get(it, "masked")), 0, NULL);
		json_object_set_new(it, "complainant", m ? m : json_object());
		json_object_del(it, "masked");
		iso_member(it, "received_at");
		json_object_set_new(it, "source_channel", json_string("internet"));
	}
	return reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

struct confirm_ctx {
	int64_t submission_id, user_id;
};

static int confirm_also(struct db *d, void *arg, int64_t complaint_id)
{
	struct confirm_ctx *c = arg;
	int rc = store_submission_confirm(d, c->submission_id, complaint_id, c->user_id, now_ms());
	return rc < 0 ? rc : rc == 0 ? DB_CONSTRAINT : 0;
}

int api_consumer_confirm(struct request *r)
{
	/* The registrar's classification; the consumer's own words and identity come from the queue. */
	static const struct field_spec spec[] = {
		{"complained_org_id", F_ID, false, 0, 0, "被投诉机构"}, {"region_code", F_STRING, true, 6, 0, "行政区划"},
		{"business_channel_code", F_STRING, true, 16, 0, "业务办理渠道"},
		{"business_type_code", F_STRING, true, 16, 0, "业务类别"}, {"cause_code", F_STRING, true, 16, 0, "投诉原因"},
		{"rights", F_ARRAY, false, 16, 0, "基本权益"}, {"amount_fen", F_INT, false, 0, 0, "涉及金额"},
		{NULL}};
	if (!r->json)
		r->json = json_object();
	if (req_validate(r, spec) != 0)
		return 0;
	json_t *sub;
	int rc = store_submission_get(r->db, req_arg_id(r, 0), &sub);
	if (rc < 0)
		return reply_db_error(r, rc);
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	if (rc == 0 || !scope_may_register(r->user, json_string_value(json_object_get(sub, "org_path")))) {
		json_decref(sub);
		return reply_error(r, 404, "not_found", "网上投诉不存在或不在您的数据范围内", NULL);
	}
	if (strcmp(json_string_value(json_object_get(sub, "status")), "pending") != 0) {
		json_decref(sub);
		return reply_error(r, 409, "already_confirmed", "该网上投诉已登记", NULL);
	}
	char *who = pii_decrypt(json_string_value(json_object_get(sub, "key_id")),
				json_string_value(json_object_get(sub, "identity")));
	json_t *complainant = who ? json_loads(who, 0, NULL) : NULL;
	if (who) {
		crypto_wipe(who, strlen(who));
		free(who);
	}
	if (!complainant) {
		json_decref(sub);
		return reply_error(r, 500, "internal", "投诉人信息无法读取", NULL);
	}
	iso_member(sub, "received_at");
	json_object_set_new(r->json, "complainant", complainant);
	json_object_set_new(r->json, "source_channel", json_string("internet"));
	json_object_set(r->json, "received_at", json_object_get(sub, "received_at"));
	json_object_set(r->json, "content", json_object_get(sub, "content"));
	json_object_set(r->json, "demand", json_object_get(sub, "demand"));
	if (!json_object_get(r->json, "complained_org_id"))
		json_object_set(r->json, "complained_org_id", json_object_get(sub, "complained_org_id"));
	struct confirm_ctx cc = {json_integer_value(json_object_get(sub, "id")), r->user->user_id};
	char no[96];
	snprintf(no, sizeof no, "%s", json_string_value(json_object_get(sub, "complaint_no")));
	json_decref(sub);
	json_t *out;
	struct refusal e = {0};
	rc = api_complaint_register_reserved(r, no, confirm_also, &cc, &out, &e);
	if (rc != 0)
		return api_reply_tx_error(r, rc, &e, "already_confirmed", "该网上投诉已登记");
	return reply_json(r, 201, out);
}

int api_consumer_detail(struct request *r)
{
	char no[96] = "";
	struct refusal e = {0};
	int rc = api_complaint_visible(r, r->db, req_arg_id(r, 0), no, sizeof no, &e);
	if (rc != 1)
		return rc == 0 ? api_reply_tx_error(r, 1, &e, NULL, NULL) : reply_db_error(r, rc);
	json_t *sub = NULL, *msgs = NULL, *files = NULL;
	if ((rc = store_submission_by_no(r->db, no, &sub)) < 0 || (rc = store_consumer_messages(r->db, no, &msgs)) < 0 ||
	    (rc = store_consumer_files(r->db, no, &files)) < 0) {
		json_decref(sub);
		json_decref(msgs);
		return reply_db_error(r, rc);
	}
	json_t *lists[] = {msgs, files};
	for (int k = 0; k < 2; k++) {
		size_t i;
		json_t *it;
		json_array_foreach(lists[k], i, it) iso_member(it, "created_at");
	}
	json_t *v = json_pack("{s:b, s:o, s:o}", "via_consumer_channel", sub != NULL, "messages", msgs, "files", files);
	if (sub) {
		json_t *m = json_loads(json_string_value(json_object_get(sub, "masked")), 0, NULL);
		json_object_set(v, "verified_phone", json_object_get(m, "phone"));
		json_decref(m);
		iso_member(sub, "received_at");
		json_object_set(v, "submitted_at", json_object_get(sub, "received_at"));
		json_decref(sub);
	}
	return reply_json(r, 200, v);
}

struct consumer_file_ctx {
	struct request *r;
	int64_t complaint_id, file_id;
	json_t *row;
	struct refusal err;
};

/* The file must belong to the complaint named in the path, and that complaint be visible to the
 * caller; a file of another complaint is "not found" (ids are not to be guessed across
 * complaints). May run twice. */
static int consumer_file_tx(struct db *d, void *arg)
{
	struct consumer_file_ctx *c = arg;
	json_decref(c->row);
	c->row = NULL;
	char no[96];
	int rc = api_complaint_visible(c->r, d, c->complaint_id, no, sizeof no, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc; /* 1: the refusal api_complaint_visible filled in */
	if ((rc = store_consumer_file_get(d, c->file_id, &c->row)) < 0)
		return rc;
	if (rc == 0 || strcmp(json_string_value(json_object_get(c->row, "complaint_no")), no) != 0)
		return refuse(&c->err, 404, "not_found", "材料不存在", NULL);
	return api_audit(c->r, d, "complaint.consumer_file_download", "complaint", c->complaint_id, "ok",
			 json_pack("{s:I, s:O, s:O}", "consumer_file_id", (json_int_t)c->file_id, "name",
				   json_object_get(c->row, "name"), "mime", json_object_get(c->row, "mime")));
}

int api_consumer_file_download(struct request *r)
{
	struct consumer_file_ctx c = {.r = r, .complaint_id = req_arg_id(r, 0), .file_id = req_arg_id(r, 1)};
	int rc = store_write(consumer_file_tx, &c);
	if (rc == 0)
		rc = api_attachment_send(r, c.row);
	else
		rc = api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	json_decref(c.row);
	return rc;
}
