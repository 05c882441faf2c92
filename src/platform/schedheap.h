/* The scheduler's timetable (platform/schedule.h): one entry per (installation,
 * scheduledTrigger module), in a binary min-heap by the time its next run is due and a
 * hash table by its key, and the slot arithmetic that places each run.
 *
 * Slots: an interval of length I (fiveMinute 300 s, hour, day, week) has one fixed phase
 * per (installation, module): the first 8 bytes of SHA-256(installation NUL module) mod I.
 * The runs fall at t = k*I + phase (epoch milliseconds): the same instants across
 * restarts and deploys, spread over the interval between installations (Forge: "if an
 * hourly trigger invokes at 1:10 for a particular installation ... it will invoke again
 * at 2:10").
 *
 * Cost: top is O(1), so a scheduler with nothing due spends one comparison per tick
 * however many entries it holds; put, update and remove are O(log n); find is O(1).
 * Single-threaded: the owner (HTTP thread 0) is the only one to touch it. Entries are
 * owned by the table (malloc'd, freed by remove and free). */
#ifndef KILN_SCHEDHEAP_H
#define KILN_SCHEDHEAP_H

#include <stddef.h>
#include <stdint.h>

/* The length of a manifest interval name in ms, or -1 for another name. */
int64_t sched_interval_ms(const char *interval);
/* The name of an interval length (NULL: none). */
const char *sched_interval_name(int64_t interval_ms);
/* The phase (0 .. interval_ms-1) of (installation, module). */
int64_t sched_phase(const char *installation_id, const char *module_key, int64_t interval_ms);
/* The first slot strictly after t. */
int64_t sched_next_after(int64_t t, int64_t interval_ms, int64_t phase_ms);

typedef struct sched_entry {
    int64_t site_id;
    int64_t interval_ms, phase_ms;
    int64_t next_ms;           /* the heap's key */
    size_t heap_i;             /* where it is in the heap */
    struct sched_entry *hnext; /* its hash chain */
    uint64_t hash;
    char installation_id[40];
    char module_key[]; /* NUL-terminated */
} sched_entry_t;

typedef struct schedheap {
    sched_entry_t **heap;
    size_t n, cap;
    sched_entry_t **buckets;
    size_t nbuckets; /* a power of two, >= n */
} schedheap_t;

void schedheap_init(schedheap_t *h);
void schedheap_free(schedheap_t *h);
size_t schedheap_size(const schedheap_t *h);
/* The entry due first, or NULL when empty. */
sched_entry_t *schedheap_top(const schedheap_t *h);
/* 1 if an entry is due by now_ms: all an idle tick does (the top's time, one comparison). */
int schedheap_due(const schedheap_t *h, int64_t now_ms);
sched_entry_t *schedheap_find(const schedheap_t *h, const char *installation_id, const char *module_key);
/* Adds (installation, module) or, if present, changes its site, interval and next run;
 * the phase follows from the key and the interval. NULL if the installation id is longer
 * than 36 characters. */
sched_entry_t *schedheap_put(schedheap_t *h, const char *installation_id, const char *module_key, int64_t site_id,
                             int64_t interval_ms, int64_t next_ms);
/* Moves e's next run. */
void schedheap_update(schedheap_t *h, sched_entry_t *e, int64_t next_ms);
/* Removes and frees e. */
void schedheap_remove(schedheap_t *h, sched_entry_t *e);

#endif
