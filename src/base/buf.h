/* buf: a growable byte buffer with a maximum fixed at creation (curl's dynbuf), so no
 * input can make kiln allocate without bound. Memory comes from the heap and is owned by
 * the buf; buf_free releases it. */
#ifndef KILN_BUF_H
#define KILN_BUF_H

#include <stddef.h>

struct arena;

typedef struct buf {
    char *ptr; /* NUL-terminated when len > 0 */
    size_t len, cap, max;
    struct arena *arena; /* memory from this arena instead of the heap, or NULL */
} buf_t;

void buf_init(buf_t *b, size_t max);
/* A buffer whose memory comes from arena `a` (it lives and dies with the arena;
 * buf_free is a no-op). Growth copies into a larger piece of the arena. */
void buf_init_arena(buf_t *b, struct arena *a, size_t max);
void buf_free(buf_t *b);
void buf_reset(buf_t *b);
/* Grows capacity to at least n bytes (bounded by max) without changing the content. */
void buf_reserve(buf_t *b, size_t n);
/* Appends; returns 0, or -1 (buffer unchanged) when the result would exceed max. */
int buf_add(buf_t *b, const void *p, size_t n);
int buf_adds(buf_t *b, const char *s);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
