/*
 * shader.c — vkCreateShaderModule, with the guest's SPIR-V validated first.
 *
 * Shader compilers in host drivers trust that SPIR-V is valid; lavapipe
 * read through NULL and wild pointers on modules the fuzzers made (an
 * invalid opcode, an id that is never defined).  So every module is run
 * through SPIRV-Tools' validator before the driver sees it, with the
 * layout rules relaxed (layout does not make a compiler crash, and guests
 * use the relaxed layouts their device allows), and with capabilities
 * that drivers do not need declared taken as declared (implied_caps).  A
 * module that fails is refused and the reason logged; Mesa creates
 * modules asynchronously, so the refusal reaches the guest at the first
 * pipeline made from it, as a failed creation.  Without SPIRV-Tools at
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

/*
 * Capabilities a module may use without declaring them, because drivers
 * compile the instruction that needs them all the same: Mesa 22.3's zink
 * decorates gl_SampleID / gl_SamplePosition without SampleRateShading, and
 * lavapipe and NVIDIA run it.  The validator is given a copy with the
 * declaration added; the driver gets the module as the guest sent it, as
 * it would natively.  Only capabilities that add no storage, types or
 * instructions of their own belong here.
 */
static const struct {
   const char *name;
   uint32_t value;
} implied_caps[] = {
   { "SampleRateShading", 35 },
};

#define OP_CAPABILITY_2_WORDS ((2u << 16) | 17u) /* OpCapability, word count 2 */

/* The implied capability a validator message asks for, or 0. */
static uint32_t
missing_capability(const char *msg)
{
   const char *p = msg ? strstr(msg, "requires one of these capabilities: ") : NULL;
   if (!p)
      return 0;
   p += strlen("requires one of these capabilities: ");
   for (size_t i = 0; i < sizeof(implied_caps) / sizeof(implied_caps[0]); i++) {
      size_t n = strlen(implied_caps[i].name);
      if (!strncmp(p, implied_caps[i].name, n) && (p[n] == ' ' || p[n] == '\0'))
         return implied_caps[i].value;
   }
   return 0;
}

/* `words` with OpCapability `cap` added after the header (5 words); NULL
 * when out of memory.  The caller frees it. */
static uint32_t *
with_capability(const uint32_t *words, size_t count, uint32_t cap)
{
   uint32_t *out = malloc((count + 2) * sizeof(*out));
   if (!out)
      return NULL;
   memcpy(out, words, 5 * sizeof(*out));
   out[5] = OP_CAPABILITY_2_WORDS;
   out[6] = cap;
   memcpy(out + 7, words + 5, (count - 5) * sizeof(*out));
   return out;
}

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
   size_t count = bytes / 4;
   uint32_t *copy = NULL; /* with implied capabilities added */
   spv_result_t r;
   spv_diagnostic diag = NULL;
   for (unsigned added = 0;; added++) {
      struct spv_const_binary_t binary = { copy ? copy : code, count };
      spvDiagnosticDestroy(diag);
      diag = NULL;
      r = spvValidateWithOptions(ctx, opts, &binary, &diag);
      uint32_t cap = r != SPV_SUCCESS && added < 4 ? missing_capability(diag ? diag->error : NULL)
                                                   : 0;
      uint32_t *next = cap ? with_capability(copy ? copy : code, count, cap) : NULL;
      if (!next)
         break;
      pv_debug(d->vk->ctx->log, "%s: SPIR-V uses capability %u without declaring it; "
               "validated as if declared", d->vk->ctx->name, cap);
      free(copy);
      copy = next;
      count += 2;
   }
   if (r != SPV_SUCCESS)
      pv_warn(d->vk->ctx->log, "%s: invalid SPIR-V refused: %s",
              d->vk->ctx->name, diag && diag->error ? diag->error : "(no detail)");
   free(copy);
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

/*
 * Mesa creates modules without waiting for the reply, so a guest does not
 * learn of a refusal here.  Its id is bound to a module with no host
 * object (VK_NULL_HANDLE, which destroying ignores): a pipeline naming it
 * fails with a Vulkan error (pipeline.c) instead of the whole context
 * dying on an unknown id.
 */
static void
refused_module(struct pv_dispatcher *d, struct pv_device *dev, uint64_t id)
{
   struct pv_shader_module *m = calloc(1, sizeof(*m));
   if (!m)
      return pv_dispatch_fail(d, "out of memory");
   m->obj = (struct pv_vk_object){ { id, VK_OBJECT_TYPE_SHADER_MODULE, 0 }, dev, 0, 0 };
   if (!pv_dispatch_bind(d, &m->obj.base))
      free(m);
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
      refused_module(d, dev, a->pShaderModule_ids[0]);
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
