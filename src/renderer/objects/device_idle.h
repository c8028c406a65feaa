/*
 * device_idle.h — a device's or a queue's work, waited for with a timeout
 * (device_idle.c).
 */
#ifndef PV_RENDERER_DEVICE_IDLE_H
#define PV_RENDERER_DEVICE_IDLE_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

struct pv_device;
struct pv_queue;

/* One wait: a fence queued on each queue waited for. */
struct pv_idle_wait {
   struct pv_device *dev;
   VkFence *fences;
   uint32_t n;
};

/* Queue a fence behind everything given so far to `only` (every queue of
 * `dev` if NULL).  False if none could be queued; pv_idle_end() follows
 * either way. */
bool pv_idle_begin(struct pv_idle_wait *w, struct pv_device *dev, struct pv_queue *only);
/* Wait up to `slice_ns` for the queued fences (`user` is the wait): a
 * pv_wait_sliced slice function.  VK_SUCCESS when all signaled. */
VkResult pv_idle_wait_slice(void *user, uint64_t slice_ns);
/* Done waiting.  Fences still queued (`done` false) are kept, and go once
 * a later wait finds them signaled or the device is destroyed. */
void pv_idle_end(struct pv_idle_wait *w, bool done);

#endif /* PV_RENDERER_DEVICE_IDLE_H */
