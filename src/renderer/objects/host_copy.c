/*
 * host_copy.c — VK_EXT_host_image_copy (core in Vulkan 1.4) for the guest.
 *
 * At venus protocol spec 3 the guest sends vkCopyMemoryToImageMESA with the
 * texels inline in the command stream and vkCopyImageToMemoryMESA with
 * room for them in the reply (docs/PROTOCOL.md §14 M4); the host copies
 * with its own vkCopyMemoryToImage / vkCopyImageToMemory.  Those trust
 * what valid usage promises, and the guest is not trusted, so before the
 * host sees a copy: the device enabled hostImageCopy, the image is bound
 * and was made with VK_IMAGE_USAGE_HOST_TRANSFER_BIT, its layout is one
 * the host's copies support, and every region lies inside the image and
 * inside the bytes the guest sent (or the reply holds), with the same
 * arithmetic as buffer<->image copies (image.c).
 *
 * The host's structs are declared here from the Vulkan ABI, so the file
 * builds against Vulkan headers older than 1.4; the two commands exist in
 * the generated protocol code only when the registry defines them.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/host_copy.h"

#include "renderer/handlers.h"
#include "renderer/objects/image.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_context.h"

#define STYPE_HOST_IMAGE_COPY_FEATURES 1000270000
#define STYPE_HOST_IMAGE_COPY_PROPERTIES 1000270001
#define STYPE_MEMORY_TO_IMAGE_COPY 1000270002
#define STYPE_IMAGE_TO_MEMORY_COPY 1000270003
#define STYPE_COPY_IMAGE_TO_MEMORY_INFO 1000270004
#define STYPE_COPY_MEMORY_TO_IMAGE_INFO 1000270005
#define STYPE_VULKAN_1_4_FEATURES 55
#define USAGE_HOST_TRANSFER (1u << 22)

/* VkMemoryToImageCopy and VkImageToMemoryCopy share this layout. */
struct host_region {
   VkStructureType sType;
   const void *pNext;
   void *pHostPointer;
   uint32_t memoryRowLength, memoryImageHeight;
   VkImageSubresourceLayers imageSubresource;
   VkOffset3D imageOffset;
   VkExtent3D imageExtent;
};

/* VkCopyMemoryToImageInfo and VkCopyImageToMemoryInfo share this one. */
struct host_copy_info {
   VkStructureType sType;
   const void *pNext;
   VkFlags flags;
   VkImage image;
   VkImageLayout layout;
   uint32_t regionCount;
   const struct host_region *pRegions;
};

typedef VkResult (VKAPI_PTR *host_copy_fn)(VkDevice device, const struct host_copy_info *info);

struct host_copy_props {
   VkStructureType sType;
   void *pNext;
   uint32_t copySrcLayoutCount;
   VkImageLayout *pCopySrcLayouts;
   uint32_t copyDstLayoutCount;
   VkImageLayout *pCopyDstLayouts;
   uint8_t optimalTilingLayoutUUID[VK_UUID_SIZE];
   VkBool32 identicalMemoryTypeRequirements;
};

/* Whether the device create info turns hostImageCopy on: its own feature
 * struct, or VkPhysicalDeviceVulkan14Features (the 20th VkBool32 there). */
static bool
host_copy_enabled(const VkDeviceCreateInfo *ci)
{
   for (const VkBaseInStructure *s = ci->pNext; s; s = s->pNext) {
      const VkBool32 *features = (const VkBool32 *)((const char *)s + sizeof(*s));
      if ((s->sType == (VkStructureType)STYPE_HOST_IMAGE_COPY_FEATURES && features[0]) ||
          (s->sType == (VkStructureType)STYPE_VULKAN_1_4_FEATURES && features[19]))
         return true;
   }
   return false;
}

void
pv_host_copy_init(struct pv_device *dev, const VkDeviceCreateInfo *ci)
{
   struct pv_host_copy *h = &dev->host_copy;
   memset(h, 0, sizeof(*h));
   if (!host_copy_enabled(ci))
      return;
   struct host_copy_props props = { .sType = (VkStructureType)STYPE_HOST_IMAGE_COPY_PROPERTIES,
                                    .copySrcLayoutCount = 16, .pCopySrcLayouts = h->src,
                                    .copyDstLayoutCount = 16, .pCopyDstLayouts = h->dst };
   VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = &props };
   vkGetPhysicalDeviceProperties2(dev->pdev->handle, &p2);
   h->src_count = props.copySrcLayoutCount < 16 ? props.copySrcLayoutCount : 16;
   h->dst_count = props.copyDstLayoutCount < 16 ? props.copyDstLayoutCount : 16;
   h->to_image = pv_gen_device_proc(dev->handle, "vkCopyMemoryToImage", "vkCopyMemoryToImageEXT",
                                    NULL);
   h->to_memory = pv_gen_device_proc(dev->handle, "vkCopyImageToMemory",
                                     "vkCopyImageToMemoryEXT", NULL);
}


static bool
layout_supported(const VkImageLayout *list, uint32_t n, VkImageLayout layout)
{
   for (uint32_t i = 0; i < n; i++)
      if (list[i] == layout)
         return true;
   return false;
}

struct pv_image *
pv_host_copy_image(struct pv_dispatcher *d, struct pv_device *dev, VkImage handle,
                   VkImageLayout layout, enum pv_host_copy_role role)
{
   if (!dev || !dev->host_copy.to_image || !dev->host_copy.to_memory)
      return pv_dispatch_fail(d, "the device did not enable hostImageCopy, or the host lacks it"),
             NULL;
   struct pv_image *img = pv_image_of(d, NULL, handle);
   if (!img)
      return NULL;
   if (!(img->usage & USAGE_HOST_TRANSFER))
      return pv_dispatch_fail(d, "the image was not made with VK_IMAGE_USAGE_HOST_TRANSFER_BIT"),
             NULL;
   const struct pv_host_copy *h = &dev->host_copy;
   bool src = layout_supported(h->src, h->src_count, layout);
   bool dst = layout_supported(h->dst, h->dst_count, layout);
   bool ok = role == PV_HOST_COPY_SRC ? src : role == PV_HOST_COPY_DST ? dst : src || dst;
   if (!ok)
      return pv_dispatch_fail(d, "layout %d is not one the host's host copies support",
                              (int)layout), NULL;
   return img;
}


/* ---- VK_HOST_IMAGE_COPY_MEMCPY: the driver's own bytes -------------------------- */

#define STYPE_SUBRESOURCE_LAYOUT_2 1000338002
#define STYPE_IMAGE_SUBRESOURCE_2 1000338003
#define STYPE_SUBRESOURCE_HOST_MEMCPY_SIZE 1000270008
#define HOST_COPY_MEMCPY 0x1u

struct subresource2 {
   VkStructureType sType;
   void *pNext;
   VkImageSubresource imageSubresource;
};
struct memcpy_size {
   VkStructureType sType;
   void *pNext;
   VkDeviceSize size;
};
struct subresource_layout2 {
   VkStructureType sType;
   void *pNext;
   VkSubresourceLayout subresourceLayout;
};
typedef void (VKAPI_PTR *subresource_layout2_fn)(VkDevice, VkImage, const struct subresource2 *,
                                                 struct subresource_layout2 *);

/* With MEMCPY the driver copies a whole subresource in its own layout: the
 * region must be whole mip-level images, and the memory at least what the
 * host says those layers take (vkGetImageSubresourceLayout2 with
 * VkSubresourceHostMemcpySize), or the driver reads or writes past it. */
bool
pv_host_copy_memcpy_ok(struct pv_dispatcher *d, struct pv_device *dev, const struct pv_image *img,
                       const VkImageSubresourceLayers *sub, VkOffset3D offset, VkExtent3D extent,
                       uint64_t bytes)
{
   subresource_layout2_fn layout2 = (subresource_layout2_fn)dev->table.GetImageSubresourceLayout2;
   uint32_t level = sub->mipLevel, layers;
   if (!layout2 || !pv_image_whole_subresource(img, sub, offset, extent, &layers))
      return pv_dispatch_fail(d, "a MEMCPY host copy must name whole subresources of the image"),
             false;
   uint64_t need = 0;
   for (uint32_t i = 0; i < layers; i++) {
      struct memcpy_size size = { (VkStructureType)STYPE_SUBRESOURCE_HOST_MEMCPY_SIZE, NULL, 0 };
      struct subresource_layout2 out = { (VkStructureType)STYPE_SUBRESOURCE_LAYOUT_2, &size,
                                         { 0 } };
      struct subresource2 in = { (VkStructureType)STYPE_IMAGE_SUBRESOURCE_2, NULL,
                                 { sub->aspectMask, level, sub->baseArrayLayer + i } };
      layout2(dev->handle, (VkImage)img->obj.base.handle, &in, &out);
      if (__builtin_add_overflow(need, size.size, &need))
         return pv_dispatch_fail(d, "MEMCPY host copy size overflows"), false;
   }
   if (need > bytes)
      return pv_dispatch_fail(d, "a MEMCPY host copy needs %llu bytes, has %llu",
                              (unsigned long long)need, (unsigned long long)bytes), false;
   return true;
}

#ifdef PV_CS_HAS_vkCopyMemoryToImageMESA

/* A region as the buffer<->image checks see it: the memory starts at 0. */
static VkBufferImageCopy
as_buffer_copy(uint32_t row_length, uint32_t image_height, VkImageSubresourceLayers sub,
               VkOffset3D offset, VkExtent3D extent)
{
   return (VkBufferImageCopy){ 0, row_length, image_height, sub, offset, extent };
}

void
pv_handle_vkCopyMemoryToImageMESA(struct pv_dispatcher *d,
                                  struct pv_vkCopyMemoryToImageMESA_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkCopyMemoryToImageInfoMESA *info = a->pCopyMemoryToImageInfo;
   if (!info)
      return pv_dispatch_fail(d, "pCopyMemoryToImageInfo is NULL");
   struct pv_image *img = pv_host_copy_image(d, dev, info->dstImage, info->dstImageLayout,
                                             PV_HOST_COPY_DST);
   if (!img || (info->regionCount && !info->pRegions))
      return;
   struct host_region *regions = calloc(info->regionCount + 1, sizeof(*regions));
   if (!regions)
      return pv_dispatch_fail(d, "out of memory");
   for (uint32_t i = 0; i < info->regionCount; i++) {
      const VkMemoryToImageCopyMESA *r = &info->pRegions[i];
      VkBufferImageCopy b = as_buffer_copy(r->memoryRowLength, r->memoryImageHeight,
                                           r->imageSubresource, r->imageOffset, r->imageExtent);
      uint64_t bytes = r->pData ? r->dataSize : 0;
      if (!((info->flags & HOST_COPY_MEMCPY)
               ? pv_host_copy_memcpy_ok(d, dev, img, &r->imageSubresource, r->imageOffset,
                                        r->imageExtent, bytes)
               : pv_image_memory_region_ok(d, i, img, &b, bytes, true, "data in the stream"))) {
         free(regions);
         return;
      }
      regions[i] = (struct host_region){ (VkStructureType)STYPE_MEMORY_TO_IMAGE_COPY, NULL,
                                         (void *)r->pData, r->memoryRowLength,
                                         r->memoryImageHeight, r->imageSubresource,
                                         r->imageOffset, r->imageExtent };
   }
   struct host_copy_info ci = { (VkStructureType)STYPE_COPY_MEMORY_TO_IMAGE_INFO, NULL,
                                info->flags, info->dstImage, info->dstImageLayout,
                                info->regionCount, regions };
   a->ret = ((host_copy_fn)dev->host_copy.to_image)(dev->handle, &ci);
   free(regions);
}

void
pv_handle_vkCopyImageToMemoryMESA(struct pv_dispatcher *d,
                                  struct pv_vkCopyImageToMemoryMESA_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkCopyImageToMemoryInfoMESA *info = a->pCopyImageToMemoryInfo;
   if (!info)
      return pv_dispatch_fail(d, "pCopyImageToMemoryInfo is NULL");
   struct pv_image *img = pv_host_copy_image(d, dev, info->srcImage, info->srcImageLayout,
                                             PV_HOST_COPY_SRC);
   if (!img)
      return;
   VkBufferImageCopy b = as_buffer_copy(info->memoryRowLength, info->memoryImageHeight,
                                        info->imageSubresource, info->imageOffset,
                                        info->imageExtent);
   uint64_t bytes = a->pData ? a->dataSize : 0;
   if (!((info->flags & HOST_COPY_MEMCPY)
            ? pv_host_copy_memcpy_ok(d, dev, img, &info->imageSubresource, info->imageOffset,
                                     info->imageExtent, bytes)
            : pv_image_memory_region_ok(d, 0, img, &b, bytes, false, "reply data")))
      return;
   struct host_region region = { (VkStructureType)STYPE_IMAGE_TO_MEMORY_COPY, NULL, a->pData,
                                 info->memoryRowLength, info->memoryImageHeight,
                                 info->imageSubresource, info->imageOffset, info->imageExtent };
   struct host_copy_info ci = { (VkStructureType)STYPE_COPY_IMAGE_TO_MEMORY_INFO, NULL,
                                info->flags, info->srcImage, info->srcImageLayout, 1, &region };
   a->ret = ((host_copy_fn)dev->host_copy.to_memory)(dev->handle, &ci);
}

#endif /* PV_CS_HAS_vkCopyMemoryToImageMESA */
