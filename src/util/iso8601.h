/* ISO 8601 instants with an explicit offset, as the API exchanges them for complaints. */
#ifndef FCMS_ISO8601_H
#define FCMS_ISO8601_H
#include <stdint.h>

/* Parses "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+HH:MM"/"-HH:MM" (a space instead of
 * 'T' is accepted). Returns 0 and epoch ms, or -1 (no offset, bad fields, out of range). */
int iso8601_parse(const char *s, int64_t *ms);
/* Formats ms in the given offset as "YYYY-MM-DDTHH:MM:SS+08:00" into buf (>= 26 bytes). */
void iso8601_format(int64_t ms, int offset_min, char *buf, int buflen);
/* The same with milliseconds, "YYYY-MM-DDTHH:MM:SS.fff+08:00" (buf >= 30 bytes): for logs whose
 * entries are less than a second apart (a delivery's attempts). */
void iso8601_format_ms(int64_t ms, int offset_min, char *buf, int buflen);

#endif
