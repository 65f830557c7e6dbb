/* Server-sent events (GET /api/v1/events): live updates of complaints and notifications.
 * A subscriber's connection is suspended while it has nothing to send and resumed when an event
 * for it arrives, so no thread waits per client. A heartbeat every 15 s keeps proxies open and
 * finds clients that went away (suspended connections never time out by themselves). Events
 * respect data scope: a subscriber receives a complaint event only when it may see that
 * complaint. A stream lives no longer than the session it was opened with: the heartbeat thread
 * re-checks every stream's session (or token) every few seconds, closes those whose session
 * ended (logout, password change, account disabled or locked, expiry) and refreshes the
 * principal of the others (a role change narrows what they receive). */
#ifndef FCMS_EVENTS_H
#define FCMS_EVENTS_H
#include "http/request.h"

/* What the broker asks of the layer that knows users (api/stream_check.c gives it): a
 * subscriber's user record is opaque here (who_size bytes, copied from r->user). */
struct events_audience {
	size_t who_size;
	/* Re-checks the credentials a stream was opened with: the SHA-256 (hex) of its session id,
	 * or of its API token when via_token. Fills *fresh (who_size bytes) with the user as it is
	 * now and returns 1; 0 when the session or token no longer admits anyone (logged out,
	 * expired, password changed, account disabled or locked): the stream is then closed;
	 * negative on a database failure (the stream is kept until the next check). Called on the
	 * heartbeat thread, without any lock. */
	int (*check)(const char *cred_hash, bool via_token, struct principal *fresh);
	/* True when who may see an object of institution path org_path owned by owner_id (0 =
	 * none). Called under the broker's lock: no I/O. */
	bool (*sees)(const struct principal *who, const char *org_path, int64_t owner_id);
};
/* Sets the audience (before events_start; it must outlive the server). Without one, streams
 * are refused (500). */
void events_set_audience(const struct events_audience *a);
/* Most streams one session (or API token) may hold open, and one user over all sessions; one
 * more is refused with 429. */
#define EVENTS_PER_SESSION 5
#define EVENTS_PER_USER 10
/* Starts the heartbeat thread: a comment line to every stream every 15 s, and every check_s
 * seconds the credential check of every stream. 0 on success. */
int events_start(int check_s);
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
