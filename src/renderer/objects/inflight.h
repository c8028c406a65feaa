/*
 * inflight.h — objects a CPU device may still be executing with
 * (inflight.c).
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

/* What each command releases or starts (inflight.c), by command id; most
 * commands have no rule (what == 0) and pay one table read below. */
#define PV_INFLIGHT_MAX_COMMAND 512
struct pv_inflight_rule {
   int what;       /* enum release in inflight.c; 0: nothing */
   size_t device;  /* offset of the pv_object * that leads to the device */
   size_t object;  /* a command buffer's or pool's object, where one matters */
};
extern const struct pv_inflight_rule pv_inflight_rules[PV_INFLIGHT_MAX_COMMAND];

bool pv_inflight_before_check(struct pv_dispatcher *d, uint32_t type, const void *args);
void pv_inflight_after_check(struct pv_dispatcher *d, uint32_t type, const void *args);

/* Before command `type` runs: a command that frees or resets objects
 * waits until the work that may use them is done.  False (context
 * failed) when that work does not finish in time. */
static inline bool
pv_inflight_before(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   return type >= PV_INFLIGHT_MAX_COMMAND || !pv_inflight_rules[type].what ||
          pv_inflight_before_check(d, type, args);
}

/* After command `type` ran without failing the context: count the work a
 * submission started and mark the command buffers it uses. */
static inline void
pv_inflight_after(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   if (type < PV_INFLIGHT_MAX_COMMAND && pv_inflight_rules[type].what)
      pv_inflight_after_check(d, type, args);
}
/* CPU devices: the number of the latest submission (0 on other devices,
 * or before any). */
uint64_t pv_inflight_submitted(const struct pv_device *dev);
/* Wait up to `timeout_ns` until submissions up to number `count` are done
 * (true at once on other devices); false on timeout. */
bool pv_inflight_wait(struct pv_device *dev, uint64_t count, uint64_t timeout_ns);
/* The guest waited for the whole device (vkDeviceWaitIdle succeeded). */
void pv_inflight_idle(struct pv_device *dev);

#endif
