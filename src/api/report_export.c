/* Report workbooks for download: the report's JSON written by report_xlsx, audited with its
 * filters. */
#include "api/api.h"
#include "http/request.h"
#include "http/server.h"
#include "report/report_xlsx.h"
#include "report/reports.h"
#include "store/store.h"
#include "util/crypto.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct audit_ctx {
	struct request *r;
	json_t *res;
};

static const char *const filter_keys[] = {"from", "to", "org_id", "status", "source_channel",
					  "business_channel_code", "business_type_code", "cause_code",
					  "region_code", "granularity", "layout", "rows_by", NULL};

static int export_audit_tx(struct db *d, void *arg)
{
	struct audit_ctx *c = arg;
	json_t *params = json_object();
	for (int i = 0; filter_keys[i]; i++)
		if (req_query(c->r, filter_keys[i]))
			json_object_set_new(params, filter_keys[i], json_string(req_query(c->r, filter_keys[i])));
	return api_audit(c->r, d, "report.export", "reports", 0, "ok",
			 json_pack("{s:O, s:o, s:O}", "report", json_object_get(c->res, "report"), "filters", params,
				   "total", json_object_get(c->res, "total")));
}

int api_report_send_xlsx(struct request *r, const struct report_params *p, json_t *res)
{
	char dir[600], path[700], tok[40], filters[800], disposition[300];
	snprintf(dir, sizeof dir, "%s/tmp", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	crypto_random_token(tok, 12);
	snprintf(path, sizeof path, "%s/report-%s.xlsx", dir, tok);
	struct report_params shown = *p; /* the granularity the report used, also when defaulted */
	if (!shown.granularity)
		shown.granularity = json_string_value(json_object_get(res, "granularity"));
	report_filter_text(&shown, filters, sizeof filters);
	if (report_xlsx_write(res, path, filters) != 0) {
		unlink(path);
		json_decref(res);
		return reply_error(r, 500, "internal", "导出失败", NULL);
	}
	struct audit_ctx c = {.r = r, .res = res};
	int rc = store_write(export_audit_tx, &c);
	snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.xlsx\"",
		 json_string_value(json_object_get(res, "report")));
	json_decref(res);
	if (rc != 0) {
		unlink(path);
		return reply_db_error(r, rc);
	}
	return api_reply_temp_file(r, path, XLSX_MIME, disposition);
}
