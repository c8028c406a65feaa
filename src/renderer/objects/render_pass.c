/*
 * render_pass.c — render passes and framebuffers, remembered well enough to
 * check vkCmdBeginRenderPass before the driver trusts it.
 *
 * lavapipe indexes the framebuffer's attachments and the clear values by
 * the render pass's attachment numbers, and clears the render area of the
 * attachments: a framebuffer of the wrong size, too few clear values or a
 * render area outside the framebuffer made it read or write out of bounds
 * (a fuzzer's finding).  Those three are checked here, and so is every
 * attachment view against the area drawn into it (framebuffer size, a
 * dynamic rendering's render area and layers): lavapipe renders and
 * clears the whole area through the view, past a smaller image's memory.
 */
#include <stdlib.h>

#include "renderer/handlers.h"
#include "renderer/objects/image.h"
#include "renderer/vk/passthrough.h"
#include "renderer/objects/render_pass.h"
#include "renderer/vk/vk_context.h"

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

static bool
ref_ok(struct pv_dispatcher *d, uint32_t subpass, const char *what, uint32_t a, uint32_t n,
       bool unused_ok)
{
   if (a < n || (unused_ok && a == VK_ATTACHMENT_UNUSED))
      return true;
   pv_dispatch_fail(d, "subpass %u: %s attachment %u of %u", subpass, what, a, n);
   return false;
}

/* Every attachment a subpass names is one of the pass's (or unused), no
 * more color attachments than the device has, and every dependency names
 * one of its subpasses (or the outside): drivers index their attachment
 * and subpass arrays with these numbers.  One body for both create infos,
 * whose subpasses, references and dependencies share their member names. */
#define DEFINE_SUBPASSES_OK(name, info_t, sub_t)                                               \
   static bool name(struct pv_dispatcher *d, const struct pv_device *dev, const info_t *ci)   \
   {                                                                                          \
      const uint32_t n = ci->attachmentCount;                                                 \
      bool ok = ci->subpassCount > 0;                                                         \
      if (!ok)                                                                                \
         pv_dispatch_fail(d, "a render pass without subpasses");                              \
      for (uint32_t s = 0; ok && s < ci->subpassCount; s++) {                                 \
         const sub_t *sd = &ci->pSubpasses[s];                                                \
         ok = sd->colorAttachmentCount <= dev->pdev->props.limits.maxColorAttachments;        \
         if (!ok)                                                                             \
            pv_dispatch_fail(d, "subpass %u: %u color attachments", s,                        \
                             sd->colorAttachmentCount);                                       \
         for (uint32_t k = 0; ok && k < sd->inputAttachmentCount; k++)                        \
            ok = ref_ok(d, s, "input", sd->pInputAttachments[k].attachment, n, true);         \
         for (uint32_t k = 0; ok && k < sd->colorAttachmentCount; k++)                        \
            ok = ref_ok(d, s, "color", sd->pColorAttachments[k].attachment, n, true) &&       \
                 (!sd->pResolveAttachments ||                                                 \
                  ref_ok(d, s, "resolve", sd->pResolveAttachments[k].attachment, n, true));   \
         if (ok && sd->pDepthStencilAttachment)                                               \
            ok = ref_ok(d, s, "depth/stencil", sd->pDepthStencilAttachment->attachment, n,    \
                        true);                                                                \
         for (uint32_t k = 0; ok && k < sd->preserveAttachmentCount; k++)                     \
            ok = ref_ok(d, s, "preserved", sd->pPreserveAttachments[k], n, false);            \
      }                                                                                       \
      for (uint32_t k = 0; ok && k < ci->dependencyCount; k++) {                              \
         uint32_t src = ci->pDependencies[k].srcSubpass, dst = ci->pDependencies[k].dstSubpass; \
         ok = (src < ci->subpassCount || src == VK_SUBPASS_EXTERNAL) &&                       \
              (dst < ci->subpassCount || dst == VK_SUBPASS_EXTERNAL);                         \
         if (!ok)                                                                             \
            pv_dispatch_fail(d, "dependency %u: subpasses %u -> %u of %u", k, src, dst,       \
                             ci->subpassCount);                                               \
      }                                                                                       \
      return ok;                                                                              \
   }

DEFINE_SUBPASSES_OK(subpasses_ok, VkRenderPassCreateInfo, VkSubpassDescription)
DEFINE_SUBPASSES_OK(subpasses2_ok, VkRenderPassCreateInfo2, VkSubpassDescription2)

void
pv_handle_vkCreateRenderPass(struct pv_dispatcher *d, struct pv_vkCreateRenderPass_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkRenderPassCreateInfo *ci = a->pCreateInfo;
   if (!dev || !ci || !a->pRenderPass || (ci->attachmentCount && !ci->pAttachments))
      return pv_dispatch_fail(d, "device, pCreateInfo, pRenderPass or pAttachments is NULL");
   if (!subpasses_ok(d, dev, ci))
      return;
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
   if (!subpasses2_ok(d, dev, ci))
      return;
   a->ret = dev->table.CreateRenderPass2(dev->handle, ci, NULL, a->pRenderPass);
   if (a->ret == VK_SUCCESS)
      remember_render_pass(d, dev, a->pRenderPass_ids[0], *a->pRenderPass, ci->attachmentCount,
                           CLEARS_NEEDED(ci));
}

/* The view behind `handle` covers `width` x `height` x `layers`. */
static bool
view_covers(struct pv_dispatcher *d, VkImageView handle, uint32_t width, uint32_t height,
            uint32_t layers, const char *what)
{
   const struct pv_image_view *v = (const struct pv_image_view *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_IMAGE_VIEW, (uint64_t)handle);
   if (!v)
      return pv_dispatch_fail(d, "an %s view is unknown", what), false;
   if (v->width < width || v->height < height || v->layers < layers)
      return pv_dispatch_fail(d, "an %s view of %ux%u, %u layers, is smaller than %ux%u, %u layers",
                              what, v->width, v->height, v->layers, width, height, layers), false;
   return true;
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
   for (uint32_t i = 0; !imageless && i < ci->attachmentCount; i++)
      if (!view_covers(d, ci->pAttachments[i], ci->width, ci->height, ci->layers, "attachment"))
         return;
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
   fb->layers = ci->layers;
   fb->imageless = imageless;
}

/* An imageless framebuffer gets its views at begin: they must cover it. */
static bool
begin_views_ok(struct pv_dispatcher *d, const VkRenderPassBeginInfo *b,
               const struct pv_framebuffer *fb)
{
   const VkRenderPassAttachmentBeginInfo *views = NULL;
   for (const VkBaseInStructure *s = b->pNext; s && !views; s = s->pNext)
      if (s->sType == VK_STRUCTURE_TYPE_RENDER_PASS_ATTACHMENT_BEGIN_INFO)
         views = (const VkRenderPassAttachmentBeginInfo *)s;
   if (!views || views->attachmentCount != fb->attachment_count ||
       (views->attachmentCount && !views->pAttachments))
      return pv_dispatch_fail(d, "an imageless framebuffer needs its %u attachments at begin",
                              fb->attachment_count), false;
   for (uint32_t i = 0; i < views->attachmentCount; i++)
      if (!view_covers(d, views->pAttachments[i], fb->width, fb->height, fb->layers, "attachment"))
         return false;
   return true;
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
      return !fb->imageless || begin_views_ok(d, b, fb);
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

/* Dynamic rendering draws the render area into every attachment view. */
static bool
rendering_ok(struct pv_dispatcher *d, const struct pv_device *dev, const VkRenderingInfo *ri)
{
   if (!ri)
      return pv_dispatch_fail(d, "pRenderingInfo is NULL"), false;
   const VkRect2D *r = &ri->renderArea;
   uint32_t layers = ri->viewMask ? 32 - (uint32_t)__builtin_clz(ri->viewMask) : ri->layerCount;
   if (r->offset.x < 0 || r->offset.y < 0 ||
       r->extent.width > UINT32_MAX - (uint32_t)r->offset.x ||
       r->extent.height > UINT32_MAX - (uint32_t)r->offset.y ||
       ri->colorAttachmentCount > dev->pdev->props.limits.maxColorAttachments)
      return pv_dispatch_fail(d, "render area or %u color attachments out of range",
                              ri->colorAttachmentCount), false;
   uint32_t w = (uint32_t)r->offset.x + r->extent.width, h = (uint32_t)r->offset.y + r->extent.height;
   const VkRenderingAttachmentInfo *depth[2] = { ri->pDepthAttachment, ri->pStencilAttachment };
   for (uint32_t i = 0; i < ri->colorAttachmentCount + 2; i++) {
      const VkRenderingAttachmentInfo *at =
         i < ri->colorAttachmentCount ? (ri->pColorAttachments ? &ri->pColorAttachments[i] : NULL)
                                      : depth[i - ri->colorAttachmentCount];
      if (at && at->imageView && !view_covers(d, at->imageView, w, h, layers, "attachment"))
         return false;
      if (at && at->resolveImageView &&
          !view_covers(d, at->resolveImageView, w, h, layers, "resolve"))
         return false;
   }
   return true;
}

void
pv_handle_vkCmdBeginRendering(struct pv_dispatcher *d, struct pv_vkCmdBeginRendering_args *a)
{
   struct pv_vk_object *cb = (struct pv_vk_object *)a->commandBuffer_obj;
   if (!cb || !cb->device->table.CmdBeginRendering)
      return pv_dispatch_fail(d, "commandBuffer is NULL or no host vkCmdBeginRendering");
   if (rendering_ok(d, cb->device, a->pRenderingInfo))
      cb->device->table.CmdBeginRendering(a->commandBuffer, a->pRenderingInfo);
}
