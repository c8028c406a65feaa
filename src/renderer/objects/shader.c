/*
 * shader.c — vkCreateShaderModule, with the guest's SPIR-V validated first.
 *
 * Shader compilers in host drivers trust that SPIR-V is valid; lavapipe
 * read through NULL and wild pointers on modules the fuzzers made (an
 * invalid opcode, an id that is never defined).  So every module is run
 * through SPIRV-Tools' validator before the driver sees it, with the
 * layout rules relaxed (layout does not make a compiler crash, and guests
 * use the relaxed layouts their device allows).  A module that fails is
 * refused and the reason logged; Mesa creates modules asynchronously, so
 * the guest's next use of it ends the context.  Without SPIRV-Tools at
 * build time modules pass unchecked, and the first one says so in the log.
 * Then the device limits spirv-val cannot know are checked
 * (spirv_limits.c).  Pipelines with inline SPIR-V go through the same
 * gate (pipeline.c).
 */
#include "renderer/objects/shader.h"

#include <stdlib.h>
#include <string.h>

#include "renderer/handlers.h"
#include "renderer/vk/passthrough.h"
#include "renderer/spirv/spirv_limits.h"
#include "renderer/vk/vk_context.h"

#ifdef PV_HAVE_SPIRV_TOOLS
#include <spirv-tools/libspirv.h>

static bool
spirv_valid(struct pv_dispatcher *d, const uint32_t *code, size_t bytes)
{
   spv_context ctx = spvContextCreate(SPV_ENV_VULKAN_1_3);
   spv_validator_options opts = spvValidatorOptionsCreate();
   if (!ctx || !opts) {
      spvValidatorOptionsDestroy(opts);
      spvContextDestroy(ctx);
      return false;
   }
   spvValidatorOptionsSetSkipBlockLayout(opts, true);
   spvValidatorOptionsSetAllowLocalSizeId(opts, true);
   struct spv_const_binary_t binary = { code, bytes / 4 };
   spv_diagnostic diag = NULL;
   spv_result_t r = spvValidateWithOptions(ctx, opts, &binary, &diag);
   if (r != SPV_SUCCESS)
      pv_warn(d->vk->ctx->log, "%s: invalid SPIR-V refused: %s",
              d->vk->ctx->name, diag && diag->error ? diag->error : "(no detail)");
   spvDiagnosticDestroy(diag);
   spvValidatorOptionsDestroy(opts);
   spvContextDestroy(ctx);
   return r == SPV_SUCCESS;
}
#else
static bool
spirv_valid(struct pv_dispatcher *d, const uint32_t *code, size_t bytes)
{
   (void)code, (void)bytes;
   if (!atomic_exchange(&d->vk->spirv_warned, true))
      pv_warn(d->vk->ctx->log, "%s: built without SPIRV-Tools: guest shaders are not validated",
              d->vk->ctx->name);
   return true;
}
#endif

bool
pv_shader_code_ok(struct pv_dispatcher *d, struct pv_device *dev,
                  const VkShaderModuleCreateInfo *info)
{
   if (!info->pCode || info->codeSize < 20 || info->codeSize % 4) {
      pv_warn(d->vk->ctx->log, "%s: SPIR-V of %zu bytes refused: not a whole module",
              d->vk->ctx->name, (size_t)info->codeSize);
      return false;
   }
   if (!spirv_valid(d, info->pCode, info->codeSize))
      return false;
   char why[160];
   if (!pv_spirv_within_limits(info->pCode, info->codeSize, &dev->pdev->props.limits, why,
                               sizeof(why))) {
      pv_warn(d->vk->ctx->log, "%s: SPIR-V beyond the device's limits refused: %s",
              d->vk->ctx->name, why);
      return false;
   }
   return true;
}

void
pv_handle_vkCreateShaderModule(struct pv_dispatcher *d, struct pv_vkCreateShaderModule_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkShaderModuleCreateInfo *info = a->pCreateInfo;
   if (!dev || !info || !a->pShaderModule)
      return pv_dispatch_fail(d, "device, pCreateInfo or pShaderModule is NULL");
   if (!pv_shader_code_ok(d, dev, info)) {
      a->ret = VK_ERROR_UNKNOWN;
      return;
   }
   struct pv_spirv_resource *res;
   uint32_t n;
   if (pv_spirv_resources(info->pCode, info->codeSize, &res, &n))
      return pv_dispatch_fail(d, "out of memory");
   struct pv_shader_module *m = calloc(1, sizeof(*m) + n * sizeof(m->resources[0]));
   if (!m) {
      free(res);
      return pv_dispatch_fail(d, "out of memory");
   }
   m->resource_count = n;
   memcpy(m->resources, res, n * sizeof(*res));
   free(res);
   a->ret = dev->table.CreateShaderModule(dev->handle, info, NULL, a->pShaderModule);
   if (a->ret != VK_SUCCESS) {
      free(m);
      return;
   }
   m->obj = (struct pv_vk_object){ { a->pShaderModule_ids[0], VK_OBJECT_TYPE_SHADER_MODULE,
                                     (uint64_t)*a->pShaderModule }, dev, 0, 0 };
   if (!pv_dispatch_bind(d, &m->obj.base)) {
      dev->table.DestroyShaderModule(dev->handle, *a->pShaderModule, NULL);
      free(m);
   }
}
