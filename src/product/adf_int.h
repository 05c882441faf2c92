/* What the adf*.c files share: the node and mark tables, the output buffer of the
 * converters and the error formatting. Not for other modules (product/adf.h is the
 * contract). */
#ifndef KILN_PRODUCT_ADF_INT_H
#define KILN_PRODUCT_ADF_INT_H

#include <stdint.h>

#include "base/buf.h"
#include "product/adf.h"

/* Node types of kiln's subset, one bit each in the content masks. */
typedef enum {
    AN_DOC,
    AN_PARAGRAPH,
    AN_TEXT,
    AN_HEADING,
    AN_BULLETLIST,
    AN_ORDEREDLIST,
    AN_LISTITEM,
    AN_CODEBLOCK,
    AN_BLOCKQUOTE,
    AN_RULE,
    AN_HARDBREAK,
    AN_MENTION,
    AN_EMOJI,
    AN_INLINECARD,
    AN_PANEL,
    AN_TABLE,
    AN_TABLEROW,
    AN_TABLEHEADER,
    AN_TABLECELL,
    AN_MEDIASINGLE,
    AN_MEDIA,
    AN_MEDIAGROUP,
    AN_STATUS,
    AN_DATE,
    AN_EXPAND,
    AN_NESTEDEXPAND,
    AN_TASKLIST,
    AN_TASKITEM,
    AN_DECISIONLIST,
    AN_DECISIONITEM,
    AN_BLOCKCARD,
    AN__COUNT,
    AN_UNKNOWN = AN__COUNT
} adf_node_t;

typedef enum {
    AM_STRONG,
    AM_EM,
    AM_CODE,
    AM_STRIKE,
    AM_UNDERLINE,
    AM_LINK,
    AM_TEXTCOLOR,
    AM_SUBSUP,
    AM_ALIGNMENT,
    AM_INDENTATION,
    AM__COUNT,
    AM_UNKNOWN = AM__COUNT
} adf_mark_t;

extern const char *const adf_node_names[AN__COUNT];
extern const char *const adf_mark_names[AM__COUNT];

/* The type of a node object (AN_UNKNOWN for anything else, a non-object included). */
adf_node_t adf_node_type(const json_t *n);
adf_mark_t adf_mark_type(const json_t *m);

/* Member `key` of n's attrs when it is a string, else NULL. */
const char *adf_attr_str(const json_t *n, const char *key);

/* The panel types and the background colours Jira's wiki writes for them. */
const char *adf_panel_color(const char *panel_type);
const char *adf_panel_type(const char *color, size_t n); /* NULL: none matches */

/* 1 if s[0..n) is "#" and six hex digits. */
int adf_is_color(const char *s, size_t n);
/* A date node's timestamp (milliseconds since the epoch, as digits) as yyyy-mm-dd into
 * out[11]; 0, or -1 when it is not one. */
int adf_date_ymd(const char *ts, char out[11]);

/* A converter's output: a heap buffer capped at ADF_MAX_OUT, with the walk's limits. */
enum { ADF_OUT_SHAPE = -10 };

typedef struct adf_out {
    buf_t b;
    int err;        /* sticky: ADF_ELIMIT when the cap was reached, ADF_OUT_SHAPE past
                     * ADF_MAX_NODES or ADF_MAX_DEPTH */
    unsigned nodes; /* visited, refused past ADF_MAX_NODES */
    unsigned depth;
} adf_out_t;

void adf_out_init(adf_out_t *o);
void adf_out_add(adf_out_t *o, const char *s, size_t n);
void adf_out_adds(adf_out_t *o, const char *s);
/* Ends a conversion: copies the text into `a`, frees the buffer, fills the error. */
int adf_out_finish(adf_out_t *o, arena_t *a, char **out, size_t *len, adf_error_t *err, const char *what);

/* err->code = code and err->msg = printf(fmt) */
int adf_fail(adf_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Client text made safe for a message: at most 16 bytes, non-printable bytes as '?',
 * "..." when cut. out must hold 24 bytes. */
const char *adf_quote(const char *s, size_t n, char out[24]);

#endif
