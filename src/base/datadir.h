/* The data dir holds every tenant's data and kiln's secrets (kiln.db, admin.token,
 * master.key, snapshots). It is kiln's alone in every mode: owned by kiln's uid, mode
 * 0700, what it holds 0600/0700, and kiln creates files with umask 077 (docs/security.md). */
#ifndef KILN_DATADIR_H
#define KILN_DATADIR_H

#include <stddef.h>

/* Creates `dir` (0700) if it is missing; refuses one that another uid owns or that is not a
 * directory; takes group and other access away from it and from everything at its top
 * level (the socket kiln makes later for its workers is the one exception it sets
 * itself); sets the process umask to 077. 0, or -1 with err. */
int datadir_secure(const char *dir, char *err, size_t errlen);

#endif
