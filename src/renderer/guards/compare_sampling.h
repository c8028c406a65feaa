/*
 * compare_sampling.h — samplers that compare are read only by depth-
 * reference instructions (compare_sampling.c).
 */
#ifndef PV_RENDERER_COMPARE_SAMPLING_H
#define PV_RENDERER_COMPARE_SAMPLING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

/* The (set, binding) pairs a pipeline's shaders sample without a depth
 * reference.  Shared, by count, between the pipeline and the command
 * buffers that bound it (a pipeline may be destroyed first). */
struct pv_plain_sampler {
   uint32_t set, binding;
};
struct pv_plain_samplers {
   atomic_uint refs;
   uint32_t count;
   struct pv_plain_sampler b[];
};

/* A list of the `count` pairs in b[], sorted, duplicates dropped, with one
 * reference; NULL when count is 0 or memory runs out. */
struct pv_plain_samplers *pv_plain_samplers_new(const struct pv_plain_sampler *b, uint32_t count);
struct pv_plain_samplers *pv_plain_samplers_ref(struct pv_plain_samplers *p);
void pv_plain_samplers_unref(struct pv_plain_samplers *p);

/* Before a command: a submission whose command buffers drew with a
 * comparing sampler in a binding their pipeline samples plainly, or a
 * draw that does so through push descriptors, fails the context. */
bool pv_compare_sampling_before(struct pv_dispatcher *d, uint32_t type, const void *args);
/* After a command that succeeded: samplers created, and what command
 * buffers bind, push, draw with and execute. */
void pv_compare_sampling_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                               const void *args);

/* Whether sampler `h` (a host handle; VK_NULL_HANDLE or unknown: no) was
 * created with compareEnable. */
bool pv_sampler_compares(struct pv_dispatcher *d, VkSampler h);

/* A command buffer's records, freed with it. */
void pv_cb_sampling_free(struct pv_vk_context *vk, struct pv_command_buffer *cb);

#endif
