/* kiln_words(text, adf, query) on PostgreSQL (postgres_int.h): the JQL text search's word
 * match, the twin of the SQLite function (sqlite/words.c over base/wordmatch.c), which
 * search.c's ~ clauses call in both dialects. PL/pgSQL over the UTF-8 bytes of the text
 * and the query, so that it matches exactly where wordmatch.c does: a word is a run of
 * ASCII letters and digits and bytes >= 0x80, compared without ASCII case only; ? is one
 * byte; a text is searched in its first WM_MAX_TEXT bytes; a query past a limit of
 * wordmatch.h (WM_MAX_TERMS, WM_MAX_PHRASE, WM_MAX_WORD) or without a word matches
 * nothing; ADF documents are read as wordmatch.c reads them (the "text" members' string
 * values; a JSON escape ends a word). Returns a boolean (SQLite: 1 or 0); a NULL text or
 * query is false, never NULL, so NOT kiln_words(...) is true there as on SQLite.
 *
 * Slower than the C function (a loop per byte in PL/pgSQL): correct first; a C extension
 * or an index is the way to speed it (docs/scale.md). The limits below are wordmatch.h's
 * (32 terms, 16 words a phrase, 128 bytes a word, 1 MiB of text): keep them equal. */
#include "store/postgres/postgres_int.h"

const char pg_words_sql[] =
    /* a byte of a word: ASCII letter or digit, or >= 0x80 */
    "CREATE OR REPLACE FUNCTION kiln_words_isword(c integer) RETURNS boolean LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS 'SELECT (c BETWEEN 48 AND 57) OR (c BETWEEN 65 AND 90) OR (c BETWEEN 97 AND 122) OR c >= 128';"
    /* glob of the lower-case pattern p (* any bytes, ? one byte) against the word w, without ASCII case */
    "CREATE OR REPLACE FUNCTION kiln_words_glob(p bytea, w bytea) RETURNS boolean LANGUAGE plpgsql IMMUTABLE "
    "PARALLEL SAFE AS $f$ DECLARE"
    "  n integer := length(w); pn integer := length(p); i integer := 0; pi integer := 0;"
    "  star_p integer := -1; star_i integer := 0; c integer; pc integer;"
    " BEGIN"
    "  WHILE i < n LOOP"
    "    pc := CASE WHEN pi < pn THEN get_byte(p, pi) ELSE 0 END;"
    "    c := get_byte(w, i);"
    "    IF c BETWEEN 65 AND 90 THEN c := c + 32; END IF;"
    "    IF pc = 42 THEN star_p := pi; pi := pi + 1; star_i := i;"
    "    ELSIF pc <> 0 AND (pc = 63 OR pc = c) THEN pi := pi + 1; i := i + 1;"
    "    ELSIF star_p <> -1 THEN pi := star_p + 1; star_i := star_i + 1; i := star_i;"
    "    ELSE RETURN false; END IF;"
    "  END LOOP;"
    "  WHILE pi < pn AND get_byte(p, pi) = 42 LOOP pi := pi + 1; END LOOP;"
    "  RETURN pi = pn;"
    " END $f$;"
    "CREATE OR REPLACE FUNCTION kiln_words(t text, adf integer, q text) RETURNS boolean LANGUAGE plpgsql "
    "IMMUTABLE PARALLEL SAFE AS $f$ DECLARE"
    "  b bytea; qb bytea; len integer; qlen integer; i integer := 0; s integer; c integer; k integer;"
    "  phrase boolean; nw integer; w bytea; qw bytea[] := '{}'; ts integer[] := '{}'; nterms integer := 0;"
    "  ws integer[] := '{}'; wl integer[] := '{}'; nwords integer := 0; inside boolean := false;"
    "  found_ boolean; m integer; ok boolean;"
    "  tkey constant bytea := '\\x227465787422'::bytea;" /* "text" */
    " BEGIN"
    "  IF t IS NULL OR q IS NULL THEN RETURN false; END IF;"
    /* ---- the query (wm_compile) ---- */
    "  qb := convert_to(q, 'UTF8'); qlen := length(qb);"
    "  WHILE i < qlen LOOP"
    "    phrase := get_byte(qb, i) = 34;"
    "    IF phrase THEN i := i + 1; END IF;"
    "    nw := 0;"
    "    LOOP"
    "      WHILE i < qlen AND NOT (kiln.kiln_words_isword(get_byte(qb, i)) OR get_byte(qb, i) IN (42, 63)"
    "            OR (phrase AND get_byte(qb, i) = 34)) LOOP i := i + 1; END LOOP;"
    "      EXIT WHEN i >= qlen OR (phrase AND get_byte(qb, i) = 34) OR (NOT phrase AND nw = 1);"
    "      s := i;"
    "      WHILE i < qlen AND (kiln.kiln_words_isword(get_byte(qb, i)) OR get_byte(qb, i) IN (42, 63)) LOOP"
    "        i := i + 1; END LOOP;"
    "      IF i - s > 128 OR nw = 16 THEN RETURN false; END IF;"
    "      w := substring(qb FROM s + 1 FOR i - s);"
    "      ok := false;" /* a wildcard alone names no word */
    "      FOR k IN 0 .. length(w) - 1 LOOP"
    "        c := get_byte(w, k);"
    "        IF c BETWEEN 65 AND 90 THEN w := set_byte(w, k, c + 32); END IF;"
    "        IF c NOT IN (42, 63) THEN ok := true; END IF;"
    "      END LOOP;"
    "      CONTINUE WHEN NOT ok;"
    "      IF nw = 0 THEN ts := array_append(ts, coalesce(array_length(qw, 1), 0) + 1); END IF;"
    "      qw := array_append(qw, w); nw := nw + 1;"
    "      EXIT WHEN NOT phrase;"
    "    END LOOP;"
    "    IF phrase AND i < qlen AND get_byte(qb, i) = 34 THEN i := i + 1; END IF;"
    "    CONTINUE WHEN nw = 0;"
    "    IF nterms = 32 THEN RETURN false; END IF;"
    "    nterms := nterms + 1;"
    "  END LOOP;"
    "  IF nterms = 0 THEN RETURN false; END IF;"
    "  ts := array_append(ts, array_length(qw, 1) + 1);"
    /* ---- the text's words (next_word), as offsets and lengths ---- */
    "  b := convert_to(t, 'UTF8'); len := least(length(b), 1048576); i := 0;"
    "  <<words>> LOOP"
    "    IF adf <> 0 AND NOT inside THEN"
    "      found_ := false;"
    "      LOOP"
    "        k := position(tkey IN substring(b FROM i + 1 FOR len - i));"
    "        EXIT words WHEN k = 0;"
    "        i := i + k - 1 + 6;"
    "        WHILE i < len AND get_byte(b, i) IN (32, 10) LOOP i := i + 1; END LOOP;"
    "        IF i < len AND get_byte(b, i) = 58 THEN"
    "          i := i + 1;"
    "          WHILE i < len AND get_byte(b, i) IN (32, 10) LOOP i := i + 1; END LOOP;"
    "          IF i < len AND get_byte(b, i) = 34 THEN i := i + 1; found_ := true; END IF;"
    "        END IF;"
    "        EXIT WHEN found_;"
    "      END LOOP;"
    "      inside := true;"
    "    END IF;"
    "    WHILE i < len AND NOT kiln.kiln_words_isword(get_byte(b, i)) LOOP"
    "      IF adf <> 0 AND get_byte(b, i) = 92 AND i + 1 < len THEN"
    "        i := i + CASE WHEN get_byte(b, i + 1) = 117 THEN 6 ELSE 2 END;" /* an escape separates words */
    "        CONTINUE;"
    "      END IF;"
    "      IF adf <> 0 AND get_byte(b, i) = 34 THEN inside := false; i := i + 1; EXIT; END IF;"
    "      i := i + 1;"
    "    END LOOP;"
    "    CONTINUE WHEN adf <> 0 AND NOT inside;"
    "    EXIT WHEN i >= len;"
    "    s := i;"
    "    WHILE i < len AND kiln.kiln_words_isword(get_byte(b, i)) LOOP i := i + 1; END LOOP;"
    "    nwords := nwords + 1; ws := array_append(ws, s); wl := array_append(wl, i - s);"
    "  END LOOP;"
    /* ---- every term occurs: its words on consecutive words of the text ---- */
    "  FOR k IN 1 .. nterms LOOP"
    "    m := ts[k + 1] - ts[k]; ok := false;"
    "    FOR f0 IN 1 .. nwords - m + 1 LOOP"
    "      ok := true;"
    "      FOR s IN 0 .. m - 1 LOOP"
    "        IF NOT kiln.kiln_words_glob(qw[ts[k] + s], substring(b FROM ws[f0 + s] + 1 FOR wl[f0 + s])) THEN"
    "          ok := false; EXIT; END IF;"
    "      END LOOP;"
    "      EXIT WHEN ok;"
    "    END LOOP;"
    "    IF NOT ok THEN RETURN false; END IF;"
    "  END LOOP;"
    "  RETURN true;"
    " END $f$;";
