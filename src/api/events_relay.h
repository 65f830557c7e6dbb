/* Live events shared between fcms instances on one PostgreSQL database (LISTEN/NOTIFY). */
#ifndef FCMS_EVENTS_RELAY_H
#define FCMS_EVENTS_RELAY_H

/* With a PostgreSQL db_url: starts relaying this server's events to the other instances and
 * theirs to this server's subscribers. With SQLite it does nothing. 0, or -1. */
int events_relay_start(const char *db_url);
/* Stops the relay (after the HTTP server stopped). Safe when it never started. */
void events_relay_stop(void);

#endif
