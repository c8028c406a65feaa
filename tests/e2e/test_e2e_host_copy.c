/*
 * test_e2e_host_copy — VK_EXT_host_image_copy through the server, as Mesa
 * venus (protocol spec 3) sends it: a 16x16 RGBA8 image made for host
 * transfers, moved to GENERAL with vkTransitionImageLayout, filled with
 * vkCopyMemoryToImageMESA (texels in the command stream) and read back
 * with vkCopyImageToMemoryMESA (texels in the reply): every byte must come
 * back.  Then a region whose bytes run past the data sent must end the
 * context, naming why, before the driver reads past it.
 *
 * Skipped (exit 77, saying so) where the host driver has no hostImageCopy
 * (lavapipe before Mesa 24.1), or the registry the build used predates it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/e2e/e2e.h"
#include "tests/pv_test.h"

#ifdef PV_CS_HAS_vkCopyMemoryToImageMESA

static struct e2e_server srv;

#define W 16u
#define H 16u
#define GENERAL VK_IMAGE_LAYOUT_GENERAL

/* Whether the host driver the server runs on can copy images on the host. */
static bool
host_has_host_copy(void)
{
   VkInstance inst;
   VkPhysicalDevice pd = e2e_host_device(&inst);
   VkPhysicalDeviceHostImageCopyFeatures hic = {
      .sType = (VkStructureType)1000270000 /* ..._HOST_IMAGE_COPY_FEATURES */ };
   VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                    .pNext = &hic };
   if (pd)
      vkGetPhysicalDeviceFeatures2(pd, &f2);
   if (inst)
      vkDestroyInstance(inst, NULL);
   return hic.hostImageCopy;
}

static int
make_image(struct e2e_dev *d, uint64_t *image, uint64_t *memory)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   VkImageCreateInfo ii = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { W, H, 1 }, .mipLevels = 1, .arrayLayers = 1,
      .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = (1u << 22) /* VK_IMAGE_USAGE_HOST_TRANSFER_BIT */ | VK_IMAGE_USAGE_SAMPLED_BIT,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
   };
   if (e2e_image_create(d, &ii, NULL, image, memory))
      return -1;
   VkHostImageLayoutTransitionInfo t = {
      .sType = (VkStructureType)1000270006 /* ..._HOST_IMAGE_LAYOUT_TRANSITION_INFO */,
      .image = E2E_H(VkImage, *image), .oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
      .newLayout = GENERAL, .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
   struct pv_vkTransitionImageLayout_args ta = { .device = dev, .transitionCount = 1,
                                                 .pTransitions = &t };
   OK(PV_VNC_CALL(c, vkTransitionImageLayout, &ta));
   REQUIRE(ta.ret == VK_SUCCESS);
   return 0;
}

static const VkImageSubresourceLayers color0 = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 };

static int
round_trip(struct e2e_dev *d, uint64_t image)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   static uint8_t in[W * H * 4], out[W * H * 4];
   for (uint32_t i = 0; i < sizeof(in); i++)
      in[i] = (uint8_t)(i * 7 + 3);
   VkMemoryToImageCopyMESA r = { .sType = (VkStructureType)1000384009,
                                 .dataSize = sizeof(in), .pData = in,
                                 .imageSubresource = color0, .imageExtent = { W, H, 1 } };
   VkCopyMemoryToImageInfoMESA mi = { .sType = (VkStructureType)1000384010,
                                      .dstImage = E2E_H(VkImage, image), .dstImageLayout = GENERAL,
                                      .regionCount = 1, .pRegions = &r };
   struct pv_vkCopyMemoryToImageMESA_args ma = { .device = dev, .pCopyMemoryToImageInfo = &mi };
   OK(PV_VNC_SEND(c, vkCopyMemoryToImageMESA, &ma)); /* Mesa: without a reply */
   VkCopyImageToMemoryInfoMESA oi = { .sType = (VkStructureType)1000384008,
                                      .srcImage = E2E_H(VkImage, image), .srcImageLayout = GENERAL,
                                      .imageSubresource = color0, .imageExtent = { W, H, 1 } };
   struct pv_vkCopyImageToMemoryMESA_args oa = { .device = dev, .pCopyImageToMemoryInfo = &oi,
                                                 .dataSize = sizeof(out), .pData = out };
   OK(PV_VNC_CALL(c, vkCopyImageToMemoryMESA, &oa));
   REQUIRE(oa.ret == VK_SUCCESS);
   REQUIRE(!memcmp(in, out, sizeof(in)));
   printf("host copy: %zu bytes into the image and back, identical\n", sizeof(in));
   return 0;
}

/* A region that needs W*H*4 bytes, with half of them sent. */
static int
short_data(struct e2e_dev *d, uint64_t image)
{
   static uint8_t half[W * H * 2];
   VkMemoryToImageCopyMESA r = { .sType = (VkStructureType)1000384009,
                                 .dataSize = sizeof(half), .pData = half,
                                 .imageSubresource = color0, .imageExtent = { W, H, 1 } };
   VkCopyMemoryToImageInfoMESA mi = { .sType = (VkStructureType)1000384010,
                                      .dstImage = E2E_H(VkImage, image), .dstImageLayout = GENERAL,
                                      .regionCount = 1, .pRegions = &r };
   struct pv_vkCopyMemoryToImageMESA_args ma = { .device = E2E_H(VkDevice, d->device),
                                                 .pCopyMemoryToImageInfo = &mi };
   return PV_VNC_CALL(&d->c, vkCopyMemoryToImageMESA, &ma) == -EIO ? 0 : -1;
}

static void
test_host_copy(void)
{
   struct e2e_log lg = { "host-copy", 0 };
   struct e2e_dev d;
   VkPhysicalDeviceHostImageCopyFeatures on = {
      .sType = (VkStructureType)1000270000, .hostImageCopy = VK_TRUE };
   uint64_t image = 0, memory = 0;
   if (e2e_dev_open_ext(&d, &lg, srv.path, lg.name, &on, "VK_EXT_host_image_copy") ||
       make_image(&d, &image, &memory)) {
      CHECK(0);
      pv_vnc_abandon(&d.c);
      return;
   }
   CHECK_EQ(round_trip(&d, image), 0);
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);

   /* the hostile half, on a device of its own */
   struct e2e_log bad = { "host-copy-short", 0 };
   if (e2e_dev_open_ext(&d, &bad, srv.path, bad.name, &on, "VK_EXT_host_image_copy") ||
       make_image(&d, &image, &memory)) {
      CHECK(0);
      pv_vnc_abandon(&d.c);
      return;
   }
   CHECK_EQ(short_data(&d, image), 0);
   CHECK(e2e_server_logged(&srv, "vkCopyMemoryToImageMESA", "512-byte data in the stream"));
   pv_vnc_abandon(&d.c);
   CHECK(e2e_wait_clients(&srv, 0));
}

int
main(void)
{
   if (!host_has_host_copy()) {
      printf("SKIP: the host Vulkan driver has no hostImageCopy (lavapipe before Mesa 24.1), "
             "so host image copies cannot run here\n");
      return 77;
   }
   if (!e2e_main_start(&srv))
      return 1;
   RUN(test_host_copy);
   e2e_server_stop(&srv);
   return pv_test_summary();
}

#else

int
main(void)
{
   printf("SKIP: the build's Vulkan registry predates VK_EXT_host_image_copy "
          "(configure with a 1.4 vk.xml, as ./dev.sh does)\n");
   return 77;
}

#endif
