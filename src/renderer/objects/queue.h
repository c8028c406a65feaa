/* queue.h — binding guest queues to fence timelines (queue.c). */
#ifndef PV_RENDERER_QUEUE_H
#define PV_RENDERER_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

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

/* Call fn on each command buffer a submission names, in order, while it
 * returns true; false if it returned false.  `type` is the command id and
 * `args` its decoded arguments: vkQueueSubmit and vkQueueSubmit2 name
 * command buffers, other commands none. */
bool pv_queue_each_submitted(uint32_t type, const void *args,
                             bool (*fn)(void *user, VkCommandBuffer cb), void *user);

#endif
