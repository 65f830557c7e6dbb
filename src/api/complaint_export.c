/* 投诉单查询 → Excel: the query's results as a formatted sheet, identity masked, with code and
 * channel names; audited with the filters and the row count. At most EXPORT_MAX rows are
 * exported here; the statistical ledger of millions of rows is a background job of the reports. */
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/workflow.h"
#include "http/request.h"
#include "http/server.h"
#include "report/complaint_sheet.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT_MAX 100000

struct export_ctx {
	struct request *r;
	int64_t rows;
};

static int export_audit_tx(struct db *d, void *arg)
{
	struct export_ctx *c = arg;
	json_t *params = json_object();
	const char *keys[] = {"status", "q", "from", "to", "org_id", "complaint_no", "source_channel",
			      "business_channel_code", "business_type_code", "cause_code", "tag",
			      "deadline_state", "overdue", "mine", "handler", "id_no", "phone", NULL};
	for (int i = 0; keys[i]; i++)
		if (req_query(c->r, keys[i]))
			json_object_set_new(params, keys[i], json_string(!strcmp(keys[i], "id_no") || !strcmp(keys[i], "phone")
										? "(已指定)" : req_query(c->r, keys[i])));
	return api_audit(c->r, d, "complaint.export", "complaints", 0, "ok",
			 json_pack("{s:o, s:I, s:s}", "filters", params, "rows", (json_int_t)c->rows, "masked", "yes"));
}

int api_complaint_export(struct request *r)
{
	struct complaint_filter f;
	struct filter_bufs fb;
	if (api_complaint_filter(r, &f, &fb) != 0)
		return 0;
	char dir[600], path[700], tok[40];
	snprintf(dir, sizeof dir, "%s/tmp", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	crypto_random_token(tok, 12);
	snprintf(path, sizeof path, "%s/export-%s.xlsx", dir, tok);
	struct xlsx_sheet *sheet = xlsx_open(path, "投诉明细", "投诉单查询结果", "个人信息已脱敏", report_complaint_cols,
					     report_complaint_ncols);
	if (!sheet) {
		api_filter_bufs_free(&fb);
		return reply_error(r, 500, "internal", "导出失败", NULL);
	}
	struct scope_filter sf;
	scope_filter_for(r->user, &sf);
	struct complaint_settings cfg;
	json_t *map = report_complaint_names(r->db);
	struct export_ctx c = {.r = r};
	int rc = complaint_settings_get(r->db, &cfg);
	for (f.offset = 0, f.limit = 1000; rc == 0 && c.rows < EXPORT_MAX; f.offset += f.limit) {
		json_t *items;
		int64_t total;
		if ((rc = store_complaint_list(r->db, &sf, &f, &items, &total, NULL)) < 0)
			break;
		if (report_complaint_write(sheet, items, &cfg, map) != 0)
			rc = -1;
		size_t n = json_array_size(items);
		c.rows += (int64_t)n;
		json_decref(items);
		if (n < (size_t)f.limit)
			break;
	}
	json_decref(map);
	api_filter_bufs_free(&fb);
	if (xlsx_close(sheet) != 0 || rc != 0) {
		unlink(path);
		return rc < -1 ? reply_db_error(r, rc) : reply_error(r, 500, "internal", "导出失败", NULL);
	}
	if ((rc = store_write(export_audit_tx, &c)) != 0) {
		unlink(path);
		return reply_db_error(r, rc);
	}
	return api_reply_temp_file(r, path, XLSX_MIME,
				   "attachment; filename=\"complaints.xlsx\"; filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%8D%95.xlsx");
}
