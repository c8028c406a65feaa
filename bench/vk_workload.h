/*
 * vk_workload.h — Vulkan work written once and run natively or through
 * pv-venus: a table of entry points (struct pv_vkt) filled with the host's own
 * or with our client's (tests/client/client_vk.h), a compute device, mapped
 * host-visible buffers and a saxpy pipeline.  Used by `pv-venus bench
 * vulkan` and the load test.
 */
#ifndef PV_VK_WORKLOAD_H
#define PV_VK_WORKLOAD_H

#include <stdint.h>
#include <vulkan/vulkan_core.h>

#include "tests/client/venus_client.h"

#define VKT_FUNCS(X)                                                           \
   X(CreateInstance) X(DestroyInstance) X(EnumeratePhysicalDevices)            \
   X(GetPhysicalDeviceMemoryProperties) X(GetPhysicalDeviceQueueFamilyProperties) \
   X(CreateDevice) VKT_DEVICE_FUNCS(X)

/* Device-level entry points: natively loaded with vkGetDeviceProcAddr once
 * the device exists, as the server's dispatch tables are, so neither side
 * pays the loader's trampoline. */
#define VKT_DEVICE_FUNCS(X)                                                    \
   X(DestroyDevice) X(GetDeviceQueue) X(CreateBuffer)                          \
   X(DestroyBuffer) X(GetBufferMemoryRequirements) X(AllocateMemory)           \
   X(FreeMemory) X(BindBufferMemory) X(CreateShaderModule)                     \
   X(DestroyShaderModule) X(CreateDescriptorSetLayout)                         \
   X(DestroyDescriptorSetLayout) X(CreatePipelineLayout)                       \
   X(DestroyPipelineLayout) X(CreateComputePipelines) X(DestroyPipeline)       \
   X(CreateDescriptorPool) X(DestroyDescriptorPool) X(AllocateDescriptorSets)  \
   X(UpdateDescriptorSets) X(CreateCommandPool) X(DestroyCommandPool)          \
   X(AllocateCommandBuffers) X(ResetCommandPool) X(BeginCommandBuffer)         \
   X(EndCommandBuffer) X(CmdBindPipeline) X(CmdBindDescriptorSets)             \
   X(CmdPushConstants) X(CmdDispatch) X(CmdPipelineBarrier) X(CreateFence)     \
   X(DestroyFence) X(ResetFences) X(QueueSubmit) X(WaitForFences)              \
   X(GetFenceStatus)

/* Where a native buffer's memory comes from (pv_vkt.memory).  The imports
 * need VK_EXT_external_memory_host, which pv_vkt.extension must name. */
enum pv_wl_memory {
   PV_WL_MEMORY_DRIVER, /* the driver's own HOST_VISIBLE|COHERENT allocation */
   PV_WL_MEMORY_SHARED, /* shared memory mapped and imported, as the server does */
   PV_WL_MEMORY_HUGE,   /* private memory asked for on huge pages, imported */
};

struct pv_vkt {
#define VKT_MEMBER(n) PFN_vk##n n;
   VKT_FUNCS(VKT_MEMBER)
#undef VKT_MEMBER
   struct pv_vnc *client; /* NULL: native */
   const char *name;
   bool robust;           /* devices get robustBufferAccess, as the server forces */
   /* Natively: a device extension to enable where the device has it
    * (pv_wl_gpu.has_extension says whether); NULL: none. */
   const char *extension;
   enum pv_wl_memory memory; /* natively: where buffers' memory comes from */
};

/* Native entry points (the instance-level ones from the loader; the device
 * level ones are reloaded with vkGetDeviceProcAddr when the device is made). */
void pv_wl_native(struct pv_vkt *t);
/* Entry points through client `c`, which becomes this thread's client. */
void pv_wl_through(struct pv_vkt *t, struct pv_vnc *c);

/* Host-visible memory: vkMapMemory natively, a blob through us. */
struct pv_wl_mapping {
   void *ptr;
   struct pv_vnc_mapping blob;
};

int pv_wl_map(struct pv_vkt *t, VkDevice dev, VkDeviceMemory mem, VkDeviceSize size,
               struct pv_wl_mapping *m);
void pv_wl_unmap(struct pv_vkt *t, VkDevice dev, VkDeviceMemory mem, struct pv_wl_mapping *m);

/* A device with one compute queue, a saxpy pipeline, pools and a fence. */
struct pv_wl_gpu {
   struct pv_vkt *t;
   VkInstance instance;
   VkPhysicalDevice pdev;
   VkDevice dev;
   VkQueue queue;
   uint32_t family;
   VkPhysicalDeviceMemoryProperties mem;
   VkDescriptorSetLayout dsl;
   VkPipelineLayout layout;
   VkPipeline pipeline;
   VkShaderModule shader;
   VkDescriptorPool dpool;
   VkCommandPool cpool;
   VkFence fence;
   bool has_extension; /* pv_vkt.extension is enabled */
};

/* Instance, physical device, device and queue only. */
int pv_wl_open_device(struct pv_wl_gpu *g);
void pv_wl_close_device(struct pv_wl_gpu *g);
/* Everything (device, pipeline, pools, fence). */
int pv_wl_open(struct pv_wl_gpu *g, struct pv_vkt *t);
void pv_wl_close(struct pv_wl_gpu *g);
VkCommandBuffer pv_wl_cmd(struct pv_wl_gpu *g);
/* Submit (cb may be VK_NULL_HANDLE: an empty submit), wait, reset the fence. */
void pv_wl_submit_wait(struct pv_wl_gpu *g, VkCommandBuffer cb);

/* A buffer in its own HOST_VISIBLE|COHERENT memory, mapped. */
struct pv_wl_buffer {
   VkBuffer buf;
   VkDeviceMemory mem;
   VkDeviceSize size;
   struct pv_wl_mapping map;
   void *host; /* imported memory (pv_vkt.memory), or NULL */
   size_t host_size;
   int host_fd;
};

int pv_wl_buffer_create(struct pv_wl_gpu *g, VkDeviceSize size, struct pv_wl_buffer *b);
/* KiB of `b`'s imported memory on huge pages (Linux's /proc/self/smaps),
 * or -1 where that is not known. */
long pv_wl_buffer_huge_kb(const struct pv_wl_buffer *b);
void pv_wl_buffer_destroy(struct pv_wl_gpu *g, struct pv_wl_buffer *b);

/* A descriptor set binding x (binding 0) and y (binding 1). */
VkDescriptorSet pv_wl_saxpy_set(struct pv_wl_gpu *g, struct pv_wl_buffer *x, struct pv_wl_buffer *y);
/* Record y = a * x + y over n floats into cb (begin to end). */
void pv_wl_record_saxpy(struct pv_wl_gpu *g, VkCommandBuffer cb, VkDescriptorSet set, uint32_t n, float a);

#endif
