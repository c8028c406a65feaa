/*
 * vulkan_bench.c — `pv-venus bench vulkan`: the cost of going through
 * pv-venus, measured against the host driver called directly, in one run.
 *
 * Every workload is written once against `struct pv_vkt`, a table of Vulkan
 * entry points, and runs twice: with the host's own entry points
 * ("native") and with entry points that encode each call and send it
 * through our guest-side client over a real vtest socket and ring to an
 * in-process server ("through").  The through path calls as Mesa's venus
 * driver does: asynchronous where Mesa is, synchronous replies where it
 * waits.  What the guest driver itself adds (Mesa's back-off while it
 * waits for a fence) is not in these figures: they measure the host side.
 */
#include "bench/pv_bench.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/pv_platform.h"
#include "cs/pv_cs_generated.h"
#include "pvvenus.h"
#include "tests/client/client_vk.h"
#include "tests/client/venus_client.h"
#include "vtest/vtest_server.h"

#include "bench/vk_workload.h"

/* ---- statistics --------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return x < y ? -1 : x > y;
}

static double
percentile(double *v, size_t n, double p)
{
   qsort(v, n, sizeof(*v), cmp_double);
   size_t i = (size_t)(p * (double)(n - 1));
   return v[i];
}

static double
now_us(void)
{
   return (double)pv_now_ns() / 1e3;
}

/* ---- workloads ----------------------------------------------------------------- */

struct figures {
   double create_ms;              /* instance + device, median */
   double rt_med_us, rt_p99_us;   /* sync round trip, back to back */
   double rt_spin_med_us;         /* the same with a client that spins, not yields */
   double rt_idle_med_us;         /* sync round trip after the reader went idle */
   double rec_cmds_per_s, rec_mb_per_s;
   double submit_empty_us, submit_one_us;
   double big_ms;                 /* large dispatch, median */
   double big_robust_ms;          /* native only: the same with robustBufferAccess on */
   uint32_t big_n;
   double host_stream_us;         /* through only: a pre-encoded vkCmd* stream, host side */
   double decode_only_us;         /* the same stream through the decoder alone */
   double decode_tables_us;       /* …with the generated fast decoders off */
   double host_stream_bytes;
   int host_stream_cmds;
   bool ok;
};

static double
bench_create(struct pv_vkt *t, int reps)
{
   double v[64];
   for (int i = 0; i < reps; i++) {
      struct pv_wl_gpu g = { .t = t };
      double t0 = now_us();
      if (pv_wl_open_device(&g))
         return NAN;
      pv_wl_close_device(&g);
      v[i] = (now_us() - t0) / 1e3;
   }
   return percentile(v, (size_t)reps, 0.5);
}

/* A tiny command with a reply: vkGetFenceStatus of an unsignaled fence. */
static void
bench_round_trip(struct pv_wl_gpu *g, int n, uint64_t gap_ns, double *med, double *p99)
{
   double *v = calloc((size_t)n, sizeof(*v));
   for (int i = 0; i < n; i++) {
      if (gap_ns)
         pv_sleep_ns(gap_ns);
      double t0 = now_us();
      g->t->GetFenceStatus(g->dev, g->fence);
      v[i] = now_us() - t0;
   }
   *med = percentile(v, (size_t)n, 0.5);
   if (p99)
      *p99 = percentile(v, (size_t)n, 0.99);
   free(v);
}

/* Recording: push constants + dispatch + barrier, `n` times; the best of
 * three runs, since the driver's allocations make single runs noisy. */
static void
bench_record(struct pv_wl_gpu *g, int n, double *cmds_per_s, double *mb_per_s)
{
   struct pv_vkt *t = g->t;
   VkCommandBuffer cb = pv_wl_cmd(g);
   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
   VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_SHADER_READ_BIT };
   uint32_t pc[2] = { 0, 0 };
   *cmds_per_s = *mb_per_s = 0;
   for (int rep = 0; rep < 3; rep++) {
      uint32_t tail0 = t->client ? t->client->last_seqno : 0;
      double t0 = now_us();
      t->BeginCommandBuffer(cb, &bi);
      t->CmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->pipeline);
      for (int i = 0; i < n; i++) {
         pc[1] = (uint32_t)i;
         t->CmdPushConstants(cb, g->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(pc), pc);
         t->CmdDispatch(cb, 1, 1, 1);
         t->CmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                               VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
      }
      t->EndCommandBuffer(cb);
      if (t->client)
         pv_vnc_wait_idle(t->client); /* until the host executed all of it */
      double us = now_us() - t0;
      double bytes = t->client ? (double)(uint32_t)(t->client->last_seqno - tail0) : 0;
      if (3.0 * n / us * 1e6 > *cmds_per_s) {
         *cmds_per_s = 3.0 * n / us * 1e6;
         *mb_per_s = bytes / us;
      }
      t->ResetCommandPool(g->dev, g->cpool, 0);
   }
}

static struct pv_object dummy_object = { 1, VK_OBJECT_TYPE_UNKNOWN, 1 };

static struct pv_object *
dummy_lookup(void *user, uint64_t id, VkObjectType type)
{
   (void)user, (void)id, (void)type;
   return &dummy_object;
}

/* Decode every command of a stream into the decoder's arena, running
 * nothing: the decoder's share of the host cost.  Not inlined, so that
 * `valgrind --tool=callgrind --toggle-collect=decode_only` counts the
 * decoder's instructions alone. */
static __attribute__((noinline)) double
decode_only(const uint8_t *buf, size_t size, bool tables_only)
{
   static _Alignas(16) uint8_t args[4096];
   struct pv_cs_decoder dec;
   pv_cs_decoder_init(&dec, buf, size, dummy_lookup, NULL);
   dec.tables_only = tables_only;
   /* The renderer's decoder lives as long as its context and keeps its
    * first scratch chunk; make that chunk before timing, as it would be. */
   pv_cs_alloc(&dec, 1, 16);
   pv_cs_decoder_reset_scratch(&dec);
   double t0 = now_us();
   while (pv_cs_decoder_remaining(&dec) > 0) {
      uint32_t type, flags;
      const struct pv_cs_command_info *info;
      if (!pv_cs_read_command_header(&dec, &type, &flags) || !(info = pv_cs_command_info(type)) ||
          info->args_size > sizeof(args) || !pv_cs_decode_args(&dec, info, args))
         break;
      pv_cs_decoder_reset_scratch(&dec);
   }
   double us = now_us() - t0;
   bool ok = pv_cs_decoder_remaining(&dec) == 0;
   pv_cs_decoder_fini(&dec);
   return ok ? us : NAN;
}

/* The stream handed to the context; not inlined so that callgrind's
 * --toggle-collect=submit_stream counts the host path alone. */
static __attribute__((noinline)) bool
submit_stream(struct pv_context *ctx, const uint8_t *buf, size_t size)
{
   return pv_context_submit(ctx, buf, size) == 0;
}

/* The host side alone: the recording workload's commands, encoded up
 * front, handed to the context's dispatcher in one stream (what a SUBMIT_CMD2
 * does after the socket read).  The time includes lavapipe's recording,
 * which the native figure measures and the report subtracts. */
static void
bench_host_stream(struct pv_wl_gpu *g, struct pv_context *ctx, int n, struct figures *f)
{
   struct pv_vkt *t = g->t;
   VkCommandBuffer cb = pv_wl_cmd(g);
   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
   t->BeginCommandBuffer(cb, &bi);
   t->CmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->pipeline);
   pv_vnc_wait_idle(t->client);
   size_t cap = (size_t)n * 3 * 128;
   uint8_t *buf = malloc(cap);
   struct pv_cs_encoder enc;
   pv_cs_encoder_init(&enc, buf, cap);
   VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_SHADER_READ_BIT };
   uint32_t pc[2] = { 0, 0 };
   struct pv_vkCmdPushConstants_args push = {
      .commandBuffer = cb, .layout = g->layout, .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
      .offset = 0, .size = sizeof(pc), .pValues = pc };
   struct pv_vkCmdDispatch_args disp = { .commandBuffer = cb, .groupCountX = 1,
                                         .groupCountY = 1, .groupCountZ = 1 };
   struct pv_vkCmdPipelineBarrier_args bar = {
      .commandBuffer = cb, .srcStageMask = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
      .dstStageMask = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, .memoryBarrierCount = 1,
      .pMemoryBarriers = &mb };
   bool ok = true;
   for (int i = 0; i < n && ok; i++)
      ok = pv_encode_vkCmdPushConstants(&enc, 0, &push) && pv_encode_vkCmdDispatch(&enc, 0, &disp) &&
           pv_encode_vkCmdPipelineBarrier(&enc, 0, &bar);
   f->host_stream_us = f->decode_only_us = f->decode_tables_us = INFINITY;
   /* Best of three, as for the driver's own recording (bench_record). */
   for (int rep = 0; rep < 3 && ok; rep++) {
      if (rep) {
         t->EndCommandBuffer(cb);
         t->ResetCommandPool(g->dev, g->cpool, 0);
         t->BeginCommandBuffer(cb, &bi);
         t->CmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->pipeline);
         pv_vnc_wait_idle(t->client);
      }
      f->decode_only_us = fmin(f->decode_only_us, decode_only(buf, enc.pos, false));
      f->decode_tables_us = fmin(f->decode_tables_us, decode_only(buf, enc.pos, true));
      double t0 = now_us();
      ok = submit_stream(ctx, buf, enc.pos);
      f->host_stream_us = fmin(f->host_stream_us, now_us() - t0);
      f->host_stream_bytes = (double)enc.pos;
      f->host_stream_cmds = 3 * n;
   }
   if (!ok)
      fprintf(stderr, "bench: the pre-encoded stream failed\n");
   free(buf);
   t->EndCommandBuffer(cb);
   t->ResetCommandPool(g->dev, g->cpool, 0);
}

static double
bench_submit(struct pv_wl_gpu *g, VkCommandBuffer cb, int n)
{
   double *v = calloc((size_t)n, sizeof(*v));
   for (int i = 0; i < n; i++) {
      double t0 = now_us();
      pv_wl_submit_wait(g, cb);
      v[i] = now_us() - t0;
   }
   double med = percentile(v, (size_t)n, 0.5);
   free(v);
   return med;
}

/* saxpy's buffers (x[i] = i % 1000, y = 1 at first) and two recorded
 * command buffers: one workgroup, and y += x over all of them. */
struct saxpy {
   struct pv_wl_buffer x, y;
   VkCommandBuffer one, big;
   uint32_t n, runs; /* runs of `big` so far */
};

static int
saxpy_setup(struct pv_wl_gpu *g, uint32_t n, struct saxpy *s)
{
   VkDeviceSize size = (VkDeviceSize)n * 4;
   memset(s, 0, sizeof(*s));
   s->n = n;
   if (pv_wl_buffer_create(g, size, &s->x))
      return -1;
   if (pv_wl_buffer_create(g, size, &s->y)) {
      pv_wl_buffer_destroy(g, &s->x);
      return -1;
   }
   float *xs = s->x.map.ptr, *ys = s->y.map.ptr;
   for (uint32_t i = 0; i < n; i++) {
      xs[i] = (float)(i % 1000);
      ys[i] = 1.0f;
   }
   VkDescriptorSet set = pv_wl_saxpy_set(g, &s->x, &s->y);
   s->one = pv_wl_cmd(g);
   s->big = pv_wl_cmd(g);
   pv_wl_record_saxpy(g, s->one, set, 256, 0.0f);
   pv_wl_record_saxpy(g, s->big, set, n, 1.0f);
   return 0;
}

/* One large dispatch, submitted and waited for: milliseconds. */
static double
saxpy_run(struct pv_wl_gpu *g, struct saxpy *s)
{
   double t0 = now_us();
   pv_wl_submit_wait(g, s->big);
   s->runs++;
   return (now_us() - t0) / 1e3;
}

/* Whether y holds 1 + runs * x (sampled), then frees the buffers. */
static bool
saxpy_finish(struct pv_wl_gpu *g, struct saxpy *s)
{
   const float *ys = s->y.map.ptr;
   int bad = 0;
   for (uint32_t i = 0; i < s->n; i += 997)
      bad += ys[i] != 1.0f + (float)s->runs * (float)(i % 1000);
   pv_wl_buffer_destroy(g, &s->x);
   pv_wl_buffer_destroy(g, &s->y);
   return bad == 0;
}

/* One-workgroup and large saxpy dispatches over mapped host memory; checks
 * the large result so both paths are known to compute. */
static int
bench_dispatch(struct pv_wl_gpu *g, uint32_t big_n, int reps, struct figures *f)
{
   struct saxpy s;
   if (saxpy_setup(g, big_n, &s))
      return -1;
   f->submit_one_us = bench_submit(g, s.one, 300);
   double v[64];
   for (int i = 0; i < reps; i++)
      v[i] = saxpy_run(g, &s);
   f->big_ms = percentile(v, (size_t)reps, 0.5);
   f->big_n = big_n;
   return saxpy_finish(g, &s) ? 0 : -1;
}

/* The large dispatch natively (robust access off and on; with robust
 * access on imported shared memory, the memory the server gives a guest;
 * and on imported huge pages) and through the server, in turns, the order
 * rotating every round, so that a machine whose speed drifts during the
 * run (a shared VM) affects all alike.  Each round gives ratios through /
 * native; their median and spread are what to read, not two medians taken
 * minutes apart.  Through / native on shared memory is the transport's
 * cost alone; native on shared memory / native robust is the memory's. */
enum { PAIR_NATIVE, PAIR_ROBUST, PAIR_SHARED, PAIR_HUGE, PAIR_THROUGH, PAIRS };
static const char *const pair_names[PAIRS] = {
   "native", "native, robust access", "native, robust, imported shared memory",
   "native, robust, imported huge pages", "through",
};

struct paired {
   int rounds;
   bool ran[PAIRS];                       /* the imports need VK_EXT_external_memory_host */
   double ms[PAIRS];                      /* medians */
   long huge_kb, huge_of_kb;              /* PAIR_HUGE: on huge pages, of the buffers' */
   double ratio_med, ratio_lo, ratio_hi;  /* through / native: median, min, max */
   double robust_ratio_med;               /* through / native robust */
   double shared_ratio_med;               /* through / native on shared memory */
   bool ok;
};

static double
median_of(double *v, int n)
{
   return n ? percentile(v, (size_t)n, 0.5) : 0.0;
}

static void
bench_paired(struct pv_vkt *const ts[PAIRS], uint32_t n, int rounds, struct paired *p)
{
   struct pv_wl_gpu g[PAIRS];
   struct saxpy s[PAIRS];
   double ms[PAIRS][64], ratio[3][64];
   memset(p, 0, sizeof(*p));
   p->huge_kb = -1;
   for (int i = 0; i < PAIRS; i++) {
      if (pv_wl_open(&g[i], ts[i]))
         continue;
      if (saxpy_setup(&g[i], n, &s[i])) {
         pv_wl_close(&g[i]);
         continue;
      }
      p->ran[i] = true;
   }
   if (rounds > 64)
      rounds = 64;
   if (p->ran[PAIR_NATIVE] && p->ran[PAIR_THROUGH]) {
      for (int r = 0; r < rounds; r++) {
         for (int k = 0; k < PAIRS; k++) {
            int i = (r + k) % PAIRS;
            if (p->ran[i])
               ms[i][r] = saxpy_run(&g[i], &s[i]);
         }
         double t = ms[PAIR_THROUGH][r];
         ratio[0][r] = t / ms[PAIR_NATIVE][r];
         ratio[1][r] = p->ran[PAIR_ROBUST] ? t / ms[PAIR_ROBUST][r] : 0.0;
         ratio[2][r] = p->ran[PAIR_SHARED] ? t / ms[PAIR_SHARED][r] : 0.0;
      }
      p->rounds = rounds;
   }
   p->ok = p->rounds > 0;
   if (p->ran[PAIR_HUGE]) {
      long x = pv_wl_buffer_huge_kb(&s[PAIR_HUGE].x), y = pv_wl_buffer_huge_kb(&s[PAIR_HUGE].y);
      p->huge_kb = x < 0 || y < 0 ? -1 : x + y;
      p->huge_of_kb = (long)((s[PAIR_HUGE].x.host_size + s[PAIR_HUGE].y.host_size) >> 10);
   }
   for (int i = 0; i < PAIRS; i++) {
      if (!p->ran[i])
         continue;
      p->ok &= saxpy_finish(&g[i], &s[i]);
      pv_wl_close(&g[i]);
   }
   if (!p->rounds)
      return;
   for (int i = 0; i < PAIRS; i++)
      p->ms[i] = p->ran[i] ? median_of(ms[i], rounds) : 0.0;
   p->ratio_med = median_of(ratio[0], rounds); /* sorts: min and max follow */
   p->ratio_lo = ratio[0][0];
   p->ratio_hi = ratio[0][rounds - 1];
   p->robust_ratio_med = p->ran[PAIR_ROBUST] ? median_of(ratio[1], rounds) : 0.0;
   p->shared_ratio_med = p->ran[PAIR_SHARED] ? median_of(ratio[2], rounds) : 0.0;
}

static void
run_all(struct pv_vkt *t, struct pv_context *ctx, bool quick, uint32_t big_n, struct figures *f)
{
   memset(f, 0, sizeof(*f));
   f->create_ms = bench_create(t, quick ? 3 : 10);
   struct pv_wl_gpu g;
   if (pv_wl_open(&g, t)) {
      fprintf(stderr, "bench: %s: cannot set up the device\n", t->name);
      return;
   }
   bench_round_trip(&g, quick ? 2000 : 20000, 0, &f->rt_med_us, &f->rt_p99_us);
   /* Our client yields at the first miss, as Mesa's venus does; one that
    * spins shows what the round trip costs us without the guest's wait. */
   f->rt_spin_med_us = f->rt_med_us;
   if (t->client) {
      t->client->spin_ns = 20000;
      bench_round_trip(&g, quick ? 2000 : 20000, 0, &f->rt_spin_med_us, NULL);
      t->client->spin_ns = 0;
   }
   bench_round_trip(&g, quick ? 50 : 200, 3000000, &f->rt_idle_med_us, NULL);
   bench_record(&g, quick ? 20000 : 100000, &f->rec_cmds_per_s, &f->rec_mb_per_s);
   if (ctx)
      bench_host_stream(&g, ctx, quick ? 20000 : 100000, f);
   f->submit_empty_us = bench_submit(&g, VK_NULL_HANDLE, quick ? 300 : 2000);
   int ret = bench_dispatch(&g, big_n, quick ? 3 : 10, f);
   if (ret)
      fprintf(stderr, "bench: %s: saxpy results are wrong\n", t->name);
   pv_wl_close(&g);
   /* The server turns robustBufferAccess on (device.c): natively with it
    * too, to tell that policy's cost from the cost of going through us. */
   struct figures robust;
   t->robust = true;
   if (!ctx && ret == 0 && pv_wl_open(&g, t) == 0) {
      if (bench_dispatch(&g, big_n, quick ? 3 : 10, &robust) == 0)
         f->big_robust_ms = robust.big_ms;
      pv_wl_close(&g);
   }
   t->robust = false;
   f->ok = ret == 0;
}

/* ---- the in-process server ----------------------------------------------------- */

struct server {
   char dir[64], path[96];
   struct pv_context *ctx; /* the bench client's context, in the server */
   struct pv_logger log;
   struct pv_renderer *renderer;
   struct pv_vtest_server *srv;
   pv_thread thread;
};

static void *
server_main(void *arg)
{
   pv_vtest_server_run(arg);
   return NULL;
}

static void
context_event(void *user, struct pv_context *ctx, const char *name, bool created)
{
   (void)name;
   struct server *s = user;
   s->ctx = created ? ctx : NULL;
}

static int
server_start(struct server *s)
{
   snprintf(s->dir, sizeof(s->dir), "/tmp/pv-bench-XXXXXX");
   if (!mkdtemp(s->dir))
      return -errno;
   snprintf(s->path, sizeof(s->path), "%s/vtest.sock", s->dir);
   pv_logger_init(&s->log, NULL, NULL);
   struct pv_renderer_config rc = { .record_dir = "" };
   struct pv_vtest_server_config cfg = { .socket_path = s->path, .log = &s->log,
                                         .context_event = context_event,
                                         .context_event_user = s };
   int ret = pv_renderer_create(&rc, &s->renderer);
   cfg.renderer = s->renderer;
   if (!ret)
      ret = pv_vtest_server_create(&cfg, &s->srv);
   if (!ret)
      ret = pv_thread_start(&s->thread, "pv-bench-srv", server_main, s->srv);
   return ret;
}

static void
server_stop(struct server *s)
{
   pv_vtest_server_stop(s->srv);
   pv_thread_join(&s->thread);
   pv_vtest_server_destroy(s->srv);
   pv_renderer_destroy(s->renderer);
   rmdir(s->dir);
}

/* ---- output ------------------------------------------------------------------- */

struct row {
   const char *name, *unit;
   double native, through;
   bool higher_is_better;
};

static int
make_rows(const struct figures *n, const struct figures *t, struct row *r)
{
   static char big[64];
   snprintf(big, sizeof(big), "saxpy dispatch, %u floats", n->big_n);
   int k = 0;
   r[k++] = (struct row){ "instance + device creation", "ms", n->create_ms, t->create_ms, false };
   r[k++] = (struct row){ "sync round trip, median", "us", n->rt_med_us, t->rt_med_us, false };
   r[k++] = (struct row){ "sync round trip, p99", "us", n->rt_p99_us, t->rt_p99_us, false };
   r[k++] = (struct row){ "sync round trip, client spins", "us", n->rt_spin_med_us, t->rt_spin_med_us, false };
   r[k++] = (struct row){ "sync round trip, reader idle", "us", n->rt_idle_med_us, t->rt_idle_med_us, false };
   r[k++] = (struct row){ "vkCmd* recording", "cmd/s", n->rec_cmds_per_s, t->rec_cmds_per_s, true };
   r[k++] = (struct row){ "submit + wait, empty", "us", n->submit_empty_us, t->submit_empty_us, false };
   r[k++] = (struct row){ "submit + wait, 1 workgroup", "us", n->submit_one_us, t->submit_one_us, false };
   r[k++] = (struct row){ big, "ms", n->big_ms, t->big_ms, false };
   static char big_robust[80];
   snprintf(big_robust, sizeof(big_robust), "  same, native robust access");
   if (n->big_robust_ms > 0)
      r[k++] = (struct row){ big_robust, "ms", n->big_robust_ms, t->big_ms, false };
   return k;
}

static void
print_paired(uint32_t floats, const struct paired *pd)
{
   printf("saxpy dispatch, %u floats, %d rounds in turns, medians:\n", floats, pd->rounds);
   for (int i = 0; i < PAIRS; i++) {
      printf("  %-40s", pair_names[i]);
      if (!pd->ran[i]) {
         printf("   not run: %s\n", i == PAIR_SHARED || i == PAIR_HUGE
                                        ? "no VK_EXT_external_memory_host, or no such memory"
                                        : "the device could not be set up");
         continue;
      }
      printf(" %8.2f ms", pd->ms[i]);
      if (i == PAIR_SHARED)
         printf("  (the memory the server gives a guest)");
      if (i == PAIR_HUGE && pd->huge_kb >= 0)
         printf("  (%ld of %ld KiB on huge pages)", pd->huge_kb, pd->huge_of_kb);
      putchar('\n');
   }
   printf("  through/native per round: median %.3f (min %.3f, max %.3f); through/native robust: "
          "median %.3f",
          pd->ratio_med, pd->ratio_lo, pd->ratio_hi, pd->robust_ratio_med);
   if (pd->ran[PAIR_SHARED])
      printf("; through/native on shared memory: median %.3f", pd->shared_ratio_med);
   putchar('\n');
}

static void
print_table(const struct row *r, int k, const struct figures *n, const struct figures *t,
            const struct paired *pd)
{
   printf("%-34s %8s %14s %14s %10s\n", "figure", "unit", "native", "through", "through/n");
   for (int i = 0; i < k; i++)
      printf("%-34s %8s %14.2f %14.2f %10.3f\n", r[i].name, r[i].unit, r[i].native, r[i].through,
             r[i].through / r[i].native);
   double rec_us = t->host_stream_cmds / n->rec_cmds_per_s * 1e6; /* the driver alone */
   double ours_us = t->host_stream_us - rec_us;
   printf("\n(ratios: below 1 is better for times, above 1 for rates)\n"
          "end to end, the client issued the vkCmd* stream at %.1f MB/s (%.0f bytes per command)\n"
          "host side alone, %d pre-encoded commands (%.1f MB), best of 3:\n"
          "  decoded only:                   %8.2f ms = %6.1f ns per command = %.2f GB/s of stream\n"
          "    (the tables alone, no fast decoders: %.2f ms = %.1f ns per command, %.2fx the time)\n"
          "  decoded, dispatched, recorded:  %8.2f ms = %6.1f ns per command\n"
          "  the driver recording natively:  %8.2f ms = %6.1f ns per command\n"
          "  difference, ours:               %8.2f ms = %6.1f ns per command = %.2f GB/s of stream\n",
          t->rec_mb_per_s, t->rec_cmds_per_s > 0 ? t->rec_mb_per_s * 1e6 / t->rec_cmds_per_s : 0.0,
          t->host_stream_cmds, t->host_stream_bytes / 1e6, t->decode_only_us / 1e3,
          t->decode_only_us * 1e3 / t->host_stream_cmds, t->host_stream_bytes / t->decode_only_us / 1e3,
          t->decode_tables_us / 1e3, t->decode_tables_us * 1e3 / t->host_stream_cmds,
          t->decode_tables_us / t->decode_only_us, t->host_stream_us / 1e3, t->host_stream_us * 1e3 / t->host_stream_cmds, rec_us / 1e3,
          rec_us * 1e3 / t->host_stream_cmds, ours_us / 1e3, ours_us * 1e3 / t->host_stream_cmds,
          ours_us > 0 ? t->host_stream_bytes / ours_us / 1e3 : INFINITY);
   if (ours_us <= 0)
      printf("  (the difference is within the driver's run-to-run noise)\n");
   if (pd->rounds)
      print_paired(n->big_n, pd);
}

static void
print_json(const struct row *r, int k, const struct figures *n, const struct figures *t,
           const struct paired *pd)
{
   printf("{\"platform\":\"%s\",\"stream_mb_per_s\":%.2f,\"host_stream_bytes\":%.0f,"
          "\"host_commands\":%d,\"decode_only_us\":%.1f,\"decode_tables_us\":%.1f,"
          "\"decode_dispatch_record_us\":%.1f,\"native_record_us\":%.1f,\"figures\":[",
          pv_platform_backend(), t->rec_mb_per_s, t->host_stream_bytes, t->host_stream_cmds,
          t->decode_only_us, t->decode_tables_us, t->host_stream_us, t->host_stream_cmds / n->rec_cmds_per_s * 1e6);
   for (int i = 0; i < k; i++)
      printf("%s{\"name\":\"%s\",\"unit\":\"%s\",\"native\":%.3f,\"through\":%.3f,\"ratio\":%.4f}",
             i ? "," : "", r[i].name, r[i].unit, r[i].native, r[i].through,
             r[i].through / r[i].native);
   /* a variant that did not run shows 0 ms */
   printf("],\"saxpy_in_turns\":{\"rounds\":%d,\"native_ms\":%.3f,\"native_robust_ms\":%.3f,"
          "\"native_shared_memory_ms\":%.3f,\"native_huge_pages_ms\":%.3f,\"huge_page_kib\":%ld,"
          "\"through_ms\":%.3f,\"ratio_median\":%.4f,\"ratio_min\":%.4f,\"ratio_max\":%.4f,"
          "\"ratio_robust_median\":%.4f,\"ratio_shared_memory_median\":%.4f}}\n",
          pd->rounds, pd->ms[PAIR_NATIVE], pd->ms[PAIR_ROBUST], pd->ms[PAIR_SHARED],
          pd->ms[PAIR_HUGE], pd->huge_kb, pd->ms[PAIR_THROUGH], pd->ratio_med, pd->ratio_lo,
          pd->ratio_hi, pd->robust_ratio_med, pd->shared_ratio_med);
}

/* Bars of through/native per figure, via gnuplot. */
static int
plot(const struct row *r, int k, const char *file)
{
   FILE *p = popen("gnuplot", "w");
   if (!p) {
      fprintf(stderr, "bench: --plot needs gnuplot (Debian: gnuplot-nox)\n");
      return -1;
   }
   /* Ratios span four decades (a 1 us round trip against 0.07 us native),
    * so the scale is logarithmic; 1 is native. */
   fprintf(p, "set terminal pngcairo size 1000,500\nset output '%s'\n"
              "set title 'pv-venus: cost through the server relative to native (1 = native, lower is better)'\n"
              "set style fill solid\nset boxwidth 0.6\nset logscale y\nset yrange [0.1:*]\n"
              "set xtics rotate by -30\nset grid ytics\nunset key\n"
              "plot '-' using 0:2:xtic(1) with boxes, 1 with lines lw 2\n",
           file);
   for (int i = 0; i < k; i++)
      fprintf(p, "\"%s\" %f\n", r[i].name, r[i].higher_is_better ? r[i].native / r[i].through
                                                                 : r[i].through / r[i].native);
   fprintf(p, "e\n");
   return pclose(p) == 0 ? 0 : -1;
}

int
pv_bench_vulkan(int argc, char **argv)
{
   bool json = false, quick = false;
   const char *plot_file = NULL;
   uint32_t big_n = 4u << 20;
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--json")) {
         json = true;
      } else if (!strcmp(argv[i], "--quick")) {
         quick = true;
      } else if (!strcmp(argv[i], "--plot") && i + 1 < argc) {
         plot_file = argv[++i];
      } else if (!strcmp(argv[i], "--floats") && i + 1 < argc) {
         big_n = (uint32_t)strtoul(argv[++i], NULL, 0);
      } else {
         fprintf(stderr, "usage: pv-venus bench vulkan [--quick] [--json] [--plot FILE.png] "
                         "[--floats N]\n");
         return !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ? 0 : 2;
      }
   }
   if (big_n < 256 || big_n > (256u << 20))
      big_n = 4u << 20;
   struct figures nat, thr;
   struct pv_vkt t;
   pv_wl_native(&t);
   run_all(&t, NULL, quick, big_n, &nat);

   struct server s;
   struct pv_vnc c;
   if (server_start(&s) || pv_vnc_open(&c, s.path, "pv-venus-bench")) {
      fprintf(stderr, "bench: cannot start the in-process server or connect to it\n");
      return 1;
   }
   pv_wl_through(&t, &c);
   run_all(&t, s.ctx, quick, big_n, &thr);
   struct pv_vkt native[PAIR_THROUGH];
   struct pv_vkt *ts[PAIRS] = { &native[0], &native[1], &native[2], &native[3], &t };
   for (int i = 0; i < PAIR_THROUGH; i++) {
      pv_wl_native(&native[i]);
      native[i].robust = i != PAIR_NATIVE;
   }
   native[PAIR_SHARED].memory = PV_WL_MEMORY_SHARED;
   native[PAIR_HUGE].memory = PV_WL_MEMORY_HUGE;
   native[PAIR_SHARED].extension = native[PAIR_HUGE].extension =
      VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
   struct paired pd;
   bench_paired(ts, big_n, quick ? 6 : 20, &pd);
   pv_vnc_close(&c);
   server_stop(&s);
   if (!nat.ok || !thr.ok || !pd.ok)
      fprintf(stderr, "bench: some workloads failed; their figures are not meaningful\n");

   struct row rows[16];
   int k = make_rows(&nat, &thr, rows);
   if (json)
      print_json(rows, k, &nat, &thr, &pd);
   else
      print_table(rows, k, &nat, &thr, &pd);
   if (plot_file && plot(rows, k, plot_file))
      return 1;
   return nat.ok && thr.ok && pd.ok ? 0 : 1;
}
