/* 结单打印 (GET /complaints/{id}/closure-form): the data of the printable form of a closed
 * complaint; every print is audited. The title names the bank (bank_name.h). */
#include "api/api.h"
#include "api/complaint_view.h"
#include "http/request.h"
#include "store/store.h"
#include "domain/bank_name.h"
#include "util/iso8601.h"
#include "util/log.h"

struct print_ctx {
	struct request *r;
	struct actor a;
	int64_t id;
	struct complaint rec;
	json_t *bank;
	struct bank_name name;
	struct refusal err;
};

static int print_tx(struct db *d, void *arg)
{
	struct print_ctx *c = arg;
	/* a retried transaction starts over */
	complaint_record_free(&c->rec);
	json_decref(c->bank);
	c->bank = NULL;
	int rc = complaint_load(d, &c->a, c->id, &c->rec, &c->err);
	if (rc != 1)
		return rc == 0 ? 1 : rc;
	if (complaint_check_printable(&c->rec, &c->err) != 0)
		return 1;
	int64_t root;
	if ((rc = store_org_root_id(d, &root)) < 0 || (rc == 1 && (rc = store_org_get(d, root, &c->bank)) < 0) ||
	    (rc = bank_name_get(d, &c->name)) < 0)
		return rc;
	return complaint_audit(d, &c->a, "complaint.print", c->id,
			       json_pack("{s:s?}", "status", c->rec.status));
}

int api_complaint_print(struct request *r)
{
	struct print_ctx c = {.r = r, .a = api_actor(r), .id = req_arg_id(r, 0)};
	struct complaint_settings cfg;
	int rc = complaint_settings_get(r->db, &cfg);
	if (rc == 0)
		rc = store_write(print_tx, &c);
	if (rc != 0) {
		complaint_record_free(&c.rec);
		json_decref(c.bank);
		return api_reply_tx_error(r, rc, &c.err, NULL, NULL);
	}
	json_t *body = json_pack("{s:o, s:o}", "complaint", api_complaint_view_record(r, &c.rec, &cfg), "bank",
				 c.bank ? c.bank : json_null());
	complaint_record_free(&c.rec);
	char now[40];
	iso8601_format(now_ms(), CN_TZ_OFFSET_MIN, now, sizeof now);
	json_object_set_new(body, "bank_name", json_string(c.name.name));
	json_object_set_new(body, "printed_at", json_string(now));
	json_object_set_new(body, "printed_by", json_string(r->user->name));
	return reply_json(r, 200, body);
}
