/*
 * pv_object.h — the base every renderer object embeds.
 *
 * A guest names objects by 64-bit ids of its own choosing (docs/PROTOCOL.md §7).
 * The renderer keeps, per context, a table from id to pv_object; the
 * generated decoders translate each handle they read into the host handle
 * through that table (pv_cs_decoder's lookup callback), checking the type.
 */
#ifndef PV_OBJECT_H
#define PV_OBJECT_H

#include <stdint.h>
#include <vulkan/vulkan_core.h>

struct pv_object {
   uint64_t id;         /* guest id, never 0 */
   VkObjectType type;   /* Vulkan object type */
   uint64_t handle;     /* host handle; the pointer value for dispatchable types */
};

#endif /* PV_OBJECT_H */
