/* Run-time security policy (see security_policy.h). */
#include "domain/security_policy.h"
#include "config.h"
#include "store/store.h"
#include "util/log.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct security_policy defaults, cached;
static int64_t cached_at;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void security_policy_defaults(const struct config *c)
{
	snprintf(defaults.password_profile, sizeof defaults.password_profile, "%s", c->password_profile);
	defaults.lockout_threshold = c->lockout_threshold;
	defaults.lockout_minutes = c->lockout_minutes;
	defaults.session_idle_minutes = c->session_idle_minutes;
	defaults.session_absolute_hours = c->session_absolute_hours;
	pthread_mutex_lock(&lock);
	cached_at = 0;
	pthread_mutex_unlock(&lock);
}

static void read_int(json_t *o, const char *k, int *v)
{
	json_t *x = json_object_get(o, k);
	if (json_is_integer(x))
		*v = (int)json_integer_value(x);
}

int security_policy_get(struct db *d, struct security_policy *out)
{
	int64_t now = now_ms();
	pthread_mutex_lock(&lock);
	if (cached_at && now - cached_at < 5000) {
		*out = cached;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_unlock(&lock);
	struct security_policy p = defaults;
	char text[1024];
	int rc = store_setting_get(d, "security_policy", text, sizeof text);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		json_t *o = json_loads(text, 0, NULL);
		const char *prof = json_string_value(json_object_get(o, "password_profile"));
		if (prof)
			snprintf(p.password_profile, sizeof p.password_profile, "%s", prof);
		read_int(o, "lockout_threshold", &p.lockout_threshold);
		read_int(o, "lockout_minutes", &p.lockout_minutes);
		read_int(o, "session_idle_minutes", &p.session_idle_minutes);
		read_int(o, "session_absolute_hours", &p.session_absolute_hours);
		json_decref(o);
	}
	pthread_mutex_lock(&lock);
	cached = p;
	cached_at = now;
	pthread_mutex_unlock(&lock);
	*out = p;
	return 0;
}

json_t *security_policy_json(const struct security_policy *p)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i}", "password_profile", p->password_profile,
			 "lockout_threshold", p->lockout_threshold, "lockout_minutes", p->lockout_minutes,
			 "session_idle_minutes", p->session_idle_minutes, "session_absolute_hours",
			 p->session_absolute_hours);
}

int security_policy_save(struct db *d, const struct security_policy *p)
{
	json_t *o = security_policy_json(p);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!text)
		return DB_HARD;
	int rc = store_setting_set(d, "security_policy", text);
	free(text);
	pthread_mutex_lock(&lock);
	cached_at = 0;
	pthread_mutex_unlock(&lock);
	return rc < 0 ? rc : 0;
}

void security_policy_invalidate(void)
{
	pthread_mutex_lock(&lock);
	cached_at = 0;
	pthread_mutex_unlock(&lock);
}
