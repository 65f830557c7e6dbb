/* Input formats: ISO 8601 instants with offsets, the code-table CSV (quoting, BOM, header,
 * errors naming the line), and attachment type sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "domain/codes.h"
#include "domain/filetype.h"
#include "util/iso8601.h"

static void test_iso8601(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(iso8601_parse("2026-11-27T09:30:00+08:00", &ms), 0);
	assert_int_equal(ms, 1795743000000LL);
	int64_t z;
	assert_int_equal(iso8601_parse("2026-11-27T01:30:00Z", &z), 0);
	assert_int_equal(z, ms);
	assert_int_equal(iso8601_parse("2026-11-27 09:30+08:00", &z), 0);
	assert_int_equal(z, ms);
	assert_int_equal(iso8601_parse("2026-11-27T09:30:00.250+08:00", &z), 0);
	assert_int_equal(z, ms + 250);
	assert_int_equal(iso8601_parse("2024-02-29T00:00:00-05:00", &z), 0);
	assert_int_equal(iso8601_parse("2026-11-27T09:30:00", &z), -1); /* no offset */
	assert_int_equal(iso8601_parse("2025-02-29T00:00:00Z", &z), -1);
	assert_int_equal(iso8601_parse("2026-13-01T00:00:00Z", &z), -1);
	assert_int_equal(iso8601_parse("2026-11-27T24:00:00Z", &z), -1);
	assert_int_equal(iso8601_parse("", &z), -1);
	char buf[40];
	iso8601_format(ms, 480, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-27T09:30:00+08:00");
	iso8601_format(ms, 0, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-27T01:30:00+00:00");
	iso8601_format_ms(ms + 7, 480, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-27T09:30:00.007+08:00");
	assert_int_equal(iso8601_parse(buf, &z), 0);
	assert_int_equal(z, ms + 7);
	iso8601_format_ms(-1, 0, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999+00:00");
}

static void test_codes_csv(void **state)
{
	(void)state;
	const char csv[] = "\xEF\xBB\xBF" "dimension,code,parent,level,name,suggest_rights\n"
			   "C,C07,,1,因定价收费引起的投诉,R04\n"
			   "B,B03,,1,银行卡,\n"
			   "B,B0301,B03,2,\"借记卡,含\"\"储蓄卡\"\"\",\n"
			   "C,C12,,1,催收,R07;R08\n";
	json_t *rows;
	char err[200];
	assert_int_equal(codes_parse_csv(csv, strlen(csv), "2018-01-01", &rows, err, sizeof err), 0);
	assert_int_equal(json_array_size(rows), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 2), "name")), "借记卡,含\"储蓄卡\"");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 3), "suggest_rights")), "R07 R08");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "valid_from")), "2018-01-01");
	char *out = codes_format_csv(rows);
	json_t *again;
	assert_int_equal(codes_parse_csv(out, strlen(out), "2000-01-01", &again, err, sizeof err), 0);
	assert_true(json_equal(rows, again)); /* export → import is the identity */
	free(out);
	json_decref(again);
	json_decref(rows);
	const char bad[] = "dimension,code,parent,level,name\nB,B03,,1,银行卡\nB,B0301,B99,2,借记卡\n";
	assert_int_equal(codes_parse_csv(bad, strlen(bad), "2018-01-01", &rows, err, sizeof err), -1);
	assert_non_null(strstr(err, "第3行"));
	const char dates[] = "C,C01,,1,x,,2020-01-01,2019-01-01\n";
	assert_int_equal(codes_parse_csv(dates, strlen(dates), "2018-01-01", &rows, err, sizeof err), -1);
	/* Found by fuzz_codes_csv: a valid_to that is not UTF-8 was dropped and the code imported
	 * without an end date; it must fail the line instead. */
	const char bad_to[] = "C,C01,,1,x,,2018-01-01,2\xd6\xcc" "0-12-31,3\n";
	rows = (json_t *)1;
	assert_int_equal(codes_parse_csv(bad_to, strlen(bad_to), "2018-01-01", &rows, err, sizeof err), -1);
	assert_null(rows);
	assert_non_null(strstr(err, "第1行"));
	/* Also found by it: a NUL cut its field ("R02\0junk" imported as R02), rights written
	 * ";R02" kept a leading space and "R02权" passed as a rights code. */
	const char nul[] = "C,C01,,1,x,R02\0junk\n";
	assert_int_equal(codes_parse_csv(nul, sizeof nul - 1, "2018-01-01", &rows, err, sizeof err), -1);
	assert_non_null(strstr(err, "空字符"));
	const char seps[] = "C,C01,,1,x, ;R02 | R03;;\n";
	assert_int_equal(codes_parse_csv(seps, strlen(seps), "2018-01-01", &rows, err, sizeof err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "suggest_rights")), "R02 R03");
	json_decref(rows);
	const char odd[] = "C,C01,,1,x,R02权\n";
	assert_int_equal(codes_parse_csv(odd, strlen(odd), "2018-01-01", &rows, err, sizeof err), -1);
	assert_non_null(strstr(err, "R代码"));
	assert_true(date_valid("2024-02-29"));
	assert_false(date_valid("2023-02-29"));
}

static void test_filetype(void **state)
{
	(void)state;
	assert_string_equal(filetype_sniff((const unsigned char *)"%PDF-1.7 ...", 12, "a.exe"), "application/pdf");
	assert_string_equal(filetype_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n....", 12, "x"), "image/png");
	assert_string_equal(filetype_sniff((const unsigned char *)"ID3\x04....", 8, "call.mp3"), "audio/mpeg");
	assert_string_equal(filetype_sniff((const unsigned char *)"RIFF\0\0\0\0WAVEfmt ", 16, "r.wav"), "audio/wav");
	assert_string_equal(filetype_sniff((const unsigned char *)"#!AMR\n", 6, "r.amr"), "audio/amr");
	/* call recordings (issue 15): properly sniffed, not just by the first bytes */
	assert_string_equal(filetype_sniff((const unsigned char *)"RIFF\0\0\0\0WAVEJUNK", 16, "r.wav"), "audio/wav");
	assert_string_equal(filetype_sniff((const unsigned char *)"RIFF\0\0\0\0WAVELIST", 16, "r.wav"), "audio/wav");
	assert_null(filetype_sniff((const unsigned char *)"RIFF\0\0\0\0WAVE<scr", 16, "r.wav"));
	assert_null(filetype_sniff((const unsigned char *)"RIFF\0\0\0\0WAVE", 12, "r.wav"));
	assert_string_equal(filetype_sniff((const unsigned char *)"\xFF\xFB\x90\x64", 4, "c.mp3"), "audio/mpeg"); /* MPEG-1 L3 128k 44.1k */
	assert_string_equal(filetype_sniff((const unsigned char *)"\xFF\xF3\x48\xC4", 4, "c.mp3"), "audio/mpeg"); /* MPEG-2 L3 */
	assert_null(filetype_sniff((const unsigned char *)"\xFF\xFF\xFF\xFF", 4, "c.mp3"));           /* layer I, bad bitrate */
	assert_null(filetype_sniff((const unsigned char *)"\xFF\xEB\x90\x64", 4, "c.mp3"));           /* reserved version */
	assert_null(filetype_sniff((const unsigned char *)"\xFF\xFB\xF0\x64", 4, "c.mp3"));           /* bitrate index 15 */
	assert_null(filetype_sniff((const unsigned char *)"\xFF\xFB\x9C\x64", 4, "c.mp3"));           /* reserved sample rate */
	assert_null(filetype_sniff((const unsigned char *)"\xFF\xFB", 2, "c.mp3"));
	assert_null(filetype_sniff((const unsigned char *)"ID3\x09....", 8, "c.mp3"));                  /* no such ID3 version */
	assert_string_equal(filetype_sniff((const unsigned char *)"PK\x03\x04....", 8, "letter.docx"),
			    "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	assert_null(filetype_sniff((const unsigned char *)"PK\x03\x04....", 8, "archive.zip"));
	assert_null(filetype_sniff((const unsigned char *)"#!/bin/sh\n", 10, "x.pdf"));
	assert_null(filetype_sniff((const unsigned char *)"<html>", 6, "a.png"));
	assert_null(filetype_sniff((const unsigned char *)"MZ\x90\0", 4, "a.pdf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_codes_csv),
		cmocka_unit_test(test_filetype),
	};
	return cmocka_run_group_tests_name("formats", tests, NULL, NULL);
}
