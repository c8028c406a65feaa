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

struct pv_queue;
/* After a successful submission on `q`: its number into *count, and a
 * marker queued after it (CPU devices only: dev->inflight set). */
void pv_inflight_mark_submission(struct pv_device *dev, struct pv_queue *q, uint64_t *count);

/* CPU devices: the number of the latest submission (0 on other devices,
 * or before any). */
uint64_t pv_inflight_submitted(const struct pv_device *dev);
/* Wait up to `timeout_ns` until submissions up to number `count` are done
 * (true at once on other devices); false on timeout. */
bool pv_inflight_wait(struct pv_device *dev, uint64_t count, uint64_t timeout_ns);
/* The guest waited for the whole device (vkDeviceWaitIdle succeeded). */
void pv_inflight_idle(struct pv_device *dev);

#endif
