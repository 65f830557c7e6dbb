/* libFuzzer target for the ISO 8601 parser (src/util/iso8601.c), which reads every instant a
 * client or the regulator sends. The input is the text to parse (a C string: cut at the first
 * NUL, as json_string_value would give it). Invariants on an accepted instant:
 *  - formatting it at UTC and at +08:00 (the bank's zone) and parsing that text gives the same
 *    instant, to the second (the format has no fraction);
 *  - it lies between 1900-01-01 and 3000-01-01 give or take the largest offset the parser
 *    takes (±14:59);
 *  - parsing is deterministic.
 * Any broken invariant aborts, which libFuzzer reports as a crash with the input saved.
 * Built and run by tests/fuzz/run.sh; not part of the server. */
#include "util/iso8601.h"
#include "fuzz_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_check_init();
	return 0;
}

#define MIN_MS (-2208988800000LL - 15LL * 3600000)  /* 1900-01-01T00:00Z - 15 h */
#define MAX_MS (32503680000000LL + 15LL * 3600000)  /* 3000-01-01T00:00Z + 15 h */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256)
		return 0;
	char s[257];
	memcpy(s, data, size);
	s[size] = '\0';
	int64_t ms = 0x5a5a5a5a, again = 0;
	int rc = iso8601_parse(s, &ms);
	CHECK(rc == 0 || rc == -1);
	CHECK(iso8601_parse(s, &again) == rc);
	if (rc != 0)
		return 0;
	CHECK(again == ms);
	CHECK(ms >= MIN_MS && ms < MAX_MS);
	int64_t whole = ms - (((ms % 1000) + 1000) % 1000);
	static const int offsets[] = {0, 480, -600};
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		char buf[64];
		iso8601_format(ms, offsets[i], buf, sizeof buf);
		int64_t back = 0;
		/* Instants near the ends of the range may format outside 1900..2999 in another zone;
		 * those the parser refuses, which is right. Everything else must come back. */
		if (iso8601_parse(buf, &back) == 0)
			CHECK(back == whole);
		else
			CHECK(ms < MIN_MS + 30LL * 3600000 || ms >= MAX_MS - 30LL * 3600000);
	}
	return 0;
}
