/* adf_to_html and adf_to_text: the two read-only renderings of a document (product/adf.h).
 * HTML is served to browsers (renderedFields): every byte of client text goes through
 * esc(), links only keep http:, https: and mailto: targets. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "product/adf_int.h"

/* Entering a node: counts it and its depth against the limits (sticky error). */
static int enter(adf_out_t *o, unsigned depth)
{
    if (o->err)
        return 0;
    if (depth > ADF_MAX_DEPTH || ++o->nodes > ADF_MAX_NODES) {
        o->err = ADF_OUT_SHAPE;
        return 0;
    }
    return 1;
}

static json_t *kids(const json_t *n)
{
    json_t *c = json_object_get(n, "content");
    return json_is_array(c) ? c : NULL;
}

/* ------------------------------------------------------------------ text */

static void text_inline(adf_out_t *o, const json_t *n)
{
    char ymd[11];
    const char *s;
    switch (adf_node_type(n)) {
    case AN_TEXT: {
        json_t *t = json_object_get(n, "text");
        if (json_is_string(t))
            adf_out_add(o, json_string_value(t), json_string_length(t));
        break;
    }
    case AN_HARDBREAK: adf_out_adds(o, "\n"); break;
    case AN_MENTION:
        if ((s = adf_attr_str(n, "text")) || (s = adf_attr_str(n, "id")))
            adf_out_adds(o, s);
        break;
    case AN_EMOJI:
        if ((s = adf_attr_str(n, "text")) || (s = adf_attr_str(n, "shortName")))
            adf_out_adds(o, s);
        break;
    case AN_INLINECARD:
        if ((s = adf_attr_str(n, "url")))
            adf_out_adds(o, s);
        break;
    case AN_STATUS:
        if ((s = adf_attr_str(n, "text")))
            adf_out_adds(o, s);
        break;
    case AN_DATE:
        if (adf_date_ymd(adf_attr_str(n, "timestamp"), ymd) == 0)
            adf_out_adds(o, ymd);
        break;
    default: break;
    }
}

static void text_node(adf_out_t *o, const json_t *n, unsigned depth)
{
    if (!enter(o, depth))
        return;
    adf_node_t t = adf_node_type(n);
    json_t *c = kids(n);
    const char *line = t == AN_EXPAND || t == AN_NESTEDEXPAND ? adf_attr_str(n, "title")
                       : t == AN_BLOCKCARD                    ? adf_attr_str(n, "url")
                                                              : NULL;
    if (line && *line) { /* an expand's title, a block card's URL: a line of their own */
        if (o->b.len)
            adf_out_adds(o, "\n");
        adf_out_adds(o, line);
    }
    if (t == AN_PARAGRAPH || t == AN_HEADING || t == AN_CODEBLOCK || t == AN_TASKITEM || t == AN_DECISIONITEM) {
        if (o->b.len)
            adf_out_adds(o, "\n");
        for (size_t i = 0; i < json_array_size(c); i++)
            if (enter(o, depth + 1))
                text_inline(o, json_array_get(c, i));
        return;
    }
    if (t != AN_DOC && (t == AN_TEXT || t == AN_HARDBREAK || t == AN_MENTION || t == AN_EMOJI || t == AN_INLINECARD ||
                        t == AN_STATUS || t == AN_DATE)) {
        text_inline(o, n); /* an inline node outside a text block (unchecked input) */
        return;
    }
    for (size_t i = 0; i < json_array_size(c); i++)
        text_node(o, json_array_get(c, i), depth + 1);
}

int adf_to_text(arena_t *a, const json_t *doc, char **out, size_t *len, adf_error_t *err)
{
    adf_out_t o;
    adf_out_init(&o);
    text_node(&o, doc, 1);
    return adf_out_finish(&o, a, out, len, err, "text");
}

/* ------------------------------------------------------------------ HTML */

static void esc(adf_out_t *o, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        switch (s[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        case '\'': r = "&#39;"; break;
        case '\0': r = "\xef\xbf\xbd"; break; /* U+FFFD, as a browser would read it */
        default: continue;
        }
        adf_out_add(o, s + from, i - from);
        adf_out_adds(o, r);
        from = i + 1;
    }
    adf_out_add(o, s + from, n - from);
}

static void escs(adf_out_t *o, const char *s)
{
    if (s)
        esc(o, s, strlen(s));
}

/* http:, https: and mailto: only, at the very first byte (a browser strips leading
 * spaces and controls, so " javascript:" must not pass as "not a scheme") */
static int safe_href(const char *h)
{
    return h && (strncasecmp(h, "http://", 7) == 0 || strncasecmp(h, "https://", 8) == 0 ||
                 strncasecmp(h, "mailto:", 7) == 0);
}

static void link_open(adf_out_t *o, const char *href)
{
    adf_out_adds(o, "<a href=\"");
    escs(o, href);
    adf_out_adds(o, "\" class=\"external-link\" rel=\"nofollow noreferrer\">");
}

static const struct {
    const char *open, *close;
} mark_tags[AM__COUNT] = {
    [AM_STRONG] = {"<b>", "</b>"},     [AM_EM] = {"<em>", "</em>"},          [AM_CODE] = {"<tt>", "</tt>"},
    [AM_STRIKE] = {"<del>", "</del>"}, [AM_UNDERLINE] = {"<ins>", "</ins>"},
};

/* opens (close = 0) or closes one mark; returns 1 when it wrote a tag */
static void mark_tag(adf_out_t *o, const json_t *m, int close)
{
    adf_mark_t k = adf_mark_type(m);
    json_t *attrs = json_object_get(m, "attrs");
    const char *v;
    switch (k) {
    case AM_LINK:
        if (!safe_href(v = json_str(attrs, "href")))
            return;
        if (close)
            adf_out_adds(o, "</a>");
        else
            link_open(o, v);
        return;
    case AM_TEXTCOLOR:
        v = json_str(attrs, "color");
        if (!v || !adf_is_color(v, strlen(v)))
            return;
        if (close)
            adf_out_adds(o, "</font>");
        else {
            adf_out_adds(o, "<font color=\"");
            adf_out_adds(o, v);
            adf_out_adds(o, "\">");
        }
        return;
    case AM_SUBSUP:
        v = json_str(attrs, "type");
        if (v && strcmp(v, "sub") == 0)
            adf_out_adds(o, close ? "</sub>" : "<sub>");
        else if (v && strcmp(v, "sup") == 0)
            adf_out_adds(o, close ? "</sup>" : "<sup>");
        return;
    default:
        if (k < AM__COUNT && mark_tags[k].open)
            adf_out_adds(o, close ? mark_tags[k].close : mark_tags[k].open);
        return;
    }
}

static void html_node(adf_out_t *o, const json_t *n, unsigned depth);

static void html_kids(adf_out_t *o, const json_t *n, unsigned depth)
{
    json_t *c = kids(n);
    for (size_t i = 0; i < json_array_size(c); i++)
        html_node(o, json_array_get(c, i), depth + 1);
}

/* A list item's or a cell's children, the first paragraph without <p> (as Jira renders
 * "* a" and "|a|": <li>a</li>, <td>a</td>) */
static void html_kids_bare(adf_out_t *o, const json_t *n, unsigned depth)
{
    json_t *c = kids(n);
    for (size_t i = 0; i < json_array_size(c); i++) {
        json_t *k = json_array_get(c, i);
        if (i == 0 && adf_node_type(k) == AN_PARAGRAPH) {
            if (enter(o, depth + 1))
                html_kids(o, k, depth + 1);
        } else
            html_node(o, k, depth + 1);
    }
}

static void wrap(adf_out_t *o, const json_t *n, unsigned depth, const char *open, const char *close)
{
    adf_out_adds(o, open);
    html_kids(o, n, depth);
    adf_out_adds(o, close);
}

static void html_text(adf_out_t *o, const json_t *n, unsigned depth)
{
    json_t *t = json_object_get(n, "text");
    json_t *marks = json_object_get(n, "marks");
    size_t k = json_is_array(marks) ? json_array_size(marks) : 0;
    for (size_t i = 0; i < k; i++)
        if (enter(o, depth + 1))
            mark_tag(o, json_array_get(marks, i), 0);
    if (json_is_string(t))
        esc(o, json_string_value(t), json_string_length(t));
    for (size_t i = k; i-- > 0;)
        mark_tag(o, json_array_get(marks, i), 1);
}

static void html_cell(adf_out_t *o, const json_t *n, unsigned depth, const char *tag)
{
    json_t *attrs = json_object_get(n, "attrs");
    adf_out_adds(o, "<");
    adf_out_adds(o, tag);
    adf_out_adds(o, tag[1] == 'h' ? " class=\"confluenceTh\"" : " class=\"confluenceTd\"");
    static const char *const spans[] = {"colspan", "rowspan"};
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(attrs, spans[i]);
        if (json_is_integer(v) && json_integer_value(v) > 1 && json_integer_value(v) <= 1000) {
            char num[48];
            snprintf(num, sizeof num, " %s=\"%d\"", spans[i], (int)json_integer_value(v));
            adf_out_adds(o, num);
        }
    }
    adf_out_adds(o, ">");
    html_kids_bare(o, n, depth);
    adf_out_adds(o, tag[1] == 'h' ? "</th>" : "</td>");
}

static void html_node(adf_out_t *o, const json_t *n, unsigned depth)
{
    if (!enter(o, depth))
        return;
    const char *s;
    char buf[64], ymd[11];
    json_t *attrs = json_object_get(n, "attrs");
    switch (adf_node_type(n)) {
    case AN_PARAGRAPH: wrap(o, n, depth, "<p>", "</p>"); break;
    case AN_HEADING: {
        json_t *lv = json_object_get(attrs, "level");
        int l = json_is_integer(lv) && json_integer_value(lv) >= 1 && json_integer_value(lv) <= 6
                    ? (int)json_integer_value(lv)
                    : 1;
        char open[8], close[8];
        snprintf(open, sizeof open, "<h%d>", l);
        snprintf(close, sizeof close, "</h%d>", l);
        wrap(o, n, depth, open, close);
        break;
    }
    case AN_BULLETLIST: wrap(o, n, depth, "<ul>", "</ul>"); break;
    case AN_ORDEREDLIST: {
        json_t *ord = json_object_get(attrs, "order");
        if (json_is_integer(ord) && json_integer_value(ord) != 1 && json_integer_value(ord) >= 0 &&
            json_integer_value(ord) <= (1ll << 31)) {
            snprintf(buf, sizeof buf, "<ol start=\"%lld\">", (long long)json_integer_value(ord));
            wrap(o, n, depth, buf, "</ol>");
        } else
            wrap(o, n, depth, "<ol>", "</ol>");
        break;
    }
    case AN_LISTITEM:
        adf_out_adds(o, "<li>");
        html_kids_bare(o, n, depth);
        adf_out_adds(o, "</li>");
        break;
    case AN_CODEBLOCK: {
        adf_out_adds(o, "<div class=\"code panel\"><div class=\"codeContent panelContent\"><pre class=\"code-");
        s = json_str(attrs, "language");
        escs(o, s && *s ? s : "java");
        adf_out_adds(o, "\">");
        json_t *c = kids(n);
        for (size_t i = 0; i < json_array_size(c); i++) {
            json_t *t = json_object_get(json_array_get(c, i), "text");
            if (enter(o, depth + 1) && json_is_string(t))
                esc(o, json_string_value(t), json_string_length(t));
        }
        adf_out_adds(o, "</pre></div></div>");
        break;
    }
    case AN_BLOCKQUOTE: wrap(o, n, depth, "<blockquote>", "</blockquote>"); break;
    case AN_RULE: adf_out_adds(o, "<hr />"); break;
    case AN_HARDBREAK: adf_out_adds(o, "<br/>"); break;
    case AN_TEXT: html_text(o, n, depth); break;
    case AN_MENTION:
        adf_out_adds(o, "<span class=\"user-hover\" data-account-id=\"");
        escs(o, json_str(attrs, "id"));
        adf_out_adds(o, "\">");
        escs(o, (s = json_str(attrs, "text")) ? s : json_str(attrs, "id"));
        adf_out_adds(o, "</span>");
        break;
    case AN_EMOJI:
        adf_out_adds(o, "<span class=\"emoji\">");
        escs(o, (s = json_str(attrs, "text")) ? s : json_str(attrs, "shortName"));
        adf_out_adds(o, "</span>");
        break;
    case AN_INLINECARD:
        s = json_str(attrs, "url");
        if (safe_href(s)) {
            link_open(o, s);
            escs(o, s);
            adf_out_adds(o, "</a>");
        } else
            escs(o, s);
        break;
    case AN_PANEL:
        adf_out_adds(o, "<div class=\"panel\" style=\"background-color: ");
        adf_out_adds(o, adf_panel_color(json_str(attrs, "panelType"))); /* from our table only */
        adf_out_adds(o, ";\"><div class=\"panelContent\">");
        html_kids(o, n, depth);
        adf_out_adds(o, "</div></div>");
        break;
    case AN_TABLE:
        wrap(o, n, depth, "<div class=\"table-wrap\"><table class=\"confluenceTable\"><tbody>",
             "</tbody></table></div>");
        break;
    case AN_TABLEROW: wrap(o, n, depth, "<tr>", "</tr>"); break;
    case AN_TABLEHEADER: html_cell(o, n, depth, "th"); break;
    case AN_TABLECELL: html_cell(o, n, depth, "td"); break;
    case AN_MEDIA:
        adf_out_adds(o, "<span class=\"image-wrap\">");
        escs(o, json_str(attrs, "alt"));
        adf_out_adds(o, "</span>");
        break;
    case AN_STATUS:
        adf_out_adds(o, "<span class=\"aui-lozenge\">");
        escs(o, json_str(attrs, "text"));
        adf_out_adds(o, "</span>");
        break;
    case AN_EXPAND:
    case AN_NESTEDEXPAND:
        adf_out_adds(o, "<div class=\"expand-container\"><div class=\"expand-title\">");
        escs(o, json_str(attrs, "title"));
        wrap(o, n, depth, "</div><div class=\"expand-content\">", "</div></div>");
        break;
    case AN_TASKLIST: wrap(o, n, depth, "<ul class=\"task-list\">", "</ul>"); break;
    case AN_TASKITEM:
        s = json_str(attrs, "state");
        wrap(o, n, depth, s && strcmp(s, "DONE") == 0 ? "<li class=\"task-done\">" : "<li class=\"task-todo\">",
             "</li>");
        break;
    case AN_DECISIONLIST: wrap(o, n, depth, "<ul class=\"decision-list\">", "</ul>"); break;
    case AN_DECISIONITEM: wrap(o, n, depth, "<li>", "</li>"); break;
    case AN_BLOCKCARD:
        adf_out_adds(o, "<div class=\"block-card\">");
        s = json_str(attrs, "url");
        if (safe_href(s)) {
            link_open(o, s);
            escs(o, s);
            adf_out_adds(o, "</a>");
        } else
            escs(o, s);
        adf_out_adds(o, "</div>");
        break;
    case AN_DATE:
        if (adf_date_ymd(json_str(attrs, "timestamp"), ymd) == 0) {
            snprintf(buf, sizeof buf, "<time datetime=\"%s\">%s</time>", ymd, ymd);
            adf_out_adds(o, buf);
        }
        break;
    default: html_kids(o, n, depth); break; /* doc, mediaSingle, mediaGroup, unknown */
    }
}

int adf_to_html(arena_t *a, const json_t *doc, char **out, size_t *len, adf_error_t *err)
{
    adf_out_t o;
    adf_out_init(&o);
    html_node(&o, doc, 1);
    return adf_out_finish(&o, a, out, len, err, "HTML");
}
