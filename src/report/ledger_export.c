/* The ledger export worker (see ledger_export.h). */
#include "report/ledger_export.h"
#include "domain/audit.h"
#include "domain/complaint.h"
#include "domain/complaint_settings.h"
#include "report/complaint_sheet.h"
#include "report/report_xlsx.h"
#include "report/reports.h"
#include "report/xlsx.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/log.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE_ROWS 1000
#define EXPIRE_EVERY_MS 60000
#define HEARTBEAT_MS 5000
/* A job whose instance has not beaten for this long is taken as lost (stopped or died). */
#define STALE_MS 60000

void report_ledger_filter(const struct report_params *p, struct complaint_filter *f)
{
	f->counted = true;
	f->from = ymd_start_ms(p->from_ymd, CN_TZ_OFFSET_MIN);
	f->to = ymd_end_ms(p->to_ymd, CN_TZ_OFFSET_MIN) + 1;
	f->status = p->status;
	f->source_channel = p->source_channel;
	f->business_channel_code = p->a_code;
	f->business_type_code = p->b_code;
	f->cause_code = p->c_code;
	f->region_code = p->region_code;
	f->org_path = p->org_path;
	/* Strictly in scope: an institution outside it narrows to the scope itself. */
	if (p->scope_path && (!f->org_path || strncmp(f->org_path, p->scope_path, strlen(p->scope_path)) != 0))
		f->org_path = p->scope_path;
}

/* ---- jobs ---- */

struct job {
	int64_t id;
	struct principal who;
	char ip[64];
	struct report_params p;
	char *strs[9]; /* the copied strings p points to */
	const char *state;   /* "queued" | "running"; under lock */
	atomic_llong rows_done;
	struct job *next;
};

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool stop, running;
static struct job *queue; /* head runs first; the running job stays at the head */
static char exports_dir[600];

static void job_free(struct job *j)
{
	for (size_t i = 0; i < sizeof j->strs / sizeof j->strs[0]; i++)
		free(j->strs[i]);
	free(j);
}

static const char *keep(struct job *j, int slot, const char *s)
{
	return s ? (j->strs[slot] = strdup(s)) : NULL;
}

int report_ledger_submit(int64_t id, const struct principal *who, const char *ip, const struct report_params *p)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->id = id;
	j->who = *who;
	snprintf(j->ip, sizeof j->ip, "%s", ip ? ip : "");
	j->p = (struct report_params){.name = "detail", .from_ymd = p->from_ymd, .to_ymd = p->to_ymd,
				      .scope_exact = p->scope_exact};
	j->p.scope_path = keep(j, 0, p->scope_path);
	j->p.org_path = keep(j, 1, p->org_path);
	j->p.org_name = keep(j, 2, p->org_name);
	j->p.status = keep(j, 3, p->status);
	j->p.source_channel = keep(j, 4, p->source_channel);
	j->p.a_code = keep(j, 5, p->a_code);
	j->p.b_code = keep(j, 6, p->b_code);
	j->p.c_code = keep(j, 7, p->c_code);
	j->p.region_code = keep(j, 8, p->region_code);
	j->state = "queued";
	pthread_mutex_lock(&lock);
	struct job **tail = &queue;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

bool report_ledger_progress(int64_t id, json_t *out)
{
	bool found = false;
	pthread_mutex_lock(&lock);
	for (struct job *j = queue; j; j = j->next)
		if (j->id == id) {
			json_object_set_new(out, "status", json_string(j->state));
			json_object_set_new(out, "rows_done", json_integer((json_int_t)atomic_load(&j->rows_done)));
			found = true;
			break;
		}
	pthread_mutex_unlock(&lock);
	return found;
}

void report_ledger_file_name(int64_t id, char *out, size_t n)
{
	snprintf(out, n, "ledger-%lld.xlsx", (long long)id);
}

static bool stopping(void)
{
	pthread_mutex_lock(&lock);
	bool s = stop;
	pthread_mutex_unlock(&lock);
	return s;
}

struct beat_ctx {
	int64_t ids[64], rows[64], now;
	int n;
};

static int beat_tx(struct db *d, void *arg)
{
	struct beat_ctx *c = arg;
	for (int i = 0; i < c->n; i++) {
		int rc = store_report_export_heartbeat(d, c->ids[i], c->rows[i], c->now);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Tells the table this instance still holds its jobs (running and queued), with progress. */
static void heartbeat(void)
{
	struct beat_ctx c = {.now = now_ms()};
	pthread_mutex_lock(&lock);
	for (struct job *j = queue; j && c.n < 64; j = j->next, c.n++) {
		c.ids[c.n] = j->id;
		c.rows[c.n] = atomic_load(&j->rows_done);
	}
	pthread_mutex_unlock(&lock);
	if (c.n && store_write(beat_tx, &c) != 0)
		log_warn("ledger export: heartbeat not recorded");
}

/* Writes the workbook to path. 0, 1 when stopped, or -1 (a store or file failure). */
static int write_ledger(struct db *d, struct job *j, const char *path)
{
	char filters[800], line[900];
	report_filter_text(&j->p, filters, sizeof filters);
	snprintf(line, sizeof line, "%s；个人信息已脱敏", filters);
	struct xlsx_sheet *sheet =
		xlsx_open(path, "投诉明细", "投诉明细报表", line, report_complaint_cols, report_complaint_ncols);
	if (!sheet)
		return -1;
	struct complaint_settings cfg;
	struct scope_filter sf;
	scope_filter_for(&j->who, &sf);
	struct complaint_filter f = {0};
	report_ledger_filter(&j->p, &f);
	json_t *names = report_complaint_names(d);
	struct complaint_cursor cur = {0};
	bool first = true;
	int64_t beat = now_ms();
	int rc = complaint_settings_get(d, &cfg);
	while (rc == 0) {
		if (stopping()) {
			rc = 1;
			break;
		}
		if (now_ms() - beat >= HEARTBEAT_MS) {
			heartbeat();
			beat = now_ms();
		}
		json_t *items;
		if ((rc = store_complaint_keyset(d, &sf, &f, first ? NULL : &cur, PAGE_ROWS, &items)) < 0)
			break;
		size_t n = json_array_size(items);
		if (report_complaint_write(sheet, items, &cfg, names) != 0)
			rc = -1;
		if (n) {
			json_t *last = json_array_get(items, n - 1);
			cur.received_at = json_integer_value(json_object_get(last, "received_at"));
			cur.id = json_integer_value(json_object_get(last, "id"));
		}
		atomic_fetch_add(&j->rows_done, (long long)n);
		first = false;
		json_decref(items);
		if (n < PAGE_ROWS)
			break;
	}
	json_decref(names);
	int64_t closing = now_ms();
	if (xlsx_close(sheet) != 0 && rc == 0)
		rc = -1;
	log_info("ledger export %lld: rows written, workbook zipped in %lld ms", (long long)j->id,
		 (long long)(now_ms() - closing));
	return rc;
}

struct finish_ctx {
	struct job *j;
	const char *status, *error, *file;
	int64_t rows, now;
};

/* The job's final state and its audit event, in one transaction. */
static int finish_tx(struct db *d, void *arg)
{
	struct finish_ctx *c = arg;
	int rc = store_report_export_update(d, c->j->id, c->status, c->rows, c->error, c->file, c->now);
	if (rc < 0)
		return rc;
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)c->j->id);
	json_t *detail = json_pack("{s:s, s:I, s:s}", "report", "detail", "rows", (json_int_t)c->rows, "status", c->status);
	if (c->error)
		json_object_set_new(detail, "error", json_string(c->error));
	struct audit_event ev = {
		.actor_id = c->j->who.user_id,
		.actor = c->j->who.username,
		.ip = c->j->ip,
		.action = "report.export_done",
		.target_type = "report_exports",
		.target_id = tid,
		.result = strcmp(c->status, "done") == 0 ? "ok" : "failed",
		.detail = detail,
	};
	rc = audit_append(d, &ev);
	json_decref(detail);
	return rc;
}

struct running_ctx {
	int64_t id;
};

static int running_tx(struct db *d, void *arg)
{
	int64_t id = ((struct running_ctx *)arg)->id;
	int rc = store_report_export_update(d, id, "running", 0, NULL, NULL, 0);
	return rc < 0 ? rc : store_report_export_heartbeat(d, id, 0, now_ms());
}

static void run_job(struct db *d, struct job *j)
{
	char name[64], path[700], part[720];
	report_ledger_file_name(j->id, name, sizeof name);
	snprintf(path, sizeof path, "%s/%s", exports_dir, name);
	snprintf(part, sizeof part, "%s.part", path);
	struct running_ctx rctx = {j->id};
	if (store_write(running_tx, &rctx) != 0)
		log_warn("ledger export %lld: cannot record the running state", (long long)j->id);
	int64_t started = now_ms();
	int rc = write_ledger(d, j, part);
	if (rc == 0 && rename(part, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(part);
	int64_t rows = atomic_load(&j->rows_done);
	struct finish_ctx c = {.j = j, .rows = rows, .now = now_ms()};
	if (rc == 0) {
		c.status = "done";
		c.file = name;
	} else {
		c.status = "failed";
		c.error = rc == 1 ? "服务停止，导出未完成" : "导出失败";
	}
	if (store_write(finish_tx, &c) != 0) {
		log_error("ledger export %lld: cannot record the result", (long long)j->id);
		if (rc == 0)
			unlink(path);
	}
	log_info("ledger export %lld: %s, %lld rows in %lld ms", (long long)j->id, c.status, (long long)rows,
		 (long long)(c.now - started));
}

struct expire_ctx {
	int64_t id, now;
};

static int expire_tx(struct db *d, void *arg)
{
	struct expire_ctx *c = arg;
	return store_report_export_expire(d, c->id, c->now);
}

int report_ledger_expire(struct db *d, const char *data_dir, int64_t now)
{
	json_t *items;
	int rc = store_report_export_expiring(d, now - LEDGER_EXPORT_TTL_MS, &items);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *file = json_string_value(json_object_get(it, "file_name"));
		char path[800];
		if (file && !strchr(file, '/')) {
			snprintf(path, sizeof path, "%s/exports/%s", data_dir, file);
			if (unlink(path) != 0 && errno != ENOENT)
				log_warn("ledger export: cannot remove %s", path);
		}
		struct expire_ctx c = {json_integer_value(json_object_get(it, "id")), now};
		if ((rc = store_write(expire_tx, &c)) != 0)
			break;
	}
	json_decref(items);
	return rc < 0 ? rc : 0;
}

static char data_root[600];

static int fail_stale_tx(struct db *d, void *arg)
{
	int64_t now = *(int64_t *)arg;
	return store_report_export_fail_stale(d, "服务停止，导出未完成，请重新导出", now - STALE_MS, now);
}

/* Jobs whose instance stopped beating are failed; then files past their time are removed. */
static void housekeeping(struct db *d, int64_t now)
{
	if (store_write(fail_stale_tx, &now) != 0)
		log_warn("ledger export: cannot mark lost jobs failed");
	if (report_ledger_expire(d, data_root, now) != 0)
		log_warn("ledger export: expiry pass failed");
}

static void *worker_main(void *arg)
{
	(void)arg;
	int64_t last_expire = 0;
	pthread_mutex_lock(&lock);
	while (!stop) {
		struct job *j = queue;
		if (j) {
			j->state = "running";
			pthread_mutex_unlock(&lock);
			struct db *d = store_conn();
			if (d)
				run_job(d, j);
			else
				log_error("ledger export %lld: no database connection", (long long)j->id);
			pthread_mutex_lock(&lock);
			queue = j->next;
			job_free(j);
		}
		if (now_ms() - last_expire >= EXPIRE_EVERY_MS) {
			last_expire = now_ms();
			pthread_mutex_unlock(&lock);
			struct db *d = store_conn();
			if (d)
				housekeeping(d, last_expire);
			pthread_mutex_lock(&lock);
		}
		if (queue || stop)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += EXPIRE_EVERY_MS / 1000;
		pthread_cond_timedwait(&cond, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	store_release_thread();
	return NULL;
}

int report_ledger_start(const char *data_dir)
{
	snprintf(data_root, sizeof data_root, "%s", data_dir);
	snprintf(exports_dir, sizeof exports_dir, "%s/exports", data_dir);
	if (mkdir(exports_dir, 0700) != 0 && errno != EEXIST) {
		log_error("ledger export: cannot create %s", exports_dir);
		return -1;
	}
	/* The first pass of the worker fails the jobs a stopped instance left behind (once their
	 * heartbeat is older than STALE_MS) and removes expired files. */
	stop = false;
	if (pthread_create(&thread, NULL, worker_main, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

void report_ledger_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stop = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
	/* Jobs still queued stay queued in the table; without heartbeats they are failed within
	 * STALE_MS by whichever instance runs its housekeeping next. */
	while (queue) {
		struct job *j = queue;
		queue = j->next;
		job_free(j);
	}
}
