/* The values of an import row's cells (see import_values.h): pure functions, no database. */
#include "domain/import_values.h"
#include "domain/complaint.h"
#include "util/dates.h"
#include "util/iso8601.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s without leading and trailing spaces (ASCII and U+3000) into out. */
void import_trim_to(const char *s, char *out, size_t n)
{
	while (*s == ' ' || *s == '\t' || !strncmp(s, "\xE3\x80\x80", 3))
		s += *s == ' ' || *s == '\t' ? 1 : 3;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	while (len >= 3 && !memcmp(s + len - 3, "\xE3\x80\x80", 3))
		len -= 3;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* A cell a spreadsheet would run as a formula when the data is opened again (CSV injection):
 * =, @, or + / - not followed by a digit, and the tab/CR prefixes that hide them. */
bool import_formula_like(const char *s)
{
	if (!*s)
		return false;
	if (*s == '=' || *s == '@' || *s == '\t' || *s == '\r')
		return true;
	if ((*s == '+' || *s == '-') && s[1] && !isdigit((unsigned char)s[1]) && s[1] != '.' && s[1] != ' ')
		return true;
	return false;
}

/* "2023-05-01", "2023/5/1 9:30", "2023-05-01 09:30:00", ISO 8601 with offset, or an Excel date
 * serial (days since 1899-12-30, the fraction the time of day), bank local time. 0 or -1. */
int import_parse_time(const char *s, int64_t *ms)
{
	if (!*s)
		return -1;
	char *end;
	double serial = strtod(s, &end);
	if (*end == '\0' && end != s && serial > 1 && serial < 2958466) {
		double days = serial - 25569.0; /* 1970-01-01 */
		*ms = (int64_t)(days * (double)MS_PER_DAY + (days >= 0 ? 0.5 : -0.5)) - CN_TZ_OFFSET_MS;
		return 0;
	}
	if (strchr(s, 'T') && iso8601_parse(s, ms) == 0)
		return 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	char sep;
	if (sscanf(s, "%4d%c%2d%*[-/]%2d%n", &y, &sep, &mo, &d, &n) < 4 || (sep != '-' && sep != '/'))
		return -1;
	const char *rest = s + n;
	if (*rest) {
		int m2 = 0;
		if (sscanf(rest, " %2d:%2d%n", &h, &mi, &m2) < 2)
			return -1;
		rest += m2;
		if (*rest == ':') {
			int m3 = 0;
			if (sscanf(rest, ":%2d%n", &sec, &m3) < 1)
				return -1;
			rest += m3;
		}
		if (*rest)
			return -1;
	}
	if (h > 23 || mi > 59 || sec > 59 || !ymd_valid(y * 10000 + mo * 100 + d))
		return -1;
	char iso[40];
	snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, h, mi, sec);
	return iso8601_parse(iso, ms);
}

/* "1,234.56" yuan -> fen. 0 or -1. */
int import_parse_yuan(const char *s, int64_t *fen)
{
	int64_t whole = 0;
	int frac = 0, fd = 0;
	bool dot = false, any = false;
	for (; *s; s++) {
		if (*s == ',')
			continue;
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return -1;
		any = true;
		if (dot) {
			if (++fd > 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		} else if ((whole = whole * 10 + (*s - '0')) > 1000000000000LL)
			return -1;
	}
	if (!any)
		return -1;
	if (fd == 1)
		frac *= 10;
	*fen = whole * 100 + frac;
	return 0;
}

const char *import_status_from(const char *s)
{
	static const struct {
		const char *word, *status;
	} words[] = {{"registered", "registered"}, {"processing", "processing"}, {"reviewing", "reviewing"},
		     {"replied", "replied"},       {"closed", "closed"},         {"withdrawn", "withdrawn"},
		     {"已登记", "registered"},     {"待处理", "registered"},     {"已受理", "registered"},
		     {"处理中", "processing"},     {"办理中", "processing"},     {"待审核", "reviewing"},
		     {"审核中", "reviewing"},      {"已答复", "replied"},        {"已回复", "replied"},
		     {"已办结", "closed"},         {"办结", "closed"},           {"已结案", "closed"},
		     {"已关闭", "closed"},         {"已撤回", "withdrawn"},      {"撤诉", "withdrawn"}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(s, words[i].word))
			return words[i].status;
	return NULL;
}

const char *import_reply_result_from(const char *s)
{
	static const char *const map[][2] = {{"accepted", "accepted"},   {"partially_accepted", "partially_accepted"},
					     {"not_accepted", "not_accepted"}, {"explained", "explained"},
					     {"满足诉求", "accepted"},   {"部分满足", "partially_accepted"},
					     {"不予支持", "not_accepted"}, {"解释说明", "explained"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(s, map[i][0]))
			return map[i][1];
	return NULL;
}

/* The rights cell ("R01;R03", separated by ; ， , 、 or spaces) as a JSON array; NULL when bad. */
json_t *import_split_rights(const char *s)
{
	json_t *a = json_array();
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", s);
	for (char *p = buf; a && *p;) {
		size_t n = strcspn(p, ";,， 、；");
		if (n) {
			char save = p[n];
			p[n] = '\0';
			json_array_append_new(a, json_string(p));
			p[n] = save;
			p += n;
		}
		/* skip one separator, ASCII or a three-byte one */
		if (*p)
			p += ((unsigned char)*p >= 0x80) ? 3 : 1;
	}
	return a;
}

