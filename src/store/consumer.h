/* Queries of the consumer channel (migration sqlite 0026 / pg 0024): SMS codes and their rate
 * counts, the SMS outbox, consumer sessions, the submissions queue, and what consumers add
 * afterwards (补充材料, rating, files). SQL only: no rule, no reply. Every function returns a
 * negative db status on failure; "get" functions return 1 with *out (caller decrefs) or 0. */
#ifndef FCMS_STORE_CONSUMER_H
#define FCMS_STORE_CONSUMER_H
#include <jansson.h>
#include <stdint.h>

struct db;

/* Codes asked since `since_*`: for this phone, from this address, and by everyone; and the
 * time of this phone's latest code (0 when none). */
struct sms_counts {
	int64_t phone, ip, global, phone_last_at;
};
int store_sms_counts(struct db *d, const char *phone_bidx, const char *ip, int64_t since_hour,
		     int64_t since_minute, struct sms_counts *out);
/* DB_CONSTRAINT when the challenge was spent already. */
int store_sms_code_insert(struct db *d, const char *purpose, const char *phone_bidx, const char *subject,
			  const char *code_hash, const char *ip, const char *challenge, int64_t now,
			  int64_t expires_at);
/* The newest code for (purpose, phone, subject): {id, code_hash, expires_at, attempts, used_at}. */
int store_sms_code_latest(struct db *d, const char *purpose, const char *phone_bidx, const char *subject,
			  json_t **out);
int store_sms_code_attempt(struct db *d, int64_t id);
/* 1 when this call used it, 0 when it was used already. */
int store_sms_code_use(struct db *d, int64_t id, int64_t now);
/* Failed code entries (migration 0027 / pg 0025): one more from ip; how many since `since`. */
int store_consumer_failure_add(struct db *d, const char *ip, int64_t now);
int store_consumer_failures(struct db *d, const char *ip, int64_t since, int64_t *n);

int store_sms_outbox_insert(struct db *d, const char *key_id, const char *phone_sealed, const char *tmpl,
			    const char *params_sealed, int64_t now);
/* Up to limit unsent messages due at now: [{id, key_id, phone, template, params, attempts}]. */
int store_sms_outbox_due(struct db *d, int64_t now, int limit, json_t **items);
/* Marks sent and forgets phone and params. */
int store_sms_outbox_sent(struct db *d, int64_t id, int64_t now);
int store_sms_outbox_retry(struct db *d, int64_t id, int64_t next_at, const char *error);

int store_consumer_session_insert(struct db *d, const char *token_hash, const char *purpose,
				  const char *phone_bidx, const char *complaint_no, int64_t now, int64_t expires_at);
/* The live session: {purpose, phone_bidx, complaint_no, uploads, expires_at}. */
int store_consumer_session_get(struct db *d, const char *token_hash, int64_t now, json_t **out);
int store_consumer_session_set_no(struct db *d, const char *token_hash, const char *complaint_no);
/* Counts one upload when fewer than max were made: 1, or 0 at the limit. */
int store_consumer_session_upload(struct db *d, const char *token_hash, int max);
int store_consumer_session_end(struct db *d, const char *token_hash);
/* Forgets sessions that expired, codes asked and failures recorded before `before`. */
int store_consumer_expire(struct db *d, int64_t before);

/* sub: {complaint_no, received_at, phone_bidx, complained_org_id, org_path, business_type_code,
 * key_id, identity, masked, content, demand, ip}. */
int store_submission_insert(struct db *d, json_t *sub, int64_t *id);
int store_submission_get(struct db *d, int64_t id, json_t **out);
int store_submission_by_no(struct db *d, const char *complaint_no, json_t **out);
/* Pending submissions whose institution's path is LIKE path_like ("%" = all), oldest first. */
int store_submission_pending(struct db *d, const char *path_like, int64_t limit, json_t **items);
/* 1 when it was pending and now is confirmed, 0 when it was not pending. */
int store_submission_confirm(struct db *d, int64_t id, int64_t complaint_id, int64_t user_id, int64_t now);

int store_consumer_message_insert(struct db *d, const char *complaint_no, const char *kind, const char *content,
				  const char *satisfaction, int64_t now);
int store_consumer_messages(struct db *d, const char *complaint_no, json_t **items);
int store_consumer_file_insert(struct db *d, const char *complaint_no, const char *name, const char *mime,
			       int64_t size, const char *sha256, const char *storage_name, int64_t now, int64_t *id);
int store_consumer_files(struct db *d, const char *complaint_no, json_t **items);
int store_consumer_file_get(struct db *d, int64_t id, json_t **out);
/* The complaint (not a draft) with this number whose complainant has this phone: 1 with *id, 0. */
int store_consumer_complaint_id(struct db *d, const char *complaint_no, const char *phone_bidx, int64_t *id);
/* 1 when a complaint or a waiting submission has this number and this phone, else 0. */
int store_consumer_owns(struct db *d, const char *complaint_no, const char *phone_bidx);
/* The active institutions a consumer may name: [{id, name}]. */
int store_consumer_institutions(struct db *d, json_t **items);

#endif
