/* adf: the node and mark tables of kiln's ADF subset, adf_check, and what the converters
 * share (product/adf.h, adf_int.h; docs/adf.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/json.h"
#include "product/adf_int.h"

const char *const adf_node_names[AN__COUNT] = {
    "doc",        "paragraph",    "text",      "heading",     "bulletList",   "orderedList",  "listItem",  "codeBlock",
    "blockquote", "rule",         "hardBreak", "mention",     "emoji",        "inlineCard",   "panel",     "table",
    "tableRow",   "tableHeader",  "tableCell", "mediaSingle", "media",        "mediaGroup",   "status",    "date",
    "expand",     "nestedExpand", "taskList",  "taskItem",    "decisionList", "decisionItem", "blockCard",
};

const char *const adf_mark_names[AM__COUNT] = {
    "strong", "em", "code", "strike", "underline", "link", "textColor", "subsup", "alignment", "indentation",
};

/* ------------------------------------------------------------------ the schema tables */

#define M(x) (1u << (x))
#define INLINE                                                                                                         \
    (M(AN_TEXT) | M(AN_HARDBREAK) | M(AN_MENTION) | M(AN_EMOJI) | M(AN_INLINECARD) | M(AN_STATUS) | M(AN_DATE))
#define LISTS (M(AN_BULLETLIST) | M(AN_ORDEREDLIST))
#define MEDIA (M(AN_MEDIASINGLE) | M(AN_MEDIAGROUP))
#define TASKS (M(AN_TASKLIST) | M(AN_DECISIONLIST))
#define TOP                                                                                                            \
    (M(AN_PARAGRAPH) | M(AN_HEADING) | LISTS | M(AN_CODEBLOCK) | M(AN_BLOCKQUOTE) | M(AN_RULE) | M(AN_PANEL) |         \
     M(AN_TABLE) | MEDIA | TASKS | M(AN_EXPAND) | M(AN_BLOCKCARD))
#define EXPAND ((TOP & ~M(AN_EXPAND)) | M(AN_NESTEDEXPAND))
#define NESTED                                                                                                         \
    (M(AN_PARAGRAPH) | M(AN_HEADING) | LISTS | M(AN_CODEBLOCK) | M(AN_BLOCKQUOTE) | M(AN_RULE) | M(AN_PANEL) | MEDIA | \
     TASKS)
#define ITEM (M(AN_PARAGRAPH) | LISTS | M(AN_CODEBLOCK) | M(AN_MEDIASINGLE))
#define QUOTE (M(AN_PARAGRAPH) | LISTS | M(AN_CODEBLOCK) | MEDIA)
#define PANEL (M(AN_PARAGRAPH) | M(AN_HEADING) | LISTS | M(AN_CODEBLOCK) | M(AN_RULE) | MEDIA | TASKS | M(AN_BLOCKCARD))
#define CELL                                                                                                           \
    (M(AN_PARAGRAPH) | M(AN_HEADING) | LISTS | M(AN_CODEBLOCK) | M(AN_BLOCKQUOTE) | M(AN_RULE) | M(AN_PANEL) | MEDIA | \
     TASKS | M(AN_NESTEDEXPAND) | M(AN_BLOCKCARD))
#define TEXT_MARKS                                                                                                     \
    (M(AM_STRONG) | M(AM_EM) | M(AM_CODE) | M(AM_STRIKE) | M(AM_UNDERLINE) | M(AM_LINK) | M(AM_TEXTCOLOR) |            \
     M(AM_SUBSUP))
#define BLOCK_MARKS (M(AM_ALIGNMENT) | M(AM_INDENTATION))

typedef enum { AT_STR, AT_INT, AT_BOOL, AT_ENUM, AT_COLOR, AT_DIGITS, AT_NUM, AT_OBJ, AT_INTARR } attr_kind_t;

typedef struct attr_spec {
    const char *name;
    attr_kind_t kind;
    int required;
    long long min, max;        /* AT_INT */
    const char *const *values; /* AT_ENUM, NULL-terminated */
} attr_spec_t;

static const char *const panel_types[] = {"info", "note", "tip", "warning", "error", "success", "custom", NULL};
static const char *const status_colors[] = {"neutral", "purple", "blue", "red", "yellow", "green", NULL};
static const char *const media_types[] = {"file", "link", "external", NULL};
static const char *const user_types[] = {"DEFAULT", "SPECIAL", "APP", NULL};
static const char *const subsup_types[] = {"sub", "sup", NULL};
static const char *const aligns[] = {"center", "end", NULL};
static const char *const task_states[] = {"TODO", "DONE", NULL};
static const char *const decision_states[] = {"DECIDED", NULL};

static const attr_spec_t a_heading[] = {{"level", AT_INT, 1, 1, 6, NULL}, {NULL}};
static const attr_spec_t a_ordered[] = {{"order", AT_INT, 0, 0, 1ll << 31, NULL}, {NULL}};
static const attr_spec_t a_code[] = {{"language", AT_STR, 0, 0, 0, NULL}, {NULL}};
static const attr_spec_t a_mention[] = {{"id", AT_STR, 1, 0, 0, NULL},
                                        {"text", AT_STR, 0, 0, 0, NULL},
                                        {"accessLevel", AT_STR, 0, 0, 0, NULL},
                                        {"userType", AT_ENUM, 0, 0, 0, user_types},
                                        {NULL}};
static const attr_spec_t a_emoji[] = {
    {"shortName", AT_STR, 1, 0, 0, NULL}, {"id", AT_STR, 0, 0, 0, NULL}, {"text", AT_STR, 0, 0, 0, NULL}, {NULL}};
static const attr_spec_t a_card[] = {{"url", AT_STR, 0, 0, 0, NULL}, {"data", AT_OBJ, 0, 0, 0, NULL}, {NULL}};
static const attr_spec_t a_panel[] = {{"panelType", AT_ENUM, 1, 0, 0, panel_types}, {NULL}};
static const attr_spec_t a_table[] = {{"isNumberColumnEnabled", AT_BOOL, 0, 0, 0, NULL},
                                      {"layout", AT_STR, 0, 0, 0, NULL},
                                      {"width", AT_NUM, 0, 0, 0, NULL},
                                      {NULL}};
static const attr_spec_t a_cell[] = {{"colspan", AT_INT, 0, 1, 1000, NULL},
                                     {"rowspan", AT_INT, 0, 1, 1000, NULL},
                                     {"colwidth", AT_INTARR, 0, 0, 0, NULL},
                                     {"background", AT_STR, 0, 0, 0, NULL},
                                     {NULL}};
static const attr_spec_t a_media[] = {{"type", AT_ENUM, 1, 0, 0, media_types}, {"id", AT_STR, 0, 0, 0, NULL},
                                      {"url", AT_STR, 0, 0, 0, NULL},          {"collection", AT_STR, 0, 0, 0, NULL},
                                      {"alt", AT_STR, 0, 0, 0, NULL},          {NULL}};
static const attr_spec_t a_status[] = {
    {"text", AT_STR, 1, 0, 0, NULL}, {"color", AT_ENUM, 1, 0, 0, status_colors}, {NULL}};
static const attr_spec_t a_date[] = {{"timestamp", AT_DIGITS, 1, 0, 0, NULL}, {NULL}};
static const attr_spec_t a_expand[] = {{"title", AT_STR, 0, 0, 0, NULL}, {NULL}};
static const attr_spec_t a_task[] = {
    {"localId", AT_STR, 0, 0, 0, NULL}, {"state", AT_ENUM, 1, 0, 0, task_states}, {NULL}};
static const attr_spec_t a_decision[] = {
    {"localId", AT_STR, 0, 0, 0, NULL}, {"state", AT_ENUM, 1, 0, 0, decision_states}, {NULL}};
static const attr_spec_t a_break[] = {{"text", AT_STR, 0, 0, 0, NULL}, {NULL}};

static const attr_spec_t m_link[] = {{"href", AT_STR, 1, 0, 0, NULL}, {"title", AT_STR, 0, 0, 0, NULL}, {NULL}};
static const attr_spec_t m_color[] = {{"color", AT_COLOR, 1, 0, 0, NULL}, {NULL}};
static const attr_spec_t m_subsup[] = {{"type", AT_ENUM, 1, 0, 0, subsup_types}, {NULL}};
static const attr_spec_t m_align[] = {{"align", AT_ENUM, 1, 0, 0, aligns}, {NULL}};
static const attr_spec_t m_indent[] = {{"level", AT_INT, 1, 1, 6, NULL}, {NULL}};

typedef struct node_spec {
    uint32_t content;  /* node types allowed as children */
    unsigned min, max; /* number of children (max 0: any) */
    int leaf;          /* no content member at all */
    uint32_t marks;    /* marks allowed on the node */
    const attr_spec_t *attrs;
    int attrs_required; /* an attrs object must be present */
} node_spec_t;

static const node_spec_t specs[AN__COUNT] = {
    [AN_DOC] = {TOP, 0, 0, 0, 0, NULL, 0},
    [AN_PARAGRAPH] = {INLINE, 0, 0, 0, BLOCK_MARKS, NULL, 0},
    [AN_TEXT] = {0, 0, 0, 1, TEXT_MARKS, NULL, 0},
    [AN_HEADING] = {INLINE, 0, 0, 0, BLOCK_MARKS, a_heading, 1},
    [AN_BULLETLIST] = {M(AN_LISTITEM), 1, 0, 0, 0, NULL, 0},
    [AN_ORDEREDLIST] = {M(AN_LISTITEM), 1, 0, 0, 0, a_ordered, 0},
    [AN_LISTITEM] = {ITEM, 1, 0, 0, 0, NULL, 0},
    [AN_CODEBLOCK] = {M(AN_TEXT), 0, 0, 0, 0, a_code, 0},
    [AN_BLOCKQUOTE] = {QUOTE, 1, 0, 0, 0, NULL, 0},
    [AN_RULE] = {0, 0, 0, 1, 0, NULL, 0},
    [AN_HARDBREAK] = {0, 0, 0, 1, 0, a_break, 0},
    [AN_MENTION] = {0, 0, 0, 1, 0, a_mention, 1},
    [AN_EMOJI] = {0, 0, 0, 1, 0, a_emoji, 1},
    [AN_INLINECARD] = {0, 0, 0, 1, 0, a_card, 1},
    [AN_PANEL] = {PANEL, 1, 0, 0, 0, a_panel, 1},
    [AN_TABLE] = {M(AN_TABLEROW), 1, 0, 0, 0, a_table, 0},
    [AN_TABLEROW] = {M(AN_TABLEHEADER) | M(AN_TABLECELL), 1, 0, 0, 0, NULL, 0},
    [AN_TABLEHEADER] = {CELL, 1, 0, 0, 0, a_cell, 0},
    [AN_TABLECELL] = {CELL, 1, 0, 0, 0, a_cell, 0},
    [AN_MEDIASINGLE] = {M(AN_MEDIA), 1, 1, 0, 0, NULL, 0},
    [AN_MEDIA] = {0, 0, 0, 1, ~0u, a_media, 1},
    [AN_MEDIAGROUP] = {M(AN_MEDIA), 1, 0, 0, 0, NULL, 0},
    [AN_STATUS] = {0, 0, 0, 1, 0, a_status, 1},
    [AN_DATE] = {0, 0, 0, 1, 0, a_date, 1},
    [AN_EXPAND] = {EXPAND, 1, 0, 0, 0, a_expand, 0},
    [AN_NESTEDEXPAND] = {NESTED, 1, 0, 0, 0, a_expand, 0},
    [AN_TASKLIST] = {M(AN_TASKITEM) | M(AN_TASKLIST), 1, 0, 0, 0, NULL, 0},
    [AN_TASKITEM] = {INLINE, 0, 0, 0, 0, a_task, 1},
    [AN_DECISIONLIST] = {M(AN_DECISIONITEM), 1, 0, 0, 0, NULL, 0},
    [AN_DECISIONITEM] = {INLINE, 0, 0, 0, 0, a_decision, 1},
    [AN_BLOCKCARD] = {0, 0, 0, 1, 0, a_card, 1},
};

static const attr_spec_t *const mark_attrs[AM__COUNT] = {
    [AM_LINK] = m_link,       [AM_TEXTCOLOR] = m_color,    [AM_SUBSUP] = m_subsup,
    [AM_ALIGNMENT] = m_align, [AM_INDENTATION] = m_indent,
};

adf_node_t adf_node_type(const json_t *n)
{
    const char *t = json_is_object(n) ? json_str(n, "type") : NULL;
    if (t)
        for (int i = 0; i < AN__COUNT; i++)
            if (strcmp(t, adf_node_names[i]) == 0)
                return (adf_node_t)i;
    return AN_UNKNOWN;
}

adf_mark_t adf_mark_type(const json_t *m)
{
    const char *t = json_is_object(m) ? json_str(m, "type") : NULL;
    if (t)
        for (int i = 0; i < AM__COUNT; i++)
            if (strcmp(t, adf_mark_names[i]) == 0)
                return (adf_mark_t)i;
    return AM_UNKNOWN;
}

const char *adf_attr_str(const json_t *n, const char *key)
{
    json_t *attrs = json_is_object(n) ? json_object_get(n, "attrs") : NULL;
    return json_is_object(attrs) ? json_str(attrs, key) : NULL;
}

/* ------------------------------------------------------------------ shared helpers */

static const struct {
    const char *type, *color;
} panel_colors[] = {
    {"info", "#deebff"},  {"note", "#eae6ff"}, {"success", "#e3fcef"}, {"warning", "#fffae6"},
    {"error", "#ffebe6"}, {"tip", "#e3fcef"},  {"custom", "#f4f5f7"},
};

const char *adf_panel_color(const char *panel_type)
{
    for (size_t i = 0; i < sizeof panel_colors / sizeof *panel_colors; i++)
        if (panel_type && strcmp(panel_type, panel_colors[i].type) == 0)
            return panel_colors[i].color;
    return panel_colors[0].color;
}

const char *adf_panel_type(const char *color, size_t n)
{
    /* the first type of a colour wins (success before tip: both are green in Jira) */
    for (size_t i = 0; i < sizeof panel_colors / sizeof *panel_colors; i++)
        if (n == 7 && strncasecmp(color, panel_colors[i].color, 7) == 0)
            return panel_colors[i].type;
    return NULL;
}

int adf_is_color(const char *s, size_t n)
{
    if (!s || n != 7 || s[0] != '#')
        return 0;
    for (size_t i = 1; i < 7; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
            return 0;
    return 1;
}

int adf_date_ymd(const char *ts, char out[11])
{
    if (!ts || !*ts || strlen(ts) > 15)
        return -1;
    long long ms = 0;
    for (const char *p = ts; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        ms = ms * 10 + (*p - '0');
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999)
        return -1;
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)(tm.tm_mon + 1) % 100u,
             d = (unsigned)tm.tm_mday % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
    return 0;
}

void adf_out_init(adf_out_t *o)
{
    memset(o, 0, sizeof *o);
    buf_init(&o->b, ADF_MAX_OUT);
}

void adf_out_add(adf_out_t *o, const char *s, size_t n)
{
    if (!o->err && n && buf_add(&o->b, s, n) != 0)
        o->err = ADF_ELIMIT;
}

void adf_out_adds(adf_out_t *o, const char *s)
{
    adf_out_add(o, s, strlen(s));
}

int adf_out_finish(adf_out_t *o, arena_t *a, char **out, size_t *len, adf_error_t *err, const char *what)
{
    int rc = ADF_OK;
    *out = NULL;
    if (o->err == ADF_ELIMIT)
        rc = adf_fail(err, ADF_ELIMIT, "the %s would be larger than %u bytes", what, ADF_MAX_OUT);
    else if (o->err)
        rc = adf_fail(err, ADF_ELIMIT, "the document has more than %u nodes or is nested deeper than %u", ADF_MAX_NODES,
                      ADF_MAX_DEPTH);
    else if (!(*out = arena_strndup(a, o->b.len ? o->b.ptr : "", o->b.len)))
        rc = adf_fail(err, ADF_ENOMEM, "out of memory for the %s", what);
    if (len)
        *len = rc == ADF_OK ? o->b.len : 0;
    buf_free(&o->b);
    if (rc == ADF_OK && err) {
        err->code = ADF_OK;
        err->msg[0] = '\0';
    }
    return rc;
}

int adf_fail(adf_error_t *err, int code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *adf_quote(const char *s, size_t n, char out[24])
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 16; i++)
        out[k++] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '\'' ? s[i] : '?';
    if (n > 16) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* ------------------------------------------------------------------ adf_check */

typedef struct check {
    adf_error_t *err;
    char path[640];
    size_t plen;
    unsigned nodes;
    size_t text;
} check_t;

static int bad(check_t *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(check_t *c, int code, const char *fmt, ...)
{
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return adf_fail(c->err, code, "%s: %s", c->plen ? c->path : "doc", m);
}

/* appends ".key" or "[i]" to the path; returns the length to restore */
static size_t push(check_t *c, const char *key, long idx)
{
    size_t old = c->plen;
    int w = idx >= 0 ? snprintf(c->path + c->plen, sizeof c->path - c->plen, "%s%s[%ld]", c->plen ? "." : "", key, idx)
                     : snprintf(c->path + c->plen, sizeof c->path - c->plen, "%s%s", c->plen ? "." : "", key);
    if (w > 0)
        c->plen = c->plen + (size_t)w < sizeof c->path ? c->plen + (size_t)w : sizeof c->path - 1;
    return old;
}

static void pop(check_t *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

/* a string without NUL; its bytes count towards ADF_MAX_TEXT */
static int text_ok(check_t *c, const json_t *v, const char *what)
{
    size_t n = json_string_length(v);
    if (memchr(json_string_value(v), '\0', n))
        return bad(c, ADF_EINVALID, "%s holds a NUL character", what);
    c->text += n;
    if (c->text > ADF_MAX_TEXT)
        return bad(c, ADF_ELIMIT, "the document holds more than %u bytes of text", ADF_MAX_TEXT);
    return ADF_OK;
}

static int check_attrs(check_t *c, const json_t *attrs, const attr_spec_t *spec, int required)
{
    if (!attrs) {
        if (required)
            return bad(c, ADF_EINVALID, "attrs is required");
        return ADF_OK;
    }
    if (!json_is_object(attrs))
        return bad(c, ADF_EINVALID, "attrs must be an object");
    for (const attr_spec_t *s = spec; s && s->name; s++) {
        json_t *v = json_object_get(attrs, s->name);
        if (!v || (json_is_null(v) && !s->required)) {
            if (s->required)
                return bad(c, ADF_EINVALID, "attrs.%s is required", s->name);
            continue;
        }
        int ok = 1;
        const char *want = "";
        char q[24];
        switch (s->kind) {
        case AT_STR: ok = json_is_string(v), want = "a string"; break;
        case AT_INT:
            ok = json_is_integer(v) && json_integer_value(v) >= s->min && json_integer_value(v) <= s->max;
            want = "an integer in range";
            if (!ok)
                return bad(c, ADF_EINVALID, "attrs.%s must be an integer from %lld to %lld", s->name, s->min, s->max);
            break;
        case AT_BOOL: ok = json_is_boolean(v), want = "true or false"; break;
        case AT_NUM: ok = json_is_number(v), want = "a number"; break;
        case AT_OBJ: ok = json_is_object(v), want = "an object"; break;
        case AT_INTARR:
            ok = json_is_array(v), want = "an array of integers";
            for (size_t i = 0; ok && i < json_array_size(v); i++)
                ok = json_is_number(json_array_get(v, i));
            break;
        case AT_COLOR:
            ok = json_is_string(v) && adf_is_color(json_string_value(v), json_string_length(v));
            want = "a colour \"#rrggbb\"";
            break;
        case AT_DIGITS:
            ok = json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 15 &&
                 strspn(json_string_value(v), "0123456789") == json_string_length(v);
            want = "a string of digits (milliseconds since 1970)";
            break;
        case AT_ENUM:
            ok = 0;
            if (json_is_string(v))
                for (const char *const *e = s->values; *e && !ok; e++)
                    ok = strcmp(json_string_value(v), *e) == 0 && strlen(*e) == json_string_length(v);
            if (!ok && json_is_string(v))
                return bad(c, ADF_EINVALID, "attrs.%s: unknown value '%s'", s->name,
                           adf_quote(json_string_value(v), json_string_length(v), q));
            want = "a string";
            break;
        }
        if (!ok)
            return bad(c, ADF_EINVALID, "attrs.%s must be %s", s->name, want);
        if (json_is_string(v)) {
            int rc = text_ok(c, v, "an attribute");
            if (rc)
                return rc;
        }
    }
    return ADF_OK;
}

static int check_marks(check_t *c, const json_t *marks, uint32_t allowed, adf_node_t t)
{
    if (!marks)
        return ADF_OK;
    if (!json_is_array(marks))
        return bad(c, ADF_EINVALID, "marks must be an array");
    uint32_t seen = 0;
    for (size_t i = 0; i < json_array_size(marks); i++) {
        json_t *m = json_array_get(marks, i);
        size_t old = push(c, "marks", (long)i);
        char q[24];
        if (++c->nodes > ADF_MAX_NODES)
            return bad(c, ADF_ELIMIT, "the document has more than %u nodes and marks", ADF_MAX_NODES);
        if (!json_is_object(m) || !json_is_string(json_object_get(m, "type")))
            return bad(c, ADF_EINVALID, "a mark must be an object with a string type");
        adf_mark_t k = adf_mark_type(m);
        if (k == AM_UNKNOWN) {
            json_t *tv = json_object_get(m, "type");
            return bad(c, ADF_EINVALID, "unknown mark type '%s'",
                       adf_quote(json_string_value(tv), json_string_length(tv), q));
        }
        if (!(allowed & M(k)))
            return bad(c, ADF_EINVALID, "mark '%s' is not allowed on '%s'", adf_mark_names[k], adf_node_names[t]);
        if (seen & M(k))
            return bad(c, ADF_EINVALID, "mark '%s' is given twice", adf_mark_names[k]);
        seen |= M(k);
        int rc = check_attrs(c, json_object_get(m, "attrs"), mark_attrs[k], mark_attrs[k] != NULL);
        if (rc)
            return rc;
        pop(c, old);
    }
    /* the schema's code_inline_node: code goes with link only */
    if ((seen & M(AM_CODE)) && (seen & ~(M(AM_CODE) | M(AM_LINK))))
        return bad(c, ADF_EINVALID, "mark 'code' can be combined with 'link' only");
    return ADF_OK;
}

static int check_node(check_t *c, const json_t *n, adf_node_t parent, unsigned depth)
{
    char q[24];
    if (!json_is_object(n))
        return bad(c, ADF_EINVALID, "a node must be an object");
    json_t *tv = json_object_get(n, "type");
    if (!json_is_string(tv))
        return bad(c, ADF_EINVALID, "a node needs a string type");
    adf_node_t t = adf_node_type(n);
    if (t == AN_UNKNOWN)
        return bad(c, ADF_EINVALID, "unknown node type '%s'",
                   adf_quote(json_string_value(tv), json_string_length(tv), q));
    if (!(specs[parent].content & M(t)))
        return bad(c, ADF_EINVALID, "'%s' is not allowed in '%s'", adf_node_names[t], adf_node_names[parent]);
    if (depth > ADF_MAX_DEPTH)
        return bad(c, ADF_ELIMIT, "nodes are nested deeper than %u", ADF_MAX_DEPTH);
    if (++c->nodes > ADF_MAX_NODES)
        return bad(c, ADF_ELIMIT, "the document has more than %u nodes and marks", ADF_MAX_NODES);
    const node_spec_t *s = &specs[t];
    int rc;
    size_t old;
    if ((rc = check_attrs(c, json_object_get(n, "attrs"), s->attrs, s->attrs_required)))
        return rc;
    json_t *attrs = json_object_get(n, "attrs");
    if ((t == AN_INLINECARD || t == AN_BLOCKCARD) && !json_is_string(json_object_get(attrs, "url")) &&
        !json_is_object(json_object_get(attrs, "data")))
        return bad(c, ADF_EINVALID, "attrs.url or attrs.data is required");
    if (t == AN_MEDIA) {
        const char *mt = json_str(attrs, "type");
        const char *need = strcmp(mt, "external") == 0 ? "url" : "id";
        if (!json_is_string(json_object_get(attrs, need)))
            return bad(c, ADF_EINVALID, "attrs.%s is required for a media of type '%s'", need, mt);
    }
    uint32_t marks = s->marks;
    if (t == AN_TEXT && parent == AN_CODEBLOCK)
        marks = 0;
    if (t != AN_MEDIA && (rc = check_marks(c, json_object_get(n, "marks"), marks, t)))
        return rc;
    if (t == AN_TEXT) {
        json_t *tx = json_object_get(n, "text");
        if (!json_is_string(tx) || json_string_length(tx) == 0)
            return bad(c, ADF_EINVALID, "text must be a non-empty string");
        if ((rc = text_ok(c, tx, "text")))
            return rc;
    }
    json_t *content = json_object_get(n, "content");
    if (s->leaf) {
        if (content && !(json_is_array(content) && json_array_size(content) == 0))
            return bad(c, ADF_EINVALID, "'%s' has no content", adf_node_names[t]);
        return ADF_OK;
    }
    if (content && !json_is_array(content))
        return bad(c, ADF_EINVALID, "content must be an array");
    size_t k = json_array_size(content);
    if (k < s->min)
        return bad(c, ADF_EINVALID, "'%s' needs at least %u node%s in its content", adf_node_names[t], s->min,
                   s->min == 1 ? "" : "s");
    if (s->max && k > s->max)
        return bad(c, ADF_EINVALID, "'%s' holds at most %u node%s", adf_node_names[t], s->max, s->max == 1 ? "" : "s");
    for (size_t i = 0; i < k; i++) {
        old = push(c, "content", (long)i);
        if ((rc = check_node(c, json_array_get(content, i), t, depth + 1)))
            return rc;
        pop(c, old);
    }
    return ADF_OK;
}

int adf_check(const json_t *doc, adf_error_t *err)
{
    check_t c = {.err = err};
    if (err)
        err->code = ADF_OK, err->msg[0] = '\0';
    if (!json_is_object(doc))
        return bad(&c, ADF_EINVALID, "the document must be an object");
    if (!json_str_is(json_object_get(doc, "type"), "doc"))
        return bad(&c, ADF_EINVALID, "type must be \"doc\"");
    json_t *v = json_object_get(doc, "version");
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        return bad(&c, ADF_EINVALID, "version must be 1");
    json_t *content = json_object_get(doc, "content");
    if (!json_is_array(content))
        return bad(&c, ADF_EINVALID, "content must be an array");
    c.nodes = 1;
    for (size_t i = 0; i < json_array_size(content); i++) {
        size_t old = push(&c, "content", (long)i);
        int rc = check_node(&c, json_array_get(content, i), AN_DOC, 2);
        if (rc)
            return rc;
        pop(&c, old);
    }
    return ADF_OK;
}
