/*
 * triangle_pipeline.h — the graphics pipeline of the one-triangle render
 * checks (shaders/triangle.*: no vertex input, a push-constant color), as
 * plain Vulkan structs: test_e2e_render sends it through our client,
 * pv-vm-check (tests/vm) creates it natively in a guest.
 */
#ifndef PV_E2E_TRIANGLE_PIPELINE_H
#define PV_E2E_TRIANGLE_PIPELINE_H

#include <vulkan/vulkan_core.h>

struct e2e_triangle_pipeline {
   VkPipelineShaderStageCreateInfo stages[2];
   VkPipelineVertexInputStateCreateInfo vin;
   VkPipelineInputAssemblyStateCreateInfo ia;
   VkViewport vp;
   VkRect2D sc;
   VkPipelineViewportStateCreateInfo vps;
   VkPipelineRasterizationStateCreateInfo rs;
   VkPipelineMultisampleStateCreateInfo ms;
   VkPipelineColorBlendAttachmentState cba;
   VkPipelineColorBlendStateCreateInfo cb;
   VkGraphicsPipelineCreateInfo info;
};

/* Fill `p` for a `w` x `h` target and return its create info (which points
 * into `p`: keep `p` alive while it is used). */
static inline const VkGraphicsPipelineCreateInfo *
e2e_triangle_pipeline(struct e2e_triangle_pipeline *p, VkShaderModule vert, VkShaderModule frag,
                      VkPipelineLayout layout, VkRenderPass pass, uint32_t w, uint32_t h)
{
   *p = (struct e2e_triangle_pipeline){
      .stages = {
         { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
           .stage = VK_SHADER_STAGE_VERTEX_BIT, .module = vert, .pName = "main" },
         { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
           .stage = VK_SHADER_STAGE_FRAGMENT_BIT, .module = frag, .pName = "main" },
      },
      .vin = { .sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO },
      .ia = { .sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
              .topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST },
      .vp = { 0, 0, (float)w, (float)h, 0, 1 },
      .sc = { { 0, 0 }, { w, h } },
      .rs = { .sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
              .polygonMode = VK_POLYGON_MODE_FILL, .cullMode = VK_CULL_MODE_NONE,
              .frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE, .lineWidth = 1.0f },
      .ms = { .sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
              .rasterizationSamples = VK_SAMPLE_COUNT_1_BIT },
      .cba = { .colorWriteMask = 0xf },
   };
   p->vps = (VkPipelineViewportStateCreateInfo){
      .sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO, .viewportCount = 1,
      .pViewports = &p->vp, .scissorCount = 1, .pScissors = &p->sc };
   p->cb = (VkPipelineColorBlendStateCreateInfo){
      .sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO, .attachmentCount = 1,
      .pAttachments = &p->cba };
   p->info = (VkGraphicsPipelineCreateInfo){
      .sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO, .stageCount = 2,
      .pStages = p->stages, .pVertexInputState = &p->vin, .pInputAssemblyState = &p->ia,
      .pViewportState = &p->vps, .pRasterizationState = &p->rs, .pMultisampleState = &p->ms,
      .pColorBlendState = &p->cb, .layout = layout, .renderPass = pass };
   return &p->info;
}

#endif /* PV_E2E_TRIANGLE_PIPELINE_H */
