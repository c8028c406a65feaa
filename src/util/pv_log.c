/* pv_log.c — level filtering and the default stderr sink. */
#include "util/pv_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

const char *
pv_log_level_name(enum pv_log_level level)
{
   return (unsigned)level <= PV_LOG_TRACE ? level_names[level] : "?";
}

int
pv_log_level_parse(const char *s)
{
   if (!s || !*s)
      return -1;
   if (s[0] >= '0' && s[0] <= '4' && s[1] == '\0')
      return s[0] - '0';
   for (int i = 0; i <= PV_LOG_TRACE; i++) {
      if (!strcasecmp(s, level_names[i]))
         return i;
   }
   return -1;
}

void
pv_logger_init(struct pv_logger *log, pv_log_sink sink, void *user)
{
   int level = pv_log_level_parse(getenv("PV_VENUS_DEBUG"));
   log->level = level < 0 ? PV_LOG_INFO : (enum pv_log_level)level;
   log->sink = sink;
   log->user = user;
}

void
pv_logv(const struct pv_logger *log, enum pv_log_level level, const char *fmt, va_list ap)
{
   char msg[1024];
   vsnprintf(msg, sizeof(msg), fmt, ap);
   if (log && log->sink) {
      log->sink(log->user, level, msg);
      return;
   }
   /* One fprintf per line keeps lines from different threads whole. */
   fprintf(stderr, "pv-venus: %s: %s\n", pv_log_level_name(level), msg);
}

void
pv_log(const struct pv_logger *log, enum pv_log_level level, const char *fmt, ...)
{
   va_list ap;
   va_start(ap, fmt);
   pv_logv(log, level, fmt, ap);
   va_end(ap);
}
