/* The regulator record format (docs/regulator.md, format "fcms-regulator/1"): which complaint
 * events the regulator must know, the record built from a complaint, the checks the regulator
 * applies to it (shared by fcms before sending and by the simulator), batch manifests, and the
 * retry backoff. Pure: no database, no network. */
#ifndef FCMS_REGULATOR_RECORD_H
#define FCMS_REGULATOR_RECORD_H
#include "domain/workflow.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGULATOR_FORMAT "fcms-regulator/1"

/* The event the regulator must hear of when action a took a complaint from status `before` to
 * `after` (registered, updated, replied, closed, withdrawn, deleted, reopened, sync), or NULL
 * when the change is internal to the bank (assignment, transfer, pause, a reply under review). */
const char *regulator_event_for(enum wf_action a, const char *before, const char *after);

/* Idempotency key of event seq of a complaint: "<complaint_no>:<seq>" into buf. */
void regulator_idem_key(const char *complaint_no, int64_t seq, char *buf, size_t n);

/* The record for event number seq of complaint rec (a store row: every column), reported by the
 * institution with the 14-character code fin_code, at time `at`. Caller owns the result. */
json_t *regulator_record(json_t *rec, const char *fin_code, const char *event, int64_t seq, int64_t at);

/* One reason a record is refused. */
struct regulator_problem {
	const char *code;    /* E1xx format, E2xx required field, E3xx code value */
	const char *field;
	const char *message; /* Chinese */
};
/* Checks a record as the regulator does: format version, required fields, code shapes.
 * Returns 0 when acceptable, else 1 with *p describing the first problem. */
int regulator_record_check(json_t *r, struct regulator_problem *p);

/* Batch manifest: the count of lines and the SHA-256 (hex) of the batch bytes (one compact JSON
 * record per line, each ending in '\n'). regulator_manifest_check returns 0 when body matches
 * count and sha256, else -1 with a Chinese reason in *why (static). */
void regulator_manifest(const char *body, size_t len, int *count, char sha256[65]);
int regulator_manifest_check(const char *body, size_t len, int count, const char *sha256, const char **why);

/* Delay before retry number `attempt` (1 = after the first failure): exponential from base_ms,
 * capped at max_ms, with "equal jitter" — half fixed, half random from rnd — so instances
 * that failed together do not retry together. */
int64_t regulator_backoff_ms(int attempt, int base_ms, int max_ms, uint32_t rnd);

/* Bank settings of the gateway (监管报送设置 and 数据同步异常提醒设置), one JSON document. */
struct regulator_settings {
	char schedule[16];       /* realtime | daily | manual */
	char daily_at[8];        /* HH:MM, bank time, for daily */
	int max_attempts;        /* then the submission is failed */
	int backoff_base_ms, backoff_max_ms;
	int batch_size;          /* records per request or batch file */
	int alert_failures;      /* N consecutive failed deliveries raise an alert; 0 = off */
	int alert_pending_hours; /* a submission pending longer raises an alert; 0 = off */
	bool alert_rejection;    /* any rejection raises an alert */
	bool alert_missed_run;   /* a daily run that did not happen raises an alert */
	char notify_roles[128];  /* role codes notified of alerts, space-separated */
};
void regulator_settings_defaults(struct regulator_settings *s);
/* Applies the members of json over *s. 0, or -1 with a Chinese message and the field. */
int regulator_settings_apply(struct regulator_settings *s, json_t *json, const char **msg, const char **field);
json_t *regulator_settings_json(const struct regulator_settings *s);

#endif
