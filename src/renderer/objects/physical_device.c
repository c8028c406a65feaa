/*
 * physical_device.c — enumeration with guest ids, the extension list we
 * offer, and the physical-device queries.
 *
 * The queries pass straight to the host driver: the generated decoder has
 * already rebuilt the guest's output structs with their pNext chains, and
 * the reply encoder sends back exactly what the guest asked for.  What
 * needs judgment is what we *offer*: an extension is offered only if the
 * host driver has it and the generated protocol code covers it, with the
 * spec version clamped to the lower of the two (docs/PROTOCOL.md §7, §14 M3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/handlers.h"
#include "renderer/objects/physical_device.h"
#include "renderer/objects/wsi_emulation.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

/* Covered by the protocol but not offered, with the reason. */
static const struct {
   const char *name;
   const char *why;
} withheld[] = {
   /* A guest pointer is not a host pointer. */
   { "VK_EXT_external_memory_host", "guest pointers cannot be imported on the host" },
   /* Descriptors written straight into heap memory pass by the checks that
    * descriptor sets get (descriptor.c, the compare_sampling guard), and no
    * test drives it. */
   { "VK_EXT_descriptor_heap", "descriptors written into heap memory bypass the descriptor-set "
                               "checks; not tested" },
};

const char *
pv_physical_device_withheld_reason(const char *name)
{
   for (size_t i = 0; i < sizeof(withheld) / sizeof(withheld[0]); i++) {
      if (!strcmp(withheld[i].name, name))
         return withheld[i].why;
   }
   return NULL;
}

/* Offered where the host lacks them, served by the renderer itself. */
static const struct {
   const char *name;
   uint32_t bit;
   bool host_ptr; /* needs memory we back ourselves (memory.c) */
   bool wsi;      /* only with PV_RENDERER_SERVE_WSI_MEMORY (pvvenus.h says why) */
   const char *what;
} served[] = {
   { VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME, PV_SERVED_SYNC_FD, false, false,
     "binary semaphores' sync-fd payloads, which Mesa 25.0 needs to offer Vulkan 1.3 (semaphore.c)" },
   { VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME, PV_SERVED_MEMORY_FD, true, true,
     "export of host-visible memory, which the renderer backs with shared memory (wsi_emulation.c)" },
   { VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME, PV_SERVED_DMA_BUF, true, true,
     "export of host-visible memory, backed by the renderer's shared memory, as the guest's dma-buf; Mesa 25.0 needs it for VK_KHR_swapchain" },
   { VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME, PV_SERVED_MODIFIER, false, true,
     "DRM_FORMAT_MOD_LINEAR only, as linear tiling; Mesa 25.0 needs it for VK_KHR_swapchain" },
   { VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME, PV_SERVED_FOREIGN, false, true,
     "transfers to and from it become plain barriers; Mesa 25.0 needs it for VK_KHR_swapchain" },
};
#define SERVED_COUNT (sizeof(served) / sizeof(served[0]))

const char *
pv_physical_device_served_reason(const char *name, bool host_ptr, bool wsi)
{
   for (size_t i = 0; i < SERVED_COUNT; i++) {
      if (!strcmp(served[i].name, name) && (host_ptr || !served[i].host_ptr) &&
          (wsi || !served[i].wsi) && pv_cs_extension_spec_version(name))
         return served[i].what;
   }
   return NULL;
}

const char *
pv_physical_device_servable(size_t i)
{
   return i < SERVED_COUNT ? served[i].name : NULL;
}

bool
pv_physical_device_serves(const struct pv_physical_device *pdev, const char *name)
{
   for (size_t i = 0; i < SERVED_COUNT; i++) {
      if ((pdev->served & served[i].bit) && !strcmp(served[i].name, name))
         return true;
   }
   return false;
}

/* Add what we serve where the host lacks it. */
static void
offer_served(struct pv_physical_device *pdev)
{
   bool wsi = pdev->instance->renderer->config.flags & PV_RENDERER_SERVE_WSI_MEMORY;
   for (size_t i = 0; i < SERVED_COUNT; i++) {
      const char *name = served[i].name;
      if (pv_physical_device_offers(pdev, name) ||
          !pv_physical_device_served_reason(name, pdev->has_host_ptr, wsi))
         continue;
      VkExtensionProperties e = { .specVersion = pv_cs_extension_spec_version(name) };
      snprintf(e.extensionName, sizeof(e.extensionName), "%s", name);
      pdev->exts[pdev->ext_count++] = e;
      pdev->served |= served[i].bit;
   }
}

static int
build_offer(struct pv_physical_device *pdev)
{
   uint32_t n = 0;
   if (vkEnumerateDeviceExtensionProperties(pdev->handle, NULL, &n, NULL) != VK_SUCCESS)
      return -1;
   VkExtensionProperties *host = calloc(n ? n : 1, sizeof(*host));
   pdev->exts = calloc(n + SERVED_COUNT, sizeof(*pdev->exts));
   if (!host || !pdev->exts ||
       vkEnumerateDeviceExtensionProperties(pdev->handle, NULL, &n, host) < VK_SUCCESS) {
      free(host);
      return -1;
   }
   for (uint32_t i = 0; i < n; i++) {
      uint32_t ours = pv_cs_extension_spec_version(host[i].extensionName);
      if (!ours || pv_physical_device_withheld_reason(host[i].extensionName))
         continue;
      VkExtensionProperties e = host[i];
      if (e.specVersion > ours)
         e.specVersion = ours;
      pdev->exts[pdev->ext_count++] = e;
   }
   free(host);
   offer_served(pdev);
   return 0;
}

static void
query_xfb_limits(struct pv_physical_device *pdev)
{
   VkPhysicalDeviceTransformFeedbackPropertiesEXT xfb = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TRANSFORM_FEEDBACK_PROPERTIES_EXT };
   VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = &xfb };
   vkGetPhysicalDeviceProperties2(pdev->handle, &p2);
   pdev->max_xfb_buffers = xfb.maxTransformFeedbackBuffers;
   pdev->max_xfb_streams = xfb.maxTransformFeedbackStreams;
}

int
pv_physical_device_init(struct pv_physical_device *pdev, struct pv_instance *inst,
                        VkPhysicalDevice handle)
{
   memset(pdev, 0, sizeof(*pdev));
   pdev->handle = handle;
   pdev->instance = inst;
   vkGetPhysicalDeviceProperties(handle, &pdev->props);
   VkPhysicalDeviceTimelineSemaphoreProperties tl = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_PROPERTIES };
   VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = &tl };
   if (pdev->props.apiVersion >= VK_API_VERSION_1_2)
      vkGetPhysicalDeviceProperties2(handle, &p2);
   pdev->max_timeline_difference = tl.maxTimelineSemaphoreValueDifference;
   pv_physical_device_probe_memory(pdev);
   int ret = build_offer(pdev);
   if (!ret && pdev->props.apiVersion >= VK_API_VERSION_1_1 &&
       pv_physical_device_offers(pdev, "VK_EXT_transform_feedback"))
      query_xfb_limits(pdev);
   if (!ret)
      pv_descriptor_limits_query(pdev);
   return ret;
}

void
pv_physical_device_fini(struct pv_physical_device *pdev)
{
   free(pdev->exts);
   pdev->exts = NULL;
}

bool
pv_physical_device_offers(const struct pv_physical_device *pdev, const char *ext)
{
   for (uint32_t i = 0; i < pdev->ext_count; i++) {
      if (!strcmp(pdev->exts[i].extensionName, ext))
         return true;
   }
   return false;
}

/* ---- enumeration ----------------------------------------------------------- */

static VkResult
load_physical_devices(struct pv_instance *inst)
{
   if (inst->pdevs)
      return VK_SUCCESS;
   uint32_t n = 0;
   VkResult r = vkEnumeratePhysicalDevices(inst->handle, &n, NULL);
   if (r != VK_SUCCESS)
      return r;
   VkPhysicalDevice *handles = calloc(n ? n : 1, sizeof(*handles));
   inst->pdevs = calloc(n ? n : 1, sizeof(*inst->pdevs));
   if (!handles || !inst->pdevs) {
      free(handles);
      return VK_ERROR_OUT_OF_HOST_MEMORY;
   }
   r = vkEnumeratePhysicalDevices(inst->handle, &n, handles);
   for (uint32_t i = 0; r >= VK_SUCCESS && i < n; i++) {
      if (pv_physical_device_init(&inst->pdevs[i], inst, handles[i]))
         r = VK_ERROR_INITIALIZATION_FAILED;
      else
         inst->pdev_count++;
   }
   free(handles);
   return r < VK_SUCCESS ? r : VK_SUCCESS;
}

void
pv_handle_vkEnumeratePhysicalDevices(struct pv_dispatcher *d,
                                     struct pv_vkEnumeratePhysicalDevices_args *a)
{
   struct pv_instance *inst = (struct pv_instance *)a->instance_obj;
   if (!inst || !a->pPhysicalDeviceCount)
      return pv_dispatch_fail(d, "instance or pPhysicalDeviceCount is NULL");
   a->ret = load_physical_devices(inst);
   if (a->ret != VK_SUCCESS)
      return;
   uint32_t n = inst->pdev_count;
   if (!a->pPhysicalDevices) {
      *a->pPhysicalDeviceCount = n;
      return;
   }
   uint32_t count = *a->pPhysicalDeviceCount < n ? *a->pPhysicalDeviceCount : n;
   for (uint32_t i = 0; i < count; i++) {
      struct pv_physical_device *p = &inst->pdevs[i];
      uint64_t id = a->pPhysicalDevices_ids[i];
      if (!p->base.id) {
         p->base = (struct pv_object){ id, VK_OBJECT_TYPE_PHYSICAL_DEVICE,
                                       (uint64_t)(uintptr_t)p->handle };
         if (!pv_dispatch_bind(d, &p->base)) {
            p->base.id = 0;
            return;
         }
      } else if (p->base.id != id) {
         return pv_dispatch_fail(d, "physical device %u re-enumerated with another id", i);
      }
      a->pPhysicalDevices[i] = p->handle;
   }
   *a->pPhysicalDeviceCount = count;
   a->ret = count < n ? VK_INCOMPLETE : VK_SUCCESS;
}

void
pv_handle_vkEnumeratePhysicalDeviceGroups(struct pv_dispatcher *d,
                                          struct pv_vkEnumeratePhysicalDeviceGroups_args *a)
{
   struct pv_instance *inst = (struct pv_instance *)a->instance_obj;
   if (!inst || !a->pPhysicalDeviceGroupCount)
      return pv_dispatch_fail(d, "instance or pPhysicalDeviceGroupCount is NULL");
   /* The reply names members by guest id, so they must be bound first. */
   if (a->pPhysicalDeviceGroupProperties && inst->pdev_count && !inst->pdevs[0].base.id)
      return pv_dispatch_fail(d, "groups queried before vkEnumeratePhysicalDevices");
   a->ret = vkEnumeratePhysicalDeviceGroups(inst->handle, a->pPhysicalDeviceGroupCount,
                                            a->pPhysicalDeviceGroupProperties);
}

VkResult
pv_enumerate_extensions(const VkExtensionProperties *exts, uint32_t n, const char *layer,
                        uint32_t *count, VkExtensionProperties *props)
{
   if (layer) {
      *count = 0;
      return VK_ERROR_LAYER_NOT_PRESENT;
   }
   if (!props) {
      *count = n;
      return VK_SUCCESS;
   }
   uint32_t fit = *count < n ? *count : n;
   memcpy(props, exts, fit * sizeof(*exts));
   *count = fit;
   return fit < n ? VK_INCOMPLETE : VK_SUCCESS;
}

void
pv_handle_vkEnumerateDeviceExtensionProperties(
   struct pv_dispatcher *d, struct pv_vkEnumerateDeviceExtensionProperties_args *a)
{
   struct pv_physical_device *p = (struct pv_physical_device *)a->physicalDevice_obj;
   if (!p || !a->pPropertyCount)
      return pv_dispatch_fail(d, "physicalDevice or pPropertyCount is NULL");
   a->ret = pv_enumerate_extensions(p->exts, p->ext_count, a->pLayerName, a->pPropertyCount,
                                    a->pProperties);
}

void
pv_handle_vkEnumerateDeviceLayerProperties(struct pv_dispatcher *d,
                                           struct pv_vkEnumerateDeviceLayerProperties_args *a)
{
   if (!a->pPropertyCount)
      return pv_dispatch_fail(d, "pPropertyCount is NULL");
   *a->pPropertyCount = 0;
   a->ret = VK_SUCCESS;
}

/* ---- queries ------------------------------------------------------------------ */

/* The guest sees at most what the protocol code was generated for. */
static void
clamp_properties(VkPhysicalDeviceProperties *props)
{
   if (props->apiVersion > pv_cs_vk_xml_version)
      props->apiVersion = pv_cs_vk_xml_version;
}

#define PDEV(a) ((struct pv_physical_device *)(a)->physicalDevice_obj)
#define NEED_PDEV(d, a)                                                        \
   do {                                                                        \
      if (!PDEV(a))                                                            \
         return pv_dispatch_fail((d), "physicalDevice is NULL");               \
   } while (0)

void
pv_handle_vkGetPhysicalDeviceProperties(struct pv_dispatcher *d,
                                        struct pv_vkGetPhysicalDeviceProperties_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceProperties(a->physicalDevice, a->pProperties);
   clamp_properties(a->pProperties);
}

void
pv_handle_vkGetPhysicalDeviceProperties2(struct pv_dispatcher *d,
                                         struct pv_vkGetPhysicalDeviceProperties2_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceProperties2(a->physicalDevice, a->pProperties);
   clamp_properties(&a->pProperties->properties);
}

void
pv_handle_vkGetPhysicalDeviceFeatures(struct pv_dispatcher *d,
                                      struct pv_vkGetPhysicalDeviceFeatures_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceFeatures(a->physicalDevice, a->pFeatures);
}

void
pv_handle_vkGetPhysicalDeviceFeatures2(struct pv_dispatcher *d,
                                       struct pv_vkGetPhysicalDeviceFeatures2_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceFeatures2(a->physicalDevice, a->pFeatures);
}

void
pv_handle_vkGetPhysicalDeviceQueueFamilyProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceQueueFamilyProperties_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceQueueFamilyProperties(a->physicalDevice, a->pQueueFamilyPropertyCount,
                                            a->pQueueFamilyProperties);
}

void
pv_handle_vkGetPhysicalDeviceQueueFamilyProperties2(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceQueueFamilyProperties2_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceQueueFamilyProperties2(a->physicalDevice, a->pQueueFamilyPropertyCount,
                                             a->pQueueFamilyProperties);
}

void
pv_handle_vkGetPhysicalDeviceMemoryProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceMemoryProperties_args *a)
{
   NEED_PDEV(d, a);
   *a->pMemoryProperties = PDEV(a)->mem_props;
}

void
pv_handle_vkGetPhysicalDeviceMemoryProperties2(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceMemoryProperties2_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceMemoryProperties2(a->physicalDevice, a->pMemoryProperties);
   a->pMemoryProperties->memoryProperties = PDEV(a)->mem_props;
}

void
pv_handle_vkGetPhysicalDeviceFormatProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceFormatProperties_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceFormatProperties(a->physicalDevice, a->format, a->pFormatProperties);
}

void
pv_handle_vkGetPhysicalDeviceFormatProperties2(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceFormatProperties2_args *a)
{
   NEED_PDEV(d, a);
   if (!a->pFormatProperties)
      return pv_dispatch_fail(d, "pFormatProperties is NULL");
   pv_wsi_format_properties2(a->physicalDevice, PDEV(a), a->format, a->pFormatProperties);
}

void
pv_handle_vkGetPhysicalDeviceImageFormatProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceImageFormatProperties_args *a)
{
   NEED_PDEV(d, a);
   a->ret = vkGetPhysicalDeviceImageFormatProperties(a->physicalDevice, a->format, a->type,
                                                     a->tiling, a->usage, a->flags,
                                                     a->pImageFormatProperties);
}

void
pv_handle_vkGetPhysicalDeviceImageFormatProperties2(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceImageFormatProperties2_args *a)
{
   NEED_PDEV(d, a);
   if (!a->pImageFormatInfo || !a->pImageFormatProperties)
      return pv_dispatch_fail(d, "pImageFormatInfo or pImageFormatProperties is NULL");
   a->ret = pv_wsi_image_format_properties2(a->physicalDevice, PDEV(a),
                                            (VkPhysicalDeviceImageFormatInfo2 *)a->pImageFormatInfo,
                                            a->pImageFormatProperties);
}

void
pv_handle_vkGetPhysicalDeviceSparseImageFormatProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceSparseImageFormatProperties_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceSparseImageFormatProperties(a->physicalDevice, a->format, a->type,
                                                  a->samples, a->usage, a->tiling,
                                                  a->pPropertyCount, a->pProperties);
}

void
pv_handle_vkGetPhysicalDeviceSparseImageFormatProperties2(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceSparseImageFormatProperties2_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceSparseImageFormatProperties2(a->physicalDevice, a->pFormatInfo,
                                                   a->pPropertyCount, a->pProperties);
}

void
pv_handle_vkGetPhysicalDeviceExternalBufferProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceExternalBufferProperties_args *a)
{
   NEED_PDEV(d, a);
   if (!a->pExternalBufferInfo || !a->pExternalBufferProperties)
      return pv_dispatch_fail(d, "pExternalBufferInfo or pExternalBufferProperties is NULL");
   if (!pv_wsi_external_buffer_properties(PDEV(a), a->pExternalBufferInfo,
                                          a->pExternalBufferProperties))
      vkGetPhysicalDeviceExternalBufferProperties(a->physicalDevice, a->pExternalBufferInfo,
                                                  a->pExternalBufferProperties);
}

void
pv_handle_vkGetPhysicalDeviceExternalFenceProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceExternalFenceProperties_args *a)
{
   NEED_PDEV(d, a);
   vkGetPhysicalDeviceExternalFenceProperties(a->physicalDevice, a->pExternalFenceInfo,
                                              a->pExternalFenceProperties);
}

void
pv_handle_vkGetPhysicalDeviceExternalSemaphoreProperties(
   struct pv_dispatcher *d, struct pv_vkGetPhysicalDeviceExternalSemaphoreProperties_args *a)
{
   NEED_PDEV(d, a);
   const VkPhysicalDeviceExternalSemaphoreInfo *info = a->pExternalSemaphoreInfo;
   VkExternalSemaphoreProperties *out = a->pExternalSemaphoreProperties;
   if (!info || !out)
      return pv_dispatch_fail(d, "pExternalSemaphoreInfo or pExternalSemaphoreProperties is NULL");
   if (info->handleType == VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_SYNC_FD_BIT) {
      /* Ours on every host, for binary semaphores (semaphore.c). */
      bool timeline = false;
      for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext)
         if (s->sType == VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO)
            timeline = ((const VkSemaphoreTypeCreateInfo *)s)->semaphoreType ==
                       VK_SEMAPHORE_TYPE_TIMELINE;
      VkExternalSemaphoreHandleTypeFlags t = timeline ? 0 : info->handleType;
      out->exportFromImportedHandleTypes = t;
      out->compatibleHandleTypes = t;
      out->externalSemaphoreFeatures = timeline ? 0 : VK_EXTERNAL_SEMAPHORE_FEATURE_EXPORTABLE_BIT |
                                                         VK_EXTERNAL_SEMAPHORE_FEATURE_IMPORTABLE_BIT;
      return;
   }
   vkGetPhysicalDeviceExternalSemaphoreProperties(a->physicalDevice, info, out);
}

void
pv_handle_vkGetPhysicalDeviceToolProperties(struct pv_dispatcher *d,
                                            struct pv_vkGetPhysicalDeviceToolProperties_args *a)
{
   NEED_PDEV(d, a);
   a->ret = vkGetPhysicalDeviceToolProperties(a->physicalDevice, a->pToolCount,
                                              a->pToolProperties);
}
