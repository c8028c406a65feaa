/*
 * passthrough.h — the helpers the generated handlers call
 * (build/src/renderer/pv_handlers_gen.c, from codegen/pv_gen_handlers.py).
 *
 * Generated handlers find the host dispatch table through their first
 * parameter's object, bind the guest ids of the objects a command creates
 * and unbind those it destroys.  Objects created mechanically are plain
 * pv_vk_objects; pool-allocated ones remember their pool's host handle so
 * that destroying or resetting the pool drops them too.
 */
#ifndef PV_RENDERER_PASSTHROUGH_H
#define PV_RENDERER_PASSTHROUGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

/* The device (instance) whose table holds the entry point at
 * `pfn_offset`, found through the command's first parameter; NULL after
 * failing the context when the object is missing or the host lacks the
 * entry point. */
struct pv_device *pv_gen_device(struct pv_dispatcher *d, struct pv_object *first,
                                size_t pfn_offset);
struct pv_instance *pv_gen_instance(struct pv_dispatcher *d, struct pv_object *first,
                                    size_t pfn_offset);

/* Vulkan requires external synchronization of a VkQueue. */
void pv_gen_queue_lock(struct pv_object *queue);
void pv_gen_queue_unlock(struct pv_object *queue);

/* Bind `count` new host handles (each `handle_size` bytes) to the guest
 * ids, skipping null handles; nothing when `ret` is an error. */
void pv_gen_bind(struct pv_dispatcher *d, struct pv_device *dev, VkResult ret, VkObjectType type,
                 const uint64_t *ids, const void *handles, size_t handle_size, uint32_t count,
                 uint64_t parent);
/* vkGet*ProcAddr over a NULL-terminated list of names (promoted name
 * first, then aliases); the first hit wins. */
PFN_vkVoidFunction pv_gen_instance_proc(VkInstance instance, ...);
PFN_vkVoidFunction pv_gen_device_proc(VkDevice device, ...);

#endif
