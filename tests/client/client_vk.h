/*
 * client_vk.h — the Vulkan entry points through our client that need a
 * guest driver's own logic (the mechanical ones are generated:
 * pv_client_vk_gen.h).  Set pv_cvk_client on the calling thread first.
 */
#ifndef PV_CLIENT_VK_H
#define PV_CLIENT_VK_H

#include "pv_client_vk_gen.h"

struct pv_vnc;

/* Make `c` the client of this thread's pv_cvk_* calls (a fresh one: its
 * timelines are numbered from 1 again). */
void pv_cvk_use(struct pv_vnc *c);

/* vkGetDeviceQueue as Mesa does it: vkGetDeviceQueue2 with a
 * VkDeviceQueueTimelineInfoMESA naming a fresh timeline (ring_idx 1, 2, …
 * in call order) and a new guest id for the queue. */
VKAPI_ATTR void VKAPI_CALL pv_cvk_vkGetDeviceQueue(VkDevice device, uint32_t family,
                                                    uint32_t index, VkQueue *pQueue);

#endif
