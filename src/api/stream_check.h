/* The credential check of live event streams (see events_check_fn in http/events.h). */
#ifndef FCMS_API_STREAM_CHECK_H
#define FCMS_API_STREAM_CHECK_H
#include "domain/permissions.h"
#include <stdbool.h>

/* Uses the calling thread's store connection. 1 valid (*fresh filled), 0 no longer, < 0 error. */
int api_stream_check(const char *cred_hash, bool via_token, struct principal *fresh);
/* The audience of live events: api_stream_check, and data scope (scope_allows) for who sees what. */
extern const struct events_audience api_events_audience;

#endif
