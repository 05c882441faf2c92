/* Unit tests for src/base/json.h: the depth limit applied before jansson, syntax errors,
 * duplicate keys, arena ownership and json_dump_arena's cap. */
#include "unit.h"

#include "base/json.h"

/* "[[[...1...]]]" nested `depth` deep (heap; caller frees). */
static char *nested_arrays(size_t depth)
{
    char *s = xmalloc(2 * depth + 2);
    size_t o = 0;
    for (size_t i = 0; i < depth; i++)
        s[o++] = '[';
    s[o++] = '1';
    for (size_t i = 0; i < depth; i++)
        s[o++] = ']';
    s[o] = '\0';
    return s;
}

/* {"a":{"a":...{"a":1}...}} nested `depth` deep. */
static char *nested_objects(size_t depth)
{
    char *s = xmalloc(6 * depth + 2);
    size_t o = 0;
    for (size_t i = 0; i < depth; i++) {
        memcpy(s + o, "{\"a\":", 5);
        o += 5;
    }
    s[o++] = '1';
    for (size_t i = 0; i < depth; i++)
        s[o++] = '}';
    s[o] = '\0';
    return s;
}

static void test_depth_exact_and_over(void **state)
{
    (void)state;
    for (size_t max = 1; max <= 64; max = max * 2 + 1) {
        json_err_t e;
        char *ok = nested_arrays(max);
        json_t *j = json_parse_limited(ok, strlen(ok), max, &e);
        assert_non_null(j);
        assert_int_equal(e.code, JERR_OK);
        json_decref(j);

        char *over = nested_arrays(max + 1);
        assert_null(json_parse_limited(over, strlen(over), max, &e));
        assert_int_equal(e.code, JERR_DEPTH);
        assert_non_null(e.message);
        assert_int_equal(e.position, max); /* the bracket that went one too deep */
        free(ok);
        free(over);
    }
}

static void test_depth_objects_and_mixed(void **state)
{
    (void)state;
    json_err_t e;
    char *ok = nested_objects(64), *over = nested_objects(65);
    json_t *j = json_parse_limited(ok, strlen(ok), 64, &e);
    assert_non_null(j);
    json_decref(j);
    assert_null(json_parse_limited(over, strlen(over), 64, &e));
    assert_int_equal(e.code, JERR_DEPTH);
    free(ok);
    free(over);

    const char *mixed = "{\"a\":[{\"b\":[1]}]}"; /* depth 4 */
    j = json_parse_limited(mixed, strlen(mixed), 4, &e);
    assert_non_null(j);
    json_decref(j);
    assert_null(json_parse_limited(mixed, strlen(mixed), 3, &e));
    assert_int_equal(e.code, JERR_DEPTH);

    /* siblings do not add up: depth is nesting, not the number of containers */
    const char *wide = "[[1],[2],[3],[4],[5],[6],[7],[8]]";
    j = json_parse_limited(wide, strlen(wide), 2, &e);
    assert_non_null(j);
    json_decref(j);

    /* scalars have depth 0 */
    j = json_parse_limited("42", 2, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(j), 42);
    json_decref(j);
    assert_null(json_parse_limited("[]", 2, 0, &e));
    assert_int_equal(e.code, JERR_DEPTH);
}

static void test_depth_unclosed_refused_before_jansson(void **state)
{
    (void)state;
    /* a hostile body of a million '[' is refused by the pre-scan */
    size_t n = 1000000;
    char *s = xmalloc(n);
    memset(s, '[', n);
    json_err_t e;
    assert_null(json_parse_limited(s, n, 64, &e));
    assert_int_equal(e.code, JERR_DEPTH);
    assert_int_equal(e.position, 64);
    free(s);
}

static void test_brackets_inside_strings(void **state)
{
    (void)state;
    json_err_t e;
    const char *s = "[\"[[[[[[[[{{{{{{{{\"]";
    json_t *j = json_parse_limited(s, strlen(s), 1, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_array_get(j, 0)), "[[[[[[[[{{{{{{{{");
    json_decref(j);

    /* closing brackets inside strings do not lower the depth either */
    const char *t = "[[\"]]]]]]\",[[1]]]]"; /* depth 4 */
    j = json_parse_limited(t, strlen(t), 4, &e);
    assert_non_null(j);
    json_decref(j);
    assert_null(json_parse_limited(t, strlen(t), 3, &e));
    assert_int_equal(e.code, JERR_DEPTH);

    /* keys are strings too */
    const char *k = "{\"[[[[\":1}";
    j = json_parse_limited(k, strlen(k), 1, &e);
    assert_non_null(j);
    json_decref(j);
}

static void test_escaped_quotes(void **state)
{
    (void)state;
    json_err_t e;
    /* an escaped quote does not end the string: the brackets after it are still inside */
    const char *s = "[\"a\\\"[[[[\",\"x\"]";
    json_t *j = json_parse_limited(s, strlen(s), 1, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_array_get(j, 0)), "a\"[[[[");
    json_decref(j);

    /* an escaped backslash does end before the quote: the brackets after it count */
    const char *t = "[\"\\\\\",[[1]]]"; /* ["\\",[[1]]], depth 3 */
    j = json_parse_limited(t, strlen(t), 3, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_array_get(j, 0)), "\\");
    json_decref(j);
    assert_null(json_parse_limited(t, strlen(t), 2, &e));
    assert_int_equal(e.code, JERR_DEPTH);

    /* an attempt to hide deep nesting behind a fake string end */
    const char *u = "[\"\\\\\\\"\",[[[1]]]]"; /* ["\\\"",[[[1]]]]: depth 4 */
    assert_null(json_parse_limited(u, strlen(u), 3, &e));
    assert_int_equal(e.code, JERR_DEPTH);
}

static void syntax_error(const char *s)
{
    json_err_t e;
    assert_null(json_parse_limited(s, strlen(s), 64, &e));
    assert_int_equal(e.code, JERR_SYNTAX);
    assert_non_null(e.message);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    syntax_error("");
    syntax_error(" ");
    syntax_error("{");
    syntax_error("[1,]");
    syntax_error("{\"a\":}");
    syntax_error("{'a':1}");
    syntax_error("{a:1}");
    syntax_error("[1] [2]");
    syntax_error("[1] x");
    syntax_error("\"unterminated");
    syntax_error("NaN");
    syntax_error("[01]");
    syntax_error("{\"a\" 1}");
    syntax_error("\"tab\there\""); /* raw control byte in a string */
    syntax_error("\"\\x41\"");     /* invalid escape */
    syntax_error("]]]]");
    syntax_error("\xff\xfe[]");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    syntax_error("{\"a\":1,\"a\":2}");
    syntax_error("{\"x\":{\"b\":1,\"b\":1}}");
    syntax_error("{\"key\":\"WEB\",\"name\":\"x\",\"key\":\"EVIL\"}");
    /* the same key in different objects is fine */
    json_err_t e;
    const char *s = "[{\"a\":1},{\"a\":2}]";
    json_t *j = json_parse_limited(s, strlen(s), 64, &e);
    assert_non_null(j);
    json_decref(j);
}

static void test_length_respected(void **state)
{
    (void)state;
    json_err_t e;
    /* only n bytes are looked at */
    json_t *j = json_parse_limited("[1]garbage", 3, 64, &e);
    assert_non_null(j);
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    assert_null(json_parse_limited("[1,2]", 4, 64, &e));
    assert_int_equal(e.code, JERR_SYNTAX);
    /* the depth pre-scan also stops at n */
    j = json_parse_limited("[1][[[[[[[", 3, 1, &e);
    assert_non_null(j);
    json_decref(j);
}

static void test_values(void **state)
{
    (void)state;
    json_err_t e;
    const char *s = "{\"s\":\"v\",\"n\":3,\"u\":\"\\u00e9\\u0000x\"}";
    json_t *j = json_parse_limited(s, strlen(s), 64, &e);
    assert_non_null(j);
    assert_int_equal(e.code, JERR_OK);
    assert_string_equal(json_str(j, "s"), "v");
    assert_null(json_str(j, "n"));       /* wrong type */
    assert_null(json_str(j, "missing")); /* absent */
    assert_null(json_str(NULL, "s"));
    assert_int_equal(json_string_length(json_object_get(j, "u")), 4); /* é is 2 bytes, NUL, x */
    json_decref(j);
}

/* The reader is yajl's lexer building jansson trees: what jansson refuses stays refused. */
static void test_strict_like_jansson(void **state)
{
    (void)state;
    json_err_t e;
    /* surrogate escapes: a pair is one character; a lone or mismatched half is refused */
    const char *pair = "\"\\ud83d\\ude00\"";
    json_t *j = json_parse_limited(pair, strlen(pair), 64, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(j), "\xf0\x9f\x98\x80");
    json_decref(j);
    syntax_error("\"\\ud800\"");
    syntax_error("\"\\uD800x\"");
    syntax_error("\"\\ud800\\u0041\"");
    syntax_error("\"\\udc00\"");
    syntax_error("{\"a\\uDBFF\":1}");
    /* an escaped backslash followed by "ud800" is text, not an escape */
    const char *text = "\"\\\\ud800\"";
    j = json_parse_limited(text, strlen(text), 64, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(j), "\\ud800");
    json_decref(j);
    /* invalid UTF-8: overlong, an encoded surrogate, past U+10FFFF, a cut sequence; in keys too */
    syntax_error("\"\xc0\x80\"");
    syntax_error("\"\xed\xa0\x80\"");
    syntax_error("\"\xf4\x90\x80\x80\"");
    syntax_error("\"\xe2\x82\"");
    syntax_error("{\"\xed\xa0\x80\":1}");
    /* an escaped key survives an escaped value (yajl decodes both into one buffer) */
    const char *kv = "{\"k\\u00e9y\":\"v\\u0000\\u00e9\",\"\\u0041\":\"\\u0042\"}";
    j = json_parse_limited(kv, strlen(kv), 64, &e);
    assert_non_null(j);
    assert_non_null(json_object_get(j, "k\xc3\xa9y"));
    assert_int_equal(json_string_length(json_object_get(j, "k\xc3\xa9y")), 4);
    assert_string_equal(json_str(j, "A"), "B");
    json_decref(j);
    /* NUL: allowed in values, refused in keys */
    syntax_error("{\"a\\u0000b\":1}");
    /* numbers: integers stay integers, overflow is refused */
    j = json_parse_limited("[9223372036854775807,-9223372036854775808,1.5,1e2,-0]", 53, 64, &e);
    assert_non_null(j);
    assert_true(json_integer_value(json_array_get(j, 0)) == INT64_MAX);
    assert_true(json_integer_value(json_array_get(j, 1)) == INT64_MIN);
    assert_true(json_is_real(json_array_get(j, 2)) && json_real_value(json_array_get(j, 2)) == 1.5);
    assert_true(json_is_real(json_array_get(j, 3)) && json_real_value(json_array_get(j, 3)) == 100.0);
    assert_true(json_is_integer(json_array_get(j, 4)) && json_integer_value(json_array_get(j, 4)) == 0);
    json_decref(j);
    syntax_error("9223372036854775808");
    syntax_error("-9223372036854775809");
    syntax_error("1e400");
    syntax_error("\xef\xbb\xbf[]"); /* a byte order mark */
    /* a partly built tree is released on a late error (LeakSanitizer checks) */
    syntax_error("{\"a\":[1,2,{\"b\":\"c\"}],\"d\":[tru]}");
    syntax_error("{\"a\":{\"b\":1},\"a\":2}");
    /* nothing but whitespace after the value, not even an unfinished token */
    syntax_error("\"a\"\"");
    syntax_error("[1]\"");
    syntax_error("{\"a\":1}\"x");
    syntax_error("true\"");
    syntax_error("1\"");
    syntax_error("1 2");
    syntax_error("\v0"); /* yajl's lexer takes \v and \f for whitespace */
    syntax_error("[1,\f2]");
    syntax_error("\"a\vb\"");
    /* a raw NUL byte outside a string (jansson's own reader skips one after a number) */
    assert_null(json_parse_limited("[477\0]", 6, 64, &e));
    assert_int_equal(e.code, JERR_SYNTAX);
    assert_null(json_parse_limited("[true\0]", 7, 64, &e));
    j = json_parse_limited(" \t\r\n12 \n", 8, 64, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(j), 12);
    json_decref(j);
}

static void test_parse_arena_owned(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 16);
    json_err_t e;
    json_t *j = json_parse_arena(a, "{\"a\":[1,2,3]}", 13, 64, &e);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "a")), 3);
    assert_null(json_parse_arena(a, "{", 1, 64, &e));
    assert_int_equal(e.code, JERR_SYNTAX);
    json_own(a, json_pack("{s:i}", "x", 1));
    assert_null(json_own(a, NULL));
    arena_free(a); /* LeakSanitizer checks that the objects were released */
}

static void test_dump_arena(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 16);
    json_t *j = json_pack("{s:s}", "a", "b");
    size_t len = 0;
    char *s = json_dump_arena(a, j, 100, &len);
    assert_non_null(s);
    assert_string_equal(s, "{\"a\":\"b\"}");
    assert_int_equal(len, 9);

    /* exactly max fits, one less does not */
    len = 0;
    s = json_dump_arena(a, j, 9, &len);
    assert_non_null(s);
    assert_int_equal(len, 9);
    assert_null(json_dump_arena(a, j, 8, &len));
    assert_null(json_dump_arena(a, j, 0, &len));
    json_decref(j);

    /* not consumed, scalars allowed */
    json_t *n = json_integer(-12);
    s = json_dump_arena(a, n, 10, &len);
    assert_string_equal(s, "-12");
    assert_int_equal(json_integer_value(n), -12);
    json_decref(n);

    /* escaping survives a round trip */
    json_t *str = json_string("q\"\\\n");
    s = json_dump_arena(a, str, 100, &len);
    assert_string_equal(s, "\"q\\\"\\\\\\n\"");
    json_decref(str);
    arena_free(a);
}

static void test_dump_arena_large_and_arena_cap(void **state)
{
    (void)state;
    json_t *arr = json_array();
    for (int i = 0; i < 10000; i++)
        json_array_append_new(arr, json_string("0123456789"));
    arena_t *a = arena_new(1u << 20);
    size_t len = 0;
    char *s = json_dump_arena(a, arr, 1u << 20, &len);
    assert_non_null(s);
    assert_int_equal(len, 2 + 10000 * 12 + 9999); /* brackets, quoted strings, commas */
    assert_int_equal(strlen(s), len);
    assert_null(json_dump_arena(a, arr, 1000, &len)); /* buffer max */
    arena_free(a);

    a = arena_new(1000); /* the buffer fits but the arena does not */
    assert_null(json_dump_arena(a, arr, 1u << 20, &len));
    arena_free(a);
    json_decref(arr);
}

/* Which string of a document holds NUL, and where. */
static const char *nul_at(const char *doc, const char *const *keep, int use_text)
{
    static char path[64];
    json_err_t e;
    json_t *j = json_parse_limited(doc, strlen(doc), 64, &e);
    if (!j)
        fail_msg("does not parse: %s", doc);
    int found = json_nul_field(j, use_text ? doc : NULL, strlen(doc), keep, path, sizeof path);
    json_decref(j);
    if (!found)
        assert_string_equal(path, "");
    return found ? path : NULL;
}

static void test_nul_field(void **state)
{
    (void)state;
    /* the strings that would be cut, named by their path */
    assert_string_equal(nul_at("{\"summary\":\"a\\u0000b\"}", NULL, 1), "summary");
    assert_string_equal(nul_at("{\"fields\":{\"summary\":\"ok\",\"x\":\"\\u0000\"}}", NULL, 1), "fields.x");
    assert_string_equal(nul_at("{\"a\":[1,\"ok\",{\"b\":[\"\\u0000\"]}]}", NULL, 1), "a[2].b[0]");
    assert_string_equal(nul_at("[\"x\",\"y\\u0000\"]", NULL, 1), "[1]");
    assert_string_equal(nul_at("\"\\u0000\"", NULL, 1), "");
    /* none: no NUL, an escaped backslash before u0000, NUL only in kept members */
    assert_null(nul_at("{\"summary\":\"a b\",\"n\":0,\"t\":true,\"z\":null}", NULL, 1));
    assert_null(nul_at("{\"summary\":\"a\\\\u0000b\"}", NULL, 1));
    assert_null(nul_at("{\"summary\":\"a\\\\u0000b\"}", NULL, 0));
    static const char *const keep[] = {"value", "values", NULL};
    assert_null(nul_at("{\"key\":\"k\",\"value\":{\"deep\":[\"\\u0000\"]}}", keep, 1));
    assert_null(nul_at("{\"items\":[{\"key\":\"k\",\"value\":\"\\u0000\"}],\"values\":[\"\\u0000\"]}", keep, 1));
    assert_string_equal(nul_at("{\"items\":[{\"key\":\"k\\u0000\",\"value\":\"\\u0000\"}]}", keep, 1), "items[0].key");
    /* the walk finds it without the text too */
    assert_string_equal(nul_at("{\"a\":{\"b\":\"\\u0000\"}}", NULL, 0), "a.b");
    /* a long path is cut to fit, still NUL-terminated */
    char doc[400];
    snprintf(doc, sizeof doc, "{\"%s\":{\"%s\":\"\\u0000\"}}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    const char *cut = nul_at(doc, NULL, 1);
    assert_non_null(cut);
    assert_int_equal(strlen(cut), 63);
}

static void test_str_is(void **state)
{
    (void)state;
    json_t *a = json_string("RS256"), *b = json_stringn("RS256\0x", 7), *c = json_stringn("RS256\0", 6),
           *d = json_string("RS25"), *n = json_integer(1);
    assert_true(json_str_is(a, "RS256"));
    assert_false(json_str_is(b, "RS256"));
    assert_false(json_str_is(c, "RS256"));
    assert_false(json_str_is(d, "RS256"));
    assert_false(json_str_is(n, "1"));
    assert_false(json_str_is(NULL, "RS256"));
    assert_false(json_str_is(a, "RS2566"));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    json_decref(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_exact_and_over),
        cmocka_unit_test(test_depth_objects_and_mixed),
        cmocka_unit_test(test_depth_unclosed_refused_before_jansson),
        cmocka_unit_test(test_brackets_inside_strings),
        cmocka_unit_test(test_escaped_quotes),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_length_respected),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_strict_like_jansson),
        cmocka_unit_test(test_parse_arena_owned),
        cmocka_unit_test(test_dump_arena),
        cmocka_unit_test(test_dump_arena_large_and_arena_cap),
        cmocka_unit_test(test_nul_field),
        cmocka_unit_test(test_str_is),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
