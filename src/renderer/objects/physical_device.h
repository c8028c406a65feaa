/* physical_device.h — what physical_device.c shares with the other object
 * files (the rest of the physical device is in vk/vk_objects.h). */
#ifndef PV_RENDERER_PHYSICAL_DEVICE_H
#define PV_RENDERER_PHYSICAL_DEVICE_H

#include <stdint.h>
#include <vulkan/vulkan_core.h>

/* The answer of vkEnumerate{Instance,Device}ExtensionProperties for the
 * list `exts` of `n`: no layer has extensions; without `props` the count
 * alone, else as many as *count holds (VK_INCOMPLETE if not all fit).
 * `count` must not be NULL. */
VkResult pv_enumerate_extensions(const VkExtensionProperties *exts, uint32_t n, const char *layer,
                                 uint32_t *count, VkExtensionProperties *props);

#endif
