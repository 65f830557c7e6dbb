/* stderr logging and clocks. */
#include "util/log.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_set_level(enum log_level level)
{
	min_level = level;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void format_iso_ms(int64_t ms, char *buf, int bufsize)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, (size_t)bufsize, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

#define LOG_BUFFER (64 * 1024)
static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t buf_cond = PTHREAD_COND_INITIALIZER;
static char buf[LOG_BUFFER];
static size_t buf_len;
static bool buffering, buf_stop;
static pthread_t flusher;

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Caller holds buf_lock. */
static void flush_locked(void)
{
	write_all(buf, buf_len);
	buf_len = 0;
}

static void *flusher_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&buf_lock);
	while (!buf_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&buf_cond, &buf_lock, &until);
		flush_locked();
	}
	flush_locked();
	pthread_mutex_unlock(&buf_lock);
	return NULL;
}

int log_buffering_start(void)
{
	buf_stop = false;
	if (pthread_create(&flusher, NULL, flusher_main, NULL) != 0)
		return -1;
	buffering = true;
	return 0;
}

void log_buffering_stop(void)
{
	if (!buffering)
		return;
	pthread_mutex_lock(&buf_lock);
	buf_stop = true;
	pthread_cond_signal(&buf_cond);
	pthread_mutex_unlock(&buf_lock);
	pthread_join(flusher, NULL);
	buffering = false;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < min_level)
		return;
	char line[2048];
	char ts[32];
	format_iso_ms(now_ms(), ts, sizeof ts);
	int n = snprintf(line, sizeof line, "%s %s ", ts, names[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	if (!buffering) {
		write_all(line, len);
		return;
	}
	pthread_mutex_lock(&buf_lock);
	if (level >= LOG_WARN || buf_len + len > sizeof buf)
		flush_locked();
	if (level >= LOG_WARN) {
		write_all(line, len);
	} else {
		memcpy(buf + buf_len, line, len);
		buf_len += len;
	}
	pthread_mutex_unlock(&buf_lock);
}
