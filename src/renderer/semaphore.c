/*
 * semaphore.c — semaphores, and what keeps a guest from hanging teardown.
 *
 * A guest can queue work that waits on a timeline value nobody will ever
 * signal, or park its ring thread in vkWaitSemaphores / vkWaitForFences
 * behind such work, and then disconnect.  Waiting for the device to go
 * idle would then block the server forever.  So semaphores remember
 * whether they are timelines, and teardown first signals every timeline
 * semaphore of the device past anything the guest can wait for
 * (pv_device_release_waits), then waits with a deadline.
 */
#include <stdlib.h>

#include "platform/pv_platform.h"

#include "renderer/handlers.h"
#include "renderer/semaphore.h"
#include "renderer/vk_context.h"

static bool
is_timeline(const VkSemaphoreCreateInfo *info)
{
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO)
         return ((const VkSemaphoreTypeCreateInfo *)s)->semaphoreType ==
                VK_SEMAPHORE_TYPE_TIMELINE;
   }
   return false;
}

void
pv_handle_vkCreateSemaphore(struct pv_dispatcher *d, struct pv_vkCreateSemaphore_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pCreateInfo || !a->pSemaphore)
      return pv_dispatch_fail(d, "device, pCreateInfo or pSemaphore is NULL");
   struct pv_semaphore *sem = calloc(1, sizeof(*sem));
   if (!sem)
      return pv_dispatch_fail(d, "out of memory");
   a->ret = dev->table.CreateSemaphore(dev->handle, a->pCreateInfo, NULL, a->pSemaphore);
   if (a->ret != VK_SUCCESS) {
      free(sem);
      return;
   }
   sem->timeline = is_timeline(a->pCreateInfo);
   sem->obj = (struct pv_vk_object){ { a->pSemaphore_ids[0], VK_OBJECT_TYPE_SEMAPHORE,
                                       (uint64_t)*a->pSemaphore },
                                     dev, 0, 0 };
   if (!pv_dispatch_bind(d, &sem->obj.base)) {
      dev->table.DestroySemaphore(dev->handle, *a->pSemaphore, NULL);
      free(sem);
   }
}

struct release {
   struct pv_device *dev;
   struct pv_semaphore **sems;
   size_t count, cap;
};

static void
collect_timeline(void *user, struct pv_object *o)
{
   struct release *r = user;
   struct pv_semaphore *s = (struct pv_semaphore *)o;
   if (o->type != VK_OBJECT_TYPE_SEMAPHORE || s->obj.device != r->dev || !s->timeline)
      return;
   if (r->count == r->cap) {
      size_t cap = r->cap ? r->cap * 2 : 16;
      struct pv_semaphore **n = realloc(r->sems, cap * sizeof(*n));
      if (!n)
         return;
      r->sems = n;
      r->cap = cap;
   }
   r->sems[r->count++] = s;
}

void
pv_device_release_waits(struct pv_vk_context *vk, struct pv_device *dev)
{
   struct release r = { .dev = dev };
   pv_object_table_for_each(&vk->objects, collect_timeline, &r);
   uint64_t step = dev->pdev->max_timeline_difference;
   for (size_t i = 0; i < r.count && dev->table.GetSemaphoreCounterValue && dev->table.SignalSemaphore;
        i++) {
      VkSemaphore sem = (VkSemaphore)r.sems[i]->obj.base.handle;
      uint64_t value = 0;
      if (dev->table.GetSemaphoreCounterValue(dev->handle, sem, &value) != VK_SUCCESS ||
          value > UINT64_MAX - step)
         continue;
      VkSemaphoreSignalInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO,
                                   .semaphore = sem, .value = value + step };
      dev->table.SignalSemaphore(dev->handle, &si);
   }
   free(r.sems);
}

/* ---- guest-requested host waits ----------------------------------------------------- */

/* Waits run on the ring's thread (allow_vk_wait_syncs).  They are cut into
 * slices so that a disconnect or a fatal context ends them: otherwise a
 * guest could leave a thread waiting forever on work that never runs. */
#define WAIT_SLICE_NS 100000000ull /* 100 ms */

static bool
wait_abandoned(struct pv_dispatcher *d)
{
   return pv_dispatch_failed(d) || (d->ring && pv_ring_stopping(d->ring->ring));
}

void
pv_handle_vkWaitForFences(struct pv_dispatcher *d, struct pv_vkWaitForFences_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pFences)
      return pv_dispatch_fail(d, "device or pFences is NULL");
   uint64_t start = pv_now_ns();
   for (;;) {
      uint64_t waited = pv_now_ns() - start;
      uint64_t left = a->timeout > waited ? a->timeout - waited : 0;
      uint64_t slice = left < WAIT_SLICE_NS ? left : WAIT_SLICE_NS;
      a->ret = dev->table.WaitForFences(dev->handle, a->fenceCount, a->pFences, a->waitAll, slice);
      if (a->ret != VK_TIMEOUT || slice == left)
         return;
      if (wait_abandoned(d)) {
         a->ret = VK_ERROR_DEVICE_LOST;
         return;
      }
   }
}

void
pv_handle_vkWaitSemaphores(struct pv_dispatcher *d, struct pv_vkWaitSemaphores_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pWaitInfo || !dev->table.WaitSemaphores)
      return pv_dispatch_fail(d, "device or pWaitInfo is NULL, or no host vkWaitSemaphores");
   uint64_t start = pv_now_ns();
   for (;;) {
      uint64_t waited = pv_now_ns() - start;
      uint64_t left = a->timeout > waited ? a->timeout - waited : 0;
      uint64_t slice = left < WAIT_SLICE_NS ? left : WAIT_SLICE_NS;
      a->ret = dev->table.WaitSemaphores(dev->handle, a->pWaitInfo, slice);
      if (a->ret != VK_TIMEOUT || slice == left)
         return;
      if (wait_abandoned(d)) {
         a->ret = VK_ERROR_DEVICE_LOST;
         return;
      }
   }
}
