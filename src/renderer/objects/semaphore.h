/* semaphore.h — semaphores and releasing a device's waits (semaphore.c). */
#ifndef PV_RENDERER_SEMAPHORE_H
#define PV_RENDERER_SEMAPHORE_H

#include <stdbool.h>

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

/* What we know of a semaphore's signal operations (semaphore.c), under
 * the context's semaphore_lock. */
struct pv_semaphore {
   struct pv_vk_object obj;
   bool timeline;
   /* Timeline: the highest value that submitted signal operations able to
    * run (their batch waits for nothing unsignaled) or host signals bring
    * it to. */
   uint64_t reachable;
   /* Binary: a submitted signal operation no submitted wait consumed yet
    * (the spec's "signaled or pending signal"); the timeline values work
    * on its queue up to it waited for, not reached then; and on CPU
    * devices the number of its submission (inflight.c). */
   bool signal_pending;
   struct pv_semaphore_gate *gates;
   uint32_t gate_count;
   uint64_t submission;
};

/* Free what a semaphore owns beside itself (its gates). */
void pv_semaphore_fini(struct pv_semaphore *s);
/* Free what a queue's tracking owns. */
void pv_semaphore_queue_fini(struct pv_queue *q);

struct pv_vk_context;

/* Signal every timeline semaphore of `dev` as far as Vulkan allows, so
 * work and host waits gated on them can finish (teardown only). */
void pv_device_release_waits(struct pv_vk_context *vk, struct pv_device *dev);

/* Run wait(user, slice) in slices of at most 100 ms until it returns
 * something other than VK_TIMEOUT or `timeout_ns` passed (then
 * VK_TIMEOUT).  A fatal context or a ring told to stop (its client left)
 * ends it with VK_ERROR_DEVICE_LOST: guest waits run on the ring's thread,
 * and work that never ends must not keep it. */
VkResult pv_wait_sliced(struct pv_dispatcher *d, uint64_t timeout_ns,
                        VkResult (*wait)(void *user, uint64_t slice_ns), void *user);

/* The semaphores guard's work (guards/semaphores.c runs these around the
 * commands it watches).
 * Before vkQueueSubmit, vkQueueSubmit2 or vkQueueBindSparse: every
 * binary semaphore a batch waits on has a signal submitted before it (by
 * an earlier submission or an earlier batch), which the wait consumes;
 * the batch's signals make theirs pending.  If such a signal's batch
 * waits for timeline values not yet reachable, wait (abandonably) until
 * they are.  Before vkSignalSemaphore, note the value.  False after
 * failing the context; true for every other command. */
bool pv_semaphore_before(struct pv_dispatcher *d, uint32_t type, const void *args);
/* After a submission that succeeded: on CPU devices, the number of the
 * submission that brings each binary signal. */
void pv_semaphore_after(struct pv_dispatcher *d, uint32_t type, const void *args);

#endif
