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
 * Results: 0 on success, STORE_NOTFOUND, STORE_CONFLICT (uniqueness), STORE_ERROR. A
 * write returns 0 only after it is durable (SQLite: WAL with synchronous=FULL). */
#ifndef KILN_STORE_H
#define KILN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

enum { STORE_OK = 0, STORE_NOTFOUND = -1, STORE_CONFLICT = -2, STORE_ERROR = -3 };

/* A handle; its backend is private to the store (store/store_backend.h). */
typedef struct store store_t;

/* Opens a handle on the data dir's store, creating the directory's database if needed.
 * Returns NULL and writes a one-line reason into err. */
store_t *store_open(const char *data_dir, char *err, size_t errlen);
void store_close(store_t *st);
/* Opens a handle on a PostgreSQL database (a libpq URL or key=value string): one
 * connection (docs/scale.md). NULL and a one-line reason in err when it cannot connect. */
store_t *store_postgres_open(const char *url, char *err, size_t errlen);
/* Binds the handle to a site (0: none) until the next call: with PostgreSQL, every
 * transaction and statement of the handle then runs with kiln.site_id set to it, which
 * row-level security holds the tables to (docs/scale.md); SQLite ignores it. Called from
 * one place only, gateway_bind_site, where a request binds its site. */
void store_bind_site(store_t *st, int64_t site_id);
/* Brings the schema to the version this binary expects (idempotent). */
int store_migrate(store_t *st, char *err, size_t errlen);
/* Runs the backend's integrity check; writes "ok" or the problems into out. */
int store_check(store_t *st, char *out, size_t outlen);

/* Transactions group writes that must land together (a site with its demo data). */
int store_begin(store_t *st);
/* A read-only transaction: one consistent snapshot that includes every write this
 * process acknowledged before the call. Ended by store_commit (or store_rollback).
 * Backends may keep the snapshot for the next read (SQLite: see docs/store.md). */
int store_begin_read(store_t *st);
/* 1 while a read-only transaction (store_begin_read) is open on the handle: a read
 * handler that must write (a view recorded) ends it first and opens it again after, so
 * whoever opened it still ends it. */
int store_reading(store_t *st);
/* Called by the handle's owner when it has nothing to do: releases what a backend keeps
 * between requests once it is old. */
void store_idle(store_t *st);
/* The credential generation: a process-wide counter bumped (after the write commits) by
 * every write that can end a credential: a session's deletion (sign-out) or purge, and
 * any user write (a user made inactive). Credential caches (gateway/authcache.h) read it
 * before their store lookups and serve an entry only while it is unchanged, so such a
 * write is seen at once by every thread of the process. */
uint64_t store_auth_gen(void);
void store_auth_changed(void);
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
 * the site (0: more than one site). It must be quick and thread-safe (the delivery
 * engine's wake-up, platform/deliver.h). Set once, before any handle is used. */
typedef void (*store_events_hook_fn)(int64_t site_id, void *arg);
void store_on_events_committed(store_events_hook_fn fn, void *arg);
/* For the families: product events were appended for site_id in the open transaction. */
void store_note_events(store_t *st, int64_t site_id);

/* Relaxes durability for this handle (synchronous=NORMAL): for log writers only. */
void store_relax_durability(store_t *st);

#endif
