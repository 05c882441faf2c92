#include "base/relpath.h"

#include <string.h>

int relpath_ok(const char *p, size_t max)
{
    if (!*p || p[0] == '/' || strchr(p, '\\') || strlen(p) > max)
        return 0;
    for (const char *s = p;;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return 0;
        if (!e)
            return 1;
        s = e + 1;
    }
}
