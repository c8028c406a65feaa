/*
 * inflight.c — freeing what a CPU device is still executing with.
 *
 * Vulkan forbids destroying, freeing or resetting an object while pending
 * work uses it; a guest may do it anyway.  On a real GPU the damage stays
 * on the GPU.  On a device that runs on the host's CPU (lavapipe,
 * SwiftShader: VK_PHYSICAL_DEVICE_TYPE_CPU) the driver's queue thread
 * executes inside our process, and would read and write freed host memory.
 *
 * So on those devices every successful submission gets a number, and an
 * empty submission with a marker fence of ours follows it on the queue:
 * when the marker signals, every submission up to its number is done.
 * Command buffers (and their pools) remember the number of the last
 * submission that used them.  Before a command that resets or frees
 * command buffers, we wait for their numbers; before any other release
 * (vkDestroyBuffer, vkFreeMemory, …), for everything submitted so far,
 * since we do not know which work uses the object.  Frames that only
 * re-record their command buffers after the guest saw their fences wait
 * for nothing.  Work that never ends (it waits for a value nobody
 * signals) makes the release fail the context after a deadline instead of
 * freeing under it.  Secondary command buffers run inside primaries we
 * cannot see into here, so theirs is "everything submitted".
 *
 * Markers need one queue: a CPU device with several queues waits for all
 * of them instead (pv_device_wait_idle).  Which commands release what,
 * and the waits before them, are the inflight guard's (guards/inflight.c).
 */
#include "renderer/objects/inflight.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/queue.h"
#include "renderer/vk/vk_context.h"

struct marker {
   uint64_t count;
   VkFence fence;
};

struct pv_inflight {
   pthread_mutex_t lock;
   atomic_uint_fast64_t submitted; /* submissions numbered so far */
   uint64_t done;                  /* all up to this number are complete */
   struct marker *pending;         /* in queue order */
   uint32_t npending, cap;
   VkFence *spare;                 /* signaled markers, reset for reuse */
   uint32_t nspare;
};

/* ---- markers -------------------------------------------------------------------------- */

int
pv_inflight_init(struct pv_device *dev)
{
   if (dev->pdev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU)
      return 0;
   struct pv_inflight *f = calloc(1, sizeof(*f));
   if (!f)
      return -ENOMEM;
   pthread_mutex_init(&f->lock, NULL);
   dev->inflight = f;
   return 0;
}

void
pv_inflight_fini(struct pv_device *dev, bool idle)
{
   struct pv_inflight *f = dev->inflight;
   if (!f)
      return;
   for (uint32_t i = 0; idle && i < f->npending; i++)
      vkDestroyFence(dev->handle, f->pending[i].fence, NULL);
   for (uint32_t i = 0; idle && i < f->nspare; i++)
      vkDestroyFence(dev->handle, f->spare[i], NULL);
   free(f->pending);
   free(f->spare);
   pthread_mutex_destroy(&f->lock);
   free(f);
   dev->inflight = NULL;
}

/* Retire the markers that signaled, oldest first.  Lock held. */
static void
retire(struct pv_device *dev, struct pv_inflight *f)
{
   uint32_t i = 0;
   while (i < f->npending && vkGetFenceStatus(dev->handle, f->pending[i].fence) == VK_SUCCESS) {
      f->done = f->pending[i].count;
      if (vkResetFences(dev->handle, 1, &f->pending[i].fence) == VK_SUCCESS)
         f->spare[f->nspare++] = f->pending[i].fence; /* spare has room for all */
      else
         vkDestroyFence(dev->handle, f->pending[i].fence, NULL);
      i++;
   }
   if (i) {
      memmove(f->pending, f->pending + i, (f->npending - i) * sizeof(*f->pending));
      f->npending -= i;
   }
}

void
pv_inflight_mark_submission(struct pv_device *dev, struct pv_queue *q, uint64_t *count)
{
   struct pv_inflight *f = dev->inflight;
   pthread_mutex_lock(&f->lock);
   retire(dev, f);
   *count = atomic_fetch_add(&f->submitted, 1) + 1;
   if (f->npending == f->cap) {
      uint32_t cap = f->cap ? 2 * f->cap : 16;
      struct marker *p = realloc(f->pending, cap * sizeof(*p));
      VkFence *s = realloc(f->spare, cap * sizeof(*s));
      if (p)
         f->pending = p;
      if (s)
         f->spare = s;
      if (p && s)
         f->cap = cap;
   }
   VkFence fence = VK_NULL_HANDLE;
   const VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   if (f->npending < f->cap &&
       (f->nspare ? (fence = f->spare[--f->nspare], VK_SUCCESS)
                  : vkCreateFence(dev->handle, &fci, NULL, &fence)) == VK_SUCCESS) {
      pthread_mutex_lock(&q->lock);
      VkResult r = vkQueueSubmit(q->handle, 0, NULL, fence);
      pthread_mutex_unlock(&q->lock);
      if (r == VK_SUCCESS)
         f->pending[f->npending++] = (struct marker){ *count, fence };
      else
         vkDestroyFence(dev->handle, fence, NULL);
   }
   /* Without a marker, later markers (or idle waits) still cover it. */
   pthread_mutex_unlock(&f->lock);
}

/* Wait until submissions up to `target` are done; false after
 * `timeout_ns`.  Without a marker covering them, wait for the whole device. */
static bool
wait_for(struct pv_device *dev, struct pv_inflight *f, uint64_t target, uint64_t timeout_ns)
{
   uint64_t submitted = atomic_load(&f->submitted);
   if (target > submitted)
      target = submitted;
   pthread_mutex_lock(&f->lock);
   retire(dev, f);
   bool done = f->done >= target;
   VkFence fence = VK_NULL_HANDLE;
   for (uint32_t i = 0; !done && i < f->npending && !fence; i++)
      if (f->pending[i].count >= target)
         fence = f->pending[i].fence;
   pthread_mutex_unlock(&f->lock);
   if (done)
      return true;
   bool ok = dev->queue_count == 1 && fence
                ? vkWaitForFences(dev->handle, 1, &fence, VK_TRUE, timeout_ns) == VK_SUCCESS
                : pv_device_wait_idle(dev, timeout_ns);
   if (!ok)
      return false;
   pthread_mutex_lock(&f->lock);
   retire(dev, f);
   if (f->done < target)
      f->done = target; /* the marker or the idle wait covers it */
   pthread_mutex_unlock(&f->lock);
   return true;
}

uint64_t
pv_inflight_submitted(const struct pv_device *dev)
{
   return dev->inflight ? atomic_load(&dev->inflight->submitted) : 0;
}

bool
pv_inflight_wait(struct pv_device *dev, uint64_t count, uint64_t timeout_ns)
{
   return !dev->inflight || wait_for(dev, dev->inflight, count, timeout_ns);
}

void
pv_inflight_idle(struct pv_device *dev)
{
   struct pv_inflight *f = dev->inflight;
   if (!f)
      return;
   uint64_t submitted = atomic_load(&f->submitted);
   pthread_mutex_lock(&f->lock);
   retire(dev, f);
   if (f->done < submitted)
      f->done = submitted;
   pthread_mutex_unlock(&f->lock);
}
