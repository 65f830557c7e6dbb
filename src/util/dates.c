/* Date arithmetic (see dates.h): the civil-from-days algorithm over a day number counted from
 * 1970-01-01. */
#include "util/dates.h"
#include <stdio.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int32_t civil_from_days(int64_t z)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t y = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	return (int32_t)((y + (m <= 2)) * 10000 + m * 100 + d);
}

static int64_t day_number(int32_t ymd)
{
	return days_from_civil(ymd / 10000, (unsigned)(ymd / 100 % 100), (unsigned)(ymd % 100));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t ymd_day_number(int32_t ymd)
{
	return day_number(ymd);
}

int32_t ymd_from_day_number(int64_t day)
{
	return civil_from_days(day);
}

int64_t day_number_from_ms(int64_t ms, int tz_offset_min)
{
	return floor_div(ms + (int64_t)tz_offset_min * 60000, MS_PER_DAY);
}

int64_t ms_into_local_day(int64_t ms, int tz_offset_min)
{
	int64_t local = ms + (int64_t)tz_offset_min * 60000;
	return (local % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY;
}

bool ms_is_local_midnight(int64_t ms, int tz_offset_min)
{
	return ms_into_local_day(ms, tz_offset_min) == 0;
}

int32_t ymd_from_ms(int64_t ms, int tz_offset_min)
{
	return civil_from_days(day_number_from_ms(ms, tz_offset_min));
}

int32_t ymd_add_days(int32_t ymd, int n)
{
	return civil_from_days(day_number(ymd) + n);
}

int ymd_weekday(int32_t ymd)
{
	int64_t z = day_number(ymd); /* 1970-01-01 was a Thursday (4) */
	int64_t w = (z % 7 + 7 + 3) % 7;
	return (int)w + 1;
}

bool ymd_valid(int32_t ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return false;
	return civil_from_days(day_number(ymd)) == ymd;
}

int64_t ymd_start_ms(int32_t ymd, int tz_offset_min)
{
	return day_number(ymd) * MS_PER_DAY - (int64_t)tz_offset_min * 60000;
}

int64_t ymd_end_ms(int32_t ymd, int tz_offset_min)
{
	return ymd_start_ms(ymd, tz_offset_min) + MS_PER_DAY - 1;
}

void ymd_format(int32_t ymd, char *out, int outlen)
{
	snprintf(out, (size_t)outlen, "%04d-%02d-%02d", (int)(ymd / 10000 % 10000), (int)(ymd / 100 % 100),
		 (int)(ymd % 100));
}
