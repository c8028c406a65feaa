/*
 * test_e2e_render — an offscreen triangle through the server: a 64x64
 * RGBA8 image as the color attachment of a render pass (cleared to blue),
 * a graphics pipeline drawing one triangle over the top-left half with a
 * push-constant color, the image copied into a HOST_VISIBLE buffer that
 * the guest maps through a blob.  Every pixel is checked: the triangle's
 * color inside (x + y < 63), the clear color outside (x + y > 63); the
 * diagonal itself is left to the rasterizer's tie-breaking rules.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/e2e/e2e.h"
#include "tests/e2e/triangle_pipeline.h"
#include "tests/pv_test.h"

#ifdef PV_E2E_HAVE_SHADERS
#include "triangle_frag.spv.h"
#include "triangle_vert.spv.h"
#endif

#define W 64u
#define H 64u

static struct e2e_server srv;

struct scene {
   uint64_t image, image_memory, view, render_pass, framebuffer;
   uint64_t vert, frag, layout, pipeline, fence;
   struct e2e_buffer readback;
   struct e2e_cmd cb;
};

static int
create_target(struct e2e_dev *d, struct scene *s)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   VkImageCreateInfo ii = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { W, H, 1 }, .mipLevels = 1, .arrayLayers = 1,
      .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
      .sharingMode = VK_SHARING_MODE_EXCLUSIVE, .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
   };
   s->image = pv_vnc_new_id(c);
   struct pv_vkCreateImage_args ci = { .device = dev, .pCreateInfo = &ii, .pImage_ids = &s->image,
                                       .pImage_count = 1 };
   OK(PV_VNC_SEND(c, vkCreateImage, &ci));
   VkMemoryRequirements req = { 0 };
   struct pv_vkGetImageMemoryRequirements_args gr = {
      .device = dev, .image = E2E_H(VkImage, s->image), .pMemoryRequirements = &req,
   };
   OK(PV_VNC_CALL(c, vkGetImageMemoryRequirements, &gr));
   REQUIRE(req.size >= W * H * 4 && req.memoryTypeBits);
   if (e2e_alloc_memory(d, req.size, req.memoryTypeBits, &s->image_memory))
      return -1;
   struct pv_vkBindImageMemory_args bm = {
      .device = dev, .image = E2E_H(VkImage, s->image),
      .memory = E2E_H(VkDeviceMemory, s->image_memory),
   };
   OK(PV_VNC_CALL(c, vkBindImageMemory, &bm));
   REQUIRE(bm.ret == VK_SUCCESS);

   VkImageViewCreateInfo vi = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO, .image = E2E_H(VkImage, s->image),
      .viewType = VK_IMAGE_VIEW_TYPE_2D, .format = VK_FORMAT_R8G8B8A8_UNORM,
      .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 },
   };
   s->view = pv_vnc_new_id(c);
   struct pv_vkCreateImageView_args cv = { .device = dev, .pCreateInfo = &vi, .pView_ids = &s->view,
                                           .pView_count = 1 };
   OK(PV_VNC_SEND(c, vkCreateImageView, &cv));

   VkAttachmentDescription att = {
      .format = VK_FORMAT_R8G8B8A8_UNORM, .samples = VK_SAMPLE_COUNT_1_BIT,
      .loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR, .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
      .stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
      .stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED, .finalLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
   };
   VkAttachmentReference ref = { 0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL };
   VkSubpassDescription sub = { .pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
                                .colorAttachmentCount = 1, .pColorAttachments = &ref };
   VkSubpassDependency dep = {
      .srcSubpass = 0, .dstSubpass = VK_SUBPASS_EXTERNAL,
      .srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
      .dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT,
      .srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
      .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
   };
   VkRenderPassCreateInfo rpi = {
      .sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO, .attachmentCount = 1, .pAttachments = &att,
      .subpassCount = 1, .pSubpasses = &sub, .dependencyCount = 1, .pDependencies = &dep,
   };
   s->render_pass = pv_vnc_new_id(c);
   struct pv_vkCreateRenderPass_args rp = { .device = dev, .pCreateInfo = &rpi,
                                            .pRenderPass_ids = &s->render_pass,
                                            .pRenderPass_count = 1 };
   OK(PV_VNC_CALL(c, vkCreateRenderPass, &rp));
   REQUIRE(rp.ret == VK_SUCCESS);

   VkImageView view = E2E_H(VkImageView, s->view);
   VkFramebufferCreateInfo fbi = {
      .sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
      .renderPass = E2E_H(VkRenderPass, s->render_pass), .attachmentCount = 1,
      .pAttachments = &view, .width = W, .height = H, .layers = 1,
   };
   s->framebuffer = pv_vnc_new_id(c);
   struct pv_vkCreateFramebuffer_args fb = { .device = dev, .pCreateInfo = &fbi,
                                             .pFramebuffer_ids = &s->framebuffer,
                                             .pFramebuffer_count = 1 };
   OK(PV_VNC_SEND(c, vkCreateFramebuffer, &fb));
   return 0;
}

static int
create_pipeline(struct e2e_dev *d, struct scene *s)
{
#ifdef PV_E2E_HAVE_SHADERS
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   if (e2e_shader(d, spv_triangle_vert, sizeof(spv_triangle_vert), &s->vert) ||
       e2e_shader(d, spv_triangle_frag, sizeof(spv_triangle_frag), &s->frag))
      return -1;
   VkPushConstantRange range = { VK_SHADER_STAGE_FRAGMENT_BIT, 0, 16 };
   VkPipelineLayoutCreateInfo pli = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                      .pushConstantRangeCount = 1, .pPushConstantRanges = &range };
   s->layout = pv_vnc_new_id(c);
   struct pv_vkCreatePipelineLayout_args pl = { .device = dev, .pCreateInfo = &pli,
                                                .pPipelineLayout_ids = &s->layout,
                                                .pPipelineLayout_count = 1 };
   OK(PV_VNC_SEND(c, vkCreatePipelineLayout, &pl));

   struct e2e_triangle_pipeline tp;
   const VkGraphicsPipelineCreateInfo *gpi = e2e_triangle_pipeline(
      &tp, E2E_H(VkShaderModule, s->vert), E2E_H(VkShaderModule, s->frag),
      E2E_H(VkPipelineLayout, s->layout), E2E_H(VkRenderPass, s->render_pass), W, H);
   s->pipeline = pv_vnc_new_id(c);
   struct pv_vkCreateGraphicsPipelines_args gp = {
      .device = dev, .createInfoCount = 1, .pCreateInfos = gpi, .pPipelines_ids = &s->pipeline,
      .pPipelines_count = 1,
   };
   OK(PV_VNC_CALL(c, vkCreateGraphicsPipelines, &gp));
   REQUIRE(gp.ret == VK_SUCCESS);
   return 0;
#else
   (void)d;
   (void)s;
   return -1;
#endif
}

static const float triangle_rgba[4] = { 1.0f, 0.2f, 0.0f, 1.0f };
static const uint8_t triangle_px[4] = { 255, 51, 0, 255 };
static const uint8_t clear_px[4] = { 0, 0, 255, 255 };

static int
draw(struct e2e_dev *d, struct scene *s)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   if (e2e_cmd_begin(d, &s->cb))
      return -1;
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, s->cb.cmd);
   VkClearValue clear = { .color = { .float32 = { 0.0f, 0.0f, 1.0f, 1.0f } } };
   VkRenderPassBeginInfo rbi = {
      .sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
      .renderPass = E2E_H(VkRenderPass, s->render_pass),
      .framebuffer = E2E_H(VkFramebuffer, s->framebuffer), .renderArea = { { 0, 0 }, { W, H } },
      .clearValueCount = 1, .pClearValues = &clear,
   };
   struct pv_vkCmdBeginRenderPass_args br = { .commandBuffer = cmd, .pRenderPassBegin = &rbi,
                                              .contents = VK_SUBPASS_CONTENTS_INLINE };
   OK(PV_VNC_SEND(c, vkCmdBeginRenderPass, &br));
   struct pv_vkCmdBindPipeline_args bp = { .commandBuffer = cmd,
                                           .pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
                                           .pipeline = E2E_H(VkPipeline, s->pipeline) };
   OK(PV_VNC_SEND(c, vkCmdBindPipeline, &bp));
   struct pv_vkCmdPushConstants_args pc = {
      .commandBuffer = cmd, .layout = E2E_H(VkPipelineLayout, s->layout),
      .stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT, .size = sizeof(triangle_rgba),
      .pValues = triangle_rgba,
   };
   OK(PV_VNC_SEND(c, vkCmdPushConstants, &pc));
   struct pv_vkCmdDraw_args dr = { .commandBuffer = cmd, .vertexCount = 3, .instanceCount = 1 };
   OK(PV_VNC_SEND(c, vkCmdDraw, &dr));
   struct pv_vkCmdEndRenderPass_args er = { .commandBuffer = cmd };
   OK(PV_VNC_SEND(c, vkCmdEndRenderPass, &er));
   VkBufferImageCopy region = {
      .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 }, .imageExtent = { W, H, 1 },
   };
   struct pv_vkCmdCopyImageToBuffer_args cp = {
      .commandBuffer = cmd, .srcImage = E2E_H(VkImage, s->image),
      .srcImageLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
      .dstBuffer = E2E_H(VkBuffer, s->readback.buffer), .regionCount = 1, .pRegions = &region,
   };
   OK(PV_VNC_SEND(c, vkCmdCopyImageToBuffer, &cp));
   VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_HOST_READ_BIT };
   struct pv_vkCmdPipelineBarrier_args pb = {
      .commandBuffer = cmd, .srcStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT,
      .dstStageMask = VK_PIPELINE_STAGE_HOST_BIT, .memoryBarrierCount = 1, .pMemoryBarriers = &mb,
   };
   OK(PV_VNC_SEND(c, vkCmdPipelineBarrier, &pb));
   if (e2e_cmd_end(d, &s->cb))
      return -1;

   VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   s->fence = pv_vnc_new_id(c);
   struct pv_vkCreateFence_args cf = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &fi,
                                       .pFence_ids = &s->fence, .pFence_count = 1 };
   OK(PV_VNC_SEND(c, vkCreateFence, &cf));
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = &cmd };
   struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                       .pSubmits = &si, .fence = E2E_H(VkFence, s->fence) };
   OK(PV_VNC_SEND(c, vkQueueSubmit, &qs));
   VkFence f = E2E_H(VkFence, s->fence);
   struct pv_vkWaitForFences_args wf = { .device = E2E_H(VkDevice, d->device), .fenceCount = 1,
                                         .pFences = &f, .waitAll = VK_TRUE,
                                         .timeout = 10ull * 1000 * 1000 * 1000 };
   OK(PV_VNC_CALL(c, vkWaitForFences, &wf));
   REQUIRE(wf.ret == VK_SUCCESS);
   return 0;
}

static void
destroy_scene(struct e2e_dev *d, struct scene *s)
{
   struct pv_vnc *c = &d->c;
   VkDevice dev = E2E_H(VkDevice, d->device);
#define DESTROY(cmd, field, T, id)                                             \
   do {                                                                        \
      struct pv_##cmd##_args a_ = { .device = dev, .field = E2E_H(T, id) };    \
      if (id)                                                                  \
         E2E_OK(d->log, c, PV_VNC_SEND(c, cmd, &a_));                          \
   } while (0)
   if (s->cb.pool)
      e2e_cmd_destroy(d, &s->cb);
   DESTROY(vkDestroyFence, fence, VkFence, s->fence);
   DESTROY(vkDestroyPipeline, pipeline, VkPipeline, s->pipeline);
   DESTROY(vkDestroyPipelineLayout, pipelineLayout, VkPipelineLayout, s->layout);
   DESTROY(vkDestroyShaderModule, shaderModule, VkShaderModule, s->vert);
   DESTROY(vkDestroyShaderModule, shaderModule, VkShaderModule, s->frag);
   DESTROY(vkDestroyFramebuffer, framebuffer, VkFramebuffer, s->framebuffer);
   DESTROY(vkDestroyRenderPass, renderPass, VkRenderPass, s->render_pass);
   DESTROY(vkDestroyImageView, imageView, VkImageView, s->view);
   DESTROY(vkDestroyImage, image, VkImage, s->image);
   DESTROY(vkFreeMemory, memory, VkDeviceMemory, s->image_memory);
#undef DESTROY
   if (s->readback.buffer)
      e2e_buffer_destroy(d, &s->readback);
}

static void
test_triangle(void)
{
   struct e2e_log lg = { "e2e-render", 0 };
   struct e2e_dev d;
   struct scene s;
   memset(&s, 0, sizeof(s));
   int fds = e2e_count_fds();
   double t0 = e2e_ms();
   if (!e2e_dev_open(&d, &lg, srv.path, lg.name, NULL) && !create_target(&d, &s) &&
       !create_pipeline(&d, &s) &&
       !e2e_buffer_create(&d, W * H * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &s.readback)) {
      memset(s.readback.map.map, 0x77, W * H * 4);
      if (!draw(&d, &s)) {
         const uint8_t *px = s.readback.map.map;
         unsigned inside = 0, outside = 0, bad = 0;
         for (unsigned y = 0; y < H; y++) {
            for (unsigned x = 0; x < W; x++) {
               const uint8_t *p = px + 4 * (y * W + x);
               if (x + y == 63)
                  continue;
               const uint8_t *want = x + y < 63 ? triangle_px : clear_px;
               if (memcmp(p, want, 4)) {
                  if (bad++ < 5)
                     fprintf(stderr, "pixel (%u,%u) = %u,%u,%u,%u, want %u,%u,%u,%u\n", x, y,
                             p[0], p[1], p[2], p[3], want[0], want[1], want[2], want[3]);
               } else {
                  inside += want == triangle_px;
                  outside += want == clear_px;
               }
            }
         }
         CHECK_EQ(bad, 0);
         CHECK_EQ(inside, 63 * 64 / 2);
         CHECK_EQ(outside, 63 * 64 / 2);
         printf("triangle: %u pixels in the triangle's color, %u in the clear color, %.0f ms\n",
                inside, outside, e2e_ms() - t0);
      }
      destroy_scene(&d, &s);
      e2e_dev_close(&d);
   } else {
      pv_vnc_abandon(&d.c);
   }
   CHECK_EQ(lg.failures, 0);
   CHECK(e2e_wait_clients(&srv, 0));
   CHECK_EQ(e2e_wait_fds(fds), fds);
}

int
main(void)
{
   E2E_NEED_SHADERS("the triangle");
   if (!e2e_main_start(&srv))
      return 1;
   RUN(test_triangle);
   e2e_server_stop(&srv);
   return pv_test_summary();
}
