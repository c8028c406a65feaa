/*
 * cmd_ranges.c — "first + count ≤ device limit" for the vkCmd* commands
 * that name slots of fixed-size driver state.
 *
 * Drivers keep viewports, vertex bindings, descriptor-set slots, push
 * constants and color attachments in arrays sized by their limits, and
 * index them with the command's numbers as valid usage promises.  Lavapipe
 * records those numbers and writes the arrays when it executes the
 * command buffer, on its own thread, where an out-of-range index corrupts
 * the host's heap.  The rules are data: one line per command, naming its
 * argument fields and the limit they index.  Query numbers are checked the
 * same way against their pool's size (query.c keeps it).
 */
#include "renderer/guards/cmd_ranges.h"

#include <stddef.h>
#include <string.h>

#include "renderer/objects/query.h"
#include "renderer/vk/vk_objects.h"

/* The rule tables below are indexed by command id. */
#define RULES_MAX_COMMAND 512

enum limit {
   LIMIT_VIEWPORTS = 1,
   LIMIT_VERTEX_BINDINGS,
   LIMIT_BOUND_SETS,
   LIMIT_PUSH_CONSTANT_BYTES,
   LIMIT_COLOR_ATTACHMENTS,
   LIMIT_XFB_BUFFERS,
   LIMIT_XFB_STREAMS,
};

#define NO_FIELD SIZE_MAX

struct range_rule {
   const char *first_name, *count_name;
   size_t cmd_obj, first, count; /* offsets in the argument struct; first may be NO_FIELD */
   enum limit limit;
};

/* A rule for command `cmd`: its command buffer, the first index (or none)
 * and the count (or a constant 1 when `count` is NO_FIELD). */
#define RULE(cmd, first_field, count_field, lim)                                        \
   [PV_CMD_##cmd] = &(const struct range_rule){ #first_field, #count_field,            \
      offsetof(struct pv_##cmd##_args, commandBuffer_obj),                             \
      offsetof(struct pv_##cmd##_args, first_field),                                    \
      offsetof(struct pv_##cmd##_args, count_field), lim }
#define RULE_COUNT(cmd, count_field, lim)                                               \
   [PV_CMD_##cmd] = &(const struct range_rule){ "", #count_field,                        \
      offsetof(struct pv_##cmd##_args, commandBuffer_obj), NO_FIELD,                   \
      offsetof(struct pv_##cmd##_args, count_field), lim }
#define RULE_INDEX(cmd, index_field, lim)                                               \
   [PV_CMD_##cmd] = &(const struct range_rule){ #index_field, "",                        \
      offsetof(struct pv_##cmd##_args, commandBuffer_obj),                             \
      offsetof(struct pv_##cmd##_args, index_field), NO_FIELD, lim }

static const struct range_rule *const range_rules[RULES_MAX_COMMAND] = {
   RULE(vkCmdSetViewport, firstViewport, viewportCount, LIMIT_VIEWPORTS),
   RULE(vkCmdSetScissor, firstScissor, scissorCount, LIMIT_VIEWPORTS),
   RULE_COUNT(vkCmdSetViewportWithCount, viewportCount, LIMIT_VIEWPORTS),
   RULE_COUNT(vkCmdSetScissorWithCount, scissorCount, LIMIT_VIEWPORTS),
   RULE(vkCmdBindVertexBuffers, firstBinding, bindingCount, LIMIT_VERTEX_BINDINGS),
   RULE(vkCmdBindVertexBuffers2, firstBinding, bindingCount, LIMIT_VERTEX_BINDINGS),
   RULE(vkCmdBindDescriptorSets, firstSet, descriptorSetCount, LIMIT_BOUND_SETS),
   RULE(vkCmdPushConstants, offset, size, LIMIT_PUSH_CONSTANT_BYTES),
   RULE_COUNT(vkCmdSetColorWriteEnableEXT, attachmentCount, LIMIT_COLOR_ATTACHMENTS),
   RULE(vkCmdSetColorBlendEnableEXT, firstAttachment, attachmentCount, LIMIT_COLOR_ATTACHMENTS),
   RULE(vkCmdSetColorBlendEquationEXT, firstAttachment, attachmentCount,
        LIMIT_COLOR_ATTACHMENTS),
   RULE(vkCmdSetColorWriteMaskEXT, firstAttachment, attachmentCount, LIMIT_COLOR_ATTACHMENTS),
   RULE(vkCmdSetColorBlendAdvancedEXT, firstAttachment, attachmentCount,
        LIMIT_COLOR_ATTACHMENTS),
   RULE(vkCmdBindTransformFeedbackBuffersEXT, firstBinding, bindingCount, LIMIT_XFB_BUFFERS),
   RULE(vkCmdBeginTransformFeedbackEXT, firstCounterBuffer, counterBufferCount,
        LIMIT_XFB_BUFFERS),
   RULE(vkCmdEndTransformFeedbackEXT, firstCounterBuffer, counterBufferCount, LIMIT_XFB_BUFFERS),
   RULE_INDEX(vkCmdBeginQueryIndexedEXT, index, LIMIT_XFB_STREAMS),
   RULE_INDEX(vkCmdEndQueryIndexedEXT, index, LIMIT_XFB_STREAMS),
};

/* Commands naming queries of a pool: the pool, the first query and the
 * count (NO_FIELD: one query). */
struct query_rule {
   size_t pool_obj, first, count;
};
#define QUERIES(cmd, first_field, count_field)                                         \
   [PV_CMD_##cmd] = &(const struct query_rule){ offsetof(struct pv_##cmd##_args, queryPool_obj), \
      offsetof(struct pv_##cmd##_args, first_field), offsetof(struct pv_##cmd##_args, count_field) }
#define QUERY(cmd, field)                                                              \
   [PV_CMD_##cmd] = &(const struct query_rule){ offsetof(struct pv_##cmd##_args, queryPool_obj), \
      offsetof(struct pv_##cmd##_args, field), NO_FIELD }

static const struct query_rule *const query_rules[RULES_MAX_COMMAND] = {
   QUERY(vkCmdBeginQuery, query),
   QUERY(vkCmdEndQuery, query),
   QUERY(vkCmdBeginQueryIndexedEXT, query),
   QUERY(vkCmdEndQueryIndexedEXT, query),
   QUERY(vkCmdWriteTimestamp, query),
   QUERY(vkCmdWriteTimestamp2, query),
   QUERIES(vkCmdResetQueryPool, firstQuery, queryCount),
   QUERIES(vkCmdCopyQueryPoolResults, firstQuery, queryCount),
   QUERIES(vkGetQueryPoolResults, firstQuery, queryCount),
   QUERIES(vkResetQueryPool, firstQuery, queryCount),
};

static uint32_t
limit_value(const struct pv_physical_device *pdev, enum limit l)
{
   const VkPhysicalDeviceLimits *lim = &pdev->props.limits;
   switch (l) {
   case LIMIT_VIEWPORTS: return lim->maxViewports;
   case LIMIT_VERTEX_BINDINGS: return lim->maxVertexInputBindings;
   case LIMIT_BOUND_SETS: return lim->maxBoundDescriptorSets;
   case LIMIT_PUSH_CONSTANT_BYTES: return lim->maxPushConstantsSize;
   case LIMIT_COLOR_ATTACHMENTS: return lim->maxColorAttachments;
   case LIMIT_XFB_BUFFERS: return pdev->max_xfb_buffers;
   case LIMIT_XFB_STREAMS: return pdev->max_xfb_streams;
   }
   return 0;
}

static uint32_t
field(const void *args, size_t offset)
{
   uint32_t v;
   memcpy(&v, (const char *)args + offset, sizeof(v));
   return v;
}

static bool
indices_below(struct pv_dispatcher *d, const void *array, uint32_t n, size_t stride, size_t at,
              uint32_t limit, const char *what)
{
   for (uint32_t i = 0; array && i < n; i++) {
      uint32_t v = field((const char *)array + (size_t)i * stride, at);
      if (v >= limit) {
         pv_dispatch_fail(d, "%s %u (element %u) is not below the device's limit of %u", what,
                          v, i, limit);
         return false;
      }
   }
   return true;
}

bool
pv_vertex_input_ok(struct pv_dispatcher *d, const VkPhysicalDeviceLimits *limits,
                   const struct pv_vertex_input *in)
{
   if (in->binding_count > limits->maxVertexInputBindings ||
       in->attribute_count > limits->maxVertexInputAttributes) {
      pv_dispatch_fail(d, "%u vertex bindings / %u attributes exceed the device's %u / %u",
                       in->binding_count, in->attribute_count, limits->maxVertexInputBindings,
                       limits->maxVertexInputAttributes);
      return false;
   }
   return indices_below(d, in->bindings, in->binding_count, in->binding_stride, in->binding_at,
                        limits->maxVertexInputBindings, "vertex binding") &&
          indices_below(d, in->attributes, in->attribute_count, in->attribute_stride,
                        in->location_at, limits->maxVertexInputAttributes, "attribute location") &&
          indices_below(d, in->attributes, in->attribute_count, in->attribute_stride,
                        in->attribute_binding_at, limits->maxVertexInputBindings,
                        "attribute binding");
}

static bool
set_vertex_input_ok(struct pv_dispatcher *d, const struct pv_vkCmdSetVertexInputEXT_args *a)
{
   const struct pv_vk_object *cmd = (const struct pv_vk_object *)a->commandBuffer_obj;
   if (!cmd || !cmd->device)
      return true;
   struct pv_vertex_input in = {
      a->pVertexBindingDescriptions, a->vertexBindingDescriptionCount,
      sizeof(VkVertexInputBindingDescription2EXT),
      offsetof(VkVertexInputBindingDescription2EXT, binding),
      a->pVertexAttributeDescriptions, a->vertexAttributeDescriptionCount,
      sizeof(VkVertexInputAttributeDescription2EXT),
      offsetof(VkVertexInputAttributeDescription2EXT, location),
      offsetof(VkVertexInputAttributeDescription2EXT, binding) };
   return pv_vertex_input_ok(d, &cmd->device->pdev->props.limits, &in);
}

static bool
queries_ok(struct pv_dispatcher *d, const struct query_rule *q, const void *args)
{
   struct pv_object *pool;
   memcpy(&pool, (const char *)args + q->pool_obj, sizeof(pool));
   return pv_query_range_ok(d, pool, field(args, q->first),
                            q->count == NO_FIELD ? 1 : field(args, q->count));
}

static unsigned
ranges_watch(uint32_t id)
{
   bool ruled = id == PV_CMD_vkCmdSetVertexInputEXT ||
                (id < RULES_MAX_COMMAND && (range_rules[id] || query_rules[id]));
   return ruled ? PV_GUARD_BEFORE : 0;
}

static bool
ranges_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   uint32_t type = info->id;
   if (type == PV_CMD_vkCmdSetVertexInputEXT)
      return set_vertex_input_ok(d, args);
   if (query_rules[type] && !queries_ok(d, query_rules[type], args))
      return false;
   const struct range_rule *r = range_rules[type];
   if (!r)
      return true;
   struct pv_object *cmd;
   memcpy(&cmd, (const char *)args + r->cmd_obj, sizeof(cmd));
   struct pv_device *dev = cmd ? ((struct pv_vk_object *)cmd)->device : NULL;
   if (!dev)
      return true; /* the handler reports the missing command buffer */
   uint32_t first = r->first == NO_FIELD ? 0 : field(args, r->first);
   uint32_t count = r->count == NO_FIELD ? 1 : field(args, r->count);
   uint32_t limit = limit_value(dev->pdev, r->limit);
   if (first <= limit && count <= limit - first)
      return true;
   pv_dispatch_fail(d, "%s %u + %s %u exceeds the device's limit of %u", r->first_name, first,
                    r->count_name, count, limit);
   return false;
}

const struct pv_guard pv_guard_ranges = {
   .name = "ranges",
   .file = "guards/cmd_ranges.c",
   .what = "slots of fixed-size driver state (viewports, vertex bindings, set slots, push "
           "constants, attachments, transform feedback) and queries within their limits",
   .watches = ranges_watch,
   .before = ranges_before,
};
