/*
 * host_copy.c — the host_copy guard: the host-side image commands a guest
 * sends straight through (vkTransitionImageLayout, vkCopyImageToImage, from
 * VK_EXT_host_image_copy / Vulkan 1.4) run on the host's CPU inside our
 * process, on images the driver trusts the application about.
 *
 * So before the driver sees one: the device enabled hostImageCopy, every
 * image is bound and was made for host transfers, its layouts are ones the
 * host's copies support (objects/host_copy.c), transitions name ranges
 * inside their image, copies regions inside both images (image.c), and a
 * MEMCPY copy — the driver's own bytes, one image's storage onto the
 * other's — only whole subresources between images made alike.  The
 * copies that carry guest memory (vkCopy*MESA) are checked by their
 * handlers.
 */
#include <string.h>

#include "renderer/guards/guards.h"
#include "renderer/objects/host_copy.h"
#include "renderer/objects/image.h"
#include "renderer/vk/dispatch.h"

#ifdef PV_CS_HAS_vkTransitionImageLayout

static bool
transitions_ok(struct pv_dispatcher *d, const struct pv_vkTransitionImageLayout_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (a->transitionCount && !a->pTransitions)
      return pv_dispatch_fail(d, "pTransitions is NULL"), false;
   for (uint32_t i = 0; i < a->transitionCount; i++) {
      const VkHostImageLayoutTransitionInfo *t = &a->pTransitions[i];
      struct pv_image *img = pv_host_copy_image(d, dev, t->image, t->newLayout, PV_HOST_COPY_ANY);
      if (!img || !pv_image_range_ok(d, i, img, &t->subresourceRange))
         return false;
   }
   return true;
}

/* Images whose storage a MEMCPY copy may move from one to the other. */
static bool
made_alike(const struct pv_image *a, const struct pv_image *b)
{
   return a->type == b->type && a->format == b->format && a->mip_levels == b->mip_levels &&
          a->array_layers == b->array_layers && a->samples == b->samples &&
          a->flags == b->flags && a->usage == b->usage &&
          !memcmp(&a->extent, &b->extent, sizeof(a->extent));
}

static bool
image_copy_ok(struct pv_dispatcher *d, const struct pv_vkCopyImageToImage_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkCopyImageToImageInfo *info = a->pCopyImageToImageInfo;
   if (!info)
      return pv_dispatch_fail(d, "pCopyImageToImageInfo is NULL"), false;
   struct pv_image *src = pv_host_copy_image(d, dev, info->srcImage, info->srcImageLayout,
                                             PV_HOST_COPY_SRC);
   struct pv_image *dst = src ? pv_host_copy_image(d, dev, info->dstImage, info->dstImageLayout,
                                                   PV_HOST_COPY_DST) : NULL;
   if (!dst || !pv_image_copy_regions_ok(d, src, dst, info->regionCount, info->pRegions))
      return false;
   if (!(info->flags & 0x1u /* VK_HOST_IMAGE_COPY_MEMCPY_BIT */))
      return true;
   if (!made_alike(src, dst))
      return pv_dispatch_fail(d, "a MEMCPY image-to-image copy between images made differently"),
             false;
   for (uint32_t i = 0; i < info->regionCount; i++) {
      const VkImageCopy2 *r = &info->pRegions[i];
      if (!pv_host_copy_memcpy_ok(d, dev, src, &r->srcSubresource, r->srcOffset, r->extent,
                                  UINT64_MAX) ||
          !pv_host_copy_memcpy_ok(d, dev, dst, &r->dstSubresource, r->dstOffset, r->extent,
                                  UINT64_MAX))
         return false;
   }
   return true;
}

static bool
host_copy_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   return info->id == PV_CMD_vkTransitionImageLayout ? transitions_ok(d, args)
                                                     : image_copy_ok(d, args);
}

static unsigned
host_copy_watch(uint32_t id)
{
   return id == PV_CMD_vkTransitionImageLayout || id == PV_CMD_vkCopyImageToImage
             ? PV_GUARD_BEFORE : 0;
}

#else /* a registry without host image copy: nothing to watch */

static bool
host_copy_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   (void)d, (void)info, (void)args;
   return true;
}

static unsigned
host_copy_watch(uint32_t id)
{
   (void)id;
   return 0;
}

#endif

const struct pv_guard pv_guard_host_copy = {
   .name = "host_copy",
   .file = "guards/host_copy.c",
   .what = "host-side image commands (layout transitions, image-to-image copies) only on "
           "bound host-transfer images of a device that enabled them, inside the images",
   .watches = host_copy_watch,
   .before = host_copy_before,
};
