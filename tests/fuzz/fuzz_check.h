/* Shared by the libFuzzer drivers (tests/fuzz/fuzz_*.c): CHECK(cond) aborts with the failed
 * condition when an invariant breaks. run.sh closes the target's stderr (-close_fd_mask=2) to
 * mute the code under test, so the report goes to a copy of stderr that each driver's
 * LLVMFuzzerInitialize takes first with fuzz_check_init(). Header-only: one driver per binary. */
#ifndef FCMS_FUZZ_CHECK_H
#define FCMS_FUZZ_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int fuzz_report_fd = 2;

#define CHECK(cond)                                                                             \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			dprintf(fuzz_report_fd, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                \
		}                                                                               \
	} while (0)

static inline void fuzz_check_init(void)
{
	int fd = dup(2);
	if (fd >= 0)
		fuzz_report_fd = fd;
}

#endif
