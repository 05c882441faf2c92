#include "http/request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "http/reply.h"

/* Walks the query string; calls back with each decoded name=value pair. */
static size_t query_scan(kreq_t *kr, const char *name, const char **out, size_t max, int *bad)
{
    size_t found = 0, nl = strlen(name), params = 0;
    const char *p = kr->query, *end = kr->query + kr->query_len;
    while (p && p < end && params++ < KILN_MAX_QUERY_PARAMS) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        const char *ke = eq ? eq : pe;
        char kbuf[64];
        long kl = (size_t)(ke - p) < sizeof kbuf ? enc_pct_decode(kbuf, p, (size_t)(ke - p), 1) : -1;
        if (kl == (long)nl && memcmp(kbuf, name, nl) == 0 && found < max) {
            const char *v = eq ? eq + 1 : pe;
            char *dec = arena_alloc(kr->arena, (size_t)(pe - v) + 1);
            long dl = dec ? enc_pct_decode(dec, v, (size_t)(pe - v), 1) : -1;
            if (dl < 0 || memchr(dec, '\0', (size_t)dl)) {
                if (bad)
                    *bad = 1;
            } else {
                out[found++] = dec;
            }
        }
        p = amp ? amp + 1 : end;
    }
    return found;
}

const char *kreq_query(kreq_t *kr, const char *name, int *bad)
{
    const char *v = NULL;
    return query_scan(kr, name, &v, 1, bad) ? v : NULL;
}

int kreq_query_int(kreq_t *kr, const char *name, int64_t min, int64_t max, int64_t *v)
{
    int bad = 0;
    const char *q = kreq_query(kr, name, &bad);
    if (bad)
        return -1;
    return q ? enc_parse_i64(q, min, max, v) : 0;
}

size_t kreq_query_all(kreq_t *kr, const char *name, const char **out, size_t max, int *bad)
{
    return query_scan(kr, name, out, max, bad);
}

int kreq_bearer(kreq_t *kr, const char **cred, size_t *len)
{
    ssize_t i = h2o_find_header(&kr->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0)
        return -1;
    h2o_iovec_t v = kr->req->headers.entries[i].value;
    if (v.len <= 7 || strncasecmp(v.base, "Bearer ", 7) != 0)
        return -1;
    *cred = v.base + 7;
    *len = v.len - 7;
    return 0;
}

const char *kreq_header(kreq_t *kr, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&kr->req->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = kr->req->headers.entries[i].value;
    return arena_strndup(kr->arena, v.base, v.len);
}

/* 400 for a body string with a NUL in it, at `path` (json_nul_field). Jira's errors key
 * on field ids: the member under "fields" (issue bodies) or the top-level member. */
static void refuse_nul(kreq_t *kr, int jira, const char *path)
{
    static const char msg[] = "The value must not contain a NUL character (\\u0000).";
    if (!jira) {
        reply_error(kr, 400, 0,
                    arena_printf(kr->arena, "The field \"%s\" must not contain a NUL character (\\u0000).", path));
        return;
    }
    const char *f = strncmp(path, "fields.", 7) == 0 ? path + 7 : path;
    size_t n = strcspn(f, ".[");
    reply_field_errors(kr, 400, json_pack("{s:s}", n ? arena_strndup(kr->arena, f, n) : "body", msg));
}

json_t *kreq_json_body(kreq_t *kr, int jira)
{
    return kreq_json_body_keep(kr, jira, NULL);
}

json_t *kreq_json_body_keep(kreq_t *kr, int jira, const char *const *keep)
{
    const char *ct = kreq_header(kr, "content-type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        reply_error(kr, 415, jira, "Unsupported Media Type: send Content-Type: application/json");
        return NULL;
    }
    h2o_iovec_t body = kr->req->entity;
    if (!body.base || body.len == 0) {
        reply_error(kr, 400, jira, "Request body is empty; a JSON object is required.");
        return NULL;
    }
    json_err_t err;
    json_t *j = json_parse_arena(kr->arena, body.base, body.len, KILN_MAX_JSON_DEPTH, &err);
    if (!j) {
        reply_error(kr, 400, jira,
                    err.code == JERR_DEPTH ? "JSON nested too deeply" : "Malformed JSON in request body");
        return NULL;
    }
    if (!json_is_object(j)) {
        reply_error(kr, 400, jira, "The request body must be a JSON object.");
        return NULL;
    }
    char path[128];
    if (json_nul_field(j, body.base, body.len, keep, path, sizeof path)) {
        refuse_nul(kr, jira, path);
        return NULL;
    }
    return j;
}

int kreq_ctx_index(void)
{
    static int next;
    int i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
    if (i >= KREQ_CTX_MAX) {
        log_msg(LOG_ERROR, "kreq: more modules want request state than KREQ_CTX_MAX", NULL);
        abort();
    }
    return i;
}
