/*
 * render_pass.c — render passes and framebuffers, remembered well enough to
 * check vkCmdBeginRenderPass before the driver trusts it.
 *
 * lavapipe indexes the framebuffer's attachments and the clear values by
 * the render pass's attachment numbers, and clears the render area of the
 * attachments: a framebuffer of the wrong size, too few clear values or a
 * render area outside the framebuffer made it read or write out of bounds
 * (a fuzzer's finding).  Those three are checked here.
 */
#include <stdlib.h>

#include "renderer/handlers.h"
#include "renderer/passthrough.h"
#include "renderer/render_pass.h"
#include "renderer/vk_context.h"

/* Bind a freshly created object of `size` bytes (pv_vk_object first). */
static struct pv_vk_object *
bind_new(struct pv_dispatcher *d, struct pv_device *dev, size_t size, VkObjectType type,
         uint64_t id, uint64_t handle)
{
   struct pv_vk_object *o = calloc(1, size);
   if (!o) {
      pv_dispatch_fail(d, "out of memory");
      return NULL;
   }
   *o = (struct pv_vk_object){ { id, type, handle }, dev, 0, 0 };
   if (!pv_dispatch_bind(d, &o->base)) {
      free(o);
      return NULL;
   }
   return o;
}

static uint32_t
clears_needed(uint32_t count, const VkAttachmentLoadOp *load, const VkAttachmentLoadOp *stencil,
              size_t stride)
{
   uint32_t needed = 0;
   for (uint32_t i = 0; i < count; i++) {
      const VkAttachmentLoadOp l = *(const VkAttachmentLoadOp *)((const char *)load + i * stride);
      const VkAttachmentLoadOp s = *(const VkAttachmentLoadOp *)((const char *)stencil + i * stride);
      if (l == VK_ATTACHMENT_LOAD_OP_CLEAR || s == VK_ATTACHMENT_LOAD_OP_CLEAR)
         needed = i + 1;
   }
   return needed;
}

/* Bind a render pass the driver made, with what begin_ok checks. */
static void
remember_render_pass(struct pv_dispatcher *d, struct pv_device *dev, uint64_t id, VkRenderPass handle,
                     uint32_t attachments, uint32_t clears)
{
   struct pv_render_pass *rp = (struct pv_render_pass *)bind_new(
      d, dev, sizeof(*rp), VK_OBJECT_TYPE_RENDER_PASS, id, (uint64_t)handle);
   if (!rp) {
      dev->table.DestroyRenderPass(dev->handle, handle, NULL);
      return;
   }
   rp->attachment_count = attachments;
   rp->clears_needed = clears;
}

/* The same for VkRenderPassCreateInfo and VkRenderPassCreateInfo2, whose
 * attachment descriptions name the load ops alike. */
#define CLEARS_NEEDED(ci)                                                      \
   ((ci)->attachmentCount ? clears_needed((ci)->attachmentCount, &(ci)->pAttachments[0].loadOp,      \
                                          &(ci)->pAttachments[0].stencilLoadOp,                      \
                                          sizeof(*(ci)->pAttachments))                               \
                          : 0)

void
pv_handle_vkCreateRenderPass(struct pv_dispatcher *d, struct pv_vkCreateRenderPass_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkRenderPassCreateInfo *ci = a->pCreateInfo;
   if (!dev || !ci || !a->pRenderPass || (ci->attachmentCount && !ci->pAttachments))
      return pv_dispatch_fail(d, "device, pCreateInfo, pRenderPass or pAttachments is NULL");
   a->ret = dev->table.CreateRenderPass(dev->handle, ci, NULL, a->pRenderPass);
   if (a->ret == VK_SUCCESS)
      remember_render_pass(d, dev, a->pRenderPass_ids[0], *a->pRenderPass, ci->attachmentCount,
                           CLEARS_NEEDED(ci));
}

void
pv_handle_vkCreateRenderPass2(struct pv_dispatcher *d, struct pv_vkCreateRenderPass2_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkRenderPassCreateInfo2 *ci = a->pCreateInfo;
   if (!dev || !ci || !a->pRenderPass || (ci->attachmentCount && !ci->pAttachments) ||
       !dev->table.CreateRenderPass2)
      return pv_dispatch_fail(d, "device, pCreateInfo, pRenderPass or pAttachments is NULL");
   a->ret = dev->table.CreateRenderPass2(dev->handle, ci, NULL, a->pRenderPass);
   if (a->ret == VK_SUCCESS)
      remember_render_pass(d, dev, a->pRenderPass_ids[0], *a->pRenderPass, ci->attachmentCount,
                           CLEARS_NEEDED(ci));
}

void
pv_handle_vkCreateFramebuffer(struct pv_dispatcher *d, struct pv_vkCreateFramebuffer_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkFramebufferCreateInfo *ci = a->pCreateInfo;
   if (!dev || !ci || !a->pFramebuffer)
      return pv_dispatch_fail(d, "device, pCreateInfo or pFramebuffer is NULL");
   struct pv_render_pass *rp = (struct pv_render_pass *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_RENDER_PASS, (uint64_t)ci->renderPass);
   bool imageless = ci->flags & VK_FRAMEBUFFER_CREATE_IMAGELESS_BIT;
   if (!rp || ci->attachmentCount != rp->attachment_count ||
       (!imageless && ci->attachmentCount && !ci->pAttachments))
      return pv_dispatch_fail(d, "framebuffer of %u attachments for a render pass of %u",
                              ci->attachmentCount, rp ? rp->attachment_count : 0);
   a->ret = dev->table.CreateFramebuffer(dev->handle, ci, NULL, a->pFramebuffer);
   if (a->ret != VK_SUCCESS)
      return;
   struct pv_framebuffer *fb = (struct pv_framebuffer *)bind_new(
      d, dev, sizeof(*fb), VK_OBJECT_TYPE_FRAMEBUFFER, a->pFramebuffer_ids[0], (uint64_t)*a->pFramebuffer);
   if (!fb)
      return dev->table.DestroyFramebuffer(dev->handle, *a->pFramebuffer, NULL);
   fb->attachment_count = ci->attachmentCount;
   fb->width = ci->width;
   fb->height = ci->height;
}

/* The begin info must match what the render pass and framebuffer need. */
static bool
begin_ok(struct pv_dispatcher *d, const VkRenderPassBeginInfo *b)
{
   if (!b)
      return pv_dispatch_fail(d, "pRenderPassBegin is NULL"), false;
   struct pv_object_table *t = &d->vk->objects;
   const struct pv_render_pass *rp = (const struct pv_render_pass *)pv_object_table_lookup_handle(
      t, VK_OBJECT_TYPE_RENDER_PASS, (uint64_t)b->renderPass);
   const struct pv_framebuffer *fb = (const struct pv_framebuffer *)pv_object_table_lookup_handle(
      t, VK_OBJECT_TYPE_FRAMEBUFFER, (uint64_t)b->framebuffer);
   const VkRect2D *r = &b->renderArea;
   if (!rp || !fb)
      pv_dispatch_fail(d, "render pass or framebuffer unknown");
   else if (fb->attachment_count != rp->attachment_count)
      pv_dispatch_fail(d, "framebuffer of %u attachments, render pass of %u", fb->attachment_count,
                       rp->attachment_count);
   else if (b->clearValueCount < rp->clears_needed || (b->clearValueCount && !b->pClearValues))
      pv_dispatch_fail(d, "%u clear values for %u cleared attachments", b->clearValueCount,
                       rp->clears_needed);
   else if (r->offset.x < 0 || r->offset.y < 0 || r->extent.width > fb->width ||
            r->extent.height > fb->height || (uint32_t)r->offset.x > fb->width - r->extent.width ||
            (uint32_t)r->offset.y > fb->height - r->extent.height)
      pv_dispatch_fail(d, "render area outside the %ux%u framebuffer", fb->width, fb->height);
   else
      return true;
   return false;
}

void
pv_handle_vkCmdBeginRenderPass(struct pv_dispatcher *d, struct pv_vkCmdBeginRenderPass_args *a)
{
   struct pv_vk_object *cb = (struct pv_vk_object *)a->commandBuffer_obj;
   if (!cb)
      return pv_dispatch_fail(d, "commandBuffer is NULL");
   if (begin_ok(d, a->pRenderPassBegin))
      cb->device->table.CmdBeginRenderPass(a->commandBuffer, a->pRenderPassBegin, a->contents);
}

void
pv_handle_vkCmdBeginRenderPass2(struct pv_dispatcher *d, struct pv_vkCmdBeginRenderPass2_args *a)
{
   struct pv_vk_object *cb = (struct pv_vk_object *)a->commandBuffer_obj;
   if (!cb || !cb->device->table.CmdBeginRenderPass2)
      return pv_dispatch_fail(d, "commandBuffer is NULL or no host vkCmdBeginRenderPass2");
   if (begin_ok(d, a->pRenderPassBegin))
      cb->device->table.CmdBeginRenderPass2(a->commandBuffer, a->pRenderPassBegin,
                                            a->pSubpassBeginInfo);
}
