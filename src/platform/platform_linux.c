/*
 * platform_linux.c — Linux fast paths: memfd for shared memory, a futex
 * for pv_event, eventfd for pv_pollfd.  Built instead of
 * platform_select_posix.c unless -Dportable=true.
 */
#include "platform/platform_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

const char *
pv_platform_backend(void)
{
   return "linux";
}

int
pv_shm_create(const char *name, size_t size)
{
   int fd = memfd_create(name ? name : "pv-venus", MFD_CLOEXEC | MFD_ALLOW_SEALING);
   if (fd < 0)
      return pv_posix_shm_create(name, size); /* e.g. a seccomp'ed host */
   if (ftruncate(fd, (off_t)size) < 0) {
      int ret = -errno;
      pv_close(fd);
      return ret;
   }
   /* The guest maps exactly this size; it must never shrink under it. */
   fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
   return fd;
}

static long
futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
   return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

/* Waiters count themselves in before they sleep, the signaller bumps seq
 * before it looks at the count (both sequentially consistent): either it
 * sees the waiter and wakes it, or the waiter's futex sees the new seq and
 * does not sleep.  Most signals (a ring reader that is spinning, a
 * virtqueue seqno nobody waits for) then cost no system call. */
void
pv_event_signal(pv_event *ev)
{
   atomic_fetch_add(&ev->seq, 1);
   if (atomic_load(&ev->waiters))
      futex(&ev->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

int
pv_event_wait(pv_event *ev, uint32_t seen, uint64_t timeout_ns)
{
   struct timespec ts, *tsp = NULL;
   if (timeout_ns != UINT64_MAX) {
      ts.tv_sec = (time_t)(timeout_ns / 1000000000ull);
      ts.tv_nsec = (long)(timeout_ns % 1000000000ull);
      tsp = &ts;
   }
   /* Relative timeout; a wake-up before the wait makes seq != seen and the
    * kernel returns EAGAIN at once. */
   atomic_fetch_add(&ev->waiters, 1);
   int timed_out = futex(&ev->seq, FUTEX_WAIT_PRIVATE, seen, tsp) < 0 && errno == ETIMEDOUT;
   atomic_fetch_sub(&ev->waiters, 1);
   return timed_out ? -ETIMEDOUT : 0;
}

int
pv_pollfd_create(pv_pollfd *p)
{
   int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
   if (fd < 0)
      return pv_posix_pollfd_create(p);
   p->read_fd = p->write_fd = fd;
   return 0;
}

int
pv_pollfd_ready(void)
{
   int fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
   return fd < 0 ? pv_posix_pollfd_ready() : fd;
}

void
pv_pollfd_signal(pv_pollfd *p)
{
   if (p->read_fd != p->write_fd) {
      pv_posix_pollfd_signal(p);
      return;
   }
   uint64_t one = 1;
   ssize_t r = write(p->write_fd, &one, sizeof(one));
   (void)r;
}

void
pv_pollfd_clear(pv_pollfd *p)
{
   if (p->read_fd != p->write_fd) {
      pv_posix_pollfd_clear(p);
      return;
   }
   uint64_t v;
   ssize_t r = read(p->read_fd, &v, sizeof(v)); /* non-blocking: resets the counter */
   (void)r;
}

int
pv_fd_wait_readable(int fd, uint64_t timeout_ns)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   struct timespec ts = { (time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull) };
   int ret;
   do {
      ret = ppoll(&p, 1, &ts, NULL);
   } while (ret < 0 && errno == EINTR);
   return ret < 0 ? -errno : ret && (p.revents & POLLIN) ? 1 : 0;
}

void
pv_thread_precise_timers(void)
{
   prctl(PR_SET_TIMERSLACK, 1000ul); /* 1 us */
}
