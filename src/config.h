/* Server configuration: defaults, then a key = value file (--config), then command-line flags.
 * Unknown keys in the file are an error, so a typo never silently falls back to a default. */
#ifndef FCMS_CONFIG_H
#define FCMS_CONFIG_H
#include <stdbool.h>

struct config {
	char listen[128];      /* host:port, default 127.0.0.1:8080 */
	char data_dir[512];    /* default ./var */
	char db_url[1024];     /* empty = sqlite:<data_dir>/fcms.db */
	char web_root[512];    /* default web/dist */
	char regulator[512];   /* regulator transport: http(s)://HOST[:PORT][/PATH] or dir:/PATH; empty = none */
	char regulator_ca[256], regulator_cert[256], regulator_key[256]; /* TLS options of the HTTP transport */
	int regulator_timeout_ms;        /* per HTTP request, default 10000 */
	int regulator_lease_s;           /* a claimed submission stays with this instance, default 60 */
	int regulator_receipt_timeout_s; /* dir: resend a batch without a receipt after, default 600 */
	int regulator_poll_ms;           /* delivery worker idle poll, default 1000 */
	int threads;           /* MHD pool threads; 0 = max(4, 2 × cores) */
	int max_connections;
	int per_ip_connections;
	int connection_timeout_s; /* idle limit of a connection (reset by every byte) */
	int header_timeout_s;  /* a request's head must be complete within this, default 10 */
	int hash_concurrency;  /* Argon2id hashes at once */
	int session_idle_minutes;
	int session_absolute_hours;
	int lockout_threshold;
	int lockout_minutes;
	char password_profile[16]; /* dengbao | asvs (initial value; editable at run time) */
	bool secure_cookies;   /* set Secure on cookies (behind a TLS proxy) */
	bool trust_proxy;      /* take the client address from X-Forwarded-For ... */
	char trusted_proxies[512]; /* ... when the peer is one of these (IPv4[/bits] or ::1, comma
				    * separated), default 127.0.0.1,::1 */
	char metrics_token[128];   /* GET /metrics with "Authorization: Bearer <token>"; empty = none */
	char metrics_allow[512];   /* addresses that may read /metrics without the token, default
				    * 127.0.0.1,::1; "none" = the token only */
	int event_check_s;     /* event streams re-check their session this often, default 5 */
	bool log_requests;
	int attachment_max_mb;   /* upload limit, default 20 */
	int list_count_ms;       /* a list's SQL count stops after this (then "at least"), default 50; 0: never */
	int reminder_interval_s; /* deadline watch and reminders; default 60 */
	/* The consumer channel (网上投诉, 投诉进度查询; issue 16). */
	char h5_root[512];       /* the public site's build, default web/dist-h5, served under /h5/ */
	char public_host[256];   /* Host of the public origin: only /h5/ and /api/public/ answer there */
	char sms_url[512];       /* the bank's SMS platform (HTTP POST JSON); empty = log only */
	char sms_signature[64];  /* 短信签名 */
	char sms_template_code[64], sms_template_number[64]; /* template ids: code; complaint number */
	int sms_code_ttl_s;      /* a code lives this long, default 300 */
	int sms_resend_s;        /* one code per phone per this many seconds, default 60 */
	int sms_per_phone_hour, sms_per_ip_hour, sms_global_minute; /* codes asked, default 5, 20, 300 */
	int sms_max_attempts;    /* wrong entries that kill a code, default 5 */
	int pow_bits;            /* proof-of-work difficulty (leading zero bits), default 16 */
	int consumer_session_minutes; /* after a code, default 15 */
	int consumer_upload_mb;  /* per file, default 5 */
	int consumer_uploads;    /* files per session, default 6 */
};

/* Fills defaults. */
void config_defaults(struct config *c);
/* Reads a key = value file ('#' comments). Returns 0, or -1 after printing the problem. */
int config_load_file(struct config *c, const char *path);
/* Sets one key from text; returns 0, or -1 for an unknown key or bad value. */
int config_set(struct config *c, const char *key, const char *value);
/* The database URL to use: db_url, or sqlite:<data_dir>/fcms.db. Writes into buf. */
const char *config_db_url(const struct config *c, char *buf, int buflen);

#endif
