#include "platform/plane.h"

#include <pthread.h>

static int slot = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void take_slot(void)
{
    slot = kreq_ctx_index();
}

void plane_keep(kreq_t *kr, void *state)
{
    pthread_once(&once, take_slot);
    kr->ctx[slot] = state;
}

void *plane_kept(kreq_t *kr)
{
    pthread_once(&once, take_slot);
    return kr->ctx[slot];
}
