/* 监管报送: the regulator gateway. The outbox (a submission queued inside the transaction of the
 * complaint change that causes it), the delivery worker that runs inside `fcms serve`, the
 * transports (http(s):// with libcurl, dir:/path batch files), sync alerts, and the simulator
 * `fcms regulator-sim`. The record format is record.h; docs/regulator.md is the specification. */
#ifndef FCMS_REGULATOR_GATEWAY_H
#define FCMS_REGULATOR_GATEWAY_H
#include "regulator/record.h"
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* ---- outbox (runs inside the caller's write transaction) ---- */
/* Queues event for complaint rec (a store row with id and complaint_no, as just saved): builds
 * the record, takes the next sequence number, inserts the submission. A manual sync (`now` run)
 * is released at once whatever the schedule. Returns DB_OK or a negative db status. */
int regulator_enqueue(struct db *d, json_t *rec, const char *event, bool now_run, int64_t now);

/* The settings in force (defaults overlaid with what is stored). 0 or a negative db status. */
int regulator_settings_get(struct db *d, struct regulator_settings *s);
int regulator_settings_save(struct db *d, const struct regulator_settings *s);

/* Gateway state shared by instances (stored in the settings table). */
struct regulator_state {
	int64_t consecutive_failures; /* failed deliveries since the last success */
	int64_t last_success_at, last_attempt_at, last_run_at;
	int64_t last_scheduled_run;   /* the daily run time last carried out */
	char last_error[200];
};
int regulator_state_get(struct db *d, struct regulator_state *st);
int regulator_state_save(struct db *d, const struct regulator_state *st);

/* Raises (or keeps) an open alert of kind/scope_key: audited as regulator.alert.raise by the
 * system and notified to the users of the configured roles. Clear closes it (audited
 * regulator.alert.clear). Both run inside a write transaction; they return 1 when the alert
 * changed (raised / cleared), 0 when it already was so, or a negative db status. */
int regulator_alert_raise(struct db *d, const struct regulator_settings *s, const char *kind, const char *scope_key,
			  const char *message, int64_t now);
int regulator_alert_clear(struct db *d, const char *kind, const char *scope_key, int64_t now);

/* ---- transports ---- */
enum regulator_transport_kind { REG_NONE, REG_HTTP, REG_DIR };
struct regulator_config {
	char target[512];      /* http(s)://... or dir:/path; empty = no transport */
	char ca_file[256], cert_file[256], key_file[256];
	int timeout_ms;        /* per HTTP request */
	int lease_s;           /* how long a claimed submission stays with this instance */
	int receipt_timeout_s; /* dir: a batch without a receipt this long is sent again */
	int poll_ms;           /* worker idle poll */
};
enum regulator_transport_kind regulator_transport_kind(const char *target);

/* ---- the delivery worker (a thread of fcms serve) ---- */
/* Called after commits that changed what the UI shows (type "status" or "alert", borrowed data). */
typedef void (*regulator_event_fn)(const char *type, json_t *data);
/* Starts the worker. 0 on success (also when no transport is configured: it then only watches
 * alerts). */
int regulator_worker_start(const struct regulator_config *cfg, regulator_event_fn on_event);
/* Wakes the worker now (after a commit that queued something). Safe when not started. */
void regulator_worker_kick(void);
/* Stops it: the batch in flight finishes (or its lease expires if it cannot). */
void regulator_worker_stop(void);
/* The configured target for display ("" when none), and this instance's lease owner id. */
const char *regulator_worker_target(void);

/* ---- the simulator (fcms regulator-sim) ---- */
/* Runs the simulator until a signal of *stop (blocked by the caller) arrives. Exit status. */
int regulator_sim_main(int argc, char **argv, const sigset_t *stop);
/* "IPv4:PORT" into *a for a simulator's listener (also fcms sms-sim). 0 or -1. */
struct sockaddr_in;
int sim_parse_listen(const char *s, struct sockaddr_in *a);

#endif
