/*
 * spirv_limits.h — device limits a guest's SPIR-V must keep that spirv-val
 * cannot check (interface locations, distance arrays, workgroup sizes).
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

#endif
