#include "web/assets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/relpath.h"
#include "http/reply.h"
#include "web/headers.h"
#include "web/web.h"

static struct {
    pthread_once_t once;
    pthread_mutex_t mu;
    char dir[PATH_MAX];
    int have_dir;
    const char *given;
    json_t *map;           /* assets.json, under mu */
    struct timespec mtime; /* of the map read */
    off_t size;
} A = {PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER};

void assets_set_dir(const char *dir)
{
    A.given = dir;
}

static void find_dir(void)
{
    char path[PATH_MAX + 32];
    if (A.given) {
        A.have_dir = realpath(A.given, A.dir) != NULL;
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
        *slash = '\0';
        snprintf(path, sizeof path, "%s/ui/assets.json", exe);
        if (access(path, R_OK) == 0) {
            snprintf(path, sizeof path, "%s/ui", exe);
            A.have_dir = realpath(path, A.dir) != NULL;
            return;
        }
    }
}

const char *assets_dir(void)
{
    pthread_once(&A.once, find_dir);
    return A.have_dir ? A.dir : NULL;
}

/* Reads assets.json again when it changed; call with A.mu held. */
static void refresh(void)
{
    const char *dir = assets_dir();
    if (!dir)
        return;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/assets.json", dir);
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size > (off_t)ASSETS_JSON_MAX) {
        json_decref(A.map);
        A.map = NULL;
        return;
    }
    if (A.map && st.st_mtim.tv_sec == A.mtime.tv_sec && st.st_mtim.tv_nsec == A.mtime.tv_nsec && st.st_size == A.size)
        return;
    json_error_t e;
    json_t *m = json_load_file(path, 0, &e);
    json_decref(A.map);
    A.map = json_is_object(m) ? m : NULL;
    if (!A.map)
        json_decref(m);
    A.mtime = st.st_mtim;
    A.size = st.st_size;
}

const char *assets_lookup(arena_t *a, const char *logical)
{
    pthread_mutex_lock(&A.mu);
    refresh();
    const char *v = A.map ? json_string_value(json_object_get(A.map, logical)) : NULL;
    const char *out = v && strlen(v) <= ASSET_NAME_MAX && relpath_ok(v, ASSET_NAME_MAX) && !strchr(v, '/')
                          ? arena_strdup(a, v)
                          : NULL;
    pthread_mutex_unlock(&A.mu);
    return out;
}

/* whether `name` is one of the files assets.json names */
static int listed(const char *name)
{
    int found = 0;
    pthread_mutex_lock(&A.mu);
    refresh();
    const char *k;
    json_t *v;
    if (A.map)
        json_object_foreach(A.map, k, v) if (json_is_string(v) && strcmp(json_string_value(v), name) == 0) found = 1;
    pthread_mutex_unlock(&A.mu);
    return found;
}

static const struct {
    const char *ext, *type;
} types[] = {
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".map", "application/json"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ico", "image/x-icon"},
};

static const char *type_of(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        size_t el = strlen(types[i].ext);
        if (n > el && strcmp(name + n - el, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

static void not_found(kreq_t *kr)
{
    web_headers_asset(kr);
    reply_raw(kr, 404, "text/plain; charset=utf-8", "Not Found\n", 10);
}

static int get_or_head(kreq_t *kr)
{
    if (kreq_method_is(kr, "GET") || kreq_method_is(kr, "HEAD"))
        return 1;
    web_headers_asset(kr);
    reply_header(kr, "allow", "GET, HEAD");
    reply_raw(kr, 405, "text/plain; charset=utf-8", "Method Not Allowed\n", 19);
    return 0;
}

/* The bundle's file `name` (one that assets.json lists), with `cache` as Cache-Control, an
 * ETag and 304 for If-None-Match; 404 for anything else. */
static void serve(kreq_t *kr, const char *name, const char *cache)
{
    const char *type = name ? type_of(name) : NULL;
    const char *dir = assets_dir();
    if (!name || !type || strlen(name) > ASSET_NAME_MAX || !relpath_ok(name, ASSET_NAME_MAX) || strchr(name, '/') ||
        !dir || !listed(name)) {
        not_found(kr);
        return;
    }
    char path[PATH_MAX + ASSET_NAME_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)ASSET_FILE_MAX) {
        if (fd >= 0)
            close(fd);
        not_found(kr);
        return;
    }
    const char *etag = arena_printf(kr->arena, "\"%s-%llx\"", name, (unsigned long long)st.st_size);
    web_headers_asset(kr);
    reply_header(kr, "cache-control", cache);
    reply_header(kr, "etag", etag);
    const char *inm = kreq_header(kr, "if-none-match");
    if (inm && strstr(inm, etag)) {
        close(fd);
        reply_raw(kr, 304, type, "", 0);
        return;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = arena_alloc(kr->arena, len + 1);
    while (buf && got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
        if (r <= 0 && errno != EINTR)
            break;
        if (r > 0)
            got += (size_t)r;
    }
    close(fd);
    if (!buf || got != len) {
        reply_raw(kr, 500, "text/plain; charset=utf-8", "Internal Server Error\n", 22);
        return;
    }
    reply_raw(kr, 200, type, buf, len);
}

void web_assets(kreq_t *kr)
{
    /* _ui / assets / <name>: one plain segment that assets.json lists; every name is hashed */
    if (get_or_head(kr))
        serve(kr, kr->nseg == 3 ? kr->seg[2] : NULL, "public, max-age=31536000, immutable");
}

void web_favicon(kreq_t *kr)
{
    /* the name stays, the icon may change with a build: a day, then revalidated by ETag */
    if (get_or_head(kr))
        serve(kr, assets_lookup(kr->arena, "favicon.ico"), "public, max-age=86400");
}
