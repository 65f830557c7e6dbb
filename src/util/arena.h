/* A per-request memory arena: many small allocations, freed all at once when the request
 * completes. Blocks are chained; nothing is ever freed individually. Not thread-safe: one arena
 * belongs to one request, which MHD serves on one thread at a time. */
#ifndef FCMS_ARENA_H
#define FCMS_ARENA_H
#include <stddef.h>

struct arena;

/* Returns a new empty arena, or NULL when out of memory. Free with arena_free(). */
struct arena *arena_new(void);
/* Frees the arena and everything allocated from it. NULL is allowed. */
void arena_free(struct arena *a);
/* Returns n bytes aligned for any type, zeroed; NULL on overflow or out of memory.
 * The memory lives until arena_free(). */
void *arena_alloc(struct arena *a, size_t n);
/* Copies the string (or its first n bytes for arena_strndup) into the arena; NULL in, NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into the arena; returns NULL on error. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Total bytes handed out (for tests and metrics). */
size_t arena_used(const struct arena *a);

#endif
