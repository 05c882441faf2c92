/* Whole reads and writes on a descriptor (files and pipes in blocking mode): the loops
 * around read(2) and write(2) that EINTR and short counts need, written once. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Reads up to len bytes, fewer only at the end of the file: the count, or -1 (errno). */
ssize_t fdio_read_full(int fd, void *buf, size_t len);
/* Writes all len bytes: 0, or -1 (errno). */
int fdio_write_all(int fd, const void *buf, size_t len);
