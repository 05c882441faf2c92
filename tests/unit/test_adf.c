/* Unit tests for ADF (src/product/adf.h): adf_check's accepted documents and every error
 * with its exact message, each node and mark to wiki markup and back, to text and to
 * HTML (hostile input included), the round-trip properties over many generated strings,
 * and the limits (the largest document adf_check accepts converts without hitting the
 * output cap). */
#include "unit.h"

#include <jansson.h>

#include "base/arena.h"
#include "product/adf.h"

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
    if (!j)
        fail_msg("bad test JSON: %s: %s", e.text, s);
    return j;
}

/* JSON text by macros: JOIN puts commas between its (string) arguments */
#define CAT1(a) a
#define CAT2(a, b) a "," b
#define CAT3(a, ...) a "," CAT2(__VA_ARGS__)
#define CAT4(a, ...) a "," CAT3(__VA_ARGS__)
#define CAT5(a, ...) a "," CAT4(__VA_ARGS__)
#define CAT6(a, ...) a "," CAT5(__VA_ARGS__)
#define CAT7(a, ...) a "," CAT6(__VA_ARGS__)
#define CAT8(a, ...) a "," CAT7(__VA_ARGS__)
#define CAT9(a, ...) a "," CAT8(__VA_ARGS__)
#define CAT10(a, ...) a "," CAT9(__VA_ARGS__)
#define NTH(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, N, ...) N
#define JOIN(...) NTH(__VA_ARGS__, CAT10, CAT9, CAT8, CAT7, CAT6, CAT5, CAT4, CAT3, CAT2, CAT1, CAT1)(__VA_ARGS__)
#define DOC(...) "{\"type\":\"doc\",\"version\":1,\"content\":[" JOIN(__VA_ARGS__) "]}"
#define P(...) "{\"type\":\"paragraph\",\"content\":[" JOIN(__VA_ARGS__) "]}"
#define T(s) "{\"type\":\"text\",\"text\":\"" s "\"}"
#define TM(s, ...) "{\"type\":\"text\",\"text\":\"" s "\",\"marks\":[" JOIN(__VA_ARGS__) "]}"
#define MK(t) "{\"type\":\"" t "\"}"
#define BR "{\"type\":\"hardBreak\"}"
#define PE "{\"type\":\"paragraph\"}"

/* ------------------------------------------------------------------ adf_check */

static const char *const valid[] = {
    DOC(),
    DOC(P()),
    DOC(P(T("hello"))),
    DOC(P(T("a"), BR, T("b"))),
    DOC("{\"type\":\"heading\",\"attrs\":{\"level\":6},\"content\":[" T("h") "]}"),
    DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T("x")) "]}]}"),
    DOC("{\"type\":\"orderedList\",\"attrs\":{\"order\":3},\"content\":[{\"type\":\"listItem\",\"content\":[" P(
        T("x")) ",{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P() "]}]}]}]}"),
    DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"c\"},\"content\":[" T("int x;") "]}"),
    DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":null}}"),
    DOC("{\"type\":\"blockquote\",\"content\":[" P(T("q")) "]}"),
    DOC("{\"type\":\"rule\"}"),
    DOC(P("{\"type\":\"mention\",\"attrs\":{\"id\":\"557058:abc\",\"text\":\"@Al\",\"accessLevel\":\"\"}}")),
    DOC(P("{\"type\":\"emoji\",\"attrs\":{\"shortName\":\":smile:\",\"id\":\"1f604\",\"text\":\"\\ud83d\\ude04\"}}")),
    DOC(P("{\"type\":\"inlineCard\",\"attrs\":{\"url\":\"https://x.example/a\"}}")),
    DOC(P("{\"type\":\"inlineCard\",\"attrs\":{\"data\":{\"@type\":\"Document\"}}}")),
    DOC("{\"type\":\"panel\",\"attrs\":{\"panelType\":\"warning\"},\"content\":[" P(T("p")) "]}"),
    DOC("{\"type\":\"table\",\"attrs\":{\"isNumberColumnEnabled\":false,\"layout\":\"default\"},\"content\":[{"
        "\"type\":\"tableRow\",\"content\":[{\"type\":\"tableHeader\",\"attrs\":{},\"content\":[" P(T(
            "h")) "]},{\"type\":\"tableCell\",\"attrs\":{\"colspan\":2,\"colwidth\":[100]},\"content\":[" P() "]}]}]}"),
    DOC("{\"type\":\"mediaSingle\",\"attrs\":{\"layout\":\"center\"},\"content\":[{\"type\":\"media\",\"attrs\":{"
        "\"type\":\"file\",\"id\":\"abc-123\",\"collection\":\"\",\"width\":10,\"height\":20,\"anything\":[1]}}]}"),
    DOC("{\"type\":\"mediaGroup\",\"content\":[{\"type\":\"media\",\"attrs\":{\"type\":\"external\",\"url\":\"https://"
        "i.example/x.png\"}}]}"),
    DOC(P("{\"type\":\"status\",\"attrs\":{\"text\":\"DONE\",\"color\":\"green\",\"localId\":\"x\"}}")),
    DOC(P("{\"type\":\"date\",\"attrs\":{\"timestamp\":\"1710028800000\"}}")),
    DOC(P(TM("all", MK("strong") "," MK("em") "," MK("strike") "," MK("underline") ",{\"type\":\"textColor\","
                                                                                   "\"attrs\":{\"color\":\"#ff0000\"}},"
                                                                                   "{\"type\":\"subsup\",\"attrs\":{"
                                                                                   "\"type\":\"sub\"}},{\"type\":"
                                                                                   "\"link\",\"attrs\":{\"href\":"
                                                                                   "\"https://a\"}}"))),
    DOC(P(TM("c", MK("code") ",{\"type\":\"link\",\"attrs\":{\"href\":\"https://a\",\"title\":\"t\"}}"))),
    DOC("{\"type\":\"paragraph\",\"marks\":[{\"type\":\"alignment\",\"attrs\":{\"align\":\"center\"}}],\"content\":[" T(
        "x") "]}"),
    /* what Jira's editor writes beyond the basic nodes */
    DOC("{\"type\":\"expand\",\"attrs\":{\"title\":\"More\"},\"content\":[" P(T("x")) ",{\"type\":\"nestedExpand\","
                                                                                      "\"content\":[" P() "]}]}"),
    DOC("{\"type\":\"taskList\",\"attrs\":{\"localId\":\"l\"},\"content\":[{\"type\":\"taskItem\",\"attrs\":{"
        "\"localId\":\"a\",\"state\":\"DONE\"},\"content\":[" T(
            "done") "]},{\"type\":\"taskList\",\"content\":[{"
                    "\"type\":\"taskItem\",\"attrs\":{\"state\":\"TODO\"}}]}]}"),
    DOC("{\"type\":\"decisionList\",\"content\":[{\"type\":\"decisionItem\",\"attrs\":{\"state\":\"DECIDED\"},"
        "\"content\":[" T("d") "]}]}"),
    DOC("{\"type\":\"blockCard\",\"attrs\":{\"url\":\"https://x.example/c\"}}"),
    DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableCell\","
        "\"content\":[{\"type\":\"nestedExpand\",\"content\":[" P() "]}]}]}]}"),
    /* unknown attributes of known nodes are kept */
    DOC("{\"type\":\"paragraph\",\"attrs\":{\"localId\":\"p1\"},\"content\":[" T("x") "]}"),
};

static void test_check_valid(void **state)
{
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        json_t *d = J(valid[i]);
        adf_error_t err;
        int rc = adf_check(d, &err);
        if (rc != ADF_OK)
            fail_msg("valid[%zu] refused: %s\n%s", i, err.msg, valid[i]);
        json_decref(d);
    }
}

static const struct {
    const char *doc, *msg;
    int code;
} invalid[] = {
    {"[]", "doc: the document must be an object", ADF_EINVALID},
    {"{\"type\":\"doc\",\"content\":[]}", "doc: version must be 1", ADF_EINVALID},
    {"{\"type\":\"doc\",\"version\":2,\"content\":[]}", "doc: version must be 1", ADF_EINVALID},
    {"{\"type\":\"Doc\",\"version\":1,\"content\":[]}", "doc: type must be \"doc\"", ADF_EINVALID},
    {"{\"type\":\"doc\",\"version\":1}", "doc: content must be an array", ADF_EINVALID},
    {DOC(P(), P(), "{\"type\":\"paragraph\",\"content\":[" T("a") ",{\"type\":\"foo\"}]}"),
     "content[2].content[1]: unknown node type 'foo'", ADF_EINVALID},
    {DOC("{\"type\":\"aVeryLongTypeNameThatGoesOnAndOn\"}"), "content[0]: unknown node type 'aVeryLongTypeNam...'",
     ADF_EINVALID},
    {DOC("{\"type\":\"x'\\u0001<script>\"}"), "content[0]: unknown node type 'x?\?<script>'", ADF_EINVALID},
    {DOC("3"), "content[0]: a node must be an object", ADF_EINVALID},
    {DOC("{\"content\":[]}"), "content[0]: a node needs a string type", ADF_EINVALID},
    {DOC(T("top")), "content[0]: 'text' is not allowed in 'doc'", ADF_EINVALID},
    {DOC("{\"type\":\"listItem\",\"content\":[" P() "]}"), "content[0]: 'listItem' is not allowed in 'doc'",
     ADF_EINVALID},
    {DOC(P(P())), "content[0].content[0]: 'paragraph' is not allowed in 'paragraph'", ADF_EINVALID},
    {DOC(P("{\"type\":\"text\",\"text\":\"\"}")), "content[0].content[0]: text must be a non-empty string",
     ADF_EINVALID},
    {DOC(P("{\"type\":\"text\"}")), "content[0].content[0]: text must be a non-empty string", ADF_EINVALID},
    {DOC(P(T("a\\u0000b"))), "content[0].content[0]: text holds a NUL character", ADF_EINVALID},
    {DOC("{\"type\":\"heading\",\"content\":[]}"), "content[0]: attrs is required", ADF_EINVALID},
    {DOC("{\"type\":\"heading\",\"attrs\":{\"level\":7}}"), "content[0]: attrs.level must be an integer from 1 to 6",
     ADF_EINVALID},
    {DOC("{\"type\":\"heading\",\"attrs\":{\"level\":\"1\"}}"),
     "content[0]: attrs.level must be an integer from 1 to 6", ADF_EINVALID},
    {DOC("{\"type\":\"heading\",\"attrs\":[]}"), "content[0]: attrs must be an object", ADF_EINVALID},
    {DOC("{\"type\":\"bulletList\",\"content\":[]}"), "content[0]: 'bulletList' needs at least 1 node in its content",
     ADF_EINVALID},
    {DOC("{\"type\":\"bulletList\",\"content\":[" P() "]}"),
     "content[0].content[0]: 'paragraph' is not allowed in 'bulletList'", ADF_EINVALID},
    {DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\"}]}"),
     "content[0].content[0]: 'listItem' needs at least 1 node in its content", ADF_EINVALID},
    {DOC("{\"type\":\"orderedList\",\"attrs\":{\"order\":-1},\"content\":[{\"type\":\"listItem\",\"content\":"
         "[" P() "]}]}"),
     "content[0]: attrs.order must be an integer from 0 to 2147483648", ADF_EINVALID},
    {DOC("{\"type\":\"codeBlock\",\"content\":[" TM("x", MK("strong")) "]}"),
     "content[0].content[0].marks[0]: mark 'strong' is not allowed on 'text'", ADF_EINVALID},
    {DOC("{\"type\":\"codeBlock\",\"content\":[" BR "]}"),
     "content[0].content[0]: 'hardBreak' is not allowed in 'codeBlock'", ADF_EINVALID},
    {DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":5}}"), "content[0]: attrs.language must be a string",
     ADF_EINVALID},
    {DOC("{\"type\":\"blockquote\",\"content\":[]}"), "content[0]: 'blockquote' needs at least 1 node in its content",
     ADF_EINVALID},
    {DOC("{\"type\":\"blockquote\",\"content\":[{\"type\":\"heading\",\"attrs\":{\"level\":1}}]}"),
     "content[0].content[0]: 'heading' is not allowed in 'blockquote'", ADF_EINVALID},
    {DOC("{\"type\":\"rule\",\"content\":[" P() "]}"), "content[0]: 'rule' has no content", ADF_EINVALID},
    {DOC(P("{\"type\":\"hardBreak\",\"content\":{}}")), "content[0].content[0]: 'hardBreak' has no content",
     ADF_EINVALID},
    {DOC(P("{\"type\":\"mention\",\"attrs\":{}}")), "content[0].content[0]: attrs.id is required", ADF_EINVALID},
    {DOC(P("{\"type\":\"mention\"}")), "content[0].content[0]: attrs is required", ADF_EINVALID},
    {DOC(P("{\"type\":\"mention\",\"attrs\":{\"id\":\"x\",\"userType\":\"ROBOT\"}}")),
     "content[0].content[0]: attrs.userType: unknown value 'ROBOT'", ADF_EINVALID},
    {DOC(P("{\"type\":\"emoji\",\"attrs\":{\"text\":\"x\"}}")), "content[0].content[0]: attrs.shortName is required",
     ADF_EINVALID},
    {DOC(P("{\"type\":\"inlineCard\",\"attrs\":{}}")), "content[0].content[0]: attrs.url or attrs.data is required",
     ADF_EINVALID},
    {DOC("{\"type\":\"panel\",\"attrs\":{\"panelType\":\"danger\"},\"content\":[" P() "]}"),
     "content[0]: attrs.panelType: unknown value 'danger'", ADF_EINVALID},
    {DOC("{\"type\":\"panel\",\"attrs\":{\"panelType\":\"info\"},\"content\":[{\"type\":\"table\",\"content\":["
         "]}]}"),
     "content[0].content[0]: 'table' is not allowed in 'panel'", ADF_EINVALID},
    {DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[]}]}"),
     "content[0].content[0]: 'tableRow' needs at least 1 node in its content", ADF_EINVALID},
    {DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableCell\",\"content\":[" P() "]}]}"),
     "content[0].content[0]: 'tableCell' is not allowed in 'table'", ADF_EINVALID},
    {DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableCell\","
         "\"attrs\":{"
         "\"colspan\":0},\"content\":[" P() "]}]}]}"),
     "content[0].content[0].content[0]: attrs.colspan must be an integer from 1 to 1000", ADF_EINVALID},
    {DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableCell\","
         "\"attrs\":{"
         "\"colwidth\":[\"x\"]},\"content\":[" P() "]}]}]}"),
     "content[0].content[0].content[0]: attrs.colwidth must be an array of integers", ADF_EINVALID},
    {DOC("{\"type\":\"mediaSingle\",\"content\":[]}"), "content[0]: 'mediaSingle' needs at least 1 node in its content",
     ADF_EINVALID},
    {DOC("{\"type\":\"mediaSingle\",\"content\":[{\"type\":\"media\",\"attrs\":{\"type\":\"file\",\"id\":\"a\"}"
         "},{"
         "\"type\":\"media\",\"attrs\":{\"type\":\"file\",\"id\":\"b\"}}]}"),
     "content[0]: 'mediaSingle' holds at most 1 node", ADF_EINVALID},
    {DOC("{\"type\":\"mediaGroup\",\"content\":[{\"type\":\"media\",\"attrs\":{\"type\":\"file\"}}]}"),
     "content[0].content[0]: attrs.id is required for a media of type 'file'", ADF_EINVALID},
    {DOC("{\"type\":\"mediaGroup\",\"content\":[{\"type\":\"media\",\"attrs\":{\"type\":\"external\"}}]}"),
     "content[0].content[0]: attrs.url is required for a media of type 'external'", ADF_EINVALID},
    {DOC(P("{\"type\":\"status\",\"attrs\":{\"text\":\"x\",\"color\":\"pink\"}}")),
     "content[0].content[0]: attrs.color: unknown value 'pink'", ADF_EINVALID},
    {DOC(P("{\"type\":\"date\",\"attrs\":{\"timestamp\":1710028800000}}")),
     "content[0].content[0]: attrs.timestamp must be a string of digits (milliseconds since 1970)", ADF_EINVALID},
    {DOC(P("{\"type\":\"date\",\"attrs\":{\"timestamp\":\"-1\"}}")),
     "content[0].content[0]: attrs.timestamp must be a string of digits (milliseconds since 1970)", ADF_EINVALID},
    {DOC(P(TM("x", MK("bold")))), "content[0].content[0].marks[0]: unknown mark type 'bold'", ADF_EINVALID},
    {DOC("{\"type\":\"expand\",\"content\":[{\"type\":\"expand\",\"content\":[" P() "]}]}"),
     "content[0].content[0]: 'expand' is not allowed in 'expand'", ADF_EINVALID},
    {DOC("{\"type\":\"nestedExpand\",\"content\":[" P() "]}"), "content[0]: 'nestedExpand' is not allowed in 'doc'",
     ADF_EINVALID},
    {DOC("{\"type\":\"taskList\",\"content\":[{\"type\":\"taskItem\"}]}"), "content[0].content[0]: attrs is required",
     ADF_EINVALID},
    {DOC("{\"type\":\"taskList\",\"content\":[{\"type\":\"taskItem\",\"attrs\":{\"state\":\"done\"}}]}"),
     "content[0].content[0]: attrs.state: unknown value 'done'", ADF_EINVALID},
    {DOC("{\"type\":\"decisionList\",\"content\":[{\"type\":\"taskItem\",\"attrs\":{\"state\":\"TODO\"}}]}"),
     "content[0].content[0]: 'taskItem' is not allowed in 'decisionList'", ADF_EINVALID},
    {DOC("{\"type\":\"blockCard\",\"attrs\":{\"url\":1}}"), "content[0]: attrs.url must be a string", ADF_EINVALID},
    {DOC("{\"type\":\"decisionList\",\"content\":[{\"type\":\"decisionItem\",\"content\":[]}]}"),
     "content[0].content[0]: attrs is required", ADF_EINVALID},
    {DOC(P("{\"type\":\"text\",\"text\":\"x\",\"marks\":{}}")), "content[0].content[0]: marks must be an array",
     ADF_EINVALID},
    {DOC(P(TM("x", "\"strong\""))), "content[0].content[0].marks[0]: a mark must be an object with a string type",
     ADF_EINVALID},
    {DOC(P(TM("x", MK("em") "," MK("em")))), "content[0].content[0].marks[1]: mark 'em' is given twice", ADF_EINVALID},
    {DOC(P(TM("x", MK("code") "," MK("strong")))),
     "content[0].content[0]: mark 'code' can be combined with 'link' only", ADF_EINVALID},
    {DOC(P(TM("x", MK("link")))), "content[0].content[0].marks[0]: attrs is required", ADF_EINVALID},
    {DOC(P(TM("x", "{\"type\":\"link\",\"attrs\":{\"href\":7}}"))),
     "content[0].content[0].marks[0]: attrs.href must be a string", ADF_EINVALID},
    {DOC(P(TM("x", "{\"type\":\"textColor\",\"attrs\":{\"color\":\"red\"}}"))),
     "content[0].content[0].marks[0]: attrs.color must be a colour \"#rrggbb\"", ADF_EINVALID},
    {DOC(P(TM("x", "{\"type\":\"subsup\",\"attrs\":{\"type\":\"mid\"}}"))),
     "content[0].content[0].marks[0]: attrs.type: unknown value 'mid'", ADF_EINVALID},
    {DOC(P(TM("x", "{\"type\":\"alignment\",\"attrs\":{\"align\":\"center\"}}"))),
     "content[0].content[0].marks[0]: mark 'alignment' is not allowed on 'text'", ADF_EINVALID},
    {DOC("{\"type\":\"rule\",\"marks\":[" MK("strong") "]}"),
     "content[0].marks[0]: mark 'strong' is not allowed on 'rule'", ADF_EINVALID},
    {DOC(P("{\"type\":\"text\",\"text\":\"x\",\"marks\":[{\"type\":\"link\",\"attrs\":{\"href\":\"a\\u0000b\"}}"
           "]}")),
     "content[0].content[0].marks[0]: an attribute holds a NUL character", ADF_EINVALID},
};

static void test_check_invalid(void **state)
{
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        json_t *d = J(invalid[i].doc);
        adf_error_t err;
        int rc = adf_check(d, &err);
        if (rc != invalid[i].code || strcmp(err.msg, invalid[i].msg) != 0)
            fail_msg("invalid[%zu]: rc %d, want %d\n got: %s\nwant: %s", i, rc, invalid[i].code, err.msg,
                     invalid[i].msg);
        assert_null(strchr(err.msg, '\n'));
        json_decref(d);
    }
}

/* nesting, node count and text size: one past each limit is refused, the limit itself is not */
static json_t *nested_quotes(unsigned depth)
{
    /* a text node at exactly `depth`: doc(1) > [panel] > bulletList > listItem > ... >
     * paragraph(depth-1) > text(depth); a list level is two, the panel one */
    json_t *cur = J(P(T("x")));
    unsigned d = depth - 1; /* the paragraph's depth */
    while (d >= 4) {
        json_t *item = json_pack("{s:s,s:[o]}", "type", "listItem", "content", cur);
        cur = json_pack("{s:s,s:[o]}", "type", "bulletList", "content", item);
        d -= 2;
    }
    if (d == 3)
        cur = json_pack("{s:s,s:{s:s},s:[o]}", "type", "panel", "attrs", "panelType", "info", "content", cur);
    return json_pack("{s:s,s:i,s:[o]}", "type", "doc", "version", 1, "content", cur);
}

static void test_check_limits(void **state)
{
    adf_error_t err;
    /* text at depth 32 passes; one level more does not (both shapes: even and odd) */
    json_t *d = nested_quotes(32);
    assert_int_equal(adf_check(d, &err), ADF_OK);
    json_decref(d);
    d = nested_quotes(31);
    assert_int_equal(adf_check(d, &err), ADF_OK);
    json_decref(d);
    d = nested_quotes(34);
    assert_int_equal(adf_check(d, &err), ADF_ELIMIT);
    json_decref(d);
    d = nested_quotes(33);
    assert_int_equal(adf_check(d, &err), ADF_ELIMIT);
    assert_true(unit_contains(err.msg, "nested deeper than 32"));
    json_decref(d);

    /* nodes: doc + N paragraphs */
    json_t *many = J(DOC());
    json_t *c = json_object_get(many, "content");
    for (unsigned i = 0; i < ADF_MAX_NODES - 1; i++)
        json_array_append_new(c, json_pack("{s:s}", "type", "paragraph"));
    assert_int_equal(adf_check(many, &err), ADF_OK);
    json_array_append_new(c, json_pack("{s:s}", "type", "paragraph"));
    assert_int_equal(adf_check(many, &err), ADF_ELIMIT);
    assert_string_equal(err.msg, "content[19999]: the document has more than 20000 nodes and marks");
    json_decref(many);

    /* text bytes, attributes included */
    char *big = xmalloc(ADF_MAX_TEXT + 2);
    memset(big, 'a', ADF_MAX_TEXT + 1);
    big[ADF_MAX_TEXT] = '\0';
    d = json_pack("{s:s,s:i,s:[{s:s,s:[{s:s,s:s}]}]}", "type", "doc", "version", 1, "content", "type", "paragraph",
                  "content", "type", "text", "text", big);
    assert_int_equal(adf_check(d, &err), ADF_OK);
    json_decref(d);
    d = json_pack("{s:s,s:i,s:[{s:s,s:[{s:s,s:s%},{s:s,s:{s:s}}]}]}", "type", "doc", "version", 1, "content", "type",
                  "paragraph", "content", "type", "text", "text", big, (size_t)ADF_MAX_TEXT - 1, "type", "mention",
                  "attrs", "id", "ab");
    assert_int_equal(adf_check(d, &err), ADF_ELIMIT);
    assert_string_equal(err.msg, "content[0].content[1]: the document holds more than 1048576 bytes of text");
    json_decref(d);
    free(big);
}

/* ------------------------------------------------------------------ wiki */

/* ADF -> wiki, and (both = 1) wiki -> the same ADF */
static const struct {
    const char *adf, *wiki;
    int both;
} wiki[] = {
    {DOC(), "", 1},
    {DOC(P(T("plain text"))), "plain text", 1},
    {DOC(P(T("one"), BR, T("two")), P(T("three"))), "one\ntwo\n\nthree", 1},
    {DOC(PE, PE), "\n\n", 1},
    {DOC(P(BR, T("x"), BR)), "\nx\n", 1},
    {DOC("{\"type\":\"heading\",\"attrs\":{\"level\":1},\"content\":[" T("Title") "]}", P(T("body"))),
     "h1. Title\n\nbody", 1},
    {DOC("{\"type\":\"heading\",\"attrs\":{\"level\":4},\"content\":[" TM("b", MK("strong")) "]}"), "h4. *b*", 1},
    {DOC(P(TM("bold", MK("strong")), T(" "), TM("em", MK("em")), T(" "), TM("mono", MK("code")), T(" "),
           TM("gone", MK("strike")), T(" "), TM("under", MK("underline")))),
     "*bold* _em_ {{mono}} -gone- +under+", 1},
    {DOC(P(T("x"), TM("2", "{\"type\":\"subsup\",\"attrs\":{\"type\":\"sup\"}}"), T(" H"),
           TM("2", "{\"type\":\"subsup\",\"attrs\":{\"type\":\"sub\"}}"), T("O"))),
     "x^2^ H~2~O", 0}, /* "x^2^" needs a word boundary before ^: written, read back as text */
    {DOC(P(TM("red", "{\"type\":\"textColor\",\"attrs\":{\"color\":\"#ff0000\"}}"))), "{color:#ff0000}red{color}", 1},
    {DOC(P(T("see "), TM("docs", "{\"type\":\"link\",\"attrs\":{\"href\":\"https://ex.example/d?a=1\"}}"))),
     "see [docs|https://ex.example/d?a=1]", 1},
    {DOC(P(TM("https://ex.example", "{\"type\":\"link\",\"attrs\":{\"href\":\"https://ex.example\"}}"))),
     "[https://ex.example]", 1},
    {DOC(P(TM("both", "{\"type\":\"link\",\"attrs\":{\"href\":\"http://a.example\"}}," MK("strong")))),
     "[*both*|http://a.example]", 1},
    {DOC(P(TM("se", MK("strong") "," MK("em")))), "*_se_*", 1},
    /* spaces at the ends of a marked text go outside its delimiters, as Jira writes them */
    {DOC(P(T("a"), TM(" bold ", MK("strong")), T("text*"))), "a *bold* text*", 0},
    {DOC(P(TM("  ", MK("em")), T("x"))), "  x", 0},
    {DOC(P(T("hi "), "{\"type\":\"mention\",\"attrs\":{\"id\":\"5b10ac8d82e05b22cc7d4ef5\"}}")),
     "hi [~accountid:5b10ac8d82e05b22cc7d4ef5]", 1},
    {DOC(P("{\"type\":\"inlineCard\",\"attrs\":{\"url\":\"https://x.example/browse/A-1\"}}")),
     "[https://x.example/browse/A-1|https://x.example/browse/A-1|smart-link]", 1},
    {DOC(P("{\"type\":\"emoji\",\"attrs\":{\"shortName\":\":smile:\"}}")), ":smile:", 0},
    {DOC(P("{\"type\":\"status\",\"attrs\":{\"text\":\"IN PROGRESS\",\"color\":\"blue\"}}")), "IN PROGRESS", 0},
    {DOC(P("{\"type\":\"date\",\"attrs\":{\"timestamp\":\"1710028800000\"}}")), "2024-03-10", 0},
    {DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(
         T("a")) "]},{\"type\":\"listItem\",\"content\":[" P(T("b")) ",{\"type\":\"bulletList\",\"content\":[{\"type\":"
                                                                     "\"listItem\",\"content\":[" P(T("c")) "]}]}]}]}"),
     "* a\n* b\n** c", 1},
    {DOC("{\"type\":\"orderedList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T(
         "one")) ",{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T("dot")) "]}]}]},{"
                                                                                                           "\"type\":"
                                                                                                           "\"listItem"
                                                                                                           "\","
                                                                                                           "\"content\""
                                                                                                           ":[" P(
                                                                                                               T("tw"
                                                                                                                 "o"),
                                                                                                               BR,
                                                                                                               T("mo"
                                                                                                                 "r"
                                                                                                                 "e")) "]}]}"),
     "# one\n#* dot\n# two\nmore", 1},
    {DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"java\"},\"content\":[" T("int a = *b*;\\n{code}x") "]}"),
     "{code:java}\nint a = *b*;\n{code}x\n{code}", 0}, /* a line "{code}x" is not a closing tag: kept */
    {DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"java\"},\"content\":[" T("int a = *b*;") "]}"),
     "{code:java}\nint a = *b*;\n{code}", 1},
    {DOC("{\"type\":\"codeBlock\",\"content\":[" T("x") "]}"), "{code}\nx\n{code}", 1},
    {DOC("{\"type\":\"codeBlock\"}"), "{code}\n{code}", 1},
    {DOC("{\"type\":\"blockquote\",\"content\":[" P(T("quoted")) "," P(T("twice")) "]}"),
     "{quote}\nquoted\n\ntwice\n{quote}", 1},
    {DOC("{\"type\":\"rule\"}", P(T("after"))), "----\n\nafter", 1},
    {DOC("{\"type\":\"panel\",\"attrs\":{\"panelType\":\"warning\"},\"content\":[" P(T("careful")) "]}"),
     "{panel:bgColor=#fffae6}\ncareful\n{panel}", 1},
    {DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableHeader\",\"content\":"
         "[" P(T("h1")) "]},{\"type\":\"tableHeader\",\"content\":[" P(
             T("h2")) "]}]},{\"type\":\"tableRow\","
                      "\"content\":[{\"type\":\"tableCell\","
                      "\"content\":[" P(T("a"), BR, T("b")) "]},{\"type\":"
                                                            "\"tableCell\",\"content\":"
                                                            "[" P(T("c|d")) "]}]}]}"),
     "||h1||h2||\n|a\\\\b|c\\|d|", 1},
    {DOC("{\"type\":\"expand\",\"attrs\":{\"title\":\"More *\"},\"content\":[" P(T("inside")) "]}"),
     "More \\*\n\ninside", 0},
    {DOC("{\"type\":\"taskList\",\"content\":[{\"type\":\"taskItem\",\"attrs\":{\"state\":\"DONE\"},\"content\":[" T(
         "done") "]},{\"type\":\"taskList\",\"content\":[{\"type\":\"taskItem\",\"attrs\":{\"state\":\"TODO\"},"
                 "\"content\":[" T("sub") "]}]}]},{\"type\":\"decisionList\",\"content\":[{\"type\":\"decisionItem\","
                                          "\"attrs\":{\"state\":\"DECIDED\"},\"content\":[" T("we do") "]}]}"),
     "* [x] done\n** [ ] sub\n\n* we do", 0},
    {DOC("{\"type\":\"blockCard\",\"attrs\":{\"url\":\"https://x.example/c\"}}"),
     "[https://x.example/c|https://x.example/c|smart-link]", 0},
    /* text that looks like markup is escaped, and reads back as text */
    {DOC(P(T("*not bold* and [not|https://a.example] {{x}}"))),
     "\\*not bold\\* and \\[not\\|https://a.example\\] \\{\\{x\\}\\}", 1},
    {DOC(P(T("a"), BR, T("* not a list"))), "a\n\\* not a list", 1},
    {DOC(P(T("----"))), "\\-\\-\\-\\-", 1},
    /* plain punctuation that cannot be markup stays as it is */
    {DOC(P(T("a - b * c, well-known_name x+y 2^3 {} [] | #1 ~tilde"))),
     "a - b * c, well-known_name x+y 2^3 {} [] | #1 ~tilde", 1},
    {DOC(P(T("C:\\\\path\\\\file"))), "C:\\path\\file", 1},
};

static void test_wiki(void **state)
{
    for (size_t i = 0; i < sizeof wiki / sizeof *wiki; i++) {
        arena_t *a = arena_new(64u << 20);
        json_t *d = J(wiki[i].adf);
        adf_error_t err;
        if (adf_check(d, &err) != ADF_OK)
            fail_msg("wiki[%zu]: test document refused: %s", i, err.msg);
        char *w;
        size_t n;
        assert_int_equal(adf_to_wiki(a, d, &w, &n, &err), ADF_OK);
        if (strcmp(w, wiki[i].wiki) != 0 || n != strlen(w))
            fail_msg("wiki[%zu]:\n got: %s\nwant: %s", i, w, wiki[i].wiki);
        json_t *back;
        assert_int_equal(adf_from_wiki(a, wiki[i].wiki, strlen(wiki[i].wiki), &back, &err), ADF_OK);
        if (adf_check(back, &err) != ADF_OK)
            fail_msg("wiki[%zu]: from_wiki made an invalid document: %s", i, err.msg);
        if (wiki[i].both && !json_equal(back, d)) {
            char *s = json_dumps(back, JSON_COMPACT);
            fail_msg("wiki[%zu]: read back as\n%s\nwant\n%s", i, s, wiki[i].adf);
        }
        json_decref(d);
        arena_free(a);
    }
}

/* wiki -> ADF only: what kiln reads that it does not write so */
static const struct {
    const char *wiki, *adf;
} from_wiki[] = {
    {"bq. a quote", DOC("{\"type\":\"blockquote\",\"content\":[" P(T("a quote")) "]}")},
    {"{noformat}\n*x*\n{noformat}", DOC("{\"type\":\"codeBlock\",\"content\":[" T("*x*") "]}")},
    {"{code:title=A.java|borderStyle=solid}\nx\n{code}", DOC("{\"type\":\"codeBlock\",\"content\":[" T("x") "]}")},
    {"{code:python|title=a}\nx\n{code}",
     DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"python\"},\"content\":[" T("x") "]}")},
    {"{panel}\nx\n{panel}", DOC("{\"type\":\"panel\",\"attrs\":{\"panelType\":\"info\"},\"content\":[" P(T("x")) "]}")},
    {"{code}\nno end", DOC(P(T("{code}"), BR, T("no end")))},
    {"{code}\n\n{code}", DOC("{\"type\":\"codeBlock\"}")}, /* found by fuzz_adf: no empty text node */
    {"h7. no", DOC(P(T("h7. no")))},
    {"title\nh2. sub", DOC(P(T("title")), "{\"type\":\"heading\",\"attrs\":{\"level\":2},\"content\":[" T("sub") "]}")},
    {"*a*b", DOC(P(T("*a*b")))},
    {"[not a link]", DOC(P(T("[not a link]")))},
    {"[x|javascript:alert(1)]", DOC(P(T("[x|javascript:alert(1)]")))},
    {"{color:red}x{color}", DOC(P(T("{color:red}x{color}")))},
    {"!image.png!", DOC(P(T("!image.png!")))},
    {"*** deep first",
     DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T("deep first")) "]}]}")},
    {"* a\n# b",
     DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(
         T("a")) "]}]},{\"type\":\"orderedList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T("b")) "]}]}")},
    {"|a|b\n||h|",
     DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableCell\","
         "\"content\":[" P(T("a")) "]},{\"type\":\"tableCell\",\"content\":[" P(T(
             "b")) "]}]},{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableHeader\",\"content\":[" P(T("h")) "]}]}]"
                                                                                                                "}")},
    {"{quote}\nh1. not here\n{quote}", DOC("{\"type\":\"blockquote\",\"content\":[" P(T("h1. not here")) "]}")},
    {"*bold _both_ bold*",
     DOC(P(TM("bold ", MK("strong")), TM("both", MK("strong") "," MK("em")), TM(" bold", MK("strong"))))},
    {"{{*code*}}", DOC(P(TM("*code*", MK("code"))))},
};

static void test_from_wiki(void **state)
{
    for (size_t i = 0; i < sizeof from_wiki / sizeof *from_wiki; i++) {
        arena_t *a = arena_new(64u << 20);
        json_t *want = J(from_wiki[i].adf), *got;
        adf_error_t err;
        assert_int_equal(adf_from_wiki(a, from_wiki[i].wiki, strlen(from_wiki[i].wiki), &got, &err), ADF_OK);
        if (adf_check(got, &err) != ADF_OK)
            fail_msg("from_wiki[%zu]: invalid document: %s", i, err.msg);
        if (!json_equal(got, want)) {
            char *s = json_dumps(got, JSON_COMPACT);
            fail_msg("from_wiki[%zu] %s:\n got %s\nwant %s", i, from_wiki[i].wiki, s, from_wiki[i].adf);
        }
        json_decref(want);
        arena_free(a);
    }
}

static void test_from_wiki_errors(void **state)
{
    arena_t *a = arena_new(64u << 20);
    json_t *d;
    adf_error_t err;
    assert_int_equal(adf_from_wiki(a, "a\0b", 3, &d, &err), ADF_EINVALID);
    assert_string_equal(err.msg, "the text holds a NUL character");
    assert_null(d);
    assert_int_equal(adf_from_wiki(a, "a\xff", 2, &d, &err), ADF_EINVALID);
    assert_string_equal(err.msg, "the text is not valid UTF-8");
    char *big = xmalloc(ADF_MAX_WIKI + 1);
    memset(big, 'x', ADF_MAX_WIKI + 1);
    assert_int_equal(adf_from_wiki(a, big, ADF_MAX_WIKI + 1, &d, &err), ADF_ELIMIT);
    assert_string_equal(err.msg, "the text is longer than 1048576 bytes");
    assert_int_equal(adf_from_wiki(a, big, ADF_MAX_WIKI, &d, &err), ADF_OK); /* one long paragraph */
    /* 20000 lines make 40000 nodes */
    for (size_t i = 1; i < 40002; i += 2)
        big[i] = '\n';
    assert_int_equal(adf_from_wiki(a, big, 40002, &d, &err), ADF_ELIMIT);
    assert_string_equal(err.msg, "the wiki markup makes more than 20000 nodes");
    free(big);
    char deep[64];
    memset(deep, '*', sizeof deep);
    for (size_t i = 0; i < 14; i++) { /* "* x\n** x\n*** x ..." */
        size_t k = 0;
        char line[1024];
        for (size_t j = 0; j <= i; j++) {
            size_t l = j + 1;
            memcpy(line + k, deep, l);
            memcpy(line + k + l, " x\n", 3);
            k += l + 3;
        }
        int rc = adf_from_wiki(a, line, k, &d, &err);
        if (i + 1 <= ADF_MAX_LIST_DEPTH) {
            assert_int_equal(rc, ADF_OK);
            assert_int_equal(adf_check(d, &err), ADF_OK);
        } else {
            assert_int_equal(rc, ADF_ELIMIT);
            assert_string_equal(err.msg, "lists are nested deeper than 12 levels");
        }
    }
    arena_free(a);
}

/* ------------------------------------------------------------------ properties */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* a random string over `alpha` (UTF-8 pieces), newlines frequent */
static size_t gen(char *out, size_t cap, const char *const *alpha, size_t na)
{
    size_t n = 0, len = rnd(60);
    for (size_t i = 0; i < len; i++) {
        const char *p = alpha[rnd((unsigned)na)];
        size_t l = strlen(p);
        if (n + l >= cap)
            break;
        memcpy(out + n, p, l);
        n += l;
    }
    out[n] = '\0';
    return n;
}

static const char *const plain_alpha[] = {"a",
                                          "b",
                                          "Z",
                                          "0",
                                          "7",
                                          " ",
                                          " ",
                                          "\n",
                                          "\n",
                                          "\n",
                                          ".",
                                          ",",
                                          ":",
                                          ";",
                                          "?",
                                          "'",
                                          "\"",
                                          "(",
                                          ")",
                                          "/",
                                          "=",
                                          "<",
                                          ">",
                                          "&",
                                          "%",
                                          "$",
                                          "@",
                                          "\t",
                                          "\xc3\xa9",
                                          "\xe2\x82\xac",
                                          "\xf0\x9f\x98\x80",
                                          "word",
                                          "x1",
                                          "\r"};
static const char *const markup_alpha[] = {"a",
                                           "b",
                                           " ",
                                           "\n",
                                           "\n",
                                           "*",
                                           "_",
                                           "-",
                                           "+",
                                           "^",
                                           "~",
                                           "{",
                                           "}",
                                           "[",
                                           "]",
                                           "|",
                                           "#",
                                           "!",
                                           "\\",
                                           "h1. ",
                                           "{{",
                                           "}}",
                                           "[~accountid:",
                                           "{code}",
                                           "{quote}",
                                           "{panel}",
                                           "----",
                                           "* ",
                                           "# ",
                                           "||",
                                           "https://x.example",
                                           "{color:#00ff00}",
                                           "{color}",
                                           "bq. ",
                                           "|smart-link"};

/* plain text (no markup character) comes back exactly: to_wiki(from_wiki(s)) == s */
static void test_plain_roundtrip(void **state)
{
    char s[512];
    for (int it = 0; it < 20000; it++) {
        size_t n = gen(s, sizeof s, plain_alpha, sizeof plain_alpha / sizeof *plain_alpha);
        arena_t *a = arena_new(16u << 20);
        json_t *d;
        adf_error_t err;
        char *w;
        size_t wn;
        assert_int_equal(adf_from_wiki(a, s, n, &d, &err), ADF_OK);
        if (adf_check(d, &err) != ADF_OK)
            fail_msg("invalid document for %s: %s", s, err.msg);
        assert_int_equal(adf_to_wiki(a, d, &w, &wn, &err), ADF_OK);
        if (wn != n || memcmp(w, s, n) != 0)
            fail_msg("plain text changed:\n[%s]\n[%s]", s, w);
        arena_free(a);
    }
}

/* any markup: the document from_wiki makes is valid, every converter takes it, and it
 * comes back the same through wiki: from_wiki(to_wiki(D)) == D for D = from_wiki(s),
 * as often as the escaping can say so (the lossy cases of docs/adf.md aside: counted) */
static void test_markup_roundtrip(void **state)
{
    char s[1024];
    int same = 0, total = 20000;
    for (int it = 0; it < total; it++) {
        size_t n = gen(s, sizeof s, markup_alpha, sizeof markup_alpha / sizeof *markup_alpha);
        arena_t *a = arena_new(16u << 20);
        json_t *d, *d2, *d3;
        adf_error_t err;
        char *w, *w2, *x;
        size_t wn, wn2, xn;
        assert_int_equal(adf_from_wiki(a, s, n, &d, &err), ADF_OK);
        if (adf_check(d, &err) != ADF_OK)
            fail_msg("invalid document for [%s]: %s", s, err.msg);
        assert_int_equal(adf_to_wiki(a, d, &w, &wn, &err), ADF_OK);
        assert_int_equal(adf_to_text(a, d, &x, &xn, &err), ADF_OK);
        assert_int_equal(adf_to_html(a, d, &x, &xn, &err), ADF_OK);
        assert_int_equal(adf_from_wiki(a, w, wn, &d2, &err), ADF_OK);
        assert_int_equal(adf_check(d2, &err), ADF_OK);
        same += json_equal(d, d2);
        /* and the wiki form is a fixpoint after one more turn */
        assert_int_equal(adf_to_wiki(a, d2, &w2, &wn2, &err), ADF_OK);
        assert_int_equal(adf_from_wiki(a, w2, wn2, &d3, &err), ADF_OK);
        arena_free(a);
    }
    print_message("markup round trip: %d of %d documents came back equal\n", same, total);
    assert_true(same > total * 9 / 10);
}

/* ------------------------------------------------------------------ text and HTML */

static const struct {
    const char *adf, *text, *html;
} render[] = {
    {DOC(P(T("a"), BR, T("b")), P(T("c"))), "a\nb\nc", "<p>a<br/>b</p><p>c</p>"},
    {DOC("{\"type\":\"heading\",\"attrs\":{\"level\":2},\"content\":[" T("T") "]}"), "T", "<h2>T</h2>"},
    {DOC(P(TM("b", MK("strong")), TM("i", MK("em")), TM("c", MK("code")), TM("s", MK("strike")),
           TM("u", MK("underline")), TM("2", "{\"type\":\"subsup\",\"attrs\":{\"type\":\"sub\"}}"),
           TM("3", "{\"type\":\"subsup\",\"attrs\":{\"type\":\"sup\"}}"),
           TM("r", "{\"type\":\"textColor\",\"attrs\":{\"color\":\"#ff0000\"}}"))),
     "bicsu23r",
     "<p><b>b</b><em>i</em><tt>c</tt><del>s</del><ins>u</ins><sub>2</sub><sup>3</sup><font "
     "color=\"#ff0000\">r</font></p>"},
    {DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(
         T("a")) "]}]},{\"type\":\"orderedList\",\"attrs\":{\"order\":5},\"content\":[{\"type\":\"listItem\","
                 "\"content\":[" P(T("b")) "]}]}"),
     "a\nb", "<ul><li>a</li></ul><ol start=\"5\"><li>b</li></ol>"},
    {DOC("{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T("a")) "," P(
         T("b")) ",{\"type\":\"bulletList\",\"content\":[{\"type\":\"listItem\",\"content\":[" P(T("c")) "]}]}]}]}"),
     "a\nb\nc", "<ul><li>a<p>b</p><ul><li>c</li></ul></li></ul>"},
    {DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"js\"},\"content\":[" T("if (a<b) x();") "]}"),
     "if (a<b) x();",
     "<div class=\"code panel\"><div class=\"codeContent panelContent\"><pre class=\"code-js\">if (a&lt;b) "
     "x();</pre></div></div>"},
    {DOC("{\"type\":\"blockquote\",\"content\":[" P(T("q")) "]}", "{\"type\":\"rule\"}"), "q",
     "<blockquote><p>q</p></blockquote><hr />"},
    {DOC(P("{\"type\":\"mention\",\"attrs\":{\"id\":\"u1\",\"text\":\"@Ann\"}}", T(" "),
           "{\"type\":\"emoji\",\"attrs\":{\"shortName\":\":x:\",\"text\":\"X\"}}", T(" "),
           "{\"type\":\"status\",\"attrs\":{\"text\":\"OK\",\"color\":\"green\"}}", T(" "),
           "{\"type\":\"date\",\"attrs\":{\"timestamp\":\"0\"}}")),
     "@Ann X OK 1970-01-01",
     "<p><span class=\"user-hover\" data-account-id=\"u1\">@Ann</span> <span class=\"emoji\">X</span> <span "
     "class=\"aui-lozenge\">OK</span> <time datetime=\"1970-01-01\">1970-01-01</time></p>"},
    {DOC("{\"type\":\"panel\",\"attrs\":{\"panelType\":\"error\"},\"content\":[" P(T("p")) "]}"), "p",
     "<div class=\"panel\" style=\"background-color: #ffebe6;\"><div class=\"panelContent\"><p>p</p></div></div>"},
    {DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableHeader\",\"content\":"
         "[" P(T("h")) "]},{\"type\":\"tableCell\",\"attrs\":{\"colspan\":2},\"content\":[" P(T("c")) "]}]}]}"),
     "h\nc",
     "<div class=\"table-wrap\"><table class=\"confluenceTable\"><tbody><tr><th "
     "class=\"confluenceTh\">h</th><td "
     "class=\"confluenceTd\" colspan=\"2\">c</td></tr></tbody></table></div>"},
    {DOC("{\"type\":\"mediaSingle\",\"content\":[{\"type\":\"media\",\"attrs\":{\"type\":\"file\",\"id\":\"m\","
         "\"alt\":\"pic\"}}]}"),
     "", "<span class=\"image-wrap\">pic</span>"},
    {DOC("{\"type\":\"expand\",\"attrs\":{\"title\":\"<T>\"},\"content\":[" P(T("x")) "]}",
         "{\"type\":\"taskList\",\"content\":[{\"type\":\"taskItem\",\"attrs\":{\"state\":\"DONE\"},\"content\":[" T(
             "t") "]},{\"type\":\"taskItem\",\"attrs\":{\"state\":\"TODO\"}}]}",
         "{\"type\":\"decisionList\",\"content\":[{\"type\":\"decisionItem\",\"attrs\":{\"state\":\"DECIDED\"},"
         "\"content\":[" T("d") "]}]}",
         "{\"type\":\"blockCard\",\"attrs\":{\"url\":\"javascript:x\"}}"),
     "<T>\nx\nt\n\nd\njavascript:x",
     "<div class=\"expand-container\"><div class=\"expand-title\">&lt;T&gt;</div><div "
     "class=\"expand-content\"><p>x</p></div></div><ul class=\"task-list\"><li class=\"task-done\">t</li><li "
     "class=\"task-todo\"></li></ul><ul class=\"decision-list\"><li>d</li></ul><div "
     "class=\"block-card\">javascript:x</div>"},
    /* hostile input: escaped everywhere, unsafe links dropped to their text */
    {DOC(P(T("<script>alert('x')</script> & \\\"q\\\""))), "<script>alert('x')</script> & \"q\"",
     "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>"},
    {DOC(P(TM("click", "{\"type\":\"link\",\"attrs\":{\"href\":\"javascript:alert(1)\"}}"),
           TM("x", "{\"type\":\"link\",\"attrs\":{\"href\":\" https://a\"}}"),
           TM("y", "{\"type\":\"link\",\"attrs\":{\"href\":\"JaVaScRiPt:x\"}}"),
           TM("z", "{\"type\":\"link\",\"attrs\":{\"href\":\"data:text/html,<b>\"}}"))),
     "clickxyz", "<p>clickxyz</p>"},
    {DOC(P(TM("ok", "{\"type\":\"link\",\"attrs\":{\"href\":\"https://a.example/?q=\\\"><script>&x='\"}}"),
           TM("m", "{\"type\":\"link\",\"attrs\":{\"href\":\"MAILTO:a@b.example\"}}"),
           TM("u", "{\"type\":\"link\",\"attrs\":{\"href\":\"HTTPS://U.example\"}}"))),
     "okmu",
     "<p><a href=\"https://a.example/?q=&quot;&gt;&lt;script&gt;&amp;x=&#39;\" class=\"external-link\" "
     "rel=\"nofollow noreferrer\">ok</a><a href=\"MAILTO:a@b.example\" class=\"external-link\" rel=\"nofollow "
     "noreferrer\">m</a><a href=\"HTTPS://U.example\" class=\"external-link\" rel=\"nofollow noreferrer\">u</a></p>"},
    {DOC(P("{\"type\":\"inlineCard\",\"attrs\":{\"url\":\"javascript:alert(1)//<b>\"}}",
           "{\"type\":\"mention\",\"attrs\":{\"id\":\"\\\"><img src=x onerror=alert(1)>\",\"text\":\"<b>\"}}")),
     "javascript:alert(1)//<b><b>",
     "<p>javascript:alert(1)//&lt;b&gt;<span class=\"user-hover\" data-account-id=\"&quot;&gt;&lt;img src=x "
     "onerror=alert(1)&gt;\">&lt;b&gt;</span></p>"},
    {DOC("{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"\\\"><script>\"},\"content\":[" T("</pre>") "]}"), "</pre>",
     "<div class=\"code panel\"><div class=\"codeContent panelContent\"><pre class=\"code-&quot;&gt;&lt;script&gt;\">"
     "&lt;/pre&gt;</pre></div></div>"},
};

static void test_render(void **state)
{
    for (size_t i = 0; i < sizeof render / sizeof *render; i++) {
        arena_t *a = arena_new(64u << 20);
        json_t *d = J(render[i].adf);
        adf_error_t err;
        if (adf_check(d, &err) != ADF_OK)
            fail_msg("render[%zu]: test document refused: %s", i, err.msg);
        char *s;
        size_t n;
        assert_int_equal(adf_to_text(a, d, &s, &n, &err), ADF_OK);
        if (strcmp(s, render[i].text) != 0)
            fail_msg("render[%zu] text:\n got: %s\nwant: %s", i, s, render[i].text);
        assert_int_equal(adf_to_html(a, d, &s, &n, &err), ADF_OK);
        if (strcmp(s, render[i].html) != 0)
            fail_msg("render[%zu] html:\n got: %s\nwant: %s", i, s, render[i].html);
        json_decref(d);
        arena_free(a);
    }
}

/* The worst document adf_check accepts for output size: as many text nodes as allowed,
 * each with every mark it may carry, all text made of the characters HTML escapes most
 * ('"' -> &quot;) or wiki escapes ('*'). Every converter must finish, under the cap. */
static void test_output_cap(void **state)
{
    static const char *const fills[] = {"\"", "*", "|"};
    for (size_t f = 0; f < 3; f++) {
        unsigned nodes = (ADF_MAX_NODES - 1 - 1) / 8; /* a paragraph, then text + 7 marks each */
        size_t per = (ADF_MAX_TEXT - nodes * 40) / nodes;
        char *txt = xmalloc(per + 1);
        memset(txt, fills[f][0], per);
        txt[per] = '\0';
        json_t *content = json_array();
        for (unsigned i = 0; i < nodes; i++)
            json_array_append_new(
                content,
                json_pack("{s:s,s:s,s:[{s:s},{s:s},{s:s},{s:s},{s:s,s:{s:s}},{s:s,s:{s:s}},{s:s,s:{s:s}}]}", "type",
                          "text", "text", txt, "marks", "type", "strong", "type", "em", "type", "strike", "type",
                          "underline", "type", "textColor", "attrs", "color", "#abcdef", "type", "subsup", "attrs",
                          "type", "sub", "type", "link", "attrs", "href", "https://a.example/"));
        json_t *d = json_pack("{s:s,s:i,s:[{s:s,s:o}]}", "type", "doc", "version", 1, "content", "type", "paragraph",
                              "content", content);
        adf_error_t err;
        if (adf_check(d, &err) != ADF_OK)
            fail_msg("worst document refused: %s", err.msg);
        arena_t *a = arena_new(64u << 20);
        char *s;
        size_t n;
        assert_int_equal(adf_to_html(a, d, &s, &n, &err), ADF_OK);
        assert_true(n < ADF_MAX_OUT);
        assert_int_equal(adf_to_wiki(a, d, &s, &n, &err), ADF_OK);
        assert_int_equal(adf_to_text(a, d, &s, &n, &err), ADF_OK);
        arena_free(a);
        /* an arena too small for the result: an error, not a cut document */
        a = arena_new(64u << 10);
        assert_int_equal(adf_to_html(a, d, &s, &n, &err), ADF_ENOMEM);
        assert_null(s);
        arena_free(a);
        json_decref(d);
        free(txt);
    }
}

/* converters read unchecked JSON without trusting it, within the same limits */
static void test_unchecked(void **state)
{
    static const char *const docs[] = {
        "null",
        "[]",
        "{\"type\":\"doc\",\"content\":{}}",
        DOC("{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":5,\"marks\":[7,{\"type\":\"link\"},{"
            "\"type\":\"textColor\",\"attrs\":{\"color\":\"red;x:expression(1)\"}}]}]}"),
        DOC("{\"type\":\"heading\",\"attrs\":{\"level\":99},\"content\":[" T("x") "]}"),
        DOC("{\"type\":\"weird\",\"content\":[" P(T("inside")) "]}", T("loose")),
        DOC("{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableCell\"}]}]}"),
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        arena_t *a = arena_new(16u << 20);
        json_t *d = J(docs[i]);
        char *s;
        size_t n;
        adf_error_t err;
        assert_int_equal(adf_to_wiki(a, d, &s, &n, &err), ADF_OK);
        assert_int_equal(adf_to_text(a, d, &s, &n, &err), ADF_OK);
        assert_int_equal(adf_to_html(a, d, &s, &n, &err), ADF_OK);
        assert_false(unit_contains(s, "expression"));
        json_decref(d);
        arena_free(a);
    }
    /* err may be NULL */
    json_t *bad = J("{\"type\":\"doc\"}");
    assert_int_equal(adf_check(bad, NULL), ADF_EINVALID);
    json_decref(bad);
    /* as deep as adf_check allows converts; deeper is too deep for the converters too */
    json_t *d = nested_quotes(32);
    arena_t *a = arena_new(16u << 20);
    char *s;
    adf_error_t err;
    assert_int_equal(adf_to_html(a, d, &s, NULL, &err), ADF_OK);
    assert_int_equal(adf_to_wiki(a, d, &s, NULL, &err), ADF_OK);
    assert_int_equal(adf_to_text(a, d, &s, NULL, &err), ADF_OK);
    json_decref(d);
    d = nested_quotes(41);
    assert_int_equal(adf_to_html(a, d, &s, NULL, &err), ADF_ELIMIT);
    assert_string_equal(err.msg, "the document has more than 20000 nodes or is nested deeper than 32");
    assert_int_equal(adf_to_wiki(a, d, &s, NULL, &err), ADF_ELIMIT);
    assert_int_equal(adf_to_text(a, d, &s, NULL, &err), ADF_ELIMIT);
    arena_free(a);
    json_decref(d);
}

/* adf_mentions: every account once, in order, the writer left out; hostile shapes (ids
 * that are not strings, content that is not a list, nesting past the limit) give nothing
 * rather than a crash; at most ADF_MAX_MENTIONS. */
static void test_mentions(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 22);
    const char **ids;
    size_t n;
    json_t *doc = J("{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":["
                    "{\"type\":\"mention\",\"attrs\":{\"id\":\"u1\"}},{\"type\":\"text\",\"text\":\"x\"},"
                    "{\"type\":\"mention\",\"attrs\":{\"id\":\"me\"}},{\"type\":\"mention\",\"attrs\":{\"id\":\"u2\"}},"
                    "{\"type\":\"mention\",\"attrs\":{\"id\":\"u1\"}},{\"type\":\"mention\",\"attrs\":{\"id\":7}},"
                    "{\"type\":\"mention\",\"attrs\":{\"id\":\"\"}},{\"type\":\"mention\"},"
                    "{\"type\":\"panel\",\"content\":{\"type\":\"mention\",\"attrs\":{\"id\":\"hidden\"}}}]},"
                    "{\"type\":\"table\",\"content\":[{\"type\":\"tableRow\",\"content\":[{\"type\":\"tableCell\","
                    "\"content\":[{\"type\":\"mention\",\"attrs\":{\"id\":\"u3\"}}]}]}]}]}");
    assert_int_equal(adf_mentions(a, doc, "me", &ids, &n), ADF_OK);
    assert_int_equal(n, 3);
    assert_string_equal(ids[0], "u1");
    assert_string_equal(ids[1], "u2");
    assert_string_equal(ids[2], "u3");
    assert_int_equal(adf_mentions(a, doc, NULL, &ids, &n), ADF_OK);
    assert_int_equal(n, 4); /* with no writer to leave out, "me" counts */
    json_decref(doc);
    /* not a document at all */
    doc = J("[1,2]");
    assert_int_equal(adf_mentions(a, doc, NULL, &ids, &n), ADF_OK);
    assert_int_equal(n, 0);
    json_decref(doc);
    /* a mention nested past ADF_MAX_DEPTH is not looked for */
    json_t *deep = J("{\"type\":\"mention\",\"attrs\":{\"id\":\"deep\"}}");
    for (unsigned d = 0; d < ADF_MAX_DEPTH + 2; d++)
        deep = json_pack("{s:s,s:[o]}", "type", "panel", "content", deep);
    assert_int_equal(adf_mentions(a, deep, NULL, &ids, &n), ADF_OK);
    assert_int_equal(n, 0);
    json_decref(deep);
    /* many: the first ADF_MAX_MENTIONS distinct ones */
    json_t *many = json_array();
    for (unsigned k = 0; k < ADF_MAX_MENTIONS + 50; k++)
        json_array_append_new(
            many, json_pack("{s:s,s:{s:s}}", "type", "mention", "attrs", "id", arena_printf(a, "acc-%u", k)));
    doc = json_pack("{s:s,s:i,s:[{s:s,s:o}]}", "type", "doc", "version", 1, "content", "type", "paragraph", "content",
                    many);
    assert_int_equal(adf_mentions(a, doc, NULL, &ids, &n), ADF_OK);
    assert_int_equal(n, ADF_MAX_MENTIONS);
    assert_string_equal(ids[ADF_MAX_MENTIONS - 1], arena_printf(a, "acc-%u", ADF_MAX_MENTIONS - 1));
    json_decref(doc);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_valid),     cmocka_unit_test(test_check_invalid),
        cmocka_unit_test(test_check_limits),    cmocka_unit_test(test_wiki),
        cmocka_unit_test(test_from_wiki),       cmocka_unit_test(test_from_wiki_errors),
        cmocka_unit_test(test_plain_roundtrip), cmocka_unit_test(test_markup_roundtrip),
        cmocka_unit_test(test_render),          cmocka_unit_test(test_output_cap),
        cmocka_unit_test(test_unchecked),       cmocka_unit_test(test_mentions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
