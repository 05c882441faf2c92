/* The delivery engine's row for async events (DLV_SRC_QUEUE): how a pushed event runs
 * its queue's `consumer` (platform/deliver_queue.c says what the handler gets and how its
 * answer is judged). */
#ifndef KILN_DELIVER_QUEUE_H
#define KILN_DELIVER_QUEUE_H

#include "platform/deliver.h"

extern const deliver_source_t deliver_queue_source;

#endif
