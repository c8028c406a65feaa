/*
 * host_copy.h — host image copies for the guest (host_copy.c).
 */
#ifndef PV_RENDERER_HOST_COPY_H
#define PV_RENDERER_HOST_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "renderer/vk/vk_objects.h"

/* After the host device is made from `ci`: if it turns hostImageCopy on,
 * load the host's copy entry points and the layouts they support into
 * dev->host_copy (else leave it empty, and the copy commands fail). */
void pv_host_copy_init(struct pv_device *dev, const VkDeviceCreateInfo *ci);

struct pv_dispatcher;
struct pv_image;

/* What a host copy does with an image: read it, write it, or (a layout
 * transition) either. */
enum pv_host_copy_role { PV_HOST_COPY_SRC, PV_HOST_COPY_DST, PV_HOST_COPY_ANY };

/* The image behind `handle`, once a host copy may touch it: the device
 * enabled hostImageCopy, the image is bound, was made with
 * VK_IMAGE_USAGE_HOST_TRANSFER_BIT, and `layout` is one the host's copies
 * support for `role`.  NULL after failing the context. */
struct pv_image *pv_host_copy_image(struct pv_dispatcher *d, struct pv_device *dev,
                                    VkImage handle, VkImageLayout layout,
                                    enum pv_host_copy_role role);

/* A VK_HOST_IMAGE_COPY_MEMCPY copy of `sub`: whole mip-level images, and
 * at least the bytes the host says they take.  False after failing. */
bool pv_host_copy_memcpy_ok(struct pv_dispatcher *d, struct pv_device *dev,
                            const struct pv_image *img, const VkImageSubresourceLayers *sub,
                            VkOffset3D offset, VkExtent3D extent, uint64_t bytes);

#endif /* PV_RENDERER_HOST_COPY_H */
