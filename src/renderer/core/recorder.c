/* recorder.c — see recorder.h. */
#include "renderer/core/recorder.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pv_recorder {
   pthread_mutex_t lock;
   FILE *f;
   bool failed;
   const struct pv_logger *log;
   char path[512];
};

static void
sanitize(char *dst, size_t n, const char *src)
{
   size_t i = 0;
   for (; src && src[i] && i + 1 < n; i++) {
      char c = src[i];
      dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_'
                  ? c
                  : '_';
   }
   dst[i] = '\0';
}

int
pv_recorder_open(const char *dir, const char *name, uint32_t serial, const struct pv_logger *log,
                 struct pv_recorder **out)
{
   struct pv_recorder *rec = calloc(1, sizeof(*rec));
   if (!rec)
      return -ENOMEM;
   char safe[64];
   sanitize(safe, sizeof(safe), name && *name ? name : "context");
   snprintf(rec->path, sizeof(rec->path), "%s/%s-%ld-%u.pvcs", dir, safe, (long)getpid(), serial);
   rec->f = fopen(rec->path, "wbx");
   if (!rec->f) {
      int ret = -errno;
      pv_error(log, "cannot record to %s: %s", rec->path, strerror(errno));
      free(rec);
      return ret;
   }
   pthread_mutex_init(&rec->lock, NULL);
   rec->log = log;
   pv_info(log, "recording context %u to %s", serial, rec->path);
   *out = rec;
   return 0;
}

void
pv_recorder_close(struct pv_recorder *rec)
{
   if (!rec)
      return;
   fclose(rec->f);
   pthread_mutex_destroy(&rec->lock);
   free(rec);
}

void
pv_recorder_write(struct pv_recorder *rec, uint32_t kind, const void *head, size_t head_size,
                  const void *data, size_t size)
{
   if (!rec || head_size + size > UINT32_MAX)
      return;
   uint32_t hdr[3] = { PV_RECORD_MAGIC, kind, (uint32_t)(head_size + size) };
   pthread_mutex_lock(&rec->lock);
   if (!rec->failed) {
      bool ok = fwrite(hdr, sizeof(hdr), 1, rec->f) == 1 &&
                (!head_size || fwrite(head, head_size, 1, rec->f) == 1) &&
                (!size || fwrite(data, size, 1, rec->f) == 1) && fflush(rec->f) == 0;
      if (!ok) {
         rec->failed = true;
         pv_error(rec->log, "recording to %s failed: %s; recording stopped", rec->path,
                  strerror(errno));
      }
   }
   pthread_mutex_unlock(&rec->lock);
}
