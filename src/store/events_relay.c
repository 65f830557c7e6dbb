/* Live events across instances (PostgreSQL): every event a server publishes is also sent with
 * NOTIFY on the channel fcms_events, and a listener thread hands the events other instances
 * sent to the deliver function (main wires it to http/events.c), so a browser connected to one
 * instance sees the changes made through another. The payload carries the sending instance's
 * random id so a server does not deliver its own events twice. Events larger than PostgreSQL's
 * payload limit stay local. */
#include "store/events_relay.h"
#include "store/db.h"
#include <stdio.h>
#include "util/crypto.h"
#include "util/log.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHANNEL "fcms_events"
#define MAX_PAYLOAD 7900 /* PostgreSQL refuses NOTIFY payloads of 8000 bytes or more */

static struct {
	char url[1100];
	char origin[33];
	pthread_t listener;
	bool running;      /* main thread only */
	atomic_bool stop;  /* set by events_relay_stop, read by the listener */
	pthread_mutex_t send_mu; /* the sending connection is shared by the request threads */
	struct db *send;
	store_relay_fn deliver;
} R = {.send_mu = PTHREAD_MUTEX_INITIALIZER};

void store_events_relay_publish(const char *type, json_t *data, const char *org_path, int64_t owner_id, int64_t target_user)
{
	json_t *msg = json_pack("{s:s, s:s, s:O, s:s?, s:I, s:I}", "o", R.origin, "t", type, "d", data, "p", org_path,
				"w", (json_int_t)owner_id, "u", (json_int_t)target_user);
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (!text || strlen(text) > MAX_PAYLOAD) {
		free(text);
		return;
	}
	pthread_mutex_lock(&R.send_mu);
	if (!R.send)
		R.send = db_open(R.url);
	if (R.send && DBX(R.send, "SELECT pg_notify('" CHANNEL "', ?)", DB_TEXT(text)) < 0) {
		db_close(R.send); /* reopened for the next event */
		R.send = NULL;
	}
	pthread_mutex_unlock(&R.send_mu);
	free(text);
}

/* Delivers one notification from another instance. */
static void deliver_payload(const char *payload)
{
	json_t *msg = json_loads(payload, 0, NULL);
	const char *origin = json_string_value(json_object_get(msg, "o"));
	const char *type = json_string_value(json_object_get(msg, "t"));
	if (origin && type && strcmp(origin, R.origin) != 0)
		R.deliver(type, json_object_get(msg, "d"), json_string_value(json_object_get(msg, "p")),
			       json_integer_value(json_object_get(msg, "w")), json_integer_value(json_object_get(msg, "u")));
	json_decref(msg);
}

static void *listener_main(void *arg)
{
	(void)arg;
	char *buf = malloc(8192);
	struct db *d = NULL;
	if (!buf) {
		log_error("live events: out of memory; not listening");
		return NULL;
	}
	while (!atomic_load(&R.stop)) {
		if (!d) {
			d = db_open(R.url);
			if (!d || db_exec_script(d, "LISTEN " CHANNEL) != DB_OK) {
				log_warn("live events: cannot listen on %s; retrying", CHANNEL);
				db_close(d);
				d = NULL;
				sleep(1);
				continue;
			}
		}
		int rc = db_wait_notification(d, 500, buf, 8192);
		if (rc == 1)
			deliver_payload(buf);
		else if (rc < 0) {
			log_warn("live events: lost the notification connection; reconnecting");
			db_close(d);
			d = NULL;
		}
	}
	db_close(d);
	free(buf);
	return NULL;
}

int store_events_relay_start(const char *db_url, store_relay_fn deliver)
{
	if (strncmp(db_url, "postgres", 8) != 0)
		return 0; /* one SQLite server: nothing to relay */
	R.deliver = deliver;
	snprintf(R.url, sizeof R.url, "%s", db_url);
	crypto_random_token(R.origin, 16);
	atomic_store(&R.stop, false);
	if (pthread_create(&R.listener, NULL, listener_main, NULL) != 0)
		return -1;
	R.running = true;
	return 1;
}

void store_events_relay_stop(void)
{
	if (!R.running)
		return;
	atomic_store(&R.stop, true);
	pthread_join(R.listener, NULL);
	R.running = false;
	pthread_mutex_lock(&R.send_mu);
	db_close(R.send);
	R.send = NULL;
	pthread_mutex_unlock(&R.send_mu);
}
