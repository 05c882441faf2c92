/* What a workflow transition does to an issue, as Jira's default workflows do: which
 * transitions a status offers (only those that leave it), and the fields that follow a
 * move (resolution, resolved, statuscategorychangedate). Pure functions of model.h's
 * tables, so the rules are tested without a store (tests/unit/test_workflow_rules.c). */
#ifndef KILN_WORKFLOW_RULES_H
#define KILN_WORKFLOW_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "product/model.h"

/* The transitions of wf that leave status `from`, in the workflow's order, at most max
 * (a global transition to `from` itself does not leave it). Returns the count. */
size_t workflow_available(const workflow_def_t *wf, int64_t from, const transition_def_t **out, size_t max);

/* The transition `id` if it leaves `from` in wf, else NULL. */
const transition_def_t *workflow_leaving(const workflow_def_t *wf, int64_t id, int64_t from);

/* The issue fields a move changes. */
typedef struct workflow_move {
    int64_t status_id;
    int64_t resolution_id; /* 0: unresolved */
    int64_t resolved_ms;   /* 0: unresolved */
    int64_t status_changed_ms;
} workflow_move_t;

/* Moves m (an issue's current values) to status `to` at now_ms: into a done-category
 * status the resolution becomes `resolution` (0: Done, Jira's default) and resolved
 * now (if it was not resolved); out of the done category both are cleared; within
 * one category they stay. statuscategorychangedate becomes now when the category
 * changes. */
void workflow_move(workflow_move_t *m, int64_t to, int64_t resolution, int64_t now_ms);

/* 1 if `status` is in the done category. */
int workflow_is_done(int64_t status);

#endif
