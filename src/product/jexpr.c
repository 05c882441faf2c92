/* Jira expressions, the subset Forge trigger filters use: a lexer into a token array, a
 * Pratt parser into an AST in the caller's arena, and an evaluator over jansson values
 * (jexpr.h). Semantics follow Jira's where the subset has them: values compare by value
 * (numbers as numbers, 1 == 1.0), a property of null is an error ("Type null does not have
 * any properties") unless reached through ?. (which short-circuits the rest of the chain to
 * null, as JavaScript's does), a property an object does not have is null, `<` and
 * friends compare two numbers or two strings and fail on anything else. */
#include "product/jexpr.h"

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JEXPR_LOCALS_MAX 32      /* arrow-function parameters in scope at once */
#define JEXPR_ARGS_MAX 4         /* arguments of a method call */
#define JEXPR_STR_MAX (64 << 10) /* bytes of a string a step may build */
#define JEXPR_LIST_MAX 10000     /* items of a list a step may build */
#define JEXPR_REGEX_MAX 256      /* bytes of a match() pattern */
#define JEXPR_REGEX_QUANT_MAX 32 /* quantifiers (* + ? {n,m}) in a match() pattern */
#define JEXPR_REGEX_COUNT_MAX 32 /* the largest n or m of {n,m} */
#define JEXPR_STR_(x) #x
#define JEXPR_STR(x) JEXPR_STR_(x)

/* ---- tokens ---- */

typedef enum {
    T_END,
    T_NUM,
    T_STR,
    T_ID,
    T_LP,
    T_RP,
    T_LB,
    T_RB,
    T_DOT,
    T_QDOT,
    T_COMMA,
    T_COLON,
    T_Q,
    T_QQ,
    T_NOT,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_AND,
    T_OR,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PCT,
    T_ARROW,
} tok_kind_t;

typedef struct {
    tok_kind_t k;
    unsigned line, col;
    const char *p; /* T_ID: the name; T_STR: the decoded string (arena) */
    size_t len;
    double num;
} tok_t;

static const struct {
    const char *s;
    tok_kind_t k;
} puncts[] = {
    /* longest first */
    {"?.", T_QDOT}, {"??", T_QQ},    {"==", T_EQ},   {"!=", T_NE}, {"<=", T_LE}, {">=", T_GE}, {"&&", T_AND},
    {"||", T_OR},   {"=>", T_ARROW}, {"(", T_LP},    {")", T_RP},  {"[", T_LB},  {"]", T_RB},  {".", T_DOT},
    {",", T_COMMA}, {":", T_COLON},  {"?", T_Q},     {"!", T_NOT}, {"<", T_LT},  {">", T_GT},  {"+", T_PLUS},
    {"-", T_MINUS}, {"*", T_STAR},   {"/", T_SLASH}, {"%", T_PCT},
};

static const char *tok_name(tok_kind_t k)
{
    switch (k) {
    case T_END: return "the end of the expression";
    case T_NUM: return "a number";
    case T_STR: return "a string";
    case T_ID: return "a name";
    default: break;
    }
    for (size_t i = 0; i < sizeof puncts / sizeof *puncts; i++)
        if (puncts[i].k == k)
            return puncts[i].s;
    return "?";
}

/* ---- the AST ---- */

typedef enum {
    N_NUM,
    N_STR,
    N_BOOL,
    N_NULL,
    N_LIST,
    N_VAR,    /* a free variable: a member of vars */
    N_LOCAL,  /* an arrow function's parameter */
    N_MEMBER, /* a.name, a?.name */
    N_INDEX,  /* a[i], a?.[i] */
    N_CALL,   /* a.method(args), a?.method(args) */
    N_CHAIN,  /* the top of a chain with ?.: its short-circuit becomes null */
    N_ARROW,  /* (x, i) => body: only as a method's argument */
    N_NOT,
    N_NEG,
    N_BIN,
    N_AND,
    N_OR,
    N_COALESCE,
    N_COND,
} node_kind_t;

typedef struct node node_t;
struct node {
    node_kind_t k;
    unsigned line, col;
    tok_kind_t op; /* N_BIN */
    int optional;  /* N_MEMBER, N_INDEX, N_CALL: reached through ?. */
    int slot;      /* N_LOCAL: its slot; N_ARROW: the first parameter's */
    int method;    /* N_CALL: index in methods[] */
    double num;    /* N_NUM, N_BOOL */
    const char *s; /* N_STR, N_VAR, N_MEMBER, N_CALL */
    size_t len;
    node_t *a, *b, *c; /* operands; N_MEMBER/N_INDEX/N_CALL: a is the object, b the index */
    node_t **kids;     /* N_LIST items, N_CALL arguments */
    size_t n;
    int nparams; /* N_ARROW */
    unsigned h;  /* height: the evaluator recurses this deep */
};

typedef struct {
    const char *name;
    size_t len;
    unsigned line, col;
} freevar_t;

struct jexpr {
    node_t *root;
    freevar_t *vars;
    size_t nvars;
};

/* ---- methods: a table of name, receiver types, arity and whether the argument is a
 * function ---- */

enum { R_STR = 1, R_LIST = 2 };

typedef struct ev ev_t;
typedef json_t *(*method_fn)(ev_t *e, const node_t *call, json_t *recv, json_t **argv);

static json_t *m_includes(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_starts(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_ends(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_lower(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_upper(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_trim(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_split(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_match(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_indexof(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_slice(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_join(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_flatten(ev_t *, const node_t *, json_t *, json_t **);
static json_t *m_iter(ev_t *, const node_t *, json_t *, json_t **);

enum { IT_SOME, IT_EVERY, IT_FILTER, IT_MAP, IT_FIND };

static const struct method {
    const char *name;
    int recv;     /* R_* the method exists on */
    int min, max; /* arguments */
    int fn_arg;   /* the one argument is an arrow function */
    int iter;     /* m_iter: IT_* */
    method_fn fn;
} methods[] = {
    {"includes", R_STR | R_LIST, 1, 1, 0, 0, m_includes},
    {"startsWith", R_STR, 1, 1, 0, 0, m_starts},
    {"endsWith", R_STR, 1, 1, 0, 0, m_ends},
    {"toLowerCase", R_STR, 0, 0, 0, 0, m_lower},
    {"toUpperCase", R_STR, 0, 0, 0, 0, m_upper},
    {"trim", R_STR, 0, 0, 0, 0, m_trim},
    {"split", R_STR, 0, 1, 0, 0, m_split},
    {"match", R_STR, 1, 1, 0, 0, m_match},
    {"indexOf", R_STR | R_LIST, 1, 1, 0, 0, m_indexof},
    {"slice", R_STR | R_LIST, 1, 2, 0, 0, m_slice},
    {"join", R_LIST, 0, 1, 0, 0, m_join},
    {"flatten", R_LIST, 0, 0, 0, 0, m_flatten},
    {"some", R_LIST, 1, 1, 1, IT_SOME, m_iter},
    {"every", R_LIST, 1, 1, 1, IT_EVERY, m_iter},
    {"filter", R_LIST, 1, 1, 1, IT_FILTER, m_iter},
    {"map", R_LIST, 1, 1, 1, IT_MAP, m_iter},
    {"find", R_LIST, 1, 1, 1, IT_FIND, m_iter},
};

static int method_find(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (strlen(methods[i].name) == len && memcmp(methods[i].name, s, len) == 0)
            return (int)i;
    return -1;
}

/* ---- the lexer ---- */

typedef struct {
    arena_t *a;
    const char *src;
    size_t len, pos;
    unsigned line, col;
    jexpr_err_t *err;
    tok_t *toks;
    size_t ntoks, cap;
    /* the parser */
    size_t at;
    int depth;
    const char *scope[JEXPR_LOCALS_MAX];
    size_t scope_len[JEXPR_LOCALS_MAX];
    int nscope;
    freevar_t *vars;
    size_t nvars, vars_cap;
} ps_t;

static int fail_at(ps_t *p, unsigned line, unsigned col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(ps_t *p, unsigned line, unsigned col, const char *fmt, ...)
{
    p->err->line = line;
    p->err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static void adv(ps_t *p, size_t n)
{
    for (size_t i = 0; i < n && p->pos < p->len; i++, p->pos++) {
        unsigned char c = (unsigned char)p->src[p->pos];
        if (c == '\n') {
            p->line++;
            p->col = 1;
        } else if ((c & 0xC0) != 0x80) /* columns count characters, not UTF-8 bytes */
            p->col++;
    }
}

static int is_id0(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
static int is_id(int c)
{
    return is_id0(c) || (c >= '0' && c <= '9');
}
static int hexv(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static size_t utf8_put(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* A quoted string; p->pos at the quote. Decodes \n \t \r \\ \' \" \/ \uXXXX. */
static int lex_string(ps_t *p, tok_t *t)
{
    char q = p->src[p->pos];
    unsigned l0 = p->line, c0 = p->col;
    adv(p, 1);
    char *out = arena_alloc(p->a, p->len - p->pos + 1);
    if (!out)
        return fail_at(p, l0, c0, "out of memory");
    size_t o = 0;
    for (;;) {
        if (p->pos >= p->len || p->src[p->pos] == '\n')
            return fail_at(p, l0, c0, "unterminated string");
        char c = p->src[p->pos];
        if (c == q) {
            adv(p, 1);
            break;
        }
        if (c != '\\') {
            out[o++] = c;
            adv(p, 1);
            continue;
        }
        unsigned le = p->line, ce = p->col;
        if (p->pos + 1 >= p->len)
            return fail_at(p, l0, c0, "unterminated string");
        char e = p->src[p->pos + 1];
        static const char from[] = "ntr\\'\"/", to[] = "\n\t\r\\'\"/";
        const char *f = e ? strchr(from, e) : NULL;
        if (f) {
            out[o++] = to[f - from];
            adv(p, 2);
        } else if (e == 'u') {
            if (p->pos + 6 > p->len)
                return fail_at(p, le, ce, "bad \\u escape in a string");
            unsigned cp = 0;
            for (int i = 2; i < 6; i++) {
                int h = hexv((unsigned char)p->src[p->pos + i]);
                if (h < 0)
                    return fail_at(p, le, ce, "bad \\u escape in a string");
                cp = cp << 4 | (unsigned)h;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return fail_at(p, le, ce, "bad \\u escape in a string");
            o += utf8_put(out + o, cp); /* 3 bytes at most for the 6 read */
            adv(p, 6);
        } else
            return fail_at(p, le, ce, "bad escape \\%c in a string", e >= 32 && e < 127 ? e : '?');
    }
    out[o] = 0;
    t->k = T_STR;
    t->p = out;
    t->len = o;
    return 0;
}

static int lex(ps_t *p)
{
    for (;;) {
        while (p->pos < p->len && strchr(" \t\r\n", p->src[p->pos]) && p->src[p->pos])
            adv(p, 1);
        if (p->ntoks == p->cap) {
            size_t ncap = p->cap ? p->cap * 2 : 32;
            tok_t *n = arena_alloc(p->a, ncap * sizeof *n);
            if (!n)
                return fail_at(p, p->line, p->col, "out of memory");
            if (p->ntoks)
                memcpy(n, p->toks, p->ntoks * sizeof *n);
            p->toks = n;
            p->cap = ncap;
        }
        tok_t *t = &p->toks[p->ntoks];
        memset(t, 0, sizeof *t);
        t->line = p->line;
        t->col = p->col;
        if (p->pos >= p->len) {
            t->k = T_END;
            p->ntoks++;
            return 0;
        }
        const char *s = p->src + p->pos;
        unsigned char c = (unsigned char)*s;
        if (c == '\'' || c == '"') {
            if (lex_string(p, t) != 0)
                return -1;
        } else if (c >= '0' && c <= '9') {
            size_t n = 0;
            while (p->pos + n < p->len && s[n] >= '0' && s[n] <= '9')
                n++;
            if (p->pos + n + 1 < p->len && s[n] == '.' && s[n + 1] >= '0' && s[n + 1] <= '9') {
                n++;
                while (p->pos + n < p->len && s[n] >= '0' && s[n] <= '9')
                    n++;
            }
            if (p->pos + n < p->len && (is_id(s[n]) || s[n] == '.'))
                if (!(s[n] == '.' && p->pos + n + 1 < p->len && is_id0(s[n + 1])))
                    return fail_at(p, t->line, t->col, "malformed number");
            char buf[64];
            if (n >= sizeof buf)
                return fail_at(p, t->line, t->col, "number too long");
            memcpy(buf, s, n);
            buf[n] = 0;
            t->k = T_NUM;
            t->num = strtod(buf, NULL);
            adv(p, n);
        } else if (is_id0(c)) {
            size_t n = 0;
            while (p->pos + n < p->len && is_id(s[n]))
                n++;
            t->k = T_ID;
            t->p = s;
            t->len = n;
            adv(p, n);
        } else {
            if (p->pos + 3 <= p->len && (memcmp(s, "===", 3) == 0 || memcmp(s, "!==", 3) == 0))
                return fail_at(p, t->line, t->col, "'%.3s' is not an operator here: compare with %.2s", s,
                               c == '=' ? "==" : "!=");
            size_t i;
            for (i = 0; i < sizeof puncts / sizeof *puncts; i++) {
                size_t n = strlen(puncts[i].s);
                if (p->pos + n <= p->len && memcmp(s, puncts[i].s, n) == 0)
                    break;
            }
            if (i == sizeof puncts / sizeof *puncts) {
                if (c == '=')
                    return fail_at(p, t->line, t->col, "'=' is not an operator here: compare with ==");
                if (c >= 32 && c < 127)
                    return fail_at(p, t->line, t->col, "unexpected character '%c'", c);
                return fail_at(p, t->line, t->col, "unexpected character (byte 0x%02x)", c);
            }
            /* ?. followed by a digit is ? then a number (a ? .5 : b is not in the subset
             * anyway, but JavaScript reads it so) */
            t->k = puncts[i].k;
            adv(p, strlen(puncts[i].s));
        }
        p->ntoks++;
    }
}

/* ---- the parser ---- */

static const tok_t *peek(ps_t *p)
{
    return &p->toks[p->at];
}
static const tok_t *next(ps_t *p)
{
    return &p->toks[p->at < p->ntoks - 1 ? p->at++ : p->at];
}

static int expect(ps_t *p, tok_kind_t k, const char *what)
{
    const tok_t *t = peek(p);
    if (t->k != k)
        return fail_at(p, t->line, t->col, "%s expected, %s found", what, tok_name(t->k));
    next(p);
    return 0;
}

static node_t *mk(ps_t *p, node_kind_t k, const tok_t *at)
{
    node_t *n = arena_calloc(p->a, sizeof *n);
    if (!n) {
        fail_at(p, at->line, at->col, "out of memory");
        return NULL;
    }
    n->k = k;
    n->line = at->line;
    n->col = at->col;
    return n;
}

static node_t *parse_expr(ps_t *p, int minbp);

/* n's height from its children's: a chain (a.b.c..., 1+1+1...) is built in a loop, not
 * by recursion, so the parser's depth alone does not bound the evaluator's. */
static node_t *tall(ps_t *p, node_t *n)
{
    if (!n)
        return NULL;
    unsigned h = 0;
    const node_t *ch[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++)
        if (ch[i] && ch[i]->h > h)
            h = ch[i]->h;
    for (size_t i = 0; i < n->n; i++)
        if (n->kids[i]->h > h)
            h = n->kids[i]->h;
    n->h = h + 1;
    if (n->h > JEXPR_DEPTH_MAX) {
        fail_at(p, n->line, n->col, "expression nested too deep (more than %d levels)", JEXPR_DEPTH_MAX);
        return NULL;
    }
    return n;
}

static int is_kw(const tok_t *t, const char *kw)
{
    return t->k == T_ID && t->len == strlen(kw) && memcmp(t->p, kw, t->len) == 0;
}

static const char *const reserved[] = {"true", "false", "null", "in", "let", "return", "new", "typeof", "if", "else"};

static int is_reserved(const tok_t *t)
{
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (is_kw(t, reserved[i]))
            return 1;
    return 0;
}

/* Is an arrow function at p->at: `x =>` or `(` [x (, y)*] `) =>`? */
static int arrow_ahead(ps_t *p)
{
    size_t i = p->at;
    if (p->toks[i].k == T_ID)
        return p->toks[i + 1].k == T_ARROW;
    if (p->toks[i].k != T_LP)
        return 0;
    i++;
    if (p->toks[i].k == T_RP)
        return p->toks[i + 1].k == T_ARROW;
    for (;;) {
        if (p->toks[i].k != T_ID)
            return 0;
        i++;
        if (p->toks[i].k == T_RP)
            return p->toks[i + 1].k == T_ARROW;
        if (p->toks[i].k != T_COMMA)
            return 0;
        i++;
    }
}

static node_t *parse_arrow(ps_t *p)
{
    const tok_t *t0 = peek(p);
    node_t *n = mk(p, N_ARROW, t0);
    if (!n)
        return NULL;
    n->slot = p->nscope;
    const tok_t *params[3];
    int np = 0;
    if (t0->k == T_ID)
        params[np++] = next(p);
    else {
        next(p);
        while (peek(p)->k == T_ID) {
            if (np == 2) {
                fail_at(p, peek(p)->line, peek(p)->col, "an arrow function here takes at most 2 parameters");
                return NULL;
            }
            params[np++] = next(p);
            if (peek(p)->k == T_COMMA)
                next(p);
        }
        next(p); /* ) */
    }
    next(p); /* => */
    if (p->nscope + np > JEXPR_LOCALS_MAX) {
        fail_at(p, t0->line, t0->col, "arrow functions nested too deep");
        return NULL;
    }
    for (int i = 0; i < np; i++) {
        if (is_reserved(params[i])) {
            fail_at(p, params[i]->line, params[i]->col, "'%.*s' is reserved", (int)params[i]->len, params[i]->p);
            return NULL;
        }
        p->scope[p->nscope] = params[i]->p;
        p->scope_len[p->nscope] = params[i]->len;
        p->nscope++;
    }
    n->nparams = np;
    n->a = parse_expr(p, 0);
    p->nscope -= np;
    return n->a ? tall(p, n) : NULL;
}

static node_t *parse_list(ps_t *p, tok_kind_t close, const char *what, node_t *n, int allow_arrow)
{
    size_t cap = 0;
    while (peek(p)->k != close) {
        if (n->n == JEXPR_LIST_MAX) {
            fail_at(p, peek(p)->line, peek(p)->col, "too many %s", what);
            return NULL;
        }
        node_t *item = allow_arrow && arrow_ahead(p) ? parse_arrow(p) : parse_expr(p, 0);
        if (!item)
            return NULL;
        if (n->n == cap) {
            cap = cap ? cap * 2 : 4;
            node_t **k = arena_alloc(p->a, cap * sizeof *k);
            if (!k) {
                fail_at(p, item->line, item->col, "out of memory");
                return NULL;
            }
            if (n->n)
                memcpy(k, n->kids, n->n * sizeof *k);
            n->kids = k;
        }
        n->kids[n->n++] = item;
        if (peek(p)->k == T_COMMA)
            next(p);
        else if (peek(p)->k != close) {
            const tok_t *t = peek(p);
            fail_at(p, t->line, t->col, ", or %s expected, %s found", tok_name(close), tok_name(t->k));
            return NULL;
        }
    }
    next(p);
    return n;
}

static node_t *parse_primary(ps_t *p)
{
    const tok_t *t = peek(p);
    node_t *n;
    if (arrow_ahead(p)) {
        fail_at(p, t->line, t->col, "an arrow function is only allowed as the argument of a list method");
        return NULL;
    }
    switch (t->k) {
    case T_NUM:
        next(p);
        if (!(n = mk(p, N_NUM, t)))
            return NULL;
        n->num = t->num;
        return n;
    case T_STR:
        next(p);
        if (!(n = mk(p, N_STR, t)))
            return NULL;
        n->s = t->p;
        n->len = t->len;
        return n;
    case T_LP:
        next(p);
        n = parse_expr(p, 0);
        if (!n || expect(p, T_RP, ")") != 0)
            return NULL;
        return n;
    case T_LB:
        next(p);
        if (!(n = mk(p, N_LIST, t)))
            return NULL;
        return tall(p, parse_list(p, T_RB, "list items", n, 0));
    case T_NOT:
    case T_MINUS: {
        next(p);
        if (!(n = mk(p, t->k == T_NOT ? N_NOT : N_NEG, t)))
            return NULL;
        n->a = parse_expr(p, 100); /* binds tighter than any binary operator */
        return n->a ? tall(p, n) : NULL;
    }
    case T_ID:
        next(p);
        if (is_kw(t, "true") || is_kw(t, "false")) {
            if (!(n = mk(p, N_BOOL, t)))
                return NULL;
            n->num = is_kw(t, "true");
            return n;
        }
        if (is_kw(t, "null"))
            return mk(p, N_NULL, t);
        if (is_reserved(t)) {
            fail_at(p, t->line, t->col, "'%.*s' is not supported in a filter expression", (int)t->len, t->p);
            return NULL;
        }
        for (int i = p->nscope - 1; i >= 0; i--)
            if (p->scope_len[i] == t->len && memcmp(p->scope[i], t->p, t->len) == 0) {
                if (!(n = mk(p, N_LOCAL, t)))
                    return NULL;
                n->slot = i;
                n->s = t->p;
                n->len = t->len;
                return n;
            }
        if (!(n = mk(p, N_VAR, t)))
            return NULL;
        n->s = t->p;
        n->len = t->len;
        if (p->nvars == p->vars_cap) {
            size_t ncap = p->vars_cap ? p->vars_cap * 2 : 4;
            freevar_t *v = arena_alloc(p->a, ncap * sizeof *v);
            if (!v) {
                fail_at(p, t->line, t->col, "out of memory");
                return NULL;
            }
            if (p->nvars)
                memcpy(v, p->vars, p->nvars * sizeof *v);
            p->vars = v;
            p->vars_cap = ncap;
        }
        p->vars[p->nvars++] = (freevar_t){t->p, t->len, t->line, t->col};
        return n;
    default: fail_at(p, t->line, t->col, "an expression expected, %s found", tok_name(t->k)); return NULL;
    }
}

/* The binding power of a binary operator (left, right), 0 when t is not one. */
static int infix_bp(const tok_t *t, int *right)
{
    static const struct {
        tok_kind_t k;
        int bp;
    } ops[] = {
        {T_Q, 10},    {T_QQ, 20},    {T_OR, 30},  {T_AND, 40},  {T_EQ, 50},    {T_NE, 50},
        {T_LT, 60},   {T_LE, 60},    {T_GT, 60},  {T_GE, 60},   {T_PLUS, 70},  {T_MINUS, 70},
        {T_STAR, 80}, {T_SLASH, 80}, {T_PCT, 80}, {T_DOT, 120}, {T_QDOT, 120}, {T_LB, 120},
    };
    if (is_kw(t, "in")) {
        *right = 61;
        return 60;
    }
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (ops[i].k == t->k) {
            *right = ops[i].k == T_Q ? 10 : ops[i].bp + 1; /* ?: is right-associative */
            return ops[i].bp;
        }
    return 0;
}

/* After a member or index: a[b] / a.name / a.name(args), with `opt` for ?.  */
static node_t *parse_postfix(ps_t *p, node_t *left, const tok_t *op, int *chain_opt)
{
    int opt = op->k == T_QDOT;
    if (opt)
        *chain_opt = 1;
    node_t *n;
    if (op->k == T_LB || (opt && peek(p)->k == T_LB)) {
        if (opt)
            next(p);
        if (!(n = mk(p, N_INDEX, op)))
            return NULL;
        n->a = left;
        n->optional = opt;
        if (!(n->b = parse_expr(p, 0)) || expect(p, T_RB, "]") != 0)
            return NULL;
        return tall(p, n);
    }
    const tok_t *name = peek(p);
    if (name->k != T_ID) {
        fail_at(p, name->line, name->col, "a property name expected after %s, %s found", tok_name(op->k),
                tok_name(name->k));
        return NULL;
    }
    next(p);
    if (peek(p)->k == T_LP) {
        const tok_t *lp = next(p);
        int m = method_find(name->p, name->len);
        if (m < 0) {
            fail_at(p, name->line, name->col, "unknown method '%.*s'", (int)name->len, name->p);
            return NULL;
        }
        if (!(n = mk(p, N_CALL, name)))
            return NULL;
        n->a = left;
        n->optional = opt;
        n->method = m;
        n->s = name->p;
        n->len = name->len;
        if (!parse_list(p, T_RP, "arguments", n, 1))
            return NULL;
        if ((int)n->n < methods[m].min || (int)n->n > methods[m].max || n->n > JEXPR_ARGS_MAX) {
            if (methods[m].min == methods[m].max)
                fail_at(p, lp->line, lp->col, "%s takes %d argument%s, not %zu", methods[m].name, methods[m].min,
                        methods[m].min == 1 ? "" : "s", n->n);
            else
                fail_at(p, lp->line, lp->col, "%s takes %d to %d arguments, not %zu", methods[m].name, methods[m].min,
                        methods[m].max, n->n);
            return NULL;
        }
        for (size_t i = 0; i < n->n; i++)
            if ((n->kids[i]->k == N_ARROW) != methods[m].fn_arg) {
                fail_at(p, n->kids[i]->line, n->kids[i]->col,
                        methods[m].fn_arg ? "%s takes a function (x => ...)" : "%s does not take a function",
                        methods[m].name);
                return NULL;
            }
        return tall(p, n);
    }
    if (!(n = mk(p, N_MEMBER, name)))
        return NULL;
    n->a = left;
    n->optional = opt;
    n->s = name->p;
    n->len = name->len;
    return tall(p, n);
}

static node_t *parse_expr(ps_t *p, int minbp)
{
    if (++p->depth > JEXPR_DEPTH_MAX) {
        fail_at(p, peek(p)->line, peek(p)->col, "expression nested too deep (more than %d levels)", JEXPR_DEPTH_MAX);
        return NULL;
    }
    node_t *left = parse_primary(p);
    int chain_opt = 0;
    while (left) {
        const tok_t *t = peek(p);
        int rbp;
        int lbp = infix_bp(t, &rbp);
        if (lbp == 0 || lbp < minbp)
            break;
        next(p);
        if (t->k == T_DOT || t->k == T_QDOT || t->k == T_LB) {
            left = parse_postfix(p, left, t, &chain_opt);
            continue;
        }
        if (chain_opt) { /* a chain ends at a binary operator */
            node_t *c = mk(p, N_CHAIN, t);
            if (!c)
                return NULL;
            c->a = left;
            c->line = left->line;
            c->col = left->col;
            left = tall(p, c);
            chain_opt = 0;
            if (!left)
                return NULL;
        }
        node_kind_t k = t->k == T_AND  ? N_AND
                        : t->k == T_OR ? N_OR
                        : t->k == T_QQ ? N_COALESCE
                        : t->k == T_Q  ? N_COND
                                       : N_BIN;
        node_t *n = mk(p, k, t);
        if (!n)
            return NULL;
        n->op = is_kw(t, "in") ? T_END : t->k; /* T_END stands for `in` */
        n->a = left;
        if (!(n->b = parse_expr(p, rbp)))
            return NULL;
        if (k == N_COND) {
            if (expect(p, T_COLON, ":") != 0 || !(n->c = parse_expr(p, rbp)))
                return NULL;
        }
        left = tall(p, n);
    }
    if (left && chain_opt) {
        node_t *c = arena_calloc(p->a, sizeof *c);
        if (!c) {
            fail_at(p, left->line, left->col, "out of memory");
            return NULL;
        }
        c->k = N_CHAIN;
        c->a = left;
        c->line = left->line;
        c->col = left->col;
        left = tall(p, c);
    }
    p->depth--;
    return left;
}

jexpr_t *jexpr_compile(arena_t *a, const char *src, size_t len, jexpr_err_t *err)
{
    jexpr_err_t dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);
    ps_t p = {.a = a, .src = src ? src : "", .len = src ? len : 0, .line = 1, .col = 1, .err = err};
    if (p.len > JEXPR_SRC_MAX) {
        fail_at(&p, 1, 1, "expression too long (%zu bytes, at most %d)", p.len, JEXPR_SRC_MAX);
        return NULL;
    }
    if (memchr(p.src, 0, p.len)) {
        const char *z = memchr(p.src, 0, p.len);
        adv(&p, (size_t)(z - p.src));
        fail_at(&p, p.line, p.col, "unexpected character (byte 0x00)");
        return NULL;
    }
    if (lex(&p) != 0)
        return NULL;
    if (p.toks[0].k == T_END) {
        fail_at(&p, 1, 1, "the expression is empty");
        return NULL;
    }
    node_t *root = parse_expr(&p, 0);
    if (!root)
        return NULL;
    const tok_t *t = peek(&p);
    if (t->k != T_END) {
        fail_at(&p, t->line, t->col, "end of the expression expected, %s found", tok_name(t->k));
        return NULL;
    }
    jexpr_t *x = arena_calloc(a, sizeof *x);
    if (!x) {
        fail_at(&p, 1, 1, "out of memory");
        return NULL;
    }
    x->root = root;
    x->vars = p.vars;
    x->nvars = p.nvars;
    return x;
}

int jexpr_check_vars(const jexpr_t *x, const char *const *names, jexpr_err_t *err)
{
    for (size_t i = 0; i < x->nvars; i++) {
        const freevar_t *v = &x->vars[i];
        size_t j;
        for (j = 0; names[j]; j++)
            if (strlen(names[j]) == v->len && memcmp(names[j], v->name, v->len) == 0)
                break;
        if (!names[j]) {
            if (err) {
                err->line = v->line;
                err->col = v->col;
                snprintf(err->msg, sizeof err->msg, "unknown variable '%.*s' (a filter has: %s%s%s)",
                         (int)(v->len > 64 ? 64 : v->len), v->name, names[0] ? names[0] : "none",
                         names[0] && names[1] ? ", " : "", names[0] && names[1] ? names[1] : "");
            }
            return -1;
        }
    }
    return 0;
}

/* ---- the evaluator ---- */

struct ev {
    json_t *vars;
    json_t *locals[JEXPR_LOCALS_MAX];
    long steps;
    json_t **pool; /* every value the evaluation made, released at its end */
    size_t npool, cappool;
    char *err;
    size_t errlen;
    int failed;
};

static json_t SHORT_CIRCUIT; /* a ?. met null: the rest of the chain is null */
#define SHORT (&SHORT_CIRCUIT)

static json_t *ev_fail(ev_t *e, const node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static json_t *ev_fail(ev_t *e, const node_t *n, const char *fmt, ...)
{
    if (e->failed)
        return NULL;
    e->failed = 1;
    int k = snprintf(e->err, e->errlen, "%u:%u: ", n ? n->line : 1, n ? n->col : 1);
    if (k < 0 || (size_t)k >= e->errlen)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err + k, e->errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return NULL;
}

/* Keeps v (a new reference) until the evaluation ends; NULL stays NULL. */
static json_t *keep(ev_t *e, json_t *v)
{
    if (!v)
        return NULL;
    if (e->npool == e->cappool) {
        e->cappool = e->cappool ? e->cappool * 2 : 32;
        e->pool = xrealloc(e->pool, e->cappool * sizeof *e->pool);
    }
    e->pool[e->npool++] = v;
    return v;
}

static int step(ev_t *e, const node_t *n, long cost)
{
    e->steps += cost;
    if (e->steps > JEXPR_STEPS_MAX) {
        ev_fail(e, n, "expression too expensive (more than %d steps)", JEXPR_STEPS_MAX);
        return -1;
    }
    return 0;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "Map";
    case JSON_ARRAY: return "List";
    case JSON_STRING: return "String";
    case JSON_INTEGER:
    case JSON_REAL: return "Number";
    case JSON_TRUE:
    case JSON_FALSE: return "Boolean";
    default: return "null";
    }
}

static int truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE: return 0;
    case JSON_INTEGER:
    case JSON_REAL: return json_number_value(v) != 0;
    case JSON_STRING: return json_string_length(v) != 0;
    case JSON_ARRAY: return json_array_size(v) != 0;
    default: return 1;
    }
}

/* kiln links no libm: whole numbers and the remainder by hand */
#define WHOLE_MAX 9007199254740992.0 /* 2^53: past it a double has no fraction anyway */
static int whole(double d)
{
    return d > -WHOLE_MAX && d < WHOLE_MAX && (double)(int64_t)d == d;
}

static double remainder_of(double x, double y)
{
    if (whole(x) && whole(y))
        return (double)((int64_t)x % (int64_t)y); /* y != 0, and |x|, |y| < 2^53: no overflow */
    double q = x / y;
    if (!(q > -WHOLE_MAX && q < WHOLE_MAX)) /* NaN, infinite or too big to have a fraction */
        return q == q ? 0 : q;
    return x - y * (double)(int64_t)q; /* truncated toward zero, as JavaScript's % */
}

static json_t *num(ev_t *e, double d)
{
    if (whole(d))
        return keep(e, json_integer((json_int_t)d));
    return keep(e, json_real(d)); /* NaN and infinities: jansson refuses them, so NULL */
}

/* A new string: at most JEXPR_STR_MAX bytes, a step per 64 of them (every string an
 * evaluation makes is kept until it ends, so the steps bound the memory too). */
static json_t *str_new(ev_t *e, const node_t *n, const char *s, size_t len)
{
    if (len > JEXPR_STR_MAX)
        return ev_fail(e, n, "string too long (more than %d bytes)", JEXPR_STR_MAX);
    if (step(e, n, (long)(len / 64)) != 0)
        return NULL;
    json_t *v = keep(e, json_stringn(s, len));
    return v ? v : ev_fail(e, n, "the string is not valid UTF-8");
}

/* By value: numbers as numbers, lists item by item, maps member by member; *cost counts
 * the values visited (the caller charges them as steps). */
static int equal(const json_t *a, const json_t *b, int depth, long *cost)
{
    ++*cost;
    if (a == b) /* the same value (event.issue == event.issue), however deep */
        return 1;
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b) || depth > JEXPR_DEPTH_MAX)
        return 0;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!equal(json_array_get(a, i), json_array_get(b, i), depth + 1, cost))
                return 0;
        return 1;
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v)
        {
            json_t *w = json_object_get(b, k);
            if (!w || !equal(v, w, depth + 1, cost))
                return 0;
        }
        return 1;
    }
    default: return 1;
    }
}

/* The index of the first item of list equal to x, -1 when none, -2 when the steps ran out
 * (an item and each value compared inside it count). */
static long list_find(ev_t *e, const node_t *n, const json_t *list, const json_t *x)
{
    long cost = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        int eq = equal(json_array_get(list, i), x, 0, &cost);
        if (step(e, n, 1 + cost / 16) != 0)
            return -2;
        cost %= 16;
        if (eq)
            return (long)i;
    }
    return -1;
}

static int str_cmp(const json_t *a, const json_t *b)
{
    size_t la = json_string_length(a), lb = json_string_length(b);
    int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
    return c ? c : la < lb ? -1 : la > lb;
}

/* The text of v in a string concatenation. */
static int to_text(ev_t *e, const node_t *n, const json_t *v, char *buf, size_t cap, const char **s, size_t *len)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        *s = json_string_value(v);
        *len = json_string_length(v);
        return 0;
    case JSON_INTEGER: *len = (size_t)snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: *len = (size_t)snprintf(buf, cap, "%.15g", json_real_value(v)); break;
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        *len = (size_t)snprintf(buf, cap, "%s", json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false");
        break;
    default: ev_fail(e, n, "can't add %s to a String", type_name(v)); return -1;
    }
    *s = buf;
    return 0;
}

static json_t *eval(ev_t *e, const node_t *n);

static json_t *binary(ev_t *e, const node_t *n, json_t *a, json_t *b)
{
    switch (n->op) {
    case T_EQ:
    case T_NE: {
        long cost = 0;
        int eq = equal(a, b, 0, &cost);
        return step(e, n, cost / 16) != 0 ? NULL : json_boolean(eq == (n->op == T_EQ));
    }
    case T_END: /* in */
        if (json_is_array(b)) {
            long at = list_find(e, n, b, a);
            return at == -2 ? NULL : json_boolean(at >= 0);
        }
        return ev_fail(e, n, "the right side of 'in' must be a List, not %s", type_name(b));
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE: {
        int c;
        if (json_is_number(a) && json_is_number(b)) {
            double x = json_number_value(a), y = json_number_value(b);
            c = x < y ? -1 : x > y;
        } else if (json_is_string(a) && json_is_string(b))
            c = str_cmp(a, b);
        else
            return ev_fail(e, n, "can't compare %s to %s", type_name(a), type_name(b));
        int r = n->op == T_LT ? c < 0 : n->op == T_LE ? c <= 0 : n->op == T_GT ? c > 0 : c >= 0;
        return json_boolean(r);
    }
    case T_PLUS:
        if (json_is_string(a) || json_is_string(b)) {
            char ba[64], bb[64];
            const char *sa, *sb;
            size_t la, lb;
            if (to_text(e, n, a, ba, sizeof ba, &sa, &la) != 0 || to_text(e, n, b, bb, sizeof bb, &sb, &lb) != 0)
                return NULL;
            if (la + lb > JEXPR_STR_MAX)
                return ev_fail(e, n, "string too long (more than %d bytes)", JEXPR_STR_MAX);
            if (step(e, n, (long)(la + lb) / 64) != 0)
                return NULL;
            char *s = xmalloc(la + lb + 1);
            memcpy(s, sa, la);
            memcpy(s + la, sb, lb);
            json_t *r = keep(e, json_stringn(s, la + lb));
            free(s);
            return r ? r : ev_fail(e, n, "the result is not valid UTF-8");
        }
        if (json_is_array(a) && json_is_array(b)) {
            if (json_array_size(a) + json_array_size(b) > JEXPR_LIST_MAX)
                return ev_fail(e, n, "list too long (more than %d items)", JEXPR_LIST_MAX);
            if (step(e, n, (long)(json_array_size(a) + json_array_size(b))) != 0)
                return NULL;
            json_t *r = keep(e, json_array());
            json_array_extend(r, a);
            json_array_extend(r, b);
            return r;
        }
        /* numbers */
        __attribute__((fallthrough));
    case T_MINUS:
    case T_STAR:
    case T_SLASH:
    case T_PCT: {
        if (!json_is_number(a) || !json_is_number(b))
            return ev_fail(e, n, "can't apply %s to %s and %s", tok_name(n->op), type_name(a), type_name(b));
        double x = json_number_value(a), y = json_number_value(b), r;
        switch (n->op) {
        case T_PLUS: r = x + y; break;
        case T_MINUS: r = x - y; break;
        case T_STAR: r = x * y; break;
        case T_SLASH:
            if (y == 0)
                return ev_fail(e, n, "division by zero");
            r = x / y;
            break;
        default:
            if (y == 0)
                return ev_fail(e, n, "division by zero");
            r = remainder_of(x, y);
            break;
        }
        json_t *v = num(e, r);
        return v ? v : ev_fail(e, n, "the result is not a finite number");
    }
    default: return ev_fail(e, n, "unknown operator");
    }
}

static json_t *member(ev_t *e, const node_t *n, json_t *obj, const char *name, size_t len)
{
    if (json_is_null(obj))
        return n->optional ? SHORT : ev_fail(e, n, "Type null does not have any properties ('%.*s')", (int)len, name);
    if (json_is_object(obj)) {
        json_t *v = json_object_getn(obj, name, len);
        return v ? v : json_null();
    }
    if ((json_is_array(obj) || json_is_string(obj)) && len == 6 && memcmp(name, "length", 6) == 0) {
        if (json_is_array(obj))
            return num(e, (double)json_array_size(obj));
        /* characters, not bytes */
        const unsigned char *s = (const unsigned char *)json_string_value(obj);
        size_t chars = 0;
        for (size_t i = 0; i < json_string_length(obj); i++)
            chars += (s[i] & 0xC0) != 0x80;
        return num(e, (double)chars);
    }
    return ev_fail(e, n, "Type %s does not have the property '%.*s'", type_name(obj), (int)(len > 64 ? 64 : len), name);
}

static json_t *call(ev_t *e, const node_t *n, json_t *recv)
{
    const struct method *m = &methods[n->method];
    if (json_is_null(recv))
        return n->optional ? SHORT : ev_fail(e, n, "Type null does not have any properties ('%s')", m->name);
    int r = json_is_string(recv) ? R_STR : json_is_array(recv) ? R_LIST : 0;
    if (!(m->recv & r))
        return ev_fail(e, n, "Type %s does not have the method '%s'", type_name(recv), m->name);
    json_t *argv[JEXPR_ARGS_MAX + 1] = {0};
    for (size_t i = 0; i < n->n && !m->fn_arg; i++) {
        argv[i] = eval(e, n->kids[i]);
        if (!argv[i])
            return NULL;
    }
    return m->fn(e, n, recv, argv);
}

static json_t *eval(ev_t *e, const node_t *n)
{
    if (step(e, n, 1) != 0)
        return NULL;
    json_t *a, *b;
    switch (n->k) {
    case N_NUM: return num(e, n->num);
    case N_STR: return str_new(e, n, n->s, n->len);
    case N_BOOL: return json_boolean(n->num != 0);
    case N_NULL: return json_null();
    case N_LIST: {
        json_t *l = keep(e, json_array());
        for (size_t i = 0; i < n->n; i++) {
            if (!(a = eval(e, n->kids[i])))
                return NULL;
            json_array_append(l, a);
        }
        return l;
    }
    case N_VAR: {
        json_t *v = json_is_object(e->vars) ? json_object_getn(e->vars, n->s, n->len) : NULL;
        return v ? v : ev_fail(e, n, "unknown variable '%.*s'", (int)(n->len > 64 ? 64 : n->len), n->s);
    }
    case N_LOCAL: return e->locals[n->slot] ? e->locals[n->slot] : json_null();
    case N_MEMBER:
        if (!(a = eval(e, n->a)) || a == SHORT)
            return a;
        return member(e, n, a, n->s, n->len);
    case N_INDEX:
        if (!(a = eval(e, n->a)) || a == SHORT)
            return a;
        if (json_is_null(a)) {
            if (n->optional)
                return SHORT;
            return ev_fail(e, n, "Type null does not have any properties");
        }
        if (!(b = eval(e, n->b)))
            return NULL;
        if (json_is_string(b))
            return member(e, n, a, json_string_value(b), json_string_length(b));
        if (json_is_number(b) && json_is_array(a)) {
            double i = json_number_value(b);
            if (!whole(i))
                return ev_fail(e, n, "a List's index must be a whole number");
            json_t *v = i >= 0 && i < (double)json_array_size(a) ? json_array_get(a, (size_t)i) : NULL;
            return v ? v : json_null();
        }
        return ev_fail(e, n, "can't index %s with %s", type_name(a), type_name(b));
    case N_CALL:
        if (!(a = eval(e, n->a)) || a == SHORT)
            return a;
        return call(e, n, a);
    case N_CHAIN: a = eval(e, n->a); return a == SHORT ? json_null() : a;
    case N_ARROW: return ev_fail(e, n, "a function is not a value");
    case N_NOT:
        if (!(a = eval(e, n->a)))
            return NULL;
        return json_boolean(!truthy(a));
    case N_NEG:
        if (!(a = eval(e, n->a)))
            return NULL;
        if (!json_is_number(a))
            return ev_fail(e, n, "can't negate %s", type_name(a));
        return num(e, -json_number_value(a));
    case N_AND:
    case N_OR:
        if (!(a = eval(e, n->a)))
            return NULL;
        if (truthy(a) == (n->k == N_OR))
            return a;
        return eval(e, n->b);
    case N_COALESCE:
        if (!(a = eval(e, n->a)))
            return NULL;
        return json_is_null(a) ? eval(e, n->b) : a;
    case N_COND:
        if (!(a = eval(e, n->a)))
            return NULL;
        return eval(e, truthy(a) ? n->b : n->c);
    case N_BIN:
        if (!(a = eval(e, n->a)) || !(b = eval(e, n->b)))
            return NULL;
        return binary(e, n, a, b);
    }
    return ev_fail(e, n, "unknown node");
}

/* ---- the methods ---- */

static int want_str(ev_t *e, const node_t *n, const json_t *v, const char *m)
{
    if (json_is_string(v))
        return 0;
    ev_fail(e, n, "%s wants a String, not %s", m, type_name(v));
    return -1;
}

static int want_num(ev_t *e, const node_t *n, const json_t *v, const char *m)
{
    if (json_is_number(v) && whole(json_number_value(v)))
        return 0;
    ev_fail(e, n, "%s wants a whole Number, not %s", m, type_name(v));
    return -1;
}

static const char *find_sub(const char *h, size_t hl, const char *nd, size_t nl)
{
    if (nl == 0)
        return h;
    return memmem(h, hl, nd, nl);
}

static json_t *m_includes(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (json_is_array(recv)) {
        long at = list_find(e, n, recv, argv[0]);
        return at == -2 ? NULL : json_boolean(at >= 0);
    }
    if (want_str(e, n, argv[0], "includes") != 0 || step(e, n, (long)json_string_length(recv) / 64) != 0)
        return NULL;
    return json_boolean(find_sub(json_string_value(recv), json_string_length(recv), json_string_value(argv[0]),
                                 json_string_length(argv[0])) != NULL);
}

static json_t *m_starts(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (want_str(e, n, argv[0], "startsWith") != 0)
        return NULL;
    size_t l = json_string_length(argv[0]);
    return json_boolean(l <= json_string_length(recv) &&
                        memcmp(json_string_value(recv), json_string_value(argv[0]), l) == 0);
}

static json_t *m_ends(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (want_str(e, n, argv[0], "endsWith") != 0)
        return NULL;
    size_t l = json_string_length(argv[0]), rl = json_string_length(recv);
    return json_boolean(l <= rl && memcmp(json_string_value(recv) + rl - l, json_string_value(argv[0]), l) == 0);
}

static json_t *map_case(ev_t *e, const node_t *n, json_t *recv, int upper)
{
    size_t l = json_string_length(recv);
    if (step(e, n, (long)l / 64) != 0)
        return NULL;
    char *s = xmalloc(l + 1);
    memcpy(s, json_string_value(recv), l);
    for (size_t i = 0; i < l; i++) /* ASCII letters; other characters as they are */
        if (upper && s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 32);
        else if (!upper && s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] + 32);
    json_t *r = str_new(e, n, s, l);
    free(s);
    return r;
}

static json_t *m_lower(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    return map_case(e, n, recv, 0);
}
static json_t *m_upper(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    return map_case(e, n, recv, 1);
}

static json_t *m_trim(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    const char *s = json_string_value(recv);
    size_t b = 0, l = json_string_length(recv);
    while (b < l && strchr(" \t\r\n\f\v", s[b]) && s[b])
        b++;
    while (l > b && strchr(" \t\r\n\f\v", s[l - 1]) && s[l - 1])
        l--;
    return str_new(e, n, s + b, l - b);
}

/* Byte offset of the character index i (clamped to the string). */
static size_t char_off(const char *s, size_t len, size_t i)
{
    size_t off = 0;
    while (off < len && i > 0) {
        off++;
        while (off < len && ((unsigned char)s[off] & 0xC0) == 0x80)
            off++;
        i--;
    }
    return off;
}

static size_t char_count(const char *s, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static json_t *m_split(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    const char *s = json_string_value(recv);
    size_t l = json_string_length(recv);
    json_t *r = keep(e, json_array());
    if (!argv[0]) {
        json_array_append(r, recv);
        return r;
    }
    if (want_str(e, n, argv[0], "split") != 0 || step(e, n, (long)l / 16 + 1) != 0)
        return NULL;
    const char *sep = json_string_value(argv[0]);
    size_t sl = json_string_length(argv[0]);
    if (sl == 0) { /* characters */
        for (size_t i = 0; i < l;) {
            size_t j = i + 1;
            while (j < l && ((unsigned char)s[j] & 0xC0) == 0x80)
                j++;
            if (json_array_size(r) == JEXPR_LIST_MAX)
                return ev_fail(e, n, "list too long (more than %d items)", JEXPR_LIST_MAX);
            if (step(e, n, 1) != 0)
                return NULL;
            json_array_append_new(r, json_stringn(s + i, j - i));
            i = j;
        }
        return r;
    }
    for (const char *p = s;;) {
        const char *q = memmem(p, l - (size_t)(p - s), sep, sl);
        if (json_array_size(r) == JEXPR_LIST_MAX)
            return ev_fail(e, n, "list too long (more than %d items)", JEXPR_LIST_MAX);
        if (step(e, n, 1) != 0)
            return NULL;
        json_array_append_new(r, json_stringn(p, q ? (size_t)(q - p) : l - (size_t)(p - s)));
        if (!q)
            break;
        p = q + sl;
    }
    return r;
}

/* A JavaScript-style pattern as the POSIX extended (GNU) one regcomp reads, into out
 * (16 bytes per input byte at most): \d and \D become classes (GNU knows \w \W \s \S \b
 * \B outside brackets, not \d); inside brackets, where POSIX takes a backslash as itself,
 * \d \w \s become their ranges and an escaped character itself. NULL, or what is not
 * supported: back-references (they make matching exponential), \D \W \S or an escaped ]
 * inside brackets; a quantifier with nothing to repeat (at the start, after `(`, `|`, an
 * anchor or another quantifier: JavaScript's "nothing to repeat", and lazy `+?`, which
 * POSIX would read as another repetition); more than JEXPR_REGEX_QUANT_MAX quantifiers or
 * a count over JEXPR_REGEX_COUNT_MAX in {n,m}. glibc's regcomp expands repetitions into
 * its automaton, so stacked or large ones take memory exponential in the pattern
 * (fuzz_jexpr found `\b ++++++++…` running out of memory). */
static const char *js_to_ere(const char *pat, size_t pl, char *out)
{
    size_t o = 0;
    int in = 0;         /* inside [...]; 2: at its first character, where ] is literal */
    int repeatable = 0; /* what was put last outside brackets can take a quantifier */
    int nquant = 0;
    for (size_t i = 0; i < pl; i++) {
        char c = pat[i];
        const char *put = NULL;
        char one[2] = {c, 0};
        if (!in && (c == '*' || c == '+' || c == '?' || c == '{')) {
            if (!repeatable)
                return "a quantifier with nothing to repeat (or a lazy or stacked one) is not supported";
            if (++nquant > JEXPR_REGEX_QUANT_MAX)
                return "too many quantifiers";
            if (c == '{') { /* {n}, {n,} or {n,m}, each at most JEXPR_REGEX_COUNT_MAX */
                size_t j = i + 1;
                int nums = 0;
                for (;;) {
                    long v = 0;
                    size_t d0 = j;
                    while (j < pl && pat[j] >= '0' && pat[j] <= '9' && v <= JEXPR_REGEX_COUNT_MAX)
                        v = v * 10 + (pat[j++] - '0');
                    if (j > d0 && v > JEXPR_REGEX_COUNT_MAX)
                        return "a repetition count over " JEXPR_STR(JEXPR_REGEX_COUNT_MAX) " is not supported";
                    if (j == d0 && nums == 0)
                        return "a { that is not a repetition count {n,m} is not supported";
                    nums++;
                    if (j < pl && pat[j] == ',' && nums == 1) {
                        j++;
                        continue;
                    }
                    break;
                }
                if (j >= pl || pat[j] != '}')
                    return "a { that is not a repetition count {n,m} is not supported";
                memcpy(out + o, pat + i, j - i + 1);
                o += j - i + 1;
                i = j;
                repeatable = 0;
                continue;
            }
            out[o++] = c;
            repeatable = 0;
            continue;
        }
        if (!in)
            repeatable = !(c == '(' || c == '|' || c == '^' || c == '$' ||
                           (c == '\\' && i + 1 < pl && (pat[i + 1] == 'b' || pat[i + 1] == 'B')));
        if (c == '\\' && i + 1 < pl) {
            char d = pat[++i];
            if (d >= '1' && d <= '9')
                return "back-references are not supported";
            if (!in)
                put = d == 'd' ? "[0-9]" : d == 'D' ? "[^0-9]" : NULL;
            else if (d == 'D' || d == 'W' || d == 'S' || d == ']')
                return "\\D, \\W, \\S and \\] are not supported inside [...]";
            else
                put = d == 'd' ? "0-9" : d == 'w' ? "A-Za-z0-9_" : d == 's' ? " \t\n\r\f\v" : NULL;
            if (!put) {
                one[0] = d;
                if (!in) { /* as written: \. \w \b ... */
                    out[o++] = '\\';
                }
                put = one;
            }
            if (in == 2)
                in = 1;
        } else if (!in && c == '[') {
            in = 2;
            put = one;
            if (i + 1 < pl && pat[i + 1] == '^') {
                out[o++] = '[';
                c = '^';
                one[0] = '^';
                i++;
            }
        } else if (in == 1 && c == ']') {
            in = 0;
            put = one;
        } else {
            if (in == 2)
                in = 1;
            put = one;
        }
        size_t k = strlen(put);
        memcpy(out + o, put, k);
        o += k;
    }
    out[o] = 0;
    return NULL;
}

/* The list of matches of a regular expression (POSIX extended; no back-references, so
 * matching is linear), or null when none. */
static json_t *m_match(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (want_str(e, n, argv[0], "match") != 0)
        return NULL;
    const char *pat = json_string_value(argv[0]);
    size_t pl = json_string_length(argv[0]), l = json_string_length(recv);
    if (pl > JEXPR_REGEX_MAX)
        return ev_fail(e, n, "regular expression too long (more than %d bytes)", JEXPR_REGEX_MAX);
    if (memchr(pat, 0, pl) || memchr(json_string_value(recv), 0, l))
        return ev_fail(e, n, "match: NUL in the string");
    char ere[JEXPR_REGEX_MAX * 16 + 1];
    const char *why = js_to_ere(pat, pl, ere);
    if (why)
        return ev_fail(e, n, "%s in match()", why);
    pat = ere;
    if (step(e, n, (long)(l * (pl + 1)) / 16 + 1) != 0)
        return NULL;
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED);
    if (rc != 0) {
        char m[100];
        regerror(rc, &re, m, sizeof m);
        return ev_fail(e, n, "bad regular expression: %s", m);
    }
    json_t *r = keep(e, json_array());
    const char *s = json_string_value(recv);
    regmatch_t mt;
    size_t off = 0;
    while (off <= l && regexec(&re, s + off, 1, &mt, off ? REG_NOTBOL : 0) == 0) {
        if (json_array_size(r) == JEXPR_LIST_MAX || step(e, n, 1) != 0) {
            regfree(&re);
            return e->failed ? NULL : ev_fail(e, n, "list too long (more than %d items)", JEXPR_LIST_MAX);
        }
        json_array_append_new(r, json_stringn(s + off + mt.rm_so, (size_t)(mt.rm_eo - mt.rm_so)));
        off += (size_t)mt.rm_eo + (mt.rm_eo == mt.rm_so);
    }
    regfree(&re);
    return json_array_size(r) ? r : json_null();
}

static json_t *m_indexof(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (json_is_array(recv)) {
        long at = list_find(e, n, recv, argv[0]);
        return at == -2 ? NULL : num(e, (double)at);
    }
    if (want_str(e, n, argv[0], "indexOf") != 0)
        return NULL;
    const char *s = json_string_value(recv);
    const char *q = find_sub(s, json_string_length(recv), json_string_value(argv[0]), json_string_length(argv[0]));
    return num(e, q ? (double)char_count(s, (size_t)(q - s)) : -1);
}

/* JavaScript's slice: negative counts from the end; both ends clamped. */
static void slice_range(double a, const double *b, size_t len, size_t *from, size_t *to)
{
    double dl = (double)len, f = a < 0 ? (dl + a > 0 ? dl + a : 0) : (a < dl ? a : dl), t = dl;
    if (b)
        t = *b < 0 ? (dl + *b > 0 ? dl + *b : 0) : (*b < dl ? *b : dl);
    *from = (size_t)f;
    *to = t > f ? (size_t)t : (size_t)f;
}

static json_t *m_slice(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (want_num(e, n, argv[0], "slice") != 0 || (argv[1] && want_num(e, n, argv[1], "slice") != 0))
        return NULL;
    double b = argv[1] ? json_number_value(argv[1]) : 0;
    size_t from, to;
    if (json_is_array(recv)) {
        slice_range(json_number_value(argv[0]), argv[1] ? &b : NULL, json_array_size(recv), &from, &to);
        if (step(e, n, (long)(to - from)) != 0)
            return NULL;
        json_t *r = keep(e, json_array());
        for (size_t i = from; i < to; i++)
            json_array_append(r, json_array_get(recv, i));
        return r;
    }
    const char *s = json_string_value(recv);
    size_t l = json_string_length(recv);
    slice_range(json_number_value(argv[0]), argv[1] ? &b : NULL, char_count(s, l), &from, &to);
    size_t bf = char_off(s, l, from), bt = char_off(s, l, to);
    return str_new(e, n, s + bf, bt - bf);
}

static json_t *m_join(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    if (argv[0] && want_str(e, n, argv[0], "join") != 0)
        return NULL;
    const char *sep = argv[0] ? json_string_value(argv[0]) : ",";
    size_t sl = argv[0] ? json_string_length(argv[0]) : 1;
    size_t cap = JEXPR_STR_MAX, len = 0;
    char *out = xmalloc(cap + 1);
    for (size_t i = 0; i < json_array_size(recv); i++) {
        char buf[64];
        const char *s;
        size_t l;
        json_t *v = json_array_get(recv, i);
        if (json_is_null(v)) {
            s = "";
            l = 0;
        } else if (to_text(e, n, v, buf, sizeof buf, &s, &l) != 0) {
            free(out);
            return NULL;
        }
        if (len + l + (i ? sl : 0) > cap) {
            free(out);
            return ev_fail(e, n, "string too long (more than %d bytes)", JEXPR_STR_MAX);
        }
        if (i) {
            memcpy(out + len, sep, sl);
            len += sl;
        }
        memcpy(out + len, s, l);
        len += l;
    }
    json_t *r = step(e, n, (long)json_array_size(recv) + (long)len / 64) == 0 ? keep(e, json_stringn(out, len)) : NULL;
    free(out);
    return r;
}

static json_t *m_flatten(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    json_t *r = keep(e, json_array());
    for (size_t i = 0; i < json_array_size(recv); i++) {
        json_t *v = json_array_get(recv, i);
        size_t add = json_is_array(v) ? json_array_size(v) : 1;
        if (json_array_size(r) + add > JEXPR_LIST_MAX)
            return ev_fail(e, n, "list too long (more than %d items)", JEXPR_LIST_MAX);
        if (step(e, n, (long)add) != 0)
            return NULL;
        if (json_is_array(v))
            json_array_extend(r, v);
        else
            json_array_append(r, v);
    }
    return r;
}

/* some, every, filter, map, find: the arrow applied to each item (and its index). */
static json_t *m_iter(ev_t *e, const node_t *n, json_t *recv, json_t **argv)
{
    const node_t *fn = n->kids[0];
    int it = methods[n->method].iter;
    json_t *r = it == IT_FILTER || it == IT_MAP ? keep(e, json_array()) : NULL;
    for (size_t i = 0; i < json_array_size(recv); i++) {
        json_t *item = json_array_get(recv, i);
        if (fn->nparams > 0)
            e->locals[fn->slot] = item;
        if (fn->nparams > 1)
            e->locals[fn->slot + 1] = num(e, (double)i);
        json_t *v = eval(e, fn->a);
        if (!v)
            return NULL;
        switch (it) {
        case IT_SOME:
            if (truthy(v))
                return json_true();
            break;
        case IT_EVERY:
            if (!truthy(v))
                return json_false();
            break;
        case IT_FIND:
            if (truthy(v))
                return item;
            break;
        case IT_FILTER:
            if (truthy(v))
                json_array_append(r, item);
            break;
        default: json_array_append(r, v);
        }
    }
    return it == IT_SOME ? json_false() : it == IT_EVERY ? json_true() : it == IT_FIND ? json_null() : r;
}

/* ---- the entry points ---- */

json_t *jexpr_eval(const jexpr_t *x, json_t *vars, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    if (!x) {
        snprintf(err, errlen, "no expression");
        return NULL;
    }
    ev_t e = {.vars = vars, .err = err, .errlen = errlen};
    json_t *v = eval(&e, x->root);
    if (v == SHORT)
        v = json_null();
    if (v)
        json_incref(v); /* the caller's; the pool lets go of the rest */
    for (size_t i = 0; i < e.npool; i++)
        json_decref(e.pool[i]);
    free(e.pool);
    if (!v && !e.failed)
        snprintf(err, errlen, "evaluation failed");
    return v;
}

int jexpr_test(const jexpr_t *x, json_t *vars, char *err, size_t errlen)
{
    json_t *v = jexpr_eval(x, vars, err, errlen);
    if (!v)
        return JEXPR_ERROR;
    int t = truthy(v);
    json_decref(v);
    return t ? JEXPR_TRUE : JEXPR_FALSE;
}
