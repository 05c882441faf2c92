/* Clocks: wall time for records and monotonic time for durations. */
#ifndef KILN_CLOCK_H
#define KILN_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ms(void);   /* Unix epoch milliseconds */
uint64_t clock_mono_ns(void); /* monotonic nanoseconds */
/* Jira's timestamp format, e.g. 2022-07-15T09:19:41.802+0000 (UTC). */
void clock_iso8601(char *out, size_t n, int64_t ms);

#endif
