/* kiln_words(text, adf, query) on the SQLite driver's connections: the JQL text search's
 * word match (base/wordmatch.h) as an SQL function (search.c's ~ clauses call it). */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/wordmatch.h"
#include "store/sqlite/sqlite_int.h"

/* ---- kiln_words(text, adf, query) ---- */

/* A compiled query, kept by SQLite for the statement's run (auxdata). */
typedef struct words_aux {
    arena_t *a;
    wm_query_t q;
} words_aux_t;

static void words_free(void *p)
{
    words_aux_t *w = p;
    arena_free(w->a);
    free(w);
}

static void kiln_words(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    if (!text) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    int len = sqlite3_value_bytes(argv[0]);
    words_aux_t *w = sqlite3_get_auxdata(ctx, 2);
    if (!w) {
        const char *pat = (const char *)sqlite3_value_text(argv[2]);
        w = xcalloc(1, sizeof *w);
        w->a = arena_new(64 * 1024);
        if (!pat || wm_compile(w->a, pat, strlen(pat), &w->q) != WM_OK)
            w->q.nterms = 0;
        sqlite3_set_auxdata(ctx, 2, w, words_free);
        w = sqlite3_get_auxdata(ctx, 2);
        if (!w) { /* SQLite could not keep it and freed it */
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    sqlite3_result_int(ctx, wm_match(&w->q, text, (size_t)len, sqlite3_value_int(argv[1])));
}

int sq_search_register(sqlite3 *db)
{
    return sqlite3_create_function_v2(db, "kiln_words", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, kiln_words, NULL,
                                      NULL, NULL);
}
