/*
 * cmd_state.c — the command buffer lifecycle, enforced.
 *
 * Vulkan says vkCmd* may only record into a command buffer that is
 * recording, that a render pass ends only after it began, and that only
 * executable command buffers are submitted or executed.  Lavapipe trusts
 * it: a vkCmdEndRenderPass with no render pass begun read through a null
 * pointer (a fuzzer's finding, fuzz/corpus/execute/regress-end-render-pass-
 * without-begin), and commands recorded into a buffer the queue thread is
 * executing, or whose pool was reset, go to memory the driver freed.  So
 * each command buffer remembers its state here:
 *
 *   initial --Begin--> recording --End--> executable --Reset / pool reset--> initial
 *
 * plus whether a render pass (or dynamic rendering) is open.  A pool reset
 * is an epoch counter on the pool, so resetting a pool touches no command
 * buffer.  A violation makes the context fatal before the driver sees it.
 */
#include "renderer/guards/cmd_state.h"

#include <string.h>

#include "renderer/objects/queue.h"
#include "renderer/objects/render_pass.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

enum { RP_NONE, RP_RENDER_PASS, RP_RENDERING };

static struct pv_command_buffer *
cmd_of(struct pv_object *o)
{
   return o && o->type == VK_OBJECT_TYPE_COMMAND_BUFFER ? (struct pv_command_buffer *)o : NULL;
}

static uint32_t
pool_epoch(const struct pv_command_buffer *cb)
{
   return cb->pool ? cb->pool->resets : 0;
}

/* Recording now: begun, and neither ended nor reset (by itself or its pool). */
static bool
recording(const struct pv_command_buffer *cb)
{
   return cb->state == PV_CB_RECORDING && cb->epoch == pool_epoch(cb);
}

static bool
executable(const struct pv_command_buffer *cb)
{
   return cb->state == PV_CB_EXECUTABLE && cb->epoch == pool_epoch(cb);
}

static bool
fail(struct pv_dispatcher *d, const char *why)
{
   pv_dispatch_fail(d, "%s", why);
   return false;
}

struct pv_command_buffer *
pv_cmd_first_command_buffer(const struct pv_cs_command_info *info, const void *args)
{
   const struct pv_cs_member *m = &pv_cs_members[info->first];
   if (!info->count || !(m->flags & PV_CS_F_HANDLE_OBJ))
      return NULL;
   struct pv_object *o;
   memcpy(&o, (const char *)args + m->aux, sizeof(o));
   return cmd_of(o);
}

static bool
all_executable(struct pv_dispatcher *d, struct pv_object *const *objs, uint32_t n)
{
   for (uint32_t i = 0; objs && i < n; i++) {
      const struct pv_command_buffer *cb = cmd_of(objs[i]);
      if (cb && !executable(cb))
         return fail(d, "a command buffer that is not executable is executed");
   }
   return true;
}

/* Submissions name command buffers by host handle. */
static bool
submitted_executable(void *user, VkCommandBuffer h)
{
   struct pv_dispatcher *d = user;
   struct pv_command_buffer *cb = cmd_of(pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_COMMAND_BUFFER, (uint64_t)(uintptr_t)h));
   return !cb || executable(cb) || fail(d, "a command buffer that is not executable is submitted");
}

/* vkCmdClearAttachments clears whole rectangles of layers: they must lie
 * in the render area (lavapipe clears them through the attachments).  In
 * a secondary command buffer the render pass is the primary's, unknown
 * here, and the rectangles go unchecked. */
static bool
clear_rects_ok(struct pv_dispatcher *d, const struct pv_command_buffer *cb,
               const struct pv_vkCmdClearAttachments_args *a)
{
   if (cb->render_pass == RP_NONE)
      return true;
   const VkRect2D *area = &cb->render_area;
   for (uint32_t i = 0; a->pRects && i < a->rectCount; i++) {
      const VkClearRect *c = &a->pRects[i];
      int64_t x = c->rect.offset.x, y = c->rect.offset.y;
      if (x < area->offset.x || y < area->offset.y ||
          x + c->rect.extent.width > (int64_t)area->offset.x + area->extent.width ||
          y + c->rect.extent.height > (int64_t)area->offset.y + area->extent.height ||
          c->baseArrayLayer > cb->render_layers ||
          c->layerCount > cb->render_layers - c->baseArrayLayer)
         return fail(d, "a clear rectangle lies outside the render area or its layers");
   }
   return true;
}

/* A command pool serves a queue family the device has queues of: drivers
 * match its command buffers to the queue they are submitted to by it. */
static bool
pool_family_ok(struct pv_dispatcher *d, const struct pv_vkCreateCommandPool_args *a)
{
   const struct pv_device *dev = (const struct pv_device *)a->device_obj;
   if (!dev || !a->pCreateInfo)
      return true; /* the handler reports these */
   for (uint32_t i = 0; i < dev->queue_count; i++)
      if (dev->queues[i].family == a->pCreateInfo->queueFamilyIndex)
         return true;
   pv_dispatch_fail(d, "command pool for queue family %u, which the device has no queue of",
                    a->pCreateInfo->queueFamilyIndex);
   return false;
}

static bool
cmd_state_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                 const void *args)
{
   uint32_t type = info->id;
   if (type == PV_CMD_vkQueueSubmit || type == PV_CMD_vkQueueSubmit2)
      return pv_queue_each_submitted(type, args, submitted_executable, d);
   if (type == PV_CMD_vkCreateCommandPool)
      return pool_family_ok(d, args);
   /* the rest are recorded commands, never a begin or reset (cmd_state_watch) */
   struct pv_command_buffer *cb = pv_cmd_first_command_buffer(info, args);
   if (!cb)
      return true; /* a missing command buffer is the handler's to report */
   if (!recording(cb))
      return fail(d, "the command buffer is not recording");
   switch (type) {
   case PV_CMD_vkEndCommandBuffer:
      return cb->render_pass == RP_NONE || fail(d, "a render pass is still open");
   case PV_CMD_vkCmdBeginRenderPass:
   case PV_CMD_vkCmdBeginRenderPass2:
   case PV_CMD_vkCmdBeginRendering:
      return cb->render_pass == RP_NONE || fail(d, "a render pass is open already");
   case PV_CMD_vkCmdNextSubpass:
   case PV_CMD_vkCmdNextSubpass2:
   case PV_CMD_vkCmdEndRenderPass:
   case PV_CMD_vkCmdEndRenderPass2:
      return cb->render_pass == RP_RENDER_PASS || fail(d, "no render pass is open");
   case PV_CMD_vkCmdEndRendering:
      return cb->render_pass == RP_RENDERING || fail(d, "no dynamic rendering is open");
   case PV_CMD_vkCmdClearAttachments:
      return clear_rects_ok(d, cb, args);
   case PV_CMD_vkCmdExecuteCommands: {
      const struct pv_vkCmdExecuteCommands_args *a = args;
      return all_executable(d, a->pCommandBuffers_objs, a->commandBufferCount);
   }
   default:
      return true;
   }
}

/* The render area and layers of a render pass begun (the framebuffer's). */
static void
begin_area(struct pv_dispatcher *d, struct pv_command_buffer *cb, const VkRenderPassBeginInfo *b)
{
   const struct pv_framebuffer *fb = (const struct pv_framebuffer *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_FRAMEBUFFER, (uint64_t)b->framebuffer);
   cb->render_area = b->renderArea;
   cb->render_layers = fb ? fb->layers : 1;
}

/* The commands that move a command buffer's state (cmd_state_after);
 * most commands move nothing. */
static bool
moves_state(uint32_t type)
{
   switch (type) {
   case PV_CMD_vkResetCommandPool:
   case PV_CMD_vkAllocateCommandBuffers:
   case PV_CMD_vkBeginCommandBuffer:
   case PV_CMD_vkEndCommandBuffer:
   case PV_CMD_vkResetCommandBuffer:
   case PV_CMD_vkCmdBeginRenderPass:
   case PV_CMD_vkCmdBeginRenderPass2:
   case PV_CMD_vkCmdBeginRendering:
   case PV_CMD_vkCmdEndRenderPass:
   case PV_CMD_vkCmdEndRenderPass2:
   case PV_CMD_vkCmdEndRendering:
      return true;
   default:
      return false;
   }
}

static void
cmd_state_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                const void *args)
{
   uint32_t type = info->id;
   if (type == PV_CMD_vkResetCommandPool) {
      const struct pv_vkResetCommandPool_args *a = args;
      struct pv_command_pool *pool = (struct pv_command_pool *)a->commandPool_obj;
      if (pool && a->ret == VK_SUCCESS)
         pool->resets++;
      return;
   }
   if (type == PV_CMD_vkAllocateCommandBuffers) {
      const struct pv_vkAllocateCommandBuffers_args *a = args;
      struct pv_command_pool *pool = a->pAllocateInfo ? (struct pv_command_pool *)
         pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_COMMAND_POOL,
                                       (uint64_t)a->pAllocateInfo->commandPool) : NULL;
      for (uint32_t i = 0; a->ret == VK_SUCCESS && i < a->pCommandBuffers_count; i++) {
         struct pv_command_buffer *cb = cmd_of(pv_object_table_lookup(
            &d->vk->objects, a->pCommandBuffers_ids[i], VK_OBJECT_TYPE_COMMAND_BUFFER));
         if (cb)
            cb->pool = pool;
      }
      return;
   }
   /* the rest are commands on a command buffer (moves_state) */
   struct pv_command_buffer *cb = pv_cmd_first_command_buffer(info, args);
   if (!cb)
      return;
   switch (type) {
   case PV_CMD_vkBeginCommandBuffer:
      if (((const struct pv_vkBeginCommandBuffer_args *)args)->ret == VK_SUCCESS) {
         cb->state = PV_CB_RECORDING;
         cb->epoch = pool_epoch(cb);
         cb->render_pass = RP_NONE;
      }
      break;
   case PV_CMD_vkEndCommandBuffer:
      cb->state = ((const struct pv_vkEndCommandBuffer_args *)args)->ret == VK_SUCCESS
                     ? PV_CB_EXECUTABLE : PV_CB_INITIAL;
      break;
   case PV_CMD_vkResetCommandBuffer:
      cb->state = PV_CB_INITIAL;
      cb->render_pass = RP_NONE;
      break;
   case PV_CMD_vkCmdBeginRenderPass:
   case PV_CMD_vkCmdBeginRenderPass2:
      cb->render_pass = RP_RENDER_PASS;
      begin_area(d, cb, type == PV_CMD_vkCmdBeginRenderPass
                           ? ((const struct pv_vkCmdBeginRenderPass_args *)args)->pRenderPassBegin
                           : ((const struct pv_vkCmdBeginRenderPass2_args *)args)->pRenderPassBegin);
      break;
   case PV_CMD_vkCmdBeginRendering: {
      const VkRenderingInfo *ri = ((const struct pv_vkCmdBeginRendering_args *)args)->pRenderingInfo;
      cb->render_pass = RP_RENDERING;
      cb->render_area = ri->renderArea;
      cb->render_layers = ri->viewMask ? 1 : ri->layerCount;
      break;
   }
   case PV_CMD_vkCmdEndRenderPass:
   case PV_CMD_vkCmdEndRenderPass2:
   case PV_CMD_vkCmdEndRendering:
      cb->render_pass = RP_NONE;
      break;
   default:
      break;
   }
}

/* Before: commands recorded into a command buffer (beginning or
 * resetting one is allowed in any state), submissions and pool creation.
 * After: the commands that move a state. */
static unsigned
cmd_state_watch(uint32_t id)
{
   const struct pv_cs_command_info *info = pv_cs_command_info(id);
   if (!info)
      return 0;
   unsigned phases = moves_state(id) ? PV_GUARD_AFTER : 0;
   switch (id) {
   case PV_CMD_vkQueueSubmit:
   case PV_CMD_vkQueueSubmit2:
   case PV_CMD_vkCreateCommandPool:
      return phases | PV_GUARD_BEFORE;
   case PV_CMD_vkBeginCommandBuffer:
   case PV_CMD_vkResetCommandBuffer:
      return phases;
   default:
      return phases | (info->category == PV_CS_CAT_COMMAND_BUFFER ? PV_GUARD_BEFORE : 0);
   }
}

const struct pv_guard pv_guard_cmd_state = {
   .name = "cmd_state",
   .file = "guards/cmd_state.c",
   .what = "command buffer lifecycle: recording only into a recording buffer, render passes "
           "opened and closed in order, only executable buffers submitted or executed",
   .watches = cmd_state_watch,
   .before = cmd_state_before,
   .after = cmd_state_after,
};
