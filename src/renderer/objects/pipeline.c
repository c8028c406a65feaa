/*
 * pipeline.c — pipeline creation, with inline shader modules checked.
 *
 * A pipeline stage may carry its SPIR-V inline (a VkShaderModuleCreateInfo
 * in the stage's pNext, from graphics pipeline libraries and maintenance5)
 * instead of naming a module.  That code must pass the same gate as
 * vkCreateShaderModule (shader.c), or it would reach the driver's compiler
 * unchecked.  A stage that fails it fails the whole command with
 * VK_ERROR_UNKNOWN and no pipelines, as a driver's compile failure would.
 * Fixed-function state beyond the device's limits is the pipeline_state
 * guard's (guards/pipeline_state.c).  Shader code that uses a descriptor
 * binding its pipeline layout lacks or does not make visible to the
 * stage (lavapipe indexes the layout with the shader's binding number and
 * per-stage tables with its order among the stage's bindings), end the
 * context, as other bad indices do.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/descriptor.h"
#include "renderer/handlers.h"
#include "renderer/vk/passthrough.h"
#include "renderer/objects/shader.h"
#include "renderer/spirv/plain_samplers.h"
#include "renderer/vk/vk_context.h"

/* The bindings a pipeline's stages sample without a depth reference, as
 * they are found (compare_sampling.c holds them against the samplers
 * bound there at submission). */
struct plain_list {
   struct pv_plain_sampler *b;
   uint32_t n, cap;
   bool oom;
};

static void
plain_add(struct plain_list *l, uint32_t set, uint32_t binding)
{
   if (l->n == l->cap) {
      uint32_t cap = l->cap ? 2 * l->cap : 8;
      struct pv_plain_sampler *b = cap > l->cap ? realloc(l->b, cap * sizeof(*b)) : NULL;
      if (!b) {
         l->oom = true;
         return;
      }
      l->b = b, l->cap = cap;
   }
   l->b[l->n++] = (struct pv_plain_sampler){ set, binding };
}

/* Every descriptor binding a stage's code uses is one its layout has, and
 * visible to that stage: lavapipe sizes its per-stage tables by the
 * bindings whose stageFlags name the stage and indexes them by binding
 * order, so a binding used where it is not visible runs past them. */
static bool
resources_ok(struct pv_dispatcher *d, const struct pv_pipeline_layout *layout,
             const struct pv_spirv_resource *res, uint32_t n, uint32_t i,
             VkShaderStageFlags stage, struct plain_list *plain)
{
   for (uint32_t k = 0; k < n; k++) {
      const struct pv_spirv_resource *r = &res[k];
      if (!(r->stages & stage))
         continue; /* another entry point's, or unused */
      if (r->plain_sampling & stage)
         plain_add(plain, r->set, r->binding);
      if (layout && r->set < layout->set_count && !layout->sets[r->set].present)
         continue; /* independent sets: the set comes from another library */
      const struct pv_layout_set *s =
         layout && r->set < layout->set_count ? &layout->sets[r->set] : NULL;
      const struct pv_binding *b = NULL;
      for (uint32_t j = 0; s && j < s->count && !b; j++)
         if (layout->b[s->first + j].binding == r->binding)
            b = &layout->b[s->first + j];
      if (!b || !(b->stages & stage)) {
         pv_dispatch_fail(d, "stage %u (0x%x) uses set %u binding %u, which its pipeline "
                          "layout %s", i, stage, r->set, r->binding,
                          b ? "does not make visible to that stage" : "lacks");
         return false;
      }
   }
   return true;
}

/* Specialization constants: each entry a scalar (1, 2, 4 or 8 bytes)
 * inside the data.  Mesa's runtime copies `size` bytes of each into an
 * 8-byte value in a heap array, so a larger size writes past it. */
static bool
specialization_ok(struct pv_dispatcher *d, const VkSpecializationInfo *si, uint32_t stage)
{
   for (uint32_t i = 0; si && i < si->mapEntryCount; i++) {
      const VkSpecializationMapEntry *e = &si->pMapEntries[i];
      if ((e->size != 1 && e->size != 2 && e->size != 4 && e->size != 8) ||
          e->offset > si->dataSize || e->size > si->dataSize - e->offset) {
         pv_dispatch_fail(d, "stage %u: specialization entry %u (%zu bytes at %u) is not a "
                          "scalar inside %zu bytes of data", stage, i, e->size, e->offset,
                          si->dataSize);
         return false;
      }
   }
   return true;
}

/* A stage may name its module by identifier instead (VK_EXT_shader_module_
 * identifier): the driver looks it up in its cache, or fails the pipeline. */
static bool
has_module_identifier(const VkPipelineShaderStageCreateInfo *stage)
{
   for (const VkBaseInStructure *s = stage->pNext; s; s = s->pNext)
      if (s->sType == VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_MODULE_IDENTIFIER_CREATE_INFO_EXT)
         return true;
   return false;
}

static bool
stages_ok(struct pv_dispatcher *d, struct pv_device *dev, const struct pv_pipeline_layout *layout,
          const VkPipelineShaderStageCreateInfo *stages, uint32_t count, struct plain_list *plain)
{
   for (uint32_t i = 0; stages && i < count; i++) {
      if (!specialization_ok(d, stages[i].pSpecializationInfo, i))
         return false;
      const VkShaderModuleCreateInfo *code = NULL;
      for (const VkBaseInStructure *s = stages[i].pNext; s && !code; s = s->pNext)
         if (s->sType == VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO)
            code = (const VkShaderModuleCreateInfo *)s;
      if (code) {
         struct pv_spirv_resource *res;
         uint32_t n;
         if (!pv_shader_code_ok(d, dev, code))
            return false;
         if (pv_spirv_resources(code->pCode, code->codeSize, &res, &n)) {
            pv_dispatch_fail(d, "out of memory");
            return false;
         }
         bool ok = resources_ok(d, layout, res, n, i, stages[i].stage, plain);
         free(res);
         if (!ok)
            return false;
         continue;
      }
      if (stages[i].module == VK_NULL_HANDLE && !has_module_identifier(&stages[i])) {
         /* a module we refused (shader.c), or none: the driver would read
          * through NULL */
         pv_warn(d->vk->ctx->log, "%s: pipeline stage %u has no module (a refused one, or "
                 "VK_NULL_HANDLE): the pipeline fails", d->vk->ctx->name, i);
         return false;
      }
      const struct pv_shader_module *m = (const struct pv_shader_module *)
         pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_SHADER_MODULE,
                                       (uint64_t)stages[i].module);
      if (m && !resources_ok(d, layout, m->resources, m->resource_count, i, stages[i].stage,
                             plain))
         return false;
   }
   return true;
}

/* Where a kind of create info keeps its stages (a pointer and a count, or,
 * with count_at 0, one stage embedded at stages_at) and its layout. */
struct info_shape {
   size_t stride, stages_at, count_at, layout_at;
};

/* Pipeline libraries linked in bring the bindings their stages sample. */
static void
plain_of_libraries(struct pv_dispatcher *d, const void *info, struct plain_list *plain)
{
   const VkBaseInStructure *s = ((const VkBaseInStructure *)info)->pNext;
   for (; s; s = s->pNext) {
      if (s->sType != VK_STRUCTURE_TYPE_PIPELINE_LIBRARY_CREATE_INFO_KHR)
         continue;
      const VkPipelineLibraryCreateInfoKHR *l = (const VkPipelineLibraryCreateInfoKHR *)s;
      for (uint32_t i = 0; l->pLibraries && i < l->libraryCount; i++) {
         const struct pv_pipeline *p = (const struct pv_pipeline *)pv_object_table_lookup_handle(
            &d->vk->objects, VK_OBJECT_TYPE_PIPELINE, (uint64_t)l->pLibraries[i]);
         for (uint32_t k = 0; p && p->plain && k < p->plain->count; k++)
            plain_add(plain, p->plain->b[k].set, p->plain->b[k].binding);
      }
   }
}

/* Checks each create info's stages; plain[i] gets what info i's stages
 * and libraries sample without a depth reference. */
static bool
create_infos_ok(struct pv_dispatcher *d, struct pv_device *dev, const void *infos,
                uint32_t count, struct info_shape l, struct pv_plain_samplers **plain)
{
   for (uint32_t i = 0; i < count; i++) {
      const char *info = (const char *)infos + (size_t)i * l.stride;
      const VkPipelineShaderStageCreateInfo *stages;
      VkPipelineLayout layout_handle;
      uint32_t n = 1;
      if (l.count_at) {
         memcpy(&stages, info + l.stages_at, sizeof(stages));
         memcpy(&n, info + l.count_at, sizeof(n));
      } else {
         stages = (const VkPipelineShaderStageCreateInfo *)(info + l.stages_at);
      }
      memcpy(&layout_handle, info + l.layout_at, sizeof(layout_handle));
      const struct pv_pipeline_layout *layout = (const struct pv_pipeline_layout *)
         pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_PIPELINE_LAYOUT,
                                       (uint64_t)layout_handle);
      struct plain_list list = { 0 };
      bool ok = stages_ok(d, dev, layout, stages, n, &list);
      plain_of_libraries(d, info, &list);
      if (ok && list.oom)
         ok = (pv_dispatch_fail(d, "out of memory"), false);
      if (ok && list.n && !(plain[i] = pv_plain_samplers_new(list.b, list.n)))
         ok = (pv_dispatch_fail(d, "out of memory"), false);
      free(list.b);
      if (!ok)
         return false;
   }
   return true;
}

/* After creation: each pipeline made keeps its list; the rest are freed. */
static void
keep_plain(struct pv_dispatcher *d, const uint64_t *ids, uint32_t nids,
           struct pv_plain_samplers **plain, uint32_t count)
{
   for (uint32_t i = 0; plain && i < count; i++) {
      struct pv_pipeline *p = ids && i < nids ? (struct pv_pipeline *)pv_object_table_lookup(
         &d->vk->objects, ids[i], VK_OBJECT_TYPE_PIPELINE) : NULL;
      if (p && plain[i] && !p->plain)
         p->plain = plain[i], plain[i] = NULL;
      pv_plain_samplers_unref(plain[i]);
   }
   free(plain);
}

#define STAGES_OF(type, stages, count)                                                    \
   ((struct info_shape){ sizeof(type), offsetof(type, stages), offsetof(type, count),      \
                         offsetof(type, layout) })

/* What the three creation commands share: check every create info, call
 * the host (`create`, with the command's own arguments), bind the new
 * pipelines and give them their sampler lists. */
struct pipelines_call {
   const void *infos;
   uint32_t count;
   struct info_shape shape;
   VkResult (*create)(struct pv_device *dev, const void *args);
   const void *args;
   const uint64_t *ids;
   uint32_t id_count;
   VkPipeline *pipelines;
};

static VkResult
create_pipelines(struct pv_dispatcher *d, struct pv_device *dev, const struct pipelines_call *c)
{
   struct pv_plain_samplers **plain = calloc(c->count + 1, sizeof(*plain));
   if (!plain) {
      pv_dispatch_fail(d, "out of memory");
      return VK_ERROR_OUT_OF_HOST_MEMORY;
   }
   VkResult ret = create_infos_ok(d, dev, c->infos, c->count, c->shape, plain)
                     ? c->create(dev, c->args) : VK_ERROR_UNKNOWN;
   pv_gen_bind(d, dev, ret, VK_OBJECT_TYPE_PIPELINE, c->ids, c->pipelines, sizeof(VkPipeline),
               c->id_count, 0);
   keep_plain(d, c->ids, c->id_count, plain, c->count);
   return ret;
}

static VkResult
create_graphics(struct pv_device *dev, const void *args)
{
   const struct pv_vkCreateGraphicsPipelines_args *a = args;
   return dev->table.CreateGraphicsPipelines(dev->handle, a->pipelineCache, a->createInfoCount,
                                             a->pCreateInfos, NULL, a->pPipelines);
}

void
pv_handle_vkCreateGraphicsPipelines(struct pv_dispatcher *d,
                                    struct pv_vkCreateGraphicsPipelines_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->device_obj, offsetof(struct pv_vk_device_table, CreateGraphicsPipelines));
   if (dev)
      a->ret = create_pipelines(d, dev, &(struct pipelines_call){
         a->pCreateInfos, a->createInfoCount,
         STAGES_OF(VkGraphicsPipelineCreateInfo, pStages, stageCount), create_graphics, a,
         a->pPipelines_ids, a->pPipelines_count, a->pPipelines });
}

static VkResult
create_compute(struct pv_device *dev, const void *args)
{
   const struct pv_vkCreateComputePipelines_args *a = args;
   return dev->table.CreateComputePipelines(dev->handle, a->pipelineCache, a->createInfoCount,
                                            a->pCreateInfos, NULL, a->pPipelines);
}

void
pv_handle_vkCreateComputePipelines(struct pv_dispatcher *d,
                                   struct pv_vkCreateComputePipelines_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->device_obj, offsetof(struct pv_vk_device_table, CreateComputePipelines));
   if (!dev)
      return;
   for (uint32_t i = 0; i < a->createInfoCount; i++)
      if (a->pCreateInfos[i].stage.stage != VK_SHADER_STAGE_COMPUTE_BIT)
         return pv_dispatch_fail(d, "pipeline %u: stage 0x%x in a compute pipeline", i,
                                 a->pCreateInfos[i].stage.stage);
   struct info_shape one = { sizeof(VkComputePipelineCreateInfo),
                             offsetof(VkComputePipelineCreateInfo, stage), 0,
                             offsetof(VkComputePipelineCreateInfo, layout) };
   a->ret = create_pipelines(d, dev, &(struct pipelines_call){
      a->pCreateInfos, a->createInfoCount, one, create_compute, a, a->pPipelines_ids,
      a->pPipelines_count, a->pPipelines });
}

static VkResult
create_ray_tracing(struct pv_device *dev, const void *args)
{
   const struct pv_vkCreateRayTracingPipelinesKHR_args *a = args;
   return dev->table.CreateRayTracingPipelinesKHR(dev->handle, a->deferredOperation,
                                                  a->pipelineCache, a->createInfoCount,
                                                  a->pCreateInfos, NULL, a->pPipelines);
}

void
pv_handle_vkCreateRayTracingPipelinesKHR(struct pv_dispatcher *d,
                                         struct pv_vkCreateRayTracingPipelinesKHR_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->device_obj, offsetof(struct pv_vk_device_table, CreateRayTracingPipelinesKHR));
   if (dev)
      a->ret = create_pipelines(d, dev, &(struct pipelines_call){
         a->pCreateInfos, a->createInfoCount,
         STAGES_OF(VkRayTracingPipelineCreateInfoKHR, pStages, stageCount), create_ray_tracing,
         a, a->pPipelines_ids, a->pPipelines_count, a->pPipelines });
}
