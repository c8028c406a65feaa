/*
 * create_info.c — reading and amending a VkDeviceCreateInfo chain: the
 * helpers device.c, image.c and inflight.c use when they add what the
 * server needs (robust access, timeline semaphores) to the guest's
 * device.  Contracts in vk_objects.h.
 */
#include <stdint.h>
#include <string.h>

#include "renderer/vk/vk_objects.h"

bool
pv_create_info_set_feature(VkDeviceCreateInfo *info, VkStructureType core, size_t core_offset,
                           VkStructureType own, size_t own_offset)
{
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      size_t at = s->sType == core ? core_offset : s->sType == own ? own_offset : SIZE_MAX;
      if (at != SIZE_MAX) {
         *(VkBool32 *)((char *)s + at) = VK_TRUE;
         return true;
      }
   }
   return false;
}

bool
pv_create_info_enables(const VkDeviceCreateInfo *info, const char *name)
{
   for (uint32_t i = 0; i < info->enabledExtensionCount; i++) {
      if (!strcmp(info->ppEnabledExtensionNames[i], name))
         return true;
   }
   return false;
}
