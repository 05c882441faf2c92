#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "http/metrics.h"

int router_init(route_table_t *t)
{
    if (t->ready)
        return 0;
    for (unsigned i = 0; i < t->n; i++) {
        route_t *r = &t->routes[i];
        char *copy = xstrdup(r->pattern); /* lives for the process, as the table does */
        r->nsegs = 0;
        for (char *save = NULL, *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save))
            r->segs[r->nsegs++] = s;
        char name[256];
        snprintf(name, sizeof name, "%s %s %s", t->name, r->method, r->pattern);
        r->metric = metrics_route_id(xstrdup(name));
        if (t->scoped) {
            r->scopes = scope_find(r->method, r->pattern);
            if (!r->scopes) {
                log_msg(LOG_ERROR, "route has no operation in the scope table", "route", name, NULL);
                return -1;
            }
        }
    }
    t->ready = 1;
    return 0;
}

/* Number of literal segments matched, or -1 if the route does not match. */
static int score(const route_t *r, const kreq_t *kr)
{
    size_t n = kr->nseg - kr->base;
    if (n != r->nsegs)
        return -1;
    int lit = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = r->segs[i];
        if (p[0] == '{')
            continue;
        if (strcmp(p, kr->seg[kr->base + i]) != 0)
            return -1;
        lit++;
    }
    return lit;
}

int router_match(const route_table_t *t, kreq_t *kr)
{
    const route_t *best = NULL;
    int best_score = -1, path_matched = 0;
    for (unsigned i = 0; i < t->n; i++) {
        int s = score(&t->routes[i], kr);
        if (s < 0)
            continue;
        path_matched = 1;
        if (!kreq_method_is(kr, t->routes[i].method) &&
            !(strcmp(t->routes[i].method, "GET") == 0 && kreq_method_is(kr, "HEAD")))
            continue;
        if (s > best_score) {
            best = &t->routes[i];
            best_score = s;
        }
    }
    if (!best)
        return path_matched ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
    kr->route = best;
    kr->metric_route = best->metric;
    unsigned np = 0;
    for (unsigned i = 0; i < best->nsegs && np < 4; i++)
        if (best->segs[i][0] == '{')
            kr->params[np++] = kr->seg[kr->base + i];
    return ROUTE_FOUND;
}
