/*
 * test_load — 16 clients at once, each running a compute job (saxpy over
 * blob-mapped buffers) through one in-process server on lavapipe, checked
 * element by element; after they disconnect, the process's fd count and
 * resident memory come back.  Two rounds: the first warms up what the
 * host driver keeps for the process; the second must not grow beyond it.
 */
#include <stdio.h>
#ifdef __GLIBC__ /* defined by the libc headers above */
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/vk_workload.h"
#include "e2e/e2e.h"
#include "pv_test.h"

#define CLIENTS 16
#define FLOATS (64u * 1024)
#define ROUNDS 4

struct job {
   const char *path;
   int index;
   int bad;        /* wrong elements */
   int failed;     /* setup failed */
   pv_thread thread;
};

static void *
run_job(void *arg)
{
   struct job *j = arg;
   char name[32];
   snprintf(name, sizeof(name), "load-%d", j->index);
   struct pv_vnc c;
   if (pv_vnc_open(&c, j->path, name)) {
      j->failed = 1;
      return NULL;
   }
   struct pv_vkt t;
   pv_wl_through(&t, &c);
   struct pv_wl_gpu g;
   struct pv_wl_buffer x, y;
   if (pv_wl_open(&g, &t) || pv_wl_buffer_create(&g, FLOATS * 4, &x) ||
       pv_wl_buffer_create(&g, FLOATS * 4, &y)) {
      j->failed = 1;
      pv_vnc_close(&c);
      return NULL;
   }
   float *xs = x.map.ptr, *ys = y.map.ptr;
   for (uint32_t i = 0; i < FLOATS; i++) {
      xs[i] = (float)i;
      ys[i] = (float)j->index;
   }
   VkDescriptorSet set = pv_wl_saxpy_set(&g, &x, &y);
   VkCommandBuffer cb = pv_wl_cmd(&g);
   pv_wl_record_saxpy(&g, cb, set, FLOATS, 2.0f);
   pv_wl_submit_wait(&g, cb);
   for (uint32_t i = 0; i < FLOATS; i++)
      j->bad += ys[i] != 2.0f * (float)i + (float)j->index;
   pv_wl_buffer_destroy(&g, &x);
   pv_wl_buffer_destroy(&g, &y);
   pv_wl_close(&g);
   if (pv_vnc_close(&c))
      j->failed = 1;
   return NULL;
}

/* Resident memory after handing freed heap back to the system, so the
 * figure shows what is still in use. */
static long
rss_kib(void)
{
#ifdef __GLIBC__
   malloc_trim(0);
#endif
   long pages = 0, resident = 0;
   FILE *f = fopen("/proc/self/statm", "r");
   if (f) {
      if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
         resident = 0;
      fclose(f);
   }
   return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void
round_of_clients(struct e2e_server *s, int round)
{
   struct job jobs[CLIENTS];
   double t0 = e2e_ms();
   for (int i = 0; i < CLIENTS; i++) {
      jobs[i] = (struct job){ .path = s->path, .index = i };
      CHECK(pv_thread_start(&jobs[i].thread, "load", run_job, &jobs[i]) == 0);
   }
   int bad = 0, failed = 0;
   for (int i = 0; i < CLIENTS; i++) {
      pv_thread_join(&jobs[i].thread);
      bad += jobs[i].bad;
      failed += jobs[i].failed;
   }
   CHECK_EQ(failed, 0);
   CHECK_EQ(bad, 0);
   CHECK(e2e_wait_clients(s, 0));
   printf("  round %d: %d clients x %u floats, all correct: %s, %.0f ms\n", round, CLIENTS, FLOATS,
          !bad && !failed ? "yes" : "NO", e2e_ms() - t0);
}

static void
test_sixteen_clients(void)
{
   struct e2e_server s;
   CHECK(e2e_server_start(&s) == 0);
   int fds0 = e2e_count_fds();
   long rss0 = rss_kib();
   round_of_clients(&s, 1);
   int fds1 = e2e_wait_fds(fds0);
   long rss1 = rss_kib();
   /* Round 2 may still grow caches (NVIDIA's did); a leak grows every
    * round after it. */
   long rss_r2 = 0, rss2 = 0;
   for (int r = 2; r <= ROUNDS; r++) {
      round_of_clients(&s, r);
      long now = rss_kib();
      printf("  resident after round %d: %ld KiB\n", r, now);
      if (r == 2)
         rss_r2 = now;
      rss2 = now;
   }
   int fds2 = e2e_wait_fds(fds0);
   printf("  open fds: %d before, %d after round 1, %d after round %d\n", fds0, fds1, fds2, ROUNDS);
   printf("  resident memory: %ld KiB before, %ld KiB after round 1 (the host driver warmed up), "
          "%ld KiB after round 2, %ld KiB after round %d\n", rss0, rss1, rss_r2, rss2, ROUNDS);
   CHECK_EQ(fds1, fds0);
   CHECK_EQ(fds2, fds0);
   /* Leaks are LeakSanitizer's to find (the sanitize suite runs this test).
    * Here: no growth from round 2 on beyond allocator noise; 16 clients
    * leaking their two 256 KiB buffers would add 8 MiB a round, 16 MiB over
    * rounds 3 and 4. */
#ifdef __SANITIZE_ADDRESS__
   /* ASan holds freed memory in quarantine: RSS says nothing here. */
   printf("  (resident-memory bound not checked under AddressSanitizer)\n");
#else
   CHECK(rss2 <= rss_r2 + 12 * 1024);
#endif
   e2e_server_stop(&s);
}

int
main(void)
{
   RUN(test_sixteen_clients);
   return pv_test_summary();
}
