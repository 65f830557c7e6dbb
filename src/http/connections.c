/* Connections: the absolute deadline of a request head, and shedding under pressure (see the
 * header of server.c for why). Every connection is tracked from MHD's connect notification to its
 * close; a sweeper thread cuts the ones that wait too long for a request head, and near
 * max_connections the ones that have waited longest. */
#include "http/connections.h"
#include "http/metrics.h"
#include "util/log.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct tracked {
	struct tracked *prev, *next; /* oldest first */
	int fd;
	uint64_t waiting_since_ns;   /* when it began waiting for a request head; 0 = not waiting */
	bool cut;
};

static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t track_wake = PTHREAD_COND_INITIALIZER;
static struct tracked track_head = {&track_head, &track_head, -1, 0, false};
static long tracked_count;
static bool sweeper_stop;
static pthread_t sweeper;
static bool sweeper_running;

static struct tracked *tracked_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* The connection has a complete request head (busy = true) or waits for the next one. */
void connections_waiting(struct MHD_Connection *conn, bool waiting)
{
	struct tracked *t = tracked_of(conn);
	if (!t)
		return;
	pthread_mutex_lock(&track_lock);
	t->waiting_since_ns = waiting ? mono_ns() : 0;
	pthread_mutex_unlock(&track_lock);
}

/* Cuts a connection; caller holds track_lock, under which MHD cannot have closed the socket
 * (the close notification takes the lock first), so fd is still this connection's. MHD then
 * reads end-of-stream and closes it on its own thread. */
static void cut(struct tracked *t)
{
	t->cut = true;
	shutdown(t->fd, SHUT_RDWR);
	metrics_head_cut();
}

/* True when the socket holds a whole request head that this server has not read yet: the client
 * sent its request in time and waits for a busy server thread, so it is no slow client and is
 * never cut for its head's deadline. Peeks (MSG_PEEK), never consumes; sweeper thread only. */
static bool head_waits_unread(int fd)
{
	static char peek[16 * 1024];
	ssize_t n = recv(fd, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
	return n >= 4 && memmem(peek, (size_t)n, "\r\n\r\n", 4) != NULL;
}

static int header_timeout_s, max_connections;

static void *sweeper_main(void *arg)
{
	const uint64_t deadline = (uint64_t)header_timeout_s * 1000000000ull;
	const uint64_t grace = 500000000ull; /* a head being sent right now is left alone */
	/* Shed from 7/8 of the limit down to 3/4, leaving room for the clients behind them. */
	const long high = (long)max_connections * 7 / 8, low = (long)max_connections * 3 / 4;
	pthread_mutex_lock(&track_lock);
	while (!sweeper_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&track_wake, &track_lock, &until);
		if (sweeper_stop)
			break;
		uint64_t now = mono_ns();
		long open = 0;
		for (struct tracked *t = track_head.next; t != &track_head; t = t->next) {
			if (t->cut)
				continue;
			if (t->waiting_since_ns && now - t->waiting_since_ns > deadline && !head_waits_unread(t->fd))
				cut(t);
			else
				open++;
		}
		if (open < high)
			continue;
		for (struct tracked *t = track_head.next; t != &track_head && open > low; t = t->next)
			if (!t->cut && t->waiting_since_ns && now - t->waiting_since_ns > grace && !head_waits_unread(t->fd)) {
				cut(t);
				open--;
			}
	}
	pthread_mutex_unlock(&track_lock);
	return NULL;
}

void connections_notify(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	metrics_connection(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct tracked *t = ci ? calloc(1, sizeof *t) : NULL;
		*socket_ctx = t;
		if (!t)
			return; /* untracked: only MHD's own timeout applies */
		t->fd = ci->connect_fd;
		t->waiting_since_ns = mono_ns();
		pthread_mutex_lock(&track_lock);
		t->prev = track_head.prev;
		t->next = &track_head;
		track_head.prev->next = t;
		track_head.prev = t;
		tracked_count++;
		pthread_mutex_unlock(&track_lock);
		return;
	}
	struct tracked *t = *socket_ctx;
	if (!t)
		return;
	pthread_mutex_lock(&track_lock);
	t->prev->next = t->next;
	t->next->prev = t->prev;
	tracked_count--;
	pthread_mutex_unlock(&track_lock);
	free(t);
	*socket_ctx = NULL;
}

int connections_start(int header_timeout, int max_conns)
{
	header_timeout_s = header_timeout;
	max_connections = max_conns;
	sweeper_stop = false;
	if (pthread_create(&sweeper, NULL, sweeper_main, NULL) != 0)
		return -1;
	sweeper_running = true;
	return 0;
}

void connections_stop(void)
{
	if (!sweeper_running)
		return;
	pthread_mutex_lock(&track_lock);
	sweeper_stop = true;
	pthread_cond_signal(&track_wake);
	pthread_mutex_unlock(&track_lock);
	pthread_join(sweeper, NULL);
	sweeper_running = false;
}
