#include "base/arena.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN 16384u /* one request's kreq, query values and response fit in it */
#define SPARES 16        /* arenas each thread keeps for reuse */

struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct defer {
    struct defer *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct block *head;
    struct defer *defers;
    size_t cap, total;
};

_Noreturn void kiln_oom(size_t n)
{
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory\",\"bytes\":%zu}\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        kiln_oom(n);
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        kiln_oom(n * m);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        kiln_oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* Freed arenas keep their first block and wait here for the thread's next request, so a
 * request costs no malloc of its own in the common case. */
static __thread arena_t *spare[SPARES];
static __thread unsigned nspare;

/* Spares are freed when their thread exits (a key destructor), so no thread that uses
 * arenas has to remember to. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_destructor(void *unused)
{
    (void)unused;
    arena_thread_exit();
}

static void spare_key_init(void)
{
    pthread_key_create(&spare_key, spare_destructor);
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

arena_t *arena_new(size_t cap)
{
    arena_t *a = nspare ? spare[--nspare] : xcalloc(1, sizeof *a);
    a->cap = cap;
    return a;
}

void arena_free(arena_t *a)
{
    if (!a)
        return;
    while (a->defers) {
        struct defer *d = a->defers;
        a->defers = d->next;
        d->fn(d->arg); /* the record itself lives in a block, freed below */
    }
    /* Keep the first (oldest, BLOCK_MIN-sized) block when the arena goes back to the
     * spares; free the rest. */
    struct block *keep = NULL;
    while (a->head) {
        struct block *b = a->head;
        a->head = b->next;
        if (!a->head && b->size == BLOCK_MIN && nspare < SPARES)
            keep = b;
        else
            free(b);
    }
    if (!keep) {
        free(a);
        return;
    }
    keep->used = 0;
    keep->next = NULL;
    *a = (arena_t){.head = keep};
    if (nspare == 0) {
        pthread_once(&spare_once, spare_key_init);
        pthread_setspecific(spare_key, (void *)1); /* arms the destructor for this thread */
    }
    spare[nspare++] = a;
}

void arena_thread_exit(void)
{
    while (nspare) {
        arena_t *a = spare[--nspare];
        free(a->head);
        free(a);
    }
}

void *arena_alloc(arena_t *a, size_t n)
{
    if (n > a->cap - a->total)
        return NULL; /* checked before rounding, which could wrap */
    n = (n + 15) & ~(size_t)15;
    if (n > a->cap - a->total)
        return NULL;
    struct block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = b ? b->size * 2 : BLOCK_MIN;
        if (b && b->size - b->used < 256 && n <= b->size / 2)
            sz = b->size; /* just full: keep the size steady instead of doubling */
        if (sz < n)
            sz = n;
        if (sz > 1024 * 1024 && n <= 1024 * 1024)
            sz = 1024 * 1024;
        b = xmalloc(sizeof *b + sz);
        b->size = sz;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *arena_calloc(arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n);
    return p ? memset(p, 0, n) : NULL;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    if ((size_t)n < sizeof small)
        return arena_strndup(a, small, (size_t)n);
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_defer(arena_t *a, void (*fn)(void *), void *arg)
{
    /* Cleanup records must exist even when the cap is reached, or resources would leak. */
    struct defer *d = arena_alloc(a, sizeof *d);
    if (!d) {
        a->cap += sizeof(struct defer) + 16;
        d = arena_alloc(a, sizeof *d);
    }
    d->fn = fn;
    d->arg = arg;
    d->next = a->defers;
    a->defers = d;
}

size_t arena_used(const arena_t *a)
{
    return a->total;
}
