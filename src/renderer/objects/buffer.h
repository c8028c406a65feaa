/* buffer.h — buffers with the size their range checks need (buffer.c). */
#ifndef PV_RENDERER_BUFFER_H
#define PV_RENDERER_BUFFER_H

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

struct pv_buffer {
   struct pv_vk_object obj;
   VkDeviceSize size; /* VkBufferCreateInfo::size */
   struct pv_memory *memory; /* bound to, holding a reference (memory.h) */
   bool sparse;              /* bound through vkQueueBindSparse instead */
};

/* Whether `size` bytes at `offset` fit the memory behind `mem_handle` (a
 * resource `what` is being bound); if not, the context is made fatal. */
bool pv_bind_fits(struct pv_dispatcher *d, VkDeviceMemory mem_handle, VkDeviceSize offset,
                  VkDeviceSize size, const char *what);
/* The buffer `obj` or, without it, the one behind the host handle `handle`
 * (handles inside decoded structs); NULL after making the context fatal. */
struct pv_buffer *pv_buffer_lookup(struct pv_dispatcher *d, struct pv_object *obj, VkBuffer handle);

/* The range [offset, offset + range) of `b`, VK_WHOLE_SIZE meaning "to the
 * end": its resolved length in *resolved, and whether it lies in the buffer
 * (for descriptors, buffer views and transform feedback). */
bool pv_buffer_range(const struct pv_buffer *b, VkDeviceSize offset, VkDeviceSize range,
                     VkDeviceSize *resolved);

#endif
