/* libFuzzer target for the code-table CSV import (codes_parse_csv in src/domain/codes.c), which
 * reads the file a bank uploads to POST /api/v1/basedata/codes/import. The input is the uploaded
 * bytes as they are (not NUL-terminated: the importer gets a pointer and a length). Invariants:
 *  - on success every row passes codes_check_row, and exporting the rows (codes_format_csv) and
 *    importing that text again gives the same rows (nothing lost or changed by quoting);
 *  - on failure there are no rows and the message is a non-empty line naming the input line.
 * Any broken invariant aborts, which libFuzzer reports as a crash with the input saved.
 * Built and run by tests/fuzz/run.sh; not part of the server. */
#include "domain/codes.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	/* An exact-size copy so ASan sees any read past the end of the upload. */
	char *text = malloc(size ? size : 1);
	CHECK(text);
	memcpy(text, data, size);
	json_t *rows = (json_t *)1;
	char err[300] = "";
	int rc = codes_parse_csv(text, size, "2018-01-01", &rows, err, sizeof err);
	free(text);
	CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		CHECK(rows == NULL);
		CHECK(err[0] != '\0' && strncmp(err, "第", 3) == 0);
		return 0;
	}
	CHECK(json_is_array(rows));
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		char why[200];
		CHECK(codes_check_row(row, why, sizeof why) == 0);
	}
	char *csv = codes_format_csv(rows);
	CHECK(csv);
	json_t *again = NULL;
	CHECK(codes_parse_csv(csv, strlen(csv), "2018-01-01", &again, err, sizeof err) == 0);
	CHECK(json_equal(rows, again));
	free(csv);
	json_decref(again);
	json_decref(rows);
	return 0;
}
