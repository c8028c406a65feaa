/*
 * replay.c — runs a recording on a context, one record at a time on the
 * calling thread.  Ring commands run through their ring's dispatcher (the
 * ring's own thread stays idle: the replayed ring memory is never written),
 * so replies, objects and errors come out as they did live.
 */
#include "renderer/replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "renderer/command_loop.h"
#include "renderer/core/recorder.h"
#include "renderer/vk/vk_context.h"

#define MAX_RECORD (256u << 20)

static int
run_on_ring(struct pv_vk_ring *r, const uint8_t *data, size_t size)
{
   return pv_dispatch_stream(&r->disp, &r->disp.dec, data, size) ? -EIO : 0;
}

/* Newest ring: where a capture's ring chunk (ring id not recorded) goes. */
static struct pv_vk_ring *
newest_ring(struct pv_vk_context *vk)
{
   pthread_mutex_lock(&vk->rings_lock);
   struct pv_vk_ring *r = vk->rings;
   pthread_mutex_unlock(&vk->rings_lock);
   return r;
}

static int
replay_blob(struct pv_context *ctx, const uint8_t *p, uint32_t size)
{
   struct {
      uint32_t type, flags;
      uint64_t size, blob_id;
      uint32_t res_id;
   } __attribute__((packed)) b;
   if (size != sizeof(b))
      return -EINVAL;
   memcpy(&b, p, sizeof(b));
   /* The recorded id, whoever chose it live: the recorded commands name it. */
   int ret = pv_context_create_blob_with_id(ctx, b.res_id, b.type, b.flags, b.size, b.blob_id,
                                            NULL);
   return ret == -EIO ? -EIO : 0; /* a blob that failed live may fail again */
}

static int
replay_record(struct pv_context *ctx, struct pv_vk_context *vk, uint32_t kind, const uint8_t *p,
              uint32_t size, struct pv_replay_stats *st)
{
   struct pv_vk_ring *r;
   uint64_t channel;
   switch (kind) {
   case PV_RECORD_CAPTURE_CONTEXT:
      st->commands++, st->bytes += size;
      return pv_context_submit(ctx, p, size);
   case PV_RECORD_CAPTURE_RING:
      if (!(r = newest_ring(vk)))
         return st->skipped++, 0;
      st->commands++, st->bytes += size;
      return run_on_ring(r, p, size);
   case PV_RECORD_COMMAND:
   case PV_RECORD_NESTED:
      if (size < 8)
         return -EINVAL;
      memcpy(&channel, p, 8);
      st->commands++, st->bytes += size - 8;
      if (!channel)
         return pv_context_submit(ctx, p + 8, size - 8);
      if (!(r = pv_vk_ring_find(vk, channel)))
         return st->skipped++, 0;
      return run_on_ring(r, p + 8, size - 8);
   case PV_RECORD_BLOB:
      st->blobs++;
      return replay_blob(ctx, p, size);
   case PV_RECORD_UNREF:
      if (size != 4)
         return -EINVAL;
      pv_context_unref_resource(ctx, *(const uint32_t *)(const void *)p);
      return pv_context_is_fatal(ctx) ? -EIO : 0;
   default:
      return st->skipped++, 0;
   }
}

int
pv_replay(struct pv_context *ctx, FILE *f, struct pv_replay_stats *st)
{
   struct pv_vk_context *vk;
   memset(st, 0, sizeof(*st));
   int ret = pv_vk_context_get(ctx, &vk);
   if (ret)
      return ret;
   vk->replaying = true;
   uint8_t *buf = NULL;
   uint32_t hdr[3];
   while (!ret && fread(hdr, sizeof(hdr), 1, f) == 1) {
      if (hdr[0] != PV_RECORD_MAGIC || hdr[2] > MAX_RECORD || hdr[2] % 4) {
         ret = -EINVAL;
         break;
      }
      uint8_t *nbuf = realloc(buf, hdr[2] ? hdr[2] : 4);
      if (!nbuf) {
         ret = -ENOMEM;
         break;
      }
      buf = nbuf;
      if (hdr[2] && fread(buf, hdr[2], 1, f) != 1) {
         ret = -EINVAL;
         break;
      }
      st->records++;
      ret = replay_record(ctx, vk, hdr[1], buf, hdr[2], st);
      if (pv_context_is_fatal(ctx))
         ret = -EIO;
   }
   free(buf);
   return ret < 0 ? (ret == -EINVAL || ret == -ENOMEM ? ret : -EIO) : 0;
}
