/* Code table CSV and row checks (see codes.h). */
#include "domain/codes.h"
#include "domain/deadline.h"
#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int date_valid(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	int32_t ymd = atoi(s) * 10000 + atoi(s + 5) * 100 + atoi(s + 8);
	return ymd_valid(ymd);
}

/* Splits one CSV record (RFC 4180 quoting) starting at *p; fields are written into buf. */
static int split_record(const char **p, const char *end, char *buf, size_t buflen, char **fields,
			int maxf)
{
	int n = 0;
	size_t o = 0;
	const char *s = *p;
	while (s < end && n < maxf) {
		fields[n++] = buf + o;
		if (*s == '"') {
			s++;
			while (s < end) {
				if (*s == '"' && s + 1 < end && s[1] == '"') {
					if (o + 1 < buflen)
						buf[o++] = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					if (o + 1 < buflen)
						buf[o++] = *s;
					s++;
				}
			}
		}
		while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
			if (o + 1 < buflen)
				buf[o++] = *s;
			s++;
		}
		if (o < buflen)
			buf[o++] = '\0';
		if (s < end && *s == ',') {
			s++;
			continue;
		}
		break;
	}
	while (s < end && *s != '\n')
		s++;
	if (s < end)
		s++;
	*p = s;
	return n;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int codes_check_row(json_t *row, char *err, size_t errlen)
{
	const char *dim = json_string_value(json_object_get(row, "dimension"));
	const char *code = json_string_value(json_object_get(row, "code"));
	const char *parent = json_string_value(json_object_get(row, "parent"));
	const char *name = json_string_value(json_object_get(row, "name"));
	const char *from = json_string_value(json_object_get(row, "valid_from"));
	const char *to = json_string_value(json_object_get(row, "valid_to"));
	const char *sr = json_string_value(json_object_get(row, "suggest_rights"));
	json_int_t level = json_integer_value(json_object_get(row, "level"));
	if (!dim || strlen(dim) != 1 || !strchr("ABCR", dim[0]))
		return snprintf(err, errlen, "维度必须是A、B、C或R"), -1;
	if (!code || code[0] != dim[0] || strlen(code) < 2 || strlen(code) > 16)
		return snprintf(err, errlen, "代码“%.20s”必须以维度字母开头，长度2-16", code ? code : ""), -1;
	for (const char *s = code + 1; *s; s++)
		if (!isdigit((unsigned char)*s))
			return snprintf(err, errlen, "代码“%.20s”的字母后只能是数字", code), -1;
	if (parent && *parent && (strncmp(code, parent, strlen(parent)) != 0 || strlen(parent) >= strlen(code)))
		return snprintf(err, errlen, "代码“%.20s”的上级“%.20s”必须是它的前缀", code, parent), -1;
	if (level < 1 || level > 4)
		return snprintf(err, errlen, "代码“%.20s”的层级必须是1到4", code), -1;
	if ((level == 1) != !(parent && *parent))
		return snprintf(err, errlen, "代码“%.20s”：只有第1层没有上级", code), -1;
	if (!name || !*name || strlen(name) > 300)
		return snprintf(err, errlen, "代码“%.20s”的名称不能为空或过长", code), -1;
	if (!date_valid(from))
		return snprintf(err, errlen, "代码“%.20s”的生效日期必须是YYYY-MM-DD", code), -1;
	if (to && *to && (!date_valid(to) || strcmp(to, from) <= 0))
		return snprintf(err, errlen, "代码“%.20s”的失效日期必须晚于生效日期", code), -1;
	/* Rights codes: "R" and digits, one space between (as the import writes them). */
	for (const char *s = sr ? sr : ""; *s;) {
		size_t n = strcspn(s, " ");
		if (s[0] != 'R' || n < 2 || strspn(s + 1, "0123456789") != n - 1 || (s[n] == ' ' && !s[n + 1]))
			return snprintf(err, errlen, "代码“%.20s”的建议权益必须是以空格分隔的R代码", code), -1;
		s += n + (s[n] == ' ');
	}
	return 0;
}

/* A cell a spreadsheet would run as a formula (OWASP CSV injection): = + - @ TAB CR first, or
 * a quote before one of those (so that the quote the export adds comes off again exactly). */
static bool formula_like(const char *s)
{
	while (*s == '\'')
		s++;
	return *s && strchr("=+-@\t\r", *s) != NULL;
}

/* suggest_rights may be written R01;R02 (the shipped file), R01|R02 or R01 R02: kept as the codes
 * with one space between, into rights (size n). 0, or -1 when it does not fit. */
static int parse_rights(const char *in, char *rights, size_t n)
{
	size_t o = 0;
	for (const char *s = in; *s; s++) {
		bool sep = *s == ';' || *s == '|' || isspace((unsigned char)*s);
		if (sep && (o == 0 || rights[o - 1] == ' '))
			continue;
		if (o + 1 >= n)
			return -1;
		rights[o++] = sep ? ' ' : *s;
	}
	if (o && rights[o - 1] == ' ')
		o--;
	rights[o] = '\0';
	return 0;
}

/* The row of the n (>= 5) trimmed fields f of CSV line `line`, checked; NULL after writing why
 * into err. */
static json_t *row_from_fields(char **f, int n, int line, const char *default_from, char *err, size_t errlen)
{
	assert(n >= 5);
	char *lvl = trim(f[3]), *endp;
	long level = strtol(lvl, &endp, 10);
	if (!*lvl || *endp)
		return snprintf(err, errlen, "第%d行：层级必须是数字", line), NULL;
	char rights[128] = "";
	if (n > 5 && parse_rights(f[5], rights, sizeof rights) != 0)
		return snprintf(err, errlen, "第%d行：建议权益过长", line), NULL;
	const char *from = n > 6 && *trim(f[6]) ? trim(f[6]) : default_from;
	json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I}", "dimension", trim(f[0]), "code",
				trim(f[1]), "parent", trim(f[2]), "level", (json_int_t)level, "name", trim(f[4]),
				"suggest_rights", rights, "valid_from", from, "sort",
				(json_int_t)(n > 8 ? atol(trim(f[8])) : line));
	if (!row)
		return snprintf(err, errlen, "第%d行：内容不是有效的UTF-8文本", line), NULL;
	/* A valid_to that is not text must fail the row, not vanish (json_string gives NULL for
	 * bytes that are not UTF-8, and set_new(NULL) would leave the code without end). */
	json_t *to = n > 7 && *trim(f[7]) ? json_string(trim(f[7])) : json_null();
	char why[200];
	if (!to || json_object_set_new(row, "valid_to", to) != 0)
		snprintf(err, errlen, "第%d行：内容不是有效的UTF-8文本", line);
	else if (codes_check_row(row, why, sizeof why) != 0)
		snprintf(err, errlen, "第%d行：%s", line, why);
	else
		return row;
	json_decref(row);
	return NULL;
}

int codes_parse_csv(const char *text, size_t len, const char *default_from, json_t **rows,
		    char *err, size_t errlen)
{
	*rows = json_array();
	const char *p = text, *end = text + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) /* Excel's UTF-8 BOM */
		p += 3;
	/* A NUL would silently cut the field it is in (found by fuzz_codes_csv): refuse the file. */
	const char *nul = memchr(p, '\0', (size_t)(end - p));
	if (nul) {
		int at = 1;
		for (const char *q = p; q < nul; q++)
			at += *q == '\n';
		snprintf(err, errlen, "第%d行：含有空字符（不是文本文件）", at);
		goto fail;
	}
	char buf[2048];
	char *f[12];
	for (int line = 1; p < end; line++) {
		int n = split_record(&p, end, buf, sizeof buf, f, 12);
		for (int k = 0; k < n; k++) { /* the export's formula guard comes off (round trip) */
			f[k] = trim(f[k]);
			if (f[k][0] == '\'' && formula_like(f[k] + 1))
				f[k]++;
		}
		if (n == 0 || (n == 1 && !*trim(f[0])))
			continue;
		if (line == 1 && strcmp(trim(f[0]), "dimension") == 0)
			continue;
		if (n < 5) {
			snprintf(err, errlen, "第%d行：至少需要 dimension,code,parent,level,name 五列", line);
			goto fail;
		}
		json_t *row = row_from_fields(f, n, line, default_from, err, errlen);
		if (!row)
			goto fail;
		json_array_append_new(*rows, row);
	}
	return 0;
fail:
	json_decref(*rows);
	*rows = NULL;
	return -1;
}

static void put_field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	bool guard = formula_like(s);
	if (guard || strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		if (guard)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

char *codes_format_csv(json_t *rows)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("dimension,code,parent,level,name,suggest_rights,valid_from,valid_to,sort\n", f);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		static const char *const cols[] = {"dimension", "code", "parent", "level", "name",
						   "suggest_rights", "valid_from", "valid_to", "sort"};
		for (int c = 0; c < 9; c++) {
			json_t *v = json_object_get(r, cols[c]);
			if (c)
				fputc(',', f);
			if (json_is_integer(v))
				fprintf(f, "%lld", (long long)json_integer_value(v));
			else
				put_field(f, json_string_value(v));
		}
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}
