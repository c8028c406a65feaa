/*
 * spirv_limits.h — what a guest's SPIR-V must keep that spirv-val cannot
 * check: device limits (interface locations, distance arrays, workgroup
 * sizes; spirv_limits.c) and the bindings its pipeline layout declares
 * (spirv_resources.c lists them).
 */
#ifndef PV_RENDERER_SPIRV_LIMITS_H
#define PV_RENDERER_SPIRV_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

/* True if the module, which must already have passed spirv-val, keeps
 * `limits`; otherwise false with the first violation written to `why`. */
bool pv_spirv_within_limits(const uint32_t *code, size_t bytes, const VkPhysicalDeviceLimits *limits,
                            char *why, size_t why_size);

/* The descriptor (set, binding) pairs a module's variables are decorated
 * with, each with the VkShaderStageFlags of the entry points that
 * statically use it (0: none does) and of those that sample through it
 * without a depth reference, in a malloc'ed array (free() it); -ENOMEM on
 * failure. */
struct pv_spirv_resource {
   uint32_t set, binding;
   uint32_t stages;
   uint32_t plain_sampling;
};
int pv_spirv_resources(const uint32_t *code, size_t bytes, struct pv_spirv_resource **out,
                       uint32_t *count);

#endif
