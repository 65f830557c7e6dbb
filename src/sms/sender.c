/* The SMS outbox and its sender (see sms.h). The request that asks for a code only inserts a
 * row; the HTTP call to the platform happens here, on the worker thread, so how long the
 * platform takes never shows in the consumer's reply (nor whether a message was sent at all). */
#include "sms/sms.h"
#include "config.h"
#include "domain/pii.h"
#include "store/consumer.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/periodic.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMS_BATCH 20
#define SMS_MAX_BACKOFF_MS (10 * 60 * 1000)

int sms_enqueue(struct db *d, const char *phone, enum sms_template t, json_t *params, int64_t now)
{
	char *text = json_dumps(params, JSON_COMPACT);
	char *p = pii_encrypt(phone), *q = text ? pii_encrypt(text) : NULL;
	if (text) {
		crypto_wipe(text, strlen(text));
		free(text);
	}
	int rc = p && q ? store_sms_outbox_insert(d, pii_key_id(), p, t == SMS_CODE ? "code" : "complaint_no", q, now)
			: DB_HARD;
	free(p);
	free(q);
	return rc;
}

static const struct config *cfg;
static struct periodic worker;
static CURL *curl;

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* POSTs one message; 0 when the platform took it, -1 with err. */
static int post(const char *phone, const char *tmpl, json_t *params, char *err, size_t errlen)
{
	const char *template_id = strcmp(tmpl, "code") == 0 ? cfg->sms_template_code : cfg->sms_template_number;
	json_t *body = json_pack("{s:s, s:s, s:s, s:O}", "signature", cfg->sms_signature, "template_id", template_id,
				 "phone", phone, "params", params);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return snprintf(err, errlen, "out of memory"), -1;
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->sms_url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode cc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	crypto_wipe(text, strlen(text));
	free(text);
	if (cc != CURLE_OK)
		return snprintf(err, errlen, "transport: %s", curl_easy_strerror(cc)), -1;
	if (status < 200 || status >= 300)
		return snprintf(err, errlen, "platform answered HTTP %ld", status), -1;
	return 0;
}

struct mark_ctx {
	int64_t id, next_at;
	const char *error; /* NULL = sent */
};

static int mark_tx(struct db *d, void *arg)
{
	struct mark_ctx *m = arg;
	return m->error ? store_sms_outbox_retry(d, m->id, m->next_at, m->error) : store_sms_outbox_sent(d, m->id, now_ms());
}

static void send_one(json_t *row)
{
	const char *key = json_string_value(json_object_get(row, "key_id"));
	char *phone = pii_decrypt(key, json_string_value(json_object_get(row, "phone")));
	char *ptext = pii_decrypt(key, json_string_value(json_object_get(row, "params")));
	json_t *params = ptext ? json_loads(ptext, 0, NULL) : NULL;
	char err[200] = "";
	int rc = -1;
	if (!phone || !params)
		snprintf(err, sizeof err, "cannot open the sealed message");
	else if (!cfg->sms_url[0])
		rc = 0, log_warn("sms: no sms_url configured; message %lld dropped",
				 (long long)json_integer_value(json_object_get(row, "id")));
	else
		rc = post(phone, json_string_value(json_object_get(row, "template")), params, err, sizeof err);
	int64_t attempts = json_integer_value(json_object_get(row, "attempts"));
	int64_t backoff = 1000ll << (attempts < 10 ? attempts : 10);
	struct mark_ctx m = {json_integer_value(json_object_get(row, "id")),
			     now_ms() + (backoff < SMS_MAX_BACKOFF_MS ? backoff : SMS_MAX_BACKOFF_MS), rc ? err : NULL};
	if (rc)
		log_warn("sms: message %lld not sent: %s", (long long)m.id, err);
	if (store_write(mark_tx, &m) != 0)
		log_error("sms: cannot record the state of message %lld", (long long)m.id);
	if (phone) {
		crypto_wipe(phone, strlen(phone));
		free(phone);
	}
	if (ptext) {
		crypto_wipe(ptext, strlen(ptext));
		free(ptext);
	}
	json_decref(params);
}

#define FORGET_AFTER_MS (24ll * 3600 * 1000) /* codes count towards limits for an hour; kept a day */
#define FORGET_EVERY_MS (60 * 1000)

static int forget_tx(struct db *d, void *arg)
{
	return store_consumer_expire(d, now_ms() - FORGET_AFTER_MS);
}

static void pass(void *arg)
{
	static int64_t forgot_at;
	if (now_ms() - forgot_at > FORGET_EVERY_MS) {
		forgot_at = now_ms();
		if (store_write(forget_tx, NULL) != 0)
			log_warn("sms: cannot forget old codes and sessions");
	}
	struct db *d = store_conn();
	json_t *items = NULL;
	if (!d || store_sms_outbox_due(d, now_ms(), SMS_BATCH, &items) != DB_OK)
		return;
	size_t i;
	json_t *row;
	json_array_foreach(items, i, row) send_one(row);
	json_decref(items);
}

int sms_worker_start(const struct config *c)
{
	cfg = c;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(curl = curl_easy_init()))
		return -1;
	worker = (struct periodic){.run = pass, .at_exit = store_release_thread, .interval_ms = 200};
	return periodic_start(&worker);
}

void sms_worker_stop(void)
{
	periodic_stop(&worker);
	if (curl)
		curl_easy_cleanup(curl);
	curl = NULL;
}
