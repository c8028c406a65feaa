/*
 * inflight.c — freeing what a CPU device is still executing with.
 *
 * Vulkan forbids destroying, freeing or resetting an object while pending
 * work uses it; a guest may do it anyway.  On a real GPU the damage stays
 * on the GPU.  On a device that runs on the host's CPU (lavapipe,
 * SwiftShader: VK_PHYSICAL_DEVICE_TYPE_CPU) the driver's queue thread
 * executes inside our process, and would read and write freed host memory.
 *
 * So on those devices every successful submission gets a number, which is
 * signaled when the work is done: where the device has one queue and
 * timeline semaphores (Vulkan 1.2, or its extension), as a value of a
 * timeline semaphore of ours that the submission itself signals
 * (objects/submit.c adds it to the guest's last batch); elsewhere by an
 * empty submission with a marker fence that follows it on the queue.  A second submission per guest submit was
 * not free: lavapipe runs submissions on a thread of its own, and the
 * marker woke that thread again, and contended for its lock, while it ran
 * the guest's work (a guest's empty submit + fence wait in Debian's QEMU:
 * 300 us instead of 20 in most runs, its fence feedback landing after the
 * guest had given up polling and slept).
 *
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
   /* One queue and timeline semaphores: its value is the number of the
    * last submission done, and markers are not used. */
   VkSemaphore timeline;
};

/* ---- markers -------------------------------------------------------------------------- */

/* Timeline semaphores are core, and mandatory, from Vulkan 1.2 (the
 * device and the guest's instance both there), else the device extension
 * (lavapipe has it; guests ask for Vulkan 1.0 or 1.1 too). */
static bool
timeline_core(const struct pv_physical_device *p)
{
   return p->props.apiVersion >= VK_API_VERSION_1_2 &&
          p->instance->api_version >= VK_API_VERSION_1_2;
}

static bool
timeline_capable(const struct pv_physical_device *p)
{
   const char *ext = VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME;
   return p->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU &&
          (timeline_core(p) ||
           (pv_physical_device_offers(p, ext) && !pv_physical_device_serves(p, ext)));
}

const char *
pv_inflight_extension(const struct pv_physical_device *p)
{
   return timeline_capable(p) && !timeline_core(p) ? VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME
                                                   : NULL;
}

void
pv_inflight_enable_timeline(const struct pv_physical_device *p, VkDeviceCreateInfo *info,
                            VkPhysicalDeviceTimelineSemaphoreFeatures *own)
{
   if (!timeline_capable(p))
      return;
   if (pv_create_info_set_feature(
          info, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
          offsetof(VkPhysicalDeviceVulkan12Features, timelineSemaphore),
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES,
          offsetof(VkPhysicalDeviceTimelineSemaphoreFeatures, timelineSemaphore)))
      return;
   *own = (VkPhysicalDeviceTimelineSemaphoreFeatures){
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES,
      .pNext = (void *)info->pNext, .timelineSemaphore = VK_TRUE };
   info->pNext = own;
}

int
pv_inflight_init(struct pv_device *dev)
{
   if (dev->pdev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU)
      return 0;
   struct pv_inflight *f = calloc(1, sizeof(*f));
   if (!f)
      return -ENOMEM;
   pthread_mutex_init(&f->lock, NULL);
   if (timeline_capable(dev->pdev) && dev->queue_count == 1 &&
       dev->table.GetSemaphoreCounterValue && dev->table.WaitSemaphores &&
       dev->table.SignalSemaphore) {
      VkSemaphoreTypeCreateInfo type = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                         .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
      const VkSemaphoreCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO,
                                         .pNext = &type };
      if (vkCreateSemaphore(dev->handle, &ci, NULL, &f->timeline) != VK_SUCCESS)
         f->timeline = VK_NULL_HANDLE; /* markers, then */
   }
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
   if (idle && f->timeline)
      vkDestroySemaphore(dev->handle, f->timeline, NULL);
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

bool
pv_inflight_next_signal(struct pv_device *dev, VkSemaphore *sem, uint64_t *value)
{
   struct pv_inflight *f = dev->inflight;
   if (!f || !f->timeline)
      return false;
   *sem = f->timeline;
   *value = atomic_load(&f->submitted) + 1;
   return true;
}

void
pv_inflight_signaled(struct pv_device *dev, uint64_t value)
{
   atomic_store(&dev->inflight->submitted, value);
}

/* An empty batch that signals the next number, with the queue's lock
 * held.  Should even that fail, the queue is drained and the number
 * signaled from here (no signal is pending then), so no wait for it hangs
 * on a number that never comes. */
static uint64_t
signal_next(struct pv_device *dev, struct pv_inflight *f, struct pv_queue *q)
{
   uint64_t value = atomic_load(&f->submitted) + 1;
   const VkTimelineSemaphoreSubmitInfo tl = {
      .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO,
      .signalSemaphoreValueCount = 1, .pSignalSemaphoreValues = &value };
   const VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .pNext = &tl,
                             .signalSemaphoreCount = 1, .pSignalSemaphores = &f->timeline };
   if (vkQueueSubmit(q->handle, 1, &si, VK_NULL_HANDLE) != VK_SUCCESS) {
      const VkSemaphoreSignalInfo sig = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO,
                                          .semaphore = f->timeline, .value = value };
      if (vkQueueWaitIdle(q->handle) == VK_SUCCESS)
         dev->table.SignalSemaphore(dev->handle, &sig);
   }
   atomic_store(&f->submitted, value);
   return value;
}

void
pv_inflight_mark_submission(struct pv_device *dev, struct pv_queue *q, uint64_t *count)
{
   struct pv_inflight *f = dev->inflight;
   if (f->timeline) {
      pthread_mutex_lock(&q->lock);
      *count = signal_next(dev, f, q);
      pthread_mutex_unlock(&q->lock);
      return;
   }
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
   if (f->timeline) {
      uint64_t reached = 0;
      if (!target || (dev->table.GetSemaphoreCounterValue(dev->handle, f->timeline, &reached) ==
                         VK_SUCCESS && reached >= target))
         return true;
      const VkSemaphoreWaitInfo wi = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
                                       .semaphoreCount = 1, .pSemaphores = &f->timeline,
                                       .pValues = &target };
      return dev->table.WaitSemaphores(dev->handle, &wi, timeout_ns) == VK_SUCCESS;
   }
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
