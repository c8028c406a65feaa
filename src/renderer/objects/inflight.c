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
 * of them instead (pv_device_wait_idle).
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

/* ---- what a command releases --------------------------------------------------------- */

enum release { NONE, ALL, CMD_BUFFER, CMD_BUFFERS, CMD_POOL, SUBMIT, SUBMIT2, SPARSE,
               ALLOC_CMD_BUFFERS };

#define R(cmd, what, owner) [PV_CMD_##cmd] = { what, offsetof(struct pv_##cmd##_args, owner), 0 }
#define R_OF(cmd, what, owner, obj)                                                     \
   [PV_CMD_##cmd] = { what, offsetof(struct pv_##cmd##_args, owner),                   \
                      offsetof(struct pv_##cmd##_args, obj) }

const struct pv_inflight_rule pv_inflight_rules[PV_INFLIGHT_MAX_COMMAND] = {
   R(vkQueueSubmit, SUBMIT, queue_obj),
   R(vkQueueSubmit2, SUBMIT2, queue_obj),
   R(vkQueueBindSparse, SPARSE, queue_obj),
   R(vkAllocateCommandBuffers, ALLOC_CMD_BUFFERS, device_obj),
   R_OF(vkBeginCommandBuffer, CMD_BUFFER, commandBuffer_obj, commandBuffer_obj),
   R_OF(vkResetCommandBuffer, CMD_BUFFER, commandBuffer_obj, commandBuffer_obj),
   R(vkFreeCommandBuffers, CMD_BUFFERS, device_obj),
   R_OF(vkResetCommandPool, CMD_POOL, device_obj, commandPool_obj),
   R_OF(vkTrimCommandPool, CMD_POOL, device_obj, commandPool_obj),
   R_OF(vkDestroyCommandPool, CMD_POOL, device_obj, commandPool_obj),
   R(vkDestroyBuffer, ALL, device_obj),
   R(vkDestroyImage, ALL, device_obj),
   R(vkDestroyBufferView, ALL, device_obj),
   R(vkDestroyImageView, ALL, device_obj),
   R(vkDestroySampler, ALL, device_obj),
   R(vkDestroyPipeline, ALL, device_obj),
   R(vkDestroyPipelineLayout, ALL, device_obj),
   R(vkDestroyDescriptorSetLayout, ALL, device_obj),
   R(vkDestroyDescriptorPool, ALL, device_obj),
   R(vkResetDescriptorPool, ALL, device_obj),
   R(vkFreeDescriptorSets, ALL, device_obj),
   R(vkDestroyFramebuffer, ALL, device_obj),
   R(vkDestroyRenderPass, ALL, device_obj),
   R(vkFreeMemory, ALL, device_obj),
   R(vkDestroyQueryPool, ALL, device_obj),
   R(vkDestroyEvent, ALL, device_obj),
   R(vkDestroyFence, ALL, device_obj),     /* the queue thread signals them */
   R(vkDestroySemaphore, ALL, device_obj),
   R(vkDestroyDescriptorUpdateTemplate, ALL, device_obj),
   R(vkDestroySamplerYcbcrConversion, ALL, device_obj),
   R(vkDestroyAccelerationStructureKHR, ALL, device_obj),
};

/* How long a release may wait for the work that uses what it releases. */
#define INFLIGHT_TIMEOUT_NS 5000000000ull

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

/* Number the submission just made on `q` and queue its marker after it. */
static void
mark_submission(struct pv_device *dev, struct pv_inflight *f, struct pv_queue *q, uint64_t *count)
{
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

/* ---- what each command waits for, and what a submission marks ---------------------------- */

static struct pv_vk_object *
by_handle(struct pv_dispatcher *d, VkObjectType type, uint64_t handle)
{
   return (struct pv_vk_object *)pv_object_table_lookup_handle(&d->vk->objects, type, handle);
}

static uint64_t
busy(const struct pv_object *o)
{
   return o ? ((const struct pv_vk_object *)o)->busy_until : 0;
}

static void
set_busy(struct pv_vk_object *o, uint64_t count)
{
   if (o && o->busy_until < count)
      o->busy_until = count;
}

/* A command buffer and its pool are used by submission `count`. */
struct submission {
   struct pv_dispatcher *d;
   uint64_t count;
};

static bool
mark_command_buffer(void *user, VkCommandBuffer cb)
{
   const struct submission *s = user;
   struct pv_vk_object *o = by_handle(s->d, VK_OBJECT_TYPE_COMMAND_BUFFER, (uint64_t)(uintptr_t)cb);
   set_busy(o, s->count);
   if (o && o->parent)
      set_busy(by_handle(s->d, VK_OBJECT_TYPE_COMMAND_POOL, o->parent), s->count);
   return true;
}

static uint64_t
target_of(const struct pv_inflight_rule *r, const void *args)
{
   switch (r->what) {
   case CMD_BUFFER:
   case CMD_POOL: {
      struct pv_object *o;
      memcpy(&o, (const char *)args + r->object, sizeof(o));
      return busy(o);
   }
   case CMD_BUFFERS: {
      const struct pv_vkFreeCommandBuffers_args *f = args;
      uint64_t t = 0;
      for (uint32_t i = 0; f->pCommandBuffers_objs && i < f->commandBufferCount; i++)
         if (busy(f->pCommandBuffers_objs[i]) > t)
            t = busy(f->pCommandBuffers_objs[i]);
      return t;
   }
   default:
      return PV_BUSY_ALL;
   }
}

static struct pv_device *
device_of(const struct pv_inflight_rule *r, const void *args)
{
   struct pv_object *owner;
   memcpy(&owner, (const char *)args + r->device, sizeof(owner));
   if (!owner)
      return NULL;
   return owner->type == VK_OBJECT_TYPE_DEVICE ? (struct pv_device *)owner
                                                : ((struct pv_vk_object *)owner)->device;
}

bool
pv_inflight_before_check(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   const struct pv_inflight_rule *r = &pv_inflight_rules[type];
   if (r->what == SUBMIT || r->what == SUBMIT2 || r->what == SPARSE ||
       r->what == ALLOC_CMD_BUFFERS)
      return true;
   struct pv_device *dev = device_of(r, args);
   if (!dev || !dev->inflight)
      return true;
   if (wait_for(dev, dev->inflight, target_of(r, args), INFLIGHT_TIMEOUT_NS))
      return true;
   pv_dispatch_fail(d, "releases objects while submitted work that never finishes may use them");
   return false;
}

/* Secondary command buffers run inside primaries we do not track: they
 * and their pools wait for everything. */
static void
mark_secondaries(struct pv_dispatcher *d, const struct pv_vkAllocateCommandBuffers_args *a)
{
   const VkCommandBufferAllocateInfo *info = a->pAllocateInfo;
   if (a->ret != VK_SUCCESS || !info || info->level != VK_COMMAND_BUFFER_LEVEL_SECONDARY)
      return;
   for (uint32_t i = 0; i < a->pCommandBuffers_count; i++) {
      struct pv_vk_object *o = (struct pv_vk_object *)pv_object_table_lookup(
         &d->vk->objects, a->pCommandBuffers_ids[i], VK_OBJECT_TYPE_COMMAND_BUFFER);
      set_busy(o, PV_BUSY_ALL);
   }
   set_busy(by_handle(d, VK_OBJECT_TYPE_COMMAND_POOL, (uint64_t)info->commandPool), PV_BUSY_ALL);
}

void
pv_inflight_after_check(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   const struct pv_inflight_rule *r = &pv_inflight_rules[type];
   if (r->what != SUBMIT && r->what != SUBMIT2 && r->what != SPARSE &&
       r->what != ALLOC_CMD_BUFFERS)
      return;
   struct pv_device *dev = device_of(r, args);
   if (!dev || !dev->inflight)
      return;
   if (r->what == ALLOC_CMD_BUFFERS)
      return mark_secondaries(d, args);
   /* the three submit commands keep queue and result at the same places */
   _Static_assert(offsetof(struct pv_vkQueueSubmit2_args, ret) ==
                     offsetof(struct pv_vkQueueSubmit_args, ret) &&
                  offsetof(struct pv_vkQueueBindSparse_args, ret) ==
                     offsetof(struct pv_vkQueueSubmit_args, ret) &&
                  offsetof(struct pv_vkQueueSubmit2_args, queue_obj) ==
                     offsetof(struct pv_vkQueueSubmit_args, queue_obj) &&
                  offsetof(struct pv_vkQueueBindSparse_args, queue_obj) ==
                     offsetof(struct pv_vkQueueSubmit_args, queue_obj),
                  "submit argument layouts");
   const struct pv_vkQueueSubmit_args *s = args;
   if (s->ret != VK_SUCCESS)
      return;
   uint64_t count;
   mark_submission(dev, dev->inflight, (struct pv_queue *)s->queue_obj, &count);
   struct submission sub = { d, count };
   pv_queue_each_submitted(type, args, mark_command_buffer, &sub);
}
