/* JQL's word search without an index (base/wordmatch.h). */
#include "base/wordmatch.h"

#include <string.h>

static int is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int wm_compile(arena_t *a, const char *q, size_t len, wm_query_t *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len) {
        int phrase = q[i] == '"';
        if (phrase)
            i++;
        wm_term_t t = {{0}, 0};
        for (;;) {
            while (i < len && !is_word((unsigned char)q[i]) && q[i] != '*' && q[i] != '?' && !(phrase && q[i] == '"'))
                i++;
            if (i >= len || (phrase && q[i] == '"') || (!phrase && t.nwords == 1))
                break;
            size_t s = i;
            while (i < len && (is_word((unsigned char)q[i]) || q[i] == '*' || q[i] == '?'))
                i++;
            if (i - s > WM_MAX_WORD || t.nwords == WM_MAX_PHRASE)
                return WM_ELIMIT;
            char *w = arena_strndup(a, q + s, i - s);
            for (char *p = w; *p; p++)
                *p = (char)lower((unsigned char)*p);
            if (strspn(w, "*?") == strlen(w)) /* a wildcard alone names no word */
                continue;
            t.words[t.nwords++] = w;
            if (!phrase)
                break;
        }
        if (phrase && i < len && q[i] == '"')
            i++;
        if (t.nwords == 0)
            continue;
        if (out->nterms == WM_MAX_TERMS)
            return WM_ELIMIT;
        out->terms[out->nterms++] = t;
    }
    return out->nterms ? WM_OK : WM_EMPTY;
}

/* Glob of pattern p (lower case, * and ?) against word w[0..n) without case. */
static int glob(const char *p, const char *w, size_t n)
{
    size_t i = 0, star_p = (size_t)-1, star_i = 0;
    size_t pi = 0;
    while (i < n) {
        if (p[pi] == '*') {
            star_p = pi++;
            star_i = i;
        } else if (p[pi] && (p[pi] == '?' || (unsigned char)p[pi] == lower((unsigned char)w[i]))) {
            pi++;
            i++;
        } else if (star_p != (size_t)-1) {
            pi = star_p + 1;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    while (p[pi] == '*')
        pi++;
    return p[pi] == '\0';
}

/* A stream of words of a text: plain, or the "text" members' string values of an ADF
 * document (JSON escapes end a word, except \" and \\ which are no word characters). */
typedef struct words {
    const char *t;
    size_t len, i;
    int adf, in; /* adf: inside a "text" value */
} words_t;

static int next_text_value(words_t *s)
{
    static const char key[] = "\"text\"";
    for (;;) {
        const char *k = memmem(s->t + s->i, s->len - s->i, key, sizeof key - 1);
        if (!k)
            return 0;
        s->i = (size_t)(k - s->t) + sizeof key - 1;
        while (s->i < s->len && (s->t[s->i] == ' ' || s->t[s->i] == '\n'))
            s->i++;
        if (s->i < s->len && s->t[s->i] == ':') {
            s->i++;
            while (s->i < s->len && (s->t[s->i] == ' ' || s->t[s->i] == '\n'))
                s->i++;
            if (s->i < s->len && s->t[s->i] == '"') {
                s->i++;
                return 1;
            }
        }
    }
}

/* The next word: 1 with *w and *n, or 0 at the end. */
static int next_word(words_t *s, const char **w, size_t *n)
{
    for (;;) {
        if (s->adf && !s->in) {
            if (!next_text_value(s))
                return 0;
            s->in = 1;
        }
        while (s->i < s->len && !is_word((unsigned char)s->t[s->i])) {
            if (s->adf && s->t[s->i] == '\\' && s->i + 1 < s->len) {
                s->i += s->t[s->i + 1] == 'u' ? 6 : 2; /* an escape separates words */
                continue;
            }
            if (s->adf && s->t[s->i] == '"') {
                s->in = 0;
                s->i++;
                break;
            }
            s->i++;
        }
        if (s->adf && !s->in)
            continue;
        if (s->i >= s->len)
            return 0;
        size_t b = s->i;
        while (s->i < s->len && is_word((unsigned char)s->t[s->i]))
            s->i++;
        *w = s->t + b;
        *n = s->i - b;
        return 1;
    }
}

static int term_occurs(const wm_term_t *t, const char *text, size_t len, int adf)
{
    words_t s = {text, len, 0, adf, 0};
    const char *ring[WM_MAX_PHRASE];
    size_t rlen[WM_MAX_PHRASE], seen = 0;
    const char *w;
    size_t n;
    while (next_word(&s, &w, &n)) {
        ring[seen % WM_MAX_PHRASE] = w;
        rlen[seen % WM_MAX_PHRASE] = n;
        seen++;
        if (seen < t->nwords)
            continue;
        size_t first = seen - t->nwords, k = 0;
        while (k < t->nwords && glob(t->words[k], ring[(first + k) % WM_MAX_PHRASE], rlen[(first + k) % WM_MAX_PHRASE]))
            k++;
        if (k == t->nwords)
            return 1;
    }
    return 0;
}

int wm_match(const wm_query_t *q, const char *text, size_t len, int adf)
{
    if (!text || q->nterms == 0)
        return 0;
    if (len > WM_MAX_TEXT)
        len = WM_MAX_TEXT;
    for (size_t i = 0; i < q->nterms; i++)
        if (!term_occurs(&q->terms[i], text, len, adf))
            return 0;
    return 1;
}
