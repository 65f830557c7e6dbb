/* Configuration parsing (see config.h). */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	snprintf(c->data_dir, sizeof c->data_dir, "./var");
	snprintf(c->web_root, sizeof c->web_root, "web/dist");
	snprintf(c->password_profile, sizeof c->password_profile, "dengbao");
	c->max_connections = 1024;
	c->per_ip_connections = 256;
	c->connection_timeout_s = 60;
	c->header_timeout_s = 10;
	snprintf(c->trusted_proxies, sizeof c->trusted_proxies, "127.0.0.1,::1");
	snprintf(c->metrics_allow, sizeof c->metrics_allow, "127.0.0.1,::1");
	c->event_check_s = 5;
	c->hash_concurrency = 2;
	c->session_idle_minutes = 30;
	c->session_absolute_hours = 12;
	c->lockout_threshold = 5;
	c->lockout_minutes = 30;
	c->log_requests = true;
	c->reminder_interval_s = 60;
	c->attachment_max_mb = 20;
	c->list_count_ms = 50;
	c->regulator_timeout_ms = 10000;
	c->regulator_lease_s = 60;
	c->regulator_receipt_timeout_s = 600;
	c->regulator_poll_ms = 1000;
	snprintf(c->h5_root, sizeof c->h5_root, "web/dist-h5");
	snprintf(c->sms_signature, sizeof c->sms_signature, "某银行");
	snprintf(c->sms_template_code, sizeof c->sms_template_code, "SMS_CODE_01");
	snprintf(c->sms_template_number, sizeof c->sms_template_number, "SMS_NUMBER_01");
	c->sms_code_ttl_s = 300;
	c->sms_resend_s = 60;
	c->sms_per_phone_hour = 5;
	c->sms_per_ip_hour = 20;
	c->sms_global_minute = 300;
	c->sms_max_attempts = 5;
	c->pow_bits = 16;
	c->consumer_session_minutes = 15;
	c->consumer_upload_mb = 5;
	c->consumer_uploads = 6;
}

struct key {
	const char *name;
	enum { K_STR, K_INT, K_BOOL } type;
	size_t offset, size;
	int min, max;
};

#define S(f) #f, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0
#define I(f, lo, hi) #f, K_INT, offsetof(struct config, f), 0, lo, hi
#define B(f) #f, K_BOOL, offsetof(struct config, f), 0, 0, 0
static const struct key keys[] = {
	{S(listen)}, {S(data_dir)}, {S(db_url)}, {S(web_root)}, {S(regulator)},
	{S(password_profile)}, {S(regulator_ca)}, {S(regulator_cert)}, {S(regulator_key)},
	{I(regulator_timeout_ms, 100, 600000)}, {I(regulator_lease_s, 1, 86400)},
	{I(regulator_receipt_timeout_s, 1, 604800)}, {I(regulator_poll_ms, 10, 60000)},
	{I(threads, 0, 256)}, {I(max_connections, 1, 100000)}, {I(per_ip_connections, 0, 100000)},
	{I(connection_timeout_s, 1, 3600)}, {I(header_timeout_s, 1, 3600)}, {I(hash_concurrency, 1, 64)},
	{S(trusted_proxies)}, {S(metrics_token)}, {S(metrics_allow)}, {I(event_check_s, 1, 300)},
	{I(session_idle_minutes, 1, 1440)}, {I(session_absolute_hours, 1, 168)},
	{I(lockout_threshold, 1, 100)}, {I(lockout_minutes, 1, 10080)}, {I(reminder_interval_s, 1, 86400)}, {I(attachment_max_mb, 1, 1024)},
	{I(list_count_ms, 0, 60000)},
	{B(secure_cookies)}, {B(trust_proxy)}, {B(log_requests)},
	{S(h5_root)}, {S(public_host)}, {S(sms_url)}, {S(sms_signature)}, {S(sms_template_code)},
	{S(sms_template_number)}, {I(sms_code_ttl_s, 1, 3600)}, {I(sms_resend_s, 0, 3600)},
	{I(sms_per_phone_hour, 1, 1000)}, {I(sms_per_ip_hour, 1, 100000)}, {I(sms_global_minute, 1, 1000000)},
	{I(sms_max_attempts, 1, 20)}, {I(pow_bits, 0, 28)}, {I(consumer_session_minutes, 1, 120)},
	{I(consumer_upload_mb, 1, 50)}, {I(consumer_uploads, 1, 50)},
};

int config_set(struct config *c, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct key *k = &keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		char *field = (char *)c + k->offset;
		if (k->type == K_STR) {
			if (strlen(value) >= k->size) {
				fprintf(stderr, "config: %s is too long\n", key);
				return -1;
			}
			if (strcmp(key, "password_profile") == 0 && strcmp(value, "dengbao") != 0 &&
			    strcmp(value, "asvs") != 0) {
				fprintf(stderr, "config: password_profile must be dengbao or asvs\n");
				return -1;
			}
			snprintf(field, k->size, "%s", value);
			return 0;
		}
		if (k->type == K_BOOL) {
			bool v;
			if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes"))
				v = true;
			else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no"))
				v = false;
			else {
				fprintf(stderr, "config: %s must be true or false\n", key);
				return -1;
			}
			*(bool *)field = v;
			return 0;
		}
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max) {
			fprintf(stderr, "config: %s must be a number from %d to %d\n", key, k->min, k->max);
			return -1;
		}
		*(int *)field = (int)v;
		return 0;
	}
	fprintf(stderr, "config: unknown key '%s'\n", key);
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load_file(struct config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "config: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[2048];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "config: %s:%d: expected key = value\n", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		if (config_set(c, trim(s), trim(eq + 1)) != 0) {
			fprintf(stderr, "config: at %s:%d\n", path, lineno);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

const char *config_db_url(const struct config *c, char *buf, int buflen)
{
	if (c->db_url[0])
		snprintf(buf, (size_t)buflen, "%s", c->db_url);
	else
		snprintf(buf, (size_t)buflen, "sqlite:%s/fcms.db", c->data_dir);
	return buf;
}
