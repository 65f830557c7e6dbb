/* Request metrics for GET /metrics (Prometheus text format). Lock-free counters. */
#ifndef FCMS_METRICS_H
#define FCMS_METRICS_H
#include <stddef.h>
#include <stdint.h>

struct route;
/* Sizes the counters for n routes. Call once before serving. */
int metrics_init(size_t nroutes);
void metrics_free(void);
/* Records one request: route index (-1 for static/unmatched), status, duration, and the CPU
 * time of the thread that answered it (0 when unknown). */
void metrics_record(int route_index, int status, uint64_t duration_ns, uint64_t cpu_time_ns);
void metrics_connection(int delta);
/* A connection cut by the request-head deadline or to make room (server.c). */
void metrics_head_cut(void);
/* Renders the HTTP metrics (requests, latency, connections, event streams); the caller frees
 * the returned string and may append metrics of other layers (api/ops.c adds the store's). */
char *metrics_render(const struct route *routes, size_t nroutes);

#endif
