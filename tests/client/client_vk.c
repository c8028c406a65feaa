/* client_vk.c — see client_vk.h. */
#include "client_vk.h"

#include "tests/client/venus_client.h"

/* Timelines handed out on this thread's client (ring_idx 0 is the CPU's). */
static _Thread_local uint32_t timelines_used;

void
pv_cvk_use(struct pv_vnc *c)
{
   pv_cvk_client = c;
   timelines_used = 0;
}

VKAPI_ATTR void VKAPI_CALL
pv_cvk_vkGetDeviceQueue(VkDevice device, uint32_t family, uint32_t index, VkQueue *pQueue)
{
   struct pv_vnc *c = pv_cvk_client;
   VkDeviceQueueTimelineInfoMESA timeline = {
      .sType = (VkStructureType)1000384005, /* VK_STRUCTURE_TYPE_DEVICE_QUEUE_TIMELINE_INFO_MESA */
      .ringIdx = ++timelines_used,
   };
   VkDeviceQueueInfo2 info = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_INFO_2, .pNext = &timeline,
                               .queueFamilyIndex = family, .queueIndex = index };
   uint64_t id = pv_vnc_new_id(c);
   *pQueue = (VkQueue)(uintptr_t)id;
   struct pv_vkGetDeviceQueue2_args a = { .device = device, .pQueueInfo = &info, .pQueue = pQueue,
                                          .pQueue_ids = &id, .pQueue_count = 1 };
   if (pv_vnc_call(c, PV_CMD_vkGetDeviceQueue2, &a))
      *pQueue = VK_NULL_HANDLE;
}
