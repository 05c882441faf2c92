/* kiln store migrate: a stopped SQLite installation's store copied into an empty
 * PostgreSQL database and verified (store/store_move.h; docs/scale.md "Moving"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/datalock.h"
#include "cli/cli.h"
#include "store/store.h"
#include "store/store_move.h"

#define MIGRATE_ARG_MAX 4000 /* a data dir path or a URL */

static const char *from, *to;
const cli_opt_t store_migrate_opts[] = {
    {"--from", 1, &from, NULL, "the data dir of the SQLite installation (its server stopped)"},
    {"--to", 1, &to, NULL,
     "postgresql://... : an empty database; its login must be allowed to set kiln up (as kiln serve --store's "
     "first start) or to become kiln_owner"},
    {0}};

/* 1 when something answers on DATA/proxy.sock: a server that holds no serve.lock (an
 * older kiln) is running there; a stale socket of a server that died refuses */
static int socket_answers(const char *dir)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/proxy.sock", dir) >= sizeof sa.sun_path)
        return 0;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int up = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return up;
}

static void print_report(const store_move_report_t *r)
{
    printf("%-24s %14s %14s  %-16s %s\n", "table", "rows (SQLite)", "rows (PG)", "checksum", "");
    for (size_t i = 0; i < r->n; i++) {
        const store_move_table_t *t = &r->tables[i];
        int same = t->rows_from == t->rows_to && memcmp(t->sum_from, t->sum_to, 32) == 0;
        char hex[17];
        for (int j = 0; j < 8; j++)
            snprintf(hex + 2 * j, 3, "%02x", t->sum_from[j]);
        printf("%-24s %14lld %14lld  %-16s %s\n", t->name, (long long)t->rows_from, (long long)t->rows_to, hex,
               same ? "equal" : "DIFFERENT");
    }
    const store_move_snapshots_t *sn = &r->snapshots;
    printf("%-24s %14lld %14lld  %-16s %s\n", "snapshot chunks", (long long)sn->chunks_from, (long long)sn->chunks_to,
           "sha-256", sn->differ ? "DIFFERENT" : "equal");
}

int cmd_store_migrate(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("store", "migrate"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (!from || !to || !*from || !*to) {
        fprintf(stderr, "kiln: store migrate needs --from DATA_DIR and --to postgresql://...\n");
        return 2;
    }
    if (strlen(from) > MIGRATE_ARG_MAX || strlen(to) > MIGRATE_ARG_MAX) {
        fprintf(stderr, "kiln: --from and --to are at most %d bytes\n", MIGRATE_ARG_MAX);
        return 2;
    }
    char err[4200];
    if (store_select(to, err, sizeof err) != 0) { /* a postgresql:// or postgres:// URL */
        fprintf(stderr, "kiln: --to: %s\n", strstr(err, ": ") ? strstr(err, ": ") + 2 : err);
        return 2;
    }
    struct stat sb;
    if (stat(from, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "kiln: no data dir at %s%s%s\n", from, errno == ENOENT ? "" : ": ",
                errno == ENOENT ? "" : strerror(errno));
        return 1;
    }
    char db[4200];
    snprintf(db, sizeof db, "%s/kiln.db", from);
    if (stat(db, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "kiln: no store at %s\n", db);
        return 1;
    }
    /* no server may write the source while it is copied, nor start until the copy ends */
    int lock = datalock_take(from, DATALOCK_EXCLUSIVE, err, sizeof err);
    if (lock < 0) {
        fprintf(stderr, "kiln: %s\n", err);
        return 1;
    }
    if (socket_answers(from)) {
        fprintf(stderr, "kiln: a kiln server is running on the data dir %s (its proxy.sock answers): stop it first\n",
                from);
        close(lock);
        return 1;
    }
    arena_t *a = arena_new(64u * 1024 * 1024); /* the catalog and statements, whatever the data */
    store_move_report_t rep;
    rc = store_move_sqlite_to_postgres(a, db, to, &rep, err, sizeof err);
    close(lock);
    if (rep.n)
        print_report(&rep);
    if (rc != STORE_OK) {
        fprintf(stderr, "kiln: %s\n", err);
        arena_free(a);
        return 1;
    }
    long long rows = 0;
    for (size_t i = 0; i < rep.n; i++)
        rows += rep.tables[i].rows_from;
    printf("\ncopied %lld rows of %zu tables from %s into the PostgreSQL database (schema version %u); every "
           "table's count and checksum equal\n",
           rows, rep.n, db, rep.schema_version);
    printf("secrets and wrapped keys were copied still sealed: every node needs this installation's master key: "
           "copy %s/master.key to a key file (mode 0600) and start each node with --key-file FILE\n",
           from);
    printf("deploy snapshots: %lld (%lld bytes in %lld chunks) copied into the database and read back, every "
           "SHA-256 equal%s; every node fetches them from there into its own data dir\n",
           (long long)rep.snapshots.snapshots, (long long)rep.snapshots.bytes, (long long)rep.snapshots.chunks_to,
           rep.snapshots.hashed ? " (versions deployed before kiln kept their SHA-256 got their file's)" : "");
    printf("%s is left as it was, a backup: a node started on %s without --store would serve it, not the "
           "database\n",
           db, from);
    arena_free(a);
    return 0;
}
