/*
 * test_e2e_transfer — an image's texels through two buffers, as a video
 * upload and download do: bytes in a mapped buffer, vkCmdCopyBufferToImage,
 * a barrier, vkCmdCopyImageToBuffer into a second mapped buffer; every
 * byte must come back.  Once with a plain transfer image, then shaped as
 * ffmpeg 7.1's frames are (usage transfer + sampled + storage, ALIAS_BIT,
 * its memory allocated exportable), then also with its sync2 barriers (the
 * first from queue family 0), then also submitted as it does (three
 * vkQueueSubmit2 batches chained by a timeline semaphore), then with each
 * batch followed by command buffers like the ones Mesa venus appends (an
 * empty one recorded once, one copying 8 bytes).  Written while finding why
 * ffmpeg 7.1 read back zeros through us: none of these was the cause, which
 * turned out to be ffmpeg 7.1's own transfer path for devices without
 * VK_EXT_external_memory_host (zeros natively too).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/e2e/e2e.h"
#include "tests/pv_test.h"

#define W 64u
#define H 32u

static struct e2e_server srv;

struct shape {
   const char *name;
   VkImageUsageFlags usage;
   VkImageCreateFlags flags;
   bool exportable;
   bool sync2; /* barriers as ffmpeg 7.1 records them: vkCmdPipelineBarrier2, the first
                * one from queue family 0 to VK_QUEUE_FAMILY_IGNORED */
   bool staged; /* and submitted as it does: three vkQueueSubmit2 batches (layout, upload,
                 * download), each waiting for the last on a timeline semaphore */
   bool venus_extras; /* and each batch followed by an empty command buffer recorded once
                       * and one that copies 8 bytes between two other buffers */
};

static int
image_for(struct e2e_dev *d, const struct shape *sh, uint64_t *image, uint64_t *memory)
{
   VkImageCreateInfo ii = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .flags = sh->flags,
      .imageType = VK_IMAGE_TYPE_2D, .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { W, H, 1 },
      .mipLevels = 1, .arrayLayers = 1, .samples = VK_SAMPLE_COUNT_1_BIT,
      .tiling = VK_IMAGE_TILING_OPTIMAL, .usage = sh->usage,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
   };
   VkExportMemoryAllocateInfo ex = { .sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO,
                                     .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT };
   return e2e_image_create(d, &ii, sh->exportable ? &ex : NULL, image, memory);
}

static int
barrier(struct e2e_dev *d, VkCommandBuffer cmd, uint64_t image, VkImageLayout from,
        VkImageLayout to, bool sync2)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   if (sync2) {
      VkImageMemoryBarrier2 ib2 = {
         .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER_2,
         .srcStageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT,
         .srcAccessMask = VK_ACCESS_2_MEMORY_WRITE_BIT,
         .dstStageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT,
         .dstAccessMask = VK_ACCESS_2_MEMORY_READ_BIT | VK_ACCESS_2_MEMORY_WRITE_BIT,
         .oldLayout = from, .newLayout = to,
         .srcQueueFamilyIndex = from == VK_IMAGE_LAYOUT_UNDEFINED ? 0 : VK_QUEUE_FAMILY_IGNORED,
         .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED, .image = E2E_H(VkImage, image),
         .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
      VkDependencyInfo di = { .sType = VK_STRUCTURE_TYPE_DEPENDENCY_INFO,
                              .imageMemoryBarrierCount = 1, .pImageMemoryBarriers = &ib2 };
      struct pv_vkCmdPipelineBarrier2_args pb2 = { .commandBuffer = cmd, .pDependencyInfo = &di };
      OK(PV_VNC_SEND(c, vkCmdPipelineBarrier2, &pb2));
      return 0;
   }
   VkImageMemoryBarrier ib = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
      .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT,
      .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
      .oldLayout = from, .newLayout = to, .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
      .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED, .image = E2E_H(VkImage, image),
      .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
   struct pv_vkCmdPipelineBarrier_args pb = {
      .commandBuffer = cmd, .srcStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
      .dstStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, .imageMemoryBarrierCount = 1,
      .pImageMemoryBarriers = &ib };
   OK(PV_VNC_SEND(c, vkCmdPipelineBarrier, &pb));
   return 0;
}

/* With `extra` (two command buffers, may be 0) each batch also runs them
 * after its own, as Mesa venus appends its feedback command buffers. */
static int
submit2(struct e2e_dev *d, uint64_t cmd_id, uint64_t sem, uint64_t wait, uint64_t signal,
        uint64_t fence, const uint64_t *extra)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkSemaphoreSubmitInfo w = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO,
                               .semaphore = E2E_H(VkSemaphore, sem), .value = wait,
                               .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
   VkSemaphoreSubmitInfo s = w;
   s.value = signal;
   VkCommandBufferSubmitInfo cbi[3] = {
      { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO,
        .commandBuffer = E2E_H(VkCommandBuffer, cmd_id) },
      { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO,
        .commandBuffer = extra ? E2E_H(VkCommandBuffer, extra[0]) : VK_NULL_HANDLE },
      { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO,
        .commandBuffer = extra ? E2E_H(VkCommandBuffer, extra[1]) : VK_NULL_HANDLE } };
   VkSubmitInfo2 si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .waitSemaphoreInfoCount = 1,
                        .pWaitSemaphoreInfos = &w, .commandBufferInfoCount = extra ? 3 : 1,
                        .pCommandBufferInfos = cbi, .signalSemaphoreInfoCount = 1,
                        .pSignalSemaphoreInfos = &s };
   struct pv_vkQueueSubmit2_args qs = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                        .pSubmits = &si,
                                        .fence = fence ? E2E_H(VkFence, fence) : VK_NULL_HANDLE };
   OK(PV_VNC_SEND(c, vkQueueSubmit2, &qs));
   return 0;
}

static int
timeline(struct e2e_dev *d, uint64_t *sem)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkSemaphoreTypeCreateInfo ti = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                    .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
   VkSemaphoreCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &ti };
   *sem = pv_vnc_new_id(c);
   struct pv_vkCreateSemaphore_args cs = { .device = E2E_H(VkDevice, d->device),
                                           .pCreateInfo = &si, .pSemaphore_ids = sem,
                                           .pSemaphore_count = 1 };
   OK(PV_VNC_CALL(c, vkCreateSemaphore, &cs));
   REQUIRE(cs.ret == VK_SUCCESS);
   return 0;
}

static int
round_trip(struct e2e_dev *d, const struct shape *sh)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   uint64_t image, memory;
   struct e2e_buffer up, down;
   if (image_for(d, sh, &image, &memory) ||
       e2e_buffer_create(d, W * H * 4, VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                         VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &up) ||
       e2e_buffer_create(d, W * H * 4, VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                         VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &down))
      return -1;
   uint8_t *in = up.map.map, *out = down.map.map;
   for (uint32_t i = 0; i < W * H * 4; i++)
      in[i] = (uint8_t)(i * 13 + 1);
   memset(out, 0, W * H * 4);
   VkBufferImageCopy region = { .bufferRowLength = W, .bufferImageHeight = H,
                                .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                                .imageExtent = { W, H, 1 } };
   struct e2e_cmd cbs[3];
   unsigned ncb = sh->staged ? 3 : 1, k = 0;
   if (e2e_cmd_begin(d, &cbs[0]))
      return -1;
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, cbs[0].cmd);
   if (barrier(d, cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
               sh->sync2))
      return -1;
   if (sh->staged) {
      if (e2e_cmd_end(d, &cbs[k]) || e2e_cmd_begin(d, &cbs[++k]))
         return -1;
      cmd = E2E_H(VkCommandBuffer, cbs[k].cmd);
   }
   struct pv_vkCmdCopyBufferToImage_args bi = {
      .commandBuffer = cmd, .srcBuffer = E2E_H(VkBuffer, up.buffer), .dstImage = E2E_H(VkImage, image),
      .dstImageLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, .regionCount = 1, .pRegions = &region };
   OK(PV_VNC_SEND(c, vkCmdCopyBufferToImage, &bi));
   if (sh->staged) {
      if (e2e_cmd_end(d, &cbs[k]) || e2e_cmd_begin(d, &cbs[++k]))
         return -1;
      cmd = E2E_H(VkCommandBuffer, cbs[k].cmd);
   }
   if (barrier(d, cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
               VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, sh->sync2))
      return -1;
   struct pv_vkCmdCopyImageToBuffer_args ib = {
      .commandBuffer = cmd, .srcImage = E2E_H(VkImage, image),
      .srcImageLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
      .dstBuffer = E2E_H(VkBuffer, down.buffer), .regionCount = 1, .pRegions = &region };
   OK(PV_VNC_SEND(c, vkCmdCopyImageToBuffer, &ib));
   if (e2e_cmd_end(d, &cbs[k]))
      return -1;
   uint64_t fence = pv_vnc_new_id(c);
   VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   struct pv_vkCreateFence_args cf = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &fi,
                                       .pFence_ids = &fence, .pFence_count = 1 };
   OK(PV_VNC_SEND(c, vkCreateFence, &cf));
   if (sh->staged) {
      uint64_t sem;
      if (timeline(d, &sem))
         return -1;
      uint64_t extra[2] = { 0, 0 };
      struct e2e_cmd empty, fb;
      struct e2e_buffer slots;
      if (sh->venus_extras) {
         if (e2e_buffer_create(d, 4096, VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                               VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &slots) ||
             e2e_cmd_begin(d, &empty) || e2e_cmd_end(d, &empty) || e2e_cmd_begin(d, &fb))
            return -1;
         VkBufferCopy bc = { 0, 64, 8 };
         struct pv_vkCmdCopyBuffer_args cb = { .commandBuffer = E2E_H(VkCommandBuffer, fb.cmd),
                                               .srcBuffer = E2E_H(VkBuffer, slots.buffer),
                                               .dstBuffer = E2E_H(VkBuffer, slots.buffer),
                                               .regionCount = 1, .pRegions = &bc };
         OK(PV_VNC_SEND(c, vkCmdCopyBuffer, &cb));
         if (e2e_cmd_end(d, &fb))
            return -1;
         extra[0] = empty.cmd, extra[1] = fb.cmd;
      }
      for (unsigned i = 0; i < ncb; i++)
         if (submit2(d, cbs[i].cmd, sem, i, i + 1, i + 1 == ncb ? fence : 0,
                     sh->venus_extras ? extra : NULL))
            return -1;
   } else {
      VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                          .pCommandBuffers = &cmd };
      struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, d->queues[0]),
                                          .submitCount = 1, .pSubmits = &si,
                                          .fence = E2E_H(VkFence, fence) };
      OK(PV_VNC_SEND(c, vkQueueSubmit, &qs));
   }
   VkFence f = E2E_H(VkFence, fence);
   struct pv_vkWaitForFences_args wf = { .device = E2E_H(VkDevice, d->device), .fenceCount = 1,
                                         .pFences = &f, .waitAll = VK_TRUE,
                                         .timeout = 10ull * 1000 * 1000 * 1000 };
   OK(PV_VNC_CALL(c, vkWaitForFences, &wf));
   REQUIRE(wf.ret == VK_SUCCESS);
   size_t same = 0;
   for (uint32_t i = 0; i < W * H * 4; i++)
      same += in[i] == out[i];
   printf("%s: %zu of %u bytes came back\n", sh->name, same, W * H * 4);
   REQUIRE(same == W * H * 4);
   return 0;
}

static void
test_transfer(void)
{
   static const struct shape shapes[] = {
      { "plain transfer image", VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT,
        0, false, false, false, false },
      { "ffmpeg-7.1-shaped image", 0xf, VK_IMAGE_CREATE_ALIAS_BIT, true, false, false, false },
      { "ffmpeg-7.1-shaped image, sync2 barriers", 0xf, VK_IMAGE_CREATE_ALIAS_BIT, true, true,
        false, false },
      { "ffmpeg-7.1-shaped image, three timeline-chained submissions", 0xf,
        VK_IMAGE_CREATE_ALIAS_BIT, true, true, true, false },
      { "the same, each batch followed by venus-like extra command buffers", 0xf,
        VK_IMAGE_CREATE_ALIAS_BIT, true, true, true, true },
   };
   for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
      struct e2e_log lg = { shapes[i].name, 0 };
      struct e2e_dev d;
      if (e2e_dev_open(&d, &lg, srv.path, "transfer", NULL)) {
         CHECK(0);
         pv_vnc_abandon(&d.c);
         continue;
      }
      CHECK_EQ(round_trip(&d, &shapes[i]), 0);
      CHECK_EQ(lg.failures, 0);
      pv_vnc_abandon(&d.c);
      CHECK(e2e_wait_clients(&srv, 0));
   }
}

int
main(void)
{
   if (!e2e_main_start(&srv))
      return 1;
   RUN(test_transfer);
   e2e_server_stop(&srv);
   return pv_test_summary();
}
