/* Platform faults of the delivery engine (platform/deliver.h "Platform faults"): when an
 * attempt must not start, and when a failed one was the store's fault, not the app's. */
#include "platform/deliver.h"

int deliver_store_away(int64_t last_away_ms, int64_t now_ms)
{
    return last_away_ms > 0 && now_ms - last_away_ms < DELIVER_STORE_QUIET_MS;
}

int deliver_platform_fault(const delivery_rec_t *d, const deliver_verdict_t *v, int store_was_away, int64_t now_ms,
                           int64_t *due_ms)
{
    int64_t age = now_ms - d->created_ms;
    if (v->delivered || !store_was_away || age >= DELIVER_FAULT_WINDOW_MS || d->attempts < 1)
        return 0;
    int64_t delay = age / 10;
    delay = delay < DELIVER_FAULT_DELAY_MS ? DELIVER_FAULT_DELAY_MS : delay;
    *due_ms = now_ms + (delay > DELIVER_FAULT_DELAY_MAX_MS ? DELIVER_FAULT_DELAY_MAX_MS : delay);
    return 1;
}

/* Deliveries with faults: id 0 is a free entry; one older than the window is reusable
 * (its delivery can have no more faults). A scan: a verdict costs ~1,000 compares. */
static struct {
    int64_t id, created_ms;
    unsigned n;
} faults[DELIVER_FAULTS_TRACKED];

void deliver_fault_noted(const delivery_rec_t *d, int64_t now_ms)
{
    int spare = -1;
    for (int i = 0; i < DELIVER_FAULTS_TRACKED; i++) {
        if (faults[i].id == d->id) {
            faults[i].n++;
            return;
        }
        if (spare < 0 && (faults[i].id == 0 || now_ms - faults[i].created_ms >= DELIVER_FAULT_WINDOW_MS))
            spare = i;
    }
    if (spare >= 0)
        faults[spare].id = d->id, faults[spare].created_ms = d->created_ms, faults[spare].n = 1;
}

unsigned deliver_faults(int64_t id)
{
    for (int i = 0; id && i < DELIVER_FAULTS_TRACKED; i++)
        if (faults[i].id == id)
            return faults[i].n;
    return 0;
}

void deliver_faults_forget(int64_t id)
{
    for (int i = 0; id && i < DELIVER_FAULTS_TRACKED; i++)
        if (faults[i].id == id)
            faults[i].id = 0;
}
