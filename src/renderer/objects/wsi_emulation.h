/* wsi_emulation.h — export of device memory, DRM_FORMAT_MOD_LINEAR and the
 * foreign queue family, served where the host lacks them (wsi_emulation.c
 * says what each means).  Each function is a no-op, or passes straight to
 * the host, where pdev->served does not name its extension. */
#ifndef PV_RENDERER_WSI_EMULATION_H
#define PV_RENDERER_WSI_EMULATION_H

#include <stdbool.h>
#include <vulkan/vulkan_core.h>

#include "renderer/vk/vk_objects.h"

/* What vkCreateImage learned from a served modifier. */
struct pv_wsi_image {
   bool linear_modifier;       /* made with DRM_FORMAT_MOD_LINEAR: linear on the host */
   bool explicit_layout;       /* the guest gave plane 0's layout */
   VkSubresourceLayout plane0; /* that layout */
};

/* The external memory handle types we serve on this host. */
VkExternalMemoryHandleTypeFlags pv_wsi_served_handle_types(const struct pv_physical_device *p);
/* Clear served handle types from the external-memory create infos in a
 * (scratch) chain, which the host must not see. */
void pv_wsi_strip_handle_types(const struct pv_physical_device *p, const void *chain);
/* The handle types an allocation asks to export (0: none). */
VkExternalMemoryHandleTypeFlags pv_wsi_export_types(const VkMemoryAllocateInfo *info);

/* Rewrite an image create info (a scratch copy) for the host: served
 * handle types cleared, a served LINEAR modifier made linear tiling;
 * VK_ERROR_UNKNOWN for a modifier never offered. */
VkResult pv_wsi_image_create_info(const struct pv_physical_device *p, VkImageCreateInfo *ci,
                                  struct pv_wsi_image *out);
/* After the host made the image: the guest's explicit plane layout must be
 * the host's, else VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT. */
VkResult pv_wsi_image_created(struct pv_device *dev, const struct pv_wsi_image *w, VkImage image);

struct pv_image;
/* MEMORY_PLANE_0 of a LINEAR-modifier image is its color aspect. */
void pv_wsi_plane_aspect(const struct pv_image *img, VkImageSubresource *s);

/* The physical-device queries, with the served extensions' structs
 * answered here and kept from the host. */
void pv_wsi_format_properties2(VkPhysicalDevice pd, const struct pv_physical_device *p,
                               VkFormat format, VkFormatProperties2 *out);
VkResult pv_wsi_image_format_properties2(VkPhysicalDevice pd, const struct pv_physical_device *p,
                                         VkPhysicalDeviceImageFormatInfo2 *info,
                                         VkImageFormatProperties2 *out);
/* true when `info` names a served handle type, `out` then answered */
bool pv_wsi_external_buffer_properties(const struct pv_physical_device *p,
                                       const VkPhysicalDeviceExternalBufferInfo *info,
                                       VkExternalBufferProperties *out);

#endif
