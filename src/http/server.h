/* The HTTP server on libmicrohttpd: an epoll thread pool, request lifecycle (arena, capped body,
 * JSON parsing), routing with authentication, CSRF, permission checks, security headers, static
 * files, request logging and metrics. */
#ifndef FCMS_SERVER_H
#define FCMS_SERVER_H
#include "config.h"
#include "http/router.h"

struct app {
	struct config cfg;
	const struct route *routes;
	size_t nroutes;
	int web_fd; /* directory fd of the web root; -1 when there is no UI build */
	int h5_fd;  /* the public consumer site's build (served under /h5/); -1 when absent */
	struct MHD_Daemon *daemon;
};

/* Starts listening on cfg.listen. Returns 0, or -1 after logging why. */
int server_start(struct app *app);
/* Stops accepting, finishes in-flight requests and stops the daemon. */
void server_stop(struct app *app);

/* Default body cap for JSON routes. */
#define JSON_BODY_CAP (64 * 1024)

#endif
