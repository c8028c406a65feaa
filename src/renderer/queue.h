/* queue.h — binding guest queues to fence timelines (queue.c). */
#ifndef PV_RENDERER_QUEUE_H
#define PV_RENDERER_QUEUE_H

#include <stdint.h>

struct pv_queue;
struct pv_context;

/* Bind timeline `ring_idx` to the queue: fences on it retire when the
 * queue has finished the work submitted before them.  -EBUSY if bound. */
int pv_queue_bind_timeline(struct pv_queue *q, struct pv_context *ctx, uint32_t ring_idx);
/* Retire what is pending (call after the device went idle), stop the
 * retire thread and free the timeline for reuse (§14 N26). */
void pv_queue_unbind_timeline(struct pv_queue *q, struct pv_context *ctx);
/* The same for a device that never goes idle: stop waiting for its fences
 * (they leak with it). */
void pv_queue_abandon_timeline(struct pv_queue *q, struct pv_context *ctx);

#endif
