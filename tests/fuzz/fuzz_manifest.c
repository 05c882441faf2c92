/* libFuzzer harness for the manifest parser: any bytes must parse or be refused with a
 * one-line message naming the file, never crash, and parsing twice gives the same
 * result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "platform/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(64u * 1024 * 1024);
    manifest_t m = {.allow_missing_id = 1}, m2 = {.allow_missing_id = 1};
    manifest_err_t err, err2;
    int rc = manifest_parse(a, "manifest.yml", (const char *)data, size, NULL, &m, &err);
    int rc2 = manifest_parse(a, "manifest.yml", (const char *)data, size, NULL, &m2, &err2);
    if (rc != rc2)
        abort();
    if (rc != 0 && (strncmp(err.msg, "manifest.yml", 12) != 0 || strchr(err.msg, '\n') || strcmp(err.msg, err2.msg)))
        abort();
    if (rc == 0 && (!m.major_key || strcmp(m.major_key, m2.major_key) != 0 || !m.canonical_json ||
                    strcmp(m.canonical_json, m2.canonical_json) != 0))
        abort();
    arena_free(a);
    return 0;
}
