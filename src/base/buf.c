#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

void buf_init(buf_t *b, size_t max)
{
    *b = (buf_t){.max = max};
}

void buf_init_arena(buf_t *b, arena_t *a, size_t max)
{
    *b = (buf_t){.max = max, .arena = a};
}

void buf_free(buf_t *b)
{
    if (!b->arena)
        free(b->ptr);
    *b = (buf_t){.max = b->max, .arena = b->arena};
}

/* Sets the capacity to c (> len); 0 or -1 when the arena is out of room. */
static int grow(buf_t *b, size_t c)
{
    if (!b->arena) {
        b->ptr = xrealloc(b->ptr, c);
    } else {
        char *p = arena_alloc(b->arena, c);
        if (!p)
            return -1;
        if (b->len)
            memcpy(p, b->ptr, b->len + 1);
        b->ptr = p;
    }
    b->cap = c;
    return 0;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void buf_reserve(buf_t *b, size_t n)
{
    if (n > b->max + 1)
        n = b->max + 1;
    if (n > b->cap && grow(b, n) == 0 && b->len == 0)
        b->ptr[0] = '\0';
}

int buf_add(buf_t *b, const void *p, size_t n)
{
    if (n > b->max - b->len)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n + 1)
            c *= 2;
        if (c > b->max + 1)
            c = b->max + 1;
        if (grow(b, c) != 0)
            return -1;
    }
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int buf_adds(buf_t *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return buf_add(b, small, (size_t)n);
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = buf_add(b, big, (size_t)n);
    free(big);
    return rc;
}
