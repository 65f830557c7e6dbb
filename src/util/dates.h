/* Calendar dates as yyyymmdd integers and their relation to UTC epoch milliseconds in a fixed
 * offset (China has no daylight saving). Pure arithmetic, no libc time-zone state. */
#ifndef FCMS_DATES_H
#define FCMS_DATES_H
#include <stdbool.h>
#include <stdint.h>

/* One day in epoch milliseconds (calendar arithmetic on instants; no daylight saving in China). */
#define MS_PER_DAY 86400000LL

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
/* "YYYY-MM-DD" for a yyyymmdd date into out (at least 16 bytes). */
void ymd_format(int32_t ymd, char *out, int outlen);

#endif
