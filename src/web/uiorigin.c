#include "web/uiorigin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/keys.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "base/relpath.h"
#include "http/reply.h"
#include "http/server.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/plane.h"
#include "platform/snapshot.h"
#include "runtime/supervisor.h"
#include "store/store_installs.h"
#include "web/assets.h"

#define SHIM_PATH "/_kiln/frame-shim.js"
#define SHIM_TAG "<script src=\"" SHIM_PATH "\"></script>"

static struct {
    const char *origin, *kiln_origin, *data_dir;
} U;

void uiorigin_configure(const char *origin, const char *kiln_origin, const char *data_dir)
{
    U.origin = origin;
    U.kiln_origin = kiln_origin;
    U.data_dir = data_dir;
}

const char *uiorigin_url(void)
{
    return U.origin;
}

/* ---------------------------------------------------------------- signed URLs */

static int url_mac(const char *inst, int64_t seq, const char *key, char out[33])
{
    unsigned char k[32], mac[32];
    if (keys_derive("ui resource urls", k) != 0)
        return -1;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s\n%lld\n%s", inst, (long long)seq, key);
    if (n < 0 || (size_t)n >= sizeof msg)
        return -1;
    enc_hmac_sha256(mac, k, sizeof k, msg, (size_t)n);
    enc_hex(out, mac, 16);
    return 0;
}

const char *uiorigin_resource_url(arena_t *a, const char *installation_id, int64_t seq, const char *key,
                                  const char *path)
{
    char mac[33];
    if (!U.origin || url_mac(installation_id, seq, key, mac) != 0)
        return NULL;
    return arena_printf(a, "%s/r/%s/%lld/%s/%s/%s", U.origin, installation_id, (long long)seq, key, mac, path);
}

/* The tag of what an app page's answer holds besides the version's own files: the shim
 * (its built name carries its content's hash), kiln's origin (frame-ancestors) and the UI
 * origin; in `a`, PAGE_TAG_HEX hex digits. NULL when the shim is not built. */
#define PAGE_TAG_HEX 16
static const char *page_tag(arena_t *a)
{
    const char *shim = assets_lookup(a, "frame.js");
    if (!shim || !U.origin)
        return NULL;
    const char *s = arena_printf(a, "%s\n%s\n%s", shim, U.kiln_origin ? U.kiln_origin : "", U.origin);
    unsigned char d[32];
    enc_sha256(d, s, strlen(s));
    char *hex = arena_alloc(a, 2 * sizeof d + 1);
    enc_hex(hex, d, sizeof d);
    hex[PAGE_TAG_HEX] = '\0';
    return hex;
}

const char *uiorigin_module_url(arena_t *a, const char *installation_id, int64_t seq, const char *resource)
{
    const char *slash = strchr(resource, '/');
    if (strlen(resource) > 255)
        return NULL;
    const char *url = uiorigin_resource_url(a, installation_id, seq,
                                            slash ? arena_strndup(a, resource, (size_t)(slash - resource)) : resource,
                                            slash ? arena_printf(a, "%s.html", slash + 1) : "index.html");
    const char *tag = url ? page_tag(a) : NULL;
    return tag ? arena_printf(a, "%s?v=%s", url, tag) : url;
}

/* ---------------------------------------------------------------- the policy */

/* 1 if s can be a CSP source expression as an app names one: a scheme, host (with a
 * leading *.), port and path, nothing that could end a directive or add a keyword. */
static int csp_source_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 512)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(".-_:/*%~", c)))
            return 0;
    }
    return 1;
}

/* 1 if s is a hash source as kiln makes one: 'sha256-<standard base64>'. */
static int csp_source_ok_hash(const char *s)
{
    size_t n = strlen(s);
    if (n != 53 || strncmp(s, "'sha256-", 8) != 0 || s[n - 1] != '\'')
        return 0;
    for (size_t i = 8; i < n - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("+/=", c)))
            return 0;
    }
    return 1;
}

/* Appends each valid source of an external list (strings or {address}). */
static void add_sources(buf_t *b, json_t *list)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *s = json_is_string(e) ? json_string_value(e) : json_str(e, "address");
        if (s && csp_source_ok(s)) {
            buf_adds(b, " ");
            buf_adds(b, s);
        }
    }
}

/* 1 if the content list names `kw` ('unsafe-inline' or 'unsafe-hashes', quotes optional). */
static int content_has(json_t *list, const char *kw)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *s = json_string_value(e);
        if (!s)
            continue;
        size_t n = strlen(s), k = strlen(kw);
        if ((n == k && memcmp(s, kw, k) == 0) ||
            (n == k + 2 && s[0] == '\'' && s[n - 1] == '\'' && memcmp(s + 1, kw, k) == 0))
            return 1;
    }
    return 0;
}

/* One directive per row: its base and where the manifest adds to it. */
static const struct csp_row {
    const char *name, *base;
    const char *external; /* permissions.external.<member> (fetch: fetch.client) */
    const char *content;  /* permissions.content.<member> */
} csp_rows[] = {
    {"default-src", "'self'", NULL, NULL},        {"script-src", "'self'", "scripts", "scripts"},
    {"style-src", "'self'", "styles", "styles"},  {"img-src", "'self' data: blob:", "images", NULL},
    {"media-src", "'self' blob:", "media", NULL}, {"font-src", "'self' data:", "fonts", NULL},
    {"connect-src", "'self'", "fetch", NULL},     {"frame-src", "'self'", "frames", NULL},
    {"object-src", "'none'", NULL, NULL},         {"base-uri", "'self'", NULL, NULL},
    {"form-action", "'self'", NULL, NULL},
};

const char *uiorigin_csp(arena_t *a, json_t *manifest, const char *kiln_origin, const char *script_hash)
{
    json_t *perms = json_object_get(manifest, "permissions");
    json_t *ext = json_object_get(perms, "external"), *content = json_object_get(perms, "content");
    buf_t b;
    buf_init_arena(&b, a, UIORIGIN_CSP_MAX);
    for (size_t i = 0; i < sizeof csp_rows / sizeof *csp_rows; i++) {
        const struct csp_row *r = &csp_rows[i];
        buf_printf(&b, "%s %s", r->name, r->base);
        if (r->content) {
            json_t *list = json_object_get(content, r->content);
            int inl = content_has(list, "unsafe-inline");
            if (inl)
                buf_adds(&b, " 'unsafe-inline'");
            /* a hash source would switch 'unsafe-inline' off: the shim runs without it then */
            else if (!strcmp(r->content, "scripts") && script_hash && csp_source_ok_hash(script_hash))
                buf_printf(&b, " %s", script_hash);
            if (!strcmp(r->content, "scripts") && content_has(list, "unsafe-hashes"))
                buf_adds(&b, " 'unsafe-hashes'");
        }
        if (r->external) {
            json_t *list = json_object_get(ext, r->external);
            add_sources(&b, !strcmp(r->external, "fetch") ? json_object_get(list, "client") : list);
        }
        buf_adds(&b, "; ");
    }
    buf_printf(&b, "frame-ancestors %s", kiln_origin && csp_source_ok(kiln_origin) ? kiln_origin : "'none'");
    return arena_strndup(a, b.ptr ? b.ptr : "", b.len);
}

/* ---------------------------------------------------------------- the shim's tag */

/* The end of the first tag `<name` (case-insensitive, followed by '>' or a space) in
 * html, just past its '>', or NULL. */
static const char *after_tag(const char *html, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i + n + 1 < len; i++) {
        if (html[i] != '<' || strncasecmp(html + i + 1, name, n) != 0)
            continue;
        char c = html[i + 1 + n];
        if (c != '>' && c != ' ' && c != '\t' && c != '\n' && c != '\r')
            continue;
        const char *gt = memchr(html + i, '>', len - i);
        return gt ? gt + 1 : NULL;
    }
    return NULL;
}

char *uiorigin_inject(arena_t *a, const char *html, size_t len, const char *tag, size_t *out_len)
{
    const char *at = after_tag(html, len, "head");
    if (!at)
        at = after_tag(html, len, "html");
    if (!at)
        at = after_tag(html, len, "!doctype");
    if (!at)
        at = html;
    size_t pre = (size_t)(at - html), tl = strlen(tag);
    char *out = arena_alloc(a, len + tl + 1);
    memcpy(out, html, pre);
    memcpy(out + pre, tag, tl);
    memcpy(out + pre + tl, at, len - pre);
    out[len + tl] = '\0';
    *out_len = len + tl;
    return out;
}

/* ---------------------------------------------------------------- files */

static const struct {
    const char *ext, *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* Reads a regular file of at most UIORIGIN_FILE_MAX bytes into `a`. 0, -1 absent (or not
 * a regular file), -2 too large. */
static int read_file(arena_t *a, const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > UIORIGIN_FILE_MAX) {
        close(fd);
        return -2;
    }
    char *p = arena_alloc(a, (size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    p[got] = '\0';
    *out = p;
    *len = got;
    return 0;
}

static void not_found(kreq_t *kr)
{
    reply_header(kr, "x-content-type-options", "nosniff");
    reply_error(kr, 404, 0, "Not Found");
}

/* The frame bundle: the built front end's "frame.js" (web/assets.h), in `a`. 0 or -1. */
static int read_shim(arena_t *a, char **body, size_t *len)
{
    const char *name = assets_lookup(a, "frame.js"), *dir = assets_dir();
    if (!name || !dir || !relpath_ok(name, 255) || strchr(name, '/'))
        return -1;
    return read_file(a, arena_printf(a, "%s/%s", dir, name), body, len) == 0 ? 0 : -1;
}

/* The shim for an app's page: inline (*tag = "<script>...</script>", *hash = the CSP
 * source that lets it run), so the page needs no request of its own before it can be
 * parsed on (a sandboxed frame's subresources are not taken from the HTTP cache). The
 * external SHIM_TAG (and no hash) when the bundle is missing or its text could end or
 * confuse its script element. */
static void shim_tag(arena_t *a, const char **tag, const char **hash)
{
    char *body;
    size_t len;
    *tag = SHIM_TAG;
    *hash = NULL;
    if (read_shim(a, &body, &len) != 0 || memchr(body, '\0', len) || strcasestr(body, "</script") ||
        strstr(body, "<!--"))
        return;
    unsigned char d[32];
    enc_sha256(d, body, len);
    char b64[64];
    enc_b64(b64, d, sizeof d);
    *hash = arena_printf(a, "'sha256-%s'", b64);
    *tag = arena_printf(a, "<script>%s</script>", body);
}

static void serve_shim(kreq_t *kr)
{
    char *body;
    size_t len;
    if (read_shim(kr->arena, &body, &len) != 0) {
        not_found(kr);
        return;
    }
    reply_header(kr, "x-content-type-options", "nosniff");
    reply_header(kr, "cache-control", "no-cache");
    reply_header(kr, "access-control-allow-origin", "*");
    reply_raw(kr, 200, "text/javascript; charset=utf-8", body, len);
}

/* What a request waiting for its version's extraction keeps. */
static void serve(kreq_t *kr);

static void on_extracted(completion_t *done)
{
    rt_job_t *job = (rt_job_t *)done;
    kreq_t *kr = job->c.owner;
    if (kr) {
        kr->waiting = NULL;
        if (job->status == RT_OK)
            serve(kr);
        else {
            reply_header(kr, "retry-after", "5");
            reply_error(kr, 503, 0, "The app's files could not be prepared; retry later.");
        }
    }
    rt_job_free(job);
}

/* /r/{inst}/{seq}/{key}/{mac}/{file...}: checked, then answered (or after extraction). */
static void serve(kreq_t *kr)
{
    if (kr->nseg < 5) {
        not_found(kr);
        return;
    }
    const char *inst = kr->seg[1], *key = kr->seg[3], *mac = kr->seg[4];
    int64_t seq;
    char want[33];
    if (enc_parse_i64(kr->seg[2], 1, INT64_MAX, &seq) != 0 || strlen(mac) != 32 || url_mac(inst, seq, key, want) != 0 ||
        !enc_ct_eq(want, mac, 32)) {
        not_found(kr);
        return;
    }
    /* the file: the segments below the mac, index.html for the folder itself */
    buf_t file;
    buf_init_arena(&file, kr->arena, KILN_MAX_PATH + 16);
    for (size_t i = 5; i < kr->nseg; i++)
        buf_printf(&file, "%s%s", i > 5 ? "/" : "", kr->seg[i]);
    size_t plen = kr->req->query_at == SIZE_MAX ? kr->req->path.len : kr->req->query_at;
    if (file.len == 0 || kr->req->path.base[plen - 1] == '/')
        buf_adds(&file, file.len ? "/index.html" : "index.html");
    const char *rel = arena_strndup(kr->arena, file.ptr, file.len);
    if (!relpath_ok(rel, KILN_MAX_PATH)) {
        not_found(kr);
        return;
    }
    install_rec_t in;
    version_rec_t ver;
    if (store_install_get(kr->store, kr->arena, inst, &in) != STORE_OK || in.removed ||
        install_version(kr->store, kr->arena, &in, &ver) != STORE_OK || ver.seq != seq) {
        not_found(kr); /* uninstalled, or upgraded since: the host asks for a new frame */
        return;
    }
    json_t *manifest = invoke_manifest(kr->arena, &ver);
    const char *folder = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(manifest, "resources"), i, r)
    {
        const char *k = json_str(r, "key");
        if (k && strcmp(k, key) == 0)
            folder = json_str(r, "path");
    }
    if (!folder || !relpath_ok(folder, KILN_MAX_PATH)) {
        not_found(kr);
        return;
    }
    char dir[PATH_MAX];
    if (rt_unpacked_dir(U.data_dir, ver.snapshot, dir, sizeof dir) != 0) {
        not_found(kr);
        return;
    }
    if (access(dir, F_OK) != 0) {
        /* not extracted yet (a data dir from before, a removed cache): the runtime
         * extracts it on a thread of its own and this thread answers when it is done */
        if (plane_kept(kr)) { /* extracted, and still not there */
            reply_error(kr, 503, 0, "The app's files could not be prepared; retry later.");
            return;
        }
        plane_keep(kr, kr);
        rt_job_t *job = rt_job_new();
        job->snapshot = xstrdup(ver.snapshot);
        job->prepare_only = 1;
        job->deadline_ms = clock_now_ms() + 120000;
        job->c.receiver = &kr->thr->completions;
        job->c.owner = kr;
        job->c.done = on_extracted;
        kr->waiting = &job->c;
        if (rt_submit(job) != 0) {
            kr->waiting = NULL;
            rt_job_free(job);
            reply_header(kr, "retry-after", "5");
            reply_error(kr, 503, 0, "The app's files are being prepared; retry later.");
        }
        return;
    }
    /* a UI Kit resource given as its entry file: kiln deploy bundled it (cli/pack.h) */
    struct stat rsb;
    if (stat(arena_printf(kr->arena, "%s/%s", dir, folder), &rsb) != 0 || !S_ISDIR(rsb.st_mode))
        folder = arena_printf(kr->arena, "%s%s", SNAPSHOT_RESOURCES_DIR, key);
    char *body;
    size_t len;
    int rc = read_file(kr->arena, arena_printf(kr->arena, "%s/%s/%s", dir, folder, rel), &body, &len);
    if (rc != 0) {
        if (rc == -2)
            reply_error(kr, 413, 0, "The file is larger than kiln serves.");
        else
            not_found(kr);
        return;
    }
    const char *type = type_of(rel), *tag = NULL, *hash = NULL;
    int html = strncmp(type, "text/html", 9) == 0;
    if (html) {
        shim_tag(kr->arena, &tag, &hash);
        body = uiorigin_inject(kr->arena, body, len, tag, &len);
    }
    reply_header(kr, "content-security-policy", uiorigin_csp(kr->arena, manifest, U.kiln_origin, hash));
    reply_header(kr, "x-content-type-options", "nosniff");
    reply_header(kr, "referrer-policy", "no-referrer");
    reply_header(kr, "access-control-allow-origin", "*");
    /* a page is cached only at the URL that names what it holds besides the version's
     * files (?v=, page_tag): a new shim or origin is a new URL */
    int bad = 0;
    const char *v = html ? kreq_query(kr, "v", &bad) : NULL, *page = v && !bad ? page_tag(kr->arena) : NULL;
    int fresh = page && strlen(v) == PAGE_TAG_HEX && enc_ct_eq(page, v, PAGE_TAG_HEX);
    reply_header(kr, "cache-control",
                 !html   ? "public, max-age=31536000, immutable"
                 : fresh ? "private, max-age=31536000, immutable"
                         : "no-cache");
    reply_raw(kr, 200, type, body, len);
}

void uiorigin_handle(kreq_t *kr)
{
    if (!kreq_method_is(kr, "GET") && !kreq_method_is(kr, "HEAD")) {
        reply_header(kr, "allow", "GET, HEAD");
        reply_error(kr, 405, 0, "Method Not Allowed");
        return;
    }
    if (kr->nseg == 2 && !strcmp(kr->seg[0], "_kiln") && !strcmp(kr->seg[1], "frame-shim.js")) {
        serve_shim(kr);
        return;
    }
    if (kr->nseg >= 1 && !strcmp(kr->seg[0], "r")) {
        serve(kr);
        return;
    }
    not_found(kr);
}
