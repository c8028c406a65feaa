/*
 * dispatch.c — the command loop: header, metadata, decode, guards and
 * handler, reply; and pv_context_submit, which feeds it.  The top of the
 * renderer: it may call every layer (see docs/DESIGN.md).
 */
#include "renderer/command_loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "renderer/core/recorder.h"
#include "renderer/core/resource.h"
#include "renderer/guards/guards.h"
#include "renderer/ring_gate.h"
#include "renderer/vk/vk_context.h"

#define PV_COMMAND_GENERATE_REPLY 0x1u

static uint64_t
handle_to_id(void *user, VkObjectType type, uint64_t handle)
{
   struct pv_vk_context *vk = user;
   return pv_object_table_find_handle(&vk->objects, type, handle);
}

static void
write_reply(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   struct pv_reply_stream *r = &d->reply;
   size_t size = pv_cs_reply_size(info, args);
   if (!r->res || r->pos > r->size || size > r->size - r->pos) {
      pv_dispatch_fail(d, "reply of %zu bytes does not fit the reply stream", size);
      return;
   }
   struct pv_cs_encoder enc;
   pv_cs_encoder_init(&enc, (uint8_t *)r->res->map + r->offset + r->pos, size);
   enc.handle_to_id = handle_to_id;
   enc.user = d->vk;
   if (!pv_cs_encode_reply(&enc, info, args) || enc.pos != size) {
      pv_dispatch_fail(d, "reply encoding failed: %s",
                       pv_cs_encoder_error(&enc) ? pv_cs_encoder_error(&enc) : "size mismatch");
      return;
   }
   r->pos += size;
}

/* PV_VENUS_RECORD: the command's bytes, tagged with where they ran. */
static void
record_command(struct pv_dispatcher *d, const struct pv_cs_decoder *dec, const uint8_t *data,
               size_t size)
{
   struct pv_recorder *rec = d->vk->ctx->recorder;
   if (!rec)
      return;
   uint64_t channel = d->ring ? d->ring->id : 0;
   pv_recorder_write(rec, dec == &d->nested ? PV_RECORD_NESTED : PV_RECORD_COMMAND, &channel,
                     sizeof(channel), data, size);
}

/* Whether a command on the context must wait for the ring positions the
 * context waited for (ring_gate.h).  Not the ring-order commands
 * themselves: a seqno for the ring to wait for, a wake-up, another wait. */
static bool
follows_ring(uint32_t type)
{
   return type != PV_CMD_vkWaitRingSeqnoMESA && type != PV_CMD_vkSubmitVirtqueueSeqnoMESA &&
          type != PV_CMD_vkNotifyRingMESA;
}

int
pv_dispatch_command(struct pv_dispatcher *d, struct pv_cs_decoder *dec, const uint8_t *data,
                    size_t avail, size_t *consumed)
{
   d->cmd = NULL;
   if (pv_dispatch_failed(d))
      return -1;
   pv_cs_decoder_set_stream(dec, data, avail);
   uint32_t type, flags;
   if (!pv_cs_read_command_header(dec, &type, &flags)) {
      record_command(d, dec, data, avail);
      pv_dispatch_fail(d, "truncated command header (%zu bytes left)", avail);
      return -1;
   }
   const struct pv_cs_command_info *info = pv_cs_command_info(type);
   pv_handler_fn handler = pv_handler_for(type);
   if (!info || !handler) {
      record_command(d, dec, data, avail);
      if (info)
         pv_dispatch_fail(d, "%s (command id %u) is not supported", info->name, type);
      else
         pv_dispatch_fail(d, "command id %u is unknown", type);
      return -1;
   }
   d->cmd = info;
   void *args = pv_cs_alloc(dec, 1, info->args_size);
   if (!args || !pv_cs_decode_args(dec, info, args)) {
      record_command(d, dec, data, avail);
      d->cmd = NULL; /* the decoder's message names the command and field */
      pv_dispatch_fail(d, "%s", pv_cs_decoder_error(dec) ? pv_cs_decoder_error(dec) : "decode failed");
      pv_cs_decoder_reset_scratch(dec);
      return -1;
   }
   *consumed = (size_t)(dec->cur - data);
   record_command(d, dec, data, *consumed);
   if (!d->ring && d->vk->gate_ring && follows_ring(type) && pv_ring_gate_settle(d->vk)) {
      pv_dispatch_fail(d, "%s: the ring failed before a position the context waited for",
                       info->name);
      pv_cs_decoder_reset_scratch(dec);
      return -1;
   }
   pv_trace(d->vk->ctx->log, "%s: %s (%zu bytes)%s", d->vk->ctx->name, info->name, *consumed,
            flags & PV_COMMAND_GENERATE_REPLY ? " +reply" : "");
   unsigned route = pv_guards_route(type);
   if (!route || pv_guards_before(route, d, info, args)) {
      handler(d, args);
      if (route && !pv_dispatch_failed(d))
         pv_guards_after(route, d, info, args);
   }
   if (!pv_dispatch_failed(d) && (flags & PV_COMMAND_GENERATE_REPLY))
      write_reply(d, info, args);
   pv_cs_decoder_reset_scratch(dec);
   d->cmd = NULL;
   return pv_dispatch_failed(d) ? -1 : 0;
}

int
pv_dispatch_stream(struct pv_dispatcher *d, struct pv_cs_decoder *dec, const uint8_t *data,
                   size_t size)
{
   size_t off = 0;
   while (off < size) {
      size_t used = 0;
      if (pv_dispatch_command(d, dec, data + off, size - off, &used) < 0)
         return -1;
      off += used;
   }
   return 0;
}

/* Run a context-submitted stream on the context's dispatcher, creating
 * the Vulkan side of the context with the first one. */
static int
context_execute(struct pv_context *ctx, const void *data, size_t size)
{
   struct pv_vk_context *vk;
   int ret = pv_vk_context_get(ctx, &vk);
   if (ret)
      return ret;
   if (size % 4) {
      pv_context_set_fatal(ctx, "command stream of %zu bytes is not a multiple of 4", size);
      return -EINVAL;
   }
   return pv_dispatch_stream(&vk->disp, &vk->disp.dec, data, size) ? -EINVAL : 0;
}

PV_API int
pv_context_submit(struct pv_context *ctx, const void *data, size_t size)
{
   if (!ctx || (size && !data))
      return -EINVAL;
   if (size % 4) {
      pv_context_set_fatal(ctx, "command stream of %zu bytes is not a whole number of dwords", size);
      return -EINVAL;
   }
   if (pv_context_is_fatal(ctx))
      return -EIO;
   if (size == 0)
      return 0;
   pthread_mutex_lock(&ctx->submit_lock);
   int ret = pv_context_is_fatal(ctx) ? -EIO : context_execute(ctx, data, size);
   pthread_mutex_unlock(&ctx->submit_lock);
   if (pv_context_is_fatal(ctx))
      return -EIO;
   return ret < 0 ? ret : 0;
}
