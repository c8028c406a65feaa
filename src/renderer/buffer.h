/* buffer.h — buffers with the size their range checks need (buffer.c). */
#ifndef PV_RENDERER_BUFFER_H
#define PV_RENDERER_BUFFER_H

#include "renderer/vk_objects.h"

struct pv_buffer {
   struct pv_vk_object obj;
   VkDeviceSize size; /* VkBufferCreateInfo::size */
};

#endif
