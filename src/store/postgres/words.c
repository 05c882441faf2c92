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
 * Where a regular expression reads the words exactly as wordmatch.c does (plain text, and
 * ADF without a backslash or the bytes "text"text", up to 1 MiB), the text is split by one
 * (in C); otherwise it is read byte by byte in PL/pgSQL. Both are much slower than
 * wordmatch.c (docs/scale.md has figures): a C extension or an index is the way to speed
 * it. The limits below are wordmatch.h's (32 terms, 16 words a phrase, 128 bytes a word,
 * 1 MiB of text): keep them equal. */
#include "store/postgres/postgres_int.h"

const char pg_words_sql[] =
    /* glob of the pattern p (lower case; * any bytes, ? one byte) against the word w (lower case) */
    "CREATE OR REPLACE FUNCTION kiln_words_glob(p bytea, w bytea) RETURNS boolean LANGUAGE plpgsql IMMUTABLE "
    "PARALLEL SAFE AS $f$ DECLARE"
    "  n integer := length(w); pn integer := length(p); i integer := 0; pi integer := 0;"
    "  star_p integer := -1; star_i integer := 0; pc integer;"
    " BEGIN"
    "  WHILE i < n LOOP"
    "    pc := CASE WHEN pi < pn THEN get_byte(p, pi) ELSE 0 END;"
    "    IF pc = 42 THEN star_p := pi; pi := pi + 1; star_i := i;"
    "    ELSIF pc <> 0 AND (pc = 63 OR pc = get_byte(w, i)) THEN pi := pi + 1; i := i + 1;"
    "    ELSIF star_p <> -1 THEN pi := star_p + 1; star_i := star_i + 1; i := star_i;"
    "    ELSE RETURN false; END IF;"
    "  END LOOP;"
    "  WHILE pi < pn AND get_byte(p, pi) = 42 LOOP pi := pi + 1; END LOOP;"
    "  RETURN pi = pn;"
    " END $f$;"
    "CREATE OR REPLACE FUNCTION kiln_words(t text, adf integer, q text) RETURNS boolean LANGUAGE plpgsql "
    "IMMUTABLE PARALLEL SAFE AS $f$ DECLARE"
    "  b bytea; lb bytea; qb bytea; len integer; qlen integer; i integer := 0; s integer; c integer; k integer;"
    "  phrase boolean; nw integer; w bytea; qw bytea[] := '{}'; qwild boolean[] := '{}'; wild boolean;"
    "  qt text[] := '{}'; qlike text[] := '{}'; wt text[];"
    "  ts integer[] := '{}'; nterms integer := 0; wb bytea[] := '{}'; nwords integer := 0; x text;"
    "  inside boolean := false; found_ boolean; m integer; ok boolean; f0 integer;"
    "  tkey constant bytea := '\\x227465787422'::bytea;" /* "text" */
    " BEGIN"
    "  IF t IS NULL OR q IS NULL THEN RETURN false; END IF;"
    /* ---- the query (wm_compile), lower case (the "C" collation folds ASCII only) ---- */
    "  qb := convert_to(lower(q COLLATE \"C\"), 'UTF8');"
    "  qlen := length(qb);"
    "  WHILE i < qlen LOOP"
    "    phrase := get_byte(qb, i) = 34;"
    "    IF phrase THEN i := i + 1; END IF;"
    "    nw := 0;"
    "    LOOP"
    "      WHILE i < qlen LOOP"
    "        c := get_byte(qb, i);"
    "        EXIT WHEN c BETWEEN 97 AND 122 OR c BETWEEN 48 AND 57 OR c >= 128 OR c IN (42, 63) OR (phrase AND c = 34);"
    "        i := i + 1;"
    "      END LOOP;"
    "      EXIT WHEN i >= qlen OR (phrase AND get_byte(qb, i) = 34) OR (NOT phrase AND nw = 1);"
    "      s := i;"
    "      WHILE i < qlen LOOP"
    "        c := get_byte(qb, i);"
    "        EXIT WHEN NOT (c BETWEEN 97 AND 122 OR c BETWEEN 48 AND 57 OR c >= 128 OR c IN (42, 63));"
    "        i := i + 1;"
    "      END LOOP;"
    "      IF i - s > 128 OR nw = 16 THEN RETURN false; END IF;"
    "      w := substring(qb FROM s + 1 FOR i - s);"
    "      wild := position('\\x2a'::bytea IN w) > 0 OR position('\\x3f'::bytea IN w) > 0;"
    "      CONTINUE WHEN wild AND ltrim(convert_from(w, 'UTF8'), '*?') = '';" /* a wildcard alone names no word */
    "      IF nw = 0 THEN ts := array_append(ts, coalesce(array_length(qw, 1), 0) + 1); END IF;"
    "      qw := array_append(qw, w); qwild := array_append(qwild, wild); nw := nw + 1;"
    "      qt := array_append(qt, convert_from(w, 'UTF8'));"
    "      qlike := array_append(qlike, replace(replace(convert_from(w, 'UTF8'), '*', '%'), '?', '_'));"
    "      EXIT WHEN NOT phrase;"
    "    END LOOP;"
    "    IF phrase AND i < qlen AND get_byte(qb, i) = 34 THEN i := i + 1; END IF;"
    "    CONTINUE WHEN nw = 0;"
    "    IF nterms = 32 THEN RETURN false; END IF;"
    "    nterms := nterms + 1;"
    "  END LOOP;"
    "  IF nterms = 0 THEN RETURN false; END IF;"
    "  ts := array_append(ts, array_length(qw, 1) + 1);"
    /* ---- the text's words (next_word), lower case, split by a regular expression on the
       ASCII non-word characters (each byte of a character >= 0x80 is >= 0x80, so word
       boundaries fall between characters): plain text up to 1 MiB, and an ADF document
       up to 1 MiB whose "text" values a regular expression finds as wordmatch.c does,
       which holds without a backslash (no escapes) and without the bytes "text"text"
       (where wordmatch.c, past a "text" that is no key, does not look back) ---- */
    "  IF octet_length(t) <= 1048576 AND (adf = 0 OR (strpos(t, '\\') = 0 AND strpos(t, '\"text\"text\"') = 0)) THEN"
    "    IF adf <> 0 THEN" /* the values' words follow each other as in one text */
    "      SELECT coalesce(string_agg(v[1], ' '), '') INTO x"
    "        FROM regexp_matches(t, '\"text\"[ \\n]*:[ \\n]*\"([^\"]*)\"?', 'g') AS v;"
    "    ELSE x := t; END IF;"
    "    x := lower(x COLLATE \"C\");"
    /* a word without a wildcard that is nowhere in the text is no word of it: no match,
       without splitting the text (most rows of a search) */
    "    FOR k IN 1 .. array_length(qt, 1) LOOP"
    "      IF NOT qwild[k] AND strpos(x, qt[k]) = 0 THEN RETURN false; END IF;"
    "    END LOOP;"
    "    wt := regexp_split_to_array(x, '[\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]+');"
    /* (an empty first or last element matches no word of a query) */
    "    nwords := coalesce(array_length(wt, 1), 0);"
    "    FOR k IN 1 .. nterms LOOP"
    "      m := ts[k + 1] - ts[k]; ok := false;"
    /* where the term may start: where its first word is, unless it has a wildcard */
    "      FOREACH f0 IN ARRAY CASE WHEN qwild[ts[k]] THEN ARRAY(SELECT generate_series(1, nwords - m + 1))"
    "          ELSE array_positions(wt, qt[ts[k]]) END LOOP"
    "        ok := true;"
    "        FOR s IN 0 .. m - 1 LOOP"
    /* LIKE's _ is one character, ? one byte: the same unless the word has a character >= 0x80 */
    "          IF f0 + s > nwords THEN ok := false;"
    "          ELSIF NOT qwild[ts[k] + s] THEN ok := wt[f0 + s] = qt[ts[k] + s];"
    "          ELSIF position('?' IN qt[ts[k] + s]) = 0 OR octet_length(wt[f0 + s]) = length(wt[f0 + s]) THEN"
    "            ok := wt[f0 + s] LIKE qlike[ts[k] + s];"
    "          ELSE ok := kiln.kiln_words_glob(qw[ts[k] + s], convert_to(wt[f0 + s], 'UTF8')); END IF;"
    "          EXIT WHEN NOT ok;"
    "        END LOOP;"
    "        EXIT WHEN ok;"
    "      END LOOP;"
    "      IF NOT ok THEN RETURN false; END IF;"
    "    END LOOP;"
    "    RETURN true;"
    "  END IF;"
    /* byte by byte: an ADF document's "text" values, or the first 1 MiB of a longer text */
    "    b := convert_to(t, 'UTF8'); len := least(length(b), 1048576);"
    "    lb := convert_to(lower(t COLLATE \"C\"), 'UTF8');"
    "    i := 0;"
    "    <<words>> LOOP"
    "      IF adf <> 0 AND NOT inside THEN"
    "        found_ := false;"
    "        LOOP"
    "          k := position(tkey IN substring(b FROM i + 1 FOR len - i));"
    "          EXIT words WHEN k = 0;"
    "          i := i + k - 1 + 6;"
    "          WHILE i < len AND get_byte(b, i) IN (32, 10) LOOP i := i + 1; END LOOP;"
    "          IF i < len AND get_byte(b, i) = 58 THEN"
    "            i := i + 1;"
    "            WHILE i < len AND get_byte(b, i) IN (32, 10) LOOP i := i + 1; END LOOP;"
    "            IF i < len AND get_byte(b, i) = 34 THEN i := i + 1; found_ := true; END IF;"
    "          END IF;"
    "          EXIT WHEN found_;"
    "        END LOOP;"
    "        inside := true;"
    "      END IF;"
    "      WHILE i < len LOOP"
    "        c := get_byte(b, i);"
    "        EXIT WHEN c BETWEEN 97 AND 122 OR c BETWEEN 65 AND 90 OR c BETWEEN 48 AND 57 OR c >= 128;"
    "        IF adf <> 0 AND c = 92 AND i + 1 < len THEN" /* an escape separates words */
    "          i := i + CASE WHEN get_byte(b, i + 1) = 117 THEN 6 ELSE 2 END;"
    "          CONTINUE;"
    "        END IF;"
    "        IF adf <> 0 AND c = 34 THEN inside := false; i := i + 1; EXIT; END IF;"
    "        i := i + 1;"
    "      END LOOP;"
    "      CONTINUE WHEN adf <> 0 AND NOT inside;"
    "      EXIT WHEN i >= len;"
    "      s := i;"
    "      WHILE i < len LOOP"
    "        c := get_byte(lb, i);"
    "        EXIT WHEN NOT (c BETWEEN 97 AND 122 OR c BETWEEN 48 AND 57 OR c >= 128);"
    "        i := i + 1;"
    "      END LOOP;"
    "      nwords := nwords + 1; wb := array_append(wb, substring(lb FROM s + 1 FOR i - s));"
    "    END LOOP;"
    /* ---- every term occurs: its words on consecutive words of the text ---- */
    "  FOR k IN 1 .. nterms LOOP"
    "    m := ts[k + 1] - ts[k]; ok := false;"
    "    FOR f0 IN 1 .. nwords - m + 1 LOOP"
    "      ok := true;"
    "      FOR s IN 0 .. m - 1 LOOP"
    "        IF qwild[ts[k] + s] THEN ok := kiln.kiln_words_glob(qw[ts[k] + s], wb[f0 + s]);"
    "        ELSE ok := wb[f0 + s] = qw[ts[k] + s]; END IF;"
    "        EXIT WHEN NOT ok;"
    "      END LOOP;"
    "      EXIT WHEN ok;"
    "    END LOOP;"
    "    IF NOT ok THEN RETURN false; END IF;"
    "  END LOOP;"
    "  RETURN true;"
    " END $f$;";
