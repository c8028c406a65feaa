/*
 * virgl_fences — how soon a VMM hears that a guest's GPU work finished,
 * through libvirglrenderer.so.1, when it calls the library as QEMU does.
 *
 * A Venus guest (our client) submits a compute dispatch on its queue and
 * waits until the host took the submission; then the "guest kernel" asks
 * for a context fence on the queue's ring.  The "VMM" then:
 *   async   takes write_context_fence from a library thread
 *           (VIRGL_RENDERER_ASYNC_FENCE_CB: QEMU 11 with an EGL display
 *           and virglrenderer >= 1.1.2 headers);
 *   polled  calls virgl_renderer_poll right after the command (QEMU does at
 *           the end of every control-queue kick) and then every 10 ms (its
 *           fence timer), with PV_VENUS_POLL_WAIT_US = 0 (no wait) and
 *           = 1000 (the first poll may wait 1 ms for the fence).
 * Printed: fence delivery after the create_fence call, median and 90th
 * percentile, per dispatch length, and the ratio to async.  Never fails on
 * time.  Usage: virgl_fences [ROUNDS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"
#include "tests/e2e/e2e_compute.h"
#include "virglrenderer.h"

#define CTX 1u
#define TIMER_NS (10ull * 1000 * 1000)

static struct {
   pthread_mutex_t lock;
   uint64_t last_id, at_ns;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
write_fence(void *c, uint32_t f)
{
   (void)c, (void)f;
}

static void
write_context_fence(void *c, uint32_t ctx, uint32_t ring, uint64_t id)
{
   (void)c, (void)ctx, (void)ring;
   uint64_t now = pv_now_ns();
   pthread_mutex_lock(&seen.lock);
   seen.last_id = id;
   seen.at_ns = now;
   pthread_mutex_unlock(&seen.lock);
}

static struct virgl_renderer_callbacks cbs = {
   .version = 3, .write_fence = write_fence, .write_context_fence = write_context_fence,
};

static uint64_t
delivered_at(uint64_t id)
{
   pthread_mutex_lock(&seen.lock);
   uint64_t at = seen.last_id >= id ? seen.at_ns : 0;
   pthread_mutex_unlock(&seen.lock);
   return at;
}

/* ---- the guest's blobs over the ABI ---------------------------------------------- */

static uint32_t next_res = 100;

static int
create_blob(void *t, uint64_t size, uint64_t blob_id, uint32_t *res_id, void **map, int *fd)
{
   (void)t, (void)fd;
   struct virgl_renderer_resource_create_blob_args a = {
      .res_handle = next_res++, .ctx_id = CTX, .blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D,
      .blob_flags = VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE, .blob_id = blob_id, .size = size,
   };
   uint64_t mapped;
   int ret = virgl_renderer_resource_create_blob(&a);
   if (!ret && (ret = virgl_renderer_resource_map(a.res_handle, map, &mapped)))
      virgl_renderer_resource_unref(a.res_handle);
   *res_id = a.res_handle;
   return ret;
}

static void
unmap(void *t, void *map, uint64_t size)
{
   (void)t, (void)map, (void)size;
}

static int
unref(void *t, uint32_t res)
{
   (void)t;
   virgl_renderer_resource_unmap(res);
   virgl_renderer_resource_unref(res);
   return 0;
}

static int
submit(void *t, const void *cmds, size_t size)
{
   (void)t;
   return virgl_renderer_submit_cmd((void *)cmds, CTX, (int)(size / 4)) ? -5 : 0;
}

static void
close_t(void *t)
{
   (void)t;
}

static const struct pv_vnc_transport ops = {
   .create_blob = create_blob, .unmap = unmap, .unref = unref,
   .submit = submit, .submit_wait = submit, .close = close_t,
};

/* ---- one mode ---------------------------------------------------------------------- */

struct guest {
   struct e2e_log lg;
   struct e2e_dev d;
   struct e2e_compute k;
   struct e2e_buffer a, b, out;
};

static int
guest_open(struct guest *g)
{
   memset(g, 0, sizeof(*g));
   g->lg.name = "virgl_fences";
   if (virgl_renderer_context_create_with_flags(CTX, VIRGL_RENDERER_CAPSET_VENUS, 5, "bench"))
      return -1;
   if (pv_vnc_open_transport(&g->d.c, &ops, NULL) || e2e_dev_start(&g->d, &g->lg, "b", NULL, NULL) ||
       e2e_compute_create(&g->d, &g->k))
      return -1;
   VkBufferUsageFlags u = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
   if (e2e_buffer_create(&g->d, E2E_BYTES, u, false, &g->a) ||
       e2e_buffer_create(&g->d, E2E_BYTES, u, false, &g->b) ||
       e2e_buffer_create(&g->d, E2E_BYTES, u, false, &g->out))
      return -1;
   return e2e_bind_set(&g->d, &g->k, 0, &g->a, &g->b, &g->out);
}

static void
guest_close(struct guest *g)
{
   e2e_buffer_destroy(&g->d, &g->a);
   e2e_buffer_destroy(&g->d, &g->b);
   e2e_buffer_destroy(&g->d, &g->out);
   e2e_compute_destroy(&g->d, &g->k);
   e2e_dev_close(&g->d);
   virgl_renderer_context_destroy(CTX);
}

/* One round: dispatch, fence, then the VMM's polls; returns ns from the
 * create_fence call to delivery (0: lost). */
static uint64_t
round_trip(struct guest *g, uint32_t spin, bool polled, uint64_t id)
{
   struct e2e_push p = { .n = E2E_N, .mul = 3, .xor_mask = 1, .spin = spin };
   struct e2e_cmd cmd;
   if (e2e_record(&g->d, &g->k, 0, &p, &cmd) || e2e_submit(&g->d, 0, &cmd, 0, 0, 0, 0) ||
       pv_vnc_wait_idle(&g->d.c))
      return 0;
   uint64_t t0 = pv_now_ns(), at = 0;
   virgl_renderer_context_create_fence(CTX, VIRGL_RENDERER_FENCE_FLAG_MERGEABLE, 1, id);
   for (uint64_t next = t0; !(at = delivered_at(id)) && pv_now_ns() - t0 < 5000000000ull;) {
      if (polled && pv_now_ns() >= next) {
         virgl_renderer_poll();
         next = (next == t0 ? pv_now_ns() : next) + TIMER_NS;
      }
      pv_sleep_ns(20000);
   }
   e2e_cmd_destroy(&g->d, &cmd);
   return at ? at - t0 : 0;
}

static int
cmp_u64(const void *a, const void *b)
{
   uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
   return x < y ? -1 : x > y;
}

struct result {
   double median_ms, p90_ms;
   unsigned lost;
};

static struct result
run_mode(int flags, const char *wait_us, uint32_t spin, unsigned rounds)
{
   struct result r = { 0 };
   setenv("PV_VENUS_POLL_WAIT_US", wait_us, 1);
   struct guest *g = calloc(1, sizeof(*g));
   uint64_t *t = calloc(rounds, sizeof(*t));
   if (!g || !t || virgl_renderer_init(&cbs, flags, &cbs) || guest_open(g)) {
      fprintf(stderr, "virgl_fences: set-up failed: %s\n", g ? pv_vnc_error(&g->d.c) : "");
      exit(1);
   }
   bool polled = !(flags & VIRGL_RENDERER_ASYNC_FENCE_CB);
   pthread_mutex_lock(&seen.lock);
   seen.last_id = seen.at_ns = 0;
   pthread_mutex_unlock(&seen.lock);
   unsigned n = 0;
   for (unsigned i = 0; i < rounds; i++) {
      uint64_t ns = round_trip(g, spin, polled, 1000 + i);
      if (ns)
         t[n++] = ns;
      else
         r.lost++;
   }
   qsort(t, n, sizeof(*t), cmp_u64);
   if (n) {
      r.median_ms = (double)t[n / 2] / 1e6;
      r.p90_ms = (double)t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1e6;
   }
   guest_close(g);
   virgl_renderer_cleanup(NULL);
   free(g);
   free(t);
   return r;
}

int
main(int argc, char **argv)
{
   unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 30;
   const int venus = VIRGL_RENDERER_VENUS | VIRGL_RENDERER_RENDER_SERVER;
   const struct {
      const char *name;
      int flags;
      const char *wait_us;
   } modes[] = {
      { "async callbacks", venus | VIRGL_RENDERER_ASYNC_FENCE_CB, "0" },
      { "polled, no wait (QEMU 10)", venus, "0" },
      { "polled, first poll waits <= 1 ms", venus, "1000" },
   };
   const uint32_t spins[] = { 0, 64, 512 };
   printf("fence delivery after create_fence, %u rounds each (ms: median / p90, ratio of medians to async)\n",
          rounds);
   for (unsigned s = 0; s < sizeof(spins) / sizeof(spins[0]); s++) {
      double base = 0;
      printf("dispatch of %u elements, spin %u:\n", E2E_N, spins[s]);
      for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
         struct result r = run_mode(modes[m].flags, modes[m].wait_us, spins[s], rounds);
         if (m == 0)
            base = r.median_ms;
         printf("  %-34s %8.3f / %8.3f   %6.2fx%s\n", modes[m].name, r.median_ms, r.p90_ms,
                base > 0 ? r.median_ms / base : 0.0, r.lost ? "  (some lost!)" : "");
      }
   }
   return 0;
}
