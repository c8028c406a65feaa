/*
 * descriptor_limits.h — how many descriptors each shader stage sees through
 * a set or pipeline layout, against the device's per-stage limits
 * (descriptor_limits.c).
 */
#ifndef PV_RENDERER_DESCRIPTOR_LIMITS_H
#define PV_RENDERER_DESCRIPTOR_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

struct pv_dispatcher;
struct pv_physical_device;

/* The classes the spec limits per stage (maxPerStageDescriptor*). */
enum pv_desc_class {
   PV_DC_SAMPLERS,
   PV_DC_UNIFORM_BUFFERS,
   PV_DC_STORAGE_BUFFERS,
   PV_DC_SAMPLED_IMAGES,
   PV_DC_STORAGE_IMAGES,
   PV_DC_INPUT_ATTACHMENTS,
   PV_DC_INLINE_BLOCKS, /* bindings, not bytes */
   PV_DC_COUNT
};

/* Stages by VkShaderStageFlagBits bit: vertex .. callable. */
#define PV_TALLY_STAGES 14

struct pv_stage_tally {
   uint64_t n[PV_TALLY_STAGES][PV_DC_COUNT];
   uint64_t total[PV_DC_COUNT]; /* every stage or none: the maxDescriptorSet* limits */
};

/* Binding numbers stay below this: drivers size a layout by its largest
 * binding number (lavapipe: about 100 bytes per number up to it, so one
 * binding numbered 100 million asked the host for 11 GB).  The spec sets no
 * bound; real layouts number their bindings from 0. */
#define PV_MAX_BINDING_NUMBER 65536u

/* The limits a layout is held to: [0] for descriptors of set layouts
 * without UPDATE_AFTER_BIND_POOL, [1] for all (the update-after-bind
 * limits); max_inline_block is maxInlineUniformBlockSize (0: none). */
struct pv_descriptor_limits {
   uint32_t per_stage[2][PV_DC_COUNT];
   uint32_t per_set[2][PV_DC_COUNT]; /* maxDescriptorSet*: all stages together */
   uint32_t max_inline_block;
};

/* Fills pdev's limits from the driver (pv_physical_device_init). */
void pv_descriptor_limits_query(struct pv_physical_device *pdev);

/* Counts one binding into t; false (context fatal) for a binding number
 * from PV_MAX_BINDING_NUMBER on, or an inline uniform block whose size the
 * device cannot hold. */
bool pv_tally_binding(struct pv_dispatcher *d, const struct pv_physical_device *pdev,
                      struct pv_stage_tally *t, const VkDescriptorSetLayoutBinding *b);

/* t += u. */
void pv_tally_add(struct pv_stage_tally *t, const struct pv_stage_tally *u);

/* True if every stage of t is within per_stage[which] and all of t within
 * per_set[which]; otherwise fails the context naming `what` and returns
 * false. */
bool pv_tally_ok(struct pv_dispatcher *d, const struct pv_physical_device *pdev,
                 const struct pv_stage_tally *t, unsigned which, const char *what);

#endif
