/* fcms sms-sim: the bank's SMS platform, simulated for tests and the demo (see sms.h). It keeps
 * the last messages in memory and prints each one, so `make run` shows the codes in its log.
 * It must not touch fcms's database: it is the other side of the wire. */
#include "sms/sms.h"
#include "regulator/gateway.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIM_KEEP 1000
#define SIM_MAX_BODY 8192

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *messages; /* newest last, at most SIM_KEEP */

struct body {
	char buf[SIM_MAX_BODY + 1];
	size_t len;
	bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result take(struct MHD_Connection *c, struct body *b)
{
	json_t *m = b->too_big ? NULL : json_loadb(b->buf, b->len, 0, NULL);
	const char *phone = json_string_value(json_object_get(m, "phone"));
	const char *tmpl = json_string_value(json_object_get(m, "template_id"));
	json_t *params = json_object_get(m, "params");
	if (!phone || !tmpl || !json_is_object(params)) {
		json_decref(m);
		return reply(c, 400, json_pack("{s:s}", "error", "want {signature, template_id, phone, params}"));
	}
	json_object_set_new(m, "at", json_integer((json_int_t)time(NULL)));
	char *p = json_dumps(params, JSON_COMPACT);
	printf("sms-sim: to %s 【%s】 template=%s %s\n", phone, json_string_value(json_object_get(m, "signature")),
	       tmpl, p ? p : "");
	fflush(stdout);
	free(p);
	pthread_mutex_lock(&lock);
	json_array_append_new(messages, m);
	if (json_array_size(messages) > SIM_KEEP)
		json_array_remove(messages, 0);
	pthread_mutex_unlock(&lock);
	return reply(c, 200, json_pack("{s:b}", "ok", 1));
}

static enum MHD_Result list(struct MHD_Connection *c)
{
	const char *phone = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "phone");
	json_t *out = json_array();
	pthread_mutex_lock(&lock);
	size_t i;
	json_t *m;
	json_array_foreach(messages, i, m) {
		const char *p = json_string_value(json_object_get(m, "phone"));
		if (!phone || (p && strcmp(p, phone) == 0))
			json_array_append(out, m);
	}
	pthread_mutex_unlock(&lock);
	return reply(c, 200, json_pack("{s:o}", "messages", out));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *size, void **con_cls)
{
	struct body *b = *con_cls;
	if (!b) {
		*con_cls = b = calloc(1, sizeof *b);
		return b ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (b->len + *size > SIM_MAX_BODY)
			b->too_big = true;
		else {
			memcpy(b->buf + b->len, data, *size);
			b->len += *size;
		}
		*size = 0;
		return MHD_YES;
	}
	if (!strcmp(method, "POST") && !strcmp(url, "/sms"))
		return take(c, b);
	if (!strcmp(method, "GET") && !strcmp(url, "/messages"))
		return list(c);
	return reply(c, 404, json_pack("{s:s}", "error", "POST /sms or GET /messages?phone="));
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	free(*con_cls);
	*con_cls = NULL;
}

int sms_sim_main(int argc, char **argv, const sigset_t *stop)
{
	struct sockaddr_in addr;
	if (argc != 3 || strcmp(argv[1], "--listen") != 0 || sim_parse_listen(argv[2], &addr) != 0) {
		fprintf(stderr, "usage: fcms sms-sim --listen IPv4:PORT\n");
		return 2;
	}
	messages = json_array();
	struct MHD_Daemon *mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, completed,
		NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
	if (!mhd) {
		fprintf(stderr, "sms-sim: cannot listen on %s\n", argv[2]);
		json_decref(messages);
		return 1;
	}
	printf("sms-sim: listening on %s (POST /sms, GET /messages?phone=)\n", argv[2]);
	fflush(stdout);
	int sig;
	sigwait(stop, &sig);
	MHD_stop_daemon(mhd);
	json_decref(messages);
	return 0;
}
