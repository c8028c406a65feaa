/* test_platform.c — the platform layer, on whichever backend was built. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "platform/pv_platform.h"
#include "pv_test.h"

static void
test_shm_two_mappings_alias(void)
{
   int fd = pv_shm_create("test", 3 * 4096);
   CHECK(fd >= 0);
   uint8_t *a = pv_shm_map(fd, 3 * 4096);
   uint8_t *b = pv_shm_map(fd, 3 * 4096);
   CHECK(a && b && a != b);
   CHECK(a[0] == 0 && a[3 * 4096 - 1] == 0); /* zero-filled */
   a[5000] = 0x5a;
   CHECK(b[5000] == 0x5a);
   pv_shm_unmap(a, 3 * 4096);
   pv_shm_unmap(b, 3 * 4096);
   pv_close(fd);
}

static int
readable(int fd, int timeout_ms)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void
test_pollfd(void)
{
   pv_pollfd p;
   CHECK(pv_pollfd_create(&p) == 0);
   CHECK(!readable(p.read_fd, 20));
   pv_pollfd_signal(&p);
   CHECK(readable(p.read_fd, 0));
   pv_pollfd_destroy(&p);
}

static void *
signal_later(void *arg)
{
   pv_sleep_ns(20000000);
   pv_event_signal(arg);
   return NULL;
}

static void
test_event(void)
{
   pv_event ev;
   CHECK(pv_event_init(&ev) == 0);
   uint32_t seen = pv_event_peek(&ev);
   uint64_t t0 = pv_now_ns();
   CHECK_EQ(pv_event_wait(&ev, seen, 10000000), -ETIMEDOUT);
   CHECK(pv_now_ns() - t0 >= 9000000);
   /* A signal between peek and wait is never lost. */
   seen = pv_event_peek(&ev);
   pv_event_signal(&ev);
   CHECK_EQ(pv_event_wait(&ev, seen, UINT64_MAX), 0);
   /* A signal from another thread ends an unbounded wait. */
   seen = pv_event_peek(&ev);
   pv_thread t;
   CHECK(pv_thread_start(&t, "signaller", signal_later, &ev) == 0);
   while (pv_event_peek(&ev) == seen)
      pv_event_wait(&ev, seen, UINT64_MAX);
   pv_thread_join(&t);
   pv_event_fini(&ev);
}

/* Ping-pong: two threads hand a token back and forth through two events.
 * The other side always moves within microseconds, so a wait that runs
 * into its 2 s bound means a signal skipped a wake-up it owed a sleeper
 * (pv_event_signal wakes only while someone waits): the test fails then
 * instead of crawling on. */
struct pingpong {
   pv_event ev[2];
   _Atomic uint32_t turn; /* whose move: 0 or 1 */
   unsigned rounds;
   _Atomic int lost;
};

static void
pingpong_side(struct pingpong *pp, uint32_t me)
{
   for (unsigned i = 0; i < pp->rounds && !atomic_load(&pp->lost); i++) {
      for (;;) {
         uint32_t seen = pv_event_peek(&pp->ev[me]);
         if (atomic_load(&pp->turn) == me)
            break;
         if (pv_event_wait(&pp->ev[me], seen, 2000000000ull) == -ETIMEDOUT) {
            atomic_store(&pp->lost, 1);
            pv_event_signal(&pp->ev[!me]);
            return;
         }
      }
      atomic_store(&pp->turn, !me);
      pv_event_signal(&pp->ev[!me]);
   }
}

static void *
pingpong_main(void *arg)
{
   pingpong_side(arg, 1);
   return NULL;
}

static void
test_event_no_lost_wakeup(void)
{
   struct pingpong pp = { .rounds = 20000 };
   CHECK(pv_event_init(&pp.ev[0]) == 0 && pv_event_init(&pp.ev[1]) == 0);
   pv_thread t;
   CHECK(pv_thread_start(&t, "pingpong", pingpong_main, &pp) == 0);
   pingpong_side(&pp, 0);
   pv_thread_join(&t);
   CHECK_EQ(atomic_load(&pp.lost), 0);
   CHECK_EQ(atomic_load(&pp.turn), 0u);
   pv_event_fini(&pp.ev[0]);
   pv_event_fini(&pp.ev[1]);
}

static void
test_clock(void)
{
   uint64_t a = pv_now_ns();
   pv_sleep_ns(2000000);
   uint64_t b = pv_now_ns();
   CHECK(b - a >= 2000000);
}

static void
test_socket_fd_passing(void)
{
   char path[64];
   snprintf(path, sizeof(path), "/tmp/pv-test-%ld.sock", (long)getpid());
   int l = pv_socket_listen(path, 1);
   CHECK(l >= 0);
   int c = pv_socket_connect(path);
   CHECK(c >= 0);
   int s = pv_socket_accept(l);
   CHECK(s >= 0);

   int shm = pv_shm_create("pass", 4096);
   uint8_t *mine = pv_shm_map(shm, 4096);
   mine[7] = 42;
   uint32_t word = 0xabcd1234;
   CHECK(pv_write_full(s, &word, 4) == 0);
   CHECK(pv_send_fd(s, shm) == 0);

   uint32_t got = 0;
   int fd = -1;
   CHECK(pv_read_full(c, &got, 4) == 0);
   CHECK(got == 0xabcd1234);
   CHECK(pv_recv_fd(c, &fd) == 0);
   uint8_t *theirs = fd >= 0 ? pv_shm_map(fd, 4096) : NULL;
   CHECK(theirs && theirs[7] == 42);

   /* A read that must not block: nothing yet, then what is there. */
   uint8_t buf[8];
   CHECK_EQ(pv_read_nowait(c, buf, sizeof(buf)), -EAGAIN);
   CHECK(pv_write_full(s, &word, 4) == 0);
   CHECK_EQ(pv_read_nowait(c, buf, sizeof(buf)), 4);
   CHECK(memcmp(buf, &word, 4) == 0);

   /* A byte without an fd is refused; end of stream is -EPIPE. */
   CHECK(pv_write_full(s, &word, 1) == 0);
   CHECK_EQ(pv_recv_fd(c, &fd), -EBADMSG);
   pv_close(s);
   CHECK_EQ(pv_read_nowait(c, buf, sizeof(buf)), -EPIPE);
   CHECK_EQ(pv_read_full(c, &got, 4), -EPIPE);
   /* Writing to a closed peer is an error, not SIGPIPE. */
   CHECK(pv_write_full(c, &word, 4) < 0 || pv_write_full(c, &word, 4) < 0);

   pv_shm_unmap(mine, 4096);
   pv_shm_unmap(theirs, 4096);
   pv_close(shm);
   pv_close(fd);
   pv_close(c);
   pv_close(l);
   unlink(path);
}

int
main(void)
{
   printf("platform backend: %s\n", pv_platform_backend());
   RUN(test_shm_two_mappings_alias);
   RUN(test_pollfd);
   RUN(test_event);
   RUN(test_event_no_lost_wakeup);
   RUN(test_clock);
   RUN(test_socket_fd_passing);
   return pv_test_summary();
}
