/*
 * pipeline_bound.c — the pipeline_bound guard: a draw or dispatch has a
 * pipeline (or shader objects) bound at its bind point.
 *
 * Drivers trust valid usage here and dereference the bound pipeline's
 * state at the draw: without one they crash.  Each command buffer keeps a
 * bit per bind point (vk_objects.h), cleared by vkBeginCommandBuffer and
 * set by vkCmdBindPipeline (shader objects have no command id in the
 * Venus protocol, so nothing binds them here); which commands draw or
 * dispatch, and at which bind point, comes from the registry
 * (pv_gen_draw_bind_point, generated).
 */
#include "renderer/guards/cmd_state.h"
#include "renderer/guards/guards.h"
#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

static bool
bound_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   int point = pv_gen_draw_bind_point(info->id);
   if (point < 0)
      return true;
   const struct pv_command_buffer *cb = pv_cmd_first_command_buffer(info, args);
   if (!cb)
      return true; /* the handler reports it */
   bool bound = point == VK_PIPELINE_BIND_POINT_GRAPHICS ? cb->graphics_bound
                                                         : cb->compute_bound;
   if (!bound)
      pv_dispatch_fail(d, "no %s pipeline is bound",
                       point == VK_PIPELINE_BIND_POINT_GRAPHICS ? "graphics" : "compute");
   return bound;
}

static void
bound_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   (void)d;
   struct pv_command_buffer *cb = pv_cmd_first_command_buffer(info, args);
   if (!cb)
      return;
   switch (info->id) {
   case PV_CMD_vkBeginCommandBuffer:
      cb->graphics_bound = cb->compute_bound = false;
      break;
   case PV_CMD_vkCmdBindPipeline: {
      VkPipelineBindPoint point = ((const struct pv_vkCmdBindPipeline_args *)args)->pipelineBindPoint;
      if (point == VK_PIPELINE_BIND_POINT_GRAPHICS)
         cb->graphics_bound = true;
      else if (point == VK_PIPELINE_BIND_POINT_COMPUTE)
         cb->compute_bound = true;
      break;
   }
   default:
      break;
   }
}

/* Draws and dispatches are checked; beginning a command buffer and
 * binding a pipeline change what is bound. */
static unsigned
bound_watch(uint32_t id)
{
   if (pv_gen_draw_bind_point(id) >= 0)
      return PV_GUARD_BEFORE;
   return id == PV_CMD_vkBeginCommandBuffer || id == PV_CMD_vkCmdBindPipeline ? PV_GUARD_AFTER : 0;
}

const struct pv_guard pv_guard_pipeline_bound = {
   .name = "pipeline_bound",
   .file = "guards/pipeline_bound.c",
   .what = "a draw or dispatch with no pipeline or shader objects bound at its bind point",
   .watches = bound_watch,
   .before = bound_before,
   .after = bound_after,
};
