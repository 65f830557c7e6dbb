/* The HTTP server on libmicrohttpd: an epoll thread pool, request lifecycle (arena, capped body,
 * JSON parsing), routing with authentication, CSRF, permission checks, security headers, static
 * files, request logging and metrics. */
#ifndef FCMS_SERVER_H
#define FCMS_SERVER_H
#include "config.h"
#include "http/router.h"

struct db;
struct events_audience;

/* What the server asks of the layers above it, knowing nothing of users or SQL (main takes them
 * from api: api_http_hooks). */
struct http_hooks {
	/* Reads the request's credentials (session cookie or Bearer token): sets r->user (opaque)
	 * and r->caller, or leaves both empty for an anonymous caller, and returns 0; or replies
	 * (401, 503, ...) and returns -1. Runs on the request's thread with r->db set. */
	int (*authenticate)(struct request *r);
	/* The calling thread's database connection; NULL when the store is unavailable. */
	struct db *(*db_conn)(void);
	/* Optional: a read snapshot on a connection that several reads then share, and its end
	 * (store/db.h db_snapshot_begin: 0 when taken). The read workers use them. */
	int (*snapshot_begin)(struct db *d);
	void (*snapshot_end)(struct db *d);
	/* Who receives which live event (http/events.h). */
	const struct events_audience *events;
};

struct app {
	struct config cfg;
	const struct route *routes;
	size_t nroutes;
	int web_fd; /* directory fd of the web root; -1 when there is no UI build */
	int h5_fd;  /* the public consumer site's build (served under /h5/); -1 when absent */
	const struct http_hooks *hooks; /* required */
	struct MHD_Daemon *daemon;
};

/* Starts listening on cfg.listen (app->hooks set). Returns 0, or -1 after logging why. */
int server_start(struct app *app);
/* Stops accepting, finishes in-flight requests and stops the daemon. */
void server_stop(struct app *app);

/* Default body cap for JSON routes. */
#define JSON_BODY_CAP (64 * 1024)

#endif
