/* jql: the lexer, the recursive-descent parser and the canonical printer (jql.h).
 * The lexer reads the whole query first (as Jira's ANTLR token stream does, so a lexical
 * error wins over a syntax error before it); the parser then follows Jira's grammar:
 *
 *   query   := [or] [ORDER BY sort (',' sort)*] EOF
 *   or      := and ((OR | '||' | '|') and)*
 *   and     := not ((AND | '&&' | '&') not)*
 *   not     := (NOT | '!') not | '(' or ')' | clause
 *   clause  := field op [operand] pred*          (pred only after WAS and CHANGED)
 *   field   := word | string | number | cf '[' number ']'
 *   operand := EMPTY | NULL | word | string | number | func | '(' operand (',' operand)* ')'
 *   func    := (word | string) '(' [arg (',' arg)*] ')'     arg := word | string | number
 *   sort    := field [ASC | DESC]
 *
 * Messages are Jira's (docs/jql.md names their sources and the few that are kiln's). */
#include "product/jql.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- tokens ---- */

typedef enum {
    T_EOF,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_LBRACKET,
    T_RBRACKET,
    T_EQ,
    T_NE,
    T_LIKE,
    T_NLIKE,
    T_LT,
    T_GT,
    T_LE,
    T_GE,
    T_BANG,
    T_AMP,  /* & or && */
    T_PIPE, /* | or || */
    T_WORD, /* an unquoted string that is no keyword */
    T_QSTRING,
    T_NUMBER,
    T_RESERVED, /* an unquoted reserved word that is no keyword */
    K_AND,
    K_OR,
    K_NOT,
    K_IN,
    K_IS,
    K_WAS,
    K_CHANGED,
    K_EMPTY,
    K_ORDER,
    K_BY,
    K_ASC,
    K_DESC,
    K_AFTER,
    K_BEFORE,
    K_ON,
    K_DURING,
    K_FROM,
    K_TO,
} tok_type_t;

typedef struct tok {
    tok_type_t type;
    jql_pos_t pos;
    const char *raw; /* as written */
    size_t rawlen;
    char *val; /* decoded text (words, strings, numbers), NUL-terminated */
    size_t vlen;
    int escaped; /* a word with an escape: never a keyword, reserved word or number */
    int64_t num;
} tok_t;

static const struct {
    const char *w;
    tok_type_t t;
} keywords[] = {
    {"and", K_AND}, {"or", K_OR},           {"not", K_NOT},     {"in", K_IN},       {"is", K_IS},
    {"was", K_WAS}, {"changed", K_CHANGED}, {"empty", K_EMPTY}, {"null", K_EMPTY},  {"order", K_ORDER},
    {"by", K_BY},   {"asc", K_ASC},         {"desc", K_DESC},   {"after", K_AFTER}, {"before", K_BEFORE},
    {"on", K_ON},   {"during", K_DURING},   {"from", K_FROM},   {"to", K_TO},
};

/* Jira's reserved words (JqlStringSupportImpl.RESERVED_WORDS), sorted for bsearch. */
static const char *const reserved[] = {
    "abort",     "access",   "add",         "after",      "alias",        "all",     "alter",      "and",
    "any",       "as",       "asc",         "audit",      "avg",          "before",  "begin",      "between",
    "boolean",   "break",    "by",          "byte",       "catch",        "cf",      "changed",    "char",
    "character", "check",    "checkpoint",  "collate",    "collation",    "column",  "commit",     "connect",
    "continue",  "count",    "create",      "current",    "date",         "decimal", "declare",    "decrement",
    "default",   "defaults", "define",      "delete",     "delimiter",    "desc",    "difference", "distinct",
    "divide",    "do",       "double",      "drop",       "else",         "empty",   "encoding",   "end",
    "equals",    "escape",   "exclusive",   "exec",       "execute",      "exists",  "explain",    "false",
    "fetch",     "field",    "file",        "first",      "float",        "for",     "from",       "function",
    "go",        "goto",     "grant",       "greater",    "group",        "having",  "identified", "if",
    "immediate", "in",       "increment",   "index",      "initial",      "inner",   "inout",      "input",
    "insert",    "int",      "integer",     "intersect",  "intersection", "into",    "is",         "isempty",
    "isnull",    "join",     "last",        "left",       "less",         "like",    "limit",      "lock",
    "long",      "max",      "min",         "minus",      "mode",         "modify",  "modulo",     "more",
    "multiply",  "next",     "noaudit",     "not",        "notin",        "nowait",  "null",       "number",
    "object",    "of",       "on",          "option",     "or",           "order",   "outer",      "output",
    "power",     "previous", "prior",       "privileges", "public",       "raise",   "raw",        "remainder",
    "rename",    "resource", "return",      "returns",    "revoke",       "right",   "row",        "rowid",
    "rownum",    "rows",     "select",      "session",    "set",          "share",   "size",       "sqrt",
    "start",     "strict",   "string",      "subtract",   "sum",          "synonym", "table",      "then",
    "to",        "trans",    "transaction", "trigger",    "true",         "uid",     "union",      "unique",
    "update",    "user",     "validate",    "values",     "view",         "was",     "when",       "whenever",
    "where",     "while",    "with",
};

const char *const *jql_reserved_words(size_t *n)
{
    *n = sizeof reserved / sizeof *reserved;
    return reserved;
}

int jql_is_reserved(const char *w, size_t len)
{
    char low[16];
    if (len == 0 || len >= sizeof low)
        return 0;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
    low[len] = 0;
    size_t lo = 0, hi = sizeof reserved / sizeof *reserved;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(low, reserved[mid]);
        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* ---- errors ---- */

#define JQL_VALID_OPS                                                                                                  \
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'."
#define JQL_VALID_ESCAPES "The valid escape sequences are \\', \\\", \\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX."

typedef struct parser {
    arena_t *a;
    const char *q;
    size_t len;
    tok_t *toks;
    size_t ntoks, i;
    unsigned depth;
    size_t nclauses, nvalues;
    jql_error_t *err;
} parser_t;

/* Fills err: prefix, the message, and " (line L, character C)" when pos is given. */
static int vfail(parser_t *p, int code, const jql_pos_t *pos, const char *prefix, const char *fmt, va_list ap)
{
    char m[400];
    vsnprintf(m, sizeof m, fmt, ap);
    p->err->code = code;
    if (pos) {
        p->err->pos = *pos;
        snprintf(p->err->msg, sizeof p->err->msg, "%s%s (line %u, character %u)", prefix, m, pos->line, pos->col);
    } else {
        memset(&p->err->pos, 0, sizeof p->err->pos);
        snprintf(p->err->msg, sizeof p->err->msg, "%s%s", prefix, m);
    }
    return code;
}

/* "Error in the JQL Query: <msg>", Jira's prefix for its parse errors. */
static int fail_at(parser_t *p, int code, const jql_pos_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(parser_t *p, int code, const jql_pos_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfail(p, code, pos, "Error in the JQL Query: ", fmt, ap);
    va_end(ap);
    return r;
}

/* "Error in JQL Query: <msg>": Jira Cloud words the one message it gives for a missing
 * value this way, without "the" (quoted so in reports from 2019 to 2026), while its
 * other parse errors keep "the". */
static int fail_short(parser_t *p, int code, const jql_pos_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_short(parser_t *p, int code, const jql_pos_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfail(p, code, pos, "Error in JQL Query: ", fmt, ap);
    va_end(ap);
    return r;
}

/* The token as Jira quotes it in a message: its text as written, at most 80 bytes. */
static int rawlen(const tok_t *t)
{
    return (int)(t->rawlen > 80 ? 80 : t->rawlen);
}

/* ---- the lexer ---- */

typedef struct lexer {
    const char *q;
    size_t len, off;
    uint32_t line, col;
} lexer_t;

static jql_pos_t lpos(const lexer_t *l)
{
    return (jql_pos_t){(uint32_t)l->off, l->line, l->col};
}

/* Advances one byte; a new character begins at every byte that is no UTF-8 continuation. */
static void ladv(lexer_t *l)
{
    unsigned char c = (unsigned char)l->q[l->off++];
    if (c == '\n') {
        l->line++;
        l->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        l->col++;
    }
}

/* Character classes of the lexer, one table lookup per byte. */
enum { C_WS = 1, C_RESERVED = 2, C_PUNCT = 4 };
static const unsigned char cclass[256] = {
    [' '] = C_WS,       ['\t'] = C_WS,      ['\n'] = C_WS,      ['\r'] = C_WS,      ['{'] = C_RESERVED,
    ['}'] = C_RESERVED, ['*'] = C_RESERVED, ['/'] = C_RESERVED, ['%'] = C_RESERVED, ['+'] = C_RESERVED,
    ['^'] = C_RESERVED, ['$'] = C_RESERVED, ['#'] = C_RESERVED, ['@'] = C_RESERVED, ['?'] = C_RESERVED,
    [';'] = C_RESERVED, ['"'] = C_PUNCT,    ['\''] = C_PUNCT,   ['='] = C_PUNCT,    ['!'] = C_PUNCT,
    ['<'] = C_PUNCT,    ['>'] = C_PUNCT,    ['('] = C_PUNCT,    [')'] = C_PUNCT,    ['~'] = C_PUNCT,
    [','] = C_PUNCT,    ['['] = C_PUNCT,    [']'] = C_PUNCT,    ['|'] = C_PUNCT,    ['&'] = C_PUNCT,
};

static int is_ws(unsigned char c)
{
    return cclass[c] & C_WS;
}
static int is_reserved_char(unsigned char c)
{
    return cclass[c] & C_RESERVED;
}
/* Characters that end an unquoted word: blanks, reserved characters, quotes and
 * operators, control characters. */
static int is_stop(unsigned char c)
{
    return c < 0x20 || cclass[c] != 0;
}

/* Decodes the UTF-8 sequence at s (n bytes left) into *cp; returns its length, or 0 when
 * it is not valid UTF-8 (overlong, surrogate, past U+10FFFF, cut short). */
static size_t utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t k;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        k = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        k = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        k = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return k;
}

static size_t utf8_enc(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Characters Jira refuses unescaped anywhere, even in quotes: controls (but the blanks
 * between tokens), U+FFFE, U+FFFF and U+FDD0..U+FDEF. */
static int is_illegal_cp(uint32_t cp)
{
    return cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF || (cp >= 0xFDD0 && cp <= 0xFDEF);
}

/* Checks the character at the lexer (not whitespace between tokens); *k is its length. */
static int check_char(parser_t *p, lexer_t *l, uint32_t *cp, size_t *k)
{
    *k = utf8_dec((const unsigned char *)l->q + l->off, l->len - l->off, cp);
    jql_pos_t at = lpos(l);
    if (*k == 0)
        return fail_at(p, JQL_ESYNTAX, &at,
                       "The character '\\u00%02X' must be escaped. Use the escape '\\u00%02X' instead.",
                       (unsigned char)l->q[l->off], (unsigned char)l->q[l->off]);
    if (is_illegal_cp(*cp))
        return fail_at(p, JQL_ESYNTAX, &at,
                       "The character '\\u%04X' must be escaped. Use the escape '\\u%04X' instead.", *cp, *cp);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the escape at l (a backslash) into o; quote: the quote of the string (0 in a
 * word), which bounds what an illegal \u sequence is said to be. Returns bytes written or
 * a negative code. */
static int lex_escape(parser_t *p, lexer_t *l, char quote, char *o)
{
    jql_pos_t at = lpos(l);
    size_t s = l->off;
    ladv(l);
    if (l->off >= l->len)
        return fail_at(p, JQL_ESYNTAX, &at, "The escape sequence has not been completed. " JQL_VALID_ESCAPES);
    char c = l->q[l->off];
    const char *simple = "'\"tnr\\ ", *to = "'\"\t\n\r\\ ";
    const char *hit = c ? strchr(simple, c) : NULL;
    if (hit) {
        ladv(l);
        o[0] = to[hit - simple];
        return 1;
    }
    if (c == 'u') {
        uint32_t cp = 0;
        int ok = l->off + 5 <= l->len;
        for (int i = 1; ok && i <= 4; i++) {
            int h = hexval(l->q[l->off + (size_t)i]);
            if (h < 0)
                ok = 0;
            else
                cp = cp * 16 + (uint32_t)h;
        }
        if (ok) {
            for (int i = 0; i < 5; i++)
                ladv(l);
            /* a surrogate pair written as two escapes is one character, as in Java */
            if (cp >= 0xD800 && cp <= 0xDBFF && l->off + 6 <= l->len && l->q[l->off] == '\\' &&
                l->q[l->off + 1] == 'u') {
                uint32_t lo = 0;
                int okl = 1;
                for (int i = 2; i < 6; i++) {
                    int h = hexval(l->q[l->off + (size_t)i]);
                    if (h < 0)
                        okl = 0;
                    else
                        lo = lo * 16 + (uint32_t)h;
                }
                if (okl && lo >= 0xDC00 && lo <= 0xDFFF) {
                    for (int i = 0; i < 6; i++)
                        ladv(l);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD; /* a lone surrogate has no UTF-8 form */
            return (int)utf8_enc(cp, o);
        }
        /* Jira names the whole rest of the word (or string) as the illegal sequence */
        size_t e = l->off + 1;
        while (e < l->len && l->q[e] != '\\' && (quote ? l->q[e] != quote : !is_stop((unsigned char)l->q[e])))
            e++;
        return fail_at(p, JQL_ESYNTAX, &at, "'%.*s' is an illegal JQL escape sequence. " JQL_VALID_ESCAPES,
                       (int)(e - s > 80 ? 80 : e - s), l->q + s);
    }
    uint32_t cp;
    size_t k = utf8_dec((const unsigned char *)l->q + l->off, l->len - l->off, &cp);
    if (k == 0)
        k = 1;
    return fail_at(p, JQL_ESYNTAX, &at, "'\\%.*s' is an illegal JQL escape sequence. " JQL_VALID_ESCAPES, (int)k,
                   l->q + l->off);
}

/* The bytes a string (up to its closing quote) or a word (up to a stop character) spans
 * from the lexer on: its decoded text is never longer (an escape decodes to fewer bytes
 * than it is written with), so each token takes memory in proportion to its own length. */
static size_t extent(const lexer_t *l, char quote)
{
    size_t e = l->off;
    while (e < l->len) {
        char c = l->q[e];
        if (c == '\\') {
            e += 2;
            continue;
        }
        if (quote ? c == quote : is_stop((unsigned char)c))
            break;
        e++;
    }
    return (e < l->len ? e : l->len) - l->off;
}

static int lex_string(parser_t *p, lexer_t *l, tok_t *t)
{
    char quote = l->q[l->off];
    jql_pos_t at = lpos(l);
    ladv(l);
    char *o = arena_alloc(p->a, extent(l, quote) + 1);
    if (!o)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    size_t n = 0;
    for (;;) {
        if (l->off >= l->len) {
            size_t s = at.off + 1;
            if (l->len == s)
                return fail_at(p, JQL_ESYNTAX, &at, "The quoted string has not been completed.");
            return fail_at(p, JQL_ESYNTAX, &at, "The quoted string '%.*s' has not been completed.",
                           (int)(l->len - s > 80 ? 80 : l->len - s), l->q + s);
        }
        char c = l->q[l->off];
        if (c == quote) {
            ladv(l);
            break;
        }
        if (c == '\\') {
            int r = lex_escape(p, l, quote, o + n);
            if (r < 0)
                return r;
            n += (size_t)r;
            continue;
        }
        uint32_t cp;
        size_t k;
        int r = check_char(p, l, &cp, &k);
        if (r)
            return r;
        memcpy(o + n, l->q + l->off, k);
        n += k;
        for (size_t i = 0; i < k; i++)
            ladv(l);
    }
    o[n] = 0;
    t->type = T_QSTRING;
    t->val = o;
    t->vlen = n;
    return 0;
}

static int lex_word(parser_t *p, lexer_t *l, tok_t *t)
{
    char *o = arena_alloc(p->a, extent(l, 0) + 1);
    if (!o)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    size_t n = 0;
    while (l->off < l->len) {
        unsigned char c = (unsigned char)l->q[l->off];
        if (c == '\\') {
            int r = lex_escape(p, l, 0, o + n);
            if (r < 0)
                return r;
            n += (size_t)r;
            t->escaped = 1;
            continue;
        }
        if (is_stop(c))
            break;
        uint32_t cp;
        size_t k;
        int r = check_char(p, l, &cp, &k);
        if (r)
            return r;
        memcpy(o + n, l->q + l->off, k);
        n += k;
        for (size_t i = 0; i < k; i++)
            ladv(l);
    }
    o[n] = 0;
    t->val = o;
    t->vlen = n;
    t->type = T_WORD;
    if (t->escaped)
        return 0;
    for (size_t i = 0; n <= 7 && i < sizeof keywords / sizeof *keywords; i++) {
        if (!strncasecmp(o, keywords[i].w, n) && keywords[i].w[n] == 0) {
            t->type = keywords[i].t;
            return 0;
        }
    }
    size_t d = o[0] == '-' ? 1 : 0;
    int digits = n > d;
    for (size_t i = d; i < n; i++)
        if (o[i] < '0' || o[i] > '9')
            digits = 0;
    if (digits) {
        /* Jira's numbers are Java longs */
        int64_t v = 0;
        int neg = d == 1, over = 0;
        for (size_t i = d; i < n && !over; i++) {
            int dg = o[i] - '0';
            if (!neg ? v > (INT64_MAX - dg) / 10 : v < (INT64_MIN + dg) / 10)
                over = 1;
            else
                v = neg ? v * 10 - dg : v * 10 + dg;
        }
        if (over)
            return fail_at(p, JQL_ESYNTAX, &t->pos,
                           "'%.*s' is not a valid number. Numbers must be between -9223372036854775808 and "
                           "9223372036854775807.",
                           (int)(n > 80 ? 80 : n), o);
        t->type = T_NUMBER;
        t->num = v;
        return 0;
    }
    if (jql_is_reserved(o, n))
        t->type = T_RESERVED;
    return 0;
}

/* The punctuation token at q[0..n) (n >= 1), longest match first; its length in *k, or
 * T_EOF when q[0] starts none. */
static tok_type_t punct(const char *q, size_t n, size_t *k)
{
    char c = q[0], d = n > 1 ? q[1] : 0;
    *k = 1;
    switch (c) {
    case '(': return T_LPAREN;
    case ')': return T_RPAREN;
    case ',': return T_COMMA;
    case '[': return T_LBRACKET;
    case ']': return T_RBRACKET;
    case '=': return T_EQ;
    case '~': return T_LIKE;
    case '!': *k = d == '=' || d == '~' ? 2 : 1; return d == '=' ? T_NE : d == '~' ? T_NLIKE : T_BANG;
    case '<': *k = d == '=' ? 2 : 1; return d == '=' ? T_LE : T_LT;
    case '>': *k = d == '=' ? 2 : 1; return d == '=' ? T_GE : T_GT;
    case '&': *k = d == '&' ? 2 : 1; return T_AMP;
    case '|': *k = d == '|' ? 2 : 1; return T_PIPE;
    default: *k = 0; return T_EOF;
    }
}

static int lex_all(parser_t *p)
{
    lexer_t l = {p->q, p->len, 0, 1, 1};
    size_t cap = 16;
    p->toks = arena_alloc(p->a, cap * sizeof *p->toks);
    if (!p->toks)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    for (;;) {
        while (l.off < l.len && is_ws((unsigned char)l.q[l.off]))
            ladv(&l);
        if (p->ntoks == cap) {
            tok_t *n = arena_alloc(p->a, 2 * cap * sizeof *n);
            if (!n)
                return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
            memcpy(n, p->toks, cap * sizeof *n);
            p->toks = n;
            cap *= 2;
        }
        tok_t *t = &p->toks[p->ntoks];
        memset(t, 0, sizeof *t);
        t->pos = lpos(&l);
        t->raw = l.q + l.off;
        if (l.off >= l.len) {
            t->type = T_EOF;
            p->ntoks++;
            return 0;
        }
        unsigned char c = (unsigned char)l.q[l.off];
        int r = 0;
        size_t k;
        tok_type_t pt = punct(l.q + l.off, l.len - l.off, &k);
        if (k) {
            t->type = pt;
            for (size_t j = 0; j < k; j++)
                ladv(&l);
        } else {
            if (c == '"' || c == '\'') {
                r = lex_string(p, &l, t);
            } else if (is_reserved_char(c)) {
                return fail_at(p, JQL_ESYNTAX, &t->pos,
                               "The character '%c' is a reserved JQL character. You must enclose it in a string or use "
                               "the escape '\\u%04X' instead.",
                               c, c);
            } else if (c < 0x20) {
                uint32_t cp;
                size_t ck;
                r = check_char(p, &l, &cp, &ck);
            } else {
                r = lex_word(p, &l, t);
            }
        }
        if (r)
            return r;
        t->rawlen = (size_t)(l.q + l.off - t->raw);
        p->ntoks++;
    }
}

/* ---- the parser ---- */

static tok_t *peek(parser_t *p)
{
    return &p->toks[p->i];
}
static tok_t *peek2(parser_t *p)
{
    return &p->toks[p->i + 1 < p->ntoks ? p->i + 1 : p->i];
}
static tok_t *next(parser_t *p)
{
    tok_t *t = &p->toks[p->i];
    if (t->type != T_EOF)
        p->i++;
    return t;
}

/* "Expecting <what> but got 'X'.<tail>" or "Expecting <what> before the end of the query.<tail>" */
static int expecting(parser_t *p, const tok_t *t, const char *what, const char *tail)
{
    if (t->type == T_EOF)
        return fail_at(p, JQL_ESYNTAX, NULL, "Expecting %s before the end of the query.%s%s", what, *tail ? " " : "",
                       tail);
    return fail_at(p, JQL_ESYNTAX, &t->pos, "Expecting %s but got '%.*s'.%s%s", what, rawlen(t), t->raw,
                   *tail ? " " : "", tail);
}

/* "Expecting <what> but got 'X'. You must surround 'X' in quotation marks to use it as <as>." */
static int expecting_quoted(parser_t *p, const tok_t *t, const char *what, const char *as)
{
    if (t->type == T_EOF)
        return fail_at(p, JQL_ESYNTAX, NULL, "Expecting %s before the end of the query.", what);
    int (*fail)(parser_t *, int, const jql_pos_t *, const char *, ...) =
        strcmp(what, "either a value, list or function") ? fail_at : fail_short;
    return fail(p, JQL_ESYNTAX, &t->pos,
                "Expecting %s but got '%.*s'. You must surround '%.*s' in quotation marks to use it as %s.", what,
                rawlen(t), t->raw, rawlen(t), t->raw, as);
}

static int reserved_word(parser_t *p, const tok_t *t)
{
    return fail_at(p, JQL_ESYNTAX, &t->pos,
                   "'%.*s' is a reserved JQL word. You must surround it in quotation marks to use it in a query.",
                   rawlen(t), t->raw);
}

static int enter(parser_t *p, const tok_t *t)
{
    if (++p->depth > JQL_MAX_DEPTH)
        return fail_at(p, JQL_ELIMIT, &t->pos,
                       "The query is nested too deeply: kiln allows %u levels of parentheses, NOT and lists.",
                       JQL_MAX_DEPTH);
    return 0;
}

static int count_value(parser_t *p, const tok_t *t)
{
    if (++p->nvalues > JQL_MAX_VALUES)
        return fail_at(p, JQL_ELIMIT, &t->pos, "The query has too many values: kiln allows %u in one query.",
                       JQL_MAX_VALUES);
    return 0;
}

/* ---- fields ---- */

static const struct {
    const char *name; /* the canonical name first, then its aliases */
    jql_field_id_t id;
} fields[] = {
    {"project", JQL_F_PROJECT},
    {"key", JQL_F_KEY},
    {"issuekey", JQL_F_KEY},
    {"issue", JQL_F_KEY},
    {"id", JQL_F_KEY},
    {"issuetype", JQL_F_ISSUETYPE},
    {"type", JQL_F_ISSUETYPE},
    {"status", JQL_F_STATUS},
    {"statusCategory", JQL_F_STATUSCATEGORY},
    {"assignee", JQL_F_ASSIGNEE},
    {"reporter", JQL_F_REPORTER},
    {"creator", JQL_F_CREATOR},
    {"priority", JQL_F_PRIORITY},
    {"labels", JQL_F_LABELS},
    {"label", JQL_F_LABELS},
    {"created", JQL_F_CREATED},
    {"createdDate", JQL_F_CREATED},
    {"updated", JQL_F_UPDATED},
    {"updatedDate", JQL_F_UPDATED},
    {"resolution", JQL_F_RESOLUTION},
    {"resolved", JQL_F_RESOLVED},
    {"resolutionDate", JQL_F_RESOLVED},
    {"due", JQL_F_DUE},
    {"duedate", JQL_F_DUE},
    {"sprint", JQL_F_SPRINT},
    {"parent", JQL_F_PARENT},
    {"text", JQL_F_TEXT},
    {"summary", JQL_F_SUMMARY},
    {"description", JQL_F_DESCRIPTION},
    {"comment", JQL_F_COMMENT},
    {"component", JQL_F_COMPONENT},
    {"fixVersion", JQL_F_FIXVERSION},
    {"affectedVersion", JQL_F_AFFECTEDVERSION},
    {"environment", JQL_F_ENVIRONMENT},
    {"watcher", JQL_F_WATCHER},
    {"Epic Link", JQL_F_EPICLINK},
    {"rank", JQL_F_RANK},
    {"workRatio", JQL_F_WORKRATIO},
    {"originalEstimate", JQL_F_ORIGINALESTIMATE},
    {"timeoriginalestimate", JQL_F_ORIGINALESTIMATE},
    {"remainingEstimate", JQL_F_REMAININGESTIMATE},
    {"timeestimate", JQL_F_REMAININGESTIMATE},
    {"timeSpent", JQL_F_TIMESPENT},
};

const char *jql_field_name(jql_field_id_t id)
{
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (fields[i].id == id)
            return fields[i].name;
    return "";
}

/* Digits only, 1..18 of them, into *out. */
static int all_digits(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* What a field's name says: a system field (any case), customfield_N or cf[N] (written
 * in quotes), or a name for the evaluator to resolve. */
static void resolve_field(jql_field_t *f)
{
    f->id = JQL_F_NAMED;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (strlen(fields[i].name) == f->len && !strncasecmp(f->name, fields[i].name, f->len)) {
            f->id = fields[i].id;
            return;
        }
    }
    if (f->len > 12 && !strncasecmp(f->name, "customfield_", 12) && all_digits(f->name + 12, f->len - 12, &f->cf)) {
        f->id = JQL_F_CUSTOM;
        return;
    }
    if (f->len > 4 && !strncasecmp(f->name, "cf[", 3) && f->name[f->len - 1] == ']' &&
        all_digits(f->name + 3, f->len - 4, &f->cf))
        f->id = JQL_F_CUSTOM;
}

static int parse_field(parser_t *p, jql_field_t *f)
{
    tok_t *t = peek(p);
    memset(f, 0, sizeof *f);
    f->pos = t->pos;
    if ((t->type == T_RESERVED || t->type == T_WORD) && !t->escaped && t->vlen == 2 && !strncasecmp(t->val, "cf", 2)) {
        next(p);
        tok_t *b = next(p);
        tok_t *id = peek(p);
        if (b->type != T_LBRACKET || id->type != T_NUMBER || id->num < 0) {
            const tok_t *at = b->type != T_LBRACKET ? b : id;
            if (at->type == T_EOF)
                return fail_at(p, JQL_ESYNTAX, NULL,
                               "Expecting a custom field id enclosed by '[ ]' after 'cf'. Example: 'cf[10021]'.");
            return fail_at(p, JQL_ESYNTAX, &at->pos,
                           "Expecting a custom field id enclosed by '[ ]' after 'cf'. Example: 'cf[10021]'.");
        }
        next(p);
        tok_t *e = next(p);
        if (e->type != T_RBRACKET)
            return expecting(p, e, "']'", "");
        f->id = JQL_F_CUSTOM;
        f->cf = id->num;
        f->name = arena_printf(p->a, "cf[%lld]", (long long)id->num);
        if (!f->name)
            return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
        f->len = strlen(f->name);
        return 0;
    }
    switch (t->type) {
    case T_WORD:
    case T_QSTRING:
    case T_NUMBER:
        if (t->vlen == 0)
            return fail_at(p, JQL_ESYNTAX, &t->pos, "A field name cannot be empty.");
        next(p);
        f->name = t->val;
        f->len = t->vlen;
        resolve_field(f);
        return 0;
    case T_RESERVED: return reserved_word(p, t);
    case T_LBRACKET: return fail_at(p, JQL_ESYNTAX, &t->pos, "Expecting a field name but got '['. Did you mean 'cf['?");
    case T_EOF: return fail_at(p, JQL_ESYNTAX, NULL, "Expecting a field name before the end of the query.");
    default: return expecting_quoted(p, t, "a field name", "a field name");
    }
}

/* ---- values ---- */

static jql_value_t *new_value(parser_t *p, jql_value_kind_t k, const tok_t *t)
{
    jql_value_t *v = arena_calloc(p->a, sizeof *v);
    if (!v)
        return NULL;
    v->kind = k;
    v->pos = t->pos;
    v->str = t->val ? t->val : "";
    v->len = t->vlen;
    v->num = t->num;
    v->quoted = t->type == T_QSTRING;
    return v;
}

/* A growable array of pointers in the arena, capped at `max`. */
typedef struct vec {
    void **v;
    size_t n, cap;
} vec_t;

static int vec_push(parser_t *p, vec_t *v, void *x)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 4;
        void **nv = arena_alloc(p->a, nc * sizeof *nv);
        if (!nv)
            return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
        if (v->n)
            memcpy(nv, v->v, v->n * sizeof *nv);
        v->v = nv;
        v->cap = nc;
    }
    v->v[v->n++] = x;
    return 0;
}

static int parse_func(parser_t *p, jql_value_t **out)
{
    tok_t *name = next(p);
    if (name->vlen == 0)
        return fail_at(p, JQL_ESYNTAX, &name->pos, "A function name cannot be empty.");
    next(p); /* ( */
    jql_value_t *fv = new_value(p, JQL_V_FUNC, name);
    if (!fv)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    fv->quoted = 0;
    vec_t args = {0};
    tok_t *t = peek(p);
    if (t->type == T_RPAREN) {
        next(p);
        *out = fv;
        return 0;
    }
    for (;;) {
        t = peek(p);
        if (t->type == T_WORD || t->type == T_QSTRING || t->type == T_NUMBER) {
            next(p);
            int r = count_value(p, t);
            if (r)
                return r;
            if (args.n >= JQL_MAX_LIST)
                return fail_at(p, JQL_ELIMIT, &t->pos, "A function has too many arguments: kiln allows %u.",
                               JQL_MAX_LIST);
            jql_value_t *a = new_value(p, t->type == T_NUMBER ? JQL_V_NUMBER : JQL_V_STRING, t);
            if (!a || vec_push(p, &args, a))
                return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
        } else if (t->type == T_RESERVED) {
            return reserved_word(p, t);
        } else if (args.n == 0) {
            return expecting(p, t, "')'", "");
        } else {
            return expecting_quoted(p, t, "a function argument", "a value");
        }
        t = next(p);
        if (t->type == T_RPAREN)
            break;
        if (t->type == T_EOF)
            return expecting(p, t, "')'", "");
        if (t->type != T_COMMA)
            return expecting(p, t, "')' or ','", "");
    }
    fv->items = (jql_value_t **)args.v;
    fv->n = args.n;
    *out = fv;
    return 0;
}

static int parse_operand(parser_t *p, jql_value_t **out)
{
    tok_t *t = peek(p);
    int r;
    switch (t->type) {
    case K_EMPTY:
        next(p);
        if ((r = count_value(p, t)))
            return r;
        *out = new_value(p, JQL_V_EMPTY, t);
        break;
    case T_WORD:
    case T_QSTRING:
        if ((r = count_value(p, t)))
            return r;
        if (peek2(p)->type == T_LPAREN)
            return parse_func(p, out);
        next(p);
        *out = new_value(p, JQL_V_STRING, t);
        break;
    case T_NUMBER:
        next(p);
        if ((r = count_value(p, t)))
            return r;
        *out = new_value(p, JQL_V_NUMBER, t);
        break;
    case T_RESERVED: return reserved_word(p, t);
    case T_LPAREN: {
        next(p);
        if ((r = enter(p, t)))
            return r;
        jql_value_t *lv = new_value(p, JQL_V_LIST, t);
        if (!lv)
            return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
        lv->str = "";
        lv->len = 0;
        vec_t items = {0};
        for (;;) {
            jql_value_t *item;
            tok_t *it = peek(p);
            if ((r = parse_operand(p, &item)))
                return r;
            if (items.n >= JQL_MAX_LIST)
                return fail_at(p, JQL_ELIMIT, &it->pos, "A list has too many values: kiln allows %u in one list.",
                               JQL_MAX_LIST);
            if ((r = vec_push(p, &items, item)))
                return r;
            tok_t *s = next(p);
            if (s->type == T_RPAREN)
                break;
            if (s->type != T_COMMA)
                return expecting(p, s, "')' or ','", "");
        }
        p->depth--;
        lv->items = (jql_value_t **)items.v;
        lv->n = items.n;
        *out = lv;
        return 0;
    }
    default: return expecting_quoted(p, t, "either a value, list or function", "a value");
    }
    if (!*out)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    return 0;
}

/* ---- clauses ---- */

static const struct {
    tok_type_t t;
    jql_op_t op;
} simple_ops[] = {
    {T_EQ, JQL_OP_EQ}, {T_NE, JQL_OP_NE}, {T_GT, JQL_OP_GT},     {T_GE, JQL_OP_GE},
    {T_LT, JQL_OP_LT}, {T_LE, JQL_OP_LE}, {T_LIKE, JQL_OP_LIKE}, {T_NLIKE, JQL_OP_NOT_LIKE},
};

static int parse_op(parser_t *p, jql_op_t *op)
{
    tok_t *t = next(p);
    for (size_t i = 0; i < sizeof simple_ops / sizeof *simple_ops; i++) {
        if (simple_ops[i].t == t->type) {
            *op = simple_ops[i].op;
            return 0;
        }
    }
    switch (t->type) {
    case K_IN: *op = JQL_OP_IN; return 0;
    case K_NOT:
        t = next(p);
        if (t->type == K_IN) {
            *op = JQL_OP_NOT_IN;
            return 0;
        }
        break;
    case K_IS:
        *op = JQL_OP_IS;
        if (peek(p)->type == K_NOT) {
            next(p);
            *op = JQL_OP_IS_NOT;
        }
        return 0;
    case K_WAS: {
        int no = 0, in = 0;
        if (peek(p)->type == K_NOT) {
            next(p);
            no = 1;
        }
        if (peek(p)->type == K_IN) {
            next(p);
            in = 1;
        }
        *op = no ? (in ? JQL_OP_WAS_NOT_IN : JQL_OP_WAS_NOT) : (in ? JQL_OP_WAS_IN : JQL_OP_WAS);
        return 0;
    }
    case K_CHANGED: *op = JQL_OP_CHANGED; return 0;
    case T_RESERVED: return reserved_word(p, t);
    default: break;
    }
    return expecting(p, t, "operator", JQL_VALID_OPS);
}

static const struct {
    tok_type_t t;
    jql_pred_kind_t k;
} preds[] = {
    {K_AFTER, JQL_P_AFTER}, {K_BEFORE, JQL_P_BEFORE}, {K_ON, JQL_P_ON}, {K_DURING, JQL_P_DURING},
    {K_BY, JQL_P_BY},       {K_FROM, JQL_P_FROM},     {K_TO, JQL_P_TO},
};

static int is_history(jql_op_t op)
{
    return op >= JQL_OP_WAS && op <= JQL_OP_CHANGED;
}

static int parse_clause(parser_t *p, jql_node_t **out)
{
    jql_node_t *n = arena_calloc(p->a, sizeof *n);
    if (!n)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    n->kind = JQL_N_CLAUSE;
    n->pos = peek(p)->pos;
    if (++p->nclauses > JQL_MAX_CLAUSES)
        return fail_at(p, JQL_ELIMIT, &n->pos, "The query has too many clauses: kiln allows %u.", JQL_MAX_CLAUSES);
    int r = parse_field(p, &n->field);
    if (!r)
        r = parse_op(p, &n->op);
    if (!r && n->op != JQL_OP_CHANGED)
        r = parse_operand(p, &n->value);
    if (r)
        return r;
    if (is_history(n->op)) {
        jql_pred_t tmp[JQL_P__COUNT * 2];
        size_t np = 0;
        for (;;) {
            tok_t *t = peek(p);
            size_t k = 0;
            while (k < sizeof preds / sizeof *preds && preds[k].t != t->type)
                k++;
            if (k == sizeof preds / sizeof *preds)
                break;
            if (np == sizeof tmp / sizeof *tmp)
                return fail_at(p, JQL_ELIMIT, &t->pos, "A clause has too many history predicates: kiln allows %zu.",
                               sizeof tmp / sizeof *tmp);
            next(p);
            tmp[np].kind = preds[k].k;
            tmp[np].pos = t->pos;
            if ((r = parse_operand(p, &tmp[np].value)))
                return r;
            np++;
        }
        if (np) {
            n->preds = arena_alloc(p->a, np * sizeof *n->preds);
            if (!n->preds)
                return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
            memcpy(n->preds, tmp, np * sizeof *n->preds);
            n->npreds = np;
        }
    }
    *out = n;
    return 0;
}

static int parse_or(parser_t *p, jql_node_t **out);

static int parse_not(parser_t *p, jql_node_t **out)
{
    tok_t *t = peek(p);
    int r;
    if (t->type == K_NOT || t->type == T_BANG) {
        next(p);
        if ((r = enter(p, t)))
            return r;
        jql_node_t *n = arena_calloc(p->a, sizeof *n);
        jql_node_t **kid = arena_alloc(p->a, sizeof *kid);
        if (!n || !kid)
            return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
        if ((r = parse_not(p, kid)))
            return r;
        p->depth--;
        n->kind = JQL_N_NOT;
        n->pos = t->pos;
        n->kids = kid;
        n->n = 1;
        *out = n;
        return 0;
    }
    if (t->type == T_LPAREN) {
        next(p);
        if ((r = enter(p, t)))
            return r;
        if ((r = parse_or(p, out)))
            return r;
        tok_t *e = next(p);
        if (e->type == T_EOF)
            return expecting(p, e, "')'", "");
        if (e->type != T_RPAREN)
            return expecting(p, e, "either 'OR' or 'AND'", "");
        p->depth--;
        return 0;
    }
    return parse_clause(p, out);
}

/* One level of AND or OR: kids joined by `kind`, a nested node of the same kind folded in. */
static int parse_join(parser_t *p, jql_node_t **out, jql_node_kind_t kind)
{
    tok_type_t kw = kind == JQL_N_OR ? K_OR : K_AND, sym = kind == JQL_N_OR ? T_PIPE : T_AMP;
    vec_t kids = {0};
    jql_pos_t pos = peek(p)->pos;
    for (;;) {
        jql_node_t *k;
        int r = kind == JQL_N_OR ? parse_join(p, &k, JQL_N_AND) : parse_not(p, &k);
        if (r)
            return r;
        if (k->kind == kind) {
            for (size_t i = 0; i < k->n; i++)
                if ((r = vec_push(p, &kids, k->kids[i])))
                    return r;
        } else if ((r = vec_push(p, &kids, k))) {
            return r;
        }
        tok_t *t = peek(p);
        if (t->type != kw && t->type != sym)
            break;
        next(p);
    }
    if (kids.n == 1) {
        *out = kids.v[0];
        return 0;
    }
    jql_node_t *n = arena_calloc(p->a, sizeof *n);
    if (!n)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    n->kind = kind;
    n->pos = pos;
    n->kids = (jql_node_t **)kids.v;
    n->n = kids.n;
    *out = n;
    return 0;
}

static int parse_or(parser_t *p, jql_node_t **out)
{
    return parse_join(p, out, JQL_N_OR);
}

static int parse_order(parser_t *p, jql_query_t *q)
{
    next(p); /* ORDER */
    tok_t *t = next(p);
    if (t->type != K_BY)
        return expecting(p, t, "'BY'", "");
    jql_sort_t tmp[JQL_MAX_SORT];
    size_t n = 0;
    for (;;) {
        t = peek(p);
        if (n == JQL_MAX_SORT)
            return fail_at(p, JQL_ELIMIT, &t->pos, "ORDER BY has too many fields: kiln allows %u.", JQL_MAX_SORT);
        int r = parse_field(p, &tmp[n].field);
        if (r)
            return r;
        tmp[n].dir = 0;
        t = next(p);
        if (t->type == K_ASC || t->type == K_DESC) {
            tmp[n].dir = t->type == K_ASC ? 1 : -1;
            t = next(p);
            n++;
            if (t->type == T_EOF)
                break;
            if (t->type != T_COMMA)
                return expecting(p, t, "','", "");
            continue;
        }
        n++;
        if (t->type == T_EOF)
            break;
        if (t->type != T_COMMA)
            return expecting(p, t, "'ASC' or 'DESC'", "");
    }
    q->order = arena_alloc(p->a, n * sizeof *q->order);
    if (!q->order)
        return fail_at(p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    memcpy(q->order, tmp, n * sizeof *q->order);
    q->norder = n;
    return 0;
}

int jql_parse(arena_t *a, const char *q, size_t len, jql_query_t **out, jql_error_t *err)
{
    parser_t p = {.a = a, .q = q, .len = len, .err = err};
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (len > JQL_MAX_LEN)
        return fail_at(&p, JQL_ELIMIT, NULL, "The query is too long: %zu bytes, and kiln allows %u.", len, JQL_MAX_LEN);
    int r = lex_all(&p);
    if (r)
        return r;
    jql_query_t *res = arena_calloc(a, sizeof *res);
    if (!res)
        return fail_at(&p, JQL_ENOMEM, NULL, "The query needs more memory than kiln allows.");
    tok_t *t = peek(&p);
    if (t->type != T_EOF && t->type != K_ORDER) {
        if ((r = parse_or(&p, &res->where)))
            return r;
        t = peek(&p);
        if (t->type != T_EOF && t->type != K_ORDER)
            return expecting(&p, t, "either 'OR' or 'AND'", "");
    }
    if (t->type == K_ORDER && (r = parse_order(&p, res)))
        return r;
    res->nclauses = p.nclauses;
    *out = res;
    return JQL_OK;
}

/* ---- the canonical printer ---- */

static const char *const op_names[JQL_OP__COUNT] = {
    [JQL_OP_EQ] = "=",
    [JQL_OP_NE] = "!=",
    [JQL_OP_GT] = ">",
    [JQL_OP_GE] = ">=",
    [JQL_OP_LT] = "<",
    [JQL_OP_LE] = "<=",
    [JQL_OP_LIKE] = "~",
    [JQL_OP_NOT_LIKE] = "!~",
    [JQL_OP_IN] = "IN",
    [JQL_OP_NOT_IN] = "NOT IN",
    [JQL_OP_IS] = "IS",
    [JQL_OP_IS_NOT] = "IS NOT",
    [JQL_OP_WAS] = "WAS",
    [JQL_OP_WAS_NOT] = "WAS NOT",
    [JQL_OP_WAS_IN] = "WAS IN",
    [JQL_OP_WAS_NOT_IN] = "WAS NOT IN",
    [JQL_OP_CHANGED] = "CHANGED",
};

static const char *const pred_names[JQL_P__COUNT] = {
    [JQL_P_AFTER] = "AFTER", [JQL_P_BEFORE] = "BEFORE", [JQL_P_ON] = "ON", [JQL_P_DURING] = "DURING",
    [JQL_P_BY] = "BY",       [JQL_P_FROM] = "FROM",     [JQL_P_TO] = "TO",
};

const char *jql_op_name(jql_op_t op)
{
    return op < JQL_OP__COUNT ? op_names[op] : "?";
}
const char *jql_pred_name(jql_pred_kind_t k)
{
    return k < JQL_P__COUNT ? pred_names[k] : "?";
}

/* A string in double quotes with the escapes that make it lex back to the same bytes. */
static int print_quoted(buf_t *b, const char *s, size_t n)
{
    int r = buf_add(b, "\"", 1);
    for (size_t i = 0; i < n && !r;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k = utf8_dec((const unsigned char *)s + i, n - i, &cp);
        if (c == '"')
            r = buf_adds(b, "\\\"");
        else if (c == '\\')
            r = buf_adds(b, "\\\\");
        else if (c == '\n')
            r = buf_adds(b, "\\n");
        else if (c == '\t')
            r = buf_adds(b, "\\t");
        else if (c == '\r')
            r = buf_adds(b, "\\r");
        else if (k && is_illegal_cp(cp))
            r = buf_printf(b, "\\u%04X", cp);
        else if (!k)
            r = buf_printf(b, "\\u%04X", 0xFFFD); /* cannot come from the lexer */
        else
            r = buf_add(b, s + i, k);
        i += k ? k : 1;
    }
    return r ? r : buf_add(b, "\"", 1);
}

/* A name the lexer reads back as the same word: ASCII word characters only, no keyword,
 * no reserved word, no number. */
static int bare_ok(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    int digits = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
        if (!(c >= '0' && c <= '9') && !(i == 0 && c == '-'))
            digits = 0;
    }
    if (digits)
        return 0;
    if (jql_is_reserved(s, n))
        return 0;
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i].w) == n && !strncasecmp(s, keywords[i].w, n))
            return 0;
    return 1;
}

static int print_name(buf_t *b, const char *s, size_t n)
{
    return bare_ok(s, n) ? buf_add(b, s, n) : print_quoted(b, s, n);
}

static int print_field(buf_t *b, const jql_field_t *f)
{
    if (f->id == JQL_F_CUSTOM)
        return buf_printf(b, "cf[%lld]", (long long)f->cf);
    if (f->id == JQL_F_NAMED)
        return print_name(b, f->name, f->len);
    const char *c = jql_field_name(f->id);
    return print_name(b, c, strlen(c));
}

static int print_value(buf_t *b, const jql_value_t *v)
{
    int r = 0;
    switch (v->kind) {
    case JQL_V_STRING: return print_quoted(b, v->str, v->len);
    case JQL_V_NUMBER: /* as written: a field that reads the text (a duration, a label) sees
                          "-00" or "007" as the query had it (fuzz_jql found `-00` printed as 0) */
        return v->len ? buf_add(b, v->str, v->len) : buf_printf(b, "%lld", (long long)v->num);
    case JQL_V_EMPTY: return buf_adds(b, "EMPTY");
    case JQL_V_FUNC:
        r = print_name(b, v->str, v->len);
        r = r ? r : buf_adds(b, "(");
        for (size_t i = 0; i < v->n && !r; i++) {
            if (i)
                r = buf_adds(b, ", ");
            if (!r)
                r = print_value(b, v->items[i]);
        }
        return r ? r : buf_adds(b, ")");
    case JQL_V_LIST:
        r = buf_adds(b, "(");
        for (size_t i = 0; i < v->n && !r; i++) {
            if (i)
                r = buf_adds(b, ", ");
            if (!r)
                r = print_value(b, v->items[i]);
        }
        return r ? r : buf_adds(b, ")");
    }
    return -1;
}

static int print_node(buf_t *b, const jql_node_t *n)
{
    int r = 0;
    switch (n->kind) {
    case JQL_N_CLAUSE:
        r = print_field(b, &n->field);
        r = r ? r : buf_printf(b, " %s", jql_op_name(n->op));
        if (!r && n->value) {
            r = buf_adds(b, " ");
            r = r ? r : print_value(b, n->value);
        }
        for (size_t i = 0; i < n->npreds && !r; i++) {
            r = buf_printf(b, " %s ", jql_pred_name(n->preds[i].kind));
            r = r ? r : print_value(b, n->preds[i].value);
        }
        return r;
    case JQL_N_NOT: {
        const jql_node_t *k = n->kids[0];
        int paren = k->kind == JQL_N_AND || k->kind == JQL_N_OR;
        r = buf_adds(b, paren ? "NOT (" : "NOT ");
        r = r ? r : print_node(b, k);
        return r ? r : (paren ? buf_adds(b, ")") : 0);
    }
    case JQL_N_AND:
    case JQL_N_OR:
        for (size_t i = 0; i < n->n && !r; i++) {
            if (i)
                r = buf_adds(b, n->kind == JQL_N_AND ? " AND " : " OR ");
            /* AND binds tighter than OR: only an OR inside an AND needs parentheses */
            int paren = n->kind == JQL_N_AND && n->kids[i]->kind == JQL_N_OR;
            if (!r && paren)
                r = buf_adds(b, "(");
            if (!r)
                r = print_node(b, n->kids[i]);
            if (!r && paren)
                r = buf_adds(b, ")");
        }
        return r;
    }
    return -1;
}

int jql_print(const jql_query_t *q, buf_t *b)
{
    int r = 0;
    if (q->where)
        r = print_node(b, q->where);
    if (!r && q->norder) {
        r = buf_adds(b, q->where ? " ORDER BY " : "ORDER BY ");
        for (size_t i = 0; i < q->norder && !r; i++) {
            if (i)
                r = buf_adds(b, ", ");
            r = r ? r : print_field(b, &q->order[i].field);
            if (!r && q->order[i].dir)
                r = buf_adds(b, q->order[i].dir > 0 ? " ASC" : " DESC");
        }
    }
    return r ? -1 : 0;
}
