/* Arena: a bump allocator that owns everything one request (or one CLI command)
 * allocates, and runs registered cleanups when it is destroyed. Each thread keeps a few
 * freed arenas (with their first block) for reuse; an arena may be freed on any thread.
 *
 * Allocation never returns NULL for sizes within the cap: small internal allocations
 * that fail abort through kiln_oom(). Growth beyond the arena's cap is a user-sized
 * request and returns NULL, which callers turn into 413/400. */
#ifndef KILN_ARENA_H
#define KILN_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

/* Creates an arena that will hand out at most `cap` bytes in total. */
arena_t *arena_new(size_t cap);
/* Runs the cleanups in reverse order of registration and frees all memory. NULL is a no-op. */
void arena_free(arena_t *a);

/* Returns `n` bytes aligned to 16, or NULL when the cap would be exceeded. */
void *arena_alloc(arena_t *a, size_t n);
/* Zeroed variant of arena_alloc. */
void *arena_calloc(arena_t *a, size_t n);
/* Copies `n` bytes of `s` and appends a NUL. NULL when over cap. */
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_strdup(arena_t *a, const char *s);
/* printf into the arena; NULL when over cap. */
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Registers fn(arg) to run when the arena is freed (json_decref, sqlite3_reset, ...). */
void arena_defer(arena_t *a, void (*fn)(void *), void *arg);

/* Frees the arenas this thread keeps for reuse (also done automatically at thread exit). */
void arena_thread_exit(void);

/* Bytes handed out so far. */
size_t arena_used(const arena_t *a);

/* The one out-of-memory handler: logs and aborts. */
_Noreturn void kiln_oom(size_t n);
/* malloc/calloc/realloc/strdup that never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
