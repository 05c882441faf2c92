/* The store's product-events family: the durable, ordered record of every write to a
 * site's product data (product/events.h says which writes and what each carries). Table:
 * product_events.
 *
 * An event is appended in the transaction of the write it records, so a write and its
 * event commit together or not at all; each site's events are numbered 1, 2, 3 ... in the
 * order their writes committed, with no gaps. */
#ifndef KILN_STORE_EVENTS_H
#define KILN_STORE_EVENTS_H

#include "store/store.h"

typedef struct event_rec {
    int64_t seq;      /* assigned by store_event_append */
    const char *kind; /* avi:jira:created:issue, ... */
    int64_t created_ms;
    const char *actor_account_id; /* the user, or the acting app's bot user; NULL: the platform */
    const char *entity_id;        /* the issue, comment, worklog, project, sprint ... id */
    const char *payload_json;     /* a JSON object */
} event_rec_t;

/* Appends e to the site's events, assigning e->seq. Run it inside the write's transaction
 * (store_begin ... store_commit): its commit calls the events hook (store.h). */
int store_event_append(store_t *st, int64_t site_id, event_rec_t *e);
/* Up to `max` events of the site with seq > after, in order; *out is arena memory. */
int store_event_list(store_t *st, arena_t *a, int64_t site_id, int64_t after, int64_t max, event_rec_t **out,
                     size_t *n);

#endif
