/*
 * plain_samplers.h — the (set, binding) pairs a pipeline's shaders sample
 * without a depth reference (found by spirv_resources.c, kept per pipeline
 * by pipeline.c, read by the compare_sampling guard).
 */
#ifndef PV_RENDERER_PLAIN_SAMPLERS_H
#define PV_RENDERER_PLAIN_SAMPLERS_H

#include <stdatomic.h>
#include <stdint.h>

/* One pipeline's list, shared by count between the pipeline and the
 * command buffers that bound it (a pipeline may be destroyed first). */
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

#endif /* PV_RENDERER_PLAIN_SAMPLERS_H */
