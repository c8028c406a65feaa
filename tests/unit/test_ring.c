/*
 * test_ring.c — the ring reader: layout validation, wrap-around and
 * straddling commands, status transitions, the heartbeat, and a two-thread
 * stress test of 1,000,000 checksummed variable-size records.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ring/pv_guest_ring.h"
#include "platform/pv_platform.h"
#include "pv_test.h"
#include "ring/pv_ring.h"

/* Test records: u32 total size (multiple of 4, >= 12), u32 sequence
 * number, u32 checksum of the payload, payload. */
struct checker {
   uint32_t next_seq;
   uint64_t bad;
   atomic_uint received;
   bool fail_next; /* make the consumer reject a command */
   /* on_progress: calls, the head each saw, whether one saw FATAL */
   struct pv_ring **ring;
   atomic_uint progress;
   _Atomic uint32_t progress_head;
   atomic_bool progress_fatal;
};

static void
note_progress(void *user)
{
   struct checker *c = user;
   atomic_store(&c->progress_head, pv_ring_head(*c->ring));
   if (pv_ring_is_fatal(*c->ring))
      atomic_store(&c->progress_fatal, true);
   atomic_fetch_add(&c->progress, 1);
}

static uint32_t
checksum(const uint8_t *p, size_t n, uint32_t seed)
{
   uint32_t h = 2166136261u ^ seed;
   for (size_t i = 0; i < n; i++)
      h = (h ^ p[i]) * 16777619u;
   return h;
}

static size_t
make_record(uint8_t *buf, uint32_t seq, size_t size)
{
   uint32_t hdr[3] = { (uint32_t)size, seq, 0 };
   for (size_t i = 12; i < size; i++)
      buf[i] = (uint8_t)(seq * 31 + i);
   hdr[2] = checksum(buf + 12, size - 12, seq);
   memcpy(buf, hdr, 12);
   return size;
}

static int
check_record(void *user, const uint8_t *data, size_t avail, size_t *consumed)
{
   struct checker *c = user;
   uint32_t hdr[3];
   if (c->fail_next || avail < 12)
      return -EINVAL;
   memcpy(hdr, data, 12);
   if (hdr[0] < 12 || hdr[0] > avail)
      return -EINVAL;
   if (hdr[1] != c->next_seq || hdr[2] != checksum(data + 12, hdr[0] - 12, hdr[1]))
      c->bad++;
   c->next_seq++;
   atomic_fetch_add(&c->received, 1);
   *consumed = hdr[0];
   return 0;
}

struct fixture {
   int fd;
   uint8_t *mem;
   size_t size;
   struct pv_ring_layout layout;
   struct pv_guest_ring guest;
   struct pv_ring *ring;
   struct checker check;
   struct pv_logger log;
};

static int
fixture_init(struct fixture *f, uint32_t buf_size, uint64_t idle_ns)
{
   memset(f, 0, sizeof(*f));
   pv_logger_init(&f->log, NULL, NULL);
   f->log.level = PV_LOG_WARN; /* the FATAL tests log errors on purpose */
   f->size = pv_guest_ring_layout(&f->layout, buf_size);
   f->fd = pv_shm_create("ring-test", f->size);
   f->mem = pv_shm_map(f->fd, f->size);
   pv_guest_ring_init(&f->guest, f->mem, &f->layout);
   struct pv_ring_params p = {
      .base = f->mem, .layout = f->layout, .idle_timeout_ns = idle_ns,
      .consume = check_record, .on_progress = note_progress, .user = &f->check,
      .log = &f->log, .name = "test",
   };
   f->check.ring = &f->ring;
   char err[128];
   int ret = pv_ring_create(&p, &f->ring, err, sizeof(err));
   if (!ret)
      ret = pv_ring_start(f->ring);
   return ret;
}

static void
fixture_fini(struct fixture *f)
{
   pv_ring_destroy(f->ring);
   pv_shm_unmap(f->mem, f->size);
   pv_close(f->fd);
}

static uint32_t
status(struct fixture *f)
{
   return atomic_load(f->guest.status);
}

static bool
wait_until(struct fixture *f, uint32_t mask, bool set, uint64_t timeout_ns)
{
   uint64_t end = pv_now_ns() + timeout_ns;
   while (pv_now_ns() < end) {
      if (((status(f) & mask) != 0) == set)
         return true;
      pv_sleep_ns(100000);
   }
   return false;
}

/* ---- layout validation ---------------------------------------------------- */

static int
validate(struct pv_ring_layout l, const char *expect)
{
   char err[160] = "";
   int ret = pv_ring_layout_validate(&l, err, sizeof(err));
   if (expect && !strstr(err, expect)) {
      fprintf(stderr, "  expected '%s' in '%s'\n", expect, err);
      return 1;
   }
   return ret;
}

static void
test_layout_violations(void)
{
   struct pv_ring_layout ok;
   pv_guest_ring_layout(&ok, 4096);
   CHECK_EQ(validate(ok, NULL), 0);
   /* Mesa's primary ring inside a bigger resource at an offset. */
   struct pv_ring_layout l = ok;
   l.resource_size = l.size + 4096;
   l.offset = 4096;
   CHECK_EQ(validate(l, NULL), 0);

   l = ok; l.resource_size = l.size - 4;
   CHECK(validate(l, "outside its") == -EINVAL);
   l = ok; l.resource_size = UINT64_MAX; l.offset = UINT64_MAX - 8;
   CHECK(validate(l, "outside its") == -EINVAL);
   l = ok; l.resource_size += 2; l.offset = 2;
   CHECK(validate(l, "offset 2 is not 4-byte aligned") == -EINVAL);
   l = ok; l.tail_offset = 66;
   CHECK(validate(l, "tail region") == -EINVAL);
   l = ok; l.extra_size = 3;
   CHECK(validate(l, "not 4-byte aligned") == -EINVAL);
   l = ok; l.status_offset = l.size;
   CHECK(validate(l, "status region") == -EINVAL);
   l = ok; l.buffer_offset = UINT64_MAX - 3;
   CHECK(validate(l, "outside the ring") == -EINVAL);
   l = ok; l.extra_size = UINT64_MAX - 3;
   CHECK(validate(l, "outside the ring") == -EINVAL);
   l = ok; l.buffer_size = 3000; l.extra_offset = 192 + 3000;
   CHECK(validate(l, "power of two") == -EINVAL);
   l = ok; l.buffer_size = 0;
   CHECK(validate(l, "power of two") == -EINVAL);
   pv_guest_ring_layout(&l, 32u << 20);
   CHECK(validate(l, "power of two in") == -EINVAL);
   l = ok; l.tail_offset = 0;
   CHECK(validate(l, "head and tail regions overlap") == -EINVAL);
   l = ok; l.extra_offset = 192 + 4092;
   CHECK(validate(l, "buffer and extra regions overlap") == -EINVAL);
   l = ok; l.status_offset = 200;
   CHECK(validate(l, "status and buffer regions overlap") == -EINVAL);
}

static void
test_nonzero_head_refused(void)
{
   struct fixture f;
   size_t size = pv_guest_ring_layout(&f.layout, 256);
   uint8_t *mem = calloc(1, size);
   mem[0] = 1; /* head */
   struct pv_ring_params p = { .base = mem, .layout = f.layout, .consume = check_record };
   char err[128] = "";
   struct pv_ring *ring = NULL;
   CHECK_EQ(pv_ring_create(&p, &ring, err, sizeof(err)), -EINVAL);
   CHECK(strstr(err, "must be 0") != NULL);
   free(mem);
}

/* ---- data path -------------------------------------------------------------- */

static void
test_wrap_and_straddle(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 64, 1000000) == 0);
   uint8_t rec[64];
   /* 20 + 24 + 28 … bytes never line up with 64: records straddle the
    * end of the buffer and the counters wrap the buffer many times. */
   uint32_t seq = 0, seqno = 0;
   for (int round = 0; round < 200; round++) {
      size_t size = 12 + 4 * (size_t)(round % 13);
      make_record(rec, seq++, size);
      seqno = pv_guest_ring_write(&f.guest, f.ring, rec, size);
   }
   pv_guest_ring_wait(&f.guest, seqno);
   CHECK_EQ(atomic_load(&f.check.received), 200);
   CHECK_EQ(f.check.bad, 0);
   CHECK_EQ(pv_ring_head(f.ring), seqno);
   struct pv_ring_stats st;
   pv_ring_get_stats(f.ring, &st);
   CHECK_EQ(st.commands, 200);
   CHECK_EQ(st.bytes, seqno);
   fixture_fini(&f);
}

/* ---- status ------------------------------------------------------------------ */

static void
test_idle_and_notify(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 256, 2000000) == 0); /* 2 ms */
   uint64_t t0 = pv_now_ns();
   CHECK(wait_until(&f, PV_RING_STATUS_IDLE, true, 2000000000));
   CHECK(pv_now_ns() - t0 >= 2000000); /* never before the idle timeout */
   /* A command plus notify wakes the reader, which clears IDLE. */
   uint8_t rec[16];
   uint32_t seqno = pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 0, 16));
   pv_guest_ring_wait(&f.guest, seqno);
   CHECK_EQ(atomic_load(&f.check.received), 1);
   struct pv_ring_stats st;
   pv_ring_get_stats(f.ring, &st);
   CHECK(st.idles >= 1);
   CHECK(st.wakeups >= 1);
   /* It goes idle again. */
   CHECK(wait_until(&f, PV_RING_STATUS_IDLE, true, 2000000000));
   CHECK(!(status(&f) & PV_RING_STATUS_FATAL));
   fixture_fini(&f);
}

/* pv_ring_kick: an IDLE reader wakes and clears IDLE without a command, so
 * the guest's next write needs no notify; a napping one restarts its wait,
 * so either goes IDLE again only a full idle timeout after the kick (a
 * notify alone would not restart a nap's).  A ring that consumed nothing
 * since the last kick is left alone. */
static void
test_kick(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 256, 50000000) == 0); /* 50 ms */
   uint8_t rec[16];
   uint32_t seqno = pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 0, 16));
   pv_guest_ring_wait(&f.guest, seqno);
   CHECK(wait_until(&f, PV_RING_STATUS_IDLE, true, 2000000000));
   pv_ring_kick(f.ring);
   CHECK(wait_until(&f, PV_RING_STATUS_IDLE, false, 2000000000));
   struct pv_ring_stats before, after;
   pv_ring_get_stats(f.ring, &before);
   seqno = pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 1, 16));
   pv_guest_ring_wait(&f.guest, seqno);
   uint64_t written = pv_now_ns();
   CHECK_EQ(atomic_load(&f.check.received), 2);
   pv_ring_get_stats(f.ring, &after);
   CHECK_EQ(after.idles, before.idles); /* it did not block again before the write */
   /* 30 ms after the command the reader naps; kicked, it waits 50 more. */
   pv_sleep_ns(30000000);
   uint64_t kicked = pv_now_ns();
   pv_ring_kick(f.ring);
   CHECK(wait_until(&f, PV_RING_STATUS_IDLE, true, 2000000000));
   uint64_t idle = pv_now_ns();
   CHECK(idle - written >= 50000000);
   CHECK(idle - kicked >= 50000000);
   /* No command since that kick: the next one leaves the reader idle. */
   pv_ring_get_stats(f.ring, &before);
   pv_ring_kick(f.ring);
   pv_sleep_ns(5000000);
   pv_ring_get_stats(f.ring, &after);
   CHECK(status(&f) & PV_RING_STATUS_IDLE);
   CHECK_EQ(after.wakeups, before.wakeups);
   fixture_fini(&f);
}

/* pv_ring_wait_head: woken as the reader publishes head (a writer after
 * the waiter started, the reader napping in between), a slice that passes
 * says so, and a fatal ring ends the wait. */
struct head_waiter {
   struct fixture *f;
   uint64_t seqno;
   int ret;
   uint64_t returned_ns;
};

static void *
head_waiter_main(void *arg)
{
   struct head_waiter *w = arg;
   w->ret = pv_ring_wait_head(w->f->ring, w->seqno, UINT64_MAX);
   w->returned_ns = pv_now_ns();
   return NULL;
}

static void
test_wait_head(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 256, 1000000000) == 0); /* idle after 1 s: it naps */
   uint8_t rec[16];
   uint32_t first = pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 0, 16));
   CHECK_EQ(pv_ring_wait_head(f.ring, first, UINT64_MAX), 0);
   CHECK_EQ(pv_ring_wait_head(f.ring, first + 16, 2000000), -ETIMEDOUT);
   pv_sleep_ns(5000000); /* the reader is napping now */
   struct head_waiter w = { &f, first + 16, -1, 0 };
   pthread_t t;
   CHECK(pthread_create(&t, NULL, head_waiter_main, &w) == 0);
   pv_sleep_ns(2000000);
   uint64_t written = pv_now_ns();
   uint32_t second = pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 1, 16));
   pv_ring_notify(f.ring);
   pthread_join(t, NULL);
   CHECK_EQ(second, first + 16);
   CHECK_EQ(w.ret, 0);
   printf("  head reached %.1f us after the write\n", (double)(w.returned_ns - written) / 1e3);
   /* a fatal ring ends a wait */
   w = (struct head_waiter){ &f, second + 1000, -1, 0 };
   CHECK(pthread_create(&t, NULL, head_waiter_main, &w) == 0);
   pv_sleep_ns(2000000);
   pv_ring_set_fatal(f.ring);
   pthread_join(t, NULL);
   CHECK_EQ(w.ret, -EIO);
   fixture_fini(&f);
}

static void
test_tail_jump_is_fatal(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 256, 1000000) == 0);
   atomic_store(f.guest.tail, 257);
   pv_ring_notify(f.ring);
   CHECK(wait_until(&f, PV_RING_STATUS_FATAL, true, 2000000000));
   CHECK(pv_ring_is_fatal(f.ring));
   CHECK_EQ(atomic_load(&f.check.received), 0);
   fixture_fini(&f);
}

static void
test_consumer_error_is_fatal(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 256, 1000000) == 0);
   uint8_t rec[16];
   uint32_t seqno = pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 0, 16));
   pv_guest_ring_wait(&f.guest, seqno);
   /* on_progress runs after the head is published (so a little after the
    * guest may see it) and sees that head */
   for (int i = 0; i < 200 && atomic_load(&f.check.progress) < 1; i++)
      pv_sleep_ns(10000000);
   CHECK_EQ(atomic_load(&f.check.progress), 1);
   CHECK_EQ(atomic_load(&f.check.progress_head), seqno);
   CHECK(!atomic_load(&f.check.progress_fatal));
   f.check.fail_next = true;
   /* A record whose size field lies about its length is rejected too. */
   pv_guest_ring_write(&f.guest, f.ring, rec, make_record(rec, 1, 16));
   CHECK(wait_until(&f, PV_RING_STATUS_FATAL, true, 2000000000));
   CHECK_EQ(pv_ring_head(f.ring), seqno); /* head stays before the bad command */
   /* and once more as the reader stopped, fatal */
   for (int i = 0; i < 200 && atomic_load(&f.check.progress) < 2; i++)
      pv_sleep_ns(10000000);
   CHECK_EQ(atomic_load(&f.check.progress), 2);
   CHECK(atomic_load(&f.check.progress_fatal));
   fixture_fini(&f);
}

static void
test_heartbeat_while_idle(void)
{
   struct fixture f;
   CHECK(fixture_init(&f, 256, 1000000) == 0);
   struct pv_ring_monitor *mon;
   CHECK(pv_ring_monitor_create(&mon) == 0);
   const uint32_t period_us = 100000;
   CHECK(pv_ring_monitor_add(mon, f.ring, period_us) == 0);
   CHECK(wait_until(&f, PV_RING_STATUS_IDLE, true, 2000000000));
   for (int i = 0; i < 5; i++) {
      /* The guest clears ALIVE when it starts waiting ... */
      atomic_fetch_and(f.guest.status, ~PV_RING_STATUS_ALIVE);
      uint64_t t0 = pv_now_ns();
      /* ... and expects it back within the period. */
      CHECK(wait_until(&f, PV_RING_STATUS_ALIVE, true, period_us * 1000ull));
      CHECK(pv_now_ns() - t0 <= period_us * 1000ull);
   }
   CHECK(status(&f) & PV_RING_STATUS_IDLE); /* the reader stayed idle */
   pv_ring_monitor_remove(mon, f.ring);
   pv_ring_monitor_destroy(mon);
   fixture_fini(&f);
}

/* ---- stress ----------------------------------------------------------------- */

struct producer {
   struct fixture *f;
   uint32_t count;
   uint32_t last;
};

static void *
produce(void *arg)
{
   struct producer *p = arg;
   uint8_t rec[1024];
   uint64_t rng = 0x9e3779b97f4a7c15ull;
   for (uint32_t i = 0; i < p->count; i++) {
      rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
      size_t size = 12 + 4 * (size_t)(rng % 250); /* 12 .. 1008 bytes */
      p->last = pv_guest_ring_write(&p->f->guest, p->f->ring, rec, make_record(rec, i, size));
   }
   return NULL;
}

static void
test_stress_million_records(void)
{
   struct fixture f;
   /* A 4 KiB buffer forces constant wrapping and full-ring waits; a 50 us
    * idle timeout makes the reader go idle and be notified often. */
   CHECK(fixture_init(&f, 4096, 50000) == 0);
   struct producer p = { .f = &f, .count = 1000000 };
   pv_thread t;
   uint64_t t0 = pv_now_ns();
   CHECK(pv_thread_start(&t, "producer", produce, &p) == 0);
   pv_thread_join(&t);
   pv_guest_ring_wait(&f.guest, p.last);
   double secs = (double)(pv_now_ns() - t0) / 1e9;
   CHECK_EQ(atomic_load(&f.check.received), 1000000);
   CHECK_EQ(f.check.bad, 0);
   CHECK(!pv_ring_is_fatal(f.ring));
   struct pv_ring_stats st;
   pv_ring_get_stats(f.ring, &st);
   printf("  1000000 records, %.1f MB in %.2f s; reader slept %llu times, idled %llu, "
          "woken %llu\n", (double)st.bytes / 1e6, secs, (unsigned long long)st.sleeps,
          (unsigned long long)st.idles, (unsigned long long)st.wakeups);
   fixture_fini(&f);
}

int
main(void)
{
   printf("platform backend: %s\n", pv_platform_backend());
   RUN(test_layout_violations);
   RUN(test_nonzero_head_refused);
   RUN(test_wrap_and_straddle);
   RUN(test_idle_and_notify);
   RUN(test_kick);
   RUN(test_wait_head);
   RUN(test_tail_jump_is_fatal);
   RUN(test_consumer_error_is_fatal);
   RUN(test_heartbeat_while_idle);
   RUN(test_stress_million_records);
   return pv_test_summary();
}
