/*
 * inflight.h — objects the host CPU may still be executing with (inflight.c).
 */
#ifndef PV_RENDERER_INFLIGHT_H
#define PV_RENDERER_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "renderer/dispatch.h"

/* Before command `type` runs: note GPU work it starts, or, for a command
 * that frees or resets what such work may use, wait until the device's
 * work is done.  False (context failed) when that work does not finish. */
bool pv_inflight_before(struct pv_dispatcher *d, uint32_t type, const void *args);
/* Wait for `dev`'s work like vkDeviceWaitIdle, with a deadline; on success
 * what was submitted before the call is known done. */
bool pv_inflight_wait_idle(struct pv_device *dev, uint64_t timeout_ns);

#endif
