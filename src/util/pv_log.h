/*
 * pv_log.h — the one logger.
 *
 * Levels: error, warn, info, debug, trace.  The level comes from the
 * PV_VENUS_DEBUG environment variable ("error" … "trace", or 0–4; default
 * "info"), read when a logger is created.  An embedding application may
 * install its own sink (pvvenus.h); otherwise lines go to stderr as
 * "pv-venus: LEVEL: message".
 */
#ifndef PV_LOG_H
#define PV_LOG_H

#include <stdarg.h>

enum pv_log_level {
   PV_LOG_ERROR = 0,
   PV_LOG_WARN = 1,
   PV_LOG_INFO = 2,
   PV_LOG_DEBUG = 3,
   PV_LOG_TRACE = 4,
};

typedef void (*pv_log_sink)(void *user, enum pv_log_level level, const char *msg);

struct pv_logger {
   enum pv_log_level level;
   pv_log_sink sink; /* NULL: stderr */
   void *user;
};

/* Initialize with the level from PV_VENUS_DEBUG and the given sink (NULL
 * for stderr). */
void pv_logger_init(struct pv_logger *log, pv_log_sink sink, void *user);

/* Parse a level name or digit; returns -1 when unknown. */
int pv_log_level_parse(const char *s);
const char *pv_log_level_name(enum pv_log_level level);

void pv_logv(const struct pv_logger *log, enum pv_log_level level, const char *fmt, va_list ap);
void pv_log(const struct pv_logger *log, enum pv_log_level level, const char *fmt, ...)
   __attribute__((format(printf, 3, 4)));

static inline int
pv_log_enabled(const struct pv_logger *log, enum pv_log_level level)
{
   return log && level <= log->level;
}

/* Cheap guards so that disabled levels cost one compare. */
#define PV_LOG(log, lvl, ...)                                                  \
   do {                                                                        \
      if (pv_log_enabled((log), (lvl)))                                        \
         pv_log((log), (lvl), __VA_ARGS__);                                    \
   } while (0)
#define pv_error(log, ...) PV_LOG(log, PV_LOG_ERROR, __VA_ARGS__)
#define pv_warn(log, ...) PV_LOG(log, PV_LOG_WARN, __VA_ARGS__)
#define pv_info(log, ...) PV_LOG(log, PV_LOG_INFO, __VA_ARGS__)
#define pv_debug(log, ...) PV_LOG(log, PV_LOG_DEBUG, __VA_ARGS__)
#define pv_trace(log, ...) PV_LOG(log, PV_LOG_TRACE, __VA_ARGS__)

#endif /* PV_LOG_H */
