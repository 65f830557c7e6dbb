/* Transports of the regulator gateway (see transport.h). Neither touches the database: the
 * worker decides what a reply means for each submission. */
#include "regulator/transport.h"
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

enum regulator_transport_kind regulator_transport_kind(const char *target)
{
	if (!target || !*target)
		return REG_NONE;
	if (!strncmp(target, "http://", 7) || !strncmp(target, "https://", 8))
		return REG_HTTP;
	if (!strncmp(target, "dir:", 4) && target[4])
		return REG_DIR;
	return REG_NONE;
}

/* ---- HTTP ---- */

struct reg_http {
	CURL *curl;
	const struct regulator_config *cfg;
	char url[600];
};

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t add = size * nmemb;
	if (b->n + add > 16u << 20)
		return 0; /* a reply larger than 16 MiB is not a receipt */
	char *p = realloc(b->p, b->n + add + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, add);
	b->p = p;
	b->n += add;
	b->p[b->n] = 0;
	return add;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reg_http *reg_http_new(const struct regulator_config *cfg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, curl_init_once);
	struct reg_http *h = calloc(1, sizeof *h);
	if (!h || !(h->curl = curl_easy_init())) {
		free(h);
		return NULL;
	}
	h->cfg = cfg;
	/* The target names the service; batches go to its /submissions. */
	size_t n = strlen(cfg->target);
	bool has_path = strstr(cfg->target + (strncmp(cfg->target, "https", 5) ? 7 : 8), "/") != NULL;
	snprintf(h->url, sizeof h->url, "%s%s", cfg->target,
		 has_path ? "" : (n && cfg->target[n - 1] == '/' ? "submissions" : "/submissions"));
	return h;
}

void reg_http_free(struct reg_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

bool reg_addr_forbidden(const char *ip)
{
	if (!ip || !*ip)
		return true;
	if (!strncmp(ip, "::ffff:", 7))
		ip += 7;
	return !strncmp(ip, "169.254.", 8) || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::") ||
	       !strncasecmp(ip, "fe8", 3) || !strncasecmp(ip, "fe9", 3) || !strncasecmp(ip, "fea", 3) ||
	       !strncasecmp(ip, "feb", 3) || !strcasecmp(ip, "fd00:ec2::254") || !strcmp(ip, "100.100.100.200");
}

/* CURLOPT_PREREQFUNCTION: the address is known, nothing is sent yet. */
static int guard_addr(void *arg, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
		      int conn_local_port)
{
	(void)arg;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	return reg_addr_forbidden(conn_primary_ip) ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

int reg_http_post(struct reg_http *h, const char *url, const char *const *headers, const char *body, size_t len,
		  long timeout_ms, bool guard, long *status, char **reply, char *err, size_t errlen)
{
	CURL *c = h->curl;
	struct buf got = {0};
	struct curl_slist *hdr = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		hdr = curl_slist_append(hdr, headers[i]);
	hdr = curl_slist_append(hdr, "Expect:");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (guard)
		curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, guard_addr);
	if (h->cfg->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cfg->ca_file);
	/* The regulator's client certificate is for the regulator only. */
	if (!guard && h->cfg->cert_file[0])
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->cfg->cert_file);
	if (!guard && h->cfg->key_file[0])
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->cfg->key_file);
	CURLcode cc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hdr);
	if (cc != CURLE_OK) {
		const char *why = cc == CURLE_ABORTED_BY_CALLBACK  ? "目标地址不允许（链路本地或元数据地址）"
				  : cc == CURLE_COULDNT_CONNECT     ? "无法连接接收方"
				  : cc == CURLE_COULDNT_RESOLVE_HOST ? "无法解析主机名"
				  : cc == CURLE_OPERATION_TIMEDOUT  ? "接收方超时未答复"
								    : "传输失败";
		snprintf(err, errlen, "%s（%s）", why, curl_easy_strerror(cc));
		free(got.p);
		return -1;
	}
	if (reply)
		*reply = got.p;
	else
		free(got.p);
	return 0;
}

int reg_http_send(struct reg_http *h, const char *body, size_t len, int count, const char *sha256,
		  json_t *sig, json_t **receipts, char *err, size_t errlen)
{
	*receipts = NULL;
	char hc[64], hs[128], hw[64] = "", hg[512] = "";
	snprintf(hc, sizeof hc, "X-Batch-Count: %d", count);
	snprintf(hs, sizeof hs, "X-Batch-SHA256: %s", sha256);
	const char *headers[] = {"Content-Type: application/x-ndjson; charset=utf-8", hc, hs, NULL, NULL, NULL};
	if (sig) {
		snprintf(hw, sizeof hw, "X-Batch-Signed-With: %s", json_string_value(json_object_get(sig, "signed_with")));
		snprintf(hg, sizeof hg, "X-Batch-Signature: %s", json_string_value(json_object_get(sig, "signature")));
		headers[3] = hw;
		headers[4] = hg;
	}
	long status = 0;
	char *reply = NULL;
	if (reg_http_post(h, h->url, (const char *const *)headers, body, len, (long)h->cfg->timeout_ms, false, &status, &reply, err, errlen) != 0)
		return -1;
	int rc = -1;
	if (status != 200) {
		snprintf(err, errlen, "监管端返回HTTP %ld", status);
	} else {
		json_t *j = reply ? json_loads(reply, 0, NULL) : NULL;
		json_t *r = json_object_get(j, "receipts");
		if (!json_is_array(r)) {
			snprintf(err, errlen, "监管端回执格式错误");
		} else {
			*receipts = json_incref(r);
			rc = 0;
		}
		json_decref(j);
	}
	free(reply);
	return rc;
}

/* ---- directory exchange ---- */

int reg_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[1200];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int ok = off == len && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int reg_dir_prepare(const char *dir)
{
	static const char *const sub[] = {"", "/outbox", "/inbox", "/inbox/processed"};
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		char p[1100];
		snprintf(p, sizeof p, "%s%s", dir, sub[i]);
		if (mkdir(p, 0750) != 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int reg_dir_write(const char *dir, const char *batch_id, const char *body, size_t len, int count,
		  const char *sha256, json_t *sig, char *err, size_t errlen)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/outbox/%s.jsonl", dir, batch_id);
	if (reg_dir_prepare(dir) != 0 || reg_write_atomic(path, body, len) != 0) {
		snprintf(err, errlen, "写入批次文件失败：%s", strerror(errno));
		return -1;
	}
	json_t *m = json_pack("{s:s, s:s, s:i, s:s, s:s}", "format", REGULATOR_FORMAT, "batch_id", batch_id, "count",
			      count, "sha256", sha256, "file", strrchr(path, '/') + 1);
	if (m && sig)
		json_object_update(m, sig);
	char *text = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	snprintf(path, sizeof path, "%s/outbox/%s.manifest.json", dir, batch_id);
	int rc = text ? reg_write_atomic(path, text, strlen(text)) : -1;
	free(text);
	if (rc != 0)
		snprintf(err, errlen, "写入批次清单失败：%s", strerror(errno));
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

json_t *reg_dir_receipts(const char *dir)
{
	char p[1100];
	snprintf(p, sizeof p, "%s/inbox", dir);
	json_t *out = json_array();
	DIR *dd = opendir(p);
	if (!dd)
		return out;
	struct dirent *e;
	while ((e = readdir(dd)) && json_array_size(out) < 100)
		if (ends_with(e->d_name, ".receipt.json"))
			json_array_append_new(out, json_string(e->d_name));
	closedir(dd);
	return out;
}

json_t *reg_dir_read_receipt(const char *dir, const char *name)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/inbox/%s", dir, name);
	return json_load_file(p, 0, NULL);
}

void reg_dir_done(const char *dir, const char *name)
{
	char from[1400], to[1500];
	snprintf(from, sizeof from, "%s/inbox/%s", dir, name);
	snprintf(to, sizeof to, "%s/inbox/processed/%s", dir, name);
	rename(from, to);
}
