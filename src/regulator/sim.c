/* fcms regulator-sim: a simulated regulator endpoint for tests, demos and benchmarks.
 *
 * HTTP (--listen HOST:PORT): POST /submissions takes one record (application/json) or a batch
 * (one record per line, with X-Batch-Count and X-Batch-SHA256) and answers {"receipts":[...]}.
 * Each record is checked as the regulator would (regulator_record_check: format version,
 * required fields, code shapes) and answered accepted with a receipt number or rejected with
 * codes. A key seen before gets the very receipt it got the first time, and is counted as a
 * duplicate. Faults on request (flags, or POST /admin/faults at run time): failure rate (503),
 * latency, hard down (connections dropped without a reply), rejection rate, malformed replies,
 * and codes the "regulator" refuses. GET /stats gives the counts; GET /receipt?key=K one receipt;
 * POST /admin/reset forgets everything.
 *
 * Directory (--dir PATH): batches PATH/outbox/<id>.jsonl with <id>.manifest.json are checked
 * against their manifest, answered with PATH/inbox/<id>.receipt.json (atomically) and moved to
 * PATH/outbox/done; the counts are also written to PATH/stats.json.
 *
 * It must not touch fcms's database: it is the other side of the wire. */
#include "regulator/transport.h"
#include "util/crypto.h"
#include "util/log.h"
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (64u << 20)

static struct {
	pthread_mutex_t lock;
	double fail_rate, reject_rate, malformed_rate;
	int latency_ms;
	bool down;
	json_t *reject_codes; /* cause/business codes refused, e.g. ["C07"] */
	json_t *seen;         /* idempotency key -> receipt */
	uint64_t rng;
	long long received, accepted, rejected, duplicates, requests, injected_failures, dropped, malformed,
		batches, manifest_errors, receipt_seq;
	const char *dir;
	char *pubkey; /* --pubkey: batches must carry a signature that verifies with it */
	long long signatures_ok;
	bool stop;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER, .rng = 0x9e3779b97f4a7c15ull};

/* Under S.lock. xorshift64*: reproducible with --seed. */
static double rnd01(void)
{
	S.rng ^= S.rng >> 12;
	S.rng ^= S.rng << 25;
	S.rng ^= S.rng >> 27;
	return (double)((S.rng * 2685821657736338717ull) >> 11) / (double)(1ull << 53);
}

static json_t *stats_json(void)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:f, s:f, s:f, s:i, s:b, s:O}}",
			 "received", (json_int_t)S.received, "distinct_keys", (json_int_t)json_object_size(S.seen),
			 "accepted", (json_int_t)S.accepted, "rejected", (json_int_t)S.rejected, "duplicates",
			 (json_int_t)S.duplicates, "requests", (json_int_t)S.requests, "injected_failures",
			 (json_int_t)S.injected_failures, "dropped", (json_int_t)S.dropped, "malformed_replies",
			 (json_int_t)S.malformed, "batches", (json_int_t)S.batches, "signatures_ok", (json_int_t)S.signatures_ok, "manifest_errors",
			 (json_int_t)S.manifest_errors, "faults", "fail_rate", S.fail_rate, "reject_rate", S.reject_rate,
			 "malformed_rate", S.malformed_rate, "latency_ms", S.latency_ms, "down", S.down, "reject_codes",
			 S.reject_codes);
}

static bool refused_code(json_t *rec, const char **field)
{
	static const char *const fields[] = {"cause_code", "business_type_code", "business_channel_code", NULL};
	for (int i = 0; fields[i]; i++) {
		const char *v = json_string_value(json_object_get(rec, fields[i]));
		size_t k;
		json_t *c;
		json_array_foreach(S.reject_codes, k, c)
			if (v && json_string_value(c) && !strcmp(v, json_string_value(c)))
				return *field = fields[i], true;
	}
	return false;
}

/* The receipt for one record line (under S.lock). Returns a new reference. */
static json_t *answer(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *rec = json_loadb(line, len, 0, &jerr);
	const char *key = json_string_value(json_object_get(rec, "idempotency_key"));
	S.received++;
	json_t *prev = key ? json_object_get(S.seen, key) : NULL;
	if (prev) {
		S.duplicates++;
		json_decref(rec);
		return json_incref(prev);
	}
	struct regulator_problem p;
	const char *field = NULL;
	json_t *r;
	if (regulator_record_check(rec, &p) != 0) {
		r = json_pack("{s:s?, s:s, s:[{s:s, s:s?, s:s}]}", "idempotency_key", key, "status", "rejected", "errors",
			      "code", p.code, "field", p.field, "message", p.message);
	} else if (refused_code(rec, &field)) {
		r = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "idempotency_key", key, "status", "rejected", "errors",
			      "code", "E310", "field", field, "message", "监管系统不接受该代码");
	} else if (S.reject_rate > 0 && rnd01() < S.reject_rate) {
		r = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "idempotency_key", key, "status", "rejected", "errors", "code",
			      "E900", "message", "随机拒收（故障注入）");
	} else {
		char no[80];
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		snprintf(no, sizeof no, "RC%04d%02d%02d%010lld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 ++S.receipt_seq);
		r = json_pack("{s:s, s:s, s:s}", "idempotency_key", key, "status", "accepted", "receipt_no", no);
	}
	const char *st = json_string_value(json_object_get(r, "status"));
	if (!strcmp(st, "accepted"))
		S.accepted++;
	else
		S.rejected++;
	/* A record without a key cannot be answered idempotently: it is not remembered. */
	if (key)
		json_object_set(S.seen, key, r);
	json_decref(rec);
	return r;
}

/* Answers every line of a batch body (under S.lock). */
static json_t *answer_batch(const char *body, size_t len)
{
	json_t *out = json_array();
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0)
			json_array_append_new(out, answer(p, n));
		p += n + 1;
	}
	S.batches++;
	return out;
}

/* ---- HTTP ---- */

struct conn {
	char *body;
	size_t len;
	bool too_big;
};

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static json_t *error_json(const char *code, const char *message)
{
	return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

static void set_faults(json_t *f)
{
	json_t *v;
	if ((v = json_object_get(f, "fail_rate")) && json_is_number(v))
		S.fail_rate = json_number_value(v);
	if ((v = json_object_get(f, "reject_rate")) && json_is_number(v))
		S.reject_rate = json_number_value(v);
	if ((v = json_object_get(f, "malformed_rate")) && json_is_number(v))
		S.malformed_rate = json_number_value(v);
	if ((v = json_object_get(f, "latency_ms")) && json_is_integer(v))
		S.latency_ms = (int)json_integer_value(v);
	if ((v = json_object_get(f, "down")) && json_is_boolean(v))
		S.down = json_is_true(v);
	if ((v = json_object_get(f, "reject_codes")) && json_is_array(v)) {
		json_decref(S.reject_codes);
		S.reject_codes = json_deep_copy(v);
	}
}

/* With --pubkey, why the batch's signature is not acceptable (NULL when it verifies, or when no key
 * was given). */
static const char *signature_problem(const char *body, size_t len, const char *signed_with, const char *sig)
{
	enum crypto_profile p;
	if (!S.pubkey)
		return NULL;
	if (!sig || crypto_profile_parse(signed_with, &p) != 0)
		return "批次缺少签名";
	if (!crypto_sig_verify(p, S.pubkey, body, len, sig))
		return "批次签名验证不通过";
	S.signatures_ok++;
	return NULL;
}

static enum MHD_Result submissions(struct MHD_Connection *c, struct conn *st)
{
	pthread_mutex_lock(&S.lock);
	S.requests++;
	int latency = S.latency_ms;
	bool fail = S.fail_rate > 0 && rnd01() < S.fail_rate;
	bool malformed = !fail && S.malformed_rate > 0 && rnd01() < S.malformed_rate;
	if (fail)
		S.injected_failures++;
	pthread_mutex_unlock(&S.lock);
	if (latency > 0)
		usleep((useconds_t)latency * 1000);
	if (fail)
		return send_json(c, 503, error_json("unavailable", "监管系统暂不可用（故障注入）"));
	const char *count = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Batch-Count");
	const char *sha = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Batch-SHA256");
	const char *why;
	json_t *receipts;
	pthread_mutex_lock(&S.lock);
	if (count) {
		if (regulator_manifest_check(st->body ? st->body : "", st->len, atoi(count), sha, &why) != 0) {
			S.manifest_errors++;
			pthread_mutex_unlock(&S.lock);
			return send_json(c, 400, error_json("manifest_mismatch", why));
		}
		if ((why = signature_problem(st->body ? st->body : "", st->len,
					     MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Batch-Signed-With"),
					     MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Batch-Signature")))) {
			S.manifest_errors++;
			pthread_mutex_unlock(&S.lock);
			return send_json(c, 400, error_json("signature_invalid", why));
		}
		receipts = answer_batch(st->body, st->len);
	} else {
		receipts = json_array();
		json_array_append_new(receipts, answer(st->body ? st->body : "", st->len));
	}
	if (malformed)
		S.malformed++;
	pthread_mutex_unlock(&S.lock);
	if (malformed) {
		json_decref(receipts);
		static const char junk[] = "{\"receipts\": [{\"status\": \"acc";
		struct MHD_Response *r = MHD_create_response_from_buffer(sizeof junk - 1, (void *)junk, MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ok = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ok;
	}
	return send_json(c, 200, json_pack("{s:o}", "receipts", receipts));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *size, void **con_cls)
{
	struct conn *st = *con_cls;
	if (!st) {
		pthread_mutex_lock(&S.lock);
		bool down = S.down && strncmp(url, "/admin", 6) && strcmp(url, "/stats");
		if (down)
			S.dropped++;
		pthread_mutex_unlock(&S.lock);
		if (down)
			return MHD_NO; /* hard down: the connection drops without a reply */
		*con_cls = st = calloc(1, sizeof *st);
		return st ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (st->len + *size > MAX_BODY) {
			st->too_big = true;
		} else {
			char *p = realloc(st->body, st->len + *size + 1);
			if (!p)
				return MHD_NO;
			memcpy(p + st->len, data, *size);
			st->body = p;
			st->len += *size;
			st->body[st->len] = 0;
		}
		*size = 0;
		return MHD_YES;
	}
	if (st->too_big)
		return send_json(c, 413, error_json("too_large", "请求体过大"));
	bool post = !strcmp(method, "POST");
	if (post && !strcmp(url, "/submissions"))
		return submissions(c, st);
	pthread_mutex_lock(&S.lock);
	json_t *reply = NULL;
	unsigned status = 200;
	if (!strcmp(url, "/stats")) {
		reply = stats_json();
	} else if (!strcmp(url, "/receipt")) {
		const char *key = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
		json_t *r = key ? json_object_get(S.seen, key) : NULL;
		reply = r ? json_incref(r) : (status = 404, error_json("not_found", "没有该幂等键的回执"));
	} else if (post && !strcmp(url, "/admin/faults")) {
		json_t *f = st->body ? json_loads(st->body, 0, NULL) : NULL;
		if (!json_is_object(f)) {
			status = 400;
			reply = error_json("invalid_json", "请求体必须是JSON对象");
		} else {
			set_faults(f);
			reply = stats_json();
		}
		json_decref(f);
	} else if (post && !strcmp(url, "/admin/reset")) {
		json_object_clear(S.seen);
		S.received = S.accepted = S.rejected = S.duplicates = S.requests = S.injected_failures = S.dropped =
			S.malformed = S.batches = S.manifest_errors = 0;
		reply = stats_json();
	} else {
		status = 404;
		reply = error_json("not_found", "没有这个接口");
	}
	pthread_mutex_unlock(&S.lock);
	return send_json(c, status, reply);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn *st = *con_cls;
	if (st) {
		free(st->body);
		free(st);
	}
	*con_cls = NULL;
}

/* ---- directory mode ---- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b) {
		b[n] = 0;
		*len = (size_t)n;
	}
	return b;
}

static void write_stats_file(void)
{
	pthread_mutex_lock(&S.lock);
	json_t *j = stats_json();
	pthread_mutex_unlock(&S.lock);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	char p[1100];
	snprintf(p, sizeof p, "%s/stats.json", S.dir);
	reg_write_atomic(p, text, strlen(text));
	free(text);
}

/* Answers one batch whose manifest is PATH/outbox/name. */
static void dir_batch(const char *name)
{
	char mpath[1200], bpath[1300], done[1300];
	snprintf(mpath, sizeof mpath, "%s/outbox/%s", S.dir, name);
	json_t *m = json_load_file(mpath, 0, NULL);
	const char *batch = json_string_value(json_object_get(m, "batch_id"));
	const char *file = json_string_value(json_object_get(m, "file"));
	if (!batch || !file || strchr(file, '/') || strchr(batch, '/')) {
		log_warn("regulator-sim: bad manifest %s", name);
		snprintf(done, sizeof done, "%s/outbox/done/%s", S.dir, name);
		rename(mpath, done);
		json_decref(m);
		return;
	}
	snprintf(bpath, sizeof bpath, "%s/outbox/%s", S.dir, file);
	size_t len = 0;
	char *body = read_file(bpath, &len);
	const char *why = "批次文件缺失";
	json_t *receipt;
	pthread_mutex_lock(&S.lock);
	S.requests++;
	if (body && regulator_manifest_check(body, len, (int)json_integer_value(json_object_get(m, "count")),
					     json_string_value(json_object_get(m, "sha256")), &why) == 0 &&
	    !(why = signature_problem(body, len, json_string_value(json_object_get(m, "signed_with")),
				      json_string_value(json_object_get(m, "signature"))))) {
		receipt = json_pack("{s:s, s:s, s:{s:b}, s:o}", "format", REGULATOR_FORMAT, "batch_id", batch, "manifest",
				    "ok", 1, "receipts", answer_batch(body, len));
	} else {
		S.manifest_errors++;
		receipt = json_pack("{s:s, s:s, s:{s:b, s:s}, s:[]}", "format", REGULATOR_FORMAT, "batch_id", batch,
				    "manifest", "ok", 0, "error", why, "receipts");
	}
	pthread_mutex_unlock(&S.lock);
	free(body);
	char *text = json_dumps(receipt, JSON_COMPACT);
	json_decref(receipt);
	char rpath[1300];
	snprintf(rpath, sizeof rpath, "%s/inbox/%s.receipt.json", S.dir, batch);
	if (reg_write_atomic(rpath, text, strlen(text)) != 0)
		log_warn("regulator-sim: cannot write %s: %s", rpath, strerror(errno));
	free(text);
	snprintf(done, sizeof done, "%s/outbox/done/%s", S.dir, file);
	rename(bpath, done);
	snprintf(done, sizeof done, "%s/outbox/done/%s", S.dir, name);
	rename(mpath, done);
	json_decref(m);
}

static void *dir_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&S.lock);
		bool stop = S.stop, down = S.down;
		pthread_mutex_unlock(&S.lock);
		if (stop)
			break;
		char p[1100];
		snprintf(p, sizeof p, "%s/outbox", S.dir);
		DIR *d = down ? NULL : opendir(p);
		int n = 0;
		struct dirent *e;
		while (d && (e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l > 14 && !strcmp(e->d_name + l - 14, ".manifest.json")) {
				dir_batch(e->d_name);
				n++;
			}
		}
		if (d)
			closedir(d);
		if (n)
			write_stats_file();
		usleep(100000);
	}
	return NULL;
}

/* ---- command ---- */

int sim_parse_listen(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || colon - s >= (long)sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* --pubkey: the bank's public key, read whole. 0, or 2 (message printed). */
static int read_pubkey(const char *path)
{
	FILE *f = fopen(path, "r");
	S.pubkey = f ? calloc(1, 8192) : NULL;
	if (!S.pubkey || fread(S.pubkey, 1, 8191, f) == 0) {
		fprintf(stderr, "regulator-sim: cannot read the public key %s\n", path);
		if (f)
			fclose(f);
		return 2;
	}
	fclose(f);
	return 0;
}

/* One command-line option a with its value v, into S, *listen or faults. 0, or 2 (printed). */
static int sim_option(const char *a, const char *v, const char **listen, json_t *faults)
{
	if (!strcmp(a, "--listen"))
		*listen = v;
	else if (!strcmp(a, "--dir"))
		S.dir = v;
	else if (!strcmp(a, "--seed"))
		S.rng = strtoull(v, NULL, 10) | 1;
	else if (!strcmp(a, "--pubkey"))
		return read_pubkey(v);
	else if (!strcmp(a, "--fail-rate") || !strcmp(a, "--reject-rate") || !strcmp(a, "--malformed-rate"))
		json_object_set_new(faults, !strcmp(a, "--fail-rate") ? "fail_rate" : !strcmp(a, "--reject-rate") ? "reject_rate" : "malformed_rate",
				    json_real(atof(v)));
	else if (!strcmp(a, "--latency-ms"))
		json_object_set_new(faults, "latency_ms", json_integer(atoi(v)));
	else if (!strcmp(a, "--reject-codes")) {
		json_t *codes = json_array();
		char buf[256], *save = NULL;
		snprintf(buf, sizeof buf, "%s", v);
		for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
			json_array_append_new(codes, json_string(c));
		json_object_set_new(faults, "reject_codes", codes);
	} else {
		fprintf(stderr, "regulator-sim: unknown option %s\n", a);
		return 2;
	}
	return 0;
}

/* Parses the options into S and *listen, and sets the faults. 0, or the exit status (printed). */
static int sim_args(int argc, char **argv, const char **listen)
{
	json_t *faults = json_object();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "regulator-sim: %s needs a value\n", a);
			json_decref(faults);
			return 2;
		}
		i++;
		int rc = sim_option(a, v, listen, faults);
		if (rc != 0) {
			json_decref(faults);
			return rc;
		}
	}
	if (!*listen && !S.dir) {
		fprintf(stderr, "regulator-sim: give --listen HOST:PORT and/or --dir PATH\n");
		json_decref(faults);
		return 2;
	}
	if (crypto_init(1) != 0) {
		json_decref(faults);
		return 1;
	}
	S.seen = json_object();
	S.reject_codes = json_array();
	set_faults(faults);
	json_decref(faults);
	return 0;
}

/* The HTTP side on listen (IPv4:PORT). 0 with *mhd, or the exit status (printed). */
static int sim_listen(const char *listen, struct MHD_Daemon **mhd)
{
	struct sockaddr_in addr;
	if (sim_parse_listen(listen, &addr) != 0) {
		fprintf(stderr, "regulator-sim: --listen wants IPv4:PORT\n");
		return 2;
	}
	*mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
				NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				MHD_OPTION_END);
	if (!*mhd) {
		fprintf(stderr, "regulator-sim: cannot listen on %s\n", listen);
		return 1;
	}
	return 0;
}

int regulator_sim_main(int argc, char **argv, const sigset_t *stop)
{
	const char *listen = NULL;
	int rc = sim_args(argc, argv, &listen);
	if (rc != 0)
		return rc;
	struct MHD_Daemon *mhd = NULL;
	pthread_t dir_thread;
	bool dir_running = false;
	if (listen && (rc = sim_listen(listen, &mhd)) != 0)
		goto out;
	if (S.dir) {
		char p[1100];
		snprintf(p, sizeof p, "%s/outbox/done", S.dir);
		if (reg_dir_prepare(S.dir) != 0 || (mkdir(p, 0750) != 0 && errno != EEXIST) ||
		    pthread_create(&dir_thread, NULL, dir_main, NULL) != 0) {
			fprintf(stderr, "regulator-sim: cannot use directory %s\n", S.dir);
			rc = 1;
			goto out;
		}
		dir_running = true;
	}
	printf("regulator-sim: %s%s%s%s ready\n", listen ? "listening on " : "", listen ? listen : "",
	       S.dir ? " exchanging in " : "", S.dir ? S.dir : "");
	fflush(stdout);
	int sig;
	sigwait(stop, &sig);
out:
	if (dir_running) {
		pthread_mutex_lock(&S.lock);
		S.stop = true;
		pthread_mutex_unlock(&S.lock);
		pthread_join(dir_thread, NULL);
	}
	if (mhd)
		MHD_stop_daemon(mhd);
	json_decref(S.seen);
	json_decref(S.reject_codes);
	return rc;
}
