/* SMS for the consumer channel (issue 16): a transactional outbox (sms_outbox; the phone and the
 * parameters sealed) and a worker that sends due messages to the bank's SMS platform over HTTP
 * (JSON: signature, template id, phone, params) with libcurl, retrying with back-off. Without
 * sms_url the worker logs that a message was dropped (never its content). `fcms sms-sim` is
 * the other side for tests and the demo: it logs each message, codes included. */
#ifndef FCMS_SMS_H
#define FCMS_SMS_H
#include <jansson.h>
#include <signal.h>

struct db;
struct config;

enum sms_template { SMS_CODE, SMS_COMPLAINT_NO };

/* Queues a message inside the caller's write transaction (may run twice: it only inserts).
 * params: the template's variables (borrowed). DB_OK or a negative db status. */
int sms_enqueue(struct db *d, const char *phone, enum sms_template t, json_t *params, int64_t now);

/* Starts the sender (cfg must outlive it); it looks for due messages every 200 ms, and once a
 * minute forgets codes and consumer sessions older than a day. 0 or -1. */
int sms_worker_start(const struct config *cfg);
void sms_worker_stop(void);

/* fcms sms-sim --listen HOST:PORT: takes POST /sms, logs "sms-sim: to PHONE template=T
 * code=NNNNNN", and answers GET /messages?phone=P with what that phone got (newest last). */
int sms_sim_main(int argc, char **argv, const sigset_t *stop);

#endif
