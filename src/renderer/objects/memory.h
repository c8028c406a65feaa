/* memory.h — device memory objects and their export as blobs. */
#ifndef PV_RENDERER_MEMORY_H
#define PV_RENDERER_MEMORY_H

#include <stdatomic.h>
#include <stdbool.h>

#include "renderer/core/context.h"
#include "renderer/vk/vk_objects.h"

struct pv_shm_backing;

struct pv_memory {
   struct pv_vk_object obj;
   VkDeviceMemory handle;
   uint64_t size;
   uint32_t type;
   struct pv_shm_backing *backing; /* host-visible memory we allocated; else NULL */
   bool exported;                  /* a blob exists (at most one, §1.3) */
   /* VkExportMemoryAllocateInfo::handleTypes the guest asked for: a
    * CROSS_DEVICE blob (venus's dma-buf) needs DMA_BUF among them. */
   VkExternalMemoryHandleTypeFlags export_types;
   /* The guest's reference plus one per buffer or image bound to it: the
    * host memory, and the shared memory lavapipe reads and writes through,
    * outlive vkFreeMemory until nothing bound to them is left. */
   atomic_uint refs;
};

bool pv_memory_type_is_host_visible(const struct pv_physical_device *p, uint32_t type);
/* Count `size` bytes against the context's max_device_memory limit:
 * device memory, and host memory a driver keeps sized by counts the guest
 * chose (query pools, descriptor sets).  False, logged naming `what`, past
 * the limit. */
bool pv_memory_charge(struct pv_vk_context *vk, uint64_t size, const char *what);
void pv_memory_uncharge(struct pv_vk_context *vk, uint64_t size);
/* Forget memory of a device abandoned with work that never ends (the
 * object is out of the table): its host memory and the mapping the
 * device uses stay for the life of the process; the fd closes. */
void pv_memory_abandon(struct pv_memory *mem);
/* Unbind, free the host memory, drop our reference to the backing. */
void pv_memory_destroy(struct pv_vk_context *vk, struct pv_memory *mem);
/* The same for memory already unbound, whatever its references. */
void pv_memory_release(struct pv_vk_context *vk, struct pv_memory *mem);
/* A buffer or image (its `*slot`) bound to the memory behind `handle`: the
 * slot takes a reference.  False, after failing the context, if the memory
 * is unknown or the slot is bound already (binding twice is invalid). */
bool pv_memory_bind(struct pv_dispatcher *d, struct pv_memory **slot, VkDeviceMemory handle);
/* A buffer or image leaves the table: its memory reference goes. */
void pv_memory_drop_binding(struct pv_vk_context *vk, struct pv_object *obj);
/* The context's export_memory hook. */
int pv_memory_export(struct pv_context *ctx, uint64_t blob_id, uint32_t blob_type,
                     uint32_t blob_flags, uint64_t size, struct pv_export_result *out);

#endif
