/* Calendar dates as yyyymmdd integers and their relation to UTC epoch milliseconds in a fixed
 * offset (China has no daylight saving). Pure arithmetic, no libc time-zone state. This header
 * is the one place that defines the length of a day and the bank's time zone: code that needs
 * either uses these names instead of writing 86400000 or 480 again. */
#ifndef FCMS_DATES_H
#define FCMS_DATES_H
#include <stdbool.h>
#include <stdint.h>

#define MS_PER_DAY INT64_C(86400000) /* milliseconds in a day (int64) */
#define MS_PER_HOUR INT64_C(3600000)
/* The bank's time zone: China Standard Time, UTC+8, no daylight saving. Every calendar day the
 * system shows, counts or reports is a day in this zone. */
#define CN_TZ_OFFSET_MIN 480
#define CN_TZ_OFFSET_MS ((int64_t)CN_TZ_OFFSET_MIN * 60000)

/* Local date of an instant. */
int32_t ymd_from_ms(int64_t ms, int tz_offset_min);
/* ymd plus n days (n may be negative). */
int32_t ymd_add_days(int32_t ymd, int n);
/* 1 = Monday ... 7 = Sunday. */
int ymd_weekday(int32_t ymd);
/* True for a valid Gregorian date in yyyymmdd form between 1900 and 2999. */
bool ymd_valid(int32_t ymd);
/* Epoch ms of the end of a local day (23:59:59.999). */
int64_t ymd_end_ms(int32_t ymd, int tz_offset_min);
/* Epoch ms of the start of a local day (00:00:00.000). */
int64_t ymd_start_ms(int32_t ymd, int tz_offset_min);
/* "YYYY-MM-DD" for a yyyymmdd date into out (at least 16 bytes). */
void ymd_format(int32_t ymd, char *out, int outlen);

/* Day numbers: days since 1970-01-01 (day 0), negative before. */
int64_t ymd_day_number(int32_t ymd);
int32_t ymd_from_day_number(int64_t day);
/* Local day number of an instant (rounds toward the past). */
int64_t day_number_from_ms(int64_t ms, int tz_offset_min);
/* Milliseconds since local midnight of an instant, 0 .. MS_PER_DAY - 1. */
int64_t ms_into_local_day(int64_t ms, int tz_offset_min);
/* True when ms is exactly a local midnight. */
bool ms_is_local_midnight(int64_t ms, int tz_offset_min);

#endif
