/* Connections: the request-head deadline and shedding near max_connections (connections.c). */
#ifndef FCMS_CONNECTIONS_H
#define FCMS_CONNECTIONS_H
#include <microhttpd.h>
#include <stdbool.h>

/* MHD_OPTION_NOTIFY_CONNECTION callback: tracks a connection from start to close. */
void connections_notify(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			enum MHD_ConnectionNotificationCode code);
/* The connection has a complete request head (waiting = false) or waits for the next one
 * (keep-alive: the next head has the same deadline). */
void connections_waiting(struct MHD_Connection *conn, bool waiting);
/* Starts the sweeper: a head not complete within header_timeout seconds is cut, and from 7/8 of
 * max_conns the connections waiting longest for a head are cut down to 3/4. 0, or -1. */
int connections_start(int header_timeout, int max_conns);
/* Stops the sweeper (before MHD_stop_daemon). Safe when it never started. */
void connections_stop(void);

#endif
