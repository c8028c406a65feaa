/*
 * inflight.h — what a CPU device may still be executing with: the
 * device's submission numbering and marker fences (inflight.c); the
 * inflight guard (guards/inflight.c) uses them around releases.
 */
#ifndef PV_RENDERER_INFLIGHT_H
#define PV_RENDERER_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

/* Tracking for `dev` if it runs on the host CPU (0), else nothing (0);
 * -ENOMEM on failure. */
int pv_inflight_init(struct pv_device *dev);
/* Free the tracking; its fences too if the device is `idle` (an abandoned
 * device keeps them, as it keeps its other host objects). */
void pv_inflight_fini(struct pv_device *dev, bool idle);

/* The device extension a CPU device's host device needs for numbering its
 * submissions with a timeline semaphore (the guest below Vulkan 1.2), or
 * NULL. */
const char *pv_inflight_extension(const struct pv_physical_device *p);
/* Before creating a CPU device's host device: turn timeline semaphores on
 * where they can number its submissions (pv_inflight_extension), in
 * whichever place the guest put its features, else in `own` put at the
 * head of the chain.  `info` is our own copy, and may be changed. */
void pv_inflight_enable_timeline(const struct pv_physical_device *p, VkDeviceCreateInfo *info,
                                 VkPhysicalDeviceTimelineSemaphoreFeatures *own);

struct pv_queue;
/* After a successful submission on `q` that did not signal its number
 * (below): its number into *count, and an empty submission after it that
 * signals it (CPU devices only: dev->inflight set).  Takes q's lock. */
void pv_inflight_mark_submission(struct pv_device *dev, struct pv_queue *q, uint64_t *count);
/* A submission may signal its number itself: with the queue's lock held,
 * the semaphore and value the next submission on `dev` signals, true;
 * false where the device numbers them with markers instead (or is not a
 * CPU device).  After it succeeded, still under the lock,
 * pv_inflight_signaled(dev, value); after it failed, nothing. */
bool pv_inflight_next_signal(struct pv_device *dev, VkSemaphore *sem, uint64_t *value);
void pv_inflight_signaled(struct pv_device *dev, uint64_t value);

/* CPU devices: the number of the latest submission (0 on other devices,
 * or before any). */
uint64_t pv_inflight_submitted(const struct pv_device *dev);
/* Wait up to `timeout_ns` until submissions up to number `count` are done
 * (true at once on other devices); false on timeout. */
bool pv_inflight_wait(struct pv_device *dev, uint64_t count, uint64_t timeout_ns);
/* The guest waited for the whole device (vkDeviceWaitIdle succeeded). */
void pv_inflight_idle(struct pv_device *dev);

#endif
