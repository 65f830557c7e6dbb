/* GET /api/v1/meta: the complaint vocabulary (domain/vocabulary.h) for the web, which loads it
 * once at sign-in instead of keeping its own copies of the labels. The body depends only on
 * the binary, so it is rendered once and answered with a strong ETag: a client that sends it
 * back in If-None-Match gets 304 without a body. */
#include "api/api.h"
#include "domain/vocabulary.h"
#include "http/request.h"
#include "store/db.h"
#include "util/crypto.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *body;                 /* the rendered vocabulary, kept for the process's life */
static char etag[SHA256_HEX_LEN + 3]; /* "\"<sha256>\"" */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void render(void)
{
	json_t *v = vocab_json();
	body = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (!body)
		return;
	char hex[SHA256_HEX_LEN + 1];
	crypto_sha256_hex(body, strlen(body), hex);
	snprintf(etag, sizeof etag, "\"%s\"", hex);
}

int api_meta(struct request *r)
{
	pthread_once(&once, render);
	if (!body)
		return reply_db_error(r, DB_HARD);
	const char *inm = req_header(r, "If-None-Match");
	if (inm && strstr(inm, etag))
		reply_raw(r, 304, NULL, "", 0);
	else
		reply_raw(r, 200, "application/json; charset=utf-8", body, strlen(body));
	reply_header(r, "ETag", etag);
	/* Revalidate every time (no-cache), never in a shared cache: it needs a session. */
	reply_header(r, "Cache-Control", "private, no-cache");
	return 0;
}
