/*
 * test_spirv_limits — the device-limit checks on guest SPIR-V
 * (src/renderer/spirv_limits.c) over small modules assembled from
 * tests/unit/spirv/: every ok-* module passes, every bad-* module is
 * refused with a reason, and a module naming ids beyond its bound (which
 * only a build without SPIRV-Tools would let through) is refused safely.
 * Also the bindings a module uses and the stages using each
 * (src/renderer/spirv_resources.c), on a module of two entry points.
 *
 * Arguments: the assembled .spv files.  The limits are lavapipe's.
 */
#include <string.h>

#include "pv_test.h"
#include "renderer/spirv/spirv_limits.h"

static const char **files;
static int nfiles;

static VkPhysicalDeviceLimits
lavapipe_limits(void)
{
   VkPhysicalDeviceLimits l = { 0 };
   l.maxVertexInputAttributes = 32;
   l.maxVertexOutputComponents = 128;
   l.maxTessellationControlPerVertexInputComponents = 128;
   l.maxTessellationControlPerVertexOutputComponents = 128;
   l.maxTessellationControlPerPatchOutputComponents = 120;
   l.maxTessellationEvaluationInputComponents = 128;
   l.maxTessellationEvaluationOutputComponents = 128;
   l.maxGeometryInputComponents = 64;
   l.maxGeometryOutputComponents = 128;
   l.maxFragmentInputComponents = 128;
   l.maxFragmentOutputAttachments = 8;
   l.maxClipDistances = 8;
   l.maxCullDistances = 8;
   l.maxComputeWorkGroupSize[0] = l.maxComputeWorkGroupSize[1] = 1024;
   l.maxComputeWorkGroupSize[2] = 64;
   l.maxComputeWorkGroupInvocations = 1024;
   return l;
}

static uint32_t *
load(const char *path, size_t *bytes)
{
   FILE *f = fopen(path, "rb");
   uint32_t *code = calloc(1, 1 << 16);
   *bytes = f && code ? fread(code, 1, 1 << 16, f) : 0;
   if (f)
      fclose(f);
   return code;
}

static void
test_modules(void)
{
   VkPhysicalDeviceLimits limits = lavapipe_limits();
   CHECK(nfiles >= 17);
   for (int i = 0; i < nfiles; i++) {
      const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
      size_t bytes;
      uint32_t *code = load(files[i], &bytes);
      char why[160] = "";
      bool ok = pv_spirv_within_limits(code, bytes, &limits, why, sizeof(why));
      bool want = strncmp(base, "ok-", 3) == 0;
      printf("  %-40s %s%s%s\n", base, ok ? "passes" : "refused", ok ? "" : ": ", why);
      CHECK(bytes >= 20);
      CHECK(ok == want);
      CHECK(ok || why[0]);
      free(code);
   }
}

static void
test_ids_beyond_bound(void)
{
   VkPhysicalDeviceLimits limits = lavapipe_limits();
   /* Header with bound 4, then OpDecorate %100 Location 0 and
    * OpTypeArray %200 %300 %400. */
   uint32_t code[] = { 0x07230203, 0x00010000, 0, 4, 0,
                       (4u << 16) | 71, 100, 30, 0,
                       (4u << 16) | 28, 200, 300, 400 };
   char why[160] = "";
   CHECK(!pv_spirv_within_limits(code, sizeof(code), &limits, why, sizeof(why)));
   CHECK(strstr(why, "beyond the bound") != NULL);
   /* An instruction whose length runs past the end. */
   uint32_t cut[] = { 0x07230203, 0x00010000, 0, 4, 0, (9u << 16) | 71, 1, 30 };
   CHECK(!pv_spirv_within_limits(cut, sizeof(cut), &limits, why, sizeof(why)));
}

/* Set 0 binding 0: vertex; 1: fragment (through a call), sampled plainly
 * through a parameter; 3: both (through a shared function); 4: fragment,
 * sampled with a depth reference only; set 1 binding 2: neither. */
static void
test_resource_stages(void)
{
   const char *path = NULL;
   for (int i = 0; i < nfiles; i++)
      if (strstr(files[i], "ok-two-entry-points-resources"))
         path = files[i];
   CHECK(path != NULL);
   if (!path)
      return;
   size_t bytes;
   uint32_t *code = load(path, &bytes);
   struct pv_spirv_resource *r;
   uint32_t n;
   CHECK_EQ(pv_spirv_resources(code, bytes, &r, &n), 0);
   CHECK_EQ(n, 5);
   uint32_t want[5] = { 0x1, 0x10, 0, 0x11, 0x10 };
   for (uint32_t i = 0; i < n; i++) {
      printf("  set %u binding %u: stages 0x%x, sampled plainly by 0x%x\n", r[i].set,
             r[i].binding, r[i].stages, r[i].plain_sampling);
      CHECK_EQ(r[i].set, r[i].binding == 2 ? 1u : 0u);
      CHECK(r[i].binding < 5);
      if (r[i].binding < 5)
         CHECK_EQ(r[i].stages, want[r[i].binding]);
      CHECK_EQ(r[i].plain_sampling, r[i].binding == 1 ? 0x10u : 0u);
   }
   free(r);
   /* Cut inside a function: fewer uses, no read past the end. */
   CHECK_EQ(pv_spirv_resources(code, bytes - 12, &r, &n), 0);
   free(r);
   free(code);
}

int
main(int argc, char **argv)
{
   files = (const char **)argv + 1;
   nfiles = argc - 1;
   RUN(test_modules);
   RUN(test_ids_beyond_bound);
   RUN(test_resource_stages);
   return pv_test_summary();
}
