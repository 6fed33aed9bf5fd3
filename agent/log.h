/* Logging to stderr with a level threshold (LOG_LEVEL). */
#ifndef EDGE_LOG_H
#define EDGE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

extern enum log_level log_threshold;

#include <stddef.h>

int log_level_parse(const char *s, enum log_level *out);
/* Writes s into buf quoted, with quotes, backslashes and non-printable bytes escaped. */
const char *log_quote(char *buf, size_t len, const char *s);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (log_threshold <= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
