/* The data dir's use lock, DATA/serve.lock (docs/scale.md "Moving"): every `kiln serve`
 * holds it shared for as long as it runs, `kiln store migrate` exclusive while it reads
 * the data dir. So a migration never copies a store a server is writing, and a server
 * never starts on a data dir that is being copied. It is an flock(2) lock: the kernel
 * drops it when its holder exits, however it ends (kill -9 included), so a stale file
 * never blocks anyone. */
#ifndef KILN_DATALOCK_H
#define KILN_DATALOCK_H

#include <stddef.h>

enum { DATALOCK_SHARED = 0, DATALOCK_EXCLUSIVE = 1 };

/* Takes the lock of data dir `dir` without waiting (the file is created, mode 0600, when
 * missing). Returns the descriptor that holds it (close it to let go; a server keeps it
 * until it exits), -2 when another process holds it in a conflicting mode (err names
 * which: a running server, or a migration), -1 on any other failure; both with a one-line
 * reason in err. */
int datalock_take(const char *dir, int mode, char *err, size_t errlen);

#endif
