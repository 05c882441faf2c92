/* Leases of the delivery engine's RUNNING deliveries (docs/scale.md "Leases"): which
 * node runs an attempt, so that a node (re)starting beside a live one takes back only
 * what a dead node left, and a survivor takes it back without restarting.
 *
 *   - each process start draws a node id (a random UUID, logged at start);
 *   - a claim (store_delivery_start) leases the row to the node until now + the lease;
 *   - the engine's thread renews the leases of the attempts it holds every lease/3, in
 *     one statement (two renewals may fail before a lease lapses);
 *   - every lease/2 it takes back RUNNING rows whose lease expired (PENDING again), so a
 *     dead node's attempts run again at most lease + lease/2 (+ the clocks' skew between
 *     nodes) after its last renewal;
 *   - an attempt's end is written only while its row is still leased to this node: a node
 *     that lost its lease (a pause, the store away longer than the lease) writes nothing.
 *   - a node restarted on the same data dir takes back its last process's rows at once:
 *     DATA/deliver.node names that process, under an flock each process holds for its
 *     life, so taking the lock proves it is gone (another kiln serve sharing the data dir
 *     holds it: then leases alone decide).
 * With SQLite (one process on its data dir) every RUNNING row at start is the last
 * process's and is taken back at once; no renewal or periodic recovery runs. */
#ifndef KILN_DELIVER_LEASE_H
#define KILN_DELIVER_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define DELIVER_LEASE_MS 30000 /* a RUNNING row's lease (KILN_DELIVERY_LEASE_MS overrides) */
#define DELIVER_LEASE_MIN_MS 1000
#define DELIVER_LEASE_MAX_MS 600000
#define DELIVER_LEASE_IDS_MAX 256 /* attempts renewed per call (the engine holds at most 128) */

/* Once per process, before deliver_recover: draws this node's id and reads the lease
 * (KILN_DELIVERY_LEASE_MS, DELIVER_LEASE_MIN_MS..DELIVER_LEASE_MAX_MS; unset: the
 * default), and logs both. 0, or -1 with a one-line reason (a bad KILN_DELIVERY_LEASE_MS). */
int deliver_lease_init(char *err, size_t errlen);
/* This node's id (36 characters; "" before deliver_lease_init). */
const char *deliver_lease_owner(void);
/* The lease in ms. */
int64_t deliver_lease_ms(void);
/* 1 when leases are renewed and recovered while kiln runs (a store shared by nodes). */
int deliver_lease_shared(void);
/* 1 when no other kiln serve runs on this data dir now: SQLite (DATA/serve.lock), or this
 * process took DATA/deliver.node's lock (after deliver_lease_init). What another process
 * left in the data dir (a killed fetch's temporary) is then known to be left. */
int deliver_lease_data_dir_alone(void);

/* The engine's thread, each turn: when due, renews the leases of the `n` attempts it
 * holds (ids), then takes back the expired leases of any node. Returns how many were
 * taken back (> 0: the caller runs a pass for them); cheap when nothing is due. */
int64_t deliver_lease_turn(store_t *st, int64_t now_ms, const int64_t *ids, size_t n);

#endif
