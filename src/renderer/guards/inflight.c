/*
 * inflight.c — the inflight guard: nothing a CPU device may still be
 * executing with is freed or reset under it.
 *
 * The tracking (submission numbers, marker fences, waits) is the device's
 * (objects/inflight.c, which explains the scheme); this guard names the
 * commands that release something and what each must wait for, waits
 * before them, and after a submission stamps the command buffers it used
 * with its number (vkQueueBindSparse's it numbers itself; the submit
 * handlers number theirs, objects/submit.c).
 */
#include <stddef.h>

#include "renderer/guards/guards.h"
#include "renderer/objects/inflight.h"
#include "renderer/objects/queue.h"
#include "renderer/vk/vk_context.h"

/* ---- what a command releases --------------------------------------------------------- */

enum release { NONE, ALL, CMD_BUFFER, CMD_BUFFERS, CMD_POOL, SUBMIT, SUBMIT2, SPARSE,
               ALLOC_CMD_BUFFERS };

#define R(cmd, what, owner) [PV_CMD_##cmd] = { what, offsetof(struct pv_##cmd##_args, owner), 0 }
#define R_OF(cmd, what, owner, obj)                                                     \
   [PV_CMD_##cmd] = { what, offsetof(struct pv_##cmd##_args, owner),                   \
                      offsetof(struct pv_##cmd##_args, obj) }

/* What each command releases or starts, by command id; most commands
 * have no rule (what == NONE) and the guard does not watch them. */
#define MAX_COMMAND 512
struct rule {
   int what;       /* enum release; 0: nothing */
   size_t device;  /* offset of the pv_object * that leads to the device */
   size_t object;  /* a command buffer's or pool's object, where one matters */
};

static const struct rule rules[MAX_COMMAND] = {
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
target_of(const struct rule *r, const void *args)
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
device_of(const struct rule *r, const void *args)
{
   struct pv_object *owner;
   memcpy(&owner, (const char *)args + r->device, sizeof(owner));
   if (!owner)
      return NULL;
   return owner->type == VK_OBJECT_TYPE_DEVICE ? (struct pv_device *)owner
                                                : ((struct pv_vk_object *)owner)->device;
}

/* Whether the rule marks objects after its command (a submission, or
 * an allocation of secondaries) rather than waiting before it. */
static bool
marks_after(const struct rule *r)
{
   return r->what == SUBMIT || r->what == SUBMIT2 || r->what == SPARSE ||
          r->what == ALLOC_CMD_BUFFERS;
}

/* Releases only: rules that do not mark after (inflight_watch). */
static bool
inflight_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   const struct rule *r = &rules[info->id];
   struct pv_device *dev = device_of(r, args);
   if (!dev || !dev->inflight)
      return true;
   if (pv_inflight_wait(dev, target_of(r, args), INFLIGHT_TIMEOUT_NS))
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

static void
inflight_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   uint32_t type = info->id; /* a submission or an allocation (inflight_watch) */
   const struct rule *r = &rules[type];
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
   /* The submit handlers number their submissions themselves (submit.c);
    * one that another ring numbered since then makes the stamp later: a
    * longer wait, never a shorter one. */
   uint64_t count = pv_inflight_submitted(dev);
   if (r->what == SPARSE)
      pv_inflight_mark_submission(dev, (struct pv_queue *)s->queue_obj, &count);
   struct submission sub = { d, count };
   pv_queue_each_submitted(type, args, mark_command_buffer, &sub);
}

/* Releases wait before their handler; submissions (and secondary
 * command buffer allocations) are marked after theirs. */
static unsigned
inflight_watch(uint32_t id)
{
   if (id >= MAX_COMMAND || rules[id].what == NONE)
      return 0;
   return marks_after(&rules[id]) ? PV_GUARD_AFTER : PV_GUARD_BEFORE;
}

const struct pv_guard pv_guard_inflight = {
   .name = "inflight",
   .file = "guards/inflight.c",
   .what = "CPU devices: a release (destroy, free, reset) waits for the submitted work that "
           "may use what it releases; a submission's command buffers are stamped with its number",
   .watches = inflight_watch,
   .before = inflight_before,
   .after = inflight_after,
};
