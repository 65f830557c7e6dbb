/* ISO 8601 parsing and formatting without libc time-zone state. */
#include "util/iso8601.h"
#include "util/dates.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int num(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int iso8601_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec = 0, frac = 0;
	if (!s || strlen(s) < 17 || num(s, 4, &y) || s[4] != '-' || num(s + 5, 2, &mo) || s[7] != '-' ||
	    num(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || num(s + 11, 2, &h) || s[13] != ':' ||
	    num(s + 14, 2, &mi))
		return -1;
	const char *p = s + 16;
	if (*p == ':') {
		if (num(p + 1, 2, &sec))
			return -1;
		p += 3;
		if (*p == '.') {
			p++;
			int digits = 0;
			while (isdigit((unsigned char)*p)) {
				if (digits < 3)
					frac = frac * 10 + (*p - '0');
				digits++;
				p++;
			}
			if (!digits)
				return -1;
			for (; digits < 3; digits++)
				frac *= 10;
		}
	}
	int offset;
	if (*p == 'Z' && !p[1]) {
		offset = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;
		if (num(p + 1, 2, &oh) || num(p + 4, 2, &om) || oh > 14 || om > 59)
			return -1;
		offset = (oh * 60 + om) * (*p == '-' ? -1 : 1);
	} else {
		return -1;
	}
	int32_t ymd = y * 10000 + mo * 100 + d;
	if (!ymd_valid(ymd) || h > 23 || mi > 59 || sec > 59)
		return -1;
	int64_t midnight = ymd_start_ms(ymd, 0); /* midnight UTC of ymd */
	*ms = midnight + (((int64_t)h * 60 + mi) * 60 + sec) * 1000 + frac - (int64_t)offset * 60000;
	return 0;
}

void iso8601_format(int64_t ms, int offset_min, char *buf, int buflen)
{
	int32_t ymd = ymd_from_ms(ms, offset_min);
	int64_t in_day = ms_into_local_day(ms, offset_min) / 1000;
	int off = offset_min < 0 ? -offset_min : offset_min;
	snprintf(buf, (size_t)buflen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", ymd / 10000, ymd / 100 % 100,
		 ymd % 100, (int)(in_day / 3600), (int)(in_day / 60 % 60), (int)(in_day % 60),
		 offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

void iso8601_format_ms(int64_t ms, int offset_min, char *buf, int buflen)
{
	char whole[32];
	iso8601_format(ms, offset_min, whole, sizeof whole);
	int frac = (int)(((ms % 1000) + 1000) % 1000);
	/* "YYYY-MM-DDTHH:MM:SS" is 19 characters; the offset follows. */
	snprintf(buf, (size_t)buflen, "%.19s.%03d%s", whole, frac, whole + 19);
}
