/* libFuzzer harness for ADF (src/product/adf.h). Every input is read two ways:
 *  - as wiki markup: adf_from_wiki either refuses it with a message or makes a document
 *    that adf_check accepts and every converter takes; text without markup characters
 *    comes back exactly from adf_to_wiki;
 *  - as JSON (when it parses): the converters never fail on what adf_check accepts, and
 *    never crash on what it refuses; the wiki they write reads back to a valid document.
 * Every HTML output is held to the safety rules: no tag but kiln's own, every href
 * http:, https: or mailto:. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/json.h"
#include "product/adf.h"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_adf: %s\n%s\n", what, detail ? detail : "");
    abort();
}

/* the tags adf_to_html writes; anything else after '<' means client text got through */
static const char *const tags[] = {
    "p>",        "/p>",  "h",     "/h",     "ul>",   "ul ",    "li ",    "/ul>",           "ol",
    "/ol>",      "li>",  "/li>",  "div ",   "/div",  "pre ",   "/pre>",  "blockquote>",    "/blockquote>",
    "hr />",     "br/>", "b>",    "/b>",    "em>",   "/em>",   "tt>",    "/tt>",           "del>",
    "/del>",     "ins>", "/ins>", "sub>",   "/sub>", "sup>",   "/sup>",  "font color=\"#", "/font>",
    "a href=\"", "/a>",  "span ", "/span>", "time ", "/time>", "table ", "/table>",        "tbody>",
    "/tbody>",   "tr>",  "/tr>",  "th ",    "/th>",  "td ",    "/td>"};

static void html_safe(const char *h, size_t n)
{
    for (const char *p = memchr(h, '<', n); p; p = memchr(p + 1, '<', n - (size_t)(p + 1 - h))) {
        int ok = 0;
        for (size_t i = 0; i < sizeof tags / sizeof *tags && !ok; i++)
            ok = strncmp(p + 1, tags[i], strlen(tags[i])) == 0;
        if (!ok)
            fail("HTML holds a tag kiln does not write", p);
        if (p[1] == 'h' && !(p[2] >= '1' && p[2] <= '6' && p[3] == '>') && strncmp(p + 1, "hr />", 5) != 0)
            fail("HTML holds an h tag kiln does not write", p);
        if (strncmp(p + 1, "a href=\"", 8) == 0 && strncasecmp(p + 9, "http://", 7) != 0 &&
            strncasecmp(p + 9, "https://", 8) != 0 && strncasecmp(p + 9, "mailto:", 7) != 0)
            fail("HTML link to an unsafe scheme", p);
    }
}

static void convert_all(arena_t *a, const json_t *d, int must)
{
    adf_error_t err;
    char *s;
    size_t n;
    int rc = adf_to_wiki(a, d, &s, &n, &err);
    if (must && rc != ADF_OK)
        fail("adf_to_wiki failed on a checked document", err.msg);
    if (rc == ADF_OK) {
        if (strlen(s) != n)
            fail("wiki length", s);
        json_t *back;
        if (adf_from_wiki(a, s, n, &back, &err) == ADF_OK && adf_check(back, &err) != ADF_OK)
            fail("wiki written by kiln reads back invalid", err.msg);
    }
    rc = adf_to_text(a, d, &s, &n, &err);
    if (must && rc != ADF_OK)
        fail("adf_to_text failed on a checked document", err.msg);
    rc = adf_to_html(a, d, &s, &n, &err);
    if (must && rc != ADF_OK)
        fail("adf_to_html failed on a checked document", err.msg);
    if (rc == ADF_OK)
        html_safe(s, n);
}

/* no markup character, no backslash, no line that starts "hN. " or "bq. " */
static int plain(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr("*_-+^~{}[]|#!\\", d[i]) && d[i])
            return 0;
        if ((i == 0 || d[i - 1] == '\n') && i + 3 < n &&
            ((d[i] == 'h' && d[i + 1] >= '1' && d[i + 1] <= '6' && d[i + 2] == '.' && d[i + 3] == ' ') ||
             (d[i] == 'b' && d[i + 1] == 'q' && d[i + 2] == '.' && d[i + 3] == ' ')))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(256u << 20);
    const char *s = size ? (const char *)data : "";
    adf_error_t err;
    json_t *d;

    /* as wiki markup */
    int rc = adf_from_wiki(a, s, size, &d, &err);
    if (rc != ADF_OK) {
        if (d || err.code != rc || !err.msg[0] || strchr(err.msg, '\n'))
            fail("from_wiki error without a one-line message", err.msg);
    } else {
        if (adf_check(d, &err) != ADF_OK)
            fail("from_wiki made a document adf_check refuses", err.msg);
        convert_all(a, d, 1);
        if (plain(data, size)) {
            char *w;
            size_t wn;
            if (adf_to_wiki(a, d, &w, &wn, &err) != ADF_OK || wn != size || memcmp(w, s, size) != 0)
                fail("plain text did not come back", w);
        }
    }

    /* as JSON */
    json_err_t jerr;
    json_t *j = json_parse_arena(a, s, size, 64, &jerr);
    if (j) {
        rc = adf_check(j, &err);
        if (rc != ADF_OK && (!err.msg[0] || strchr(err.msg, '\n')))
            fail("adf_check error without a one-line message", err.msg);
        convert_all(a, j, rc == ADF_OK);
    }
    arena_free(a);
    return 0;
}
