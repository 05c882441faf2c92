#include "platform/proxy.h"

#include <string.h>

#include "auth/invocation.h"
#include "gateway/gateway.h"
#include "journal/audit.h"
#include "platform/proxy_appevents.h"
#include "platform/proxy_egress.h"
#include "platform/proxy_kvs.h"
#include "platform/proxy_queue.h"
#include "platform/proxy_remote.h"
#include "platform/proxy_storage.h"
#include "platform/webtrigger.h"

static unsigned configured_rate = PROXY_RATE_PER_MIN;

void proxy_configure(unsigned rate_per_min)
{
    configured_rate = rate_per_min;
}

/* ---------------------------------------------------------------- what each type serves */

static int is(const kreq_t *kr, size_t i, const char *s)
{
    return kr->nseg > i && strcmp(kr->seg[i], s) == 0;
}

/* fpp POST /forge/entities/graphql */
static int match_storage(kreq_t *kr)
{
    return kr->nseg == 5 && is(kr, 2, "forge") && is(kr, 3, "entities") && is(kr, 4, "graphql") &&
           kreq_method_is(kr, "POST");
}

/* fpp POST /graphql */
static int match_graphql(kreq_t *kr)
{
    return kr->nseg == 3 && is(kr, 2, "graphql") && kreq_method_is(kr, "POST");
}

/* fpp /rest/..., for Jira (@forge/api's requestJira; another product's remote is refused) */
static int match_product(kreq_t *kr)
{
    const char *remote = kreq_header(kr, "x-forge-remote");
    return kr->nseg >= 3 && is(kr, 2, "rest") && (!remote || !*remote || strcmp(remote, "jira") == 0);
}

static void product(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    gateway_invocation_product(kr, inv, rate);
}
static void storage(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    proxy_storage(kr, inv);
}
static void graphql(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    webtrigger_graphql(kr, inv);
}
static void kvs(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    proxy_kvs(kr, inv);
}
static void appevents(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    proxy_appevents(kr, inv);
}
static void queue(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    proxy_queue(kr, inv);
}
static void remote(kreq_t *kr, const invocation_t *inv, unsigned rate)
{
    proxy_remote(kr, inv);
}

/* The types, in the order they are tried. `dispatch`: the plane lets the call through here
 * (the product's steps and invokeRemote decide for themselves); `http_only`: not carried on
 * a worker's pipe (answered later by a writer or a remote, or never from a pipe). */
static const struct proxy_kind {
    const char *type;         /* seg[1] */
    int (*match)(kreq_t *kr); /* the rest of the path; NULL: any */
    int http_only, dispatch;
    void (*fn)(kreq_t *kr, const invocation_t *inv, unsigned rate);
} kinds[] = {
    {"fpp", match_storage, 1, 1, storage},
    {"fpp", match_graphql, 0, 1, graphql},
    {"fpp", proxy_queue_match, 0, 1, queue},
    {"fpp", proxy_appevents_match, 0, 1, appevents},
    {"fpp", match_product, 0, 0, product},
    {"kvs", NULL, 0, 1, kvs},
    {"frc", NULL, 1, 0, remote},
};

/* ---------------------------------------------------------------- the plane */

static void pipeline(kreq_t *kr, unsigned rate_per_min, const char *only_invocation)
{
    invocation_t inv;
    if (gateway_invocation(kr, only_invocation, &inv) != 0)
        return;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const struct proxy_kind *k = &kinds[i];
        if (!is(kr, 1, k->type) || (k->match && !k->match(kr)) || (k->http_only && only_invocation))
            continue;
        if (k->dispatch)
            gateway_who(kr)->dispatched = 1;
        k->fn(kr, &inv, rate_per_min);
        return;
    }
    gateway_scope_hint(kr, &inv); /* another site's /ex/jira/{cloudId}, another product, ... */
}

void proxy_serve(kreq_t *kr, unsigned rate_per_min, const char *only_invocation)
{
    /* a remote call may write (its installation's system token), so it runs outside the snapshot */
    int frc = is(kr, 1, "frc");
    int read_tx =
        !frc && (kreq_method_is(kr, "GET") || kreq_method_is(kr, "HEAD")) && store_begin_read(kr->store) == STORE_OK;
    pipeline(kr, rate_per_min, only_invocation);
    if (read_tx)
        store_commit(kr->store);
    if (kr->req->res.status) /* answered now (not by a writer thread or a remote later) */
        gateway_audit(kr, AUDIT_PLANE_PROXY);
}

void proxy_handle(kreq_t *kr)
{
    if (kr->nseg == 2 && is(kr, 1, "egress")) {
        proxy_egress(kr); /* outbound requests of functions: their own token header */
        return;
    }
    proxy_serve(kr, configured_rate, NULL);
}
