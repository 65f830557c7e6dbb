/* Refusals (see refusal.h). */
#include "domain/refusal.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Copies src into dst[n], cutting at a UTF-8 character boundary so a long message never ends in
 * half a character. */
static void copy_utf8(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--; /* src[len] continues a character: drop that whole character */
	}
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

int refuse(struct refusal *e, int status, const char *code, const char *message, const char *field)
{
	e->status = status;
	e->code = code;
	copy_utf8(e->message, sizeof e->message, message);
	copy_utf8(e->field, sizeof e->field, field);
	return 1;
}

int refusef(struct refusal *e, int status, const char *code, const char *field, const char *fmt, ...)
{
	char buf[sizeof e->message * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return refuse(e, status, code, buf, field);
}

const char *refusal_field(const struct refusal *e)
{
	return e->field[0] ? e->field : NULL;
}
