/* Server-sent events broker (see events.h). One mutex guards the subscriber list and every
 * subscriber's buffer; MHD calls the reader on the connection's thread, publishers and the
 * heartbeat run on others. */
#include "http/events.h"
#include "util/crypto.h"
#include "util/log.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_BUFFER (256 * 1024) /* a subscriber this far behind is cut off */
#define HEARTBEAT_S 15

struct subscriber {
	struct subscriber *next;     /* newest first */
	uint64_t serial;             /* increasing; names the subscriber while the lock is let go */
	struct MHD_Connection *conn;
	struct principal *who;       /* audience->who_size bytes, owned */
	int64_t user_id;
	bool via_token;
	char cred[65];               /* SHA-256 of the session id or API token it was opened with */
	char *buf;
	size_t len, cap;
	bool suspended;
	bool closing;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct subscriber *subs;
static long nsubs;
static uint64_t next_serial;
static bool stopping, started;
static pthread_t heartbeat;
static const struct events_audience *audience;
static int check_every_s = 5;

void events_set_audience(const struct events_audience *a)
{
	audience = a;
}

/* Appends text; caller holds the lock. False when the subscriber is too far behind. */
static bool append(struct subscriber *s, const char *text, size_t n)
{
	if (s->len + n > MAX_BUFFER)
		return false;
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap < s->len + n)
			cap *= 2;
		char *nb = realloc(s->buf, cap);
		if (!nb)
			return false;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	return true;
}

/* Makes the subscriber's connection run again; caller holds the lock. */
static void wake_up(struct subscriber *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct subscriber *s = cls;
	pthread_mutex_lock(&lock);
	if (s->closing && s->len == 0) {
		pthread_mutex_unlock(&lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (s->len == 0) {
		/* Nothing to send: park the connection until a publisher resumes it. */
		s->suspended = true;
		MHD_suspend_connection(s->conn);
		pthread_mutex_unlock(&lock);
		return 0;
	}
	size_t n = s->len < max ? s->len : max;
	memcpy(out, s->buf, n);
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	pthread_mutex_unlock(&lock);
	return (ssize_t)n;
}

static void release(void *cls)
{
	struct subscriber *s = cls;
	pthread_mutex_lock(&lock);
	for (struct subscriber **p = &subs; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			nsubs--;
			break;
		}
	pthread_mutex_unlock(&lock);
	free(s->buf);
	free(s->who);
	free(s);
}

int events_subscribe(struct request *r)
{
	char cred[65] = "";
	if (!audience || !r->user)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	if (r->caller.via_token) {
		const char *authz = req_header(r, "Authorization");
		if (authz && strncasecmp(authz, "Bearer ", 7) == 0)
			crypto_sha256_hex(authz + 7, strlen(authz + 7), cred);
	} else {
		snprintf(cred, sizeof cred, "%s", r->caller.session_hash ? r->caller.session_hash : "");
	}
	/* A stream holds a connection for good: one session (or a few) must not take them all. */
	int same_cred = 0, same_user = 0;
	pthread_mutex_lock(&lock);
	for (struct subscriber *o = subs; o; o = o->next) {
		if (o->closing)
			continue;
		same_cred += cred[0] && strcmp(o->cred, cred) == 0;
		same_user += o->user_id == r->caller.user_id;
	}
	pthread_mutex_unlock(&lock);
	if (same_cred >= EVENTS_PER_SESSION || same_user >= EVENTS_PER_USER) {
		char msg[160];
		snprintf(msg, sizeof msg, "实时更新连接过多（每个会话最多%d个，每个用户最多%d个），请关闭多余的页面",
			 EVENTS_PER_SESSION, EVENTS_PER_USER);
		reply_error(r, 429, "too_many_streams", msg, NULL);
		reply_header(r, "Retry-After", "15");
		return 0;
	}
	struct subscriber *s = calloc(1, sizeof *s);
	if (s && !(s->who = malloc(audience->who_size))) {
		free(s);
		s = NULL;
	}
	if (!s)
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	s->conn = r->conn;
	memcpy(s->who, r->user, audience->who_size);
	s->user_id = r->caller.user_id;
	s->via_token = r->caller.via_token;
	memcpy(s->cred, cred, sizeof s->cred);
	static const char hello[] = "retry: 5000\n: connected\n\n";
	append(s, hello, sizeof hello - 1);
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, release);
	if (!resp) {
		free(s->buf);
		free(s->who);
		free(s);
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	pthread_mutex_lock(&lock);
	if (stopping)
		s->closing = true;
	s->serial = ++next_serial;
	s->next = subs;
	subs = s;
	nsubs++;
	pthread_mutex_unlock(&lock);
	return reply_response(r, 200, resp);
}

/* Set by the relay's thread of control while request threads publish: an atomic pointer. */
static _Atomic(events_relay_fn) relay;

void events_set_relay(events_relay_fn fn)
{
	atomic_store_explicit(&relay, fn, memory_order_release);
}

void events_publish(const char *type, json_t *data, const char *org_path, int64_t owner_id, int64_t target_user)
{
	events_deliver(type, data, org_path, owner_id, target_user);
	events_relay_fn fn = atomic_load_explicit(&relay, memory_order_acquire);
	if (fn)
		fn(type, data, org_path, owner_id, target_user);
}

void events_deliver(const char *type, json_t *data, const char *org_path, int64_t owner_id, int64_t target_user)
{
	char *json = json_dumps(data, JSON_COMPACT);
	if (!json)
		return;
	size_t n = strlen(type) + strlen(json) + 32;
	char *frame = malloc(n);
	if (!frame) {
		free(json);
		return;
	}
	int len = snprintf(frame, n, "event: %s\ndata: %s\n\n", type, json);
	free(json);
	pthread_mutex_lock(&lock);
	for (struct subscriber *s = subs; s; s = s->next) {
		bool for_them = (target_user && s->user_id == target_user) ||
				(org_path && audience && audience->sees(s->who, org_path, owner_id)) ||
				(owner_id && s->user_id == owner_id);
		if (!for_them || s->closing)
			continue;
		if (!append(s, frame, (size_t)len))
			s->closing = true; /* too slow: end the stream; the browser reconnects */
		wake_up(s);
	}
	pthread_mutex_unlock(&lock);
	free(frame);
}

/* What the check needs of one stream, copied out so the lock is not held over the database. */
struct pending_check {
	uint64_t serial;
	char cred[65];
	bool via_token;
	int verdict;
	struct principal *fresh;     /* audience->who_size bytes inside one block for all */
};

/* Re-checks every stream's credentials; called with the lock held, returns with it held. */
static void recheck_streams(void)
{
	size_t n = 0;
	for (struct subscriber *s = subs; s; s = s->next)
		n++;
	if (!n || !audience)
		return;
	struct pending_check *pc = calloc(n, sizeof *pc);
	char *fresh = calloc(n, audience->who_size);
	if (!pc || !fresh) {
		free(pc);
		free(fresh);
		return;
	}
	size_t k = 0;
	for (struct subscriber *s = subs; s && k < n; s = s->next) {
		if (s->closing)
			continue;
		pc[k].serial = s->serial;
		memcpy(pc[k].cred, s->cred, sizeof pc[k].cred);
		pc[k].via_token = s->via_token;
		pc[k].fresh = (struct principal *)(fresh + k * audience->who_size);
		k++;
	}
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < k; i++)
		pc[i].verdict = pc[i].cred[0] ? audience->check(pc[i].cred, pc[i].via_token, pc[i].fresh) : 0;
	pthread_mutex_lock(&lock);
	/* Both the list and pc are in descending serial order (new streams go to the front, and
	 * streams gone meanwhile are simply missing), so one pass pairs them up. */
	size_t i = 0;
	for (struct subscriber *s = subs; s && i < k; s = s->next) {
		while (i < k && pc[i].serial > s->serial)
			i++;
		if (i == k || pc[i].serial != s->serial)
			continue;
		if (pc[i].verdict == 0) {
			s->closing = true;
			wake_up(s);
		} else if (pc[i].verdict == 1) {
			memcpy(s->who, pc[i].fresh, audience->who_size);
		}
	}
	free(pc);
	free(fresh);
}

static void *heartbeat_main(void *arg)
{
	(void)arg;
	struct timespec next_beat, next_check;
	clock_gettime(CLOCK_REALTIME, &next_beat);
	next_check = next_beat;
	next_beat.tv_sec += HEARTBEAT_S;
	next_check.tv_sec += check_every_s;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		bool beat_first = next_beat.tv_sec <= next_check.tv_sec;
		pthread_cond_timedwait(&wake, &lock, beat_first ? &next_beat : &next_check);
		if (stopping)
			break;
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec >= next_check.tv_sec) {
			next_check.tv_sec = now.tv_sec + check_every_s;
			recheck_streams();
			if (stopping)
				break;
		}
		if (now.tv_sec < next_beat.tv_sec)
			continue;
		next_beat.tv_sec = now.tv_sec + HEARTBEAT_S;
		static const char hb[] = ": hb\n\n";
		for (struct subscriber *s = subs; s; s = s->next) {
			if (!append(s, hb, sizeof hb - 1))
				s->closing = true;
			wake_up(s);
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int events_start(int check_s)
{
	stopping = false;
	check_every_s = check_s > 0 ? check_s : 5;
	if (pthread_create(&heartbeat, NULL, heartbeat_main, NULL) != 0)
		return -1;
	started = true;
	return 0;
}

void events_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	for (struct subscriber *s = subs; s; s = s->next) {
		s->closing = true;
		wake_up(s);
	}
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	if (started)
		pthread_join(heartbeat, NULL);
	started = false;
}

long events_subscribers(void)
{
	pthread_mutex_lock(&lock);
	long n = nsubs;
	pthread_mutex_unlock(&lock);
	return n;
}
