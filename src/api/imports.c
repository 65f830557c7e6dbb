/* Migration of historical complaints (docs/integration/import.md), for complaint.import:
 * GET /import-fields, GET|POST /import-mappings (named column mappings, saved per source system),
 * POST /imports (upload a CSV or xlsx file for a dry run or an import: a background job),
 * POST /imports/{id}/import (import the file a dry run checked), GET /imports, GET /imports/{id},
 * GET /imports/{id}/errors, GET /imports/{id}/report (the row-by-row workbook). The file's type is
 * decided by its bytes, its header row is checked against the mapping before the job is queued,
 * and uploads, mapping changes and report downloads are audited. */
#include "api/api.h"
#include "domain/import.h"
#include "http/request.h"
#include "http/server.h"
#include "import/job.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/iso8601.h"
#include "util/log.h"
#include "util/sheet_read.h"
#include "domain/complaint.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int api_import_fields(struct request *r)
{
	json_t *items = json_array();
	for (int i = 0; items && i < IF_COUNT; i++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:b}", "key", import_fields[i].key, "label",
						       import_fields[i].label, "required", import_fields[i].required));
	return reply_json(r, 200, json_pack("{s:o?}", "items", items));
}

/* A mapping row for replies: columns as an object. Steals row. */
static json_t *mapping_view(json_t *row)
{
	json_t *cols = json_loads(json_string_value(json_object_get(row, "columns")) ?: "{}", 0, NULL);
	json_object_set_new(row, "columns", cols ? cols : json_object());
	return row;
}

int api_import_mapping_list(struct request *r)
{
	json_t *items;
	int rc = store_import_mapping_list(r->db, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *m;
	json_array_foreach(items, i, m) mapping_view(m);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

struct mapping_ctx {
	struct request *r;
	const char *columns;
	int64_t id;
};

static int mapping_tx(struct db *d, void *arg)
{
	struct mapping_ctx *c = arg;
	int rc = store_import_mapping_upsert(d, body_str(c->r, "name"), body_str(c->r, "source") ?: "", c->columns,
					     c->r->user->user_id, now_ms(), &c->id);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, "import.mapping_save", "import_mapping", c->id, "ok",
			 json_pack("{s:s, s:O}", "name", body_str(c->r, "name"), "columns", json_object_get(c->r->json, "columns")));
}

int api_import_mapping_save(struct request *r)
{
	static const struct field_spec spec[] = {
		{"name", F_STRING, true, 60, 1, "映射名称"},
		{"source", F_STRING, false, 100, 0, "来源系统"},
		{"columns", F_OBJECT, true, 0, 0, "列映射"},
		{NULL},
	};
	if (req_validate(r, spec) != 0)
		return 0;
	struct refusal e = {0};
	if (import_mapping_check(json_object_get(r->json, "columns"), &e) != 0)
		return reply_error(r, e.status, e.code, e.message, refusal_field(&e));
	char *cols = json_dumps(json_object_get(r->json, "columns"), JSON_COMPACT);
	struct mapping_ctx c = {.r = r, .columns = cols};
	int rc = cols ? store_write(mapping_tx, &c) : DB_HARD;
	free(cols);
	if (rc != 0)
		return reply_db_error(r, rc);
	json_t *row;
	if ((rc = store_import_mapping_get(r->db, c.id, &row)) != 1)
		return reply_db_error(r, rc < 0 ? rc : DB_HARD);
	return reply_json(r, 201, mapping_view(row));
}

/* ---- jobs ---- */
static void put_time(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return;
	char buf[40];
	iso8601_format(json_integer_value(v), CN_TZ_OFFSET_MIN, buf, sizeof buf);
	json_object_set_new(o, key, json_string(buf));
}

/* The reply for a job row: times as ISO, the mapping as an object, and a sentence saying what
 * happened. Steals row. */
static json_t *job_view(json_t *row)
{
	put_time(row, "created_at");
	put_time(row, "started_at");
	put_time(row, "finished_at");
	json_t *cols = json_loads(json_string_value(json_object_get(row, "columns")) ?: "{}", 0, NULL);
	json_object_set_new(row, "columns", cols ? cols : json_object());
	json_object_set_new(row, "send_to_regulator", json_boolean(json_integer_value(json_object_get(row, "send_to_regulator"))));
	const char *mode = json_string_value(json_object_get(row, "mode")) ?: "";
	const char *status = json_string_value(json_object_get(row, "status")) ?: "";
	long long ok = json_integer_value(json_object_get(row, "rows_ok")), bad = json_integer_value(json_object_get(row, "rows_bad")),
		  skipped = json_integer_value(json_object_get(row, "rows_skipped")), total = json_integer_value(json_object_get(row, "rows_total"));
	char msg[300] = "";
	if (!strcmp(status, "done") && !strcmp(mode, "dry_run"))
		snprintf(msg, sizeof msg, "试导入完成：共 %lld 行，可导入 %lld 行，错误 %lld 行，已导入过（将跳过）%lld 行", total, ok, bad, skipped);
	else if (!strcmp(status, "done") && ok == 0 && skipped > 0)
		snprintf(msg, sizeof msg, "没有新导入的投诉：%lld 行此前已导入（按原投诉编号跳过），错误 %lld 行", skipped, bad);
	else if (!strcmp(status, "done"))
		snprintf(msg, sizeof msg, "导入完成：共 %lld 行，导入 %lld 行，已存在跳过 %lld 行，错误 %lld 行", total, ok, skipped, bad);
	json_object_set_new(row, "summary", json_string(msg));
	return row;
}

/* The job in the path: 1 with *row, or 0 after replying. */
static int load_job(struct request *r, json_t **row)
{
	int64_t id = req_arg_id(r, 0);
	int rc = id ? store_import_job_get(r->db, id, row) : 0;
	if (rc < 0)
		return reply_db_error(r, rc), 0;
	if (rc == 0)
		return reply_error(r, 404, "not_found", "导入任务不存在", "id"), 0;
	return 1;
}

int api_import_list(struct request *r)
{
	json_t *items;
	int rc = store_import_job_list(r->db, 0, 50, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	size_t i;
	json_t *j;
	json_array_foreach(items, i, j) job_view(j);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int64_t query_int(struct request *r, const char *key, int64_t def, int64_t max)
{
	const char *s = req_query(r, key);
	char *end;
	long long v = s ? strtoll(s, &end, 10) : def;
	if (s && (*end || v < 0))
		return -1;
	return v > max ? max : v;
}

int api_import_errors(struct request *r)
{
	json_t *row, *items;
	if (!load_job(r, &row))
		return 0;
	json_decref(row);
	int64_t offset = query_int(r, "offset", 0, INT64_MAX / 2), limit = query_int(r, "limit", 100, 1000);
	if (offset < 0 || limit < 0)
		return reply_error(r, 400, "invalid_field", "offset 和 limit 必须是非负整数", offset < 0 ? "offset" : "limit");
	int rc = store_import_errors_list(r->db, req_arg_id(r, 0), offset, limit, &items);
	if (rc < 0)
		return reply_db_error(r, rc);
	return reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int api_import_get(struct request *r)
{
	json_t *row, *errors;
	if (!load_job(r, &row))
		return 0;
	int rc = store_import_errors_list(r->db, req_arg_id(r, 0), 0, 100, &errors);
	if (rc < 0) {
		json_decref(row);
		return reply_db_error(r, rc);
	}
	json_t *v = job_view(row);
	json_object_set_new(v, "errors", errors);
	return reply_json(r, 200, v);
}

struct report_ctx {
	struct request *r;
	json_t *row;
};

static int report_tx(struct db *d, void *arg)
{
	struct report_ctx *c = arg;
	return api_audit(c->r, d, "import.report_download", "import_job", json_integer_value(json_object_get(c->row, "id")), "ok",
			 json_pack("{s:O, s:O}", "file_sha256", json_object_get(c->row, "file_sha256"), "rows_bad",
				   json_object_get(c->row, "rows_bad")));
}

int api_import_report(struct request *r)
{
	json_t *row;
	if (!load_job(r, &row))
		return 0;
	char path[700];
	import_job_report_path(r->app->cfg.data_dir, json_integer_value(json_object_get(row, "id")), path, sizeof path);
	int rc;
	struct stat st;
	if (strcmp(json_string_value(json_object_get(row, "status")) ?: "", "done") != 0 || stat(path, &st) != 0)
		rc = reply_error(r, 409, "not_ready", "校验报告尚未生成（任务未完成或失败）", NULL);
	else {
		struct report_ctx c = {r, row};
		rc = store_write(report_tx, &c);
		rc = rc != 0 ? reply_db_error(r, rc)
			     : api_reply_file(r, path, XLSX_MIME,
					      "attachment; filename=\"import-report.xlsx\"; "
					      "filename*=UTF-8''%E5%AF%BC%E5%85%A5%E6%A0%A1%E9%AA%8C%E6%8A%A5%E5%91%8A.xlsx");
	}
	json_decref(row);
	return rc;
}

/* ---- upload ---- */
struct header_probe {
	json_t *columns;
	struct import_map map;
	struct refusal e;
	bool seen;
};

static int probe_row(const struct sheet_row *row, void *arg)
{
	struct header_probe *p = arg;
	for (int i = 0; i < row->ncells; i++)
		if (*row->cells[i]) {
			p->seen = true;
			return import_map_header(p->columns, row, &p->map, &p->e) != 0 ? 1 : 2;
		}
	return 0;
}

static bool valid_file_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 200)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '/' || *s == '\\' || *s == '"')
			return false;
	return true;
}

static int write_all(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	int rc = fsync(fd);
	return close(fd) | rc;
}

struct job_ctx {
	struct request *r;
	struct import_job_fields f;
	int64_t id, from_job;
};

static int job_tx(struct db *d, void *arg)
{
	struct job_ctx *c = arg;
	c->id = 0;
	int rc = store_import_job_insert(d, &c->f, now_ms(), &c->id);
	if (rc < 0)
		return rc;
	return api_audit(c->r, d, "import.upload", "import_job", c->id, "ok",
			 json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:I}", "mode", c->f.mode, "file_name", c->f.file_name,
				   "file_sha256", c->f.file_sha256, "file_size", (json_int_t)c->f.file_size, "mapping_id",
				   (json_int_t)c->f.mapping_id, "send_to_regulator", c->f.send_to_regulator, "from_job",
				   (json_int_t)c->from_job));
}

/* Records the job, moves the file from tmp to its place and queues the job; replies 202. */
static int queue_job(struct request *r, struct job_ctx *c, const char *tmp)
{
	int rc = store_write(job_tx, c);
	if (rc != 0) {
		unlink(tmp);
		return reply_db_error(r, rc);
	}
	char path[700];
	import_job_file_path(r->app->cfg.data_dir, c->id, c->f.file_kind, path, sizeof path);
	if (rename(tmp, path) != 0 || import_job_submit(c->id) != 0) {
		log_error("%s: import %lld: cannot place the file or queue the job", r->id, (long long)c->id);
		unlink(tmp);
		return reply_error(r, 500, "internal", "无法保存导入文件", NULL);
	}
	json_t *row;
	if ((rc = store_import_job_get(r->db, c->id, &row)) != 1)
		return reply_db_error(r, rc < 0 ? rc : DB_HARD);
	return reply_json(r, 202, job_view(row));
}

static int bool_query(struct request *r, const char *key)
{
	const char *s = req_query(r, key);
	if (!s || !strcmp(s, "false") || !strcmp(s, "0"))
		return 0;
	return !strcmp(s, "true") || !strcmp(s, "1") ? 1 : -1;
}

int api_import_upload(struct request *r)
{
	const char *mode = req_query(r, "mode") ?: "dry_run", *name = req_query(r, "name");
	if (strcmp(mode, "dry_run") && strcmp(mode, "import"))
		return reply_error(r, 400, "invalid_field", "mode 只能是 dry_run（试导入）或 import（导入）", "mode");
	if (!valid_file_name(name))
		return reply_error(r, 400, "invalid_field", "请在 name 参数中给出文件名（1-200 字节，不含 / \\ \" 和控制字符）", "name");
	int send = bool_query(r, "send_to_regulator");
	if (send < 0)
		return reply_error(r, 400, "invalid_field", "send_to_regulator 只能是 true 或 false", "send_to_regulator");
	int64_t mapping_id = query_int(r, "mapping_id", 0, INT64_MAX);
	if (mapping_id <= 0)
		return reply_error(r, 400, "missing_field", "请选择列映射（mapping_id）", "mapping_id");
	if (r->body_len == 0)
		return reply_error(r, 400, "empty_file", "文件为空", NULL);
	enum sheet_kind kind = sheet_sniff(r->body, r->body_len < 4096 ? r->body_len : 4096);
	if (kind == SHEET_UNKNOWN) {
		bool xls = r->body_len >= 4 && !memcmp(r->body, "\xD0\xCF\x11\xE0", 4);
		return reply_error(r, 415, "unsupported_type",
				   xls ? "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再上传"
				       : "文件类型不支持：只接受 CSV 或 Excel（.xlsx）文件",
				   NULL);
	}
	json_t *mapping;
	int rc = store_import_mapping_get(r->db, mapping_id, &mapping);
	if (rc < 0)
		return reply_db_error(r, rc);
	if (rc == 0)
		return reply_error(r, 404, "not_found", "列映射不存在", "mapping_id");
	const char *kind_s = kind == SHEET_XLSX ? "xlsx" : "csv";
	char tmp[700], sha[SHA256_HEX_LEN + 1];
	snprintf(tmp, sizeof tmp, "%s/imports/upload-%s.part", r->app->cfg.data_dir, r->id);
	crypto_sha256_hex(r->body, r->body_len, sha);
	if (write_all(tmp, r->body, r->body_len) != 0) {
		json_decref(mapping);
		unlink(tmp);
		log_error("%s: cannot write %s", r->id, tmp);
		return reply_error(r, 500, "internal", "无法保存导入文件", NULL);
	}
	/* The header is checked now, so a mapping to columns the file lacks is refused at once. */
	struct header_probe p = {.columns = json_loads(json_string_value(json_object_get(mapping, "columns")) ?: "{}", 0, NULL)};
	char err[300] = "";
	rc = p.columns ? sheet_read(tmp, kind, probe_row, &p, err, sizeof err) : -1;
	json_decref(p.columns);
	if (rc != 2) {
		json_decref(mapping);
		unlink(tmp);
		if (rc == 1)
			return reply_error(r, 400, p.e.code, p.e.message, "mapping_id");
		return reply_error(r, 400, "unreadable_file", *err ? err : p.seen ? "文件无法读取" : "文件没有标题行", NULL);
	}
	struct job_ctx c = {.r = r,
			    .f = {.mode = mode, .user_id = r->user->user_id, .mapping_id = mapping_id,
				  .columns = json_string_value(json_object_get(mapping, "columns")), .file_name = name,
				  .file_kind = kind_s, .file_sha256 = sha, .file_size = (int64_t)r->body_len,
				  .send_to_regulator = send == 1}};
	rc = queue_job(r, &c, tmp);
	json_decref(mapping);
	return rc;
}

int api_import_run(struct request *r)
{
	static const struct field_spec spec[] = {{"send_to_regulator", F_BOOL, false, 0, 0, "报送监管"}, {NULL}};
	if (r->json && req_validate(r, spec) != 0)
		return 0;
	json_t *row;
	if (!load_job(r, &row))
		return 0;
	int rc;
	const char *kind = json_string_value(json_object_get(row, "file_kind"));
	char from[700], tmp[700];
	import_job_file_path(r->app->cfg.data_dir, json_integer_value(json_object_get(row, "id")), kind, from, sizeof from);
	snprintf(tmp, sizeof tmp, "%s/imports/upload-%s.part", r->app->cfg.data_dir, r->id);
	if (strcmp(json_string_value(json_object_get(row, "mode")) ?: "", "dry_run") ||
	    strcmp(json_string_value(json_object_get(row, "status")) ?: "", "done"))
		rc = reply_error(r, 409, "not_dry_run", "只能对已完成的试导入任务执行正式导入", NULL);
	else if (link(from, tmp) != 0)
		rc = reply_error(r, 409, "file_gone", "试导入的文件已不在服务器上，请重新上传", NULL);
	else {
		json_t *send = r->json ? json_object_get(r->json, "send_to_regulator") : NULL;
		struct job_ctx c = {.r = r,
				    .from_job = json_integer_value(json_object_get(row, "id")),
				    .f = {.mode = "import", .user_id = r->user->user_id,
					  .mapping_id = json_integer_value(json_object_get(row, "mapping_id")),
					  .file_name = json_string_value(json_object_get(row, "file_name")), .file_kind = kind,
					  .file_sha256 = json_string_value(json_object_get(row, "file_sha256")),
					  .file_size = json_integer_value(json_object_get(row, "file_size")),
					  .send_to_regulator = json_is_true(send)}};
		/* the mapping as the dry run checked it, not as it may have been edited since */
		c.f.columns = json_string_value(json_object_get(row, "columns"));
		rc = queue_job(r, &c, tmp);
		if (c.id)
			unlink(from); /* one import per dry run: the personal data is not kept twice */
	}
	json_decref(row);
	return rc;
}
