/* Live events shared between fcms instances on one PostgreSQL database (LISTEN/NOTIFY). The
 * store carries them; main wires them to the server's event broker (http/events.h). */
#ifndef FCMS_STORE_EVENTS_RELAY_H
#define FCMS_STORE_EVENTS_RELAY_H
#include <jansson.h>
#include <stdint.h>

/* Receives an event another instance published (data borrowed for the call). Runs on the
 * relay's listener thread. */
typedef void (*store_relay_fn)(const char *type, json_t *data, const char *org_path, int64_t owner_id,
			       int64_t target_user);
/* With a PostgreSQL db_url: starts listening and returns 1; the events of other instances go to
 * deliver, and store_events_relay_publish sends this one's. With SQLite it does nothing and
 * returns 0 (one server: nothing to relay). -1 when the listener cannot start. */
int store_events_relay_start(const char *db_url, store_relay_fn deliver);
/* Sends one event to the other instances (NOTIFY; dropped when over PostgreSQL's payload
 * limit or when the database cannot take it). Any thread; data borrowed. */
void store_events_relay_publish(const char *type, json_t *data, const char *org_path, int64_t owner_id,
				int64_t target_user);
/* Stops listening and closes the connections (after the HTTP server stopped and the publisher
 * was unhooked). Safe when it never started. */
void store_events_relay_stop(void);

#endif
