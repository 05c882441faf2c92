/* adf_from_wiki and adf_to_wiki: Jira wiki markup <-> ADF for kiln's subset
 * (product/adf.h; the syntax and what is lossy: docs/adf.md).
 *
 * One parser reads wiki markup; the writer checks each paragraph it writes by reading it
 * back with that parser, and escapes the paragraph's markup characters only when the
 * plain form would not read back to the same nodes. So plain text is written as it is
 * (what makes adf_to_wiki(adf_from_wiki(s)) == s), and text that looks like markup gets
 * the backslashes it needs.
 *
 * The parser runs in linear time: the closing delimiter of each inline mark comes from a
 * table built once from right to left, and searches for closing tags remember their last
 * answer (searches only move forward). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "product/adf_int.h"

#define NONE SIZE_MAX

/* characters a backslash makes literal */
static int special(char c)
{
    return c && strchr("*_-+^~{}[]|#!", c) != NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* the inline delimiters and their marks */
static const struct {
    char c;
    adf_mark_t mark;
    const char *sub; /* subsup's type */
} delims[] = {
    {'*', AM_STRONG, NULL},    {'_', AM_EM, NULL},      {'-', AM_STRIKE, NULL},
    {'+', AM_UNDERLINE, NULL}, {'^', AM_SUBSUP, "sup"}, {'~', AM_SUBSUP, "sub"},
};

static int delim_index(char c)
{
    for (size_t i = 0; i < sizeof delims / sizeof *delims; i++)
        if (delims[i].c == c)
            return (int)i;
    return -1;
}

/* The order marks open in (closing in reverse); the parser reads them back nested so. */
static const adf_mark_t mark_order[] = {AM_LINK,      AM_TEXTCOLOR, AM_STRONG, AM_EM,
                                        AM_UNDERLINE, AM_STRIKE,    AM_SUBSUP, AM_CODE};

/* ------------------------------------------------------------------ the parser */

typedef struct find {
    size_t from, at; /* the first occurrence at or after `from` is `at` (NONE: none) */
    int valid;
} find_t;

typedef struct wp {
    const char *s;
    size_t n;
    uint32_t *nc; /* nc[i]: for a delimiter at i, the next position that can close it */
    find_t f_code, f_color, f_rb, f_end_code, f_end_noformat, f_end_quote, f_end_panel;
    buf_t pend; /* literal text not yet made a node */
    json_t *stack[16];
    size_t nstack;
    unsigned nodes;
    int rc;
    adf_error_t *err;
} wp_t;

static size_t find(wp_t *w, find_t *f, const char *pat, size_t from)
{
    if (f->valid && from >= f->from && (f->at == NONE || from <= f->at))
        return f->at;
    size_t m = strlen(pat);
    const char *p = from < w->n ? memmem(w->s + from, w->n - from, pat, m) : NULL;
    f->from = from;
    f->at = p ? (size_t)(p - w->s) : NONE;
    f->valid = 1;
    return f->at;
}

static int closer_ok(const char *s, size_t n, size_t j)
{
    return j > 0 && !is_space(s[j - 1]) && s[j - 1] != '\\' && (j + 1 >= n || !is_alnum(s[j + 1]));
}

static int wp_init(wp_t *w, const char *s, size_t n, adf_error_t *err)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->n = n;
    w->err = err;
    buf_init(&w->pend, ADF_MAX_WIKI + 1);
    w->nc = n ? malloc(n * sizeof *w->nc) : NULL;
    if (n && !w->nc)
        kiln_oom(n * sizeof *w->nc);
    uint32_t last[sizeof delims / sizeof *delims];
    for (size_t k = 0; k < sizeof delims / sizeof *delims; k++)
        last[k] = UINT32_MAX;
    for (size_t i = n; i-- > 0;) {
        int k = delim_index(s[i]);
        if (k < 0)
            continue;
        w->nc[i] = last[k];
        if (closer_ok(s, n, i))
            last[k] = (uint32_t)i;
    }
    return 0;
}

static void wp_free(wp_t *w)
{
    free(w->nc);
    buf_free(&w->pend);
}

static json_t *mk(wp_t *w, adf_node_t t)
{
    if (++w->nodes > ADF_MAX_NODES && !w->rc)
        w->rc = adf_fail(w->err, ADF_ELIMIT, "the wiki markup makes more than %u nodes", ADF_MAX_NODES);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(adf_node_names[t]));
    return o;
}

static json_t *content_of(json_t *n)
{
    json_t *c = json_object_get(n, "content");
    if (!c)
        json_object_set_new(n, "content", c = json_array());
    return c;
}

static json_t *mark(adf_mark_t m, const char *key, const char *val, size_t vlen)
{
    json_t *o = json_pack("{s:s}", "type", adf_mark_names[m]);
    if (key)
        json_object_set_new(o, "attrs", json_pack("{s:s%}", key, val, vlen));
    return o;
}

static int in_stack(wp_t *w, adf_mark_t m)
{
    for (size_t i = 0; i < w->nstack; i++)
        if (adf_mark_type(w->stack[i]) == m)
            return 1;
    return 0;
}

static void push_mark(wp_t *w, json_t *m)
{
    w->stack[w->nstack++] = m;
    if (++w->nodes > ADF_MAX_NODES && !w->rc)
        w->rc = adf_fail(w->err, ADF_ELIMIT, "the wiki markup makes more than %u nodes", ADF_MAX_NODES);
}

static void pop_mark(wp_t *w)
{
    json_decref(w->stack[--w->nstack]);
}

/* the pending literal text becomes a text node with the marks of the stack (merge()
 * joins neighbours with the same marks once the document is built) */
static void flush(wp_t *w, json_t *content)
{
    if (!w->pend.len)
        return;
    json_t *marks = NULL;
    if (w->nstack) { /* in the writer's order, whatever the nesting was */
        marks = json_array();
        for (size_t k = 0; k < sizeof mark_order / sizeof *mark_order; k++)
            for (size_t i = 0; i < w->nstack; i++)
                if (adf_mark_type(w->stack[i]) == mark_order[k])
                    json_array_append(marks, w->stack[i]);
    }
    json_t *t = mk(w, AN_TEXT);
    json_object_set_new(t, "text", json_stringn(w->pend.ptr, w->pend.len));
    if (marks)
        json_object_set_new(t, "marks", marks);
    json_array_append_new(content, t);
    buf_reset(&w->pend);
}

static void lit(wp_t *w, const char *p, size_t n)
{
    buf_add(&w->pend, p, n);
}

/* a URL kiln turns into a link: http(s), mailto, ftp */
static int wiki_url(const char *s, size_t n)
{
    static const char *const schemes[] = {"http://", "https://", "mailto:", "ftp://"};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++) {
        size_t m = strlen(schemes[i]);
        if (n > m && strncasecmp(s, schemes[i], m) == 0) {
            for (size_t j = 0; j < n; j++)
                if (is_space(s[j]) || s[j] == '|' || s[j] == '[')
                    return 0;
            return 1;
        }
    }
    return 0;
}

static void parse_inline(wp_t *w, json_t *content, size_t from, size_t to, int cell);

/* [...] at i, ']' at j: a mention, an inline card, a link, or 0 (literal) */
static int bracket(wp_t *w, json_t *content, size_t i, size_t j, int cell)
{
    const char *s = w->s + i + 1;
    size_t n = j - i - 1;
    if (n > 11 && memcmp(s, "~accountid:", 11) == 0) {
        if (memchr(s + 11, '|', n - 11) || memchr(s + 11, '\\', n - 11))
            return 0;
        flush(w, content);
        json_t *m = mk(w, AN_MENTION);
        json_object_set_new(m, "attrs", json_pack("{s:s%}", "id", s + 11, n - 11));
        json_array_append_new(content, m);
        return 1;
    }
    const char *bar = memchr(s, '|', n);
    if (!bar) {
        if (!wiki_url(s, n) || in_stack(w, AM_LINK) || in_stack(w, AM_CODE))
            return 0;
        flush(w, content);
        push_mark(w, mark(AM_LINK, "href", s, n));
        lit(w, s, n);
        flush(w, content);
        pop_mark(w);
        return 1;
    }
    size_t tl = (size_t)(bar - s), rl = n - tl - 1;
    const char *r = bar + 1;
    static const char smart[] = "|smart-link";
    size_t sl = sizeof smart - 1;
    if (rl > sl && memcmp(r + rl - sl, smart, sl) == 0 && wiki_url(r, rl - sl) && tl == rl - sl &&
        memcmp(s, r, tl) == 0) {
        flush(w, content);
        json_t *c = mk(w, AN_INLINECARD);
        json_object_set_new(c, "attrs", json_pack("{s:s%}", "url", r, rl - sl));
        json_array_append_new(content, c);
        return 1;
    }
    if (tl == 0 || !wiki_url(r, rl) || in_stack(w, AM_LINK) || in_stack(w, AM_CODE))
        return 0;
    flush(w, content);
    push_mark(w, mark(AM_LINK, "href", r, rl));
    parse_inline(w, content, i + 1, i + 1 + tl, cell);
    flush(w, content);
    pop_mark(w);
    return 1;
}

/* Inline markup in s[from..to), which holds no newline. In a table cell (`cell`), "\\"
 * is a line break and '|' never reaches here unescaped. */
static void parse_inline(wp_t *w, json_t *content, size_t from, size_t to, int cell)
{
    const char *s = w->s;
    size_t i = from;
    while (i < to && !w->rc) {
        char c = s[i];
        if (c == '\\' && i + 1 < to && cell && s[i + 1] == '\\') {
            flush(w, content);
            json_array_append_new(content, mk(w, AN_HARDBREAK));
            i += 2;
            continue;
        }
        if (c == '\\' && i + 1 < to && special(s[i + 1])) {
            lit(w, s + i + 1, 1);
            i += 2;
            continue;
        }
        int k = delim_index(c);
        if (k >= 0 && !in_stack(w, AM_CODE) && !in_stack(w, delims[k].mark) && (i == 0 || !is_alnum(s[i - 1])) &&
            i + 1 < to && !is_space(s[i + 1]) && s[i + 1] != c) {
            uint32_t j = w->nc[i];
            if (j != UINT32_MAX && j < to) {
                flush(w, content);
                push_mark(w, delims[k].sub ? mark(AM_SUBSUP, "type", delims[k].sub, strlen(delims[k].sub))
                                           : mark(delims[k].mark, NULL, NULL, 0));
                parse_inline(w, content, i + 1, j, cell);
                flush(w, content);
                pop_mark(w);
                i = j + 1;
                continue;
            }
        }
        if (c == '{' && i + 1 < to && s[i + 1] == '{' && !in_stack(w, AM_CODE) &&
            w->nstack == (size_t)in_stack(w, AM_LINK)) {
            size_t j = find(w, &w->f_code, "}}", i + 3);
            if (j != NONE && j + 2 <= to) {
                flush(w, content);
                push_mark(w, mark(AM_CODE, NULL, NULL, 0));
                lit(w, s + i + 2, j - i - 2);
                flush(w, content);
                pop_mark(w);
                i = j + 2;
                continue;
            }
        }
        if (c == '{' && to - i > 15 && memcmp(s + i, "{color:", 7) == 0 && s[i + 14] == '}' &&
            adf_is_color(s + i + 7, 7) && !in_stack(w, AM_TEXTCOLOR) && !in_stack(w, AM_CODE)) {
            size_t j = find(w, &w->f_color, "{color}", i + 15);
            if (j != NONE && j + 7 <= to && j > i + 15) {
                flush(w, content);
                char col[8];
                for (int q = 0; q < 7; q++)
                    col[q] = (char)(s[i + 7 + q] >= 'A' && s[i + 7 + q] <= 'F' ? s[i + 7 + q] + 32 : s[i + 7 + q]);
                push_mark(w, mark(AM_TEXTCOLOR, "color", col, 7));
                parse_inline(w, content, i + 15, j, cell);
                flush(w, content);
                pop_mark(w);
                i = j + 7;
                continue;
            }
        }
        if (c == '[') {
            size_t j = find(w, &w->f_rb, "]", i + 1);
            if (j != NONE && j < to && bracket(w, content, i, j, cell)) {
                i = j + 1;
                continue;
            }
        }
        lit(w, s + i, 1);
        i++;
    }
    flush(w, content);
}

/* ---- blocks */

enum { C_HEADING = 1, C_LIST = 2, C_CODE = 4, C_QUOTE = 8, C_RULE = 16, C_PANEL = 32, C_TABLE = 64 };
#define C_TOP (C_HEADING | C_LIST | C_CODE | C_QUOTE | C_RULE | C_PANEL | C_TABLE)
#define C_INQUOTE (C_LIST | C_CODE)
#define C_INPANEL (C_HEADING | C_LIST | C_CODE | C_RULE)

static size_t line_end(wp_t *w, size_t p, size_t to)
{
    const char *e = p < to ? memchr(w->s + p, '\n', to - p) : NULL;
    return e ? (size_t)(e - w->s) : to;
}

static int line_is(wp_t *w, size_t p, size_t le, const char *lit_)
{
    size_t m = strlen(lit_);
    return le - p == m && memcmp(w->s + p, lit_, m) == 0;
}

/* the length of a list prefix "*#*" followed by a space at p, or 0 */
static size_t list_prefix(wp_t *w, size_t p, size_t le)
{
    size_t k = p;
    while (k < le && (w->s[k] == '*' || w->s[k] == '#'))
        k++;
    return k > p && k < le && w->s[k] == ' ' ? k - p : 0;
}

/* the closing "\n{tag}" line of a block opened on the line ending at le, or NONE */
static size_t closing(wp_t *w, find_t *f, const char *pat, size_t le, size_t to)
{
    size_t m = strlen(pat);
    for (size_t at = find(w, f, pat, le); at != NONE && at + m <= to; at = find(w, f, pat, at + 1))
        if (at + m == to || w->s[at + m] == '\n')
            return at;
    return NONE;
}

typedef enum { B_PARA, B_CODE, B_NOFORMAT, B_QUOTE, B_PANEL, B_BQ, B_HEADING, B_RULE, B_LIST, B_TABLE } block_t;

/* the tag "{code}" / "{code:...}" / "{panel:...}" opening a line (whole line) */
static int tag_line(wp_t *w, size_t p, size_t le, const char *name)
{
    size_t m = strlen(name);
    if (le - p < m + 2 || w->s[p] != '{' || memcmp(w->s + p + 1, name, m) != 0 || w->s[le - 1] != '}')
        return 0;
    if (le - p == m + 2)
        return 1;
    return w->s[p + 1 + m] == ':' && !memchr(w->s + p + 1, '}', le - p - 2);
}

static block_t block_at(wp_t *w, size_t p, size_t le, size_t to, int ctx)
{
    const char *s = w->s + p;
    size_t n = le - p;
    if ((ctx & C_CODE) && tag_line(w, p, le, "code") && closing(w, &w->f_end_code, "\n{code}", le, to) != NONE)
        return B_CODE;
    if ((ctx & C_CODE) && line_is(w, p, le, "{noformat}") &&
        closing(w, &w->f_end_noformat, "\n{noformat}", le, to) != NONE)
        return B_NOFORMAT;
    if ((ctx & C_QUOTE) && line_is(w, p, le, "{quote}") && closing(w, &w->f_end_quote, "\n{quote}", le, to) != NONE)
        return B_QUOTE;
    if ((ctx & C_PANEL) && tag_line(w, p, le, "panel") && closing(w, &w->f_end_panel, "\n{panel}", le, to) != NONE)
        return B_PANEL;
    if ((ctx & C_QUOTE) && n >= 4 && memcmp(s, "bq. ", 4) == 0)
        return B_BQ;
    if ((ctx & C_HEADING) && n >= 4 && s[0] == 'h' && s[1] >= '1' && s[1] <= '6' && s[2] == '.' && s[3] == ' ')
        return B_HEADING;
    if ((ctx & C_RULE) && line_is(w, p, le, "----"))
        return B_RULE;
    if ((ctx & C_LIST) && list_prefix(w, p, le))
        return B_LIST;
    if ((ctx & C_TABLE) && n && s[0] == '|')
        return B_TABLE;
    return B_PARA;
}

static size_t parse_blocks(wp_t *w, json_t *content, size_t from, size_t to, int ctx, unsigned depth);

/* a paragraph from p: lines up to a blank line, a line that starts a block, or `to` */
static size_t paragraph(wp_t *w, json_t *content, size_t p, size_t to, int ctx)
{
    json_t *para = mk(w, AN_PARAGRAPH);
    json_t *c = json_array();
    size_t ls = p;
    for (;;) {
        size_t le = line_end(w, ls, to);
        parse_inline(w, c, ls, le, 0);
        if (w->rc || le >= to || le + 1 >= to || w->s[le + 1] == '\n')
            break;
        size_t nle = line_end(w, le + 1, to);
        if (block_at(w, le + 1, nle, to, ctx) != B_PARA)
            break;
        json_array_append_new(c, mk(w, AN_HARDBREAK));
        ls = le + 1;
    }
    /* a paragraph that ends in "\n" before `to` with no blank line: the newline is the
     * paragraph's own last line break only when what follows is not a block */
    size_t end = line_end(w, ls, to);
    if (end + 1 == to && w->s[end] == '\n') {
        json_array_append_new(c, mk(w, AN_HARDBREAK));
        end = to;
    }
    if (json_array_size(c))
        json_object_set_new(para, "content", c);
    else
        json_decref(c);
    json_array_append_new(content, para);
    return end;
}

static json_t *inline_block(wp_t *w, adf_node_t t, size_t from, size_t to)
{
    json_t *b = mk(w, t);
    json_t *c = json_array();
    parse_inline(w, c, from, to, 0);
    if (json_array_size(c))
        json_object_set_new(b, "content", c);
    else
        json_decref(c);
    return b;
}

static size_t list(wp_t *w, json_t *content, size_t p, size_t to, int ctx, unsigned depth)
{
    struct {
        json_t *list, *item;
        char type;
    } st[ADF_MAX_LIST_DEPTH + 1];
    size_t nst = 0, ls = p, le = p;
    while (!w->rc) {
        le = line_end(w, ls, to);
        size_t d = list_prefix(w, ls, le);
        if (d) {
            if (d > ADF_MAX_LIST_DEPTH || depth + 2 * d + 2 > ADF_MAX_DEPTH) {
                w->rc = adf_fail(w->err, ADF_ELIMIT, "lists are nested deeper than %u levels", ADF_MAX_LIST_DEPTH);
                break;
            }
            if (d > nst + 1)
                d = nst + 1;
            size_t k = 0;
            while (k < nst && k < d && st[k].type == w->s[ls + k])
                k++;
            if (k < d - 1)
                d = k + 1; /* a parent level of another type: a new list at that level */
            nst = k < d ? k : d;
            if (nst < d) { /* a new list at level d-1 */
                char ty = w->s[ls + d - 1];
                json_t *l = mk(w, ty == '*' ? AN_BULLETLIST : AN_ORDEREDLIST);
                json_array_append_new(d == 1 ? content : content_of(st[d - 2].item), l);
                st[d - 1].list = l;
                st[d - 1].type = ty;
                nst = d;
            }
            json_t *item = mk(w, AN_LISTITEM);
            json_array_append_new(content_of(item), inline_block(w, AN_PARAGRAPH, ls + list_prefix(w, ls, le) + 1, le));
            json_array_append_new(content_of(st[d - 1].list), item);
            st[d - 1].item = item;
        } else { /* a continuation line of the last item's paragraph */
            json_t *ic = content_of(st[nst - 1].item);
            json_t *para = json_array_get(ic, json_array_size(ic) - 1);
            json_t *c = content_of(para);
            json_array_append_new(c, mk(w, AN_HARDBREAK));
            parse_inline(w, c, ls, le, 0);
        }
        if (le >= to || le + 1 >= to || w->s[le + 1] == '\n')
            break;
        size_t nle = line_end(w, le + 1, to);
        block_t b = block_at(w, le + 1, nle, to, ctx);
        if (b != B_LIST && b != B_PARA)
            break;
        ls = le + 1;
    }
    return le;
}

/* the end of a table cell starting at i: the next '|' not escaped, not in [...] or {{...}} */
static size_t cell_end(wp_t *w, size_t i, size_t le)
{
    const char *s = w->s;
    while (i < le) {
        if (s[i] == '\\' && i + 1 < le) {
            i += 2;
            continue;
        }
        if (s[i] == '|')
            return i;
        if (s[i] == '[' || (s[i] == '{' && i + 1 < le && s[i + 1] == '{')) {
            const char *close = s[i] == '[' ? "]" : "}}";
            const char *e = memmem(s + i + 1, le - i - 1, close, strlen(close));
            if (e) {
                i = (size_t)(e - s) + strlen(close);
                continue;
            }
        }
        i++;
    }
    return le;
}

static size_t table(wp_t *w, json_t *content, size_t p, size_t to)
{
    json_t *t = mk(w, AN_TABLE);
    json_t *rows = content_of(t);
    size_t ls = p, le = p;
    while (!w->rc) {
        le = line_end(w, ls, to);
        json_t *row = mk(w, AN_TABLEROW);
        json_t *cells = content_of(row);
        size_t i = ls;
        while (i < le && !w->rc) {
            int head = i + 1 < le && w->s[i] == '|' && w->s[i + 1] == '|';
            i += head ? 2 : 1;
            if (i >= le)
                break;
            size_t e = cell_end(w, i, le);
            json_t *cell = mk(w, head ? AN_TABLEHEADER : AN_TABLECELL);
            json_t *para = mk(w, AN_PARAGRAPH);
            json_t *c = json_array();
            parse_inline(w, c, i, e, 1);
            if (json_array_size(c))
                json_object_set_new(para, "content", c);
            else
                json_decref(c);
            json_array_append_new(content_of(cell), para);
            json_array_append_new(cells, cell);
            i = e;
        }
        if (!json_array_size(cells)) {
            json_t *cell = mk(w, AN_TABLECELL);
            json_array_append_new(content_of(cell), mk(w, AN_PARAGRAPH));
            json_array_append_new(cells, cell);
        }
        json_array_append_new(rows, row);
        if (le + 1 >= to || w->s[le + 1] != '|')
            break;
        ls = le + 1;
    }
    json_array_append_new(content, t);
    return le;
}

/* {code}/{noformat} from the line [p, le): the text up to the closing line */
static size_t code(wp_t *w, json_t *content, size_t p, size_t le, size_t to, int noformat)
{
    size_t at = noformat ? closing(w, &w->f_end_noformat, "\n{noformat}", le, to)
                         : closing(w, &w->f_end_code, "\n{code}", le, to);
    json_t *cb = mk(w, AN_CODEBLOCK);
    if (!noformat && le - p > 7) { /* {code:lang|k=v} : the first option without '=' */
        const char *o = w->s + p + 6, *end = w->s + le - 1;
        const char *bar = memchr(o, '|', (size_t)(end - o));
        size_t ol = (size_t)((bar ? bar : end) - o);
        if (ol && ol <= 32 && !memchr(o, '=', ol))
            json_object_set_new(cb, "attrs", json_pack("{s:s%}", "language", o, ol));
    }
    if (at > le + 1) { /* "{code}\n\n{code}": no text node, which may not be empty */
        json_t *t = mk(w, AN_TEXT);
        json_object_set_new(t, "text", json_stringn(w->s + le + 1, at - le - 1));
        json_array_append_new(content_of(cb), t);
    }
    json_array_append_new(content, cb);
    return at + strlen(noformat ? "\n{noformat}" : "\n{code}");
}

/* {quote}/{panel}: blocks up to the closing line */
static size_t container(wp_t *w, json_t *content, size_t p, size_t le, size_t to, adf_node_t t, unsigned depth)
{
    size_t at = t == AN_PANEL ? closing(w, &w->f_end_panel, "\n{panel}", le, to)
                              : closing(w, &w->f_end_quote, "\n{quote}", le, to);
    json_t *b = mk(w, t);
    if (t == AN_PANEL) {
        const char *type = "info";
        const char *o = memmem(w->s + p, le - p, "bgColor=", 8);
        if (o && (size_t)(w->s + le - (o + 8)) >= 7 && adf_panel_type(o + 8, 7))
            type = adf_panel_type(o + 8, 7);
        json_object_set_new(b, "attrs", json_pack("{s:s}", "panelType", type));
    }
    json_t *c = content_of(b);
    if (at > le)
        parse_blocks(w, c, le + 1, at, t == AN_PANEL ? C_INPANEL : C_INQUOTE, depth + 1);
    if (!json_array_size(c))
        json_array_append_new(c, mk(w, AN_PARAGRAPH));
    json_array_append_new(content, b);
    return at + strlen(t == AN_PANEL ? "\n{panel}" : "\n{quote}");
}

/* Blocks in s[from..to). A blank line ("\n\n") ends a block and always starts another
 * (an empty paragraph at the end), so paragraphs split and join back exactly. */
static size_t parse_blocks(wp_t *w, json_t *content, size_t from, size_t to, int ctx, unsigned depth)
{
    size_t p = from;
    int force = 0;
    while ((p < to || force) && !w->rc) {
        size_t le = line_end(w, p, to), q;
        switch (block_at(w, p, le, to, ctx)) {
        case B_CODE: q = code(w, content, p, le, to, 0); break;
        case B_NOFORMAT: q = code(w, content, p, le, to, 1); break;
        case B_QUOTE: q = container(w, content, p, le, to, AN_BLOCKQUOTE, depth); break;
        case B_PANEL: q = container(w, content, p, le, to, AN_PANEL, depth); break;
        case B_BQ: {
            json_t *bq = mk(w, AN_BLOCKQUOTE);
            json_array_append_new(content_of(bq), inline_block(w, AN_PARAGRAPH, p + 4, le));
            json_array_append_new(content, bq);
            q = le;
            break;
        }
        case B_HEADING: {
            json_t *h = inline_block(w, AN_HEADING, p + 4, le);
            json_object_set_new(h, "attrs", json_pack("{s:i}", "level", w->s[p + 1] - '0'));
            json_array_append_new(content, h);
            q = le;
            break;
        }
        case B_RULE:
            json_array_append_new(content, mk(w, AN_RULE));
            q = le;
            break;
        case B_LIST: q = list(w, content, p, to, ctx, depth); break;
        case B_TABLE: q = table(w, content, p, to); break;
        default: q = paragraph(w, content, p, to, ctx); break;
        }
        if (q >= to)
            break;
        if (q + 1 < to && w->s[q + 1] == '\n') {
            p = q + 2;
            force = 1;
        } else {
            p = q + 1;
            force = 0;
        }
    }
    return p;
}

static int same_marks(const json_t *a, const json_t *b)
{
    json_t *ma = json_object_get(a, "marks"), *mb = json_object_get(b, "marks");
    return (!ma && !mb) || json_equal(ma, mb);
}

/* Neighbouring text nodes with the same marks become one: one pass per array, into a
 * new array (removing items one by one would be quadratic). */
static void merge(json_t *n, unsigned depth)
{
    json_t *c = json_object_get(n, "content");
    if (!json_is_array(c) || depth > ADF_MAX_DEPTH + 1)
        return;
    json_t *out = json_array();
    buf_t b;
    buf_init(&b, ADF_MAX_WIKI + 1);
    size_t k = json_array_size(c);
    for (size_t i = 0; i < k;) {
        json_t *x = json_array_get(c, i);
        size_t j = i + 1;
        if (adf_node_type(x) == AN_TEXT)
            while (j < k && adf_node_type(json_array_get(c, j)) == AN_TEXT && same_marks(x, json_array_get(c, j)))
                j++;
        else
            merge(x, depth + 1);
        if (j > i + 1) {
            buf_reset(&b);
            for (size_t q = i; q < j; q++) {
                json_t *t = json_object_get(json_array_get(c, q), "text");
                buf_add(&b, json_string_value(t), json_string_length(t));
            }
            json_object_set_new(x, "text", json_stringn(b.ptr, b.len));
        }
        json_array_append(out, x);
        i = j;
    }
    buf_free(&b);
    json_object_set_new(n, "content", out);
}

static int utf8_ok(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n); /* jansson's own check: what it refuses, a node could not hold */
    int ok = j != NULL;
    json_decref(j);
    return ok;
}

int adf_from_wiki(arena_t *a, const char *s, size_t n, json_t **out, adf_error_t *err)
{
    *out = NULL;
    if (err)
        err->code = ADF_OK, err->msg[0] = '\0';
    if (n > ADF_MAX_WIKI)
        return adf_fail(err, ADF_ELIMIT, "the text is longer than %u bytes", ADF_MAX_WIKI);
    if (n && memchr(s, '\0', n))
        return adf_fail(err, ADF_EINVALID, "the text holds a NUL character");
    if (!utf8_ok(n ? s : "", n))
        return adf_fail(err, ADF_EINVALID, "the text is not valid UTF-8");
    wp_t w;
    wp_init(&w, s, n, err);
    json_t *doc = json_pack("{s:s,s:i,s:[]}", "type", "doc", "version", 1, "content");
    parse_blocks(&w, json_object_get(doc, "content"), 0, n, C_TOP, 2);
    int rc = w.rc;
    while (w.nstack)
        pop_mark(&w);
    wp_free(&w);
    if (!rc)
        merge(doc, 1);
    if (rc) {
        json_decref(doc);
        return rc;
    }
    *out = json_own(a, doc);
    return ADF_OK;
}

/* ------------------------------------------------------------------ the writer */

static const json_t *find_mark(const json_t *n, adf_mark_t k)
{
    json_t *marks = json_object_get(n, "marks");
    for (size_t i = 0; i < json_array_size(marks); i++)
        if (adf_mark_type(json_array_get(marks, i)) == k)
            return json_array_get(marks, i);
    return NULL;
}

static const char *mark_attr(const json_t *m, const char *key)
{
    return json_str(json_object_get(m, "attrs"), key);
}

/* one mark's opening or closing markup */
static void w_mark(adf_out_t *o, adf_mark_t k, const json_t *m, int close)
{
    const char *v;
    switch (k) {
    case AM_LINK:
        if (!close)
            adf_out_adds(o, "[");
        else {
            adf_out_adds(o, "|");
            adf_out_adds(o, (v = mark_attr(m, "href")) ? v : "");
            adf_out_adds(o, "]");
        }
        break;
    case AM_TEXTCOLOR:
        v = mark_attr(m, "color");
        if (close)
            adf_out_adds(o, "{color}");
        else {
            adf_out_adds(o, "{color:");
            adf_out_adds(o, v && adf_is_color(v, strlen(v)) ? v : "#000000");
            adf_out_adds(o, "}");
        }
        break;
    case AM_STRONG: adf_out_adds(o, "*"); break;
    case AM_EM: adf_out_adds(o, "_"); break;
    case AM_UNDERLINE: adf_out_adds(o, "+"); break;
    case AM_STRIKE: adf_out_adds(o, "-"); break;
    case AM_SUBSUP: adf_out_adds(o, (v = mark_attr(m, "type")) && strcmp(v, "sub") == 0 ? "~" : "^"); break;
    case AM_CODE: adf_out_adds(o, close ? "}}" : "{{"); break;
    default: break;
    }
}

/* text, escaped: in `esc` mode every markup character; in a cell '|' always, and a
 * newline (which would end the row) as a space */
static void w_text(adf_out_t *o, const char *s, size_t n, int esc, int cell)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (cell && s[i] == '\n') {
            adf_out_add(o, s + from, i - from);
            adf_out_adds(o, " ");
            from = i + 1;
        } else if ((esc && special(s[i])) || (cell && s[i] == '|')) {
            adf_out_add(o, s + from, i - from);
            adf_out_adds(o, "\\");
            from = i;
        }
    }
    adf_out_add(o, s + from, n - from);
}

/* what a node that wiki has no syntax for is written as (and read back as: text) */
static const char *w_atom(const json_t *n, char ymd[11])
{
    const char *s = NULL;
    switch (adf_node_type(n)) {
    case AN_EMOJI: s = (s = adf_attr_str(n, "shortName")) ? s : adf_attr_str(n, "text"); break;
    case AN_STATUS: s = adf_attr_str(n, "text"); break;
    case AN_DATE: s = adf_date_ymd(adf_attr_str(n, "timestamp"), ymd) == 0 ? ymd : NULL; break;
    default: break;
    }
    return s;
}

/* A text with a delimiter mark (*, _, -, +, ^, ~) cannot start or end with a space in
 * wiki ("*bold *text" is not bold): its leading and trailing spaces are written outside
 * the marks, as Jira does. Sets their lengths; returns 1 when the text is only spaces. */
static int ws_split(const json_t *n, const char *s, size_t len, size_t *lead, size_t *trail)
{
    static const adf_mark_t delimited[] = {AM_STRONG, AM_EM, AM_STRIKE, AM_UNDERLINE, AM_SUBSUP};
    int any = 0;
    for (size_t k = 0; k < sizeof delimited / sizeof *delimited; k++)
        any |= find_mark(n, delimited[k]) != NULL;
    *lead = *trail = 0;
    if (!any)
        return 0;
    while (*lead < len && is_space(s[*lead]))
        (*lead)++;
    if (*lead == len)
        return 1;
    while (*trail < len - *lead && is_space(s[len - 1 - *trail]))
        (*trail)++;
    return 0;
}

static void w_inline(adf_out_t *o, const json_t *content, int esc, int cell)
{
    char ymd[11];
    const char *s;
    for (size_t i = 0; i < json_array_size(content); i++) {
        const json_t *n = json_array_get(content, i);
        if (o->nodes++ > ADF_MAX_NODES) {
            o->err = o->err ? o->err : ADF_OUT_SHAPE;
            return;
        }
        switch (adf_node_type(n)) {
        case AN_TEXT: {
            json_t *t = json_object_get(n, "text");
            const json_t *link = find_mark(n, AM_LINK);
            const char *href = link ? mark_attr(link, "href") : NULL;
            size_t nm = json_array_size(json_object_get(n, "marks"));
            if (href && nm == 1 && json_is_string(t) && strcmp(href, json_string_value(t)) == 0 &&
                strlen(href) == json_string_length(t)) {
                adf_out_adds(o, "[");
                adf_out_adds(o, href);
                adf_out_adds(o, "]");
                break;
            }
            const char *tx = json_is_string(t) ? json_string_value(t) : "";
            size_t tl = json_is_string(t) ? json_string_length(t) : 0, lead = 0, trail = 0;
            if (ws_split(n, tx, tl, &lead, &trail)) { /* only spaces: they lose their marks */
                w_text(o, tx, tl, esc, cell);
                break;
            }
            w_text(o, tx, lead, esc, cell);
            for (size_t k = 0; k < sizeof mark_order / sizeof *mark_order; k++)
                if (find_mark(n, mark_order[k]))
                    w_mark(o, mark_order[k], find_mark(n, mark_order[k]), 0);
            if (find_mark(n, AM_CODE))
                adf_out_add(o, tx + lead, tl - lead - trail);
            else
                w_text(o, tx + lead, tl - lead - trail, esc, cell);
            for (size_t k = sizeof mark_order / sizeof *mark_order; k-- > 0;)
                if (find_mark(n, mark_order[k]))
                    w_mark(o, mark_order[k], find_mark(n, mark_order[k]), 1);
            w_text(o, tx + tl - trail, trail, esc, cell);
            break;
        }
        case AN_HARDBREAK: adf_out_adds(o, cell ? "\\\\" : "\n"); break;
        case AN_MENTION:
            adf_out_adds(o, "[~accountid:");
            adf_out_adds(o, (s = adf_attr_str(n, "id")) ? s : "");
            adf_out_adds(o, "]");
            break;
        case AN_INLINECARD:
            if ((s = adf_attr_str(n, "url"))) {
                adf_out_adds(o, "[");
                adf_out_adds(o, s);
                adf_out_adds(o, "|");
                adf_out_adds(o, s);
                adf_out_adds(o, "|smart-link]");
            }
            break;
        default:
            if ((s = w_atom(n, ymd)))
                w_text(o, s, strlen(s), esc, cell);
            break;
        }
    }
}

/* A canonical form of inline content for comparing what was written with what reads
 * back: text runs with their mark set (in any order), merged; atoms as their text. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* text under a mark set `key`, merged with the run before when the key is the same */
static void canon_run(buf_t *b, char last[1024], const char *key, const char *s, size_t len)
{
    if (!len)
        return;
    if (strcmp(key, last) != 0) {
        buf_printf(b, "\x03%s\x03", key);
        snprintf(last, 1024, "%s", key);
    }
    buf_add(b, s, len);
}

static void canon(buf_t *b, const json_t *content)
{
    char key[1024], last[1024] = "\x01", ymd[11];
    for (size_t i = 0; i < json_array_size(content); i++) {
        const json_t *n = json_array_get(content, i);
        adf_node_t t = adf_node_type(n);
        const char *s = NULL;
        size_t len = 0;
        key[0] = '\0';
        if (t == AN_TEXT) {
            json_t *marks = json_object_get(n, "marks"), *tx = json_object_get(n, "text");
            char *dumps[16];
            size_t nd = 0;
            for (size_t k = 0; k < json_array_size(marks) && nd < 16; k++)
                if ((dumps[nd] = json_dumps(json_array_get(marks, k), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)))
                    nd++;
            qsort(dumps, nd, sizeof *dumps, cmp_str);
            size_t kl = 0;
            for (size_t k = 0; k < nd; k++) {
                int wr = snprintf(key + kl, sizeof key - kl, "%s,", dumps[k]);
                kl = wr > 0 && kl + (size_t)wr < sizeof key ? kl + (size_t)wr : kl;
                free(dumps[k]);
            }
            s = json_string_value(tx);
            len = json_string_length(tx);
            size_t lead, trail;
            if (s && ws_split(n, s, len, &lead, &trail))
                key[0] = '\0', lead = 0, trail = 0; /* only spaces: written without marks */
            else if (s && (lead || trail)) {        /* spaces outside the marks, as written */
                canon_run(b, last, "", s, lead);
                canon_run(b, last, key, s + lead, len - lead - trail);
                canon_run(b, last, "", s + len - trail, trail);
                continue;
            }
        } else if ((s = w_atom(n, ymd))) {
            len = strlen(s);
        } else {
            const char *id = t == AN_MENTION ? adf_attr_str(n, "id") : t == AN_INLINECARD ? adf_attr_str(n, "url") : "";
            buf_printf(b, "\x02%s:%s\x02", t < AN__COUNT ? adf_node_names[t] : "?", id ? id : "");
            strcpy(last, "\x01");
            continue;
        }
        canon_run(b, last, key, s, len);
    }
}

/* 1 if a line of the written text [p, le) would read back as a block */
static int starts_block(wp_t *w, size_t p, size_t le)
{
    static const char *const tags[] = {"{code", "{noformat}", "{quote}", "{panel"};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        if (le - p >= strlen(tags[i]) && memcmp(w->s + p, tags[i], strlen(tags[i])) == 0)
            return 1;
    return block_at(w, p, le, w->n, C_TOP) != B_PARA;
}

/* 1 if the inline text written in s[0..n) reads back as `content` */
static int reads_back(const json_t *content, const char *s, size_t n, int cell, int line_start)
{
    wp_t w;
    wp_init(&w, s, n, NULL);
    json_t *got = json_array();
    int same = 1;
    if (cell)
        parse_inline(&w, got, 0, n, 1);
    else
        for (size_t ls = 0;;) {
            size_t le = line_end(&w, ls, n);
            if ((ls > 0 || line_start) && starts_block(&w, ls, le))
                same = 0;
            parse_inline(&w, got, ls, le, 0);
            if (le >= n)
                break;
            json_array_append_new(got, json_pack("{s:s}", "type", "hardBreak"));
            ls = le + 1;
        }
    while (w.nstack)
        pop_mark(&w);
    if (same) {
        buf_t a, b;
        buf_init(&a, 4 * (size_t)ADF_MAX_OUT);
        buf_init(&b, 4 * (size_t)ADF_MAX_OUT);
        canon(&a, content);
        canon(&b, got);
        same = a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
        buf_free(&a);
        buf_free(&b);
    }
    json_decref(got);
    wp_free(&w);
    return same;
}

/* inline content written plain when it reads back so, else with its markup escaped */
static void w_inline_checked(adf_out_t *o, const json_t *content, int cell, int line_start)
{
    adf_out_t t;
    adf_out_init(&t);
    t.nodes = o->nodes;
    w_inline(&t, content, 0, cell);
    if (!t.err && !reads_back(content, t.b.len ? t.b.ptr : "", t.b.len, cell, line_start)) {
        buf_reset(&t.b);
        t.nodes = o->nodes;
        w_inline(&t, content, 1, cell);
    }
    if (t.err)
        o->err = o->err ? o->err : t.err;
    o->nodes = t.nodes;
    adf_out_add(o, t.b.ptr, t.b.len);
    buf_free(&t.b);
}

static void w_blocks(adf_out_t *o, const json_t *content, unsigned depth);

static int w_enter(adf_out_t *o, unsigned depth)
{
    if (o->err)
        return 0;
    if (depth > ADF_MAX_DEPTH || ++o->nodes > ADF_MAX_NODES) {
        o->err = ADF_OUT_SHAPE;
        return 0;
    }
    return 1;
}

static void w_list(adf_out_t *o, const json_t *l, char *prefix, size_t plen, unsigned depth)
{
    if (plen >= 64) {
        o->err = o->err ? o->err : ADF_OUT_SHAPE;
        return;
    }
    prefix[plen] = adf_node_type(l) == AN_ORDEREDLIST ? '#' : '*';
    json_t *items = json_object_get(l, "content");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (!w_enter(o, depth + 1))
            return;
        if (i > 0)
            adf_out_adds(o, "\n");
        adf_out_add(o, prefix, plen + 1);
        adf_out_adds(o, " ");
        json_t *c = json_object_get(it, "content");
        for (size_t k = 0; k < json_array_size(c); k++) {
            json_t *b = json_array_get(c, k);
            adf_node_t t = adf_node_type(b);
            if (t == AN_BULLETLIST || t == AN_ORDEREDLIST) {
                adf_out_adds(o, "\n");
                if (w_enter(o, depth + 2))
                    w_list(o, b, prefix, plen + 1, depth + 2);
                continue;
            }
            if (k > 0)
                adf_out_adds(o, "\n");
            if (t == AN_PARAGRAPH && w_enter(o, depth + 2))
                w_inline_checked(o, json_object_get(b, "content"), 0, 0);
            else if (t != AN_PARAGRAPH) {
                json_t *one = json_pack("[O]", b);
                w_blocks(o, one, depth + 2);
                json_decref(one);
            }
        }
    }
}

/* task and decision lists as bullet lists, "* [ ] " / "* [x] " (read back as text) */
static void w_tasks(adf_out_t *o, const json_t *l, char *prefix, size_t plen, unsigned depth)
{
    if (plen >= 64) {
        o->err = o->err ? o->err : ADF_OUT_SHAPE;
        return;
    }
    prefix[plen] = '*';
    json_t *items = json_object_get(l, "content");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (!w_enter(o, depth + 1))
            return;
        if (i > 0)
            adf_out_adds(o, "\n");
        adf_node_t t = adf_node_type(it);
        if (t == AN_TASKLIST) {
            w_tasks(o, it, prefix, plen + 1, depth + 1);
            continue;
        }
        adf_out_add(o, prefix, plen + 1);
        if (t == AN_TASKITEM) {
            const char *st = adf_attr_str(it, "state");
            adf_out_adds(o, st && strcmp(st, "DONE") == 0 ? " [x] " : " [ ] ");
        } else
            adf_out_adds(o, " ");
        w_inline_checked(o, json_object_get(it, "content"), 0, 0);
    }
}

static void w_cell(adf_out_t *o, const json_t *cell, unsigned depth)
{
    int head = adf_node_type(cell) == AN_TABLEHEADER;
    adf_out_adds(o, head ? "||" : "|");
    json_t *c = json_object_get(cell, "content");
    for (size_t k = 0; k < json_array_size(c); k++) {
        json_t *b = json_array_get(c, k);
        if (!w_enter(o, depth + 1))
            return;
        if (k > 0)
            adf_out_adds(o, "\\\\");
        adf_node_t t = adf_node_type(b);
        size_t before = o->b.len;
        if (t == AN_PARAGRAPH || t == AN_HEADING)
            w_inline_checked(o, json_object_get(b, "content"), 1, 0);
        else { /* a block in a cell: its text, on one line */
            arena_t *a = arena_new(ADF_MAX_OUT + 4096);
            char *s;
            size_t n;
            json_t *one = json_pack("{s:s,s:[O]}", "type", "doc", "content", b);
            if (adf_to_text(a, one, &s, &n, NULL) == ADF_OK)
                w_text(o, s, n, 1, 1);
            json_decref(one);
            arena_free(a);
        }
        if (o->b.len == before && k + 1 == json_array_size(c))
            adf_out_adds(o, " "); /* "||" after an empty cell would start a header cell */
    }
}

static void w_block(adf_out_t *o, const json_t *b, unsigned depth)
{
    if (!w_enter(o, depth))
        return;
    json_t *attrs = json_object_get(b, "attrs");
    json_t *c = json_object_get(b, "content");
    const char *s;
    char prefix[65];
    switch (adf_node_type(b)) {
    case AN_PARAGRAPH: w_inline_checked(o, c, 0, 1); break;
    case AN_HEADING: {
        json_t *lv = json_object_get(attrs, "level");
        char h[8];
        snprintf(h, sizeof h, "h%d. ",
                 json_is_integer(lv) && json_integer_value(lv) >= 1 && json_integer_value(lv) <= 6
                     ? (int)json_integer_value(lv)
                     : 1);
        adf_out_adds(o, h);
        w_inline_checked(o, c, 0, 0);
        break;
    }
    case AN_BULLETLIST:
    case AN_ORDEREDLIST: w_list(o, b, prefix, 0, depth); break;
    case AN_CODEBLOCK: {
        s = json_str(attrs, "language");
        size_t ll = s ? strlen(s) : 0;
        int ok = ll > 0 && ll <= 32 &&
                 strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+#.-") == ll;
        adf_out_adds(o, ok ? "{code:" : "{code}");
        if (ok) {
            adf_out_adds(o, s);
            adf_out_adds(o, "}");
        }
        adf_out_adds(o, "\n");
        size_t before = o->b.len;
        for (size_t i = 0; i < json_array_size(c); i++) {
            json_t *t = json_object_get(json_array_get(c, i), "text");
            if (json_is_string(t) && w_enter(o, depth + 1))
                adf_out_add(o, json_string_value(t), json_string_length(t));
        }
        adf_out_adds(o, o->b.len > before ? "\n{code}" : "{code}");
        break;
    }
    case AN_BLOCKQUOTE:
        adf_out_adds(o, "{quote}\n");
        w_blocks(o, c, depth);
        adf_out_adds(o, "\n{quote}");
        break;
    case AN_PANEL:
        adf_out_adds(o, "{panel:bgColor=");
        adf_out_adds(o, adf_panel_color(json_str(attrs, "panelType")));
        adf_out_adds(o, "}\n");
        w_blocks(o, c, depth);
        adf_out_adds(o, "\n{panel}");
        break;
    case AN_RULE: adf_out_adds(o, "----"); break;
    case AN_TASKLIST:
    case AN_DECISIONLIST: w_tasks(o, b, prefix, 0, depth); break;
    case AN_EXPAND:
    case AN_NESTEDEXPAND: /* the title as a line of text, then the content */
        if ((s = json_str(attrs, "title")) && *s) {
            w_text(o, s, strlen(s), 1, 0);
            if (json_array_size(c))
                adf_out_adds(o, "\n\n");
        }
        w_blocks(o, c, depth);
        break;
    case AN_BLOCKCARD:
        if ((s = json_str(attrs, "url"))) {
            adf_out_adds(o, "[");
            adf_out_adds(o, s);
            adf_out_adds(o, "|");
            adf_out_adds(o, s);
            adf_out_adds(o, "|smart-link]");
        }
        break;
    case AN_TABLE:
        for (size_t r = 0; r < json_array_size(c); r++) {
            json_t *row = json_array_get(c, r);
            if (!w_enter(o, depth + 1))
                break;
            if (r > 0)
                adf_out_adds(o, "\n");
            json_t *cells = json_object_get(row, "content");
            int head = 1;
            for (size_t k = 0; k < json_array_size(cells); k++) {
                json_t *cell = json_array_get(cells, k);
                if (!w_enter(o, depth + 2))
                    break;
                w_cell(o, cell, depth + 2);
                head = adf_node_type(cell) == AN_TABLEHEADER;
            }
            adf_out_adds(o, head ? "||" : "|");
        }
        break;
    case AN_MEDIA:
        if ((s = json_str(attrs, "url")) || (s = json_str(attrs, "id"))) {
            adf_out_adds(o, "!");
            adf_out_adds(o, s);
            adf_out_adds(o, "!");
        }
        break;
    case AN_MEDIASINGLE:
    case AN_MEDIAGROUP:
        for (size_t i = 0; i < json_array_size(c); i++)
            w_block(o, json_array_get(c, i), depth + 1);
        break;
    default: /* inline nodes out of place, unknown blocks: their content */
        if (json_is_array(c))
            w_blocks(o, c, depth);
        break;
    }
}

static void w_blocks(adf_out_t *o, const json_t *content, unsigned depth)
{
    for (size_t i = 0; i < json_array_size(content) && !o->err; i++) {
        if (i > 0)
            adf_out_adds(o, "\n\n");
        w_block(o, json_array_get(content, i), depth + 1);
    }
}

int adf_to_wiki(arena_t *a, const json_t *doc, char **out, size_t *len, adf_error_t *err)
{
    adf_out_t o;
    adf_out_init(&o);
    o.nodes = 1;
    w_blocks(&o, json_object_get(doc, "content"), 1);
    return adf_out_finish(&o, a, out, len, err, "wiki markup");
}
