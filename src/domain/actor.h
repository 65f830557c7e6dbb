/* Who does a use case: the signed-in principal and where the request came from. Domain code
 * takes a struct actor instead of the HTTP request, so a use case runs the same for a user, the
 * OA's approver or a job, and transaction bodies on the writer thread never read the request. */
#ifndef FCMS_ACTOR_H
#define FCMS_ACTOR_H
#include "domain/permissions.h"

struct actor {
	const struct principal *user; /* borrowed; NULL for the system */
	const char *ip;               /* borrowed; may be NULL */
};

#endif
