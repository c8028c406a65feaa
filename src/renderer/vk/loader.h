/*
 * loader.h — calls into the Vulkan loader that must not run concurrently.
 *
 * The loader keeps process-wide lists of instances and devices and builds
 * trampolines for entry points it does not know; creating or destroying
 * instances and devices, or looking up entry points, on several threads
 * at once crashed it (16 clients starting together).  These wrappers take
 * the renderer's loader_lock; everything else calls Vulkan directly.
 */
#ifndef PV_RENDERER_LOADER_H
#define PV_RENDERER_LOADER_H

#include <vulkan/vulkan_core.h>

struct pv_renderer;
struct pv_vk_instance_table;
struct pv_vk_device_table;

VkResult pv_loader_create_instance(struct pv_renderer *r, const VkInstanceCreateInfo *info,
                                   VkInstance *out, struct pv_vk_instance_table *table);
void pv_loader_destroy_instance(struct pv_renderer *r, VkInstance instance);
VkResult pv_loader_create_device(struct pv_renderer *r, VkPhysicalDevice pdev,
                                 const VkDeviceCreateInfo *info, VkDevice *out,
                                 struct pv_vk_device_table *table);
void pv_loader_destroy_device(struct pv_renderer *r, VkDevice device);
/* vkGetDeviceProcAddr under the lock. */
PFN_vkVoidFunction pv_loader_device_proc(struct pv_renderer *r, VkDevice device, const char *name);

#endif
