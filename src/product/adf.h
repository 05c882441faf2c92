/* adf: Atlassian Document Format, the rich text of Jira fields (description, comment and
 * worklog bodies, environment, textarea custom fields; docs/adf.md).
 *
 * kiln stores a field's ADF document as the client sent it, once adf_check accepted it,
 * and converts on the way out: /rest/api/3 serves the document, /rest/api/2 its wiki
 * markup (adf_to_wiki), renderedFields its HTML (adf_to_html), JQL's `~` and summaries its
 * text (adf_to_text). A v2 write sends wiki markup or plain text: adf_from_wiki makes the
 * document to store.
 *
 * Every function is bounded: a document past a limit below is refused with ADF_ELIMIT and
 * a message, never cut short; output is built in a buffer capped at ADF_MAX_OUT and
 * copied into the caller's arena (ADF_ENOMEM when the arena's cap is reached). A
 * document adf_check accepts always converts: the caps are sized for the largest one it
 * accepts (tests/unit/test_adf.c builds it). The converters read any JSON without
 * trusting it (a node they do not know shows its children), but only checked documents
 * are promised output. Nothing here knows a site or a store. `err` may be NULL.
 *
 * In a handler: a v3 write adf_checks the field's document and stores json_dump_arena of
 * it; a v2 write stores json_dump_arena of adf_from_wiki(string). A v3 read writes the
 * stored document as it is (jw_raw), a v2 read adf_to_wiki of it, renderedFields
 * adf_to_html. A refused document is Jira's 400 under errors.<field>. */
#ifndef KILN_PRODUCT_ADF_H
#define KILN_PRODUCT_ADF_H

#include <jansson.h>
#include <stddef.h>

#include "base/arena.h"

/* Limits on what a client can size (base/limits.h style). */
#define ADF_MAX_DEPTH 32u       /* nesting of nodes; the doc is depth 1 */
#define ADF_MAX_NODES 20000u    /* nodes and marks of one document */
#define ADF_MAX_TEXT (1u << 20) /* bytes of text and of rendered attributes (href, id, ...) */
#define ADF_MAX_WIKI (1u << 20) /* bytes of wiki markup adf_from_wiki reads */
#define ADF_MAX_OUT (16u << 20) /* bytes of one conversion's output */
#define ADF_MAX_LIST_DEPTH 12u  /* nested lists `*****` adf_from_wiki builds */

enum { ADF_OK = 0, ADF_EINVALID = -1, ADF_ELIMIT = -2, ADF_ENOMEM = -3 };

typedef struct adf_error {
    int code;      /* ADF_EINVALID, ADF_ELIMIT, ADF_ENOMEM */
    char msg[768]; /* one line: "content[2].content[0]: unknown node type 'foo'"; client
                    * text in it is cut to a few characters and made printable */
} adf_error_t;

/* Validates `doc` as an ADF document of kiln's subset of the schema (docs/adf.md): the
 * root {"type":"doc","version":1,"content":[...]}, each node's type, where it may stand,
 * its required content, attributes and marks, and the limits above. Unknown attributes
 * of known nodes are accepted (and kept); unknown node and mark types are refused.
 * Returns ADF_OK, or ADF_EINVALID / ADF_ELIMIT with err->msg naming the first problem's
 * position. */
int adf_check(const json_t *doc, adf_error_t *err);

/* ADF -> Jira wiki markup (what /rest/api/2 serves). *out is NUL-terminated, in `a`;
 * *len its length (len may be NULL). Returns ADF_OK or an error (limits, arena cap). */
int adf_to_wiki(arena_t *a, const json_t *doc, char **out, size_t *len, adf_error_t *err);

/* ADF -> plain text: the text content, blocks separated by newlines, mentions, emoji,
 * statuses and dates as their text. For JQL's text search and summaries. */
int adf_to_text(arena_t *a, const json_t *doc, char **out, size_t *len, adf_error_t *err);

/* ADF -> HTML as renderedFields serve it. Every text and attribute is escaped; a link
 * whose href is not http:, https: or mailto: is rendered as its text alone. */
int adf_to_html(arena_t *a, const json_t *doc, char **out, size_t *len, adf_error_t *err);

/* Wiki markup or plain text (n bytes of UTF-8, need not be NUL-terminated; invalid
 * UTF-8 and NUL are refused with ADF_EINVALID) -> an ADF document that adf_check
 * accepts. Plain text becomes paragraphs (split at blank lines) with hardBreaks for single
 * newlines, so adf_to_wiki gives back the very same string; markup kiln does not know
 * stays literal text. *out is owned by `a` (json_own); NULL on error. */
int adf_from_wiki(arena_t *a, const char *s, size_t n, json_t **out, adf_error_t *err);

/* The account ids a document mentions (its `mention` nodes' attrs.id), each once, in the
 * order they first stand, at most ADF_MAX_MENTIONS (the rest are left out), skipping
 * `except` (the writer: Forge does not count a self-mention; may be NULL). *ids is in `a`.
 * Reads any JSON without trusting it, to ADF_MAX_DEPTH. ADF_OK or ADF_ENOMEM. */
#define ADF_MAX_MENTIONS 100u
int adf_mentions(arena_t *a, const json_t *doc, const char *except, const char ***ids, size_t *n);

#endif
