/* loader.c — see loader.h. */
#include "renderer/vk/loader.h"

#include "renderer/core/context.h"
#include "renderer/pv_handlers_gen.h"

VkResult
pv_loader_create_instance(struct pv_renderer *r, const VkInstanceCreateInfo *info, VkInstance *out,
                          struct pv_vk_instance_table *table)
{
   pthread_mutex_lock(&r->loader_lock);
   VkResult res = vkCreateInstance(info, NULL, out);
   if (res == VK_SUCCESS && table)
      pv_vk_instance_table_load(table, *out);
   pthread_mutex_unlock(&r->loader_lock);
   return res;
}

void
pv_loader_destroy_instance(struct pv_renderer *r, VkInstance instance)
{
   pthread_mutex_lock(&r->loader_lock);
   vkDestroyInstance(instance, NULL);
   pthread_mutex_unlock(&r->loader_lock);
}

VkResult
pv_loader_create_device(struct pv_renderer *r, VkPhysicalDevice pdev, const VkDeviceCreateInfo *info,
                        VkDevice *out, struct pv_vk_device_table *table)
{
   pthread_mutex_lock(&r->loader_lock);
   VkResult res = vkCreateDevice(pdev, info, NULL, out);
   if (res == VK_SUCCESS && table)
      pv_vk_device_table_load(table, *out);
   pthread_mutex_unlock(&r->loader_lock);
   return res;
}

PFN_vkVoidFunction
pv_loader_device_proc(struct pv_renderer *r, VkDevice device, const char *name)
{
   pthread_mutex_lock(&r->loader_lock);
   PFN_vkVoidFunction fn = vkGetDeviceProcAddr(device, name);
   pthread_mutex_unlock(&r->loader_lock);
   return fn;
}

void
pv_loader_destroy_device(struct pv_renderer *r, VkDevice device)
{
   pthread_mutex_lock(&r->loader_lock);
   vkDestroyDevice(device, NULL);
   pthread_mutex_unlock(&r->loader_lock);
}
