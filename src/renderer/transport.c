/*
 * transport.c — the MESA transport commands (docs/PROTOCOL.md §3.4, §5):
 * rings, reply streams, indirect command streams and seqno ordering.
 *
 * Placement (as the reference host enforces it): ring lifetime, notify,
 * extra writes and the seqno commands that name a ring arrive on the
 * context; vkWaitVirtqueueSeqnoMESA arrives on a ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cs/pv_cs_generated.h"
#include "platform/pv_platform.h"
#include "renderer/command_loop.h"
#include "renderer/handlers.h"
#include "renderer/core/resource.h"
#include "renderer/ring_gate.h"
#include "renderer/vk/vk_context.h"

#define STYPE_RING_MONITOR_INFO_MESA 1000384006

static bool
on_context(struct pv_dispatcher *d)
{
   if (d->ring) {
      pv_dispatch_fail(d, "must be submitted on the context, not on a ring");
      return false;
   }
   return true;
}

struct pv_vk_ring *
pv_vk_ring_find(struct pv_vk_context *vk, uint64_t id)
{
   pthread_mutex_lock(&vk->rings_lock);
   struct pv_vk_ring *r = vk->rings;
   while (r && r->id != id)
      r = r->next;
   pthread_mutex_unlock(&vk->rings_lock);
   return r;
}

static struct pv_vk_ring *
find_ring_or_fail(struct pv_dispatcher *d, uint64_t id)
{
   struct pv_vk_ring *r = pv_vk_ring_find(d->vk, id);
   if (!r)
      pv_dispatch_fail(d, "unknown ring 0x%llx", (unsigned long long)id);
   return r;
}

/* ---- ring lifetime ---------------------------------------------------------- */

static int
ring_consume(void *user, const uint8_t *data, size_t avail, size_t *consumed)
{
   struct pv_vk_ring *r = user;
   return pv_dispatch_command(&r->disp, &r->disp.dec, data, avail, consumed);
}

static void
ring_free(struct pv_vk_ring *r)
{
   if (r->monitored)
      pv_ring_monitor_remove(r->vk->monitor, r->ring);
   pv_event_signal(&r->vq_event); /* release a vkWaitVirtqueueSeqnoMESA */
   pv_ring_destroy(r->ring);      /* joins the reader */
   pv_ring_gate_fini(r);
   pv_dispatcher_fini(&r->disp);
   pv_event_fini(&r->vq_event);
   pv_resource_unpin(r->vk->ctx, r->res);
   pv_budget_give(&r->vk->ctx->renderer->rings, 1);
   free(r);
}

static uint32_t
monitor_period(const VkRingCreateInfoMESA *info)
{
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      if ((int)s->sType == STYPE_RING_MONITOR_INFO_MESA)
         return ((const VkRingMonitorInfoMESA *)s)->maxReportingPeriodMicroseconds;
   }
   return 0;
}

/* Validate what the guest described and build the ring on its memory. */
static int
ring_setup(struct pv_dispatcher *d, struct pv_vk_ring *r, const VkRingCreateInfoMESA *info)
{
   struct pv_ring_layout l = {
      .resource_size = r->res->size, .offset = info->offset, .size = info->size,
      .head_offset = info->headOffset, .tail_offset = info->tailOffset,
      .status_offset = info->statusOffset, .buffer_offset = info->bufferOffset,
      .buffer_size = info->bufferSize, .extra_offset = info->extraOffset,
      .extra_size = info->extraSize,
   };
   char err[160];
   if (!r->res->map || pv_ring_layout_validate(&l, err, sizeof(err))) {
      pv_dispatch_fail(d, "%s", r->res->map ? err : "ring resource is not host-mapped memory");
      return -EINVAL;
   }
   struct pv_ring_params p = {
      .base = (uint8_t *)r->res->map + info->offset, .layout = l,
      .idle_timeout_ns = info->idleTimeout, .consume = ring_consume,
      .on_progress = pv_ring_gate_progress, .user = r,
      .log = d->vk->ctx->log, .name = d->vk->ctx->name,
   };
   if (pv_ring_create(&p, &r->ring, err, sizeof(err))) {
      pv_dispatch_fail(d, "%s", err);
      return -EINVAL;
   }
   return 0;
}

static int
ring_monitor(struct pv_dispatcher *d, struct pv_vk_ring *r, uint32_t period_us)
{
   struct pv_vk_context *vk = d->vk;
   if (!period_us)
      return 0;
   if (!vk->monitor && pv_ring_monitor_create(&vk->monitor))
      return -ENOMEM;
   if (pv_ring_monitor_add(vk->monitor, r->ring, period_us))
      return -ENOMEM;
   r->monitored = true;
   return 0;
}

void
pv_handle_vkCreateRingMESA(struct pv_dispatcher *d, struct pv_vkCreateRingMESA_args *a)
{
   struct pv_vk_context *vk = d->vk;
   const VkRingCreateInfoMESA *info = a->pCreateInfo;
   if (!on_context(d))
      return;
   if (!info)
      return pv_dispatch_fail(d, "pCreateInfo is NULL");
   if (pv_vk_ring_find(vk, a->ring))
      return pv_dispatch_fail(d, "ring 0x%llx exists", (unsigned long long)a->ring);
   struct pv_renderer *rd = vk->ctx->renderer;
   if (vk->ring_count >= rd->limits.max_rings)
      return pv_dispatch_fail(d, "limit max_rings (%u) reached", rd->limits.max_rings);
   if (!pv_budget_take_logged(&rd->rings, 1, vk->ctx->log, vk->ctx->serial))
      return pv_dispatch_fail(d, "limit max_total_rings (%" PRIu64 ", all contexts) reached",
                              rd->rings.limit);
   struct pv_vk_ring *r = calloc(1, sizeof(*r));
   if (!r) {
      pv_budget_give(&rd->rings, 1);
      return pv_dispatch_fail(d, "out of memory");
   }
   r->id = a->ring;
   r->vk = vk;
   pv_event_init(&r->vq_event);
   pv_ring_gate_init(r);
   pv_dispatcher_init(&r->disp, vk, r);
   r->res = pv_context_pin_resource(vk->ctx, info->resourceId);
   if (!r->res) {
      pv_dispatch_fail(d, "ring resource %u does not exist", info->resourceId);
   } else if (!ring_setup(d, r, info) && !ring_monitor(d, r, monitor_period(info)) &&
              !pv_ring_start(r->ring)) {
      pthread_mutex_lock(&vk->rings_lock);
      r->next = vk->rings;
      vk->rings = r;
      vk->ring_count++;
      pthread_mutex_unlock(&vk->rings_lock);
      pv_debug(vk->ctx->log, "%s: ring 0x%llx created (%llu-byte buffer)", vk->ctx->name,
               (unsigned long long)r->id, (unsigned long long)info->bufferSize);
      return;
   }
   if (!pv_dispatch_failed(d))
      pv_dispatch_fail(d, "could not start ring");
   if (r->ring) {
      ring_free(r);
      return;
   }
   pv_dispatcher_fini(&r->disp);
   pv_event_fini(&r->vq_event);
   pv_ring_gate_fini(r);
   if (r->res)
      pv_resource_unpin(vk->ctx, r->res);
   pv_budget_give(&rd->rings, 1);
   free(r);
}

static struct pv_vk_ring *
unlink_ring(struct pv_vk_context *vk, uint64_t id)
{
   pthread_mutex_lock(&vk->rings_lock);
   struct pv_vk_ring **p = &vk->rings;
   while (*p && (*p)->id != id)
      p = &(*p)->next;
   struct pv_vk_ring *r = *p;
   if (r) {
      *p = r->next;
      vk->ring_count--;
   }
   pthread_mutex_unlock(&vk->rings_lock);
   return r;
}

void
pv_handle_vkDestroyRingMESA(struct pv_dispatcher *d, struct pv_vkDestroyRingMESA_args *a)
{
   if (!on_context(d))
      return;
   struct pv_vk_ring *r = unlink_ring(d->vk, a->ring);
   if (!r)
      return pv_dispatch_fail(d, "unknown ring 0x%llx", (unsigned long long)a->ring);
   ring_free(r);
}

void
pv_vk_rings_destroy_all(struct pv_vk_context *vk)
{
   for (;;) {
      pthread_mutex_lock(&vk->rings_lock);
      struct pv_vk_ring *r = vk->rings;
      if (r) {
         vk->rings = r->next;
         vk->ring_count--;
      }
      pthread_mutex_unlock(&vk->rings_lock);
      if (!r)
         break;
      ring_free(r);
   }
   pv_ring_monitor_destroy(vk->monitor);
   vk->monitor = NULL;
}

void
pv_vk_rings_kick(struct pv_vk_context *vk)
{
   /* under the lock: a ring is unlinked before it is freed */
   pthread_mutex_lock(&vk->rings_lock);
   for (struct pv_vk_ring *r = vk->rings; r; r = r->next)
      pv_ring_kick(r->ring);
   pthread_mutex_unlock(&vk->rings_lock);
}

void
pv_handle_vkNotifyRingMESA(struct pv_dispatcher *d, struct pv_vkNotifyRingMESA_args *a)
{
   struct pv_vk_ring *r = on_context(d) ? find_ring_or_fail(d, a->ring) : NULL;
   if (r)
      pv_ring_notify(r->ring);
}

void
pv_handle_vkWriteRingExtraMESA(struct pv_dispatcher *d, struct pv_vkWriteRingExtraMESA_args *a)
{
   struct pv_vk_ring *r = on_context(d) ? find_ring_or_fail(d, a->ring) : NULL;
   if (r && pv_ring_write_extra(r->ring, a->offset, a->value))
      pv_dispatch_fail(d, "offset %llu is outside the extra region", (unsigned long long)a->offset);
}

/* ---- seqnos ------------------------------------------------------------------ */

void
pv_handle_vkSubmitVirtqueueSeqnoMESA(struct pv_dispatcher *d,
                                     struct pv_vkSubmitVirtqueueSeqnoMESA_args *a)
{
   struct pv_vk_ring *r = on_context(d) ? find_ring_or_fail(d, a->ring) : NULL;
   if (!r)
      return;
   atomic_store(&r->vq_seqno, a->seqno);
   pv_event_signal(&r->vq_event);
}

void
pv_handle_vkWaitVirtqueueSeqnoMESA(struct pv_dispatcher *d,
                                   struct pv_vkWaitVirtqueueSeqnoMESA_args *a)
{
   struct pv_vk_ring *r = d->ring;
   if (!r)
      return pv_dispatch_fail(d, "must be submitted on a ring");
   if (d->vk->replaying)
      return;
   /* The context thread records seqnos; wake on each, or on teardown. */
   for (;;) {
      uint32_t seen = pv_event_peek(&r->vq_event);
      if (atomic_load(&r->vq_seqno) >= a->seqno)
         return;
      if (pv_ring_stopping(r->ring) || pv_dispatch_failed(d))
         return pv_dispatch_fail(d, "ring stopped while waiting for seqno %llu",
                                 (unsigned long long)a->seqno);
      pv_event_wait(&r->vq_event, seen, 100000000ull);
   }
}

void
pv_handle_vkWaitRingSeqnoMESA(struct pv_dispatcher *d, struct pv_vkWaitRingSeqnoMESA_args *a)
{
   struct pv_vk_ring *r = on_context(d) ? find_ring_or_fail(d, a->ring) : NULL;
   if (r && !d->vk->replaying)
      pv_ring_gate_open(d, r, (uint32_t)a->seqno);
}

/* ---- reply streams and indirect streams ----------------------------------------- */

void
pv_handle_vkSetReplyCommandStreamMESA(struct pv_dispatcher *d,
                                      struct pv_vkSetReplyCommandStreamMESA_args *a)
{
   const VkCommandStreamDescriptionMESA *s = a->pStream;
   if (!s)
      return pv_dispatch_fail(d, "pStream is NULL");
   int ret = pv_dispatch_set_reply_stream(d, s->resourceId, s->offset, s->size);
   if (ret)
      pv_dispatch_fail(d, "reply stream %u [%llu, +%llu) is %s", s->resourceId,
                       (unsigned long long)s->offset, (unsigned long long)s->size,
                       ret == -ENOENT ? "not a resource" : "outside its resource");
}

void
pv_handle_vkSeekReplyCommandStreamMESA(struct pv_dispatcher *d,
                                       struct pv_vkSeekReplyCommandStreamMESA_args *a)
{
   if (!d->reply.res || a->position > d->reply.size)
      return pv_dispatch_fail(d, "seek to %llu outside the reply stream",
                              (unsigned long long)a->position);
   d->reply.pos = a->position;
}

/* Copy one stream out of guest memory (so the guest cannot change bytes
 * under the decoder) and execute it on the nested decoder. */
static int
execute_one_stream(struct pv_dispatcher *d, const VkCommandStreamDescriptionMESA *s)
{
   if (s->size == 0)
      return 0;
   struct pv_resource *res = pv_context_get_resource(d->vk->ctx, s->resourceId);
   if (!res || !res->map || s->offset > res->size || s->size > res->size - s->offset ||
       s->size % 4) {
      if (res)
         pv_resource_unref(res);
      pv_dispatch_fail(d, "stream %u [%llu, +%llu) is not a valid range", s->resourceId,
                       (unsigned long long)s->offset, (unsigned long long)s->size);
      return -1;
   }
   uint8_t *copy = malloc(s->size);
   if (copy)
      memcpy(copy, (const uint8_t *)res->map + s->offset, s->size);
   pv_resource_unref(res);
   if (!copy) {
      pv_dispatch_fail(d, "out of memory for a %llu-byte stream", (unsigned long long)s->size);
      return -1;
   }
   const struct pv_cs_command_info *outer = d->cmd;
   int ret = pv_dispatch_stream(d, &d->nested, copy, s->size);
   d->cmd = outer;
   free(copy);
   return ret;
}

void
pv_handle_vkExecuteCommandStreamsMESA(struct pv_dispatcher *d,
                                      struct pv_vkExecuteCommandStreamsMESA_args *a)
{
   if (d->in_nested)
      return pv_dispatch_fail(d, "nested vkExecuteCommandStreamsMESA");
   if (d->vk->replaying)
      return; /* the streams' commands are recorded one by one after this */
   if (a->streamCount == 0 || !a->pStreams)
      return pv_dispatch_fail(d, "no streams");
   d->in_nested = true;
   for (uint32_t i = 0; i < a->streamCount && !pv_dispatch_failed(d); i++) {
      if (a->pReplyPositions) {
         if (!d->reply.res || a->pReplyPositions[i] > d->reply.size) {
            pv_dispatch_fail(d, "reply position %u is outside the reply stream", i);
            break;
         }
         d->reply.pos = a->pReplyPositions[i];
      }
      if (execute_one_stream(d, &a->pStreams[i]))
         break;
   }
   d->in_nested = false;
}
