/* A refusal found while deciding something (inside a transaction, in the domain or the API):
 * the HTTP status, the stable error code, the Chinese message and the field at fault. The API
 * turns it into the error reply. */
#ifndef FCMS_REFUSAL_H
#define FCMS_REFUSAL_H

struct refusal {
	int status;
	const char *code;
	const char *message; /* static, or a thread-local buffer valid until the next refusal */
	const char *field;
};

/* Fills *e and returns 1, so a transaction body can `return refuse(...)`. */
int refuse(struct refusal *e, int status, const char *code, const char *message, const char *field);
/* Like refuse() with a printf-formatted message kept in a thread-local buffer. */
int refusef(struct refusal *e, int status, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
