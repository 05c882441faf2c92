/* A trigger's event subscription in a manifest (platform/manifest_int.h): `filter` as
 * Forge's schema has it (ProductEventsFilter: ignoreSelf, expression, onError,
 * appIsLicensed), `payload: {include: {propertyPaths | fields}}`, the per-event form
 * `events: [{eventType, filter, payload}]`, and, once permissions are read, the scopes each
 * subscribed event needs (platform/event_scopes.h) and unknown event names, as warnings.
 *
 * A filter's expression is compiled (product/jexpr.h) at deploy; its error points into the
 * expression's text in manifest.yml: the expression's line and column are mapped back
 * through the scalar's style (plain, 'single', "double" with escapes, | and > blocks). */
#include <stdio.h>
#include <string.h>

#include "platform/event_scopes.h"
#include "platform/manifest_int.h"
#include "product/events.h"
#include "product/jexpr.h"

#define MAX_PAYLOAD_PATHS 100u /* payload.include.propertyPaths / fields entries */
#define APP_EVENT "avi:cloud:ecosystem::event/"

/* ================================================================ positions */

/* Bytes of the UTF-8 character that starts with c (1 for a stray byte). */
static size_t u8len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Bytes of code point cp in UTF-8. */
static size_t cp_len(unsigned long cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* The byte offset in s (len bytes) of the character at 1-based line/col, counted as
 * jexpr counts them (a column per character). */
static size_t decoded_offset(const char *s, size_t len, unsigned line, unsigned col)
{
    size_t i = 0;
    for (unsigned l = 1; l < line && i < len; i++)
        if (s[i] == '\n')
            l++;
    for (unsigned c = 1; c < col && i < len && s[i] != '\n'; c++)
        i += u8len((unsigned char)s[i]);
    return i < len ? i : len;
}

typedef struct {
    const char *t;
    size_t len, i;      /* the text and where the walk is */
    unsigned line, col; /* of t[i] */
} walk_t;

static void w_adv(walk_t *w)
{
    if (w->i >= w->len)
        return;
    if (w->t[w->i] == '\n') {
        w->line++;
        w->col = 1;
        w->i++;
        return;
    }
    w->i += u8len((unsigned char)w->t[w->i]);
    w->col++;
}

static int w_at(const walk_t *w, size_t k, char c)
{
    return w->i + k < w->len && w->t[w->i + k] == c;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* At blanks or a line break inside a flow scalar: if only blanks remain on the line, skips
 * the line fold (the breaks and the next lines' indentation) and returns the bytes it
 * stands for (a space for one break, a newline per further break); -1 when the blanks
 * are content. */
static long w_fold(walk_t *w)
{
    size_t j = w->i;
    while (j < w->len && is_blank(w->t[j]))
        j++;
    if (j >= w->len || w->t[j] != '\n')
        return -1;
    long breaks = 0;
    while (w->i < w->len && (is_blank(w->t[w->i]) || w->t[w->i] == '\n')) {
        breaks += w->t[w->i] == '\n';
        w_adv(w);
    }
    return breaks == 1 ? 1 : breaks - 1;
}

/* The source position (in p's text) of byte `off` of scalar n's decoded text. */
static void scalar_pos(const manifest_parser_t *p, const yaml_t *n, size_t off, unsigned *line, unsigned *col)
{
    *line = n->line;
    *col = n->col;
    if (!p->text)
        return;
    walk_t w = {.t = p->text, .len = p->text_len, .line = 1, .col = 1};
    while (w.i < w.len && (w.line < n->line || (w.line == n->line && w.col < n->col)))
        w_adv(&w);
    if (w.line != n->line || w.col != n->col)
        return; /* not where the tree says: keep the node's own position */
    char style = w.i < w.len ? w.t[w.i] : 0;
    size_t done = 0; /* decoded bytes passed */
    if (style == '|' || style == '>') {
        while (w.i < w.len && w.t[w.i] != '\n') /* the header */
            w_adv(&w);
        w_adv(&w);
        unsigned indent = 0; /* the first non-blank line's */
        for (size_t j = w.i; j < w.len && (w.t[j] == ' ' || w.t[j] == '\n' || w.t[j] == '\r'); j++)
            indent = w.t[j] == '\n' ? 0 : w.t[j] == ' ' ? indent + 1 : indent;
        while (w.i < w.len && done < off) {
            for (unsigned k = 0; k < indent && w_at(&w, 0, ' '); k++)
                w_adv(&w);
            int had = 0; /* the line has content */
            while (w.i < w.len && w.t[w.i] != '\n' && !(w.t[w.i] == '\r' && w_at(&w, 1, '\n')) && done < off) {
                done += u8len((unsigned char)w.t[w.i]);
                w_adv(&w);
                had = 1;
            }
            if (done < off && w.i < w.len) { /* the break (LF or CRLF) */
                /* one byte, but in a folded block the break of a line before blank lines
                 * is none: each blank line's break stands for itself */
                size_t j = w.i + (w.t[w.i] == '\r') + 1;
                while (j < w.len && w.t[j] == ' ')
                    j++;
                done += !(style == '>' && had && j < w.len && (w.t[j] == '\n' || w.t[j] == '\r'));
                if (w.t[w.i] == '\r')
                    w_adv(&w);
                w_adv(&w);
            }
        }
        *line = w.line;
        *col = w.col;
        return;
    }
    int sq = style == '\'', dq = style == '"';
    if (sq || dq)
        w_adv(&w);
    while (w.i < w.len && done < off) {
        char c = w.t[w.i];
        if (c == '\n' || is_blank(c)) {
            long f = w_fold(&w);
            if (f >= 0) {
                done += (size_t)f;
                continue;
            }
        }
        if (sq && c == '\'' && w_at(&w, 1, '\'')) {
            w_adv(&w);
            w_adv(&w);
            done++;
            continue;
        }
        if (dq && c == '\\' && w.i + 1 < w.len) {
            char e = w.t[w.i + 1];
            if (e == '\n') { /* an escaped break: nothing */
                w_adv(&w);
                while (w.i < w.len && (is_blank(w.t[w.i]) || w.t[w.i] == '\n'))
                    w_adv(&w);
                continue;
            }
            size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0, bytes = 1;
            if (digits) {
                unsigned long cp = 0;
                for (size_t k = 0; k < digits && w.i + 2 + k < w.len; k++) {
                    char h = w.t[w.i + 2 + k];
                    cp = cp * 16 + (unsigned long)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                bytes = cp_len(cp);
            } else if (e == 'N' || e == '_')
                bytes = 2;
            else if (e == 'L' || e == 'P')
                bytes = 3;
            if (done + bytes > off)
                break; /* inside the escape: point at its backslash */
            for (size_t k = 0; k < 2 + digits; k++)
                w_adv(&w);
            done += bytes;
            continue;
        }
        done += u8len((unsigned char)c);
        w_adv(&w);
    }
    *line = w.line;
    *col = w.col;
}

/* ================================================================ filter, payload, events */

static const char *const filter_vars[] = {"event", NULL};
static const char *const filter_keys[] = {"ignoreSelf", "expression", "onError", "appIsLicensed", NULL};
static const char *const on_error[] = {"IGNORE", "IGNORE_AND_LOG", "RECEIVE", "RECEIVE_AND_LOG", NULL};

/* Fails at the first entry of map whose key is not in keys. */
static int only_keys(manifest_parser_t *p, const yaml_t *map, const char *const *keys, const char *what)
{
    YAML_EACH(e, map)
    if (!one_of(e->key->s, keys))
        return manifest_fail(p, MANIFEST_ESCHEMA, e->key, "unknown field \"%.*s\" (%s)", qlen(e->key->s), e->key->s,
                             what);
    return 0;
}

int manifest_check_expression(manifest_parser_t *p, const yaml_t *x, const char *const *vars, const char *vars_note)
{
    const char *src;
    if (manifest_want_str(p, x, &src))
        return -1;
    jexpr_err_t err;
    jexpr_t *c = jexpr_compile(p->a, src, x->len, &err);
    if (c && jexpr_check_vars(c, vars, &err) == 0)
        return 0;
    char *paren = c && vars_note ? strstr(err.msg, " (a filter has:") : NULL;
    if (paren) /* jexpr names a filter's variables; say this expression's */
        snprintf(paren, sizeof err.msg - (size_t)(paren - err.msg), " (%s)", vars_note);
    unsigned line, col;
    scalar_pos(p, x, decoded_offset(src, x->len, err.line, err.col), &line, &col);
    return manifest_fail_at(p, x->len > JEXPR_SRC_MAX ? MANIFEST_ELIMIT : MANIFEST_ESCHEMA, line, col, x, "%s",
                            err.msg);
}

int manifest_parse_filter(manifest_parser_t *p, const yaml_t *flt)
{
    const yaml_t *v;
    int b;
    const char *s;
    if (manifest_want_map(p, flt) ||
        only_keys(p, flt, filter_keys, "a filter has ignoreSelf, expression, onError and appIsLicensed"))
        return -1;
    if (!yaml_get(flt, "ignoreSelf") && !yaml_get(flt, "expression") && !yaml_get(flt, "appIsLicensed"))
        return manifest_fail(p, MANIFEST_ESCHEMA, flt, "needs ignoreSelf, expression or appIsLicensed");
    if (((v = yaml_get(flt, "ignoreSelf")) && manifest_want_bool(p, v, &b)) ||
        ((v = yaml_get(flt, "appIsLicensed")) && manifest_want_bool(p, v, &b)) ||
        ((v = yaml_get(flt, "onError")) && manifest_want_enum(p, v, on_error, &s)) ||
        ((v = yaml_get(flt, "expression")) && manifest_check_expression(p, v, filter_vars, NULL)))
        return -1;
    return 0;
}

int manifest_parse_payload(manifest_parser_t *p, const yaml_t *pl)
{
    static const char *const pl_keys[] = {"include", NULL}, *const inc_keys[] = {"propertyPaths", "fields", NULL};
    const yaml_t *inc;
    if (manifest_want_map(p, pl) || only_keys(p, pl, pl_keys, "a payload has include") ||
        manifest_req(p, pl, "include", &inc) || manifest_want_map(p, inc) ||
        only_keys(p, inc, inc_keys, "include has propertyPaths and fields"))
        return -1;
    if (!yaml_get(inc, "propertyPaths") && !yaml_get(inc, "fields"))
        return manifest_fail(p, MANIFEST_ESCHEMA, inc, "needs propertyPaths or fields");
    YAML_EACH(e, inc)
    {
        const char *s;
        if (manifest_want_seq(p, e))
            return -1;
        if (e->n == 0)
            return manifest_fail(p, MANIFEST_ESCHEMA, e, "must not be empty");
        if (e->n > MAX_PAYLOAD_PATHS)
            return manifest_fail(p, MANIFEST_ELIMIT, e, "more than %u entries", MAX_PAYLOAD_PATHS);
        YAML_EACH(x, e)
        if (manifest_want_str(p, x, &s))
            return -1;
    }
    return 0;
}

int manifest_parse_event_item(manifest_parser_t *p, const yaml_t *e, const char **event_type)
{
    static const char *const keys[] = {"eventType", "filter", "payload", NULL};
    const yaml_t *flt, *pl;
    if (only_keys(p, e, keys, "an event has eventType, filter and payload") ||
        manifest_req_str(p, e, "eventType", event_type, NULL) || manifest_req(p, e, "filter", &flt) ||
        manifest_parse_filter(p, flt))
        return -1;
    return (pl = yaml_get(e, "payload")) ? manifest_parse_payload(p, pl) : 0;
}

/* ================================================================ scopes of the subscribed events */

/* The events kiln itself records (product/events.h); those the mapping names are checked
 * against it, the others need no scope. */
static const char *const kiln_events[] = {EV_ISSUE_CREATED,     EV_ISSUE_UPDATED,       EV_ISSUE_DELETED,
                                          EV_ISSUE_ASSIGNED,    EV_COMMENT_CREATED,     EV_COMMENT_UPDATED,
                                          EV_COMMENT_DELETED,   EV_WORKLOG_CREATED,     EV_WORKLOG_UPDATED,
                                          EV_WORKLOG_DELETED,   EV_LINK_CREATED,        EV_LINK_DELETED,
                                          EV_FIELD_CREATED,     EV_COMPONENT_CREATED,   EV_COMPONENT_UPDATED,
                                          EV_COMPONENT_DELETED, EV_VERSION_CREATED,     EV_VERSION_UPDATED,
                                          EV_VERSION_DELETED,   EV_PROJECT_CREATED,     EV_PROJECT_UPDATED,
                                          EV_PROJECT_DELETED,   EV_ROLE_ACTORS_UPDATED, EV_PROPERTY_SET,
                                          EV_PROPERTY_DELETED,  EV_SPRINT_CREATED,      EV_SPRINT_UPDATED,
                                          EV_SPRINT_STARTED,    EV_SPRINT_CLOSED,       EV_SPRINT_DELETED,
                                          EV_BOARD_CREATED,     EV_BOARD_DELETED,       NULL};

static int check_event(manifest_parser_t *p, const yaml_t *n, const char *key, const char *ev)
{
    char missing[400];
    const manifest_t *m = p->m;
    if (event_scopes_find(ev)) {
        if (event_scopes_missing(ev, m->scopes, m->n_scopes, missing, sizeof missing))
            return manifest_warn(p, n, key, "not subscribed to %.*s: needs scope %s", qlen(ev), ev, missing);
        return 0;
    }
    /* kiln's own, Forge's lifecycle events, and app events (@forge/events appEvents:
     * avi:cloud:ecosystem::event/{app id}/{key}) */
    if (one_of(ev, kiln_events) || !strncmp(ev, "avi:forge:", 10) || !strncmp(ev, APP_EVENT, sizeof APP_EVENT - 1))
        return 0;
    if (!strncmp(ev, "avi:", 4) || !strncmp(ev, "kiln:", 5))
        return manifest_warn(p, n, key, "unknown event %.*s: neither Forge's event list nor kiln knows it", qlen(ev),
                             ev);
    return 0; /* an app event: any name the app publishes */
}

int manifest_check_event_scopes(manifest_parser_t *p)
{
    const yaml_t *mods = yaml_get(p->root, "modules"), *trig = mods ? yaml_get(mods, "trigger") : NULL;
    if (!trig || trig->type != YAML_SEQ)
        return 0;
    YAML_EACH(it, trig)
    {
        const yaml_t *k = yaml_get(it, "key"), *ev = yaml_get(it, "events");
        if (!ev || ev->type != YAML_SEQ)
            continue;
        YAML_EACH(e, ev)
        {
            const yaml_t *n = e->type == YAML_MAP ? yaml_get(e, "eventType") : e;
            if (n && is_str(n) && check_event(p, n, k && is_str(k) ? k->s : NULL, n->s))
                return -1;
        }
    }
    return 0;
}
