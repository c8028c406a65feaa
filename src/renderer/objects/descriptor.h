/* descriptor.h — what descriptor.c remembers of layouts and sets. */
#ifndef PV_RENDERER_DESCRIPTOR_H
#define PV_RENDERER_DESCRIPTOR_H

#include <stdbool.h>

#include "renderer/vk/vk_objects.h"

struct pv_binding {
   uint32_t binding, type, count;
   uint32_t stages;   /* stageFlags: which shader stages may use it */
   uint8_t immutable; /* PV_IMMUTABLE_* */
};
#define PV_IMMUTABLE_SAMPLERS 1 /* writes leave its samplers alone */
#define PV_IMMUTABLE_COMPARE 2  /* and one of them compares */

/* Both end in their bindings, sorted by binding number, in one allocation
 * (the generic destroy path frees objects with free()). */
struct pv_set_layout {
   struct pv_vk_object obj;
   bool update_after_bind;      /* UPDATE_AFTER_BIND_POOL: the looser limits */
   struct pv_stage_tally tally; /* descriptors per stage (descriptor_limits.h) */
   uint32_t count;
   struct pv_binding b[];
};

/* A set also keeps, per dynamic buffer descriptor (in binding, then
 * element order: the order of dynamic offsets), how far a dynamic offset
 * may move its range before it leaves the buffer (PV_SLACK_UNKNOWN until
 * written).  dyn_slack points into the same allocation, after b[]. */
#define PV_SLACK_UNKNOWN UINT64_MAX
struct pv_descriptor_set {
   struct pv_vk_object obj; /* parent: the pool */
   uint64_t charged;        /* against max_device_memory (descriptor.c) */
   uint32_t count;
   uint32_t dyn_count;
   uint64_t *dyn_slack;
   /* Which descriptors (in binding, then element order) hold a sampler
    * that compares, one bit each, and how many; NULL when no binding can
    * hold a sampler.  In the same allocation. */
   uint8_t *compare;
   uint32_t compare_count;
   struct pv_binding b[];
};

/* Element `element` of binding `binding` in sorted bindings bs[0..n),
 * rolled over into the following bindings as writes roll over: its
 * binding index (n if it lies past them) and element there. */
void pv_binding_locate(const struct pv_binding *bs, uint32_t n, uint32_t binding, uint32_t element,
                       uint32_t *bi, uint32_t *el);

/* Whether any descriptor of `binding` in set `s` holds a sampler that
 * compares (compare_sampling.c). */
bool pv_descriptor_set_compares(const struct pv_descriptor_set *s, uint32_t binding);

/* A pipeline layout keeps a copy of its sets' bindings (set layouts may be
 * destroyed first), for checking the shaders of its pipelines. */
struct pv_layout_set {
   uint32_t first, count; /* into b[] */
   bool present;          /* VK_NULL_HANDLE with independent sets */
};
struct pv_pipeline_layout {
   struct pv_vk_object obj;
   uint32_t set_count;
   struct pv_layout_set *sets; /* in the same allocation */
   struct pv_binding *b;       /* each set's bindings, sorted */
};

/* Whether sampler `h` (a host handle; VK_NULL_HANDLE or unknown: no) was
 * created with compareEnable (noted by the compare_sampling guard). */
bool pv_sampler_compares(struct pv_dispatcher *d, VkSampler h);

#endif
