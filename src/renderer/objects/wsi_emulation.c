/*
 * wsi_emulation.c — what a guest's window system asks of the renderer that
 * the host driver may lack, served here: export of device memory
 * (VK_KHR_external_memory_fd, VK_EXT_external_memory_dma_buf), DRM format
 * modifiers (VK_EXT_image_drm_format_modifier, DRM_FORMAT_MOD_LINEAR only)
 * and the foreign queue family (VK_EXT_queue_family_foreign).
 *
 * Why: Mesa 25.0's venus offers VK_KHR_swapchain only when the renderer
 * has all three (docs/GUESTS.md); lavapipe 22.3 has none of them, NVIDIA
 * 580 no dma-buf export, MoltenVK none at all.  With
 * PV_RENDERER_SERVE_WSI_MEMORY (pvvenus.h says why it is opt-in)
 * physical_device.c offers each one the host lacks as ours (pdev->served)
 * and keeps it from the host device; this file makes what the guest then
 * sends mean what the extension says:
 *
 *  - Export.  Host-visible memory is our shared memory already (memory.c),
 *    so it is exported as that memory: in a VM the guest kernel makes the
 *    dma-buf of the blob; through vtest the guest gets the shared-memory
 *    fd, which it maps but another device cannot import.  Memory the host
 *    does not let us back (not host-visible) cannot be exported: such an
 *    allocation fails, as a full GPU's would.
 *  - DRM_FORMAT_MOD_LINEAR is linear tiling on the host; plane 0 of its
 *    memory is the image's one aspect.  No other modifier is offered.
 *  - The foreign queue family: nothing but the host driver owns the
 *    resource, so an ownership transfer to or from it becomes a barrier
 *    with no transfer (both families IGNORED), which still makes the
 *    layout transition and the memory dependency.
 *
 * Decoded arguments are our own scratch copies, so they are rewritten in
 * place; a struct unlinked for the host is linked back before the reply is
 * encoded.
 */
#include <string.h>

#include "renderer/handlers.h"
#include "renderer/objects/image.h"
#include "renderer/objects/wsi_emulation.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_context.h"

#define DRM_FORMAT_MOD_LINEAR 0ull

/* The handle types we serve on this host (none where the host has them). */
VkExternalMemoryHandleTypeFlags
pv_wsi_served_handle_types(const struct pv_physical_device *p)
{
   VkExternalMemoryHandleTypeFlags t = 0;
   if (p->served & PV_SERVED_MEMORY_FD)
      t |= VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
   if (p->served & PV_SERVED_DMA_BUF)
      t |= VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT;
   return t;
}

static VkBaseOutStructure *
find(const void *chain, VkStructureType t)
{
   for (VkBaseOutStructure *s = (VkBaseOutStructure *)chain; s; s = s->pNext) {
      if (s->sType == t)
         return s;
   }
   return NULL;
}

/* Unlink the struct of type `t` from the chain after `head`; returns it and
 * where it was (for relink), or NULL. */
static VkBaseOutStructure *
unlink_struct(void *head, VkStructureType t, VkBaseOutStructure **where)
{
   for (VkBaseOutStructure *prev = head; prev->pNext; prev = prev->pNext) {
      if (prev->pNext->sType == t) {
         VkBaseOutStructure *s = prev->pNext;
         prev->pNext = s->pNext;
         *where = prev;
         return s;
      }
   }
   return NULL;
}

static void
relink(VkBaseOutStructure *s, VkBaseOutStructure *where)
{
   if (s) {
      s->pNext = where->pNext;
      where->pNext = s;
   }
}

void
pv_wsi_strip_handle_types(const struct pv_physical_device *p, const void *chain)
{
   VkExternalMemoryHandleTypeFlags served = pv_wsi_served_handle_types(p);
   if (!served)
      return;
   for (VkBaseOutStructure *s = (VkBaseOutStructure *)chain; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO)
         ((VkExternalMemoryImageCreateInfo *)s)->handleTypes &= ~served;
      else if (s->sType == VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO)
         ((VkExternalMemoryBufferCreateInfo *)s)->handleTypes &= ~served;
   }
}

VkExternalMemoryHandleTypeFlags
pv_wsi_export_types(const VkMemoryAllocateInfo *info)
{
   const VkExportMemoryAllocateInfo *e =
      (const VkExportMemoryAllocateInfo *)find(info->pNext, VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
   return e ? e->handleTypes : 0;
}

/* ---- DRM_FORMAT_MOD_LINEAR as linear tiling ------------------------------------ */

/* The formats a served LINEAR modifier is offered for: one color plane
 * (its plane 0 is the color aspect; depth, stencil and multi-planar
 * formats have other aspects). */
static bool
modifier_format(VkFormat f)
{
   const struct pv_format_info *fi = pv_format_info(f);
   return fi && !fi->depth_size && !fi->stencil && !fi->planes;
}

VkResult
pv_wsi_image_create_info(const struct pv_physical_device *p, VkImageCreateInfo *ci,
                         struct pv_wsi_image *out)
{
   *out = (struct pv_wsi_image){ 0 };
   pv_wsi_strip_handle_types(p, ci->pNext);
   if (!(p->served & PV_SERVED_MODIFIER) || ci->tiling != VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT)
      return VK_SUCCESS;
   VkBaseOutStructure *where, *list, *explicit;
   list = unlink_struct(ci, VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_LIST_CREATE_INFO_EXT, &where);
   explicit = unlink_struct(ci, VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_EXPLICIT_CREATE_INFO_EXT,
                            &where);
   bool linear = false;
   if (list) {
      const VkImageDrmFormatModifierListCreateInfoEXT *l = (const void *)list;
      for (uint32_t i = 0; i < l->drmFormatModifierCount && l->pDrmFormatModifiers; i++)
         linear |= l->pDrmFormatModifiers[i] == DRM_FORMAT_MOD_LINEAR;
   } else if (explicit) {
      const VkImageDrmFormatModifierExplicitCreateInfoEXT *e = (const void *)explicit;
      linear = e->drmFormatModifier == DRM_FORMAT_MOD_LINEAR &&
               e->drmFormatModifierPlaneCount == 1 && e->pPlaneLayouts;
      if (linear) {
         out->explicit_layout = true;
         out->plane0 = e->pPlaneLayouts[0];
      }
   }
   if (!linear || !modifier_format(ci->format)) /* a modifier we never offered */
      return VK_ERROR_UNKNOWN;
   ci->tiling = VK_IMAGE_TILING_LINEAR;
   out->linear_modifier = true;
   return VK_SUCCESS;
}

VkResult
pv_wsi_image_created(struct pv_device *dev, const struct pv_wsi_image *w, VkImage image)
{
   if (!w->explicit_layout)
      return VK_SUCCESS;
   const VkImageSubresource first = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0 };
   VkSubresourceLayout host;
   dev->table.GetImageSubresourceLayout(dev->handle, image, &first, &host);
   /* the guest's layout must be the one the host made: offsets and pitches
    * it gave as 0 (one layer, one slice) are not compared */
   bool same = host.offset == w->plane0.offset && host.rowPitch == w->plane0.rowPitch &&
               (!w->plane0.arrayPitch || host.arrayPitch == w->plane0.arrayPitch) &&
               (!w->plane0.depthPitch || host.depthPitch == w->plane0.depthPitch);
   return same ? VK_SUCCESS : VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT;
}

/* The one plane of a LINEAR modifier is the image's color aspect. */
void
pv_wsi_plane_aspect(const struct pv_image *img, VkImageSubresource *s)
{
   if (img->linear_modifier && s->aspectMask == VK_IMAGE_ASPECT_MEMORY_PLANE_0_BIT_EXT)
      s->aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
}

void
pv_handle_vkGetImageDrmFormatModifierPropertiesEXT(
   struct pv_dispatcher *d, struct pv_vkGetImageDrmFormatModifierPropertiesEXT_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const struct pv_image *img = (const struct pv_image *)a->image_obj;
   if (!dev || !img || !a->pProperties)
      return pv_dispatch_fail(d, "device, image or pProperties is NULL");
   if (dev->pdev->served & PV_SERVED_MODIFIER) {
      /* only images made with a modifier have one */
      a->ret = img->linear_modifier ? VK_SUCCESS : VK_ERROR_UNKNOWN;
      a->pProperties->drmFormatModifier = DRM_FORMAT_MOD_LINEAR;
      return;
   }
   if (!dev->table.GetImageDrmFormatModifierPropertiesEXT)
      return pv_dispatch_fail(d, "the host has no vkGetImageDrmFormatModifierPropertiesEXT");
   a->ret = dev->table.GetImageDrmFormatModifierPropertiesEXT(dev->handle, a->image, a->pProperties);
}

/* ---- physical-device queries ---------------------------------------------------- */

/* Fill the guest's modifier lists: LINEAR, with the linear tiling's
 * features, where the format has any. */
static void
fill_modifier_lists(VkPhysicalDevice pd, VkFormat format, VkFormatProperties2 *out,
                    VkBaseOutStructure *list1, VkBaseOutStructure *list2)
{
   VkFormatFeatureFlags2 features2 = out->formatProperties.linearTilingFeatures;
   const VkFormatProperties3 *p3 =
      (const VkFormatProperties3 *)find(out->pNext, VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_3);
   if (list2 && p3) {
      features2 = p3->linearTilingFeatures;
   } else if (list2) {
      VkFormatProperties3 own = { .sType = VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_3 };
      VkFormatProperties2 q = { .sType = VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_2, .pNext = &own };
      vkGetPhysicalDeviceFormatProperties2(pd, format, &q);
      features2 = own.linearTilingFeatures ? own.linearTilingFeatures : features2;
   }
   bool have = modifier_format(format) && out->formatProperties.linearTilingFeatures;
   if (list1) {
      VkDrmFormatModifierPropertiesListEXT *l = (void *)list1;
      if (have && l->pDrmFormatModifierProperties && l->drmFormatModifierCount)
         l->pDrmFormatModifierProperties[0] = (VkDrmFormatModifierPropertiesEXT){
            DRM_FORMAT_MOD_LINEAR, 1, out->formatProperties.linearTilingFeatures };
      l->drmFormatModifierCount = have && (!l->pDrmFormatModifierProperties || l->drmFormatModifierCount);
   }
   if (list2) {
      VkDrmFormatModifierPropertiesList2EXT *l = (void *)list2;
      if (have && l->pDrmFormatModifierProperties && l->drmFormatModifierCount)
         l->pDrmFormatModifierProperties[0] =
            (VkDrmFormatModifierProperties2EXT){ DRM_FORMAT_MOD_LINEAR, 1, features2 };
      l->drmFormatModifierCount = have && (!l->pDrmFormatModifierProperties || l->drmFormatModifierCount);
   }
}

void
pv_wsi_format_properties2(VkPhysicalDevice pd, const struct pv_physical_device *p, VkFormat format,
                          VkFormatProperties2 *out)
{
   if (!(p->served & PV_SERVED_MODIFIER)) {
      vkGetPhysicalDeviceFormatProperties2(pd, format, out);
      return;
   }
   VkBaseOutStructure *w1 = NULL, *w2 = NULL;
   VkBaseOutStructure *l1 =
      unlink_struct(out, VK_STRUCTURE_TYPE_DRM_FORMAT_MODIFIER_PROPERTIES_LIST_EXT, &w1);
   VkBaseOutStructure *l2 =
      unlink_struct(out, VK_STRUCTURE_TYPE_DRM_FORMAT_MODIFIER_PROPERTIES_LIST_2_EXT, &w2);
   vkGetPhysicalDeviceFormatProperties2(pd, format, out);
   relink(l2, w2);
   relink(l1, w1);
   fill_modifier_lists(pd, format, out, l1, l2);
}

VkResult
pv_wsi_image_format_properties2(VkPhysicalDevice pd, const struct pv_physical_device *p,
                                VkPhysicalDeviceImageFormatInfo2 *info, VkImageFormatProperties2 *out)
{
   VkBaseOutStructure *wm = NULL, *we = NULL;
   VkBaseOutStructure *mod = NULL, *ext = NULL;
   VkExternalMemoryHandleTypeFlags served = pv_wsi_served_handle_types(p);
   const VkPhysicalDeviceExternalImageFormatInfo *ei = (const void *)find(
      info->pNext, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO);
   VkExternalMemoryHandleTypeFlagBits handle = ei ? ei->handleType : 0;
   if (handle & served)
      ext = unlink_struct(info, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO, &we);
   VkImageTiling tiling = info->tiling;
   bool offered = true;
   if ((p->served & PV_SERVED_MODIFIER) && tiling == VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT) {
      mod = unlink_struct(info, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_DRM_FORMAT_MODIFIER_INFO_EXT, &wm);
      const VkPhysicalDeviceImageDrmFormatModifierInfoEXT *m = (const void *)mod;
      info->tiling = VK_IMAGE_TILING_LINEAR;
      offered = m && m->drmFormatModifier == DRM_FORMAT_MOD_LINEAR && modifier_format(info->format);
   }
   VkResult r = offered ? vkGetPhysicalDeviceImageFormatProperties2(pd, info, out)
                        : VK_ERROR_FORMAT_NOT_SUPPORTED;
   relink(mod, wm);
   relink(ext, we);
   info->tiling = tiling;
   VkExternalImageFormatProperties *eo = (void *)find(
      out->pNext, VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES);
   if (r == VK_SUCCESS && ext && eo) /* exportable, as our memory: never importable */
      eo->externalMemoryProperties = (VkExternalMemoryProperties){
         VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT, 0, handle };
   return r;
}

bool
pv_wsi_external_buffer_properties(const struct pv_physical_device *p,
                                  const VkPhysicalDeviceExternalBufferInfo *info,
                                  VkExternalBufferProperties *out)
{
   if (!(info->handleType & pv_wsi_served_handle_types(p)))
      return false;
   out->externalMemoryProperties = (VkExternalMemoryProperties){
      VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT, 0, info->handleType };
   return true;
}

/* ---- device-level queries with an image create info ----------------------------- */

/* Rewrite a create info the guest passes for a query; false for a
 * modifier we never offered (the answer stays empty). */
static bool
query_create_info(struct pv_device *dev, const VkImageCreateInfo *ci)
{
   struct pv_wsi_image w;
   return ci && pv_wsi_image_create_info(dev->pdev, (VkImageCreateInfo *)ci, &w) == VK_SUCCESS;
}

void
pv_handle_vkGetDeviceImageMemoryRequirements(struct pv_dispatcher *d,
                                             struct pv_vkGetDeviceImageMemoryRequirements_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->device_obj, offsetof(struct pv_vk_device_table, GetDeviceImageMemoryRequirements));
   if (!dev || !a->pInfo || !a->pMemoryRequirements)
      return dev ? pv_dispatch_fail(d, "pInfo or pMemoryRequirements is NULL") : (void)0;
   if (query_create_info(dev, a->pInfo->pCreateInfo))
      dev->table.GetDeviceImageMemoryRequirements(dev->handle, a->pInfo, a->pMemoryRequirements);
   else
      a->pMemoryRequirements->memoryRequirements = (VkMemoryRequirements){ 0 };
}

void
pv_handle_vkGetDeviceImageSparseMemoryRequirements(
   struct pv_dispatcher *d, struct pv_vkGetDeviceImageSparseMemoryRequirements_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->device_obj, offsetof(struct pv_vk_device_table, GetDeviceImageSparseMemoryRequirements));
   if (!dev || !a->pInfo || !a->pSparseMemoryRequirementCount)
      return dev ? pv_dispatch_fail(d, "pInfo or pSparseMemoryRequirementCount is NULL") : (void)0;
   if (query_create_info(dev, a->pInfo->pCreateInfo))
      dev->table.GetDeviceImageSparseMemoryRequirements(dev->handle, a->pInfo,
                                                       a->pSparseMemoryRequirementCount,
                                                       a->pSparseMemoryRequirements);
   else
      *a->pSparseMemoryRequirementCount = 0;
}

/* ---- the foreign queue family -------------------------------------------------- */

static void
no_foreign(uint32_t *src, uint32_t *dst)
{
   if (*src == VK_QUEUE_FAMILY_FOREIGN_EXT || *dst == VK_QUEUE_FAMILY_FOREIGN_EXT)
      *src = *dst = VK_QUEUE_FAMILY_IGNORED;
}

static void
barriers1(uint32_t nb, const VkBufferMemoryBarrier *b, uint32_t ni, const VkImageMemoryBarrier *im)
{
   for (uint32_t i = 0; i < nb && b; i++) {
      VkBufferMemoryBarrier *w = (VkBufferMemoryBarrier *)&b[i];
      no_foreign(&w->srcQueueFamilyIndex, &w->dstQueueFamilyIndex);
   }
   for (uint32_t i = 0; i < ni && im; i++) {
      VkImageMemoryBarrier *w = (VkImageMemoryBarrier *)&im[i];
      no_foreign(&w->srcQueueFamilyIndex, &w->dstQueueFamilyIndex);
   }
}

static void
dependency_info(const VkDependencyInfo *dep)
{
   for (uint32_t i = 0; dep && i < dep->bufferMemoryBarrierCount && dep->pBufferMemoryBarriers; i++) {
      VkBufferMemoryBarrier2 *w = (VkBufferMemoryBarrier2 *)&dep->pBufferMemoryBarriers[i];
      no_foreign(&w->srcQueueFamilyIndex, &w->dstQueueFamilyIndex);
   }
   for (uint32_t i = 0; dep && i < dep->imageMemoryBarrierCount && dep->pImageMemoryBarriers; i++) {
      VkImageMemoryBarrier2 *w = (VkImageMemoryBarrier2 *)&dep->pImageMemoryBarriers[i];
      no_foreign(&w->srcQueueFamilyIndex, &w->dstQueueFamilyIndex);
   }
}

#define BARRIER_DEVICE(d, a, pfn)                                                             \
   struct pv_device *dev = pv_gen_device(d, (a)->commandBuffer_obj,                           \
                                         offsetof(struct pv_vk_device_table, pfn));           \
   if (!dev)                                                                                  \
      return;                                                                                 \
   bool foreign = dev->pdev->served & PV_SERVED_FOREIGN

void
pv_handle_vkCmdPipelineBarrier(struct pv_dispatcher *d, struct pv_vkCmdPipelineBarrier_args *a)
{
   BARRIER_DEVICE(d, a, CmdPipelineBarrier);
   if (foreign)
      barriers1(a->bufferMemoryBarrierCount, a->pBufferMemoryBarriers, a->imageMemoryBarrierCount,
                a->pImageMemoryBarriers);
   dev->table.CmdPipelineBarrier(a->commandBuffer, a->srcStageMask, a->dstStageMask,
                                 a->dependencyFlags, a->memoryBarrierCount, a->pMemoryBarriers,
                                 a->bufferMemoryBarrierCount, a->pBufferMemoryBarriers,
                                 a->imageMemoryBarrierCount, a->pImageMemoryBarriers);
}

void
pv_handle_vkCmdWaitEvents(struct pv_dispatcher *d, struct pv_vkCmdWaitEvents_args *a)
{
   BARRIER_DEVICE(d, a, CmdWaitEvents);
   if (foreign)
      barriers1(a->bufferMemoryBarrierCount, a->pBufferMemoryBarriers, a->imageMemoryBarrierCount,
                a->pImageMemoryBarriers);
   dev->table.CmdWaitEvents(a->commandBuffer, a->eventCount, a->pEvents, a->srcStageMask,
                            a->dstStageMask, a->memoryBarrierCount, a->pMemoryBarriers,
                            a->bufferMemoryBarrierCount, a->pBufferMemoryBarriers,
                            a->imageMemoryBarrierCount, a->pImageMemoryBarriers);
}

void
pv_handle_vkCmdPipelineBarrier2(struct pv_dispatcher *d, struct pv_vkCmdPipelineBarrier2_args *a)
{
   BARRIER_DEVICE(d, a, CmdPipelineBarrier2);
   if (foreign)
      dependency_info(a->pDependencyInfo);
   dev->table.CmdPipelineBarrier2(a->commandBuffer, a->pDependencyInfo);
}

void
pv_handle_vkCmdSetEvent2(struct pv_dispatcher *d, struct pv_vkCmdSetEvent2_args *a)
{
   BARRIER_DEVICE(d, a, CmdSetEvent2);
   if (foreign)
      dependency_info(a->pDependencyInfo);
   dev->table.CmdSetEvent2(a->commandBuffer, a->event, a->pDependencyInfo);
}

void
pv_handle_vkCmdWaitEvents2(struct pv_dispatcher *d, struct pv_vkCmdWaitEvents2_args *a)
{
   BARRIER_DEVICE(d, a, CmdWaitEvents2);
   for (uint32_t i = 0; foreign && i < a->eventCount && a->pDependencyInfos; i++)
      dependency_info(&a->pDependencyInfos[i]);
   dev->table.CmdWaitEvents2(a->commandBuffer, a->eventCount, a->pEvents, a->pDependencyInfos);
}
