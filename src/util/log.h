/* Logging to stderr, one line per call, written with a single write(2) so lines from several
 * threads never interleave. */
#ifndef FCMS_LOG_H
#define FCMS_LOG_H
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Buffers INFO and DEBUG lines (one request line each under load) and writes them in blocks,
 * at least every 200 ms, from a background thread; WARN and ERROR lines flush the buffer and are
 * written at once, so the order of lines is kept. log_buffering_stop() writes what is left.
 * Without it every line is written at once. */
int log_buffering_start(void);
void log_buffering_stop(void);

/* Sets the minimum level printed (default LOG_INFO). */
void log_set_level(enum log_level level);
/* Prints "<ISO time> <LEVEL> <message>" to stderr. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Current time as UTC epoch milliseconds. */
int64_t now_ms(void);
/* Monotonic clock in nanoseconds, for durations. */
uint64_t mono_ns(void);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" for epoch ms into buf (at least 25 bytes). */
void format_iso_ms(int64_t ms, char *buf, int bufsize);

#endif
