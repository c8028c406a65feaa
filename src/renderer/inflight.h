/*
 * inflight.h — objects a CPU device may still be executing with
 * (inflight.c).
 */
#ifndef PV_RENDERER_INFLIGHT_H
#define PV_RENDERER_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "renderer/dispatch.h"
#include "renderer/vk_objects.h"

/* Tracking for `dev` if it runs on the host CPU (0), else nothing (0);
 * -ENOMEM on failure. */
int pv_inflight_init(struct pv_device *dev);
/* Free the tracking; its fences too if the device is `idle` (an abandoned
 * device keeps them, as it keeps its other host objects). */
void pv_inflight_fini(struct pv_device *dev, bool idle);

/* Before command `type` runs: a command that frees or resets objects
 * waits until the work that may use them is done.  False (context
 * failed) when that work does not finish in time. */
bool pv_inflight_before(struct pv_dispatcher *d, uint32_t type, const void *args);
/* After command `type` ran without failing the context: count the work a
 * submission started and mark the command buffers it uses. */
void pv_inflight_after(struct pv_dispatcher *d, uint32_t type, const void *args);
/* The guest waited for the whole device (vkDeviceWaitIdle succeeded). */
void pv_inflight_idle(struct pv_device *dev);

#endif
