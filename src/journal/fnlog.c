#include "journal/fnlog.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "store/store_journal.h"

/* One invocation's lines. The ids are copied: the invocation may be gone when they are
 * written, and nothing of its heap (scopes, egress) is kept. */
typedef struct slot {
    int64_t site_id;
    char installation_id[37], app_id[37], invocation_id[37];
    char module_key[sizeof(((invocation_t *)0)->module_key)];
    json_t *lines; /* owned */
    size_t bytes;  /* of their messages, counted in `waiting` until written */
} slot_t;

static journal_t J = JOURNAL_INIT;
static atomic_size_t waiting;           /* bytes of messages queued and not written yet */
static atomic_uint_fast64_t over_bytes; /* invocations dropped for FNLOG_BYTES_MAX */

static size_t bytes_of(json_t *lines)
{
    size_t n = 0, i;
    json_t *l;
    json_array_foreach(lines, i, l) n += json_string_length(json_object_get(l, "message"));
    return n;
}

void fnlog_record(const invocation_t *inv, json_t *lines)
{
    if (!inv || !json_is_array(lines) || json_array_size(lines) == 0) {
        json_decref(lines);
        return;
    }
    size_t bytes = bytes_of(lines);
    if (atomic_fetch_add(&waiting, bytes) + bytes > FNLOG_BYTES_MAX) {
        atomic_fetch_sub(&waiting, bytes);
        atomic_fetch_add(&over_bytes, 1);
        json_decref(lines);
        return;
    }
    slot_t *s = journal_take(&J);
    if (!s) {
        atomic_fetch_sub(&waiting, bytes);
        json_decref(lines);
        return;
    }
    s->bytes = bytes;
    s->site_id = inv->site_id;
    journal_put(s->installation_id, sizeof s->installation_id, inv->installation_id, SIZE_MAX);
    journal_put(s->app_id, sizeof s->app_id, inv->app_id, SIZE_MAX);
    journal_put(s->invocation_id, sizeof s->invocation_id, inv->id, SIZE_MAX);
    journal_put(s->module_key, sizeof s->module_key, inv->module_key, SIZE_MAX);
    s->lines = lines;
    journal_commit(&J);
}

void fnlog_line(const invocation_t *inv, const char *level, const char *message)
{
    if (!inv)
        return;
    fnlog_record(inv, json_pack("[{s:s,s:s,s:I}]", "level", level, "message", message ? message : "", "time",
                                (json_int_t)clock_now_ms()));
}

uint64_t fnlog_dropped(void)
{
    return journal_dropped(&J) + atomic_load(&over_bytes);
}

uint64_t fnlog_unwritten(void)
{
    return journal_unwritten(&J);
}

uint64_t fnlog_unwritten_batches(void)
{
    return journal_unwritten_batches(&J);
}

void fnlog_barrier(journal_wait_t *w)
{
    journal_barrier(&J, w);
}

static int write_batch(store_t *st, void *slots, size_t n, void *scratch)
{
    (void)scratch;
    slot_t *batch = slots;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += json_array_size(batch[i].lines);
    log_rec_t *recs = xcalloc(total ? total : 1, sizeof *recs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const slot_t *s = &batch[i];
        size_t j;
        json_t *l;
        json_array_foreach(s->lines, j, l)
        {
            const char *level = json_str(l, "level"), *message = json_str(l, "message");
            recs[k++] = (log_rec_t){.site_id = s->site_id,
                                    .installation_id = s->installation_id,
                                    .app_id = s->app_id,
                                    .invocation_id = s->invocation_id,
                                    .module_key = s->module_key,
                                    .level = level ? level : "log",
                                    .message = message ? message : "",
                                    .time_ms = json_integer_value(json_object_get(l, "time"))};
        }
    }
    int rc = k ? store_logs_insert(st, recs, k) : STORE_OK; /* a failure: counted and logged by the journal */
    free(recs);
    for (size_t i = 0; i < n; i++) {
        atomic_fetch_sub(&waiting, batch[i].bytes);
        json_decref(batch[i].lines);
    }
    return rc;
}

static const journal_def_t def = {
    .name = "fnlog",
    .slot_size = sizeof(slot_t),
    .queue_max = FNLOG_QUEUE_MAX,
    .batch = FNLOG_BATCH,
    .flush_ms = FNLOG_FLUSH_MS,
    .write = write_batch,
};

int fnlog_start(const char *data_dir, char *err, size_t errlen)
{
    return journal_start(&J, &def, data_dir, 0, err, errlen);
}

void fnlog_stop(void)
{
    journal_stop(&J);
}
