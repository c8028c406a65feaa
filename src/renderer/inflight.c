/*
 * inflight.c — freeing what a CPU device is still executing with.
 *
 * Vulkan forbids destroying, freeing or resetting an object while pending
 * GPU work uses it; a guest may do it anyway.  On a real GPU the damage
 * stays on the GPU.  On a device that runs on the host's CPU (lavapipe,
 * SwiftShader: VK_PHYSICAL_DEVICE_TYPE_CPU) the driver's queue thread
 * executes inside our process, and would read and write freed host memory.
 * So on those devices, a command that releases objects first waits until
 * every queue finished the work submitted so far.  Steady-state frames
 * destroy nothing, so this costs nothing there.  If the work does not end
 * (it waits on a value nobody signals), the context fails rather than
 * freeing under it.  Not covered: vkBeginCommandBuffer and
 * vkResetCommandBuffer on a command buffer that is still pending.
 */
#include "renderer/inflight.h"

#include <stddef.h>
#include <string.h>

#include "renderer/vk_objects.h"

/* Commands and where their device (or queue) object is in the arguments. */
struct inflight_rule {
   size_t owner;   /* offset of the pv_object * of the device or queue */
   bool submits;   /* starts work, rather than releasing objects */
};

#define RELEASES(cmd)                                                                    \
   [PV_CMD_##cmd] = &(const struct inflight_rule){ offsetof(struct pv_##cmd##_args, device_obj), false }
#define SUBMITS(cmd)                                                                     \
   [PV_CMD_##cmd] = &(const struct inflight_rule){ offsetof(struct pv_##cmd##_args, queue_obj), true }

#define MAX_COMMAND_ID 512
static const struct inflight_rule *const rules[MAX_COMMAND_ID] = {
   SUBMITS(vkQueueSubmit),
   SUBMITS(vkQueueSubmit2),
   SUBMITS(vkQueueBindSparse),
   RELEASES(vkDestroyBuffer),
   RELEASES(vkDestroyImage),
   RELEASES(vkDestroyBufferView),
   RELEASES(vkDestroyImageView),
   RELEASES(vkDestroySampler),
   RELEASES(vkDestroyPipeline),
   RELEASES(vkDestroyPipelineLayout),
   RELEASES(vkDestroyDescriptorSetLayout),
   RELEASES(vkDestroyDescriptorPool),
   RELEASES(vkResetDescriptorPool),
   RELEASES(vkFreeDescriptorSets),
   RELEASES(vkDestroyFramebuffer),
   RELEASES(vkDestroyRenderPass),
   RELEASES(vkDestroyCommandPool),
   RELEASES(vkResetCommandPool),
   RELEASES(vkTrimCommandPool),
   RELEASES(vkFreeCommandBuffers),
   RELEASES(vkFreeMemory),
   RELEASES(vkDestroyQueryPool),
   RELEASES(vkDestroyEvent),
   RELEASES(vkDestroyDescriptorUpdateTemplate),
   RELEASES(vkDestroySamplerYcbcrConversion),
   RELEASES(vkDestroyAccelerationStructureKHR),
};

/* How long released objects may wait for the work using them. */
#define INFLIGHT_TIMEOUT_NS 5000000000ull

bool
pv_inflight_before(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   const struct inflight_rule *r = type < MAX_COMMAND_ID ? rules[type] : NULL;
   if (!r)
      return true;
   struct pv_object *owner;
   memcpy(&owner, (const char *)args + r->owner, sizeof(owner));
   if (!owner)
      return true; /* the handler reports it */
   struct pv_device *dev = owner->type == VK_OBJECT_TYPE_DEVICE
                              ? (struct pv_device *)owner
                              : ((struct pv_vk_object *)owner)->device;
   if (!dev || !dev->runs_on_host_cpu)
      return true;
   if (r->submits) {
      atomic_fetch_add(&dev->submits, 1);
      return true;
   }
   if (atomic_load(&dev->submits) == atomic_load(&dev->idle_at) ||
       pv_inflight_wait_idle(dev, INFLIGHT_TIMEOUT_NS))
      return true;
   pv_dispatch_fail(d, "releases objects while submitted work that never finishes may use them");
   return false;
}

bool
pv_inflight_wait_idle(struct pv_device *dev, uint64_t timeout_ns)
{
   uint64_t submitted = atomic_load(&dev->submits);
   if (!pv_device_wait_idle(dev, timeout_ns))
      return false;
   atomic_store(&dev->idle_at, submitted);
   return true;
}
