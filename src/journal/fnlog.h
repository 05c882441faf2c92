/* The functions' logs: what an invocation wrote with console.* (runtime/node/worker.js),
 * its fault if it failed, and kiln's warnings about it (the leak scan, journal/leak.h),
 * kept per site and shown by `kiln logs` (GET /admin/v1/logs).
 *
 * A journal (journal/journal.h): fnlog_record queues one invocation's lines as one slot
 * (a copy of its ids and the lines' JSON array, no I/O) from any thread; the writer
 * thread writes them in batches. A full queue drops the invocation's lines and counts
 * them (fnlog_dropped, /metrics kiln_fnlog_dropped_total). One writer for every
 * producer: the runtime thread, the HTTP threads lending workers, the leak scan. */
#ifndef KILN_FNLOG_H
#define KILN_FNLOG_H

#include <jansson.h>
#include <stdint.h>

#include "auth/invocation.h"
#include "journal/journal.h"

#define FNLOG_QUEUE_MAX 8192 /* invocations whose lines wait */
#define FNLOG_BATCH 256      /* invocations per transaction */
#define FNLOG_FLUSH_MS 100
#define FNLOG_BYTES_MAX (64u << 20) /* of messages waiting: past it an invocation's lines are dropped */

/* Starts the writer (own store handle). 0, or -1 with err. */
int fnlog_start(const char *data_dir, char *err, size_t errlen);
/* Writes what is queued and stops the writer. */
void fnlog_stop(void);

/* Queues the lines of invocation `inv`: `lines` is a JSON array of {level, message,
 * time} (epoch ms), taken (freed here when dropped). Only inv's ids are copied; none of
 * its heap fields. Never blocks on I/O. */
void fnlog_record(const invocation_t *inv, json_t *lines);
/* The level of the one row each finished invocation gets after its lines: message
 * "<outcome> in <N> ms", outcome ok, error, timeout, crash, overload, setup-failed or
 * not-started.
 * Listings leave these rows out unless asked (store_logs_list's with_invocations). */
#define FNLOG_INVOCATION "invocation"

/* Queues one line of kiln's own about invocation `inv`, timed now. */
void fnlog_line(const invocation_t *inv, const char *level, const char *message);

/* Invocations whose lines were dropped because the queue was full (FNLOG_QUEUE_MAX
 * invocations or FNLOG_BYTES_MAX bytes waiting), since start. */
uint64_t fnlog_dropped(void);
/* Records lost because their batch could not be written (journal_unwritten: the store
 * away), and those batches. */
uint64_t fnlog_unwritten(void);
uint64_t fnlog_unwritten_batches(void);

/* w->c is sent once every line queued before this call is in the store (journal_barrier). */
void fnlog_barrier(journal_wait_t *w);

#endif
