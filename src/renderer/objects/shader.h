/*
 * shader.h — the gate every guest SPIR-V module passes before a host
 * driver compiles it (shader.c).
 */
#ifndef PV_RENDERER_SHADER_H
#define PV_RENDERER_SHADER_H

#include <stdbool.h>
#include <vulkan/vulkan_core.h>

#include "renderer/vk/dispatch.h"
#include "renderer/spirv/spirv_limits.h"
#include "renderer/vk/vk_objects.h"

/* True if the module in `info` is valid SPIR-V within `dev`'s limits;
 * otherwise false, with the reason logged.  The context stays alive: the
 * command that carried the module fails instead. */
bool pv_shader_code_ok(struct pv_dispatcher *d, struct pv_device *dev,
                       const VkShaderModuleCreateInfo *info);

/* A module remembers the descriptor bindings its code uses, for the
 * pipelines made from it (one allocation: the generic destroy frees it). */
struct pv_shader_module {
   struct pv_vk_object obj;
   uint32_t resource_count;
   struct pv_spirv_resource resources[];
};

#endif
