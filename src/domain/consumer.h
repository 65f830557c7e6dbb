/* The consumer channel's rules (issue 16): phone numbers, one-time codes (6 digits, keyed hash,
 * lifetime, attempts), rate limits, the proof-of-work challenge, the business types in plain
 * words, and the consumer's view of a complaint (status in plain words, milestones, due date,
 * the reply once approved — never internal notes or staff names). No SQL, no HTTP. */
#ifndef FCMS_DOMAIN_CONSUMER_H
#define FCMS_DOMAIN_CONSUMER_H
#include "domain/refusal.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct sms_counts;

struct consumer_limits {
	int code_ttl_s, resend_s, per_phone_hour, per_ip_hour, global_minute, max_attempts, pow_bits;
};

/* True for a mainland mobile number: 11 digits starting 1[3-9]. */
bool consumer_phone_valid(const char *phone);
/* A fresh 6-digit code into out[7] (uniform, from the kernel's generator). */
void consumer_code_new(char out[7]);
/* Keyed hash of a code for one phone (the blind-index key): 32 hex + NUL. */
void consumer_code_hash(const char *phone_bidx, const char *code, char out[33]);

/* A proof-of-work challenge "<expires_ms>.<random>.<mac>" into out (n >= 96), valid 10 minutes. */
void consumer_challenge_new(int64_t now, char *out, size_t n);
/* True when challenge is ours and unexpired and SHA-256(challenge ":" nonce) starts with bits
 * zero bits. Spending it once is the store's UNIQUE constraint. */
bool consumer_challenge_check(const char *challenge, const char *nonce, int bits, int64_t now);

/* Whether another code may be asked given the counts: 0, or 1 with *e (429, a message that says
 * nothing about whether the number or a complaint exists). */
int consumer_limit_check(const struct consumer_limits *l, const struct sms_counts *c, int64_t now,
			 struct refusal *e);
/* Checks a typed code against the newest stored row ({id, code_hash, expires_at, attempts,
 * used_at}, or NULL): true when it matches, is unexpired, unused and under the attempts limit. */
bool consumer_code_matches(const struct consumer_limits *l, json_t *row, const char *phone_bidx,
			   const char *code, int64_t now);

/* The business types a consumer can name, with their JR/T 0169 B code ("" = let the registrar
 * classify): [{key, label, code}]. Caller owns. */
json_t *consumer_business_types(void);
/* The B code for a key from that list: 1 with *code ("" allowed), 0 when the key is unknown. */
int consumer_business_code(const char *key, const char **code);

/* The consumer's view. sub: the submission row (NULL for none); rec: the complaint (NULL while
 * the submission waits for a registrar); handling_org: the name of the branch handling it (or
 * NULL); messages: the consumer's own supplements and rating. Caller owns. */
json_t *consumer_progress(json_t *sub, json_t *rec, const char *handling_org, json_t *messages);
/* Whether a rating may be given now (the reply was approved). */
bool consumer_may_rate(json_t *rec);
/* Satisfaction value known (satisfied | basically_satisfied | unsatisfied). */
bool consumer_satisfaction_valid(const char *s);

#endif
