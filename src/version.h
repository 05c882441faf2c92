/* kiln's version, reported by `kiln --version` and serverInfo. */
#ifndef KILN_VERSION_H
#define KILN_VERSION_H

#define KILN_VERSION "0.1.0"
#define KILN_BUILD_DATE "2026-11-28T00:00:00.000+0000"

#endif
