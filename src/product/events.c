/* Change events (product/events.h). */
#include "product/events.h"

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "store/store_events.h"

int product_event(kreq_t *kr, const char *kind, int64_t entity_id, json_t *payload)
{
    if (!payload)
        payload = json_object();
    if (!payload)
        return STORE_ERROR;
    size_t len;
    const char *text = json_dump_arena(kr->arena, payload, 4 * 1024 * 1024, &len);
    json_decref(payload);
    if (!text)
        return STORE_ERROR;
    char id[24];
    enc_i64(id, entity_id);
    event_rec_t e = {
        .kind = kind,
        .created_ms = clock_now_ms(),
        .actor_account_id = kr->principal.kind == PRINCIPAL_USER || kr->principal.kind == PRINCIPAL_APP
                                ? kr->principal.account_id
                                : NULL,
        .entity_id = id,
        .payload_json = text,
    };
    return store_event_append(kr->store, kr->site.id, &e);
}
