/* Tenant-leak detection (docs/ledger.md): every site has a canary (`kiln-canary-` + 32 hex
 * digits, platform/site.c) planted in its demo data. Bytes leaving an invocation bound to
 * site S are scanned, in one pass, for the canaries of every OTHER site with a
 * multi-pattern matcher (Hyperscan, block mode, literal patterns, one match per site and
 * scan). A hit means data of site T is on its way out of an invocation of S: kiln records
 * a CROSS_TENANT_LEAK_SUSPECTED audit event (journal/audit.h) and writes a warning line
 * into the invocation's logs (`kiln logs`).
 *
 * Declared transfers are not leaks: canaries that came INTO the invocation with its own
 * payload (a webtrigger request body carrying site A's data, a direct invocation's
 * payload) are scanned when the invocation is built (leak_scan_inbound) and remembered on
 * the invocation (invocation_t.inbound_sites); they are not flagged when they leave again,
 * and the flow is recorded in the data-flow ledger (journal/ledger.h) instead.
 *
 * Which invocations are scanned: by default those of development environments (Forge's
 * DEVELOPMENT type: `development` and custom environments), as the issue asks; `kiln serve
 * --leak-scan all` scans every environment, `--leak-scan off` none.
 *
 * Threads: the database is shared (read-locked while a scan runs, swapped under the write
 * lock by leak_reload); each thread has its own Hyperscan scratch, grown on first use after
 * a reload and freed when the thread exits. A scan allocates nothing else; it costs about
 * one pass over the bytes (measured in bench/ledger.sh). */
#ifndef KILN_LEAK_H
#define KILN_LEAK_H

#include <stddef.h>
#include <stdint.h>

#include "auth/invocation.h"
#include "store/store.h"

enum leak_mode { LEAK_OFF = 0, LEAK_DEVELOPMENT, LEAK_ALL };

#define LEAK_HITS_MAX INV_INBOUND_MAX /* distinct foreign sites reported per scan; more are counted only */

/* Audit event kind of a hit (docs/audit.md). */
#define AUDIT_LEAK "CROSS_TENANT_LEAK_SUSPECTED"

/* Where leaving bytes were seen: the `source` of leak_scan (also the ledger's kinds). */
#define LEAK_SRC_WEBTRIGGER "webtrigger.response"
#define LEAK_SRC_INVOKE "invoke.result"
#define LEAK_SRC_KVS "kvs.write"
#define LEAK_SRC_STORAGE "storage.write" /* the legacy storage API */
#define LEAK_SRC_PRODUCT "product.write" /* a request body to the site's product API (requestJira) */
#define LEAK_SRC_EGRESS "egress"
#define LEAK_SRC_REMOTE "remote"
#define LEAK_SRC_EVENT "event.payload" /* an event kiln hands to an app's module (platform/deliver.h) */

/* The sites whose canaries one scan found (excluding the ones it was told to skip). */
typedef struct leak_hits {
    int64_t site_id[LEAK_HITS_MAX];
    unsigned n;
    unsigned more; /* further distinct sites past LEAK_HITS_MAX */
} leak_hits_t;

/* Sets what is scanned (default LEAK_DEVELOPMENT). Call before threads start. */
void leak_set_mode(enum leak_mode mode);
enum leak_mode leak_mode(void);
/* 1 if invocations of environment `env_key` are scanned under the current mode. */
int leak_applies(const char *env_key);

/* (Re)builds the database from every site's canary in the store: at start and whenever a
 * site is created (admin API). Readers keep scanning the old database until the swap.
 * 0, or -1 with err (the old database, if any, stays). Without Hyperscan support on this
 * CPU (no SSSE3) it returns -1 and scans find nothing. */
int leak_reload(store_t *st, char *err, size_t errlen);
/* The same from an explicit list (unit tests; tools): canaries[i] belongs to site_ids[i]. */
int leak_load(const int64_t *site_ids, const char *const *canaries, size_t n, char *err, size_t errlen);
/* Frees the database (end of process; tests). */
void leak_unload(void);
/* Number of canaries in the current database. */
size_t leak_patterns(void);

/* The matcher itself: finds canaries in p[0..n) of sites other than own_site and not in
 * skip[0..nskip). Each site is reported once. Returns the number of sites found
 * (hits->n + hits->more), 0 when none or when no database is loaded. Thread-safe. */
int leak_find(const void *p, size_t n, int64_t own_site, const int64_t *skip, unsigned nskip, leak_hits_t *hits);

/* Scans bytes leaving invocation `inv` (bound to inv->site_id) towards `destination`
 * (short text: "client 10.0.0.1", a URL, "kvs") as `source` (LEAK_SRC_*), skipping the
 * canaries that came in with its payload (inv->inbound_sites). On each hit: an audit event
 * AUDIT_LEAK (site = the destination site S, detail names the source site T whose canary
 * it is, the source kind and the destination) and a warning line in the invocation's logs.
 * Does nothing when the invocation's environment is not scanned (leak_applies). Never
 * blocks on I/O (the audit and log writes are queued). Returns the number of foreign sites
 * found. Safe to call from any thread: egress_note_transfer and remote_note_transfer call
 * it with the body they pass on. */
int leak_scan(const invocation_t *inv, const char *source, const char *destination, const void *p, size_t n);

/* Scans an invocation's inbound payload (before it runs): the foreign canaries found are
 * written to inv->inbound_sites (a declared transfer into this invocation: not flagged
 * when they leave again) and each is recorded in the ledger as an inbound cross-site flow
 * T -> inv->site_id of kind `kind` ("webtrigger.request", "invoke.payload"). Runs when the
 * environment is scanned or the ledger is on. Returns the number of foreign sites. */
int leak_scan_inbound(invocation_t *inv, const char *kind, const void *p, size_t n);

#endif
