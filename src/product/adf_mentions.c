/* The account ids an ADF document mentions (product/adf.h adf_mentions). */
#include <string.h>

#include "product/adf.h"

typedef struct {
    arena_t *a;
    const char *except;
    const char **ids;
    size_t n;
    int oom;
} mentions_t;

static void add(mentions_t *m, const char *id)
{
    if (!*id || (m->except && strcmp(id, m->except) == 0) || m->n >= ADF_MAX_MENTIONS)
        return;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->ids[i], id) == 0)
            return;
    const char *copy = arena_strdup(m->a, id);
    if (!copy) {
        m->oom = 1;
        return;
    }
    m->ids[m->n++] = copy;
}

static void walk(mentions_t *m, const json_t *node, unsigned depth)
{
    if (!json_is_object(node) || depth > ADF_MAX_DEPTH)
        return;
    const char *type = json_string_value(json_object_get(node, "type"));
    if (type && strcmp(type, "mention") == 0) {
        const char *id = json_string_value(json_object_get(json_object_get(node, "attrs"), "id"));
        if (id)
            add(m, id);
    }
    const json_t *content = json_object_get(node, "content");
    for (size_t i = 0; i < json_array_size(content); i++)
        walk(m, json_array_get(content, i), depth + 1);
}

int adf_mentions(arena_t *a, const json_t *doc, const char *except, const char ***ids, size_t *n)
{
    mentions_t m = {.a = a, .except = except};
    m.ids = arena_calloc(a, ADF_MAX_MENTIONS * sizeof *m.ids);
    *ids = NULL;
    *n = 0;
    if (!m.ids)
        return ADF_ENOMEM;
    walk(&m, doc, 1);
    if (m.oom)
        return ADF_ENOMEM;
    *ids = m.ids;
    *n = m.n;
    return ADF_OK;
}
