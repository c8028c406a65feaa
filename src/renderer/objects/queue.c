/*
 * queue.c — fence timelines of guest queues (docs/PROTOCOL.md §9).
 *
 * A vtest fence on timeline N (the ring_idx the guest bound to a VkQueue)
 * must retire once that queue finished all work submitted before it.  We
 * submit an empty batch with a VkFence to the queue and hand the fence to
 * the queue's retire thread, which waits for fences in submission order and
 * retires the timeline up to each one.  The submitting thread (the
 * context's) never waits for the GPU.
 *
 * Fences are recycled (reset after their retirement, kept for the next
 * submission) rather than created and destroyed each time: NVIDIA's
 * vkDestroyFence took about 250 us on the H100, and a guest that waits for
 * each fence waited for that too.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "platform/pv_platform.h"
#include "renderer/objects/queue.h"
#include "renderer/core/sync.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

struct pending {
   struct pending *next;
   VkFence fence;
   uint64_t seqno;
};

#define SPARE_FENCES 16

struct pv_queue_timeline {
   struct pv_queue *queue;
   struct pv_context *ctx;
   uint32_t ring_idx;
   pthread_mutex_t lock;
   pthread_cond_t cond;
   struct pending *head, *tail;
   VkFence spare[SPARE_FENCES]; /* signalled and reset, for reuse */
   uint32_t nspare;
   bool stop;
   atomic_bool abandon; /* the device will never go idle: stop waiting */
   pv_thread thread;
};

/* Busy-waiting devices (device.c): poll the fence for a while before
 * sleeping on it, yielding between polls, so the GPU's completion reaches
 * the guest without a sleeping thread to wake first. */
#define FENCE_POLL_NS 1000000ull

static void
poll_fence(VkDevice dev, VkFence fence)
{
   uint64_t start = pv_now_ns();
   while (vkGetFenceStatus(dev, fence) == VK_NOT_READY && pv_now_ns() - start < FENCE_POLL_NS)
      pv_yield();
}

static void *
retire_main(void *arg)
{
   struct pv_queue_timeline *tl = arg;
   VkDevice dev = tl->queue->obj.device->handle;
   pthread_mutex_lock(&tl->lock);
   for (;;) {
      while (!tl->head && !tl->stop)
         pthread_cond_wait(&tl->cond, &tl->lock);
      struct pending *p = tl->head;
      if (!p)
         break; /* stopped with nothing pending */
      pthread_mutex_unlock(&tl->lock);
      /* A lost device still retires, so the guest's waits end.  Waiting in
       * slices lets teardown abandon a device whose work never ends. */
      VkResult r;
      if (tl->queue->obj.device->busy_wait)
         poll_fence(dev, p->fence);
      while ((r = vkWaitForFences(dev, 1, &p->fence, VK_TRUE, 100000000ull)) == VK_TIMEOUT &&
             !atomic_load(&tl->abandon))
         ;
      if (r == VK_TIMEOUT)
         return NULL; /* abandoned: the fences stay with the leaked device */
      pv_context_retire_timeline(tl->ctx, tl->ring_idx, p->seqno); /* first: the guest waits */
      /* Where we busy-wait, get the rings ready for the guest's next
       * command too (on a CPU device their yielding would take the cores
       * the driver runs on, for ~12 us a round: GUESTS.md). */
      struct pv_vk_context *vk = tl->queue->obj.device->vk;
      if (tl->queue->obj.device->busy_wait && vk->on_completion)
         vk->on_completion(vk);
      bool reuse = vkResetFences(dev, 1, &p->fence) == VK_SUCCESS;
      pthread_mutex_lock(&tl->lock);
      if (reuse && tl->nspare < SPARE_FENCES)
         tl->spare[tl->nspare++] = p->fence;
      else
         vkDestroyFence(dev, p->fence, NULL);
      tl->head = p->next;
      if (!tl->head)
         tl->tail = NULL;
      free(p);
   }
   pthread_mutex_unlock(&tl->lock);
   return NULL;
}

static int
timeline_start(struct pv_queue *q, struct pv_context *ctx, uint32_t ring_idx)
{
   struct pv_queue_timeline *tl = calloc(1, sizeof(*tl));
   if (!tl)
      return -1;
   *tl = (struct pv_queue_timeline){ .queue = q, .ctx = ctx, .ring_idx = ring_idx };
   pthread_mutex_init(&tl->lock, NULL);
   pthread_cond_init(&tl->cond, NULL);
   /* named, so an operator's `top -H` tells it from the ring reader whose
    * name the driver's own threads inherit */
   if (pv_thread_start(&tl->thread, "pv-retire", retire_main, tl)) {
      pthread_cond_destroy(&tl->cond);
      pthread_mutex_destroy(&tl->lock);
      free(tl);
      return -1;
   }
   q->timeline = tl;
   return 0;
}

/* A signalled-and-reset fence from the timeline's spares, or a new one. */
static int
take_fence(struct pv_queue *q, VkFence *out)
{
   struct pv_queue_timeline *tl = q->timeline;
   *out = VK_NULL_HANDLE;
   if (tl) {
      pthread_mutex_lock(&tl->lock);
      if (tl->nspare)
         *out = tl->spare[--tl->nspare];
      pthread_mutex_unlock(&tl->lock);
   }
   const VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   return *out || vkCreateFence(q->obj.device->handle, &fci, NULL, out) == VK_SUCCESS ? 0 : -1;
}

/* pv_timeline_submit_fn for a queue's timeline. */
static int
queue_timeline_submit(void *data, struct pv_context *ctx, uint32_t ring_idx, uint64_t seqno)
{
   struct pv_queue *q = data;
   VkDevice dev = q->obj.device->handle;
   struct pending *p = calloc(1, sizeof(*p));
   if (!p || take_fence(q, &p->fence)) {
      free(p);
      return -1;
   }
   p->seqno = seqno;
   pthread_mutex_lock(&q->lock);
   VkResult r = q->timeline || !timeline_start(q, ctx, ring_idx)
                   ? vkQueueSubmit(q->handle, 0, NULL, p->fence)
                   : VK_ERROR_OUT_OF_HOST_MEMORY;
   pthread_mutex_unlock(&q->lock);
   if (r != VK_SUCCESS) {
      vkDestroyFence(dev, p->fence, NULL);
      free(p);
      return -1;
   }
   struct pv_queue_timeline *tl = q->timeline;
   pthread_mutex_lock(&tl->lock);
   if (tl->tail)
      tl->tail->next = p;
   else
      tl->head = p;
   tl->tail = p;
   pthread_cond_signal(&tl->cond);
   pthread_mutex_unlock(&tl->lock);
   return 0;
}

int
pv_queue_bind_timeline(struct pv_queue *q, struct pv_context *ctx, uint32_t ring_idx)
{
   int ret = pv_context_bind_timeline(ctx, ring_idx, queue_timeline_submit, q);
   if (!ret)
      q->ring_idx = ring_idx;
   return ret;
}

/* Unbind the context's timeline, then stop the retire thread and free
 * the timeline.  Unbinding first: no fence reaches the queue after it, and
 * one the context's thread is handing to it has got there (the unbind
 * waits for it), so nothing uses q->timeline below.  Not abandoned, the
 * thread retires what is pending (the device is idle or lost by now);
 * abandoned, it stops waiting and leaves the rest, freed here (the fences
 * leak with the device). */
static void
timeline_end(struct pv_queue *q, struct pv_context *ctx, bool abandon)
{
   if (q->ring_idx)
      pv_context_unbind_timeline(ctx, q->ring_idx);
   q->ring_idx = 0;
   struct pv_queue_timeline *tl = q->timeline;
   if (tl) {
      if (abandon)
         atomic_store(&tl->abandon, true);
      pthread_mutex_lock(&tl->lock);
      tl->stop = true;
      pthread_cond_signal(&tl->cond);
      pthread_mutex_unlock(&tl->lock);
      pv_thread_join(&tl->thread);
      while (tl->head) {
         struct pending *p = tl->head;
         tl->head = p->next;
         free(p);
      }
      /* abandoned, the spares leak with the device like its other objects */
      for (uint32_t i = 0; !abandon && i < tl->nspare; i++)
         vkDestroyFence(q->obj.device->handle, tl->spare[i], NULL);
      pthread_cond_destroy(&tl->cond);
      pthread_mutex_destroy(&tl->lock);
      free(tl);
      q->timeline = NULL;
   }
}

void
pv_queue_abandon_timeline(struct pv_queue *q, struct pv_context *ctx)
{
   timeline_end(q, ctx, true);
}

void
pv_queue_unbind_timeline(struct pv_queue *q, struct pv_context *ctx)
{
   timeline_end(q, ctx, false);
}

bool
pv_queue_each_submitted(uint32_t type, const void *args,
                        bool (*fn)(void *user, VkCommandBuffer cb), void *user)
{
   if (type == PV_CMD_vkQueueSubmit) {
      const struct pv_vkQueueSubmit_args *a = args;
      for (uint32_t i = 0; a->pSubmits && i < a->submitCount; i++)
         for (uint32_t j = 0; j < a->pSubmits[i].commandBufferCount; j++)
            if (!fn(user, a->pSubmits[i].pCommandBuffers[j]))
               return false;
   } else if (type == PV_CMD_vkQueueSubmit2) {
      const struct pv_vkQueueSubmit2_args *a = args;
      for (uint32_t i = 0; a->pSubmits && i < a->submitCount; i++)
         for (uint32_t j = 0; j < a->pSubmits[i].commandBufferInfoCount; j++)
            if (!fn(user, a->pSubmits[i].pCommandBufferInfos[j].commandBuffer))
               return false;
   }
   return true;
}
