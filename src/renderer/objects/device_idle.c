/*
 * device_idle.c — waiting for a device's or a queue's work to finish,
 * with a timeout: an empty submission with a fence per queue, since
 * vkQueueWaitIdle and vkDeviceWaitIdle have none.  Used by the wait-idle
 * handlers (device.c), device teardown and the CPU-device release waits
 * (inflight.c).  Contracts in device_idle.h.
 */
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/device_idle.h"
#include "renderer/vk/vk_objects.h"

bool
pv_idle_begin(struct pv_idle_wait *w, struct pv_device *dev, struct pv_queue *only)
{
   *w = (struct pv_idle_wait){ dev, calloc(dev->queue_count ? dev->queue_count : 1, sizeof(VkFence)),
                            0 };
   const VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   for (uint32_t i = 0; w->fences && i < dev->queue_count; i++) {
      struct pv_queue *q = &dev->queues[i];
      if ((only && q != only) || vkCreateFence(dev->handle, &fci, NULL, &w->fences[w->n]))
         continue;
      pthread_mutex_lock(&q->lock);
      VkResult r = vkQueueSubmit(q->handle, 0, NULL, w->fences[w->n]);
      pthread_mutex_unlock(&q->lock);
      if (r == VK_SUCCESS)
         w->n++;
      else
         vkDestroyFence(dev->handle, w->fences[w->n], NULL);
   }
   return w->n > 0;
}

VkResult
pv_idle_wait_slice(void *user, uint64_t slice_ns)
{
   struct pv_idle_wait *w = user;
   return w->n ? vkWaitForFences(w->dev->handle, w->n, w->fences, VK_TRUE, slice_ns) : VK_SUCCESS;
}

void
pv_idle_end(struct pv_idle_wait *w, bool done)
{
   struct pv_device *dev = w->dev;
   pthread_mutex_lock(&dev->stale_lock);
   uint32_t kept = 0;
   for (uint32_t i = 0; i < dev->stale_fence_count; i++) {
      if (vkGetFenceStatus(dev->handle, dev->stale_fences[i]) == VK_NOT_READY)
         dev->stale_fences[kept++] = dev->stale_fences[i];
      else
         vkDestroyFence(dev->handle, dev->stale_fences[i], NULL);
   }
   dev->stale_fence_count = kept;
   VkFence *all = done ? NULL
                       : realloc(dev->stale_fences, (kept + w->n) * sizeof(*all));
   if (all) {
      memcpy(all + kept, w->fences, w->n * sizeof(*all));
      dev->stale_fences = all;
      dev->stale_fence_count += w->n;
   } else {
      /* signaled, or (out of memory) leaked to the device rather than
       * destroyed while queued */
      for (uint32_t i = 0; done && i < w->n; i++)
         vkDestroyFence(dev->handle, w->fences[i], NULL);
   }
   pthread_mutex_unlock(&dev->stale_lock);
   free(w->fences);
}

bool
pv_device_wait_idle(struct pv_device *dev, uint64_t timeout_ns)
{
   struct pv_idle_wait w;
   pv_idle_begin(&w, dev, NULL);
   bool done = pv_idle_wait_slice(&w, timeout_ns) == VK_SUCCESS;
   pv_idle_end(&w, done);
   return done;
}
