/* The sources table of the delivery engine (platform/deliver.h): which row runs the
 * deliveries of each enum delivery_source. A source without a row keeps its deliveries
 * PENDING until one is registered. */
#include "platform/deliver.h"

static const deliver_source_t *const sources[DLV__SOURCES] = {
    [DLV_SRC_PRODUCT] = &deliver_src_product,
    [DLV_SRC_LIFECYCLE] = &deliver_src_lifecycle,
    [DLV_SRC_QUEUE] = &deliver_src_queue,
    [DLV_SRC_APP] = &deliver_src_app,
    [DLV_SRC_SCHEDULE] = &deliver_src_schedule, /* `scheduledTrigger` runs (platform/schedule.h) */
};

const deliver_source_t *deliver_source(int source)
{
    return source >= 0 && source < DLV__SOURCES ? sources[source] : NULL;
}
