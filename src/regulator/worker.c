/* The delivery worker: a thread of `fcms serve` that carries the outbox to the regulator, and
 * the webhook outbox to the bank's service bus and OA (webhooks.c: the second channel of this
 * one engine, run in the same pass).
 *
 * One pass: the daily schedule (release held submissions at the set time; a run that did not
 * happen raises an alert), receipts waiting in the dir transport's inbox, then batches — claim
 * (lease) in one transaction, deliver outside any transaction, record every outcome in one
 * transaction — and finally the age alert. A transport failure stops the pass (the regulator is
 * down: no point hammering it); each submission then waits its own backoff. A crash leaves
 * leases that expire, and the same idempotency keys go out again: the regulator answers a key
 * it has seen with the receipt it gave, so a redelivery has no further effect. */
#include "domain/complaint.h"
#include "domain/crypto_profile.h"
#include "regulator/transport.h"
#include "regulator/webhooks.h"
#include "store/store.h"
#include "util/dates.h"
#include "util/log.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCHES_PER_PASS 200
#define MISSED_RUN_GRACE_MS (15 * 60 * 1000)

static struct {
	struct regulator_config cfg;
	enum regulator_transport_kind kind;
	const char *dir; /* dir transport: the exchange directory */
	regulator_event_fn on_event;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, running, kicked;
	char owner[80];
	unsigned batch_counter;
} W = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static const char *transport_name(void)
{
	return W.kind == REG_HTTP ? "http" : W.kind == REG_DIR ? "dir" : "none";
}

static uint32_t rnd32(void)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)now_ms();
	return r;
}

static void emit(const char *type, json_t *data)
{
	if (W.on_event)
		W.on_event(type, data);
	json_decref(data);
}

/* ---- recording outcomes ---- */

/* What the regulator said about one submission. */
enum outcome { OUT_ACCEPTED, OUT_REJECTED, OUT_ERROR };

struct result_ctx {
	json_t *rows;     /* claimed rows */
	json_t *receipts; /* key -> receipt object; NULL when the whole batch failed */
	const char *error;
	const char *owner_override; /* dir receipts: the lease owner recorded on the rows */
	int64_t duration_ms;
	struct regulator_settings s;
	int accepted, rejected, errors;
	bool alerts_changed;
};

static const char *outcome_name(enum outcome o)
{
	return o == OUT_ACCEPTED ? "accepted" : o == OUT_REJECTED ? "rejected" : "error";
}

/* Rejection codes and messages of a receipt, as "E303 cause_code 监管系统不接受…; …". */
static void reject_text(json_t *receipt, char *codes, size_t ncodes, char *msg, size_t nmsg)
{
	codes[0] = msg[0] = 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(receipt, "errors"), i, e)
	{
		const char *c = json_string_value(json_object_get(e, "code")) ?: "";
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *m = json_string_value(json_object_get(e, "message")) ?: "";
		size_t lc = strlen(codes), lm = strlen(msg);
		snprintf(codes + lc, ncodes - lc, "%s%s", lc ? " " : "", c);
		snprintf(msg + lm, nmsg - lm, "%s%s%s%s", lm ? "；" : "", f ? f : "", f ? "：" : "", m);
	}
	if (!msg[0])
		snprintf(msg, nmsg, "监管端拒收");
}

static int record_one(struct db *d, struct result_ctx *c, json_t *row, int64_t now)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	int64_t cid = json_integer_value(json_object_get(row, "complaint_id"));
	int64_t seq = json_integer_value(json_object_get(row, "seq"));
	int64_t attempts = json_integer_value(json_object_get(row, "attempts")) + 1;
	const char *key = json_string_value(json_object_get(row, "idem_key"));
	const char *no = json_string_value(json_object_get(row, "complaint_no"));
	const char *owner = c->owner_override ? json_string_value(json_object_get(row, "lease_owner")) : W.owner;
	json_t *receipt = c->receipts ? json_object_get(c->receipts, key) : NULL;
	const char *st = json_string_value(json_object_get(receipt, "status"));
	enum outcome o = st && !strcmp(st, "accepted") ? OUT_ACCEPTED : st && !strcmp(st, "rejected") ? OUT_REJECTED : OUT_ERROR;
	char codes[200], msg[600], detail[700];
	const char *receipt_no = json_string_value(json_object_get(receipt, "receipt_no"));
	int rc;
	switch (o) {
	case OUT_ACCEPTED:
		rc = store_reg_finish(d, id, owner, "sent", now, receipt_no, NULL, NULL, now);
		if (rc == 1 && (rc = store_reg_complaint_sync(d, cid, seq, "sent", receipt_no, NULL, now)) == 0) {
			/* the complaint's data went through: a rejection it had is resolved */
			if ((rc = regulator_alert_clear(d, "rejection", no, now)) > 0)
				c->alerts_changed = true;
			rc = rc < 0 ? rc : 1;
		}
		snprintf(detail, sizeof detail, "回执号 %s", receipt_no ? receipt_no : "");
		c->accepted++;
		break;
	case OUT_REJECTED:
		reject_text(receipt, codes, sizeof codes, msg, sizeof msg);
		rc = store_reg_finish(d, id, owner, "rejected", now, NULL, codes, msg, now);
		if (rc == 1 && (rc = store_reg_complaint_sync(d, cid, seq, "rejected", NULL, msg, now)) == 0) {
			if (c->s.alert_rejection) {
				char text[800];
				snprintf(text, sizeof text, "投诉单 %.60s 报送被监管端拒收（%.100s）：%.500s", no, codes, msg);
				if ((rc = regulator_alert_raise(d, &c->s, "rejection", no, text, now)) > 0)
					c->alerts_changed = true;
			}
			rc = rc < 0 ? rc : 1;
		}
		snprintf(detail, sizeof detail, "%.100s %.500s", codes, msg);
		c->rejected++;
		break;
	default: {
		bool give_up = attempts >= c->s.max_attempts;
		int64_t next = now + regulator_backoff_ms((int)attempts, c->s.backoff_base_ms, c->s.backoff_max_ms, rnd32());
		const char *why = c->error ? c->error : "回执中缺少该记录";
		rc = store_reg_finish(d, id, owner, give_up ? "failed" : "pending", next, NULL, NULL, why, now);
		if (rc == 1 && give_up && (rc = store_reg_complaint_sync(d, cid, seq, "failed", NULL, why, now)) == 0)
			rc = 1;
		snprintf(detail, sizeof detail, "%s%s", why, give_up ? "（已达最大重试次数）" : "");
		c->errors++;
	}
	}
	if (rc < 0)
		return rc;
	if (rc == 0) /* the lease was lost to another instance: its outcome is not ours to record */
		return 0;
	return store_reg_attempt_insert(d, id, W.owner, transport_name(), outcome_name(o), detail, c->duration_ms, now);
}

static int record_tx(struct db *d, void *arg)
{
	struct result_ctx *c = arg;
	c->accepted = c->rejected = c->errors = 0;
	c->alerts_changed = false;
	int64_t now = now_ms();
	int rc = regulator_settings_get(d, &c->s);
	size_t i;
	json_t *row;
	json_array_foreach(c->rows, i, row)
		if (rc >= 0)
			rc = record_one(d, c, row, now);
	if (rc < 0)
		return rc;
	struct regulator_state st;
	if ((rc = regulator_state_get(d, &st)) < 0)
		return rc;
	st.last_attempt_at = now;
	if (c->error) {
		st.consecutive_failures++;
		snprintf(st.last_error, sizeof st.last_error, "%s", c->error);
		if (c->s.alert_failures > 0 && st.consecutive_failures >= c->s.alert_failures) {
			char text[400];
			snprintf(text, sizeof text, "连续%lld次报送失败，最近一次：%s", (long long)st.consecutive_failures, c->error);
			if ((rc = regulator_alert_raise(d, &c->s, "consecutive_failures", "", text, now)) < 0)
				return rc;
			c->alerts_changed |= rc > 0;
		}
	} else {
		st.consecutive_failures = 0;
		st.last_error[0] = 0;
		if (c->accepted)
			st.last_success_at = now;
		if ((rc = regulator_alert_clear(d, "consecutive_failures", "", now)) < 0)
			return rc;
		c->alerts_changed |= rc > 0;
	}
	return regulator_state_save(d, &st);
}

/* ---- delivering ---- */

struct claim_ctx {
	int64_t limit, lease_s;
	json_t *rows;
};

static int claim_tx(struct db *d, void *arg)
{
	struct claim_ctx *c = arg;
	json_decref(c->rows);
	c->rows = NULL;
	int64_t now = now_ms();
	return store_reg_claim(d, W.owner, now, now + c->lease_s * 1000, c->limit, &c->rows);
}

/* The batch body: each payload on its own line. Caller frees. */
static char *batch_body(json_t *rows, size_t *len)
{
	size_t n = 0, i;
	json_t *row;
	json_array_foreach(rows, i, row)
		n += strlen(json_string_value(json_object_get(row, "payload"))) + 1;
	char *b = malloc(n + 1), *p = b;
	if (!b)
		return NULL;
	json_array_foreach(rows, i, row)
	{
		const char *t = json_string_value(json_object_get(row, "payload"));
		size_t l = strlen(t);
		memcpy(p, t, l);
		p[l] = '\n';
		p += l + 1;
	}
	*p = 0;
	*len = n;
	return b;
}

/* Receipts array → object keyed by idempotency key. Steals arr. */
static json_t *by_key(json_t *arr)
{
	json_t *m = json_object(), *r;
	size_t i;
	json_array_foreach(arr, i, r)
	{
		const char *k = json_string_value(json_object_get(r, "idempotency_key"));
		if (k)
			json_object_set(m, k, r);
	}
	json_decref(arr);
	return m;
}

struct batched_ctx {
	json_t *rows; /* each with the "batch_id" it was written in */
	int64_t lease_until;
};

static int batched_tx(struct db *d, void *arg)
{
	struct batched_ctx *c = arg;
	int64_t now = now_ms();
	size_t i;
	json_t *row;
	json_array_foreach(c->rows, i, row)
	{
		const char *batch = json_string_value(json_object_get(row, "batch_id"));
		if (!batch)
			continue;
		int64_t id = json_integer_value(json_object_get(row, "id"));
		int rc = store_reg_batched(d, id, W.owner, batch, c->lease_until, now);
		if (rc == 1)
			rc = store_reg_attempt_insert(d, id, W.owner, "dir", "written", batch, 0, now);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Sends rows [from, to) as one batch: over HTTP the receipts join *receipts; in the directory
 * each row is stamped with the batch id. 0, or -1 with err. */
static int send_chunk(struct reg_http *http, json_t *rows, size_t from, size_t to, json_t *receipts, char *err,
		      size_t errlen)
{
	json_t *chunk = json_array();
	for (size_t i = from; i < to; i++)
		json_array_append(chunk, json_array_get(rows, i));
	size_t len = 0;
	char *body = batch_body(chunk, &len), sha[65];
	int count, ok = -1;
	if (!body) {
		snprintf(err, errlen, "内存不足");
		json_decref(chunk);
		return -1;
	}
	regulator_manifest(body, len, &count, sha);
	/* Signed over the batch bytes with this instance's profile key when it has one (SM2 under gm);
	 * the receiver checks it with `fcms keys public`. */
	char *sig_text = NULL;
	json_t *sig = NULL;
	if (crypto_profile_sign(crypto_profile(), body, len, &sig_text) == 0)
		sig = json_pack("{s:s, s:s}", "signed_with", crypto_profile_name(crypto_profile()), "signature", sig_text);
	free(sig_text);
	if (W.kind == REG_DIR) {
		char batch_id[128];
		snprintf(batch_id, sizeof batch_id, "%s-%lld-%u", W.owner, (long long)now_ms(), ++W.batch_counter);
		ok = reg_dir_write(W.dir, batch_id, body, len, count, sha, sig, err, errlen);
		size_t i;
		json_t *row;
		json_array_foreach(chunk, i, row)
			if (ok == 0)
				json_object_set_new(row, "batch_id", json_string(batch_id));
	} else {
		json_t *got = NULL;
		ok = reg_http_send(http, body, len, count, sha, sig, &got, err, errlen);
		if (ok == 0) {
			json_t *m = by_key(got);
			json_object_update(receipts, m);
			json_decref(m);
		}
	}
	free(body);
	json_decref(sig);
	json_decref(chunk);
	return ok;
}

/* Claims a round of submissions (several batches, so a transaction's commit is shared by many
 * records even with small batches), sends it batch by batch, and records every outcome in one
 * transaction. Returns the rows claimed (0 = nothing due), or -1 when the transport failed (the
 * pass stops). */
static int deliver_round(struct reg_http *http, const struct regulator_settings *s, int *sent)
{
	int64_t round = s->batch_size < 200 ? (200 / s->batch_size) * s->batch_size : s->batch_size;
	struct claim_ctx cc = {.limit = round, .lease_s = W.kind == REG_DIR ? W.cfg.receipt_timeout_s : W.cfg.lease_s};
	int rc = store_write(claim_tx, &cc);
	if (rc != 0) {
		json_decref(cc.rows);
		log_warn("regulator: claim failed (%d)", rc);
		return -1;
	}
	size_t n = json_array_size(cc.rows);
	if (n == 0) {
		json_decref(cc.rows);
		return 0;
	}
	char err[300] = "";
	struct result_ctx rc_ctx = {.rows = cc.rows, .receipts = json_object()};
	int64_t t0 = now_ms();
	int ok = 0;
	for (size_t from = 0; ok == 0 && from < n; from += (size_t)s->batch_size)
		ok = send_chunk(http, cc.rows, from, from + (size_t)s->batch_size < n ? from + (size_t)s->batch_size : n,
				rc_ctx.receipts, err, sizeof err);
	if (W.kind == REG_DIR) {
		struct batched_ctx bc = {cc.rows, t0 + (int64_t)W.cfg.receipt_timeout_s * 1000};
		if (store_write(batched_tx, &bc) != 0)
			log_warn("regulator: batches written but not recorded; they go again after the lease");
		json_decref(rc_ctx.receipts);
		json_decref(cc.rows);
		if (ok != 0)
			log_warn("regulator: writing a batch failed: %s", err);
		return ok == 0 ? (int)n : -1;
	}
	rc_ctx.duration_ms = now_ms() - t0;
	rc_ctx.error = ok == 0 ? NULL : err;
	rc = store_write(record_tx, &rc_ctx);
	if (rc != 0)
		log_warn("regulator: outcomes not recorded (%d); the leases expire and the batch goes again", rc);
	else if (rc_ctx.alerts_changed)
		emit("alert", json_pack("{s:s}", "reason", "delivery"));
	*sent += rc_ctx.accepted + rc_ctx.rejected;
	json_decref(rc_ctx.receipts);
	json_decref(cc.rows);
	if (ok != 0)
		log_warn("regulator: delivery of %zu failed: %s", n, err);
	return ok == 0 ? (int)n : -1;
}

/* ---- dir receipts ---- */

static void take_receipts(void)
{
	json_t *names = reg_dir_receipts(W.dir), *name;
	size_t i;
	json_array_foreach(names, i, name)
	{
		const char *file = json_string_value(name);
		json_t *r = reg_dir_read_receipt(W.dir, file);
		const char *batch = json_string_value(json_object_get(r, "batch_id"));
		if (!batch) {
			log_warn("regulator: unreadable receipt file %s set aside", file);
			json_decref(r);
			reg_dir_done(W.dir, file);
			continue;
		}
		json_t *rows = NULL;
		struct db *d = store_conn();
		int ok = d ? store_reg_batch_rows(d, batch, &rows) : -1;
		if (ok == 0 && json_array_size(rows) > 0) {
			json_t *m = json_object_get(r, "manifest");
			bool manifest_ok = json_is_true(json_object_get(m, "ok"));
			struct result_ctx c = {.rows = rows, .owner_override = "batch"};
			char why[300];
			if (manifest_ok) {
				c.receipts = by_key(json_incref(json_object_get(r, "receipts")));
			} else {
				snprintf(why, sizeof why, "批次清单校验失败：%s",
					 json_string_value(json_object_get(m, "error")) ?: "未说明原因");
				c.error = why;
			}
			ok = store_write(record_tx, &c);
			json_decref(c.receipts);
			if (ok == 0 && c.alerts_changed)
				emit("alert", json_pack("{s:s}", "reason", "receipt"));
		}
		json_decref(rows);
		json_decref(r);
		if (ok == 0)
			reg_dir_done(W.dir, file);
	}
	json_decref(names);
}

/* ---- schedule and alerts ---- */

struct schedule_ctx {
	int64_t run_at, now;
	bool ran, missed;
	struct regulator_settings s;
};

static int schedule_tx(struct db *d, void *arg)
{
	struct schedule_ctx *c = arg;
	struct regulator_state st;
	int rc = regulator_state_get(d, &st);
	c->ran = c->missed = false;
	if (rc < 0 || st.last_scheduled_run >= c->run_at)
		return rc < 0 ? rc : 0; /* another instance ran it */
	int64_t n;
	if ((rc = store_reg_release(d, c->now, false, 0, 0, &n)) < 0)
		return rc;
	st.last_scheduled_run = c->run_at;
	st.last_run_at = c->now;
	c->ran = true;
	if (c->now > c->run_at + MISSED_RUN_GRACE_MS && c->s.alert_missed_run) {
		char text[200];
		snprintf(text, sizeof text, "每日%s的定时报送未按时执行，已补执行", c->s.daily_at);
		if ((rc = regulator_alert_raise(d, &c->s, "missed_run", "", text, c->now)) < 0)
			return rc;
		c->missed = rc > 0;
	}
	return regulator_state_save(d, &st);
}

/* The daily run time of today (bank time) in epoch ms. */
static int64_t daily_run_at(const char *hhmm, int64_t now)
{
	int32_t ymd = ymd_from_ms(now, CN_TZ_OFFSET_MIN);
	int64_t day_start = ymd_start_ms(ymd, CN_TZ_OFFSET_MIN);
	return day_start + ((int64_t)atoi(hhmm) * 60 + atoi(hhmm + 3)) * 60000;
}

struct alerts_ctx {
	struct regulator_settings s;
	bool changed;
};

static int raise_or_clear(struct db *d, struct alerts_ctx *c, bool cond, const char *kind, const char *text, int64_t now)
{
	int rc = cond ? regulator_alert_raise(d, &c->s, kind, "", text, now) : regulator_alert_clear(d, kind, "", now);
	c->changed |= rc > 0;
	return rc < 0 ? rc : 0;
}

static int alerts_tx(struct db *d, void *arg)
{
	struct alerts_ctx *c = arg;
	c->changed = false;
	int64_t now = now_ms();
	json_t *st;
	int rc = regulator_settings_get(d, &c->s);
	if (rc < 0 || (rc = store_reg_status(d, &st)) < 0)
		return rc;
	int64_t oldest = json_integer_value(json_object_get(st, "oldest_pending_at"));
	int64_t held = json_integer_value(json_object_get(st, "held"));
	int64_t pending = json_integer_value(json_object_get(st, "pending"));
	json_decref(st);
	int64_t limit = (int64_t)c->s.alert_pending_hours * 3600000;
	char text[200];
	snprintf(text, sizeof text, "有报送记录待报送超过%d小时", c->s.alert_pending_hours);
	/* Held submissions wait for their scheduled run by design; they are not late. */
	bool old = c->s.alert_pending_hours > 0 && oldest > 0 && now - oldest > limit && pending > held;
	if ((rc = raise_or_clear(d, c, old, "pending_age", text, now)) < 0)
		return rc;
	/* A missed run is over once what it released has gone out. */
	if (pending - held == 0 && (rc = raise_or_clear(d, c, false, "missed_run", "", now)) < 0)
		return rc;
	return 0;
}

/* Whether the alert transaction is worth running: open alerts may clear; otherwise the age of
 * the oldest pending record is looked at every AGE_CHECK_MS (it counts the whole table). */
#define AGE_CHECK_MS 10000
static bool needs_alert_pass(struct db *d, const struct regulator_settings *s, int64_t now)
{
	static int64_t last_age_check;
	json_t *open = NULL;
	bool any = store_reg_alert_list(d, true, 1, &open) < 0 || json_array_size(open) > 0;
	json_decref(open);
	if (any)
		return true;
	if (s->alert_pending_hours <= 0 || now - last_age_check < AGE_CHECK_MS)
		return false;
	last_age_check = now;
	json_t *st = NULL;
	if (store_reg_status(d, &st) < 0)
		return true;
	int64_t oldest = json_integer_value(json_object_get(st, "oldest_pending_at"));
	json_decref(st);
	return oldest > 0 && now - oldest > (int64_t)s->alert_pending_hours * 3600000;
}

static void pass(struct reg_http *http)
{
	struct db *d = store_conn();
	if (!d)
		return;
	struct regulator_settings s;
	struct regulator_state st;
	int64_t now = now_ms();
	if (regulator_settings_get(d, &s) < 0 || regulator_state_get(d, &st) < 0)
		return;
	if (!strcmp(s.schedule, "daily")) {
		struct schedule_ctx sc = {.run_at = daily_run_at(s.daily_at, now), .now = now, .s = s};
		if (now >= sc.run_at && st.last_scheduled_run < sc.run_at && store_write(schedule_tx, &sc) == 0 && sc.ran) {
			log_info("regulator: daily run of %s released the held submissions", s.daily_at);
			if (sc.missed)
				emit("alert", json_pack("{s:s}", "reason", "missed_run"));
		}
	}
	if (W.kind == REG_DIR)
		take_receipts();
	int sent = 0, n = 0;
	for (int i = 0; W.kind != REG_NONE && i < MAX_BATCHES_PER_PASS; i++) {
		pthread_mutex_lock(&W.lock);
		bool stop = W.stop;
		pthread_mutex_unlock(&W.lock);
		if (stop || (n = deliver_round(http, &s, &sent)) <= 0)
			break;
	}
	if (sent > 0)
		emit("status", json_pack("{s:i}", "delivered", sent));
	/* The webhook channel: same thread, lease owner, HTTP client and backoff (webhooks.h). */
	for (int i = 0; i < MAX_BATCHES_PER_PASS; i++) {
		pthread_mutex_lock(&W.lock);
		bool stop = W.stop;
		pthread_mutex_unlock(&W.lock);
		if (stop || webhook_deliver_round(http, W.owner, W.cfg.lease_s) <= 0)
			break;
	}
	webhook_oa_expire();
	if (needs_alert_pass(d, &s, now)) {
		struct alerts_ctx ac = {0};
		if (store_write(alerts_tx, &ac) == 0 && ac.changed)
			emit("alert", json_pack("{s:s}", "reason", "watch"));
	}
}

#define KICK_GAP_MS 100

static void *worker_main(void *arg)
{
	(void)arg;
	/* Always: the webhook channel posts with it even when the regulator goes by files. */
	struct reg_http *http = reg_http_new(&W.cfg);
	pthread_mutex_lock(&W.lock);
	while (!W.stop) {
		W.kicked = false;
		pthread_mutex_unlock(&W.lock);
		pass(http);
		/* Kicks that arrive during a pass or just after it are served by one next pass: under a
		 * burst of complaint changes the worker does not add a pass per change. */
		struct timespec gap = {0, KICK_GAP_MS * 1000000L};
		nanosleep(&gap, NULL);
		pthread_mutex_lock(&W.lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ns = until.tv_nsec + (int64_t)W.cfg.poll_ms * 1000000;
		until.tv_sec += ns / 1000000000;
		until.tv_nsec = ns % 1000000000;
		while (!W.stop && !W.kicked && pthread_cond_timedwait(&W.cond, &W.lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&W.lock);
	reg_http_free(http);
	store_release_thread();
	return NULL;
}

int regulator_worker_start(const struct regulator_config *cfg, regulator_event_fn on_event)
{
	W.cfg = *cfg;
	if (W.cfg.timeout_ms <= 0)
		W.cfg.timeout_ms = 10000;
	if (W.cfg.lease_s <= 0)
		W.cfg.lease_s = 60;
	if (W.cfg.receipt_timeout_s <= 0)
		W.cfg.receipt_timeout_s = 600;
	if (W.cfg.poll_ms <= 0)
		W.cfg.poll_ms = 1000;
	W.kind = regulator_transport_kind(W.cfg.target);
	if (W.cfg.target[0] && W.kind == REG_NONE) {
		log_error("regulator: unsupported target %s (use http(s)://… or dir:/path)", W.cfg.target);
		return -1;
	}
	W.dir = W.kind == REG_DIR ? W.cfg.target + 4 : NULL;
	if (W.dir && reg_dir_prepare(W.dir) != 0) {
		log_error("regulator: cannot create the exchange directory %s", W.dir);
		return -1;
	}
	char host[40] = "host";
	gethostname(host, sizeof host - 1);
	snprintf(W.owner, sizeof W.owner, "%.39s-%ld-%08x", host, (long)getpid(), rnd32());
	W.on_event = on_event;
	W.stop = false;
	if (pthread_create(&W.thread, NULL, worker_main, NULL) != 0)
		return -1;
	W.running = true;
	log_info("regulator: worker %s delivering to %s", W.owner, W.cfg.target[0] ? W.cfg.target : "(no transport)");
	return 0;
}

void regulator_worker_kick(void)
{
	pthread_mutex_lock(&W.lock);
	W.kicked = true;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
}

void regulator_worker_stop(void)
{
	if (!W.running)
		return;
	pthread_mutex_lock(&W.lock);
	W.stop = true;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
	pthread_join(W.thread, NULL);
	W.running = false;
}

const char *regulator_worker_target(void)
{
	return W.cfg.target;
}
