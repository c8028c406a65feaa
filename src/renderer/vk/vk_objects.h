/*
 * vk_objects.h — the renderer objects of the instance / physical device /
 * device / queue families.  Each embeds struct pv_object first, so the
 * object table stores them directly.
 */
#ifndef PV_RENDERER_VK_OBJECTS_H
#define PV_RENDERER_VK_OBJECTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <vulkan/vulkan_core.h>

#include "renderer/objects/descriptor_limits.h"
#include "renderer/pv_handlers_gen.h"
#include "renderer/vk/pv_object.h"

struct pv_vk_context;
struct pv_device;
struct pv_inflight;
struct pv_cb_sampling;
struct pv_plain_samplers;

/* Every object that belongs to a device: the mechanically created ones
 * (passthrough.h), queues and device memory embed it first. */
struct pv_vk_object {
   struct pv_object base;
   struct pv_device *device;
   uint64_t parent; /* host handle of the pool it came from, 0 if none */
   /* CPU devices: the submission count its pending uses end with
    * (command buffers and pools; PV_BUSY_ALL: unknown, inflight.c). */
   uint64_t busy_until;
};
#define PV_BUSY_ALL UINT64_MAX

/* A command pool counts its resets: its command buffers know they were
 * reset without being visited (cmd_state.c). */
struct pv_command_pool {
   struct pv_vk_object obj;
   uint32_t resets;
};

enum pv_cb_state { PV_CB_INITIAL, PV_CB_RECORDING, PV_CB_EXECUTABLE };

/* A command buffer: which bind points have something bound (pipeline_bound guard),
 * and where it is in its lifecycle (cmd_state.c). */
struct pv_command_buffer {
   struct pv_vk_object obj;
   bool graphics_bound, compute_bound;
   uint8_t state;              /* enum pv_cb_state, as of pool reset `epoch` */
   uint8_t render_pass;        /* open: none, a render pass, dynamic rendering */
   uint32_t epoch;
   struct pv_command_pool *pool;
   VkRect2D render_area;       /* of the open render pass, and its layers */
   uint32_t render_layers;
   struct pv_cb_sampling *sampling; /* what its draws sample (compare_sampling.c) */
};

/* A pipeline: the bindings its shaders sample without a depth reference
 * (spirv/plain_samplers.h), NULL if none. */
struct pv_pipeline {
   struct pv_vk_object obj;
   struct pv_plain_samplers *plain;
};

/* A sampler: whether it compares (compareEnable). */
struct pv_sampler {
   struct pv_vk_object obj;
   bool compare;
};

struct pv_physical_device {
   struct pv_object base;
   VkPhysicalDevice handle;
   struct pv_instance *instance;
   VkPhysicalDeviceProperties props;
   /* Extensions offered to the guest: host ∩ protocol, spec versions
    * clamped (physical_device.c). */
   VkExtensionProperties *exts;
   uint32_t ext_count;
   /* Memory: what the driver reports, and what we offer.  A host-visible
    * type is offered as such only if we can back it with shared memory the
    * guest maps (memory.c); others lose HOST_VISIBLE/COHERENT/CACHED. */
   VkPhysicalDeviceMemoryProperties host_mem_props;
   VkPhysicalDeviceMemoryProperties mem_props;
   bool has_host_ptr;            /* VK_EXT_external_memory_host */
   /* Extensions the host lacks that we serve ourselves (PV_SERVED_*,
    * physical_device.c): offered to the guest, kept from the host device. */
   uint32_t served;
   uint64_t max_timeline_difference; /* maxTimelineSemaphoreValueDifference */
   uint64_t host_ptr_alignment;  /* minImportedHostPointerAlignment */
   /* VK_EXT_transform_feedback's limits (0 without it), for cmd_ranges.c */
   uint32_t max_xfb_buffers, max_xfb_streams;
   struct pv_descriptor_limits desc_limits; /* descriptor_limits.c */
};

/* pv_physical_device.served */
enum {
   PV_SERVED_SYNC_FD = 1u << 0,   /* VK_KHR_external_semaphore_fd (semaphore.c) */
   PV_SERVED_MEMORY_FD = 1u << 1, /* VK_KHR_external_memory_fd (wsi_emulation.c) */
   PV_SERVED_DMA_BUF = 1u << 2,   /* VK_EXT_external_memory_dma_buf (wsi_emulation.c) */
   PV_SERVED_MODIFIER = 1u << 3,  /* VK_EXT_image_drm_format_modifier (wsi_emulation.c) */
   PV_SERVED_FOREIGN = 1u << 4,   /* VK_EXT_queue_family_foreign (wsi_emulation.c) */
};

struct pv_instance {
   struct pv_object base;
   VkInstance handle;
   struct pv_renderer *renderer;
   struct pv_vk_instance_table table;
   uint32_t api_version;
   /* Host physical devices in host order; guest ids bound on enumeration. */
   struct pv_physical_device *pdevs;
   uint32_t pdev_count;
   bool pdevs_bound;
};

/* A timeline value that submitted work waits for (semaphore.c). */
struct pv_semaphore_gate {
   VkSemaphore timeline;
   uint64_t value;
};
struct pv_semaphore_gates {
   struct pv_semaphore_gate *v;
   uint32_t n, cap;
};

struct pv_queue {
   struct pv_vk_object obj;    /* id 0 until vkGetDeviceQueue2 binds it */
   VkQueue handle;
   VkDeviceQueueCreateFlags flags;
   uint32_t family, index;
   uint32_t ring_idx;          /* 0: no timeline bound */
   struct pv_queue_timeline *timeline; /* retire thread, from the first fence (queue.c) */
   pthread_mutex_t lock;       /* Vulkan requires external sync on queues */
   /* Timeline values work submitted to it waits for, not known reached:
    * work behind them may not start (semaphore.c, under the context's
    * semaphore_lock; one per timeline, the highest). */
   struct pv_semaphore_gates gates;
};

struct pv_device {
   struct pv_object base;
   VkDevice handle;
   struct pv_vk_context *vk; /* the context it belongs to */
   struct pv_vk_device_table table;
   struct pv_physical_device *pdev;
   PFN_vkGetMemoryHostPointerPropertiesEXT get_host_ptr_props; /* NULL: no import */
   /* The host's vkGetMemoryFdKHR where the guest enabled the host's own
    * VK_KHR_external_memory_fd (memory.c exports dma-bufs with it). */
   PFN_vkGetMemoryFdKHR get_memory_fd;
   struct pv_queue *queues;
   uint32_t queue_count;
   /* A CPU device executes in our process: releases wait for the work
    * that may use what they release (inflight.c); NULL elsewhere. */
   struct pv_inflight *inflight;
   /* Wait for the device by polling on a spare core (device.c,
    * PV_RENDERER_NO_BUSY_WAIT in pvvenus.h). */
   bool busy_wait;
   /* Fences of idle waits that timed out, still queued: destroyed with the
    * device once it is idle (device.c). */
   VkFence *stale_fences;
   uint32_t stale_fence_count;
   pthread_mutex_t stale_lock;
   /* Host image copies (objects/host_copy.c), when the guest enabled
    * hostImageCopy: the host's entry points and the layouts its copies
    * support (NULL entry points: not enabled). */
   struct pv_host_copy {
      PFN_vkVoidFunction to_image, to_memory;
      uint32_t src_count, dst_count;
      VkImageLayout src[16], dst[16];
   } host_copy;
};

/* Remove an object from the table and destroy it with its host object.
 * Used by the destroy commands and at context teardown. */
void pv_instance_destroy(struct pv_vk_context *vk, struct pv_instance *inst);
void pv_device_destroy(struct pv_vk_context *vk, struct pv_device *dev);
/* Wait until every queue of `dev` finished what it was given; false after
 * `timeout_ns` (the work may still end later) (objects/device_idle.c). */
bool pv_device_wait_idle(struct pv_device *dev, uint64_t timeout_ns);
/* Unbind and free a device that cannot go idle, leaking its host objects. */
void pv_device_abandon(struct pv_vk_context *vk, struct pv_device *dev);

/* Offer-list helpers (physical_device.c). */
int pv_physical_device_init(struct pv_physical_device *pdev, struct pv_instance *inst,
                            VkPhysicalDevice handle);
void pv_physical_device_fini(struct pv_physical_device *pdev);
bool pv_physical_device_offers(const struct pv_physical_device *pdev, const char *ext);
/* A device create info enables extension `name` (create_info.c). */
bool pv_create_info_enables(const VkDeviceCreateInfo *info, const char *name);
/* Turn a VkBool32 feature on where the guest's chain already asks for
 * features of its kind: at `core_offset` in a struct of type `core` (a
 * VkPhysicalDeviceVulkanNNFeatures) or at `own_offset` in one of type `own`
 * (the feature's own struct); a chain may not hold both.  False when
 * neither is there, and the caller chains its own struct if that is valid.
 * `info` is our decoded copy, so its chain may be changed (create_info.c). */
bool pv_create_info_set_feature(VkDeviceCreateInfo *info, VkStructureType core, size_t core_offset,
                                VkStructureType own, size_t own_offset);
const char *pv_physical_device_withheld_reason(const char *name);
/* What we serve in place of the host where it lacks extension `name`
 * (memory ones need the host's VK_EXT_external_memory_host, `host_ptr`;
 * the window-system ones PV_RENDERER_SERVE_WSI_MEMORY, `wsi`), or NULL. */
const char *pv_physical_device_served_reason(const char *name, bool host_ptr, bool wsi);
/* The i-th extension we can serve, NULL past the last (pv-venus info). */
const char *pv_physical_device_servable(size_t i);
/* We serve extension `name` on this device (the host lacks it). */
bool pv_physical_device_serves(const struct pv_physical_device *pdev, const char *name);
/* Which memory types host-pointer import can back (probed once). */
void pv_physical_device_probe_memory(struct pv_physical_device *pdev);

#endif
