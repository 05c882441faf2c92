/* Workflow rules (product/workflow_rules.h). */
#include "product/workflow_rules.h"

enum { RESOLUTION_DONE = 10000 }; /* model.c's first resolution, Jira's "Done" */

static int category(int64_t status)
{
    const status_def_t *s = status_find(status);
    return s ? s->category : CAT_UNDEFINED;
}

int workflow_is_done(int64_t status)
{
    return category(status) == CAT_DONE;
}

const transition_def_t *workflow_leaving(const workflow_def_t *wf, int64_t id, int64_t from)
{
    const transition_def_t *t = workflow_transition(wf, id, from);
    return t && t->to != from ? t : NULL;
}

size_t workflow_available(const workflow_def_t *wf, int64_t from, const transition_def_t **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < wf->ntransitions && n < max; i++) {
        const transition_def_t *t = &wf->transitions[i];
        if (workflow_leaving(wf, t->id, from) == t)
            out[n++] = t;
    }
    return n;
}

void workflow_move(workflow_move_t *m, int64_t to, int64_t resolution, int64_t now_ms)
{
    int was = category(m->status_id), will = category(to);
    if (will == CAT_DONE) {
        if (resolution || !m->resolution_id)
            m->resolution_id = resolution ? resolution : RESOLUTION_DONE;
        if (!m->resolved_ms || was != CAT_DONE)
            m->resolved_ms = now_ms;
    } else {
        m->resolution_id = 0;
        m->resolved_ms = 0;
    }
    if (was != will)
        m->status_changed_ms = now_ms;
    m->status_id = to;
}
