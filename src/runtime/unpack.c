#include "runtime/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/enc.h"
#include "base/relpath.h"

/* The one reader of snapshots: tar, plain or gzip. */
static struct archive *reader_open(const char *path)
{
    struct archive *ar = archive_read_new();
    archive_read_support_format_tar(ar);
    archive_read_support_filter_none(ar);
    archive_read_support_filter_gzip(ar);
    if (archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
        archive_read_free(ar);
        return NULL;
    }
    return ar;
}

/* ---------------------------------------------------------------- the entry table */

enum { T_FILE = 1, T_DIR, T_LINK };

typedef struct entry {
    char *name;   /* normalised: no "./" prefix, no trailing '/' */
    char *target; /* T_LINK */
    int type;
} entry_t;

typedef struct table {
    entry_t *e;
    size_t n, cap;
    size_t *slots; /* open addressing: index + 1, 0 empty */
    size_t nslots;
} table_t;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static entry_t *find(const table_t *t, const char *s, size_t n)
{
    if (!t->nslots)
        return NULL;
    for (size_t i = hash(s, n) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
        size_t k = t->slots[i];
        if (!k)
            return NULL;
        entry_t *e = &t->e[k - 1];
        if (strlen(e->name) == n && memcmp(e->name, s, n) == 0)
            return e;
    }
}

static void rehash(table_t *t, size_t nslots)
{
    free(t->slots);
    t->slots = xcalloc(nslots, sizeof *t->slots);
    t->nslots = nslots;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = hash(t->e[k].name, strlen(t->e[k].name)) & (nslots - 1);
        while (t->slots[i])
            i = (i + 1) & (nslots - 1);
        t->slots[i] = k + 1;
    }
}

/* 0, or -1 when the name is there already. */
static int add(table_t *t, char *name, char *target, int type)
{
    if (find(t, name, strlen(name)))
        return -1;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        entry_t *ne = realloc(t->e, t->cap * sizeof *t->e);
        if (!ne)
            abort();
        t->e = ne;
    }
    t->e[t->n++] = (entry_t){.name = name, .target = target, .type = type};
    if (t->n * 2 > t->nslots)
        rehash(t, t->nslots ? t->nslots * 2 : 1024);
    else {
        size_t i = hash(name, strlen(name)) & (t->nslots - 1);
        while (t->slots[i])
            i = (i + 1) & (t->nslots - 1);
        t->slots[i] = t->n;
    }
    return 0;
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].name);
        free(t->e[i].target);
    }
    free(t->e);
    free(t->slots);
}

/* ---------------------------------------------------------------- names and links */

/* Resolves symlink `e` against the root, through the table's links, fully. 0 when every
 * step stays inside, -1 when one leaves, a target is absolute, or the chain is too long. */
static int link_stays(const table_t *t, const entry_t *e)
{
    buf_t cur, todo;
    buf_init(&cur, 2 * UNPACK_MAX_NAME + 2);                        /* the resolved path so far */
    buf_init(&todo, (UNPACK_MAX_HOPS + 2) * (UNPACK_MAX_NAME + 1)); /* what is left to walk */
    int rc = -1, hops = 0;
    const char *slash = strrchr(e->name, '/');
    if (slash && buf_add(&cur, e->name, (size_t)(slash - e->name)) != 0)
        goto out;
    if (!e->target || !*e->target || e->target[0] == '/' || buf_adds(&todo, e->target) != 0)
        goto out;
    size_t pos = 0; /* into todo */
    while (pos < todo.len) {
        const char *s = todo.ptr + pos, *end = memchr(s, '/', todo.len - pos);
        size_t n = end ? (size_t)(end - s) : todo.len - pos;
        pos += n + (end != NULL);
        if (n == 0 || (n == 1 && s[0] == '.'))
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (cur.len == 0)
                goto out; /* above the root */
            char *up = memrchr(cur.ptr, '/', cur.len);
            cur.len = up ? (size_t)(up - cur.ptr) : 0;
            continue;
        }
        size_t before = cur.len;
        if ((cur.len && buf_add(&cur, "/", 1) != 0) || buf_add(&cur, s, n) != 0)
            goto out;
        const entry_t *l = find(t, cur.ptr, cur.len);
        if (!l || l->type != T_LINK)
            continue;
        /* a link on the way: walk its target from the link's directory, then the rest */
        if (++hops > UNPACK_MAX_HOPS || !l->target || !*l->target || l->target[0] == '/')
            goto out;
        cur.len = before;
        buf_t next;
        buf_init(&next, todo.max);
        int bad =
            buf_adds(&next, l->target) != 0 ||
            (pos < todo.len && (buf_add(&next, "/", 1) != 0 || buf_add(&next, todo.ptr + pos, todo.len - pos) != 0));
        buf_free(&todo);
        todo = next;
        pos = 0;
        if (bad)
            goto out;
    }
    rc = 0;
out:
    buf_free(&cur);
    buf_free(&todo);
    return rc;
}

/* ---------------------------------------------------------------- verify */

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(err, errlen, __VA_ARGS__);                                                                            \
        goto out;                                                                                                      \
    } while (0)

int unpack_verify(const char *path, const unpack_rules_t *rules, uint64_t *bytes, char *err, size_t errlen)
{
    table_t t = {0};
    int rc = -1, found_manifest = 0;
    unsigned char *seen = xcalloc(rules->n_required ? rules->n_required : 1, 1);
    size_t found = 0;
    uint64_t total = 0;
    struct archive *ar = reader_open(path);
    if (!ar)
        FAIL("The upload is not a tar archive.");
    struct archive_entry *ae;
    int r;
    while ((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK) {
        const char *raw = archive_entry_pathname(ae);
        if (!raw)
            FAIL("The snapshot has an entry without a name.");
        if (raw[0] == '/') /* "/" too, which is not the root "." stands for: extraction refuses it */
            FAIL("The snapshot has an unsafe path: %.200s", raw);
        if (strncmp(raw, "./", 2) == 0)
            raw += 2;
        size_t len = strlen(raw);
        while (len && raw[len - 1] == '/')
            len--;
        if (len == 0 || (len == 1 && raw[0] == '.'))
            continue; /* the root itself */
        char *name = xstrndup(raw, len);
        if (!relpath_ok(name, UNPACK_MAX_NAME)) {
            snprintf(err, errlen, "The snapshot has an unsafe path: %.200s", name);
            free(name);
            goto out;
        }
        mode_t ft = archive_entry_filetype(ae);
        int type = ft == AE_IFREG ? T_FILE : ft == AE_IFDIR ? T_DIR : ft == AE_IFLNK ? T_LINK : 0;
        if (archive_entry_hardlink(ae)) {
            snprintf(err, errlen, "The snapshot has a hard link: %.200s", name);
            free(name);
            goto out;
        }
        if (!type) {
            snprintf(err, errlen, "The snapshot has an entry that is not a file, directory or symlink: %.200s", name);
            free(name);
            goto out;
        }
        const char *target = type == T_LINK ? archive_entry_symlink(ae) : NULL;
        if (type == T_LINK && (!target || !*target || strlen(target) > UNPACK_MAX_NAME)) {
            snprintf(err, errlen, "The snapshot has a symlink that leaves it: %.200s", name);
            free(name);
            goto out;
        }
        if (t.n >= UNPACK_MAX_ENTRIES) {
            free(name);
            FAIL("The snapshot has more than %d entries.", UNPACK_MAX_ENTRIES);
        }
        int64_t size = archive_entry_size(ae);
        if (size < 0 || (total += (uint64_t)size) > rules->max_bytes) {
            free(name);
            FAIL("The snapshot is larger than the limit of %llu bytes.", (unsigned long long)rules->max_bytes);
        }
        if (type == T_FILE && rules->manifest && strcmp(name, "manifest.yml") == 0) {
            char *buf = (uint64_t)size == rules->manifest_len ? xmalloc(rules->manifest_len + 1) : NULL;
            la_ssize_t got = buf ? archive_read_data(ar, buf, rules->manifest_len + 1) : -1;
            int same = got == (la_ssize_t)rules->manifest_len && memcmp(buf, rules->manifest, rules->manifest_len) == 0;
            free(buf);
            if (!same) {
                free(name);
                FAIL("The snapshot's manifest.yml is not the manifest being deployed.");
            }
            found_manifest = 1;
        }
        for (size_t i = 0; type == T_FILE && i < rules->n_required; i++)
            if (!seen[i] && strcmp(name, rules->required[i]) == 0) {
                seen[i] = 1;
                found++;
            }
        char *tg = target ? xstrdup(target) : NULL;
        if (add(&t, name, tg, type) != 0) {
            snprintf(err, errlen, "The snapshot holds %.200s twice.", name);
            free(name);
            free(tg);
            goto out;
        }
    }
    if (r != ARCHIVE_EOF)
        FAIL("The snapshot is not a valid tar archive: %.200s", archive_error_string(ar));
    /* nothing below a link or a file; every link resolves inside */
    for (size_t i = 0; i < t.n; i++) {
        const entry_t *e = &t.e[i];
        for (const char *s = strchr(e->name, '/'); s; s = strchr(s + 1, '/')) {
            const entry_t *up = find(&t, e->name, (size_t)(s - e->name));
            if (up && up->type != T_DIR)
                FAIL("The snapshot has an entry below a %s: %.200s", up->type == T_LINK ? "symlink" : "file", e->name);
        }
        if (e->type == T_LINK && link_stays(&t, e) != 0)
            FAIL("The snapshot has a symlink that leaves it: %.200s", e->name);
    }
    if (rules->manifest && !found_manifest)
        FAIL("The snapshot has no manifest.yml.");
    for (size_t i = 0; found < rules->n_required && i < rules->n_required; i++)
        if (!seen[i])
            FAIL("The snapshot lacks %.200s (deploy with the kiln CLI, which bundles each function).",
                 rules->required[i]);
    *bytes = total;
    rc = 0;
out:
    free(seen);
    table_free(&t);
    if (ar)
        archive_read_free(ar);
    return rc;
}

/* ---------------------------------------------------------------- extract */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p) == 0 || errno == ENOENT ? 0 : -1;
}

/* Directories libarchive made on its own (a file's parent without an entry of its own)
 * got kiln's umask: every directory of the tree becomes 0755, as the listed ones are. */
static int open_dir(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D && S_ISDIR(st->st_mode) && (st->st_mode & 07777) != 0755)
        return chmod(p, 0755) == 0 ? 0 : -1;
    return 0;
}

static int mkdir_parents(const char *path)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp)
        return -1;
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return 0;
}

int unpack_extract(const char *path, const char *dest, uint64_t max_bytes, char *err, size_t errlen)
{
    uint64_t bytes;
    unpack_rules_t rules = {.max_bytes = max_bytes};
    if (access(dest, F_OK) == 0)
        return 0;
    if (unpack_verify(path, &rules, &bytes, err, errlen) != 0)
        return -1;
    char tmp[PATH_MAX];
    unsigned char rnd[8];
    char hex[17];
    enc_random(rnd, sizeof rnd);
    enc_hex(hex, rnd, sizeof rnd);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%s", dest, hex) >= sizeof tmp || mkdir_parents(tmp) != 0 ||
        mkdir(tmp, 0700) != 0) {
        snprintf(err, errlen, "cannot create the unpack directory: %.200s", strerror(errno));
        return -1;
    }
    struct archive *in = reader_open(path), *out = archive_write_disk_new();
    /* Names were checked to be relative and are prefixed with the (absolute) directory,
     * so libarchive's own absolute-path check cannot apply; it still refuses ".." and
     * writing through a symlink. */
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                            ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME);
    int rc = in ? 0 : -1, r = ARCHIVE_EOF;
    struct archive_entry *e;
    while (rc == 0 && (r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (!name || name[0] == '/' || archive_entry_hardlink(e)) {
            rc = -1;
            break;
        }
        if (strncmp(name, "./", 2) == 0)
            name += 2;
        if (!*name || strcmp(name, ".") == 0 || strcmp(name, "./") == 0)
            continue;
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", tmp, name);
        archive_entry_set_pathname(e, full);
        mode_t ft = archive_entry_filetype(e);
        archive_entry_set_perm(e, ft == AE_IFDIR ? 0755 : (archive_entry_perm(e) & 0100) ? 0755 : 0644);
        archive_entry_set_uid(e, geteuid());
        archive_entry_set_gid(e, getegid());
        if (archive_write_header(out, e) != ARCHIVE_OK) {
            rc = -1;
            break;
        }
        const void *buf;
        size_t size;
        la_int64_t off;
        while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK) {
                rc = -1;
                break;
            }
        if (archive_write_finish_entry(out) != ARCHIVE_OK)
            rc = -1;
    }
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot extract the snapshot: %.200s",
                 archive_error_string(out)        ? archive_error_string(out)
                 : in && archive_error_string(in) ? archive_error_string(in)
                                                  : "unknown error");
    if (in)
        archive_read_free(in);
    archive_write_free(out); /* sets the directories' modes */
    if (rc == 0 && nftw(tmp, open_dir, 16, FTW_PHYS) != 0) {
        snprintf(err, errlen, "cannot set the unpacked directories' modes: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, dest) != 0) {
        int e2 = errno;
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (access(dest, F_OK) == 0)
            return 0; /* another extraction placed it first */
        snprintf(err, errlen, "cannot place the snapshot: %.200s", strerror(e2));
        return -1;
    }
    if (rc != 0) {
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* nothing half-extracted stays behind */
        return -1;
    }
    return 1;
}
