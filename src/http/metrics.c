/* Counters per route and status class, and one latency histogram. */
#include "http/metrics.h"
#include "http/events.h"
#include "http/router.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLASSES 5 /* 1xx..5xx */
static const double bucket_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
				   0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

static unsigned long *counts; /* (nroutes + 1) × CLASSES; last row = static/unmatched */
static unsigned long long *cpu_ns; /* (nroutes + 1): CPU time of the thread that answered */
static size_t nslots;
static unsigned long buckets[NBUCKETS + 1];
static unsigned long long sum_ns;
static unsigned long total;
static long connections;
static unsigned long heads_cut;

int metrics_init(size_t nroutes)
{
	nslots = nroutes + 1;
	counts = calloc(nslots * CLASSES, sizeof *counts);
	cpu_ns = calloc(nslots, sizeof *cpu_ns);
	return counts && cpu_ns ? 0 : -1;
}

void metrics_free(void)
{
	free(counts);
	free(cpu_ns);
	counts = NULL;
	cpu_ns = NULL;
}

void metrics_record(int route_index, int status, uint64_t duration_ns, uint64_t cpu_time_ns)
{
	size_t slot = route_index >= 0 && (size_t)route_index < nslots - 1 ? (size_t)route_index : nslots - 1;
	int cls = status / 100 - 1;
	if (cls < 0 || cls >= CLASSES)
		cls = CLASSES - 1;
	__atomic_add_fetch(&counts[slot * CLASSES + (size_t)cls], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&cpu_ns[slot], cpu_time_ns, __ATOMIC_RELAXED);
	double s = (double)duration_ns / 1e9;
	size_t b = 0;
	while (b < NBUCKETS && s > bucket_le[b])
		b++;
	__atomic_add_fetch(&buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sum_ns, duration_ns, __ATOMIC_RELAXED);
	__atomic_add_fetch(&total, 1, __ATOMIC_RELAXED);
}

void metrics_connection(int delta)
{
	__atomic_add_fetch(&connections, delta, __ATOMIC_RELAXED);
}

void metrics_head_cut(void)
{
	__atomic_add_fetch(&heads_cut, 1, __ATOMIC_RELAXED);
}

char *metrics_render(const struct route *routes, size_t nroutes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("# HELP fcms_http_requests_total HTTP requests by route and status class.\n"
	      "# TYPE fcms_http_requests_total counter\n", f);
	for (size_t i = 0; i < nslots; i++)
		for (int c = 0; c < CLASSES; c++) {
			unsigned long v = __atomic_load_n(&counts[i * CLASSES + c], __ATOMIC_RELAXED);
			if (!v)
				continue;
			if (i < nroutes)
				fprintf(f, "fcms_http_requests_total{method=\"%s\",route=\"%s\",status=\"%dxx\"} %lu\n",
					routes[i].method, routes[i].pattern, c + 1, v);
			else
				fprintf(f, "fcms_http_requests_total{method=\"*\",route=\"static\",status=\"%dxx\"} %lu\n",
					c + 1, v);
		}
	fputs("# HELP fcms_http_request_cpu_seconds_total CPU time spent answering, by route (the answering thread's own).\n"
	      "# TYPE fcms_http_request_cpu_seconds_total counter\n", f);
	for (size_t i = 0; i < nslots; i++) {
		unsigned long long v = __atomic_load_n(&cpu_ns[i], __ATOMIC_RELAXED);
		if (!v)
			continue;
		fprintf(f, "fcms_http_request_cpu_seconds_total{method=\"%s\",route=\"%s\"} %.6f\n",
			i < nroutes ? routes[i].method : "*", i < nroutes ? routes[i].pattern : "static",
			(double)v / 1e9);
	}
	fputs("# HELP fcms_http_request_duration_seconds Request latency.\n"
	      "# TYPE fcms_http_request_duration_seconds histogram\n", f);
	unsigned long cum = 0;
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += __atomic_load_n(&buckets[b], __ATOMIC_RELAXED);
		fprintf(f, "fcms_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", bucket_le[b], cum);
	}
	cum += __atomic_load_n(&buckets[NBUCKETS], __ATOMIC_RELAXED);
	fprintf(f, "fcms_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	fprintf(f, "fcms_http_request_duration_seconds_sum %.6f\n",
		(double)__atomic_load_n(&sum_ns, __ATOMIC_RELAXED) / 1e9);
	fprintf(f, "fcms_http_request_duration_seconds_count %lu\n",
		__atomic_load_n(&total, __ATOMIC_RELAXED));
	fprintf(f, "# TYPE fcms_http_connections gauge\nfcms_http_connections %ld\n",
		__atomic_load_n(&connections, __ATOMIC_RELAXED));
	fprintf(f, "# HELP fcms_http_slow_heads_cut_total Connections cut for a request head not sent in time, or to make room.\n"
		"# TYPE fcms_http_slow_heads_cut_total counter\nfcms_http_slow_heads_cut_total %lu\n",
		__atomic_load_n(&heads_cut, __ATOMIC_RELAXED));
	fprintf(f, "# TYPE fcms_event_streams gauge\nfcms_event_streams %ld\n", events_subscribers());
	fclose(f);
	return buf;
}
