/* loopclock: h2o's loop clock brought up to date before any timeout is armed.
 *
 * h2o 2.2 reads the clock once per turn of a loop (after epoll_wait) and arms every
 * timeout from that reading (h2o_timeout_link: registered_at = h2o_now(loop)). A turn
 * that is held — a handler waiting in SQLite's busy timeout, a PostgreSQL statement up
 * to its deadline, a passive checkpoint on the committing thread — arms the timeouts that
 * follow in that turn with a clock behind by as long as it was held, and they fire that
 * much early. The one that matters is a kept-alive connection's idle timeout, armed once
 * its answer is written: closed seconds before the `Keep-Alive: timeout=N` kiln announces
 * (http/reply.c), a client that trusts the announcement (Node's http.Agent retires an
 * idle socket 1 s before it) sends its next request into the close and gets a reset
 * (tests/e2e/store_unavailable.test.mjs saw it close 4.8 s after an answer that
 * announced 10 s; the soak battery saw the ECONNRESET).
 *
 * libh2o-evloop calls h2o_timeout_link through its PLT, as it calls the socket functions
 * http/bodygate.c interposes, and kiln's executable exports its own definition (the
 * Makefile links with --export-dynamic-symbol): it moves the loop's clock forward to the
 * time of day (never back) and then arms through libh2o's. Its cost is one vDSO
 * gettimeofday per armed timeout. Timeouts of a list are still armed in order: the clock
 * only moves forward between two of them. */
#pragma once

#include <h2o.h>

/* libh2o's h2o_timeout_link, after the loop's clock is brought up to date. */
void h2o_timeout_link(h2o_loop_t *loop, h2o_timeout_t *timeout, h2o_timeout_entry_t *entry);
