/* Live invocations and their tokens. An invocation token (`kiln_i_` + 256 random bits)
 * is valid exactly while its invocation runs: it is registered when the invocation is
 * handed to a worker and removed when it ends, so a token copied out of a finished
 * invocation is dead at once. Only its SHA-256 is kept. The registry is shared by all
 * threads (one mutex; lookups copy the record out). */
#ifndef KILN_INVOCATION_H
#define KILN_INVOCATION_H

#include <stdint.h>

#include "auth/token.h"
#include "base/arena.h"

#define INV_INBOUND_MAX 16

/* What a running invocation may do: the gateway binds every proxy call to these. */
typedef struct invocation {
    char id[37]; /* invocationId (UUID) */
    char installation_id[37];
    char app_id[37];
    char env_key[32];
    char cloud_id[37];
    int64_t site_id;
    char bot_account_id[64];
    char module_key[256];
    char *scopes; /* space-separated consented scopes (heap, owned by the registry copy) */
    /* The user the invocation runs for (`kiln invoke --as`, a UI's resolver call), whose
       asUser() calls act with the user's permissions within `scopes`; "" for none. */
    char user_account_id[129];
    /* The consented scopes the manifest lets the app use as any user of the site without
       that user present (asUser(accountId), `allowImpersonation: true`): set only for
       invocations with no user (webtriggers, triggers); heap, owned like scopes; NULL is "" */
    char *imp_scopes;
    char *egress; /* the version's egress allowlist, newline-separated (platform/egress.h);
                     heap, owned like scopes; NULL is "" */
    int64_t deadline_ms;
    /* The delivery (store/store_deliveries.h) this invocation is an attempt of, set by the
     * delivery engine; 0 for none. Async events count a consumer's pushes in the chain of
     * the event it runs (platform/queue_chain.h). */
    int64_t delivery_id;
    /* A preUninstall run (platform/deliver_preuninstall.c): its installation is already
     * removed, yet the run may still call its own site's product (gateway/function.c) —
     * Forge's hook exists for that cleanup. */
    int pre_uninstall;
    /* Sites whose canaries came in with the invocation's payload (journal/leak.h): a
     * declared transfer into it, not flagged when that data leaves again. */
    int64_t inbound_sites[INV_INBOUND_MAX];
    unsigned n_inbound;
} invocation_t;

/* Registers inv (copied) and writes its fresh token into token. 0 or -1 (full). */
int invocation_begin(const invocation_t *inv, char token[TOKEN_MAX]);
/* Ends the invocation whose token this is: the token stops working. Unknown tokens are
 * ignored. */
void invocation_end(const char *token);
/* Looks a token up; on success copies the record (scopes into `a`) and returns 0. A
 * token past its deadline is refused too. */
int invocation_lookup(const char *token, size_t len, arena_t *a, invocation_t *out);
/* ---- calls after the end ----
 * An ended invocation's token is remembered (its SHA-256 and the invocation's ids, not its
 * scopes or egress) for INV_ENDED_KEEP_MS, the last INV_ENDED_MAX of them, so that a call
 * made with it later (unawaited work: docs/runtime.md) can be told apart from a forged
 * token and shown in that invocation's log. It opens nothing: invocation_lookup refuses it
 * as before. */
#define INV_ENDED_MAX 2048
#define INV_ENDED_KEEP_MS (15 * 60 * 1000)

/* When `token` is the token of an ended invocation: copies its ids into *out (scopes,
 * egress and imp_scopes NULL), counts this call and returns how many calls after the end it has had,
 * this one included (1, 2, ...). 0 when it is not one (unknown, live, forgotten). */
unsigned invocation_late(const char *token, size_t len, invocation_t *out);

/* Number of live invocations (metrics, tests). */
unsigned invocation_count(void);

#endif
