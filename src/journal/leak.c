#include "journal/leak.h"

#include <hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "journal/audit.h"
#include "journal/fnlog.h"
#include "journal/ledger.h"
#include "store/store_sites.h"

/* One compiled database and what its pattern ids mean. */
typedef struct leak_db {
    hs_database_t *db;
    int64_t *site_of;    /* pattern id -> site id */
    char (*name_of)[64]; /* pattern id -> site name ("" when not known) */
    size_t n;
    unsigned gen; /* bumped per load: threads grow their scratch once per generation */
} leak_db_t;

static struct {
    pthread_rwlock_t lock; /* read: a scan; write: the swap */
    leak_db_t *cur;
    unsigned gen;
    atomic_int mode;
    pthread_once_t once;
    pthread_key_t scratch_key;
} L = {.lock = PTHREAD_RWLOCK_INITIALIZER, .mode = LEAK_DEVELOPMENT, .once = PTHREAD_ONCE_INIT};

typedef struct thread_scratch {
    hs_scratch_t *s;
    unsigned gen;
} thread_scratch_t;

static void scratch_free(void *p)
{
    thread_scratch_t *ts = p;
    if (ts) {
        hs_free_scratch(ts->s);
        free(ts);
    }
}

static void once_init(void)
{
    pthread_key_create(&L.scratch_key, scratch_free);
}

void leak_set_mode(enum leak_mode mode)
{
    atomic_store(&L.mode, (int)mode);
}
enum leak_mode leak_mode(void)
{
    return (enum leak_mode)atomic_load(&L.mode);
}

int leak_applies(const char *env_key)
{
    switch (leak_mode()) {
    case LEAK_ALL: return 1;
    case LEAK_DEVELOPMENT: /* Forge's DEVELOPMENT type: development and custom environments */
        return env_key && strcmp(env_key, "production") != 0 && strcmp(env_key, "staging") != 0;
    default: return 0;
    }
}

static void db_free(leak_db_t *d)
{
    if (!d)
        return;
    hs_free_database(d->db);
    free(d->site_of);
    free(d->name_of);
    free(d);
}

static int load(const int64_t *site_ids, const char *const *canaries, const char *const *names, size_t n, char *err,
                size_t errlen)
{
    pthread_once(&L.once, once_init);
    if (hs_valid_platform() != HS_SUCCESS) {
        snprintf(err, errlen, "this CPU cannot run Hyperscan (SSSE3 needed): leak detection is off");
        return -1;
    }
    leak_db_t *d = xcalloc(1, sizeof *d);
    d->n = n;
    d->site_of = xcalloc(n ? n : 1, sizeof *d->site_of);
    d->name_of = xcalloc(n ? n : 1, sizeof *d->name_of);
    if (n) {
        unsigned *flags = xcalloc(n, sizeof *flags), *ids = xcalloc(n, sizeof *ids);
        size_t *lens = xcalloc(n, sizeof *lens);
        for (size_t i = 0; i < n; i++) {
            flags[i] = HS_FLAG_SINGLEMATCH; /* one report per site and scan */
            ids[i] = (unsigned)i;
            lens[i] = strlen(canaries[i]);
            d->site_of[i] = site_ids[i];
            snprintf(d->name_of[i], sizeof d->name_of[i], "%s", names && names[i] ? names[i] : "");
        }
        hs_compile_error_t *ce = NULL;
        hs_error_t rc = hs_compile_lit_multi(canaries, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &d->db, &ce);
        free(flags);
        free(ids);
        free(lens);
        if (rc != HS_SUCCESS) {
            snprintf(err, errlen, "cannot compile the canary database: %s", ce && ce->message ? ce->message : "error");
            hs_free_compile_error(ce);
            db_free(d);
            return -1;
        }
    }
    pthread_rwlock_wrlock(&L.lock);
    leak_db_t *old = L.cur;
    d->gen = ++L.gen;
    L.cur = d;
    pthread_rwlock_unlock(&L.lock); /* no scan holds `old` past here */
    db_free(old);
    return 0;
}

int leak_load(const int64_t *site_ids, const char *const *canaries, size_t n, char *err, size_t errlen)
{
    return load(site_ids, canaries, NULL, n, err, errlen);
}

int leak_reload(store_t *st, char *err, size_t errlen)
{
    arena_t *a = arena_new(64u << 20);
    site_rec_t *sites;
    size_t n;
    int rc = -1;
    if (store_site_list(st, a, &sites, &n) != STORE_OK) {
        snprintf(err, errlen, "cannot read the sites");
        goto out;
    }
    int64_t *ids = arena_alloc(a, (n ? n : 1) * sizeof *ids);
    const char **can = arena_alloc(a, (n ? n : 1) * sizeof *can), **names = arena_alloc(a, (n ? n : 1) * sizeof *names);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (sites[i].canary && *sites[i].canary) {
            ids[k] = sites[i].id;
            names[k] = sites[i].name;
            can[k++] = sites[i].canary;
        }
    rc = load(ids, can, names, k, err, errlen);
out:
    arena_free(a);
    return rc;
}

void leak_unload(void)
{
    pthread_rwlock_wrlock(&L.lock);
    leak_db_t *old = L.cur;
    L.cur = NULL;
    pthread_rwlock_unlock(&L.lock);
    db_free(old);
    if (L.once == PTHREAD_ONCE_INIT)
        return;
    thread_scratch_t *ts = pthread_getspecific(L.scratch_key);
    pthread_setspecific(L.scratch_key, NULL);
    scratch_free(ts);
}

size_t leak_patterns(void)
{
    pthread_rwlock_rdlock(&L.lock);
    size_t n = L.cur ? L.cur->n : 0;
    pthread_rwlock_unlock(&L.lock);
    return n;
}

typedef struct match_ctx {
    const leak_db_t *d;
    int64_t own;
    const int64_t *skip;
    unsigned nskip;
    leak_hits_t *hits;
} match_ctx_t;

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *p)
{
    (void)from;
    (void)to;
    (void)flags;
    match_ctx_t *m = p;
    int64_t site = m->d->site_of[id];
    if (site == m->own)
        return 0;
    for (unsigned i = 0; i < m->nskip; i++)
        if (m->skip[i] == site)
            return 0;
    if (m->hits->n < LEAK_HITS_MAX)
        m->hits->site_id[m->hits->n++] = site;
    else
        m->hits->more++;
    return 0; /* SINGLEMATCH: each site is reported once per scan */
}

int leak_find(const void *p, size_t n, int64_t own_site, const int64_t *skip, unsigned nskip, leak_hits_t *hits)
{
    hits->n = hits->more = 0;
    if (!p || n == 0)
        return 0;
    if (n > UINT32_MAX) /* Hyperscan's block length is 32-bit; kiln's bodies are far smaller */
        n = UINT32_MAX;
    pthread_rwlock_rdlock(&L.lock);
    leak_db_t *d = L.cur;
    if (!d || !d->db) {
        pthread_rwlock_unlock(&L.lock);
        return 0;
    }
    thread_scratch_t *ts = pthread_getspecific(L.scratch_key);
    if (!ts) {
        ts = xcalloc(1, sizeof *ts);
        pthread_setspecific(L.scratch_key, ts);
    }
    if (!ts->s || ts->gen != d->gen) {
        if (hs_alloc_scratch(d->db, &ts->s) != HS_SUCCESS) { /* grows it for this database */
            pthread_rwlock_unlock(&L.lock);
            return 0;
        }
        ts->gen = d->gen;
    }
    match_ctx_t m = {.d = d, .own = own_site, .skip = skip, .nskip = nskip, .hits = hits};
    hs_scan(d->db, p, (unsigned)n, 0, ts->s, on_match, &m);
    pthread_rwlock_unlock(&L.lock);
    return (int)(hits->n + hits->more);
}

/* The name of a site of the current database, into out ("" when unknown). */
static void site_name(int64_t site, char *out, size_t cap)
{
    out[0] = '\0';
    pthread_rwlock_rdlock(&L.lock);
    for (size_t i = 0; L.cur && i < L.cur->n; i++)
        if (L.cur->site_of[i] == site) {
            snprintf(out, cap, "%s", L.cur->name_of[i]);
            break;
        }
    pthread_rwlock_unlock(&L.lock);
}

int leak_scan(const invocation_t *inv, const char *source, const char *destination, const void *p, size_t n)
{
    if (!inv || !leak_applies(inv->env_key))
        return 0;
    leak_hits_t hits;
    int found = leak_find(p, n, inv->site_id, inv->inbound_sites, inv->n_inbound, &hits);
    if (!found)
        return 0;
    char own[64];
    site_name(inv->site_id, own, sizeof own);
    const char *dest = destination && *destination ? destination : "-";
    for (unsigned i = 0; i < hits.n; i++) {
        char src[64], detail[400], line[640];
        site_name(hits.site_id[i], src, sizeof src);
        snprintf(detail, sizeof detail, "source site %s, destination site %s: %s to %.120s", src, own,
                 source ? source : "", dest);
        /* one event for each site involved: both admins see it in their own view */
        for (int side = 0; side < 2; side++)
            audit_record(&(audit_event_t){.site_id = side ? hits.site_id[i] : inv->site_id,
                                          .kind = AUDIT_LEAK,
                                          .plane = "runtime",
                                          .app_id = inv->app_id,
                                          .installation_id = inv->installation_id,
                                          .invocation_id = inv->id,
                                          .category = AUDIT_LEAK,
                                          .detail = detail});
        snprintf(line, sizeof line,
                 "kiln: " AUDIT_LEAK ": data of site %s left this invocation of site %s (%s to %.120s). A "
                 "module-level cache or global shared between installations is the usual cause (docs/ledger.md).",
                 src, own, source ? source : "", dest);
        fnlog_line(inv, "warn", line);
    }
    if (hits.more) {
        char line[160];
        snprintf(line, sizeof line, "kiln: " AUDIT_LEAK ": data of %u more sites left this invocation", hits.more);
        fnlog_line(inv, "warn", line);
    }
    return found;
}

int leak_scan_inbound(invocation_t *inv, const char *kind, const void *p, size_t n)
{
    if (!inv || (!leak_applies(inv->env_key) && !ledger_enabled()))
        return 0;
    leak_hits_t hits;
    int found = leak_find(p, n, inv->site_id, NULL, 0, &hits);
    inv->n_inbound = hits.n;
    for (unsigned i = 0; i < hits.n; i++) {
        inv->inbound_sites[i] = hits.site_id[i];
        ledger_record_inbound(inv, hits.site_id[i], kind, n);
    }
    return found;
}
