/*
 * cmd_ranges.h — the ranges guard (pv_guard_ranges, guards.h): index
 * ranges in recorded commands checked against the device's limits before
 * the driver sees them (cmd_ranges.c); and the vertex-input check it
 * shares with the pipeline_state guard.
 */
#ifndef PV_RENDERER_CMD_RANGES_H
#define PV_RENDERER_CMD_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

#include "renderer/guards/guards.h"
#include "renderer/vk/dispatch.h"

/* Vertex input bindings and attribute locations within the device's limits
 * (pipelines and vkCmdSetVertexInputEXT); fails the context if not.  The
 * two description layouts differ, so each array comes with its stride and
 * the offsets of its fields. */
struct pv_vertex_input {
   const void *bindings;
   uint32_t binding_count;
   size_t binding_stride, binding_at;
   const void *attributes;
   uint32_t attribute_count;
   size_t attribute_stride, location_at, attribute_binding_at;
};
bool pv_vertex_input_ok(struct pv_dispatcher *d, const VkPhysicalDeviceLimits *limits,
                        const struct pv_vertex_input *in);

#endif
