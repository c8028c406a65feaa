/* semaphore.h — semaphores and releasing a device's waits (semaphore.c). */
#ifndef PV_RENDERER_SEMAPHORE_H
#define PV_RENDERER_SEMAPHORE_H

#include <stdbool.h>

#include "renderer/vk_objects.h"

struct pv_semaphore {
   struct pv_vk_object obj;
   bool timeline;
};

struct pv_vk_context;

/* Signal every timeline semaphore of `dev` as far as Vulkan allows, so
 * work and host waits gated on them can finish (teardown only). */
void pv_device_release_waits(struct pv_vk_context *vk, struct pv_device *dev);

#endif
