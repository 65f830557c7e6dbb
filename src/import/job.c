/* The import worker (see job.h). */
#include "import/job.h"
#include "domain/audit.h"
#include "domain/import.h"
#include "report/xlsx.h"
#include "store/store.h"
#include "util/log.h"
#include "util/sheet_read.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int64_t *queue;
static size_t qlen, qcap;
static bool running, stopping;
static char data_dir[512];

void import_job_file_path(const char *dir, int64_t id, const char *kind, char *out, size_t n)
{
	snprintf(out, n, "%s/imports/job-%lld.%s", dir, (long long)id, kind);
}

void import_job_report_path(const char *dir, int64_t id, char *out, size_t n)
{
	snprintf(out, n, "%s/imports/report-%lld.xlsx", dir, (long long)id);
}

/* ---- one job ---- */
struct item {
	int64_t row_no;
	json_t *rec; /* NULL for a bad row */
	struct import_row_result res;
	const char *result; /* the report's 结果 */
};

/* IMPORT_BATCH rows: filled by the job's thread, written by its committer. */
struct batch {
	struct item items[IMPORT_BATCH];
	int n;
	char key_id[PII_KEY_ID_SIZE]; /* the key its identities were sealed with (import_ctx_begin_batch) */
	int64_t b_ok, b_bad, b_skipped; /* the batch transaction's outputs (reset on every run of the body) */
	int64_t first_id;               /* the first complaint it inserted, 0 none (also an output) */
};

struct run {
	struct db *d;
	int64_t id, now;
	bool dry, to_regulator;
	json_t *columns;
	struct principal who;
	struct import_map map;
	bool have_header;
	int64_t header_row;
	struct refusal e;
	json_t *keys; /* legacy_no -> rows with it (first pass) */
	int64_t total;
	/* second pass: the job's thread fills one batch while the committer writes the other */
	struct import_ctx *ctx;
	struct batch *fill, *spare;
	int64_t done, ok, bad, skipped; /* of the batches written and reported */
	struct xlsx_sheet *report;
	int fault; /* negative db status or -1 */
	/* the committer: writing is the batch handed over (NULL when idle), wrote its result */
	pthread_t committer;
	bool have_committer, quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *writing;
	struct batch *written; /* waiting for its report rows */
	int write_rc;
};

static bool blank(const struct sheet_row *row)
{
	for (int i = 0; i < row->ncells; i++)
		for (const char *p = row->cells[i]; *p; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				return false;
	return true;
}

static int first_pass(const struct sheet_row *row, void *arg)
{
	struct run *r = arg;
	if (blank(row))
		return 0;
	if (!r->have_header) {
		r->have_header = true;
		r->header_row = row->row_no;
		return import_map_header(r->columns, row, &r->map, &r->e) != 0 ? 1 : 0;
	}
	r->total++;
	char key[65];
	import_row_key(&r->map, row, key);
	if (*key) {
		json_t *n = json_object_get(r->keys, key);
		if (n)
			json_integer_set(n, json_integer_value(n) + 1);
		else if (json_object_set_new(r->keys, key, json_integer(1)) != 0)
			return 2;
	}
	return 0;
}

static void number_taken(struct run *r, struct import_row_result *res)
{
	res->ok = false;
	snprintf(res->column, sizeof res->column, "%s", r->map.header[IF_LEGACY_NO]);
	snprintf(res->reason, sizeof res->reason, "原投诉编号与本系统已有的投诉编号相同");
}

/* Writes one row of the batch (an import) and sets its result. May run twice. */
static int item_write(struct db *d, struct run *r, struct batch *b, struct item *it)
{
	it->res.ok = true; /* a previous run of this body may have refused it */
	enum import_outcome out;
	int rc = import_row_write(d, it->rec, r->id, r->to_regulator, r->now, &out);
	if (rc < 0)
		return rc;
	if (out == IMPORT_INSERTED && !b->first_id)
		b->first_id = json_integer_value(json_object_get(it->rec, "id"));
	if (out == IMPORT_NUMBER_TAKEN)
		number_taken(r, &it->res);
	it->result = out == IMPORT_INSERTED || out == IMPORT_DONE_BY_JOB ? "已导入"
		     : out == IMPORT_SKIPPED_EXISTING ? "已存在，跳过（此前已导入）"
						       : "错误";
	return 0;
}

/* The committer's transaction: the batch's rows, their errors and the job's progress. The
 * counters of earlier batches (r->done, ...) do not move while it runs. May run twice. */
static int batch_tx(struct db *d, void *arg)
{
	struct run *r = arg;
	struct batch *b = r->writing;
	b->b_ok = b->b_bad = b->b_skipped = b->first_id = 0;
	int rc;
	for (int i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		if (it->rec && !r->dry) {
			if ((rc = item_write(d, r, b, it)) < 0)
				return rc;
		} else if (it->rec)
			it->result = it->result ? it->result : "可导入";
		else
			it->result = "错误";
		if (!it->res.ok) {
			b->b_bad++;
			if ((rc = store_import_error_insert(d, r->id, it->row_no, it->res.legacy_no, it->res.column,
							    it->res.reason)) < 0)
				return rc;
		} else if (!strncmp(it->result, "已存在", 9))
			b->b_skipped++;
		else
			b->b_ok++;
	}
	/* the key read once for the batch, checked in its transaction: a rotation may have committed */
	if (b->first_id && (rc = import_batch_check_key(d, b->key_id, b->first_id - 1, b->n)) < 0)
		return rc;
	rc = store_import_job_progress(d, r->id, r->done + b->n, r->ok + b->b_ok, r->bad + b->b_bad,
				       r->skipped + b->b_skipped);
	return rc < 0 ? rc : 0; /* a row count is no refusal */
}

static void batch_clear(struct batch *b)
{
	for (int i = 0; i < b->n; i++) {
		json_decref(b->items[i].rec);
		b->items[i].rec = NULL;
	}
	b->n = 0;
}

/* The committer thread: writes each batch handed over, one at a time, through store_write_alone (on
 * PostgreSQL with this thread's own connection), while the job's thread builds the next. */
static void *committer_main(void *arg)
{
	struct run *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->writing && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->writing)
			break;
		pthread_mutex_unlock(&r->mu);
		int rc = store_write_alone(batch_tx, r);
		pthread_mutex_lock(&r->mu);
		r->write_rc = rc;
		r->written = r->writing;
		r->writing = NULL;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	store_release_thread();
	return NULL;
}

/* Waits until the committer is idle, then counts and reports the batch it wrote (its recs
 * freed, the batch back to spare). 0, or -1 with r->fault when that batch failed. */
static int reap(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->writing)
		pthread_cond_wait(&r->cv, &r->mu);
	struct batch *b = r->written;
	int rc = r->write_rc;
	r->written = NULL;
	pthread_mutex_unlock(&r->mu);
	if (!b)
		return r->fault ? -1 : 0;
	if (rc != 0) {
		r->fault = rc < 0 ? rc : -1;
		batch_clear(b);
		return -1;
	}
	r->done += b->n;
	r->ok += b->b_ok;
	r->bad += b->b_bad;
	r->skipped += b->b_skipped;
	for (int i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		json_t *line = json_pack("{s:I, s:s, s:s, s:s, s:s}", "row_no", (json_int_t)it->row_no, "legacy_no",
					 it->res.legacy_no, "result", it->result, "column", it->res.ok ? "" : it->res.column,
					 "reason", it->res.ok ? "" : it->res.reason);
		if (r->report && (!line || xlsx_row(r->report, line) != 0)) {
			log_warn("import %lld: cannot write the report row", (long long)r->id);
			xlsx_close(r->report);
			r->report = NULL;
		}
		json_decref(line);
	}
	batch_clear(b);
	return 0;
}

/* Hands the filled batch to the committer (after reporting the one before) and takes the spare
 * to fill. 0, or -1 with r->fault. */
static int flush(struct run *r)
{
	if (reap(r) != 0)
		return -1;
	if (r->fill->n == 0)
		return 0;
	struct batch *b = r->fill;
	r->fill = r->spare;
	r->spare = b;
	pthread_mutex_lock(&r->mu);
	r->writing = b;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static void batch_free(struct batch *b)
{
	if (b)
		batch_clear(b);
	free(b);
}

/* Starts the job's committer with its two batches. 0 or -1 (committer_stop cleans up). */
static int committer_start(struct run *r)
{
	r->fill = calloc(1, sizeof *r->fill);
	r->spare = calloc(1, sizeof *r->spare);
	if (!r->fill || !r->spare || pthread_create(&r->committer, NULL, committer_main, r) != 0)
		return -1;
	r->have_committer = true;
	return 0;
}

/* Waits for the batch in flight, stops the committer and frees both batches. */
static void committer_stop(struct run *r)
{
	if (r->have_committer) {
		reap(r);
		pthread_mutex_lock(&r->mu);
		r->quit = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->committer, NULL);
		r->have_committer = false;
	}
	batch_free(r->fill);
	batch_free(r->spare);
	r->fill = r->spare = NULL;
}

/* A dry run's look at the key: a row already imported is marked, a number fcms gave is refused. */
static int dry_key_check(struct run *r, struct item *it, const char *key)
{
	int rc = import_key_exists(r->d, key);
	if (rc == 1)
		it->result = "已存在，正式导入时将跳过";
	if (rc == 2) {
		json_decref(it->rec);
		it->rec = NULL;
		number_taken(r, &it->res);
	}
	return rc < 0 ? rc : 0;
}

static int second_pass(const struct sheet_row *row, void *arg)
{
	struct run *r = arg;
	if (row->row_no <= r->header_row || blank(row))
		return 0;
	pthread_mutex_lock(&lock);
	bool stop = stopping;
	pthread_mutex_unlock(&lock);
	if (stop)
		return 3;
	int rc = 0;
	if (r->fill->n == 0 && (rc = import_ctx_begin_batch(r->d, r->ctx, r->fill->key_id)) < 0) {
		r->fault = rc;
		return 4;
	}
	struct item *it = &r->fill->items[r->fill->n++];
	memset(it, 0, sizeof *it);
	it->row_no = row->row_no;
	char key[65];
	import_row_key(&r->map, row, key);
	json_int_t seen = json_integer_value(json_object_get(r->keys, key));
	if (*key && seen > 1) {
		snprintf(it->res.legacy_no, sizeof it->res.legacy_no, "%s", key);
		snprintf(it->res.column, sizeof it->res.column, "%s", r->map.header[IF_LEGACY_NO]);
		snprintf(it->res.reason, sizeof it->res.reason, "原投诉编号“%.64s”在文件中出现 %lld 次，无法确定以哪一行为准",
			 key, (long long)seen);
	} else if ((rc = import_row_build(r->d, r->ctx, &r->map, row, &it->rec, &it->res)) == 0 && it->rec && r->dry)
		rc = dry_key_check(r, it, key);
	if (rc < 0) {
		r->fault = rc;
		return 4;
	}
	if (r->fill->n == IMPORT_BATCH && flush(r) != 0)
		return 4;
	return 0;
}

static const struct xlsx_col report_cols[] = {
	{"row_no", "行号", XLSX_INT, 8},  {"legacy_no", "原投诉编号", XLSX_TEXT, 22},
	{"result", "结果", XLSX_TEXT, 26}, {"column", "列", XLSX_TEXT, 18},
	{"reason", "原因", XLSX_TEXT, 70},
};

struct finish_ctx {
	struct run *r;
	json_t *job;
	const char *status;
	const char *error;
};

static int finish_tx(struct db *d, void *arg)
{
	struct finish_ctx *f = arg;
	struct run *r = f->r;
	int rc = store_import_job_finish(d, r->id, f->status, f->error, now_ms());
	if (rc < 0)
		return rc;
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)r->id);
	json_t *detail = json_pack("{s:s, s:O, s:O, s:I, s:I, s:I, s:I, s:b, s:s?}", "mode", r->dry ? "dry_run" : "import",
				   "file_name", json_object_get(f->job, "file_name"), "file_sha256",
				   json_object_get(f->job, "file_sha256"), "rows_total", (json_int_t)r->total, "rows_ok",
				   (json_int_t)r->ok, "rows_bad", (json_int_t)r->bad, "rows_skipped", (json_int_t)r->skipped,
				   "send_to_regulator", r->to_regulator, "error", f->error);
	struct audit_event ev = {.actor_id = r->who.user_id, .actor = r->who.username, .ip = "import-job",
				 .action = "import.finish", .target_type = "import_job", .target_id = tid,
				 .result = strcmp(f->status, "done") == 0 ? "ok" : "failed", .detail = detail};
	rc = audit_append(d, &ev);
	json_decref(detail);
	return rc;
}

static int start_tx(struct db *d, void *arg)
{
	struct run *r = arg;
	int rc = store_import_job_start(d, r->id, r->total, now_ms());
	return rc < 0 ? rc : 0;
}

/* The job's row and its user into r. 0; 1 when it is finished meanwhile; -1 not found. */
static int job_load(struct run *r, json_t **job, json_t **user)
{
	if (store_import_job_get(r->d, r->id, job) != 1 ||
	    store_user_get(r->d, json_integer_value(json_object_get(*job, "user_id")), user) != 1) {
		log_error("import %lld: job or its user not found", (long long)r->id);
		return -1;
	}
	const char *st = json_string_value(json_object_get(*job, "status"));
	if (!st || (strcmp(st, "queued") && strcmp(st, "running")))
		return 1;
	r->who.user_id = json_integer_value(json_object_get(*user, "id"));
	r->who.org_id = json_integer_value(json_object_get(*user, "org_id"));
	snprintf(r->who.username, sizeof r->who.username, "%s", json_string_value(json_object_get(*user, "username")));
	snprintf(r->who.org_path, sizeof r->who.org_path, "%s", json_string_value(json_object_get(*user, "org_path")) ?: "");
	r->dry = strcmp(json_string_value(json_object_get(*job, "mode")), "dry_run") == 0;
	r->to_regulator = json_integer_value(json_object_get(*job, "send_to_regulator")) != 0;
	r->columns = json_loads(json_string_value(json_object_get(*job, "columns")) ?: "{}", 0, NULL);
	r->keys = json_object();
	return 0;
}

/* The first pass (header, row count, repeated numbers). 0, or -1 with err. */
static int job_scan(struct run *r, const char *path, enum sheet_kind kind, char *err, size_t n)
{
	if (!r->columns || !r->keys) {
		snprintf(err, n, "内存不足");
		return -1;
	}
	int rc = sheet_read(path, kind, first_pass, r, err, n);
	if (rc == 1)
		snprintf(err, n, "%s", r->e.message);
	if (rc == 0 && !r->have_header)
		snprintf(err, n, "文件没有标题行");
	if (rc != 0 || !r->have_header) {
		if (!*err)
			snprintf(err, n, "读取文件失败");
		return -1;
	}
	return 0;
}

/* The second pass: every row checked, written by batches (an import), reported. 0 done, 3 the
 * server is stopping (the job stays running), -1 failed with err. */
static int job_rows(struct run *r, json_t *job, const char *path, enum sheet_kind kind, const char *part, char *err,
		    size_t n)
{
	if (store_write(start_tx, r) != 0 || !(r->ctx = import_ctx_new(r->d, &r->who, r->now)) || committer_start(r) != 0) {
		committer_stop(r);
		snprintf(err, n, "数据库错误，导入未开始");
		return -1;
	}
	char title[200], filters[400];
	snprintf(title, sizeof title, "历史投诉%s校验报告（任务 %lld）", r->dry ? "试导入" : "导入", (long long)r->id);
	snprintf(filters, sizeof filters, "文件：%.200s　SHA-256：%.64s", json_string_value(json_object_get(job, "file_name")),
		 json_string_value(json_object_get(job, "file_sha256")));
	r->report = xlsx_open(part, "校验结果", title, filters, report_cols, sizeof report_cols / sizeof report_cols[0]);
	log_info("import %lld: %s of %lld rows started", (long long)r->id, r->dry ? "dry run" : "import", (long long)r->total);
	int rc = sheet_read(path, kind, second_pass, r, err, n);
	if (rc == 0 && flush(r) == 0)
		rc = reap(r);
	committer_stop(r);
	if (rc == 3)
		return 3;
	if (rc != 0 || r->fault) {
		if (!*err || r->fault)
			snprintf(err, n, "第 %lld 行附近处理失败（数据库错误），已导入的批次保留，可重新运行（已导入的行会被跳过）",
				 (long long)(r->done + r->header_row + 1));
		return -1;
	}
	return 0;
}

static void run_job(int64_t id)
{
	struct run *r = calloc(1, sizeof *r);
	json_t *job = NULL, *user = NULL;
	struct db *d = store_conn();
	if (!r || !d) {
		free(r);
		log_error("import %lld: no memory or database", (long long)id);
		return;
	}
	r->d = d;
	r->id = id;
	r->now = now_ms();
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	char path[700], report[700], part[720], err[300] = "";
	if (job_load(r, &job, &user) != 0)
		goto out;
	const char *kind = json_string_value(json_object_get(job, "file_kind"));
	enum sheet_kind sk = !strcmp(kind, "xlsx") ? SHEET_XLSX : SHEET_CSV;
	import_job_file_path(data_dir, id, kind, path, sizeof path);
	import_job_report_path(data_dir, id, report, sizeof report);
	snprintf(part, sizeof part, "%s.part", report);
	int rc = job_scan(r, path, sk, err, sizeof err);
	if (rc == 0 && (rc = job_rows(r, job, path, sk, part, err, sizeof err)) == 3) {
		if (r->report) /* stopping: left running for the next start */
			xlsx_close(r->report);
		unlink(part);
		goto out;
	}
	if (rc == 0)
		*err = '\0';
	if (r->report && xlsx_close(r->report) == 0)
		rename(part, report);
	r->report = NULL;
	struct finish_ctx f = {r, job, rc == 0 ? "done" : "failed", *err ? err : NULL};
	if (store_write(finish_tx, &f) != 0)
		log_error("import %lld: cannot record the end", (long long)id);
	log_info("import %lld: %s, %lld rows: %lld ok, %lld bad, %lld skipped", (long long)id, f.status, (long long)r->total,
		 (long long)r->ok, (long long)r->bad, (long long)r->skipped);
	if (!r->dry && rc == 0)
		unlink(path); /* the file holds personal data: kept only until it is imported */
out:
	import_ctx_free(r->ctx);
	json_decref(r->columns);
	json_decref(r->keys);
	json_decref(job);
	json_decref(user);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

/* ---- the worker ---- */
static void *worker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!stopping && qlen == 0)
			pthread_cond_wait(&cond, &lock);
		if (stopping)
			break;
		int64_t id = queue[0];
		memmove(queue, queue + 1, (qlen - 1) * sizeof *queue);
		qlen--;
		pthread_mutex_unlock(&lock);
		run_job(id);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	store_release_thread();
	return NULL;
}

int import_job_submit(int64_t id)
{
	pthread_mutex_lock(&lock);
	if (qlen == qcap) {
		size_t cap = qcap ? qcap * 2 : 16;
		int64_t *q = realloc(queue, cap * sizeof *q);
		if (!q) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
		queue = q;
		qcap = cap;
	}
	queue[qlen++] = id;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

int import_job_start(const char *dir)
{
	snprintf(data_dir, sizeof data_dir, "%s", dir);
	char sub[600];
	snprintf(sub, sizeof sub, "%s/imports", dir);
	mkdir(sub, 0700);
	struct db *d = store_conn();
	json_t *left = NULL;
	if (d && store_import_jobs_unfinished(d, &left) >= 0) {
		size_t i;
		json_t *j;
		json_array_foreach(left, i, j)
		{
			log_info("import %lld: left unfinished by a stopped server; running it again", (long long)json_integer_value(json_object_get(j, "id")));
			import_job_submit(json_integer_value(json_object_get(j, "id")));
		}
	}
	json_decref(left);
	stopping = false;
	if (pthread_create(&thread, NULL, worker_main, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

void import_job_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
	free(queue);
	queue = NULL;
	qlen = qcap = 0;
}
