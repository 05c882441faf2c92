#include "http/loopclock.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

void h2o_timeout_link(h2o_loop_t *loop, h2o_timeout_t *timeout, h2o_timeout_entry_t *entry)
{
    static void (*real)(h2o_loop_t *, h2o_timeout_t *, h2o_timeout_entry_t *);
    void (*link)(h2o_loop_t *, h2o_timeout_t *, h2o_timeout_entry_t *) = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
    if (!link) {
        link = (void (*)(h2o_loop_t *, h2o_timeout_t *, h2o_timeout_entry_t *))dlsym(RTLD_NEXT, "h2o_timeout_link");
        if (!link) {
            fprintf(stderr, "kiln: h2o_timeout_link not found in libh2o\n");
            abort();
        }
        __atomic_store_n(&real, link, __ATOMIC_RELEASE);
    }
    struct timeval tv;
    gettimeofday(&tv, NULL); /* as h2o's own reading (evloop's update_now) */
    uint64_t now = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
    if (now > loop->_now)
        loop->_now = now;
    link(loop, timeout, entry);
}
