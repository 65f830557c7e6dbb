/* Refusals (see refusal.h). */
#include "domain/refusal.h"
#include <stdarg.h>
#include <stdio.h>

int refuse(struct refusal *e, int status, const char *code, const char *message, const char *field)
{
	*e = (struct refusal){status, code, message, field};
	return 1;
}

int refusef(struct refusal *e, int status, const char *code, const char *field, const char *fmt, ...)
{
	static _Thread_local char buf[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return refuse(e, status, code, buf, field);
}
