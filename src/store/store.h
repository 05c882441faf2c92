/* The store: every durable fact kiln keeps, behind one interface with pluggable
 * backends (SQLite today, PostgreSQL for fleets later). Handlers call only store_*
 * functions, never a backend directly.
 *
 * This header is what every user of the store shares: the handle, opening and
 * migrating, transactions and the result codes. The tables come in families, each with
 * its own header; include the ones you use (docs/store.md):
 *
 *   store/store_sites.h     sites, their users and the users' API tokens
 *   store/store_product.h   the product's projects and issues
 *   store/store_apps.h      apps, environments, versions, environment variables
 *   store/store_installs.h  installations, their webtriggers and lifecycle events
 *   store/store_kvs.h       app storage (key-value, entities, secrets)
 *   store/store_journal.h   function logs, the audit log, the data-flow ledger
 *   store/store_auth.h      wrapped data keys, app system token hashes
 *   store/store_sessions.h  the web UI's sessions and one-time sign-in links
 *
 * Threading: a store_t is a handle owned by one thread (each HTTP thread opens its own,
 * with its own prepared statements). Handles of one data dir may be used concurrently.
 *
 * Ownership: strings in records returned by the store are allocated in the arena the
 * caller passes and live as long as it. Records passed in are only read.
 *
 * Tenancy: every tenant-scoped function takes the site id as its first argument after
 * the handle, and every query filters on it. There is no function that reads tenant
 * rows across sites.
 *
 * Results: 0 on success, STORE_NOTFOUND, STORE_CONFLICT (uniqueness), STORE_ERROR,
 * STORE_UNAVAILABLE (cannot be reached now: retry later). A
 * write returns 0 only after it is durable (SQLite: WAL, group commit — the commit is
 * written without an fsync under the write lock, then the writer waits, outside the
 * lock, for one fsync of the WAL shared by every writer that committed before it
 * began; docs/store.md "Durability"). Other handles may read a committed write during
 * that wait (it survives kill -9 then; only a power loss within that fsync could undo
 * it, and then its writer was never answered). A deferred handle's write
 * (store_defer_durability, below) returns 0 once written; its owner answers only once
 * store_when_durable says an fsync covers it. A write refused because
 * the data dir's filesystem is full returns STORE_ERROR like any other failure, and
 * store_full_since() tells it apart (STORE_FULL: answered 507). */
#ifndef KILN_STORE_H
#define KILN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* STORE_UNAVAILABLE: the store cannot be reached now (the database is down or away, or
 * SQLite's write lock was not obtained within its timeout); nothing was done, and the same
 * call may succeed later. HTTP planes answer it with 503 and Retry-After. */
enum { STORE_OK = 0, STORE_NOTFOUND = -1, STORE_CONFLICT = -2, STORE_ERROR = -3, STORE_UNAVAILABLE = -4 };
/* What store_full_since() reports: the disk is full (not a return code of the functions). */
enum { STORE_FULL = -5 };

/* A handle; its backend is private to the store (store/store_backend.h). */
typedef struct store store_t;

/* Which store every later store_open opens (kiln serve --store, kiln store check --store;
 * docs/scale.md): NULL or "" = SQLite in the data dir (the default); a postgresql:// or
 * postgres:// URL = the PostgreSQL backend, shared by every node given the same URL. Call
 * once, before any handle is opened. 0, or -1 with a one-line reason (another scheme). */
int store_select(const char *url, char *err, size_t errlen);
/* the selected URL, or NULL for SQLite */
const char *store_selected(void);
/* The URL of the admin path's sessions (store_admin; kiln serve --store-admin), whose login
 * is kiln_admin or may SET ROLE to it; NULL (or "") means the store_select URL's own login,
 * which then must be allowed to (the one-step setup's superuser). Needs a selected
 * PostgreSQL store. Call once, after store_select. 0, or -1 with a one-line reason. */
int store_select_admin(const char *url, char *err, size_t errlen);
/* the admin URL store_select_admin chose, or NULL */
const char *store_selected_admin(void);
/* Makes the selected store ready to open, once per process before the first handle. For
 * PostgreSQL, as the URL's own login: the roles and the schema where they are missing
 * (one-step setup for a login that may create roles; an operator's least-privilege setup
 * passes through untouched) and the migrations the database lacks (*applied, may be NULL,
 * gets how many ran). SQLite: nothing (store_migrate on a handle migrates). STORE_OK,
 * STORE_UNAVAILABLE (the database cannot be reached now) or STORE_ERROR, with a one-line
 * reason in err. */
int store_prepare(unsigned *applied, char *err, size_t errlen);
/* The selected PostgreSQL store's check without a handle (kiln store check --store), as the
 * runtime role: the schema is this binary's version, the role is kiln_runtime without
 * BYPASSRLS, every table with a site_id column has row-level security forced with its
 * policy. "ok" or the problems (one a line) in out; STORE_OK only for "ok". */
int store_check_selected(char *out, size_t outlen);

/* Opens a handle on the selected store (store_select): by default the data dir's SQLite
 * database, created if needed. Returns NULL and writes a one-line reason into err. */
store_t *store_open(const char *data_dir, char *err, size_t errlen);
void store_close(store_t *st);
/* Opens a handle on a PostgreSQL database (a libpq URL or key=value string): one
 * connection as kiln_runtime, with deadlines, reopened after the database went away
 * (docs/scale.md). The database must have been prepared (store_prepare; store_migrate on
 * the handle only checks the version). NULL and a one-line reason in err when it cannot
 * connect. */
store_t *store_postgres_open(const char *url, char *err, size_t errlen);
/* The same as kiln_admin (BYPASSRLS): only for the named cross-site paths (store_admin,
 * docs/scale.md "What the backend must route to the admin role") and tests. */
store_t *store_postgres_open_admin(const char *url, char *err, size_t errlen);
/* Binds the handle to a site (0: none) until the next call: with PostgreSQL, every
 * transaction and statement of the handle then runs with kiln.site_id set to it, which
 * row-level security holds the tables to (docs/scale.md); SQLite ignores it. Called from
 * gateway_bind_site, where a request binds its site, and by the KVS writer, which runs
 * each queued job as the site its request was bound to there (platform/kvs_writer.c). */
void store_bind_site(store_t *st, int64_t site_id);
/* Forgets the handle's bound site: every request starts with none (http/server.c), so a
 * handle never keeps its last request's site. */
void store_unbind_site(store_t *st);
/* The admin path (docs/scale.md "What the backend must route to the admin role"): the
 * handle for work that spans sites, and only for the code paths that name it: credential
 * and id lookups that find the site (inside store_token_lookup, store_systoken_lookup,
 * store_session_lookup, store_install_get, store_webtrigger_get; the credential's user in
 * gateway/gateway.c and gateway/session.c; signing in, web/signin.c), the admin plane
 * (/admin/v1), the delivery engine, the scheduler, purges, the journal's writer, startup
 * work. PostgreSQL: a second session of st's thread as kiln_admin (BYPASSRLS), opened on
 * first use (its errors are STORE_UNAVAILABLE like st's) and closed with st; it has
 * transactions of its own (never inside st's). SQLite: st itself. */
store_t *store_admin(store_t *st);
/* Periodic work that spans sites and that one node at a time does (a purge: docs/scale.md
 * "Purges across nodes"), named by `work` (a short constant string). 1: this handle now
 * holds it, until store_work_release on the same handle; 0: another node (or handle) holds
 * it now, skip this turn; STORE_UNAVAILABLE or STORE_ERROR. Inside or outside a
 * transaction: the claim outlives it, whatever its end. PostgreSQL: a session-level advisory lock (class PG_WORK_LOCK,
 * the name's hash) on the handle's session, so it ends with the session: a node that dies mid-work (kill -9 included:
 * its sockets close, PostgreSQL ends its sessions) leaves it to the next node's turn, and a session lost to the network
 * gives it up too. The work itself must be idempotent and done in transactions that each leave the data whole (what a
 * dead node committed stays done; the next holder does the rest). SQLite (one process): always 1. */
int store_work_claim(store_t *st, const char *work);
/* Gives up what store_work_claim returned 1 for (nothing if the session ended since). */
void store_work_release(store_t *st, const char *work);
/* store_open as the admin path: a handle used only for cross-site work (the journal's
 * writer, startup). SQLite: store_open. */
store_t *store_open_admin(const char *data_dir, char *err, size_t errlen);
/* Brings the schema to the version this binary expects (idempotent). */
int store_migrate(store_t *st, char *err, size_t errlen);
/* STORE_FULL if a write of this process (any thread, any handle) failed for a full disk
 * (SQLite: SQLITE_FULL) at or after clock_mono_ns() time `since_ns`, else STORE_OK. The
 * HTTP layer asks it with a request's start to answer 507 instead of 500; the store
 * writes again as soon as space returns, nothing to reset. */
int store_full_since(uint64_t since_ns);
/* Runs the backend's integrity check; writes "ok" or the problems into out. */
int store_check(store_t *st, char *out, size_t outlen);

/* Transactions group writes that must land together (a site with its demo data). */
int store_begin(store_t *st);
/* store_begin for a transaction that is all or nothing: after a failed statement the
 * caller runs no other and rolls back (a site with its demo data, platform/site.c). A
 * statement that fails inside store_begin's transactions leaves it usable (a conflict the
 * caller handles); in this one it may not: PostgreSQL then runs the writes without the
 * savepoint per statement that makes that so, 3-4x faster for thousands of inserts
 * (docs/scale.md), and after a failure every later statement fails too. SQLite:
 * store_begin. */
int store_begin_whole(store_t *st);
/* A read-only transaction: one consistent snapshot that includes every write this
 * process acknowledged before the call. Ended by store_commit (or store_rollback).
 * Backends may keep the snapshot for the next read (SQLite: see docs/store.md). */
int store_begin_read(store_t *st);
/* 1 while a read-only transaction (store_begin_read) is open on the handle: a read
 * handler that must write (a view recorded) ends it first and opens it again after, so
 * whoever opened it still ends it. */
int store_reading(store_t *st);
/* What such a handler calls around its write: store_read_pause ends the open read, if
 * any, and says whether it did (1) — pass that to store_read_again, which opens it anew
 * (STORE_OK, or the failure of store_begin_read). A write begun inside a read otherwise
 * differs by backend (SQLite ends the read, PostgreSQL refuses the write), and whoever
 * opened the read would commit a transaction that is no longer open. */
int store_read_pause(store_t *st);
int store_read_again(store_t *st, int paused);
/* Called by the handle's owner when it has nothing to do: releases what a backend keeps
 * between requests once it is old. */
void store_idle(store_t *st);
/* For a handle whose owner may sleep right after any call and never calls store_idle (the
 * runtime thread's, platform/proxycall.c): the backend keeps nothing between calls (SQLite
 * ends a read snapshot at its commit instead of parking it). A snapshot kept on such a
 * handle would pin SQLite's WAL for as long as the thread sleeps: no checkpoint could
 * complete past it, and the WAL would grow without bound (docs/reliability.md, "Soak and
 * faults"). */
void store_keep_nothing(store_t *st);
/* The credential generation: a process-wide counter bumped (after the write commits) by
 * every write that can end a credential: a session's deletion (sign-out) or purge, and
 * any user write (a user made inactive). Credential caches (gateway/authcache.h) read it
 * before their store lookups and serve an entry only while it is unchanged, so such a
 * write is seen at once by every thread of the process. */
uint64_t store_auth_gen(void);
void store_auth_changed(void);
/* The installations generation: a process-wide counter bumped by every write that can
 * change which manifests a site's active installations run (an install, an upgrade, an
 * uninstall, a purge, a deploy: store_installs.h, store_apps.h) — once when the write is
 * made and again once its transaction's commit is written (or rolled back). A cache of
 * what the installed manifests say (product/viewwant.h) reads it BEFORE its store lookup
 * and serves an entry only while it is unchanged: a commit after the lookup's snapshot
 * always moves it. */
uint64_t store_installs_gen(void);
/* The signing keys' generation: bumped when another node rotates the keys (a key written
 * or retired there); auth/signkeys.c reloads its keys when it moved. */
uint64_t store_keys_gen(void);
/* The projects generation of a site: moves for every write to the site's projects (an
 * insert, update or delete: store_product.h) or to who may browse them (a permission
 * granted: store_sites.h; a project role's actors: store_roles.h), once when the write is made and again once
 * its transaction ended (as store_installs_gen), and on other nodes when its notification
 * arrives. Kept per site in STORE_SITE_GEN_SLOTS slots (site_id modulo, plus one count for
 * every site): a write moves its own site's slot, so other sites' cached entries stay (two
 * sites sharing a slot only miss together). Monotonic. The project-search cache on
 * PostgreSQL (store/qcache.h, postgres/driver.c) reads it before its lookup. */
#define STORE_SITE_GEN_SLOTS 1024
uint64_t store_projects_gen(int64_t site_id);
/* Moves (before the generation itself) whenever any site's store_projects_gen moves: read
 * before a snapshot and found unchanged after store_projects_gen(site) was read, it says
 * that site's generation is still the one the snapshot started from, whichever site the
 * snapshot was taken for (postgres/driver.c: a read transaction begun before its site was
 * bound). */
uint64_t store_projects_epoch(void);

/* ---- several nodes: caches invalidated across processes (docs/scale.md "Several nodes") ----
 * Each generation above is bumped by this process's own writes (at once) and, on
 * PostgreSQL, by the writes of every other node sharing the database: the writing
 * transaction sends `NOTIFY kiln_changes, '<kind> <site>'` (delivered only if it commits;
 * only a kind name and a site id, 0 when not known, never tenant data), and one listening
 * session per process (postgres/listen.c, its own thread) bumps the named generation when
 * it arrives. A generation only ever makes cached entries miss: what a notification names
 * is never read as data, so a forged or malformed one can cost lookups, never serve one
 * site's data for another. While the listening session is down, every generation is bumped
 * every STORE_LISTEN_DOWN_BUMP_MS (nothing cached outlives that) until it listens again. */
#define STORE_LISTEN_CHANNEL "kiln_changes"
#define STORE_LISTEN_DOWN_BUMP_MS 50
typedef enum store_change {
    STORE_CHANGE_AUTH,     /* store_auth_gen: a session ended, a user written */
    STORE_CHANGE_INSTALLS, /* store_installs_gen: an install, upgrade, uninstall, purge, deploy */
    STORE_CHANGE_KEYS,     /* store_keys_gen: a key written or retired */
    STORE_CHANGE_PROJECTS, /* store_projects_gen: a site's projects or who may browse them */
    STORE_CHANGE__COUNT
} store_change_t;
/* What a notification from another node means: "<kind> <site>" with a kind of the table
 * above; 0, or -1 (not one of ours: ignored). */
int store_change_heard(const char *payload);
/* Every generation moves (the listening session was lost: anything may have changed). */
void store_change_all(void);
/* Counts shared between nodes (gateway/ratelimit.h: the rate limits). Whoever keeps them
 * registers two callbacks: `collect` writes what this node counted since it was last
 * asked as text lines into buf (at most cap bytes, whole lines) and returns the bytes
 * written (0: nothing new); `heard` is given what another node sent, untrusted (a line it
 * cannot parse is skipped). On PostgreSQL the listening session asks `collect` every
 * STORE_COUNTS_EVERY_MS and sends each batch with `NOTIFY kiln_counts` (outside any
 * transaction: delivered at once), and hands every other session's batch to `heard`; on
 * SQLite (one process) neither is ever called. Lines must name nothing of a tenant's
 * beyond ids (any role that may connect to the database may LISTEN). */
#define STORE_COUNTS_CHANNEL "kiln_counts"
#define STORE_COUNTS_EVERY_MS 100
#define STORE_COUNTS_BATCH_MAX 7900 /* a NOTIFY payload is under 8000 bytes */
typedef size_t (*store_counts_collect_fn)(char *buf, size_t cap);
typedef void (*store_counts_heard_fn)(const char *payload);
void store_on_counts(store_counts_collect_fn collect, store_counts_heard_fn heard);
/* The listening session's side (postgres/listen.c): the registered callbacks, or 0 / nothing. */
size_t store_counts_collect(char *buf, size_t cap);
void store_counts_heard(const char *payload);
/* Starts the listener when the selected store is PostgreSQL (after store_prepare): one
 * session, its own thread, reconnecting with a backoff. 0 (nothing to do on SQLite), or -1
 * with a one-line reason when its first session cannot be opened. Stop joins it. */
int store_listen_start(char *err, size_t errlen);
void store_listen_stop(void);
/* Counters for /metrics and tests: notifications heard, sessions (re)opened, losses. */
void store_listen_stats(uint64_t *heard, uint64_t *connects, uint64_t *lost);
int store_commit(store_t *st);
void store_rollback(store_t *st);
/* A savepoint inside an open write transaction: one unit of work that can be undone
 * alone (store_savepoint_rollback) while the transaction goes on. Released by
 * store_savepoint_release; savepoints do not nest. */
int store_savepoint(store_t *st);
int store_savepoint_release(store_t *st);
void store_savepoint_rollback(store_t *st);

/* The commit hook of product events (store/store_events.h): `fn` is called on the
 * committing thread, after a transaction that appended product events committed, with
 * the site (0: more than one site). SQLite: as soon as the commit is written, before the
 * group fsync that makes it durable has ended (so the engine's pass overlaps it); what
 * acts on the events waits for a later durable point, as the engine's pass does. It must be quick and thread-safe (the
 * delivery engine's wake-up, platform/deliver.h). Set once, before any handle is used. */
typedef void (*store_events_hook_fn)(int64_t site_id, void *arg);
void store_on_events_committed(store_events_hook_fn fn, void *arg);
/* For the families: product events were appended for site_id in the open transaction. */
void store_note_events(store_t *st, int64_t site_id);

/* The store unreachable (STORE_UNAVAILABLE), per thread: a backend that returns it calls
 * store_unavailable_note(), which advances the calling thread's count. A request records
 * the count when it starts (http/server.c); if it moved by the time the request answers
 * with an error that a failed lookup can cause (401, 403, 404, 5xx), the answer is 503
 * with Retry-After and STORE_UNAVAILABLE_MSG instead (http/reply.c), naming nothing of the
 * request's data. Background work logs and retries on its next tick. */
void store_unavailable_note(void);
uint64_t store_unavailable_count(void);
/* The same notes, process-wide: how many every thread made (it only grows), and when the
 * last one was made (clock_now_ms; 0: never). For work that spans threads: the delivery
 * engine starts no attempt while the store was away just now, and takes an attempt that
 * failed while a note was made during it for the platform's fault, not the app's
 * (platform/deliver.h "Platform faults"). */
uint64_t store_unavailable_total(void);
int64_t store_unavailable_last_ms(void);
/* A write's COMMIT whose answer never came: the session was lost while it was sent
 * (PostgreSQL: the database killed or restarted, the network cut), so the write may or
 * may not be in the store and nothing on this node can tell which. The same failure is
 * STORE_UNAVAILABLE (noted above); this note, per thread like it, tells the two apart: a
 * request during which it moved is answered 503 with STORE_INDOUBT_MSG and the header
 * `x-kiln-write-outcome: unknown` (http/reply.c), never "retry later" as if nothing had
 * been written (docs/reliability.md "A commit whose outcome is unknown"). */
void store_indoubt_note(void);
uint64_t store_indoubt_count(void);
#define STORE_INDOUBT_MSG                                                                                              \
    "The store's connection was lost while this write was committing: it may or may not have been applied. Read "      \
    "before retrying a write that is not idempotent (a create, a comment, a push); a set or a delete may be "          \
    "retried as it is."
#define STORE_RETRY_AFTER "2" /* seconds, as Retry-After says it */
#define STORE_UNAVAILABLE_MSG "The store is unavailable now; retry later."

/* Relaxes durability for this handle (its commits never wait for the group fsync; a
 * later one covers them): for log writers only. */
void store_relax_durability(store_t *st);

/* A write transaction whose store_commit does not wait for durability (SQLite: its
 * commit is numbered like every other and written to the WAL under the write lock, but
 * the handle does not wait for the group fsync): the write is committed (it survives
 * kill -9, and other handles may read it) but not yet safe from power loss until the
 * next group fsync. The caller acts on nothing it wrote (answers, acknowledgements, work
 * the rows started) before store_synced says so or store_sync returned. For the delivery
 * engine's passes (platform/deliver.h). */
int store_begin_unsynced(store_t *st);
/* Makes every commit of this handle durable: at once when a group fsync that began after
 * it already ended, else by waiting for (or leading) the next one, outside any lock.
 * 0 or STORE_ERROR. */
int store_sync(store_t *st);
/* 1 when store_sync has nothing to wait for (every commit of this handle is durable). */
int store_synced(store_t *st);
/* The number of the last commit, by any handle of this process, whose writer waits for
 * it to be durable or acknowledges it only once it is (a plain or a deferred handle's;
 * not an unsynced transaction's nor a relaxed handle's). Read inside a write transaction
 * it bounds every such commit the transaction can see (SQLite: commits take their numbers
 * under the write lock the transaction holds). So work that acts on what a transaction
 * read (the delivery engine running a pushed event, a product event) acts on nothing that
 * a power loss could undo once this number is durable, however its own commit stands.
 * 0: none yet, or the backend's commits are durable when they return (PostgreSQL). */
uint64_t store_last_awaited_commit(store_t *st);
/* Where commit `seq` (a store_last_commit or store_last_awaited_commit) stands. */
enum store_seq_state {
    STORE_SEQ_DURABLE, /* durable (0 always is) */
    STORE_SEQ_COMING,  /* a group fsync that covers it will end without anyone asking (a writer whose commit
                          came later waits for one); store_on_durable_commit's hook fires then */
    STORE_SEQ_WAITING, /* nobody will start one: store_when_durable asks the syncer */
};
enum store_seq_state store_seq_state(store_t *st, uint64_t seq);
/* A hook called on the thread that led a group fsync, after it ended: every commit
 * written before that fsync began (unsynced ones included) is durable now. It must be
 * quick and thread-safe (the delivery engine's wake-up for a pass waiting to be
 * durable). Set once, before any handle is used. */
typedef void (*store_durable_hook_fn)(void *arg);
void store_on_durable_commit(store_durable_hook_fn fn, void *arg);
/* For the backends: a group fsync just ended (calls the hook). */
void store_note_durable(void);
/* Write commits written through this process, group fsyncs ended and answers held for
 * the syncer (store_when_durable) since it started (/metrics: commits per fsync is what
 * group commit saves). */
void store_commit_stats(store_t *st, uint64_t *commits, uint64_t *fsyncs, uint64_t *held);

/* ---- answers that wait for durability without blocking their thread ----
 * A thread with an event loop (an HTTP thread) may defer its handle's durability: its
 * commits are then written (committed: they survive kill -9, other handles may read
 * them) but store_commit does not wait for the fsync that makes them safe from power
 * loss. Whoever acknowledges such a write (http/reply.c: the request's answer) notes
 * store_last_commit before the work and after it, and, when it grew, queues a
 * store_dwait_t with store_when_durable instead of answering: one syncer thread (started
 * with store_syncer_start) fsyncs the WAL whenever waits are queued — every commit
 * written before that fsync began shares it — and then sends each covered wait's
 * completion to its receiver (base/completion.h) with rc STORE_OK, or STORE_ERROR when
 * the fsync failed (the write must then be answered as failed). Nothing acknowledged is
 * lost on kill -9 or power loss: the acknowledgement still follows an fsync covering
 * the commit. */
typedef struct store_dwait {
    void (*done)(struct store_dwait *w); /* once an fsync covering `seq` ended (or failed) */
    void *arg;                           /* the caller's */
    uint64_t seq;                        /* the commit it waits for (store_last_commit) */
    int rc;                              /* STORE_OK or STORE_ERROR, set before done */
    struct store_dwait *next;            /* the syncer's */
} store_dwait_t;
/* Deferred on/off for this handle (its owner's thread only; off by default). */
void store_defer_durability(store_t *st, int on);
/* The number of this handle's last commit that wrote (process-wide order; 0: none yet). */
uint64_t store_last_commit(store_t *st);
/* 0 when commit `seq` is durable already (w is not used; the caller answers now), or 1:
 * w was queued and its completion comes later. When no syncer runs, waits for the fsync
 * on this thread and returns 0, or STORE_ERROR when it failed. */
int store_when_durable(store_t *st, uint64_t seq, store_dwait_t *w);
/* Starts the syncer on st's database (once per process; 0, or -1 with waits then done
 * on the asking thread); stop answers what was queued and ends it. */
int store_syncer_start(store_t *st);
void store_syncer_stop(store_t *st);

/* ---- a failed fsync (fsyncgate) ----
 * Once an fsync of the store's log failed, no write is ever said to be durable again in
 * this process: the kernel may have dropped the pages it could not write and marked them
 * clean, so a later fsync that succeeds proves nothing about them. Every wait then fails
 * (a held answer is failed, store_sync and store_when_durable return STORE_ERROR), every
 * write transaction is refused (store_begin: STORE_ERROR) and reads go on, until the
 * process restarts (docs/store.md, "A failed fsync"). 1 from then on. */
int store_writes_stopped(store_t *st);

#endif
