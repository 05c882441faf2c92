#include "base/completion.h"

void completion_send(completion_t *c)
{
    if (c->receiver)
        h2o_multithread_send_message(c->receiver, &c->msg);
    else
        c->done(c);
}

void completion_on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        completion_t *c = H2O_STRUCT_FROM_MEMBER(completion_t, msg.link, messages->next);
        h2o_linklist_unlink(&c->msg.link);
        c->done(c);
    }
}
