/*
 * device.c — vkCreateDevice / vkDestroyDevice and the device's queues.
 *
 * Queues are created with the device and get their guest id later, one
 * vkGetDeviceQueue2 each, whose VkDeviceQueueTimelineInfoMESA binds the
 * queue to a fence timeline (ring_idx, docs/PROTOCOL.md §7, §9).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/device_idle.h"
#include "renderer/objects/object_free.h"
#include "renderer/handlers.h"
#include "renderer/objects/image.h"
#include "renderer/objects/inflight.h"
#include "renderer/vk/loader.h"
#include "renderer/objects/host_copy.h"
#include "renderer/objects/memory.h"
#include "renderer/objects/queue.h"
#include "renderer/objects/semaphore.h"
#include "renderer/core/sync.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

#define STYPE_DEVICE_QUEUE_TIMELINE_INFO_MESA 1000384005

/* Every extension the guest enables must be one we offered. */
static const char *
first_unoffered(const struct pv_physical_device *p, const VkDeviceCreateInfo *info)
{
   for (uint32_t i = 0; i < info->enabledExtensionCount; i++) {
      const char *e = info->ppEnabledExtensionNames ? info->ppEnabledExtensionNames[i] : NULL;
      if (!e || !pv_physical_device_offers(p, e))
         return e ? e : "(null)";
   }
   return NULL;
}

/* Shader accesses outside a buffer must not reach the host's memory (on
 * lavapipe buffers are host memory): turn robustBufferAccess on wherever
 * the device has it, in whichever place the guest put its features.  The
 * decoded create info is our own scratch copy, so it may be changed. */
static void
force_robust_buffer_access(const struct pv_physical_device *p, VkDeviceCreateInfo *info,
                           VkPhysicalDeviceFeatures *own)
{
   VkPhysicalDeviceFeatures supported;
   vkGetPhysicalDeviceFeatures(p->handle, &supported);
   if (!supported.robustBufferAccess)
      return;
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2) {
         ((VkPhysicalDeviceFeatures2 *)s)->features.robustBufferAccess = VK_TRUE;
         return;
      }
   }
   *own = info->pEnabledFeatures ? *info->pEnabledFeatures : (VkPhysicalDeviceFeatures){ 0 };
   own->robustBufferAccess = VK_TRUE;
   info->pEnabledFeatures = own;
}

/* The guest's device plus what we need ourselves: host-pointer import
 * backs guest-mapped memory (memory.c); robust access; timeline semaphores
 * number a CPU device's submissions (inflight.c). */
static VkResult
create_host_device(const struct pv_physical_device *p, const VkDeviceCreateInfo *guest,
                   struct pv_device *dev)
{
   const char *own = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
   const char *timeline = pv_inflight_extension(p);
   VkDeviceCreateInfo info = *guest;
   const char **names = calloc(guest->enabledExtensionCount + 2, sizeof(*names));
   if (!names)
      return VK_ERROR_OUT_OF_HOST_MEMORY;
   bool have = false, have_timeline = false;
   info.enabledExtensionCount = 0;
   for (uint32_t i = 0; i < guest->enabledExtensionCount; i++) {
      const char *e = guest->ppEnabledExtensionNames[i];
      have |= !strcmp(e, own);
      have_timeline |= timeline && !strcmp(e, timeline);
      /* what we serve the host lacks (physical_device.c) */
      if (!pv_physical_device_serves(p, e))
         names[info.enabledExtensionCount++] = e;
   }
   if (p->has_host_ptr && !have)
      names[info.enabledExtensionCount++] = own;
   if (timeline && !have_timeline)
      names[info.enabledExtensionCount++] = timeline;
   info.ppEnabledExtensionNames = names;
   VkPhysicalDeviceFeatures own_features;
   force_robust_buffer_access(p, &info, &own_features);
   VkPhysicalDeviceImageRobustnessFeatures own_image_robustness;
   pv_image_force_robust_access(p, &info, &own_image_robustness);
   VkPhysicalDeviceTimelineSemaphoreFeatures own_timeline;
   pv_inflight_enable_timeline(p, &info, &own_timeline);
   VkResult r = pv_loader_create_device(p->instance->renderer, p->handle, &info, &dev->handle,
                                        &dev->table);
   free(names);
   return r;
}

static int
create_queues(struct pv_device *dev, const VkDeviceCreateInfo *info)
{
   uint32_t total = 0;
   for (uint32_t i = 0; i < info->queueCreateInfoCount; i++)
      total += info->pQueueCreateInfos[i].queueCount;
   dev->queues = calloc(total ? total : 1, sizeof(*dev->queues));
   if (!dev->queues)
      return -1;
   for (uint32_t i = 0; i < info->queueCreateInfoCount; i++) {
      const VkDeviceQueueCreateInfo *q = &info->pQueueCreateInfos[i];
      for (uint32_t j = 0; j < q->queueCount; j++) {
         struct pv_queue *queue = &dev->queues[dev->queue_count++];
         queue->obj.device = dev;
         queue->flags = q->flags;
         queue->family = q->queueFamilyIndex;
         queue->index = j;
         pthread_mutex_init(&queue->lock, NULL);
         const VkDeviceQueueInfo2 qi = { VK_STRUCTURE_TYPE_DEVICE_QUEUE_INFO_2, NULL, q->flags,
                                         q->queueFamilyIndex, j };
         vkGetDeviceQueue2(dev->handle, &qi, &queue->handle);
         queue->obj.base = (struct pv_object){ 0, VK_OBJECT_TYPE_QUEUE,
                                               (uint64_t)(uintptr_t)queue->handle };
      }
   }
   return 0;
}

/* Queues the physical device has: at least one, families that exist,
 * each at most once, no more queues than the family holds (lavapipe read
 * through a null queue array for a device with none, a fuzzer's finding). */
static bool
queues_exist(struct pv_dispatcher *d, const struct pv_physical_device *p,
             const VkDeviceCreateInfo *info)
{
   VkQueueFamilyProperties fam[16];
   uint32_t n = 16;
   vkGetPhysicalDeviceQueueFamilyProperties(p->handle, &n, fam);
   uint32_t seen = 0;
   if (!info->queueCreateInfoCount || !info->pQueueCreateInfos)
      return pv_dispatch_fail(d, "a device needs at least one queue"), false;
   for (uint32_t i = 0; i < info->queueCreateInfoCount; i++) {
      const VkDeviceQueueCreateInfo *q = &info->pQueueCreateInfos[i];
      if (q->queueFamilyIndex >= n || (seen & (1u << q->queueFamilyIndex)) || !q->queueCount ||
          q->queueCount > fam[q->queueFamilyIndex].queueCount)
         return pv_dispatch_fail(d, "queue create info %u: family %u, %u queues, does not fit "
                                 "the device's %u families", i, q->queueFamilyIndex,
                                 q->queueCount, n), false;
      seen |= 1u << q->queueFamilyIndex;
   }
   return true;
}

/* Busy-waiting (PV_RENDERER_NO_BUSY_WAIT in pvvenus.h): worth its CPU time
 * only where cores are spare.  A GPU host's idle cores sleep deeply: on the
 * H100 host the GPU's completion reached the guest's SYNC_WAIT about 40 us
 * later while the retire thread slept on its fence than while it polled.
 * A CPU device's cores run the guest's work itself, so there it never pays. */
#define BUSY_WAIT_MIN_CPUS 8

static bool
wants_busy_wait(const struct pv_physical_device *p)
{
   return !(p->instance->renderer->config.flags & PV_RENDERER_NO_BUSY_WAIT) &&
          p->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU && pv_cpu_count() >= BUSY_WAIT_MIN_CPUS;
}

void
pv_handle_vkCreateDevice(struct pv_dispatcher *d, struct pv_vkCreateDevice_args *a)
{
   struct pv_physical_device *p = (struct pv_physical_device *)a->physicalDevice_obj;
   if (!p || !a->pCreateInfo || !a->pDevice)
      return pv_dispatch_fail(d, "physicalDevice, pCreateInfo or pDevice is NULL");
   if (!queues_exist(d, p, a->pCreateInfo))
      return;
   const char *bad = first_unoffered(p, a->pCreateInfo);
   if (bad) {
      pv_warn(d->vk->ctx->log, "%s: vkCreateDevice: extension %s is not offered", d->vk->ctx->name, bad);
      a->ret = VK_ERROR_EXTENSION_NOT_PRESENT;
      return;
   }
   struct pv_device *dev = calloc(1, sizeof(*dev));
   if (!dev)
      return pv_dispatch_fail(d, "out of memory");
   dev->pdev = p;
   dev->vk = d->vk;
   pthread_mutex_init(&dev->stale_lock, NULL);
   a->ret = create_host_device(p, a->pCreateInfo, dev);
   if (a->ret != VK_SUCCESS) {
      pthread_mutex_destroy(&dev->stale_lock);
      free(dev);
      return;
   }
   pv_host_copy_init(dev, a->pCreateInfo);
   if (p->has_host_ptr)
      dev->get_host_ptr_props = (PFN_vkGetMemoryHostPointerPropertiesEXT)pv_loader_device_proc(
         p->instance->renderer, dev->handle, "vkGetMemoryHostPointerPropertiesEXT");
   if (pv_create_info_enables(a->pCreateInfo, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME) &&
       !pv_physical_device_serves(p, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME))
      dev->get_memory_fd = (PFN_vkGetMemoryFdKHR)pv_loader_device_proc(
         p->instance->renderer, dev->handle, "vkGetMemoryFdKHR");
   dev->base = (struct pv_object){ a->pDevice_ids[0], VK_OBJECT_TYPE_DEVICE,
                                   (uint64_t)(uintptr_t)dev->handle };
   if (create_queues(dev, a->pCreateInfo) || pv_inflight_init(dev)) {
      dev->base.id = 0;
      pv_device_destroy(d->vk, dev);
      return pv_dispatch_fail(d, "out of memory");
   }
   if (!pv_dispatch_bind(d, &dev->base)) {
      dev->base.id = 0;
      pv_device_destroy(d->vk, dev);
      return;
   }
   dev->busy_wait = wants_busy_wait(p);
   if (dev->busy_wait)
      atomic_store_explicit(&d->vk->ctx->busy_wait, true, memory_order_relaxed);
   *a->pDevice = dev->handle;
}

struct child_match {
   struct pv_vk_context *vk;
   struct pv_device *dev;
   bool memory; /* this pass takes device memory, the other everything else */
};

static bool
is_child(void *user, const struct pv_object *o)
{
   const struct child_match *m = user;
   switch (o->type) {
   case VK_OBJECT_TYPE_INSTANCE:
   case VK_OBJECT_TYPE_PHYSICAL_DEVICE:
   case VK_OBJECT_TYPE_DEVICE:
   case VK_OBJECT_TYPE_QUEUE:
      return false;
   default:
      return ((const struct pv_vk_object *)o)->device == m->dev &&
             (o->type == VK_OBJECT_TYPE_DEVICE_MEMORY) == m->memory;
   }
}

static void
release_child(void *user, struct pv_object *o)
{
   struct child_match *m = user;
   struct pv_vk_object *obj = (struct pv_vk_object *)o;
   if (o->type == VK_OBJECT_TYPE_DEVICE_MEMORY) {
      pv_memory_release(m->vk, (struct pv_memory *)obj);
      return;
   }
   if (!obj->parent) /* pool children die with their pool */
      pv_gen_destroy_host_object(m->dev, obj);
   pv_memory_drop_binding(m->vk, o);
   pv_vk_object_free(o);
}

/* What the guest left alive: objects first, memory last (objects may be
 * bound to it). */
static void
destroy_children(struct pv_vk_context *vk, struct pv_device *dev)
{
   struct child_match m = { vk, dev, false };
   pv_object_table_remove_matching(&vk->objects, is_child, release_child, &m);
   m.memory = true;
   pv_object_table_remove_matching(&vk->objects, is_child, release_child, &m);
}

#define IDLE_TIMEOUT_NS 2000000000ull

void
pv_device_destroy(struct pv_vk_context *vk, struct pv_device *dev)
{
   /* Work the guest gated on values nobody will signal would keep the
    * device busy for ever: release those waits, then give it a deadline. */
   bool idle = pv_device_wait_idle(dev, IDLE_TIMEOUT_NS);
   if (!idle) {
      pv_device_release_waits(vk, dev);
      idle = pv_device_wait_idle(dev, IDLE_TIMEOUT_NS);
   }
   if (!idle) {
      pv_error(vk->ctx->log, "%s: device still busy at teardown; leaking its host objects",
               vk->ctx->name);
      pv_device_abandon(vk, dev);
      return;
   }
   destroy_children(vk, dev);
   for (uint32_t i = 0; i < dev->queue_count; i++) {
      struct pv_queue *q = &dev->queues[i];
      pv_queue_unbind_timeline(q, vk->ctx);
      if (q->obj.base.id)
         pv_object_table_remove(&vk->objects, q->obj.base.id, VK_OBJECT_TYPE_QUEUE);
      pthread_mutex_destroy(&q->lock);
      pv_semaphore_queue_fini(q);
   }
   if (dev->base.id)
      pv_object_table_remove(&vk->objects, dev->base.id, VK_OBJECT_TYPE_DEVICE);
   pv_inflight_fini(dev, true);
   pv_loader_destroy_device(dev->pdev->instance->renderer, dev->handle);
   free(dev->queues);
   free(dev->stale_fences); /* destroyed by the last idle wait, or abandoned */
   pthread_mutex_destroy(&dev->stale_lock);
   free(dev);
}

/* Forget a device whose GPU work never ends: unbind everything of it, free
 * our structures, and leave the host objects alone (destroying them while
 * in use is undefined; a leak is not). */
static bool
any_child(void *user, const struct pv_object *o)
{
   struct child_match m = { NULL, user, false };
   if (is_child(&m, o))
      return true;
   m.memory = true;
   return is_child(&m, o);
}

static void
forget(void *user, struct pv_object *o)
{
   (void)user;
   if (o->type == VK_OBJECT_TYPE_DEVICE_MEMORY)
      pv_memory_abandon((struct pv_memory *)o);
   else
      pv_vk_object_free(o);
}

void
pv_device_abandon(struct pv_vk_context *vk, struct pv_device *dev)
{
   pv_object_table_remove_matching(&vk->objects, any_child, forget, dev);
   for (uint32_t i = 0; i < dev->queue_count; i++) {
      struct pv_queue *q = &dev->queues[i];
      pv_queue_abandon_timeline(q, vk->ctx);
      pv_semaphore_queue_fini(q);
      if (q->obj.base.id)
         pv_object_table_remove(&vk->objects, q->obj.base.id, VK_OBJECT_TYPE_QUEUE);
   }
   if (dev->base.id)
      pv_object_table_remove(&vk->objects, dev->base.id, VK_OBJECT_TYPE_DEVICE);
   pv_inflight_fini(dev, false);
   free(dev->queues);
   free(dev->stale_fences); /* destroyed by the last idle wait, or abandoned */
   pthread_mutex_destroy(&dev->stale_lock);
   free(dev);
}

void
pv_handle_vkDestroyDevice(struct pv_dispatcher *d, struct pv_vkDestroyDevice_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (dev)
      pv_device_destroy(d->vk, dev);
}

static uint32_t
timeline_ring_idx(const VkDeviceQueueInfo2 *info)
{
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      if ((int)s->sType == STYPE_DEVICE_QUEUE_TIMELINE_INFO_MESA)
         return ((const VkDeviceQueueTimelineInfoMESA *)s)->ringIdx;
   }
   return 0;
}

void
pv_handle_vkGetDeviceQueue2(struct pv_dispatcher *d, struct pv_vkGetDeviceQueue2_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkDeviceQueueInfo2 *info = a->pQueueInfo;
   if (!dev || !info || !a->pQueue)
      return pv_dispatch_fail(d, "device, pQueueInfo or pQueue is NULL");
   struct pv_queue *q = NULL;
   for (uint32_t i = 0; i < dev->queue_count && !q; i++) {
      struct pv_queue *c = &dev->queues[i];
      if (c->flags == info->flags && c->family == info->queueFamilyIndex &&
          c->index == info->queueIndex)
         q = c;
   }
   if (!q)
      return pv_dispatch_fail(d, "no queue (family %u, index %u)", info->queueFamilyIndex,
                              info->queueIndex);
   if (q->obj.base.id)
      return pv_dispatch_fail(d, "queue (family %u, index %u) already has an id",
                              info->queueFamilyIndex, info->queueIndex);
   uint32_t ring_idx = timeline_ring_idx(info);
   if (ring_idx == 0 || ring_idx >= PV_MAX_TIMELINES)
      return pv_dispatch_fail(d, "queue needs a timeline ring_idx in 1..%d, got %u",
                              PV_MAX_TIMELINES - 1, ring_idx);
   if (pv_queue_bind_timeline(q, d->vk->ctx, ring_idx))
      return pv_dispatch_fail(d, "ring_idx %u is already bound", ring_idx);
   q->obj.base.id = a->pQueue_ids[0];
   if (!pv_dispatch_bind(d, &q->obj.base)) {
      pv_queue_unbind_timeline(q, d->vk->ctx);
      q->obj.base.id = 0;
      return;
   }
   *a->pQueue = q->handle;
}

/* vkDeviceWaitIdle and vkQueueWaitIdle wait in slices, like the guest's
 * other waits (pv_wait_sliced), so that a client leaving ends them. */
static VkResult
wait_idle(struct pv_dispatcher *d, struct pv_device *dev, struct pv_queue *only)
{
   struct pv_idle_wait w;
   if (!pv_idle_begin(&w, dev, only)) {
      pv_idle_end(&w, true);
      return VK_ERROR_OUT_OF_HOST_MEMORY;
   }
   VkResult r = pv_wait_sliced(d, UINT64_MAX, pv_idle_wait_slice, &w);
   pv_idle_end(&w, r == VK_SUCCESS);
   return r;
}

void
pv_handle_vkDeviceWaitIdle(struct pv_dispatcher *d, struct pv_vkDeviceWaitIdle_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev)
      return pv_dispatch_fail(d, "device is NULL");
   a->ret = wait_idle(d, dev, NULL);
   if (a->ret == VK_SUCCESS) /* what inflight.c would otherwise wait for */
      pv_inflight_idle(dev);
}

void
pv_handle_vkQueueWaitIdle(struct pv_dispatcher *d, struct pv_vkQueueWaitIdle_args *a)
{
   struct pv_queue *q = (struct pv_queue *)a->queue_obj;
   if (!q)
      return pv_dispatch_fail(d, "queue is NULL");
   a->ret = wait_idle(d, q->obj.device, q);
}
