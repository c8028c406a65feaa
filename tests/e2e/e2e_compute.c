/* e2e_compute.c — see e2e_compute.h. */
#include "tests/e2e/e2e_compute.h"

#include <string.h>

#ifdef PV_E2E_HAVE_SHADERS
#include "compute_comp.spv.h"
#endif

uint32_t
e2e_expected(uint32_t a, uint32_t b, const struct e2e_push *p)
{
   uint32_t v = a * p->mul + (b ^ p->xor_mask);
   if (!p->spin)
      return v;
   for (uint32_t k = 0; k < p->spin; k++)
      v = v * 1664525u + 1013904223u;
   return v;
}

void
e2e_fill(uint32_t *dst, uint32_t seed)
{
   uint32_t x = seed;
   for (uint32_t i = 0; i < E2E_N; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      dst[i] = x;
   }
}

/* Number of elements of out that differ from the shader's result. */
uint32_t
e2e_mismatches(const uint32_t *a, const uint32_t *b, const uint32_t *out, const struct e2e_push *p)
{
   uint32_t bad = 0;
   for (uint32_t i = 0; i < E2E_N; i++)
      bad += out[i] != e2e_expected(a[i], b[i], p);
   return bad;
}

int
e2e_compute_create(struct e2e_dev *d, struct e2e_compute *k)
{
#ifdef PV_E2E_HAVE_SHADERS
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   memset(k, 0, sizeof(*k));
   if (e2e_shader(d, spv_compute_comp, sizeof(spv_compute_comp), &k->module))
      return -1;

   VkDescriptorSetLayoutBinding b[3];
   for (uint32_t i = 0; i < 3; i++)
      b[i] = (VkDescriptorSetLayoutBinding){ .binding = i, .descriptorCount = 1,
                                             .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                             .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT };
   VkDescriptorSetLayoutCreateInfo sli = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, .bindingCount = 3, .pBindings = b,
   };
   k->set_layout = pv_vnc_new_id(c);
   struct pv_vkCreateDescriptorSetLayout_args dsl = {
      .device = dev, .pCreateInfo = &sli, .pSetLayout_ids = &k->set_layout, .pSetLayout_count = 1,
   };
   OK(PV_VNC_SEND(c, vkCreateDescriptorSetLayout, &dsl));

   VkPushConstantRange range = { VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(struct e2e_push) };
   VkDescriptorSetLayout sl = E2E_H(VkDescriptorSetLayout, k->set_layout);
   VkPipelineLayoutCreateInfo pli = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, .setLayoutCount = 1,
      .pSetLayouts = &sl, .pushConstantRangeCount = 1, .pPushConstantRanges = &range,
   };
   k->layout = pv_vnc_new_id(c);
   struct pv_vkCreatePipelineLayout_args pl = {
      .device = dev, .pCreateInfo = &pli, .pPipelineLayout_ids = &k->layout,
      .pPipelineLayout_count = 1,
   };
   OK(PV_VNC_SEND(c, vkCreatePipelineLayout, &pl));

   VkComputePipelineCreateInfo cpi = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                 .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                 .module = E2E_H(VkShaderModule, k->module), .pName = "main" },
      .layout = E2E_H(VkPipelineLayout, k->layout),
   };
   k->pipeline = pv_vnc_new_id(c);
   VkPipeline pipe = VK_NULL_HANDLE;
   struct pv_vkCreateComputePipelines_args cp = {
      .device = dev, .createInfoCount = 1, .pCreateInfos = &cpi, .pPipelines = &pipe,
      .pPipelines_ids = &k->pipeline, .pPipelines_count = 1,
   };
   OK(PV_VNC_CALL(c, vkCreateComputePipelines, &cp)); /* Mesa: a synchronous call */
   REQUIRE(cp.ret == VK_SUCCESS && PV_VNC_ID(pipe) == k->pipeline);

   VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 6 };
   VkDescriptorPoolCreateInfo dpi = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, .maxSets = 2, .poolSizeCount = 1,
      .pPoolSizes = &ps,
   };
   k->pool = pv_vnc_new_id(c);
   struct pv_vkCreateDescriptorPool_args dp = {
      .device = dev, .pCreateInfo = &dpi, .pDescriptorPool_ids = &k->pool,
      .pDescriptorPool_count = 1,
   };
   OK(PV_VNC_SEND(c, vkCreateDescriptorPool, &dp));
   VkDescriptorSetLayout layouts[2] = { sl, sl };
   VkDescriptorSetAllocateInfo ai = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
      .descriptorPool = E2E_H(VkDescriptorPool, k->pool), .descriptorSetCount = 2,
      .pSetLayouts = layouts,
   };
   k->sets[0] = pv_vnc_new_id(c);
   k->sets[1] = pv_vnc_new_id(c);
   VkDescriptorSet sets[2];
   struct pv_vkAllocateDescriptorSets_args as = {
      .device = dev, .pAllocateInfo = &ai, .pDescriptorSets = sets, .pDescriptorSets_ids = k->sets,
      .pDescriptorSets_count = 2,
   };
   OK(PV_VNC_CALL(c, vkAllocateDescriptorSets, &as));
   REQUIRE(as.ret == VK_SUCCESS && PV_VNC_ID(sets[1]) == k->sets[1]);
   return 0;
#else
   (void)d;
   (void)k;
   return -1;
#endif
}

void
e2e_compute_destroy(struct e2e_dev *d, struct e2e_compute *k)
{
   struct pv_vnc *c = &d->c;
   VkDevice dev = E2E_H(VkDevice, d->device);
   struct pv_vkDestroyPipeline_args p = { .device = dev, .pipeline = E2E_H(VkPipeline, k->pipeline) };
   struct pv_vkDestroyDescriptorPool_args dp = { .device = dev,
                                                 .descriptorPool = E2E_H(VkDescriptorPool, k->pool) };
   struct pv_vkDestroyPipelineLayout_args pl = { .device = dev,
                                                 .pipelineLayout = E2E_H(VkPipelineLayout, k->layout) };
   struct pv_vkDestroyDescriptorSetLayout_args sl = {
      .device = dev, .descriptorSetLayout = E2E_H(VkDescriptorSetLayout, k->set_layout) };
   struct pv_vkDestroyShaderModule_args sm = { .device = dev,
                                               .shaderModule = E2E_H(VkShaderModule, k->module) };
   E2E_OK(d->log, c, PV_VNC_SEND(c, vkDestroyPipeline, &p));
   E2E_OK(d->log, c, PV_VNC_SEND(c, vkDestroyDescriptorPool, &dp));
   E2E_OK(d->log, c, PV_VNC_SEND(c, vkDestroyPipelineLayout, &pl));
   E2E_OK(d->log, c, PV_VNC_SEND(c, vkDestroyDescriptorSetLayout, &sl));
   E2E_OK(d->log, c, PV_VNC_SEND(c, vkDestroyShaderModule, &sm));
}

/* Point set `set` at buffers a, b (inputs) and out. */
int
e2e_bind_set(struct e2e_dev *d, struct e2e_compute *k, int set, const struct e2e_buffer *a,
         const struct e2e_buffer *b, const struct e2e_buffer *out)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDescriptorBufferInfo bi[3] = {
      { E2E_H(VkBuffer, a->buffer), 0, VK_WHOLE_SIZE },
      { E2E_H(VkBuffer, b->buffer), 0, VK_WHOLE_SIZE },
      { E2E_H(VkBuffer, out->buffer), 0, VK_WHOLE_SIZE },
   };
   VkWriteDescriptorSet w[3];
   for (uint32_t i = 0; i < 3; i++)
      w[i] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                     .dstSet = E2E_H(VkDescriptorSet, k->sets[set]),
                                     .dstBinding = i, .descriptorCount = 1,
                                     .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                     .pBufferInfo = &bi[i] };
   struct pv_vkUpdateDescriptorSets_args u = {
      .device = E2E_H(VkDevice, d->device), .descriptorWriteCount = 3, .pDescriptorWrites = w,
   };
   OK(PV_VNC_SEND(c, vkUpdateDescriptorSets, &u));
   return 0;
}

/* A command buffer: dispatch with set `set`, then make the writes
 * visible to the host. */
int
e2e_record(struct e2e_dev *d, struct e2e_compute *k, int set, const struct e2e_push *p, struct e2e_cmd *cb)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   if (e2e_cmd_begin(d, cb))
      return -1;
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, cb->cmd);
   struct pv_vkCmdBindPipeline_args bp = {
      .commandBuffer = cmd, .pipelineBindPoint = VK_PIPELINE_BIND_POINT_COMPUTE,
      .pipeline = E2E_H(VkPipeline, k->pipeline),
   };
   OK(PV_VNC_SEND(c, vkCmdBindPipeline, &bp));
   VkDescriptorSet s = E2E_H(VkDescriptorSet, k->sets[set]);
   struct pv_vkCmdBindDescriptorSets_args bd = {
      .commandBuffer = cmd, .pipelineBindPoint = VK_PIPELINE_BIND_POINT_COMPUTE,
      .layout = E2E_H(VkPipelineLayout, k->layout), .descriptorSetCount = 1, .pDescriptorSets = &s,
   };
   OK(PV_VNC_SEND(c, vkCmdBindDescriptorSets, &bd));
   struct pv_vkCmdPushConstants_args pc = {
      .commandBuffer = cmd, .layout = E2E_H(VkPipelineLayout, k->layout),
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = sizeof(*p), .pValues = p,
   };
   OK(PV_VNC_SEND(c, vkCmdPushConstants, &pc));
   struct pv_vkCmdDispatch_args dp = { .commandBuffer = cmd, .groupCountX = E2E_N / 64,
                                       .groupCountY = 1, .groupCountZ = 1 };
   OK(PV_VNC_SEND(c, vkCmdDispatch, &dp));
   VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT };
   struct pv_vkCmdPipelineBarrier_args pb = {
      .commandBuffer = cmd, .srcStageMask = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      .dstStageMask = VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      .memoryBarrierCount = 1, .pMemoryBarriers = &mb,
   };
   OK(PV_VNC_SEND(c, vkCmdPipelineBarrier, &pb));
   return e2e_cmd_end(d, cb);
}

int
e2e_create_fence(struct e2e_dev *d, uint64_t *fence)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   *fence = pv_vnc_new_id(c);
   struct pv_vkCreateFence_args a = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &fi,
                                      .pFence_ids = fence, .pFence_count = 1 };
   OK(PV_VNC_CALL(c, vkCreateFence, &a));
   REQUIRE(a.ret == VK_SUCCESS);
   return 0;
}

void
e2e_destroy_fence(struct e2e_dev *d, uint64_t fence)
{
   struct pv_vkDestroyFence_args a = { .device = E2E_H(VkDevice, d->device),
                                       .fence = E2E_H(VkFence, fence) };
   E2E_OK(d->log, &d->c, PV_VNC_SEND(&d->c, vkDestroyFence, &a));
}

/* vkQueueSubmit of one command buffer; optional timeline wait/signal. */
int
e2e_submit(struct e2e_dev *d, uint32_t queue, const struct e2e_cmd *cb, uint64_t sem, uint64_t wait,
       uint64_t signal, uint64_t fence)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, cb->cmd);
   VkSemaphore s = E2E_H(VkSemaphore, sem);
   VkPipelineStageFlags stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
   VkTimelineSemaphoreSubmitInfo ts = {
      .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO,
      .waitSemaphoreValueCount = wait ? 1 : 0, .pWaitSemaphoreValues = &wait,
      .signalSemaphoreValueCount = signal ? 1 : 0, .pSignalSemaphoreValues = &signal,
   };
   VkSubmitInfo si = {
      .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .pNext = sem ? &ts : NULL,
      .waitSemaphoreCount = wait ? 1 : 0, .pWaitSemaphores = &s, .pWaitDstStageMask = &stage,
      .commandBufferCount = 1, .pCommandBuffers = &cmd,
      .signalSemaphoreCount = signal ? 1 : 0, .pSignalSemaphores = &s,
   };
   if (!wait) {
      si.pWaitSemaphores = NULL;
      si.pWaitDstStageMask = NULL;
      ts.pWaitSemaphoreValues = NULL;
   }
   if (!signal) {
      si.pSignalSemaphores = NULL;
      ts.pSignalSemaphoreValues = NULL;
   }
   struct pv_vkQueueSubmit_args a = {
      .queue = E2E_H(VkQueue, d->queues[queue]), .submitCount = 1, .pSubmits = &si,
      .fence = E2E_H(VkFence, fence),
   };
   OK(PV_VNC_SEND(c, vkQueueSubmit, &a)); /* Mesa: async on the ring */
   return 0;
}

VkResult
e2e_wait_fence(struct e2e_dev *d, uint64_t fence, uint64_t timeout_ns, double *ms)
{
   VkFence f = E2E_H(VkFence, fence);
   struct pv_vkWaitForFences_args a = { .device = E2E_H(VkDevice, d->device), .fenceCount = 1,
                                        .pFences = &f, .waitAll = VK_TRUE, .timeout = timeout_ns };
   double t0 = e2e_ms();
   if (!E2E_OK(d->log, &d->c, PV_VNC_CALL(&d->c, vkWaitForFences, &a)))
      return VK_ERROR_DEVICE_LOST;
   if (ms)
      *ms = e2e_ms() - t0;
   return a.ret;
}

