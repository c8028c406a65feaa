/*
 * ring_bench.c — throughput and latency of the shared-memory ring.
 *
 * Throughput: a producer thread (the "guest") streams fixed-size records
 * through a 128 KiB ring (Mesa's primary ring size) to the reader, whose
 * consumer only reads each record's size.  Shown beside memcpy bandwidth
 * measured in the same run: every byte is copied twice (into the ring by
 * the guest, out of it by the reader), so memcpy/2 is the ceiling.
 *
 * Latency: the guest writes one record and waits for head to pass it, in
 * three regimes: back to back (reader spinning), 300 us apart (reader in
 * timed sleeps) and 3 ms apart (reader IDLE, woken by notify); beside them
 * the floor of the last, a bare thread's wake-up 3 ms apart (wake_floor).
 */
#include "bench/pv_bench.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"
#include "ring/pv_guest_ring.h"
#include "ring/pv_ring.h"

#define RING_BUF (128u * 1024)

struct bench_ring {
   int fd;
   uint8_t *mem;
   size_t size;
   struct pv_guest_ring guest;
   struct pv_ring *ring;
   struct pv_logger log;
};

static int
take_record(void *user, const uint8_t *data, size_t avail, size_t *consumed)
{
   (void)user;
   uint32_t size;
   if (avail < 4)
      return -1;
   memcpy(&size, data, 4);
   if (size < 4 || size > avail)
      return -1;
   *consumed = size;
   return 0;
}

static int
bench_ring_open(struct bench_ring *b, uint64_t idle_ns)
{
   struct pv_ring_layout l;
   memset(b, 0, sizeof(*b));
   pv_logger_init(&b->log, NULL, NULL);
   b->size = pv_guest_ring_layout(&l, RING_BUF);
   b->fd = pv_shm_create("bench-ring", b->size);
   if (b->fd < 0 || !(b->mem = pv_shm_map(b->fd, b->size)))
      return -1;
   pv_guest_ring_init(&b->guest, b->mem, &l);
   struct pv_ring_params p = { .base = b->mem, .layout = l, .idle_timeout_ns = idle_ns,
                               .consume = take_record, .log = &b->log, .name = "bench" };
   char err[128];
   if (pv_ring_create(&p, &b->ring, err, sizeof(err)) || pv_ring_start(b->ring)) {
      fprintf(stderr, "bench: %s\n", err);
      return -1;
   }
   return 0;
}

static void
bench_ring_close(struct bench_ring *b)
{
   pv_ring_destroy(b->ring);
   pv_shm_unmap(b->mem, b->size);
   pv_close(b->fd);
}

static double
memcpy_gbps(double seconds)
{
   size_t n = 64u << 20;
   uint8_t *a = malloc(n), *b = malloc(n);
   if (!a || !b) {
      free(a);
      free(b);
      return 0;
   }
   memset(a, 1, n);
   memset(b, 2, n);
   uint64_t t0 = pv_now_ns(), bytes = 0;
   while (pv_now_ns() - t0 < (uint64_t)(seconds * 1e9)) {
      memcpy(b, a, n);
      a[bytes % n] ^= b[(bytes / 3) % n]; /* keep the copy observable */
      bytes += n;
   }
   double gbps = (double)bytes / ((double)(pv_now_ns() - t0));
   free(a);
   free(b);
   return gbps;
}

struct throughput {
   double records_per_s, gbps;
};

static struct throughput
ring_throughput(uint32_t rec_size, double seconds)
{
   struct throughput r = { 0, 0 };
   struct bench_ring b;
   if (bench_ring_open(&b, 1000000)) {
      bench_ring_close(&b);
      return r;
   }
   uint8_t *rec = calloc(1, rec_size);
   memcpy(rec, &rec_size, 4);
   uint64_t t0 = pv_now_ns(), count = 0;
   uint32_t last = 0;
   uint64_t end = t0 + (uint64_t)(seconds * 1e9);
   while (pv_now_ns() < end) {
      for (int i = 0; i < 256; i++, count++)
         last = pv_guest_ring_write(&b.guest, b.ring, rec, rec_size);
   }
   pv_guest_ring_wait(&b.guest, last);
   double ns = (double)(pv_now_ns() - t0);
   r.records_per_s = (double)count / ns * 1e9;
   r.gbps = (double)count * rec_size / ns;
   free(rec);
   bench_ring_close(&b);
   return r;
}

static int
cmp_u64(const void *a, const void *b)
{
   uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
   return x < y ? -1 : x > y;
}

struct latency {
   double median_us, p99_us;
   uint64_t wakeups;
};

static struct latency
ring_latency(uint64_t gap_ns, unsigned n)
{
   struct latency r = { 0, 0, 0 };
   struct bench_ring b;
   uint64_t *t = calloc(n, sizeof(*t));
   if (!t || bench_ring_open(&b, 1000000)) {
      free(t);
      return r;
   }
   uint32_t rec[16] = { sizeof(rec) };
   for (unsigned i = 0; i < n; i++) {
      if (gap_ns)
         pv_sleep_ns(gap_ns);
      uint64_t t0 = pv_now_ns();
      uint32_t seqno = pv_guest_ring_write(&b.guest, b.ring, rec, sizeof(rec));
      pv_guest_ring_wait(&b.guest, seqno);
      t[i] = pv_now_ns() - t0;
   }
   qsort(t, n, sizeof(*t), cmp_u64);
   r.median_us = (double)t[n / 2] / 1e3;
   r.p99_us = (double)t[(size_t)n * 99 / 100] / 1e3;
   struct pv_ring_stats st;
   pv_ring_get_stats(b.ring, &st);
   r.wakeups = st.wakeups;
   free(t);
   bench_ring_close(&b);
   return r;
}

/* The floor under the idle regime: the same gaps, but a bare thread
 * blocked in pv_event_wait that answers by setting a flag the main thread
 * spins on; no ring.  What waking a sleeping thread costs on this machine
 * (an idle CPU leaving its halt, in a VM an exit to the hypervisor). */
struct wake_pair {
   pv_event ev;
   atomic_uint answered;
   atomic_bool stop;
};

static void *
wake_responder(void *arg)
{
   struct wake_pair *w = arg;
   uint32_t seen = pv_event_peek(&w->ev);
   while (!atomic_load(&w->stop)) {
      pv_event_wait(&w->ev, seen, UINT64_MAX);
      seen = pv_event_peek(&w->ev);
      atomic_fetch_add(&w->answered, 1);
   }
   return NULL;
}

static struct latency
wake_floor(uint64_t gap_ns, unsigned n)
{
   struct latency r = { 0, 0, 0 };
   struct wake_pair w;
   pv_thread th;
   uint64_t *t = calloc(n, sizeof(*t));
   if (!t || pv_event_init(&w.ev)) {
      free(t);
      return r;
   }
   atomic_init(&w.answered, 0);
   atomic_init(&w.stop, false);
   if (pv_thread_start(&th, "bench-wake", wake_responder, &w)) {
      pv_event_fini(&w.ev);
      free(t);
      return r;
   }
   for (unsigned i = 0; i < n; i++) {
      pv_sleep_ns(gap_ns);
      unsigned before = atomic_load(&w.answered);
      uint64_t t0 = pv_now_ns();
      pv_event_signal(&w.ev);
      while (atomic_load(&w.answered) == before)
         pv_cpu_relax();
      t[i] = pv_now_ns() - t0;
   }
   atomic_store(&w.stop, true);
   pv_event_signal(&w.ev);
   pv_thread_join(&th);
   pv_event_fini(&w.ev);
   qsort(t, n, sizeof(*t), cmp_u64);
   r.median_us = (double)t[n / 2] / 1e3;
   r.p99_us = (double)t[(size_t)n * 99 / 100] / 1e3;
   r.wakeups = n;
   free(t);
   return r;
}

int
pv_bench_ring(int argc, char **argv)
{
   double seconds = 1.0;
   bool json = false;
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--json")) {
         json = true;
      } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
         seconds = atof(argv[++i]);
      } else {
         fprintf(stderr, "usage: pv-venus bench ring [--seconds S] [--json]\n");
         return !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ? 0 : 2;
      }
   }
   if (seconds <= 0 || seconds > 600)
      seconds = 1.0;

   double mc = memcpy_gbps(seconds / 2);
   static const uint32_t sizes[] = { 64, 256, 4096 };
   struct throughput tp[3];
   for (int i = 0; i < 3; i++)
      tp[i] = ring_throughput(sizes[i], seconds);
   static const struct {
      const char *name;
      uint64_t gap_ns;
      unsigned n;
   } regimes[] = {
      { "spinning (back to back)", 0, 100000 },
      { "sleeping (300 us apart)", 300000, 2000 },
      { "idle (3 ms apart, notify)", 3000000, 300 },
      { "floor: a thread's wake-up", 3000000, 300 },
   };
   enum { NREG = sizeof(regimes) / sizeof(regimes[0]) };
   struct latency lat[NREG];
   for (int i = 0; i < NREG - 1; i++)
      lat[i] = ring_latency(regimes[i].gap_ns, regimes[i].n);
   lat[NREG - 1] = wake_floor(regimes[NREG - 1].gap_ns, regimes[NREG - 1].n);

   if (json) {
      printf("{\"platform\":\"%s\",\"memcpy_gbps\":%.3f,\"throughput\":[", pv_platform_backend(), mc);
      for (int i = 0; i < 3; i++)
         printf("%s{\"record_bytes\":%u,\"records_per_s\":%.0f,\"gbps\":%.3f,\"ratio_to_memcpy\":%.3f}",
                i ? "," : "", sizes[i], tp[i].records_per_s, tp[i].gbps, tp[i].gbps / mc);
      printf("],\"latency\":[");
      for (int i = 0; i < NREG; i++)
         printf("%s{\"regime\":\"%s\",\"median_us\":%.2f,\"p99_us\":%.2f,\"notifies\":%llu}",
                i ? "," : "", regimes[i].name, lat[i].median_us, lat[i].p99_us,
                (unsigned long long)lat[i].wakeups);
      printf("]}\n");
      return 0;
   }
   printf("ring benchmark (platform backend: %s, ring buffer %u KiB)\n\n", pv_platform_backend(),
          RING_BUF / 1024);
   printf("memcpy bandwidth (same run): %.2f GB/s\n\n", mc);
   printf("%-12s %16s %10s %14s\n", "record size", "records/s", "GB/s", "vs memcpy");
   for (int i = 0; i < 3; i++)
      printf("%-12u %16.0f %10.3f %13.1f%%\n", sizes[i], tp[i].records_per_s, tp[i].gbps,
             100.0 * tp[i].gbps / mc);
   printf("\n%-28s %12s %12s %10s\n", "ping-pong latency", "median us", "p99 us", "notifies");
   for (int i = 0; i < NREG; i++)
      printf("%-28s %12.2f %12.2f %10llu\n", regimes[i].name, lat[i].median_us, lat[i].p99_us,
             (unsigned long long)lat[i].wakeups);
   return 0;
}
