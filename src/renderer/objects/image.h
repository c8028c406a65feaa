/* image.h — images with what their range checks need (image.c), and the
 * format table those checks read (generated from vk.xml by
 * codegen/pv_gen_formats.py). */
#ifndef PV_RENDERER_IMAGE_H
#define PV_RENDERER_IMAGE_H

#include <stdint.h>
#include <vulkan/vulkan_core.h>

#include "renderer/vk/vk_objects.h"

/* What vk.xml's <format> says about a format. */
struct pv_format_info {
   uint8_t block_size;             /* bytes of one texel block */
   uint8_t block_w, block_h, block_d;
   uint8_t depth_size;             /* bytes of a depth texel in a buffer copy; 0: no depth */
   uint8_t stencil;                /* 1: has stencil (1 byte in a buffer copy) */
   uint8_t planes;                 /* 0: not multi-planar */
   struct {
      uint8_t block_size, w_div, h_div;
   } plane[3];
};

/* NULL for a value vk.xml's <formats> does not list (VK_FORMAT_UNDEFINED). */
const struct pv_format_info *pv_format_info(VkFormat format);

/* Freed with free() by the generic destroy path: no owned pointers. */
struct pv_image {
   struct pv_vk_object obj;
   VkImageType type;
   VkFormat format;
   const struct pv_format_info *fmt; /* static table entry, NULL: unknown format */
   VkExtent3D extent;
   uint32_t mip_levels, array_layers;
   VkSampleCountFlagBits samples;
   VkImageCreateFlags flags;
   VkImageUsageFlags usage;
   bool linear_modifier; /* DRM_FORMAT_MOD_LINEAR we serve (wsi_emulation.c) */
   struct pv_memory *memory; /* bound to, holding a reference (memory.h) */
};

/* An image view: the extent of its first level and its layers, which
 * framebuffers and rendering must not exceed (render_pass.c). */
struct pv_image_view {
   struct pv_vk_object obj;
   uint32_t width, height, layers;
};

struct pv_physical_device;

/* Turn robustImageAccess on in a device create info where the host has
 * it, so shader image accesses stay inside their image (device.c).  `own`
 * is storage for a feature struct chained in when the guest gave none; it
 * must outlive the vkCreateDevice call. */
void pv_image_force_robust_access(const struct pv_physical_device *p, VkDeviceCreateInfo *info,
                                  VkPhysicalDeviceImageRobustnessFeatures *own);

/* An image commands may touch (`obj`, or the one behind `handle`): known
 * and bound to memory; NULL after failing the context. */
struct pv_image *pv_image_of(struct pv_dispatcher *d, struct pv_object *obj, VkImage handle);

/* Region i of a copy between img and `bytes` bytes of linear memory (a
 * buffer, or host memory in the command stream) laid out as a
 * VkBufferImageCopy says: one aspect, inside the image, and every byte it
 * addresses inside the memory; `memory` names the memory for the fatal
 * message.  False after failing the context. */
bool pv_image_memory_region_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *img,
                               const VkBufferImageCopy *r, uint64_t bytes, bool to_image,
                               const char *memory);

/* The regions of an image-to-image copy (VkImageCopy2 layout): inside
 * both images, block sizes and 2D/3D slices converted.  False after
 * failing the context. */
bool pv_image_copy_regions_ok(struct pv_dispatcher *d, const struct pv_image *src,
                              const struct pv_image *dst, uint32_t count,
                              const VkImageCopy2 *regions);
/* Whether `sub` at `offset` / `extent` is whole mip-level images of img:
 * one aspect, an existing level, layers inside the image (their count into
 * *layers, VK_REMAINING_ARRAY_LAYERS resolved), offset 0 and the level's
 * full extent. */
bool pv_image_whole_subresource(const struct pv_image *img, const VkImageSubresourceLayers *sub,
                                VkOffset3D offset, VkExtent3D extent, uint32_t *layers);
/* Range i: mip levels and layers inside img (VK_REMAINING_* honoured). */
bool pv_image_range_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *img,
                       const VkImageSubresourceRange *r);

#endif
