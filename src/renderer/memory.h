/* memory.h — device memory objects and their export as blobs. */
#ifndef PV_RENDERER_MEMORY_H
#define PV_RENDERER_MEMORY_H

#include <stdbool.h>

#include "renderer/context.h"
#include "renderer/vk_objects.h"

struct pv_shm_backing;

struct pv_memory {
   struct pv_vk_object obj;
   VkDeviceMemory handle;
   uint64_t size;
   uint32_t type;
   struct pv_shm_backing *backing; /* host-visible memory we allocated; else NULL */
   bool exported;                  /* a blob exists (at most one, §1.3) */
};

bool pv_memory_type_is_host_visible(const struct pv_physical_device *p, uint32_t type);
/* Unbind, free the host memory, drop our reference to the backing. */
void pv_memory_destroy(struct pv_vk_context *vk, struct pv_memory *mem);
/* The same for memory already unbound. */
void pv_memory_release(struct pv_vk_context *vk, struct pv_memory *mem);
/* The context's export_memory hook. */
int pv_memory_export(struct pv_context *ctx, uint64_t blob_id, uint32_t blob_type,
                     uint32_t blob_flags, uint64_t size, struct pv_export_result *out);

#endif
