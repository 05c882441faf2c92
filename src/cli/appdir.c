/* Finding the app a command is about: the manifest in the app directory. */
#include <stdio.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "platform/app.h"
#include "platform/manifest.h"

const char *cli_app_of_dir(arena_t *a, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.yml", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kiln: cannot read %s (run in the app directory or pass --app DIR)\n", path);
        return NULL;
    }
    char *text = arena_alloc(a, MANIFEST_MAX_BYTES + 1);
    size_t n = fread(text, 1, MANIFEST_MAX_BYTES + 1, f);
    fclose(f);
    manifest_t m = {0};
    manifest_err_t err;
    if (manifest_parse(a, "manifest.yml", text, n, NULL, &m, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    const char *id = app_id_from_ari(m.app_id);
    if (!id)
        fprintf(stderr, "kiln: %s has no registered app.id (run kiln register first)\n", path);
    return id;
}
