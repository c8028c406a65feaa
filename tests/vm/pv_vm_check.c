/*
 * pv-vm-check — the guest side of `./dev.sh vm`: plain Vulkan through the
 * guest's own driver (Mesa venus in a VM), checked.
 *
 *   device    the first physical device's name and API version
 *   compute   saxpy over 1M floats in HOST_VISIBLE|COHERENT buffers the
 *             guest maps (virtio-gpu blobs the VMM mapped into the guest):
 *             y = x + 1 with x[i] = i % 1000, checked bit for bit
 *   render    a triangle over the top-left half of a 64x64 image cleared to
 *             black, copied into a mapped buffer, every pixel checked
 *   latency   empty vkQueueSubmit + vkWaitForFences round trips: the guest's
 *             submit-and-wait latency, median and 90th percentile, and the
 *             share over 100 us (a round trip that missed the guest
 *             driver's polling and waited out its sleep)
 *   split     (only when named) where a dispatch's time goes: saxpy rounds
 *             with GPU timestamps, set against CLOCK_MONOTONIC with
 *             VK_EXT_calibrated_timestamps, split into submit → GPU start,
 *             GPU time, GPU end → the waiting thread awake; medians, and
 *             how often a round starts (the loop also reads the timestamps
 *             back and calibrates: through venus, round trips to the host)
 *
 * Each part prints one "pv-vm-check: PART ok|FAILED …" line; the exit
 * status is 0 only when every part passed.  Arguments name the parts to
 * run (default: all); `--rounds N` first sets latency's round trips (200)
 * and split's rounds (50), so that a long run sees more than one state of
 * a busy host; `--spin S` instead keeps dispatching for S seconds (work to
 * interrupt).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/vk_workload.h"
#include "tests/e2e/triangle_pipeline.h"

#include "triangle_frag.spv.h"
#include "triangle_vert.spv.h"

#define N (1u << 20)
#define W 64u

static double
now_ms(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
report(const char *part, int ok, const char *fmt, ...)
   __attribute__((format(printf, 3, 4)));

static int
report(const char *part, int ok, const char *fmt, ...)
{
   va_list ap;
   va_start(ap, fmt);
   printf("pv-vm-check: %s %s: ", part, ok ? "ok" : "FAILED");
   vprintf(fmt, ap);
   printf("\n");
   va_end(ap);
   fflush(stdout);
   return ok ? 0 : 1;
}

/* ---- compute ----------------------------------------------------------------- */

static int
compute(struct pv_wl_gpu *g)
{
   struct pv_wl_buffer x, y;
   if (pv_wl_buffer_create(g, (VkDeviceSize)N * 4, &x) || pv_wl_buffer_create(g, (VkDeviceSize)N * 4, &y))
      return report("compute", 0, "buffers could not be made");
   float *xs = x.map.ptr, *ys = y.map.ptr;
   for (uint32_t i = 0; i < N; i++) {
      xs[i] = (float)(i % 1000);
      ys[i] = 1.0f;
   }
   VkDescriptorSet set = pv_wl_saxpy_set(g, &x, &y);
   VkCommandBuffer cb = pv_wl_cmd(g);
   pv_wl_record_saxpy(g, cb, set, N, 1.0f);
   double t0 = now_ms();
   pv_wl_submit_wait(g, cb);
   double ms = now_ms() - t0;
   uint32_t bad = 0;
   for (uint32_t i = 0; i < N; i++)
      bad += ys[i] != (float)(i % 1000) + 1.0f;
   pv_wl_buffer_destroy(g, &x);
   pv_wl_buffer_destroy(g, &y);
   return report("compute", bad == 0, "%u floats, %u wrong, %.2f ms submit to fence", N, bad, ms);
}

/* ---- render ------------------------------------------------------------------ */

struct target {
   VkImage image;
   VkDeviceMemory mem;
   VkImageView view;
   VkRenderPass pass;
   VkFramebuffer fb;
   VkShaderModule vs, fs;
   VkPipelineLayout layout;
   VkPipeline pipeline;
};

static uint32_t
memory_type(const struct pv_wl_gpu *g, uint32_t bits, VkMemoryPropertyFlags want)
{
   for (uint32_t i = 0; i < g->mem.memoryTypeCount; i++) {
      if ((bits & (1u << i)) && (g->mem.memoryTypes[i].propertyFlags & want) == want)
         return i;
   }
   return UINT32_MAX;
}

static int
make_image(struct pv_wl_gpu *g, struct target *t)
{
   VkImageCreateInfo ii = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { W, W, 1 }, .mipLevels = 1, .arrayLayers = 1,
      .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
   };
   if (vkCreateImage(g->dev, &ii, NULL, &t->image))
      return -1;
   VkMemoryRequirements req;
   vkGetImageMemoryRequirements(g->dev, t->image, &req);
   VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = req.size,
                               .memoryTypeIndex = memory_type(g, req.memoryTypeBits, 0) };
   if (ai.memoryTypeIndex == UINT32_MAX || vkAllocateMemory(g->dev, &ai, NULL, &t->mem) ||
       vkBindImageMemory(g->dev, t->image, t->mem, 0))
      return -1;
   VkImageViewCreateInfo vi = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO, .image = t->image,
      .viewType = VK_IMAGE_VIEW_TYPE_2D, .format = VK_FORMAT_R8G8B8A8_UNORM,
      .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 },
   };
   return vkCreateImageView(g->dev, &vi, NULL, &t->view) ? -1 : 0;
}

static int
make_pass(struct pv_wl_gpu *g, struct target *t)
{
   VkAttachmentDescription a = {
      .format = VK_FORMAT_R8G8B8A8_UNORM, .samples = VK_SAMPLE_COUNT_1_BIT,
      .loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR, .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
      .stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
      .stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
      .finalLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
   };
   VkAttachmentReference ref = { 0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL };
   VkSubpassDescription sub = { .pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
                                .colorAttachmentCount = 1, .pColorAttachments = &ref };
   VkRenderPassCreateInfo rp = { .sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
                                 .attachmentCount = 1, .pAttachments = &a, .subpassCount = 1,
                                 .pSubpasses = &sub };
   if (vkCreateRenderPass(g->dev, &rp, NULL, &t->pass))
      return -1;
   VkFramebufferCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
                                  .renderPass = t->pass, .attachmentCount = 1,
                                  .pAttachments = &t->view, .width = W, .height = W, .layers = 1 };
   return vkCreateFramebuffer(g->dev, &fi, NULL, &t->fb) ? -1 : 0;
}

static int
make_pipeline(struct pv_wl_gpu *g, struct target *t)
{
   VkShaderModuleCreateInfo vs = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = sizeof(spv_triangle_vert), .pCode = spv_triangle_vert };
   VkShaderModuleCreateInfo fs = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = sizeof(spv_triangle_frag), .pCode = spv_triangle_frag };
   VkPushConstantRange pc = { VK_SHADER_STAGE_FRAGMENT_BIT, 0, 16 };
   VkPipelineLayoutCreateInfo pl = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                     .pushConstantRangeCount = 1, .pPushConstantRanges = &pc };
   if (vkCreateShaderModule(g->dev, &vs, NULL, &t->vs) ||
       vkCreateShaderModule(g->dev, &fs, NULL, &t->fs) ||
       vkCreatePipelineLayout(g->dev, &pl, NULL, &t->layout))
      return -1;
   struct e2e_triangle_pipeline tp;
   const VkGraphicsPipelineCreateInfo *gp =
      e2e_triangle_pipeline(&tp, t->vs, t->fs, t->layout, t->pass, W, W);
   return vkCreateGraphicsPipelines(g->dev, VK_NULL_HANDLE, 1, gp, NULL, &t->pipeline) ? -1 : 0;
}

static void
record_render(const struct target *t, VkCommandBuffer cb, VkBuffer out)
{
   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
   vkBeginCommandBuffer(cb, &bi);
   VkClearValue clear = { .color = { .float32 = { 0, 0, 0, 1 } } };
   VkRenderPassBeginInfo rb = { .sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
                                .renderPass = t->pass, .framebuffer = t->fb,
                                .renderArea = { { 0, 0 }, { W, W } }, .clearValueCount = 1,
                                .pClearValues = &clear };
   vkCmdBeginRenderPass(cb, &rb, VK_SUBPASS_CONTENTS_INLINE);
   vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_GRAPHICS, t->pipeline);
   /* 255, 51, 153, 255 in UNORM: no value half-way between two codes,
    * whose rounding drivers may choose differently. */
   const float rgba[4] = { 1.0f, 0.2f, 0.6f, 1.0f };
   vkCmdPushConstants(cb, t->layout, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof(rgba), rgba);
   vkCmdDraw(cb, 3, 1, 0, 0);
   vkCmdEndRenderPass(cb);
   VkBufferImageCopy copy = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                              .imageExtent = { W, W, 1 } };
   vkCmdCopyImageToBuffer(cb, t->image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, out, 1, &copy);
   VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_HOST_READ_BIT };
   vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb,
                        0, NULL, 0, NULL);
   vkEndCommandBuffer(cb);
}

static void
destroy_target(struct pv_wl_gpu *g, struct target *t)
{
   vkDestroyPipeline(g->dev, t->pipeline, NULL);
   vkDestroyPipelineLayout(g->dev, t->layout, NULL);
   vkDestroyShaderModule(g->dev, t->vs, NULL);
   vkDestroyShaderModule(g->dev, t->fs, NULL);
   vkDestroyFramebuffer(g->dev, t->fb, NULL);
   vkDestroyRenderPass(g->dev, t->pass, NULL);
   vkDestroyImageView(g->dev, t->view, NULL);
   vkDestroyImage(g->dev, t->image, NULL);
   vkFreeMemory(g->dev, t->mem, NULL);
}

/* Within one code of `want` in every channel. */
static bool
near(const uint8_t *p, const uint8_t want[4])
{
   for (int i = 0; i < 4; i++) {
      if (p[i] + 1 < want[i] || p[i] > want[i] + 1)
         return false;
   }
   return true;
}

/* Pixels that are neither the triangle's color where the triangle lies
 * nor black elsewhere; pixels on the diagonal may be either. */
static uint32_t
wrong_pixels(const uint8_t *px)
{
   const uint8_t tri[4] = { 255, 51, 153, 255 }, bg[4] = { 0, 0, 0, 255 };
   uint32_t bad = 0;
   for (uint32_t y = 0; y < W; y++) {
      for (uint32_t x = 0; x < W; x++) {
         const uint8_t *p = px + (y * W + x) * 4;
         bool in = x + y < W - 1, edge = x + y == W - 1;
         bool is_tri = near(p, tri), is_bg = near(p, bg);
         bad += edge ? !(is_tri || is_bg) : in ? !is_tri : !is_bg;
      }
   }
   return bad;
}

static int
render(struct pv_wl_gpu *g)
{
   struct target t = { 0 };
   struct pv_wl_buffer out;
   if (make_image(g, &t) || make_pass(g, &t) || make_pipeline(g, &t) ||
       pv_wl_buffer_create(g, W * W * 4, &out)) {
      destroy_target(g, &t);
      return report("render", 0, "image, pass or pipeline could not be made");
   }
   memset(out.map.ptr, 0x55, W * W * 4);
   VkCommandBuffer cb = pv_wl_cmd(g);
   record_render(&t, cb, out.buf);
   double t0 = now_ms();
   pv_wl_submit_wait(g, cb);
   double ms = now_ms() - t0;
   uint32_t bad = wrong_pixels(out.map.ptr);
   pv_wl_buffer_destroy(g, &out);
   destroy_target(g, &t);
   return report("render", bad == 0, "%ux%u triangle, %u wrong pixels, %.2f ms", W, W, bad, ms);
}

/* ---- latency and spin ----------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return x < y ? -1 : x > y;
}

static int
latency(struct pv_wl_gpu *g, unsigned rounds)
{
   double *us = calloc(rounds, sizeof(*us));
   if (!us)
      return 1;
   for (unsigned i = 0; i < rounds; i++) {
      double t0 = now_ms();
      pv_wl_submit_wait(g, VK_NULL_HANDLE);
      us[i] = (now_ms() - t0) * 1000;
   }
   qsort(us, rounds, sizeof(*us), cmp_double);
   unsigned slow = 0; /* past the guest driver's polling, into its sleep */
   while (slow < rounds && us[rounds - 1 - slow] > 100)
      slow++;
   int ret = report("latency", 1,
                    "%u empty submit+wait: median %.0f us, p90 %.0f us, max %.0f us, "
                    "%.1f%% over 100 us",
                    rounds, us[rounds / 2], us[rounds * 9 / 10], us[rounds - 1],
                    100.0 * slow / rounds);
   free(us);
   return ret;
}

/* Dispatch saxpy over and over for `seconds`: work to be interrupted. */
static int
spin(struct pv_wl_gpu *g, double seconds)
{
   struct pv_wl_buffer x, y;
   if (pv_wl_buffer_create(g, (VkDeviceSize)N * 4, &x) || pv_wl_buffer_create(g, (VkDeviceSize)N * 4, &y))
      return report("spin", 0, "buffers could not be made");
   VkDescriptorSet set = pv_wl_saxpy_set(g, &x, &y);
   VkCommandBuffer cb = pv_wl_cmd(g);
   pv_wl_record_saxpy(g, cb, set, N, 1.0f);
   printf("pv-vm-check: spinning\n");
   fflush(stdout);
   unsigned n = 0;
   for (double end = now_ms() + seconds * 1000; now_ms() < end; n++)
      pv_wl_submit_wait(g, cb);
   pv_wl_buffer_destroy(g, &x);
   pv_wl_buffer_destroy(g, &y);
   return report("spin", 1, "%u dispatches", n);
}

/* ---- where a dispatch's time goes ------------------------------------------------ */

/*
 * Natively and through venus the same program: the difference in "submit →
 * GPU start" is the submit's extra way (guest driver, transport, the
 * renderer, the host driver's submit), in "GPU end → awake" the
 * completion's (fence path, the guest driver's own polling and sleeping),
 * and "GPU" is the work itself, which should not differ.
 */
struct split {
   PFN_vkGetCalibratedTimestampsEXT calibrate;
   VkQueryPool pool;
   double period_ns;   /* per timestamp tick */
   uint64_t valid_mask;
};

/* GPU ticks `ticks` on CLOCK_MONOTONIC, in ms, from a fresh calibration. */
static double
gpu_to_ms(struct pv_wl_gpu *g, struct split *s, uint64_t ticks)
{
   const VkCalibratedTimestampInfoEXT info[2] = {
      { VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT, NULL, VK_TIME_DOMAIN_DEVICE_EXT },
      { VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT, NULL, VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT },
   };
   uint64_t ts[2], dev;
   s->calibrate(g->dev, 2, info, ts, &dev);
   double ago_ns = (double)((ts[0] - ticks) & s->valid_mask) * s->period_ns;
   return ((double)ts[1] - ago_ns) / 1e6;
}

static void
record_timed(struct pv_wl_gpu *g, struct split *s, VkCommandBuffer cb, VkDescriptorSet set)
{
   struct {
      float a;
      uint32_t n;
   } pc = { 1.0f, N };
   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
   vkBeginCommandBuffer(cb, &bi);
   vkCmdResetQueryPool(cb, s->pool, 0, 2);
   vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s->pool, 0);
   vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->pipeline);
   vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->layout, 0, 1, &set, 0, NULL);
   vkCmdPushConstants(cb, g->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(pc), &pc);
   vkCmdDispatch(cb, (N + 255) / 256, 1, 1);
   vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s->pool, 1);
   vkEndCommandBuffer(cb);
}

static double
median(double *v, unsigned n)
{
   qsort(v, n, sizeof(*v), cmp_double);
   return v[n / 2];
}

static int
split(struct pv_wl_gpu *g, unsigned rounds)
{
   struct split s = { .calibrate = (PFN_vkGetCalibratedTimestampsEXT)vkGetDeviceProcAddr(
                         g->dev, "vkGetCalibratedTimestampsEXT") };
   VkPhysicalDeviceProperties p;
   vkGetPhysicalDeviceProperties(g->pdev, &p);
   VkQueueFamilyProperties qf[16];
   uint32_t nq = 16;
   vkGetPhysicalDeviceQueueFamilyProperties(g->pdev, &nq, qf);
   uint32_t bits = g->family < nq ? qf[g->family].timestampValidBits : 0;
   if (!g->has_extension || !s.calibrate || !bits)
      return report("split", 0, "needs VK_EXT_calibrated_timestamps and timestamps on the queue");
   s.period_ns = p.limits.timestampPeriod;
   s.valid_mask = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
   const VkQueryPoolCreateInfo qi = { .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                      .queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = 2 };
   struct pv_wl_buffer x, y;
   if (vkCreateQueryPool(g->dev, &qi, NULL, &s.pool) != VK_SUCCESS ||
       pv_wl_buffer_create(g, (VkDeviceSize)N * 4, &x) || pv_wl_buffer_create(g, (VkDeviceSize)N * 4, &y))
      return report("split", 0, "query pool or buffers could not be made");
   VkCommandBuffer cb = pv_wl_cmd(g);
   record_timed(g, &s, cb, pv_wl_saxpy_set(g, &x, &y));
   double *all = calloc(5 * (size_t)rounds, sizeof(double)), *part[5];
   for (int i = 0; i < 5; i++)
      part[i] = all + (size_t)i * rounds;
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = &cb };
   unsigned n = 0;
   double last_t0 = 0;
   for (unsigned r = 0; r < rounds + 3 && all; r++) {
      double t0 = now_ms(), since = t0 - last_t0;
      last_t0 = t0;
      vkQueueSubmit(g->queue, 1, &si, g->fence);
      vkWaitForFences(g->dev, 1, &g->fence, VK_TRUE, UINT64_MAX);
      double t1 = now_ms();
      vkResetFences(g->dev, 1, &g->fence);
      uint64_t ts[2];
      if (vkGetQueryPoolResults(g->dev, s.pool, 0, 2, sizeof(ts), ts, sizeof(ts[0]),
                                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
         break;
      double start = gpu_to_ms(g, &s, ts[0]), end = gpu_to_ms(g, &s, ts[1]);
      if (r < 3)
         continue; /* warm-up: first submissions pay one-time costs */
      part[0][n] = (start - t0) * 1000;
      part[1][n] = (end - start) * 1000;
      part[2][n] = (t1 - end) * 1000;
      part[3][n] = (t1 - t0) * 1000;
      part[4][n++] = since * 1000;
   }
   int ret = n == rounds
                ? report("split", 1,
                         "%u saxpy rounds of %u floats, one every %.0f us (median), medians: "
                         "submit->GPU start %.0f us, GPU %.0f us, GPU end->awake %.0f us, wall %.0f us",
                         n, N, median(part[4], n), median(part[0], n), median(part[1], n),
                         median(part[2], n), median(part[3], n))
                : report("split", 0, "timestamps could not be read (%u of %u rounds)", n, rounds);
   free(all);
   vkDestroyQueryPool(g->dev, s.pool, NULL);
   pv_wl_buffer_destroy(g, &x);
   pv_wl_buffer_destroy(g, &y);
   return ret;
}

static bool
named(int argc, char **argv, const char *part)
{
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], part))
         return true;
   }
   return false;
}

/* Parts named on the command line, or all (but split) when none is. */
static bool
wanted(int argc, char **argv, const char *part)
{
   return argc < 2 || named(argc, argv, part);
}

int
main(int argc, char **argv)
{
   struct pv_vkt t;
   struct pv_wl_gpu g;
   pv_wl_native(&t);
   t.extension = VK_EXT_CALIBRATED_TIMESTAMPS_EXTENSION_NAME; /* for split */
   if (pv_wl_open(&g, &t))
      return report("device", 0, "no Vulkan device with a compute queue");
   VkPhysicalDeviceProperties p;
   vkGetPhysicalDeviceProperties(g.pdev, &p);
   report("device", 1, "%s, Vulkan %u.%u.%u", p.deviceName, VK_API_VERSION_MAJOR(p.apiVersion),
          VK_API_VERSION_MINOR(p.apiVersion), VK_API_VERSION_PATCH(p.apiVersion));
   int failed = 0;
   unsigned rounds = 0;
   if (argc >= 3 && !strcmp(argv[1], "--rounds")) {
      rounds = (unsigned)strtoul(argv[2], NULL, 10);
      if (rounds < 1 || rounds > 10000000)
         return report("arguments", 0, "--rounds takes 1 to 10000000, not '%s'", argv[2]);
      argc -= 2;
      argv += 2;
   }
   if (argc == 3 && !strcmp(argv[1], "--spin")) {
      failed = spin(&g, atof(argv[2]));
   } else {
      failed += wanted(argc, argv, "compute") ? compute(&g) : 0;
      failed += wanted(argc, argv, "render") ? render(&g) : 0;
      failed += wanted(argc, argv, "latency") ? latency(&g, rounds ? rounds : 200) : 0;
      failed += named(argc, argv, "split") ? split(&g, rounds ? rounds : 50) : 0;
   }
   pv_wl_close(&g);
   return failed ? 1 : 0;
}
