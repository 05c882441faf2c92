/* Structured logs: one JSON object per line on stderr, written with a single write(2)
 * so lines from several threads never interleave. */
#ifndef KILN_LOG_H
#define KILN_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Minimum level printed; from KILN_LOG_LEVEL (debug|info|warn|error) at start. */
extern enum log_level log_min_level;
void log_init_from_env(void);

/* fields: zero or more pairs of (const char *key, const char *value), then NULL.
 * Values are JSON-escaped. */
void log_msg(enum log_level lvl, const char *msg, ...) __attribute__((sentinel));

#endif
