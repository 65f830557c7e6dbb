/* See http_fetch.h. The write callback enforces the ceiling itself: CURLOPT_MAXFILESIZE only
 * stops a reply that declares its length, and a chunked one declares none. */
#include "util/http_fetch.h"
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

struct sink {
	CURL *curl;
	int fd;
	int64_t max, got;
	bool too_large, write_failed;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	long code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if ((int64_t)n > s->max - s->got) {
		s->too_large = true;
		return 0; /* aborts the transfer */
	}
	s->got += (int64_t)n;
	if (code < 200 || code > 299)
		return n; /* an error or redirect page: counted, not kept */
	for (size_t off = 0; off < n;) {
		ssize_t w = write(s->fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->write_failed = true;
			return 0;
		}
		off += (size_t)w;
	}
	return n;
}

static void init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_fetch_to_fd(const char *url, int fd, int64_t max_bytes, long timeout_ms, long *status, int64_t *bytes,
		     char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
	*status = 0;
	*bytes = 0;
	err[0] = 0;
	CURL *c = curl_easy_init();
	if (!c)
		return snprintf(err, errlen, "无法创建HTTP客户端"), HTTP_FETCH_FAILED;
	struct sink s = {.curl = c, .fd = fd, .max = max_bytes};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect could leave the allow-list */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "fcms-recording-fetch");
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	*bytes = s.got;
	if (cc == CURLE_OK)
		return HTTP_FETCH_OK;
	if (s.too_large || cc == CURLE_FILESIZE_EXCEEDED)
		return snprintf(err, errlen, "文件超过大小上限"), HTTP_FETCH_TOO_LARGE;
	if (s.write_failed)
		return snprintf(err, errlen, "文件写入失败"), HTTP_FETCH_WRITE;
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return snprintf(err, errlen, "超时（%s）", curl_easy_strerror(cc)), HTTP_FETCH_TIMEOUT;
	const char *why = cc == CURLE_COULDNT_CONNECT ? "无法连接" : cc == CURLE_COULDNT_RESOLVE_HOST ? "无法解析主机名"
							 : "传输失败";
	snprintf(err, errlen, "%s（%s）", why, curl_easy_strerror(cc));
	return HTTP_FETCH_FAILED;
}
