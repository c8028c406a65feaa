/*
 * test_e2e_wsi_memory — what a Mesa 25.0 guest's swapchain asks of the
 * renderer (objects/wsi_emulation.c), on a server started with
 * PV_RENDERER_SERVE_WSI_MEMORY, as venus sends it for a DRM-path
 * swapchain image:
 *
 *  - the offer: VK_EXT_external_memory_dma_buf, VK_EXT_image_drm_format_
 *    modifier and VK_EXT_queue_family_foreign (without the flag, a host
 *    lacking them offers none of them);
 *  - DRM_FORMAT_MOD_LINEAR in the format's modifier list, image format
 *    properties for it, none for another modifier;
 *  - an image made from a modifier list {LINEAR} with an external-memory
 *    (dma-buf) create info: its modifier reads back LINEAR, its plane 0
 *    layout through MEMORY_PLANE_0; its memory, allocated for dma-buf
 *    export, exported as venus does (a CROSS_DEVICE blob) and mapped; an
 *    explicit plane layout other than the host's refused;
 *  - release and acquire barriers to and from the foreign family, run.
 *
 * Where the host has an extension itself (NVIDIA) the same calls reach
 * the driver; what only our LINEAR-only modifier makes true is checked
 * only where we serve it, and where the host's modifiers leave LINEAR out
 * (NVIDIA 580 for B8G8R8A8 color attachments) the barriers use an
 * ordinary image.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"
#include "tests/pv_test.h"

static struct e2e_server srv;

#define FMT VK_FORMAT_B8G8R8A8_UNORM
#define W 64u
#define H 32u
#define LINEAR_MOD 0ull

static bool host_has(const char *ext);

/* The device extensions offered to the guest; NULL-terminated names in
 * `out` (static storage). */
static int
offered(struct e2e_dev *d, VkExtensionProperties **out, uint32_t *n)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   *n = 0;
   struct pv_vkEnumerateDeviceExtensionProperties_args a = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pPropertyCount = n };
   OK(PV_VNC_CALL(c, vkEnumerateDeviceExtensionProperties, &a));
   *out = calloc(*n ? *n : 1, sizeof(**out));
   a.pProperties = *out;
   OK(PV_VNC_CALL(c, vkEnumerateDeviceExtensionProperties, &a));
   return 0;
}

static bool
has(const VkExtensionProperties *e, uint32_t n, const char *name)
{
   for (uint32_t i = 0; i < n; i++) {
      if (!strcmp(e[i].extensionName, name))
         return true;
   }
   return false;
}

static const char *const wsi_exts[] = {
   VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME,
   VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME,
   VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME,
};

/* The format's modifiers include LINEAR; the image format query answers
 * for it and refuses a modifier never offered (where we serve them). */
static int
modifier_queries(struct e2e_dev *d, bool served, bool *linear_out)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkPhysicalDevice pd = E2E_H(VkPhysicalDevice, d->pdev);
   VkDrmFormatModifierPropertiesEXT mods[16];
   VkDrmFormatModifierPropertiesListEXT list = {
      .sType = VK_STRUCTURE_TYPE_DRM_FORMAT_MODIFIER_PROPERTIES_LIST_EXT };
   VkFormatProperties2 fp = { .sType = VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_2, .pNext = &list };
   struct pv_vkGetPhysicalDeviceFormatProperties2_args fa = { .physicalDevice = pd, .format = FMT,
                                                               .pFormatProperties = &fp };
   OK(PV_VNC_CALL(c, vkGetPhysicalDeviceFormatProperties2, &fa));
   REQUIRE(list.drmFormatModifierCount >= 1 && list.drmFormatModifierCount <= 16);
   list.pDrmFormatModifierProperties = mods;
   OK(PV_VNC_CALL(c, vkGetPhysicalDeviceFormatProperties2, &fa));
   bool linear = false;
   for (uint32_t i = 0; i < list.drmFormatModifierCount; i++)
      linear |= mods[i].drmFormatModifier == LINEAR_MOD && mods[i].drmFormatModifierPlaneCount == 1 &&
                (mods[i].drmFormatModifierTilingFeatures & VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT);
   *linear_out = linear;
   REQUIRE(linear || !served);
   REQUIRE(!served || list.drmFormatModifierCount == 1);
   if (served) { /* a depth format has no plane 0 of color: no modifier */
      VkDrmFormatModifierPropertiesListEXT none = {
         .sType = VK_STRUCTURE_TYPE_DRM_FORMAT_MODIFIER_PROPERTIES_LIST_EXT };
      VkFormatProperties2 dp = { .sType = VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_2, .pNext = &none };
      struct pv_vkGetPhysicalDeviceFormatProperties2_args da = {
         .physicalDevice = pd, .format = VK_FORMAT_D32_SFLOAT, .pFormatProperties = &dp };
      OK(PV_VNC_CALL(c, vkGetPhysicalDeviceFormatProperties2, &da));
      REQUIRE(none.drmFormatModifierCount == 0);
   }

   if (!linear) { /* the host's own modifiers (NVIDIA) */
      printf("modifiers: %u of the host's for format %d, LINEAR not among them for color "
             "attachments: no LINEAR image made\n", list.drmFormatModifierCount, (int)FMT);
      return 0;
   }
   VkPhysicalDeviceImageDrmFormatModifierInfoEXT mi = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_DRM_FORMAT_MODIFIER_INFO_EXT,
      .drmFormatModifier = LINEAR_MOD, .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
   VkPhysicalDeviceExternalImageFormatInfo ei = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO, .pNext = &mi,
      .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT };
   VkPhysicalDeviceImageFormatInfo2 ii = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2, .pNext = &ei, .format = FMT,
      .type = VK_IMAGE_TYPE_2D, .tiling = VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT,
      .usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT };
   VkExternalImageFormatProperties eo = { .sType = VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES };
   VkImageFormatProperties2 io = { .sType = VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2, .pNext = &eo };
   struct pv_vkGetPhysicalDeviceImageFormatProperties2_args ia = {
      .physicalDevice = pd, .pImageFormatInfo = &ii, .pImageFormatProperties = &io };
   OK(PV_VNC_CALL(c, vkGetPhysicalDeviceImageFormatProperties2, &ia));
   REQUIRE(ia.ret == VK_SUCCESS);
   REQUIRE(io.imageFormatProperties.maxExtent.width >= W);
   REQUIRE(eo.externalMemoryProperties.externalMemoryFeatures &
           VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT);
   if (served) {
      mi.drmFormatModifier = 0x0100000000000001ull; /* I915_FORMAT_MOD_X_TILED: never offered */
      OK(PV_VNC_CALL(c, vkGetPhysicalDeviceImageFormatProperties2, &ia));
      REQUIRE(ia.ret == VK_ERROR_FORMAT_NOT_SUPPORTED);
   }
   printf("modifiers: %u for format %d, LINEAR among them%s\n", list.drmFormatModifierCount,
          (int)FMT, served ? " (served: the only one)" : "");
   return 0;
}

/* A swapchain-like image: modifier list {LINEAR}, exportable as dma-buf,
 * memory exported as dma-buf; its modifier and plane 0 layout read back. */
static int
modifier_image(struct e2e_dev *d, bool served, uint64_t *image, uint64_t *memory)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   const uint64_t mods[] = { LINEAR_MOD };
   VkImageDrmFormatModifierListCreateInfoEXT ml = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_LIST_CREATE_INFO_EXT,
      .drmFormatModifierCount = 1, .pDrmFormatModifiers = mods };
   VkExternalMemoryImageCreateInfo ext = {
      .sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO, .pNext = &ml,
      .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT };
   VkImageCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .pNext = &ext, .imageType = VK_IMAGE_TYPE_2D,
      .format = FMT, .extent = { W, H, 1 }, .mipLevels = 1, .arrayLayers = 1,
      .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT,
      .usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED };
   VkExportMemoryAllocateInfo export = {
      .sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO,
      .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT };
   if (e2e_image_create(d, &ci, &export, image, memory))
      return -1;
   VkImageDrmFormatModifierPropertiesEXT mp = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_PROPERTIES_EXT };
   struct pv_vkGetImageDrmFormatModifierPropertiesEXT_args ma = {
      .device = dev, .image = E2E_H(VkImage, *image), .pProperties = &mp };
   OK(PV_VNC_CALL(c, vkGetImageDrmFormatModifierPropertiesEXT, &ma));
   REQUIRE(ma.ret == VK_SUCCESS && mp.drmFormatModifier == LINEAR_MOD);
   VkImageSubresource plane0 = { VK_IMAGE_ASPECT_MEMORY_PLANE_0_BIT_EXT, 0, 0 };
   VkSubresourceLayout layout = { 0 };
   struct pv_vkGetImageSubresourceLayout_args la = {
      .device = dev, .image = E2E_H(VkImage, *image), .pSubresource = &plane0, .pLayout = &layout };
   OK(PV_VNC_CALL(c, vkGetImageSubresourceLayout, &la));
   REQUIRE(layout.rowPitch >= W * 4 && layout.size >= layout.rowPitch * H);
   printf("modifier image: %ux%u LINEAR, plane 0 row pitch %llu, %llu bytes\n", W, H,
          (unsigned long long)layout.rowPitch, (unsigned long long)layout.size);

   /* its memory exported as venus does for a dma-buf: HOST3D blob,
    * MAPPABLE | SHAREABLE | CROSS_DEVICE, one fd back that maps */
   uint32_t res = 0;
   int fd = -1;
   OK(pv_vtc_create_blob(&c->vtc, 2 /* HOST3D */, 1 | 2 | 4, layout.size, *memory, &res, &fd));
   void *map = mmap(NULL, layout.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
   REQUIRE(fd >= 0 && map != MAP_FAILED);
   munmap(map, layout.size);
   close(fd);
   OK(pv_vtc_resource_unref(&c->vtc, res));
   printf("exported as a dma-buf blob: one fd, mapped\n");

   if (served) { /* an explicit layout other than the host's is refused */
      VkSubresourceLayout wrong = layout;
      wrong.rowPitch += 256;
      wrong.size = 0;
      VkImageDrmFormatModifierExplicitCreateInfoEXT ex = {
         .sType = VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_EXPLICIT_CREATE_INFO_EXT,
         .drmFormatModifier = LINEAR_MOD, .drmFormatModifierPlaneCount = 1,
         .pPlaneLayouts = &wrong };
      ci.pNext = &ex;
      uint64_t id = pv_vnc_new_id(c);
      struct pv_vkCreateImage_args cia = { .device = dev, .pCreateInfo = &ci, .pImage_ids = &id,
                                           .pImage_count = 1 };
      OK(PV_VNC_CALL(c, vkCreateImage, &cia));
      REQUIRE(cia.ret == VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT);
      wrong.rowPitch = layout.rowPitch; /* the host's own layout is taken */
      id = pv_vnc_new_id(c);
      OK(PV_VNC_CALL(c, vkCreateImage, &cia));
      REQUIRE(cia.ret == VK_SUCCESS);
      struct pv_vkDestroyImage_args da = { .device = dev, .image = E2E_H(VkImage, id) };
      OK(PV_VNC_SEND(c, vkDestroyImage, &da));
      printf("explicit plane layout: row pitch %llu refused, the host's taken\n",
             (unsigned long long)(layout.rowPitch + 256));
      /* a list without LINEAR names nothing we offered: an error, and the
       * context goes on */
      const uint64_t tiled[] = { 0x0100000000000001ull };
      ml.pDrmFormatModifiers = tiled;
      ci.pNext = &ext;
      id = pv_vnc_new_id(c);
      OK(PV_VNC_CALL(c, vkCreateImage, &cia));
      REQUIRE(cia.ret != VK_SUCCESS);
      printf("modifier list without LINEAR: vkCreateImage gives %d\n", (int)cia.ret);
   }
   return 0;
}

/* Where the host's modifiers leave LINEAR out: an ordinary image for the
 * foreign-family barriers. */
static int
plain_image(struct e2e_dev *d, uint64_t *image, uint64_t *memory)
{
   VkImageCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = FMT, .extent = { W, H, 1 }, .mipLevels = 1, .arrayLayers = 1,
      .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED };
   return e2e_image_create(d, &ci, NULL, image, memory);
}

/* Hand the image to the foreign family and take it back, as venus's
 * present barriers do, and run it. */
static int
foreign_barriers(struct e2e_dev *d, uint64_t image)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   struct e2e_cmd cb;
   if (e2e_cmd_begin(d, &cb))
      return -1;
   VkImageMemoryBarrier b[2] = {
      { .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
        .oldLayout = VK_IMAGE_LAYOUT_UNDEFINED, .newLayout = VK_IMAGE_LAYOUT_GENERAL,
        .srcQueueFamilyIndex = d->family, .dstQueueFamilyIndex = VK_QUEUE_FAMILY_FOREIGN_EXT,
        .image = E2E_H(VkImage, image), .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } },
      { .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
        .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
        .oldLayout = VK_IMAGE_LAYOUT_GENERAL, .newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
        .srcQueueFamilyIndex = VK_QUEUE_FAMILY_FOREIGN_EXT, .dstQueueFamilyIndex = d->family,
        .image = E2E_H(VkImage, image), .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } },
   };
   for (int i = 0; i < 2; i++) {
      struct pv_vkCmdPipelineBarrier_args pa = {
         .commandBuffer = E2E_H(VkCommandBuffer, cb.cmd),
         .srcStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
         .dstStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
         .imageMemoryBarrierCount = 1, .pImageMemoryBarriers = &b[i] };
      OK(PV_VNC_SEND(c, vkCmdPipelineBarrier, &pa));
   }
   if (e2e_cmd_end(d, &cb))
      return -1;
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, cb.cmd);
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = &cmd };
   struct pv_vkQueueSubmit_args sa = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                       .pSubmits = &si };
   OK(PV_VNC_CALL(c, vkQueueSubmit, &sa));
   REQUIRE(sa.ret == VK_SUCCESS);
   struct pv_vkQueueWaitIdle_args wa = { .queue = E2E_H(VkQueue, d->queues[0]) };
   OK(PV_VNC_CALL(c, vkQueueWaitIdle, &wa));
   REQUIRE(wa.ret == VK_SUCCESS);
   e2e_cmd_destroy(d, &cb);
   printf("foreign family: release and acquire barriers ran\n");
   return 0;
}

static void
test_offer_off(void)
{
   struct e2e_log lg = { "wsi-offer-off", 0 };
   struct e2e_dev d;
   VkExtensionProperties *e = NULL;
   uint32_t n = 0;
   if (e2e_dev_open(&d, &lg, srv.path, lg.name, NULL) || offered(&d, &e, &n)) {
      CHECK(0);
      pv_vnc_abandon(&d.c);
      free(e);
      return;
   }
   for (size_t i = 0; i < sizeof(wsi_exts) / sizeof(wsi_exts[0]); i++)
      CHECK_EQ(has(e, n, wsi_exts[i]), host_has(wsi_exts[i]));
   free(e);
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);
}

static void
test_wsi_memory(const char *path)
{
   struct e2e_log lg = { "wsi-memory", 0 };
   struct e2e_dev d;
   VkExtensionProperties *e = NULL;
   uint32_t n = 0;
   uint64_t image = 0, memory = 0;
   bool served = !host_has(VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME);
   int ok = !e2e_dev_open_ext(&d, &lg, path, lg.name, NULL,
                              VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME) &&
            !offered(&d, &e, &n);
   for (size_t i = 0; ok && i < sizeof(wsi_exts) / sizeof(wsi_exts[0]); i++)
      CHECK(has(e, n, wsi_exts[i]));
   free(e);
   bool linear = false;
   ok = ok && !modifier_queries(&d, served, &linear);
   ok = ok && (linear ? !modifier_image(&d, served, &image, &memory)
                      : !plain_image(&d, &image, &memory));
   ok = ok && !foreign_barriers(&d, image);
   CHECK(ok);
   if (!ok) {
      pv_vnc_abandon(&d.c);
      return;
   }
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);
}

static bool
host_has(const char *ext)
{
   VkInstance inst;
   VkPhysicalDevice pd = e2e_host_device(&inst);
   uint32_t m = 0;
   bool found = false;
   if (pd && vkEnumerateDeviceExtensionProperties(pd, NULL, &m, NULL) == VK_SUCCESS) {
      VkExtensionProperties *e = calloc(m ? m : 1, sizeof(*e));
      if (e && vkEnumerateDeviceExtensionProperties(pd, NULL, &m, e) == VK_SUCCESS)
         found = has(e, m, ext);
      free(e);
   }
   if (inst)
      vkDestroyInstance(inst, NULL);
   return found;
}

int
main(void)
{
   if (!e2e_main_start(&srv))
      return 1;
   RUN(test_offer_off);
   static struct e2e_server wsi;
   CHECK_EQ(e2e_server_start_config(&wsi, &(struct pv_renderer_config){
                                              .flags = PV_RENDERER_SERVE_WSI_MEMORY }), 0);
   test_wsi_memory(wsi.path);
   e2e_server_stop(&wsi);
   e2e_server_stop(&srv);
   return pv_test_summary();
}
