/*
 * e2e_compute.h — the compute kernel the end-to-end suites run through a
 * guest (tests/e2e/shaders/compute.comp): out[i] = a[i] * mul + (b[i] ^
 * xor_mask), then `spin` rounds of an LCG, over E2E_N uint32 elements in
 * three storage buffers.  Pipeline, descriptor sets, recording, submit
 * and fence wait as Mesa sends them, and the host-side expected values,
 * so a result is checked bit for bit.
 */
#ifndef PV_E2E_COMPUTE_H
#define PV_E2E_COMPUTE_H

#include "tests/e2e/e2e.h"

#define E2E_N 65536u
#define E2E_BYTES ((VkDeviceSize)E2E_N * 4)

struct e2e_push {
   uint32_t n, mul, xor_mask, spin;
};

/* The pipeline and what it binds. */
struct e2e_compute {
   uint64_t module, set_layout, layout, pipeline, pool, sets[2];
};

/* What the shader computes for one element. */
uint32_t e2e_expected(uint32_t a, uint32_t b, const struct e2e_push *p);
/* E2E_N pseudo-random words from `seed`. */
void e2e_fill(uint32_t *dst, uint32_t seed);
/* How many elements of `out` differ from e2e_expected. */
uint32_t e2e_mismatches(const uint32_t *a, const uint32_t *b, const uint32_t *out,
                        const struct e2e_push *p);

/* Pipeline, layouts, pool and two descriptor sets (-1 without shaders). */
int e2e_compute_create(struct e2e_dev *d, struct e2e_compute *k);
void e2e_compute_destroy(struct e2e_dev *d, struct e2e_compute *k);
/* Point set `set` at buffers a, b (inputs) and out. */
int e2e_bind_set(struct e2e_dev *d, struct e2e_compute *k, int set, const struct e2e_buffer *a,
                 const struct e2e_buffer *b, const struct e2e_buffer *out);
/* A command buffer: one dispatch over E2E_N with set `set`, then a barrier
 * that makes the writes visible to the host. */
int e2e_record(struct e2e_dev *d, struct e2e_compute *k, int set, const struct e2e_push *p,
               struct e2e_cmd *cb);
int e2e_create_fence(struct e2e_dev *d, uint64_t *fence);
void e2e_destroy_fence(struct e2e_dev *d, uint64_t fence);
/* vkQueueSubmit of one command buffer on queue `queue`; with sem != 0 a
 * timeline wait (wait != 0) and/or signal (signal != 0). */
int e2e_submit(struct e2e_dev *d, uint32_t queue, const struct e2e_cmd *cb, uint64_t sem,
               uint64_t wait, uint64_t signal, uint64_t fence);
/* vkWaitForFences (a synchronous call); *ms gets how long it took. */
VkResult e2e_wait_fence(struct e2e_dev *d, uint64_t fence, uint64_t timeout_ns, double *ms);

#endif /* PV_E2E_COMPUTE_H */
