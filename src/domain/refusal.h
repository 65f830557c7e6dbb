/* A refusal found while deciding something (inside a transaction, in the domain or the API):
 * the HTTP status, the stable error code, the Chinese message and the field at fault. The API
 * turns it into the error reply.
 *
 * The message and the field are carried by value: on SQLite a transaction body runs on the
 * writer thread and the reply is made later on the request thread, so a pointer into a buffer of
 * the thread that refused (or into data a retried body freed) could be overwritten by the next
 * job before the reply reads it. */
#ifndef FCMS_REFUSAL_H
#define FCMS_REFUSAL_H

struct refusal {
	int status;
	const char *code;  /* a string literal (stable error codes are static); NULL = no refusal */
	char message[256]; /* UTF-8, cut at a character boundary when longer */
	char field[64];    /* "" when no field is at fault */
};

/* Fills *e (copying message and field) and returns 1, so a transaction body can
 * `return refuse(...)`. code must be a string literal; message and field may be any text (field
 * NULL for none). */
int refuse(struct refusal *e, int status, const char *code, const char *message, const char *field);
/* Like refuse() with a printf-formatted message. */
int refusef(struct refusal *e, int status, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The field at fault, or NULL when none (for the reply helpers). */
const char *refusal_field(const struct refusal *e);

#endif
