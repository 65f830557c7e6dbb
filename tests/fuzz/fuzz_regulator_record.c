/* libFuzzer target for the regulator's record check (regulator_record_check in
 * src/regulator/record.c), which the simulator — and a real regulator's gateway written from
 * docs/regulator.md — runs on every line of a batch it receives. The input is one line: parsed as
 * the simulator does and checked; the same bytes, as a batch file, also go through the manifest
 * check. Invariants:
 *  - the answer is 0 or 1; on 1 the problem has a code "E1xx"/"E2xx"/"E3xx" and a non-empty
 *    Chinese message; a non-object is always E100;
 *  - checking is deterministic, and a record that passes still passes after a dump/load round
 *    trip;
 *  - the manifest computed from a body is accepted for that body exactly when it ends in '\n'.
 * Any broken invariant aborts, which libFuzzer reports as a crash with the input saved.
 * Built and run by tests/fuzz/run.sh; not part of the server. */
#include "regulator/record.h"
#include <jansson.h>
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

static void check_one(json_t *rec)
{
	struct regulator_problem p = {0}, q = {0};
	int rc = regulator_record_check(rec, &p);
	CHECK(rc == 0 || rc == 1);
	CHECK(regulator_record_check(rec, &q) == rc);
	if (rc == 1) {
		CHECK(p.code && p.code[0] == 'E' && strchr("123", p.code[1]) && strlen(p.code) == 4);
		CHECK(p.message && p.message[0]);
		CHECK(q.code == p.code && q.field == p.field);
		if (!json_is_object(rec))
			CHECK(strcmp(p.code, "E100") == 0);
		return;
	}
	char *text = json_dumps(rec, JSON_COMPACT);
	CHECK(text);
	json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	CHECK(back);
	CHECK(regulator_record_check(back, &q) == 0);
	json_decref(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	/* The input is one line of a batch: parsed and checked as the simulator does. */
	const char *body = (const char *)data;
	json_t *rec = json_loadb(body, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (rec) {
		check_one(rec);
		json_decref(rec);
	}
	/* And the same bytes as a whole batch file for the manifest check. */
	int count = -1;
	char sha[65];
	regulator_manifest(body, size, &count, sha);
	CHECK(count >= 0 && (size_t)count <= size && strlen(sha) == 64);
	const char *why = NULL;
	int ok = regulator_manifest_check(body, size, count, sha, &why);
	CHECK(ok == ((size == 0 || body[size - 1] == '\n') ? 0 : -1));
	CHECK(ok == 0 || (why && why[0]));
	if (size)
		CHECK(regulator_manifest_check(body, size, count + 1, sha, &why) == -1);
	return 0;
}
