/* wordmatch: JQL's text search (`summary ~ "..."`, docs/jql.md) as kiln does it without an
 * index: a query of terms, each a word or a "quoted phrase" of words, with `*` (any
 * characters) and `?` (one character) inside words; a text matches when every term occurs
 * in it as whole words. Words are runs of letters and digits (any byte >= 0x80 counts as a
 * letter), compared without ASCII case. No stemming, no stop words, no Lucene operators
 * (AND, OR, +, -, ^ are read as words or dropped as punctuation): docs/jql.md says where
 * this differs from Jira.
 *
 * Text comes either as plain text or as an ADF document in JSON (product/adf.h), whose
 * words are the values of its "text" members only. Only the first WM_MAX_TEXT bytes of a
 * text are searched. */
#ifndef KILN_BASE_WORDMATCH_H
#define KILN_BASE_WORDMATCH_H

#include <stddef.h>

#include "base/arena.h"

#define WM_MAX_TERMS 32       /* terms in a query */
#define WM_MAX_PHRASE 16      /* words in one phrase */
#define WM_MAX_WORD 128       /* bytes of one word of a query */
#define WM_MAX_TEXT (1 << 20) /* bytes of a text searched */

typedef struct wm_term {
    const char *words[WM_MAX_PHRASE]; /* lower case, NUL-terminated, may hold * and ? */
    size_t nwords;
} wm_term_t;

typedef struct wm_query {
    wm_term_t terms[WM_MAX_TERMS];
    size_t nterms;
} wm_query_t;

enum { WM_OK = 0, WM_EMPTY = -1, WM_ELIMIT = -2 };

/* Reads a query: WM_OK; WM_EMPTY when it has no word at all ("", "!!"); WM_ELIMIT past a
 * limit above. Words are copied into the arena. */
int wm_compile(arena_t *a, const char *q, size_t len, wm_query_t *out);

/* 1 when every term of q occurs in text[0..len) (adf: the text is an ADF document). */
int wm_match(const wm_query_t *q, const char *text, size_t len, int adf);

#endif
