/*
 * pipeline_state.c — the pipeline_state guard: a graphics pipeline's
 * stages and fixed-function state, before the driver builds it.
 *
 * Drivers copy vertex bindings, viewports and color-blend attachments into
 * arrays sized by the device's limits, and lavapipe asserts on a stage set
 * it cannot link (then would draw without a vertex shader): both are
 * valid usage the driver trusts, so a pipeline that breaks them ends the
 * context, as other bad indices do.
 */
#include <stddef.h>

#include "renderer/guards/cmd_ranges.h"
#include "renderer/guards/guards.h"
#include "renderer/vk/vk_objects.h"

/* A graphics pipeline's stages: graphics stages, each at most once,
 * tessellation in pairs, and a vertex or mesh stage wherever the pipeline
 * makes pre-rasterization state itself (lavapipe asserts, then would draw
 * without a vertex shader).  Stages linked in from libraries are not seen
 * here. */
static bool
graphics_stages_ok(struct pv_dispatcher *d, const VkGraphicsPipelineCreateInfo *ci, uint32_t i)
{
   const VkShaderStageFlags graphics =
      VK_SHADER_STAGE_ALL_GRAPHICS | VK_SHADER_STAGE_TASK_BIT_EXT | VK_SHADER_STAGE_MESH_BIT_EXT;
   const VkShaderStageFlags tess = VK_SHADER_STAGE_TESSELLATION_CONTROL_BIT |
                                   VK_SHADER_STAGE_TESSELLATION_EVALUATION_BIT;
   VkShaderStageFlags seen = 0;
   for (uint32_t k = 0; ci->pStages && k < ci->stageCount; k++) {
      VkShaderStageFlags st = ci->pStages[k].stage;
      if (!st || (st & (st - 1)) || !(st & graphics) || (seen & st))
         return pv_dispatch_fail(d, "pipeline %u: stage %u is 0x%x (stages so far 0x%x)", i, k,
                                 st, seen), false;
      seen |= st;
   }
   bool libraries = false, pre_raster = true;
   for (const VkBaseInStructure *s = ci->pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_LIBRARY_CREATE_INFO_EXT)
         pre_raster = (((const VkGraphicsPipelineLibraryCreateInfoEXT *)s)->flags &
                       VK_GRAPHICS_PIPELINE_LIBRARY_PRE_RASTERIZATION_SHADERS_BIT_EXT) != 0;
      else if (s->sType == VK_STRUCTURE_TYPE_PIPELINE_LIBRARY_CREATE_INFO_KHR)
         libraries |= ((const VkPipelineLibraryCreateInfoKHR *)s)->libraryCount != 0;
   }
   if ((pre_raster && !libraries &&
        !(seen & (VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_MESH_BIT_EXT))) ||
       ((seen & tess) && (seen & tess) != tess))
      return pv_dispatch_fail(d, "pipeline %u: stages 0x%x lack a vertex or mesh stage or "
                              "half a tessellation pair", i, seen), false;
   return true;
}

/* The fixed-function state drivers copy into arrays sized by the limits. */
static bool
graphics_state_ok(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                  const void *args)
{
   (void)info;
   const struct pv_vkCreateGraphicsPipelines_args *a = args;
   const struct pv_device *dev = (const struct pv_device *)a->device_obj;
   if (!dev)
      return true; /* the handler reports it */
   const VkPhysicalDeviceLimits *l = &dev->pdev->props.limits;
   const VkGraphicsPipelineCreateInfo *infos = a->pCreateInfos;
   uint32_t count = infos ? a->createInfoCount : 0;
   for (uint32_t i = 0; i < count; i++) {
      const VkPipelineVertexInputStateCreateInfo *vi = infos[i].pVertexInputState;
      if (!graphics_stages_ok(d, &infos[i], i))
         return false;
      const VkPipelineViewportStateCreateInfo *vp = infos[i].pViewportState;
      const VkPipelineColorBlendStateCreateInfo *cb = infos[i].pColorBlendState;
      if (vi) {
         struct pv_vertex_input in = {
            vi->pVertexBindingDescriptions, vi->vertexBindingDescriptionCount,
            sizeof(VkVertexInputBindingDescription),
            offsetof(VkVertexInputBindingDescription, binding),
            vi->pVertexAttributeDescriptions, vi->vertexAttributeDescriptionCount,
            sizeof(VkVertexInputAttributeDescription),
            offsetof(VkVertexInputAttributeDescription, location),
            offsetof(VkVertexInputAttributeDescription, binding) };
         if (!pv_vertex_input_ok(d, l, &in))
            return false;
      }
      if ((vp && (vp->viewportCount > l->maxViewports || vp->scissorCount > l->maxViewports)) ||
          (cb && cb->attachmentCount > l->maxColorAttachments)) {
         pv_dispatch_fail(d, "viewport, scissor or color attachment count beyond the device's "
                             "limits (%u viewports, %u attachments)", l->maxViewports,
                          l->maxColorAttachments);
         return false;
      }
   }
   return true;
}

static unsigned
graphics_pipelines(uint32_t id)
{
   return id == PV_CMD_vkCreateGraphicsPipelines ? PV_GUARD_BEFORE : 0;
}

const struct pv_guard pv_guard_pipeline_state = {
   .name = "pipeline_state",
   .file = "guards/pipeline_state.c",
   .what = "a graphics pipeline's stage set and its vertex input, viewport and attachment "
           "counts within the device's limits",
   .watches = graphics_pipelines,
   .before = graphics_state_ok,
};
