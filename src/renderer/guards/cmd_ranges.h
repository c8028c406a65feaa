/*
 * cmd_ranges.h — index ranges in recorded commands checked against the
 * device's limits before the driver sees them (cmd_ranges.c).
 */
#ifndef PV_RENDERER_CMD_RANGES_H
#define PV_RENDERER_CMD_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

#include "renderer/vk/dispatch.h"

/* The rule tables (cmd_ranges.c), indexed by command id. */
#define PV_RULES_MAX_COMMAND 512
struct range_rule;
struct query_rule;
extern const struct range_rule *const pv_range_rules[PV_RULES_MAX_COMMAND];
extern const struct query_rule *const pv_query_rules[PV_RULES_MAX_COMMAND];

/* The checks of a command that has a rule (pv_cmd_ranges_ok). */
bool pv_cmd_ranges_check(struct pv_dispatcher *d, uint32_t type, const void *args);

/* True if command `type`'s decoded arguments keep their ranges (first
 * index + count within the device limit the range indexes, queries within
 * their pool); otherwise the context is failed and false returned.
 * Commands without a rule pass at the cost of two table reads. */
static inline bool
pv_cmd_ranges_ok(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   if (type >= PV_RULES_MAX_COMMAND ||
       (!pv_range_rules[type] && !pv_query_rules[type] && type != PV_CMD_vkCmdSetVertexInputEXT))
      return true;
   return pv_cmd_ranges_check(d, type, args);
}

/* Queries [first, first + count) inside the pool (query.c); fails the
 * context if not.  A NULL pool passes (its command reports it). */
bool pv_query_range_ok(struct pv_dispatcher *d, const struct pv_object *pool, uint32_t first,
                       uint32_t count);
/* Bytes a query pool is charged against max_device_memory (query.c). */
uint64_t pv_query_pool_charged(const struct pv_object *pool);

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
