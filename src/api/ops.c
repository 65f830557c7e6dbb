/* Operations endpoints: health, metrics, and the OpenAPI document. */
#include "api/api.h"
#include "domain/crypto_profile.h"
#include "domain/permissions.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/server.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_healthz(struct request *r)
{
	if (!r->db || !db_ping(r->db))
		return reply_error(r, 503, "store_unavailable", "数据库不可用", NULL);
	json_t *body = json_pack("{s:b, s:s}", "ok", 1, "store", db_backend(r->db) == DB_PG ? "postgresql" : "sqlite");
	/* Administrators (system or security duty) also see the crypto profile: the database's, and
	 * this instance's for new password hashes (they differ until a restart after a profile move). */
	enum crypto_profile p;
	if (body && r->user && (r->user->perms & (PERMS_SYSTEM | PERMS_SECURITY)) && crypto_profile_load(r->db, &p) == DB_OK) {
		struct crypto_algorithms a;
		crypto_algorithms(p, &a);
		json_object_set_new(body, "crypto",
				    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "profile", crypto_profile_name(p),
					      "instance_profile", crypto_profile_name(crypto_profile()), "seal", a.seal,
					      "blind_index", a.mac, "audit_hash", a.hash, "signature", a.sign, "password",
					      a.password));
	}
	return reply_json(r, 200, body);
}

int api_metrics(struct request *r)
{
	char *http = metrics_render(api_routes, api_route_count), *text = NULL;
	struct db_stats ds;
	db_stats_get(&ds);
	if (!http || asprintf(&text,
			      "%s# TYPE fcms_store_connections gauge\nfcms_store_connections %ld\n"
			      "# TYPE fcms_store_tx_retries_total counter\nfcms_store_tx_retries_total %ld\n"
			      "# TYPE fcms_store_tx_failures_total counter\nfcms_store_tx_failures_total %ld\n"
			      "# HELP fcms_store_statements_recompiled_total Cached statements compiled again before a run.\n"
			      "# TYPE fcms_store_statements_recompiled_total counter\n"
			      "fcms_store_statements_recompiled_total %ld\n",
			      http, ds.open_connections, ds.tx_retries, ds.tx_failures, ds.recompiled_statements) < 0) {
		free(http);
		return reply_error(r, 500, "internal", "服务器内部错误", NULL);
	}
	free(http);
	reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
	return 0;
}

/* The document is compiled in (see the Makefile), so the binary always serves its own API. */
extern const char openapi_yaml[];

int api_openapi(struct request *r)
{
	return reply_raw(r, 200, "application/yaml; charset=utf-8", openapi_yaml, strlen(openapi_yaml));
}
