/* nullfmt.so: preloaded into every kiln the e2e tests start (tests/e2e/lib/kiln.mjs,
 * KILN_TEST_PRELOAD), it makes a NULL given to printf's %s abort kiln with a message
 * instead of printing "(null)". C leaves that undefined and glibc papers over it: a test
 * would pass while the program formats nonsense (a URL ending in "(null)"), and another
 * libc would crash. The harness fails the test when kiln dies by a signal.
 *
 * glibc lets a program redefine a conversion (register_printf_specifier); this one
 * redefines %s for the whole process: flags '-' and width, precision (%.*s) and the
 * byte strings kiln formats. %ls (wide strings) kiln does not use: it aborts too. */
#include <printf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *why)
{
    static const char prefix[] = "nullfmt: ";
    fwrite(prefix, 1, sizeof prefix - 1, stderr);
    fwrite(why, 1, strlen(why), stderr);
    fputc('\n', stderr);
    abort();
}

static int print_s(FILE *f, const struct printf_info *info, const void *const *args)
{
    if (info->is_long)
        die("%ls is not supported by this test guard");
    const char *s = *(const char *const *)args[0];
    if (!s)
        die("printf's %s was given a NULL pointer");
    size_t n = info->prec >= 0 ? strnlen(s, (size_t)info->prec) : strlen(s);
    size_t width = info->width > 0 ? (size_t)info->width : 0, pad = width > n ? width - n : 0;
    for (size_t i = 0; !info->left && i < pad; i++)
        fputc(' ', f);
    fwrite(s, 1, n, f);
    for (size_t i = 0; info->left && i < pad; i++)
        fputc(' ', f);
    return (int)(n + pad);
}

static int arginfo_s(const struct printf_info *info, size_t n, int *argtypes, int *size)
{
    (void)info;
    (void)size;
    if (n > 0)
        argtypes[0] = PA_STRING;
    return 1;
}

__attribute__((constructor)) static void nullfmt_init(void)
{
    if (register_printf_specifier('s', print_s, arginfo_s) != 0)
        die("register_printf_specifier failed");
}
