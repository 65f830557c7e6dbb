/* Server-sent events (GET /api/v1/events): live updates of complaints and notifications.
 * A subscriber's connection is suspended while it has nothing to send and resumed when an event
 * for it arrives, so no thread waits per client. A heartbeat every 15 s keeps proxies open and
 * finds clients that went away (suspended connections never time out by themselves). Events
 * respect data scope: a subscriber receives a complaint event only when it may see that
 * complaint. */
#ifndef FCMS_EVENTS_H
#define FCMS_EVENTS_H
#include "http/request.h"

/* Starts the heartbeat thread. 0 on success. */
int events_start(void);
/* Ends every stream (their connections are resumed and finish) and stops the heartbeat.
 * Call before MHD_stop_daemon. */
void events_stop(void);
/* Handler for GET /api/v1/events: replies with the stream. */
int events_subscribe(struct request *r);
/* Publishes an event of `type` with data (borrowed) to every subscriber that may see an object
 * of institution path org_path owned by owner_id, and always to target_user (0 = none). */
void events_publish(const char *type, json_t *data, const char *org_path, int64_t owner_id,
		    int64_t target_user);
/* Delivers an event to this server's subscribers only (what events_publish does before it hands
 * the event to the relay). Used by the relay for events published by other instances. */
void events_deliver(const char *type, json_t *data, const char *org_path, int64_t owner_id,
		    int64_t target_user);
/* A function that carries every published event to the other instances (NULL: none). Set it
 * before the server starts and clear it after it stopped. */
typedef void (*events_relay_fn)(const char *type, json_t *data, const char *org_path, int64_t owner_id,
				int64_t target_user);
void events_set_relay(events_relay_fn fn);
/* Number of open streams (metrics). */
long events_subscribers(void);

#endif
