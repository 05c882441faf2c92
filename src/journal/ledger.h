/* The data-flow ledger (docs/ledger.md): every transfer out of an invocation bound to site
 * S — webtrigger responses, direct invocation results (`kiln invoke`, resolvers), egress
 * requests, remote calls — is recorded with its time, app, installation, destination,
 * bytes and invocation id. When the destination is another kiln site's webtrigger (a URL
 * on kiln's public URL, /x1/{id} or /public/{id}), the record also names that site T: a
 * cross-site flow S -> T. Inbound cross-site flows seen at a webtrigger (the request of
 * site T's webtrigger carries site S's canary, journal/leak.h) are recorded as S -> T too.
 *
 * Recording is off the hot path: the ledger is a journal (journal/journal.h). ledger_record
 * copies the record into a bounded queue (one mutex, no allocation, no I/O); the writer
 * thread resolves destinations to sites and writes batches (one transaction each, at most
 * every LEDGER_FLUSH_MS or when LEDGER_BATCH records wait). A full queue drops and counts
 * (ledger_dropped, /metrics kiln_ledger_dropped_total). The writer deletes records past
 * the retention period once an hour, and rebuilds the leak matcher when sites were added
 * by another process (journal/leak.h).
 *
 * A site's view (store_ledger_list) is the records whose source is the site (where its
 * data went) and those whose destination site is the site (which sites' data came in);
 * never another pair's flows.
 *
 * What a record may hold: ids, a kind, a destination (a URL without its query, or a short
 * description such as "client 10.0.0.1"), a byte count. Never a body. */
#ifndef KILN_LEDGER_H
#define KILN_LEDGER_H

#include <stdint.h>

#include "auth/invocation.h"
#include "journal/journal.h"

#define LEDGER_QUEUE_MAX 16384
#define LEDGER_BATCH 1024
#define LEDGER_FLUSH_MS 200
#define LEDGER_RETENTION_DAYS_DEFAULT 90
#define LEDGER_DEST_MAX 256 /* bytes of a destination kept (a URL's query is cut first) */

/* Kinds of transfer (the `kind` column). Outbound: the sender's invocation. */
#define LEDGER_WEBTRIGGER_RESPONSE "webtrigger.response" /* a webtrigger's answer to its caller */
#define LEDGER_INVOKE_RESULT "invoke.result"             /* a direct invocation's value to the admin API */
#define LEDGER_EGRESS "egress"                           /* an outbound fetch of the function */
#define LEDGER_REMOTE "remote"                           /* a call to a Forge remote */
/* Inbound: the receiver's invocation; the source site is known from its canary. */
#define LEDGER_WEBTRIGGER_REQUEST "webtrigger.request"
#define LEDGER_INVOKE_PAYLOAD "invoke.payload"

/* Starts the writer (own store handle). public_url: kiln's public base URL, to tell
 * another site's webtrigger among destinations. enabled 0: ledger_record records nothing
 * (`kiln serve --ledger off`). retention_days 0: keep forever. 0, or -1 with err. */
int ledger_start(const char *data_dir, const char *public_url, int enabled, unsigned retention_days, char *err,
                 size_t errlen);
/* Flushes the queue and stops the writer. */
void ledger_stop(void);
/* 1 when records are kept (started and enabled). */
int ledger_enabled(void);

/* Records a transfer of `bytes` out of invocation `inv` (bound to inv->site_id) of `kind`
 * (LEDGER_*) to `destination` (a URL — its query is not kept — or a short description;
 * NULL: unknown). When destination is a webtrigger URL of kiln's, the writer names the
 * site it belongs to. Never blocks on I/O; callable from any thread. This is what
 * egress_note_transfer and remote_note_transfer call: ledger_record(inv, LEDGER_EGRESS,
 * url, body_bytes). */
void ledger_record(const invocation_t *inv, const char *kind, const char *destination, uint64_t bytes);

/* Records an inbound cross-site flow: data of `source_site_id` (found by its canary)
 * entered invocation `inv` of site inv->site_id as `kind` (LEDGER_WEBTRIGGER_REQUEST,
 * LEDGER_INVOKE_PAYLOAD) with `bytes`. */
void ledger_record_inbound(const invocation_t *inv, int64_t source_site_id, const char *kind, uint64_t bytes);

/* Records dropped because the queue was full, since start. */
uint64_t ledger_dropped(void);
/* Records lost because their batch could not be written (journal_unwritten: the store
 * away), and those batches. */
uint64_t ledger_unwritten(void);
uint64_t ledger_unwritten_batches(void);

/* w->c is sent once every record made before this call is in the store (journal_barrier). */
void ledger_barrier(journal_wait_t *w);

#endif
