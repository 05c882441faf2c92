#include "store/qcache.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"

struct entry {
    char *key; /* NULL: empty slot */
    uint64_t gen;
    int64_t made_ms, total;
    size_t n;
    arena_t *mem; /* owns key, records and their strings */
    project_rec_t *recs;
};

struct qcache {
    struct entry e[QCACHE_ENTRIES];
    unsigned next; /* round-robin replacement */
};

static void clear(struct entry *e)
{
    arena_free(e->mem);
    *e = (struct entry){0};
}

void qcache_free(qcache_t *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < QCACHE_ENTRIES; i++)
        clear(&c->e[i]);
    free(c);
}

/* Every parameter, length-prefixed so no two searches share a key: the site first, and
 * the viewer and its roles (one user's view is another's only when both are equal). */
static char *make_key(arena_t *a, int64_t site, const project_filter_t *f)
{
    const char *q = f->query ? f->query : "", *k = f->keys_json ? f->keys_json : "",
               *t = f->types_json ? f->types_json : "", *v = f->viewer ? f->viewer : "",
               *r = f->viewer_roles ? f->viewer_roles : "";
    return arena_printf(a, "%lld|%d|%lld|%lld|%d%c%zu:%s|%d%c%zu:%s|%d%c%zu:%s|%d%c%zu:%s|%d%c%zu:%s", (long long)site,
                        f->order, (long long)f->start_at, (long long)f->max_results, f->query != NULL, 'q', strlen(q),
                        q, f->keys_json != NULL, 'k', strlen(k), k, f->types_json != NULL, 't', strlen(t), t,
                        f->viewer != NULL, 'v', strlen(v), v, f->viewer_roles != NULL, 'r', strlen(r), r);
}

static const char *dup(arena_t *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

static void copy_recs(arena_t *a, project_rec_t *dst, const project_rec_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
        dst[i].key = dup(a, src[i].key);
        dst[i].name = dup(a, src[i].name);
        dst[i].description = dup(a, src[i].description);
        dst[i].type_key = dup(a, src[i].type_key);
        dst[i].lead_account_id = dup(a, src[i].lead_account_id);
        dst[i].assignee_type = dup(a, src[i].assignee_type);
        dst[i].url = dup(a, src[i].url);
    }
}

int qcache_get(qcache_t **cp, arena_t *a, uint64_t gen, int64_t ttl_ms, int64_t site, const project_filter_t *f,
               project_rec_t **out, size_t *n, int64_t *total)
{
    qcache_t *c = *cp;
    if (!c || f->insight)
        return 0;
    char *key = make_key(a, site, f);
    int64_t now = clock_now_ms();
    for (unsigned i = 0; key && i < QCACHE_ENTRIES; i++) {
        struct entry *e = &c->e[i];
        if (!e->key || strcmp(e->key, key) != 0)
            continue;
        if (e->gen != gen || now - e->made_ms >= ttl_ms) {
            clear(e);
            return 0;
        }
        project_rec_t *v = arena_alloc(a, (e->n ? e->n : 1) * sizeof *v);
        if (!v)
            return 0;
        copy_recs(a, v, e->recs, e->n);
        *out = v;
        *n = e->n;
        *total = e->total;
        return 1;
    }
    return 0;
}

void qcache_put(qcache_t **cp, uint64_t gen, int64_t site, const project_filter_t *f, const project_rec_t *recs,
                size_t n, int64_t total)
{
    if (f->insight)
        return;
    if (!*cp)
        *cp = xcalloc(1, sizeof **cp);
    qcache_t *c = *cp;
    struct entry *e = &c->e[c->next++ % QCACHE_ENTRIES];
    clear(e);
    e->gen = gen;
    e->made_ms = clock_now_ms();
    e->mem = arena_new(1024 * 1024);
    e->key = make_key(e->mem, site, f);
    e->recs = arena_alloc(e->mem, (n ? n : 1) * sizeof *e->recs);
    if (!e->key || !e->recs) {
        clear(e);
        return;
    }
    copy_recs(e->mem, e->recs, recs, n);
    e->n = n;
    e->total = total;
}
