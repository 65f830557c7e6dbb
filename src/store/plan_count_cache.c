/* The access paths' bounded counts kept between requests: see plan_count_cache.h. Direct-mapped
 * slots: a key lives in the slot its hash names, a colliding key replaces it (a miss only costs
 * the count). */
#include "store/plan_count_cache.h"
#include <pthread.h>
#include <string.h>

#define SLOTS 1024 /* every user's scope and own counts of a busy day: ~0.5 MB */

struct slot {
	char key[PLAN_COUNT_KEY_MAX];
	int64_t n;
	int64_t read_at; /* ms, monotonic */
	bool used;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SLOTS];

static struct slot *slot_of(const char *key)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return &slots[h % SLOTS];
}

bool plan_count_cache_get(const char *key, int64_t now_ms, int64_t *n)
{
	bool hit = false;
	pthread_mutex_lock(&mu);
	struct slot *s = slot_of(key);
	if (s->used && strcmp(s->key, key) == 0 && now_ms >= s->read_at && now_ms - s->read_at <= PLAN_COUNT_TTL_MS) {
		*n = s->n;
		hit = true;
	}
	pthread_mutex_unlock(&mu);
	return hit;
}

void plan_count_cache_put(const char *key, int64_t now_ms, int64_t n)
{
	size_t len = strlen(key);
	if (len >= PLAN_COUNT_KEY_MAX)
		return;
	pthread_mutex_lock(&mu);
	struct slot *s = slot_of(key);
	memcpy(s->key, key, len + 1);
	s->n = n;
	s->read_at = now_ms;
	s->used = true;
	pthread_mutex_unlock(&mu);
}

void plan_count_cache_clear(void)
{
	pthread_mutex_lock(&mu);
	memset(slots, 0, sizeof slots);
	pthread_mutex_unlock(&mu);
}
