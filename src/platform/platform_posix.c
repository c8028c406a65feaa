/*
 * platform_posix.c — the portable implementation of pv_platform.h.
 *
 * Everything here is plain POSIX and builds on macOS.  The few facilities
 * Linux does better (memfd, futex, eventfd) are in platform_linux.c, which
 * replaces the "fallback" functions below when PV_PLATFORM_LINUX is set.
 */
#include "platform/pv_platform.h"
#include "platform/platform_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on each socket instead */
#endif

void
pv_close(int fd)
{
   if (fd >= 0) {
      int saved = errno;
      close(fd);
      errno = saved;
   }
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PV_HAVE_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PV_HAVE_LSAN 1
#endif
#ifdef PV_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

void
pv_keep_for_ever(const void *p)
{
#ifdef PV_HAVE_LSAN
   __lsan_ignore_object(p);
#else
   (void)p;
#endif
}

static int
set_cloexec(int fd)
{
   int flags = fcntl(fd, F_GETFD);
   if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
      return -errno;
   return 0;
}

/* ---- shared memory ------------------------------------------------------ */

int
pv_posix_shm_create(const char *name, size_t size)
{
   (void)name;
   char path[64];
   for (unsigned attempt = 0; attempt < 64; attempt++) {
      /* The name lives only until shm_unlink below; it just has to be new. */
      snprintf(path, sizeof(path), "/pv-venus-%ld-%llx-%u", (long)getpid(),
               (unsigned long long)pv_now_ns(), attempt);
      int fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
      if (fd < 0) {
         if (errno == EEXIST)
            continue;
         return -errno;
      }
      /* Anonymous from here on: nobody else can open it by name. */
      shm_unlink(path);
      int ret = set_cloexec(fd);
      if (!ret && ftruncate(fd, (off_t)size) < 0)
         ret = -errno;
      if (ret) {
         pv_close(fd);
         return ret;
      }
      return fd;
   }
   return -EEXIST;
}

void *
pv_shm_map(int fd, size_t size)
{
   if (size == 0) {
      errno = EINVAL;
      return NULL;
   }
   void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
   return p == MAP_FAILED ? NULL : p;
}

void *
pv_shm_map_aligned(int fd, size_t size, size_t align)
{
   size_t page = pv_page_size();
   if (align <= page)
      return pv_shm_map(fd, size);
   if (size == 0 || (align & (align - 1)) || size > SIZE_MAX - align) {
      errno = EINVAL;
      return NULL;
   }
   /* Reserve enough address space to find an aligned start in it, put the
    * shared memory there, and give back the rest. */
   uint8_t *r = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
   if (r == MAP_FAILED)
      return NULL;
   uint8_t *p = (uint8_t *)(((uintptr_t)r + align - 1) & ~(uintptr_t)(align - 1));
   if (mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
      int err = errno;
      munmap(r, size + align);
      errno = err;
      return NULL;
   }
   size_t tail_start = (size_t)(p - r) + ((size + page - 1) & ~(page - 1));
   if (p > r)
      munmap(r, (size_t)(p - r));
   if (tail_start < size + align)
      munmap(r + tail_start, size + align - tail_start);
   return p;
}

void
pv_shm_unmap(void *ptr, size_t size)
{
   if (ptr)
      munmap(ptr, size);
}

size_t
pv_page_size(void)
{
   long v = sysconf(_SC_PAGESIZE);
   return v > 0 ? (size_t)v : 4096;
}

uint64_t
pv_phys_mem_bytes(void)
{
   long pages = sysconf(_SC_PHYS_PAGES);
   return pages > 0 ? (uint64_t)pages * pv_page_size() : 0;
}

/* Read from the file Linux keeps it in; other systems have no such file
 * (and no such limit), which reads as 0. */
uint64_t
pv_mapping_limit(void)
{
   FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
   unsigned long long v = 0;
   if (f) {
      if (fscanf(f, "%llu", &v) != 1)
         v = 0;
      fclose(f);
   }
   return v;
}

/* ---- threads ------------------------------------------------------------- */

int
pv_thread_start(pv_thread *t, const char *name, void *(*fn)(void *), void *arg)
{
   int ret = pthread_create(&t->handle, NULL, fn, arg);
   if (ret)
      return -ret;
#if defined(__APPLE__)
   (void)name; /* macOS can only name the calling thread */
#else
   char buf[16];
   snprintf(buf, sizeof(buf), "%s", name);
   pthread_setname_np(t->handle, buf);
#endif
   return 0;
}

void
pv_thread_join(pv_thread *t)
{
   pthread_join(t->handle, NULL);
}

/* ---- wait / wake: condition-variable fallback ---------------------------- */

int
pv_event_init(pv_event *ev)
{
   atomic_init(&ev->seq, 0);
   atomic_init(&ev->waiters, 0);
   int ret = pthread_mutex_init(&ev->lock, NULL);
   if (ret)
      return -ret;
   ret = pthread_cond_init(&ev->cond, NULL);
   if (ret) {
      pthread_mutex_destroy(&ev->lock);
      return -ret;
   }
   return 0;
}

void
pv_event_fini(pv_event *ev)
{
   pthread_cond_destroy(&ev->cond);
   pthread_mutex_destroy(&ev->lock);
}

uint32_t
pv_event_peek(pv_event *ev)
{
   return atomic_load_explicit(&ev->seq, memory_order_acquire);
}

void
pv_posix_event_signal(pv_event *ev)
{
   pthread_mutex_lock(&ev->lock);
   atomic_fetch_add_explicit(&ev->seq, 1, memory_order_acq_rel);
   pthread_cond_broadcast(&ev->cond);
   pthread_mutex_unlock(&ev->lock);
}

static struct timespec
deadline_after(uint64_t ns)
{
   /* pthread_cond_timedwait takes CLOCK_REALTIME; fine for short waits. */
   struct timespec ts;
   clock_gettime(CLOCK_REALTIME, &ts);
   uint64_t total = (uint64_t)ts.tv_nsec + ns % 1000000000ull;
   ts.tv_sec += (time_t)(ns / 1000000000ull + total / 1000000000ull);
   ts.tv_nsec = (long)(total % 1000000000ull);
   return ts;
}

int
pv_posix_event_wait(pv_event *ev, uint32_t seen, uint64_t timeout_ns)
{
   int ret = 0;
   struct timespec ts;
   if (timeout_ns != UINT64_MAX)
      ts = deadline_after(timeout_ns);
   pthread_mutex_lock(&ev->lock);
   while (atomic_load_explicit(&ev->seq, memory_order_acquire) == seen) {
      int r = timeout_ns == UINT64_MAX ? pthread_cond_wait(&ev->cond, &ev->lock)
                                       : pthread_cond_timedwait(&ev->cond, &ev->lock, &ts);
      if (r == ETIMEDOUT) {
         ret = -ETIMEDOUT;
         break;
      }
   }
   pthread_mutex_unlock(&ev->lock);
   return ret;
}

/* ---- pollable fd: pipe fallback ----------------------------------------- */

int
pv_posix_pollfd_create(pv_pollfd *p)
{
   int fds[2];
   if (pipe(fds) < 0)
      return -errno;
   for (int i = 0; i < 2; i++) {
      int ret = set_cloexec(fds[i]);
      if (!ret && fcntl(fds[i], F_SETFL, O_NONBLOCK) < 0)
         ret = -errno;
      if (ret) {
         pv_close(fds[0]);
         pv_close(fds[1]);
         return ret;
      }
   }
   p->read_fd = fds[0];
   p->write_fd = fds[1];
   return 0;
}

int
pv_posix_pollfd_ready(void)
{
   pv_pollfd p;
   int ret = pv_posix_pollfd_create(&p);
   if (ret)
      return ret;
   pv_posix_pollfd_signal(&p);
   pv_close(p.write_fd);
   return p.read_fd;
}

void
pv_posix_pollfd_signal(pv_pollfd *p)
{
   static const char one = 1;
   /* A full pipe is already readable, so EAGAIN is fine to ignore. */
   ssize_t r = write(p->write_fd, &one, 1);
   (void)r;
}

void
pv_posix_pollfd_clear(pv_pollfd *p)
{
   char buf[64];
   while (read(p->read_fd, buf, sizeof(buf)) > 0)
      ; /* non-blocking: stops at EAGAIN once the pipe is empty */
}

int
pv_posix_fd_wait_readable(int fd, uint64_t timeout_ns)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   uint64_t ms = (timeout_ns + 999999) / 1000000;
   int ret;
   do {
      ret = poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int)ms);
   } while (ret < 0 && errno == EINTR);
   return ret < 0 ? -errno : ret && (p.revents & POLLIN) ? 1 : 0;
}

void
pv_pollfd_destroy(pv_pollfd *p)
{
   if (p->write_fd != p->read_fd)
      pv_close(p->write_fd);
   pv_close(p->read_fd);
   p->read_fd = p->write_fd = -1;
}

/* ---- clocks ------------------------------------------------------------- */

uint64_t
pv_now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
pv_sleep_ns(uint64_t ns)
{
   struct timespec req = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
   while (nanosleep(&req, &req) < 0 && errno == EINTR)
      ;
}

void
pv_yield(void)
{
   sched_yield();
}

unsigned
pv_cpu_count(void)
{
   long n = sysconf(_SC_NPROCESSORS_ONLN);
   return n > 0 ? (unsigned)n : 1;
}

/* ---- sockets ------------------------------------------------------------ */

static int
fill_sockaddr(struct sockaddr_un *addr, const char *path)
{
   memset(addr, 0, sizeof(*addr));
   addr->sun_family = AF_UNIX;
   if (strlen(path) >= sizeof(addr->sun_path))
      return -ENAMETOOLONG;
   strcpy(addr->sun_path, path);
   return 0;
}

static int
new_socket(void)
{
   int fd = socket(AF_UNIX, SOCK_STREAM, 0);
   if (fd < 0)
      return -errno;
   int ret = set_cloexec(fd);
#ifdef SO_NOSIGPIPE
   int one = 1;
   if (!ret && setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) < 0)
      ret = -errno;
#endif
   if (ret) {
      pv_close(fd);
      return ret;
   }
   return fd;
}

int
pv_socket_listen(const char *path, int backlog)
{
   struct sockaddr_un addr;
   int ret = fill_sockaddr(&addr, path);
   if (ret)
      return ret;
   int fd = new_socket();
   if (fd < 0)
      return fd;
   unlink(path);
   if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, backlog) < 0) {
      ret = -errno;
      pv_close(fd);
      return ret;
   }
   return fd;
}

int
pv_socket_accept(int listen_fd)
{
   for (;;) {
      int fd = accept(listen_fd, NULL, NULL);
      if (fd >= 0) {
         int ret = set_cloexec(fd);
#ifdef SO_NOSIGPIPE
         int one = 1;
         if (!ret && setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) < 0)
            ret = -errno;
#endif
         if (ret) {
            pv_close(fd);
            return ret;
         }
         return fd;
      }
      if (errno != EINTR)
         return -errno;
   }
}

int
pv_socket_connect(const char *path)
{
   struct sockaddr_un addr;
   int ret = fill_sockaddr(&addr, path);
   if (ret)
      return ret;
   int fd = new_socket();
   if (fd < 0)
      return fd;
   while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
      if (errno == EINTR)
         continue;
      ret = -errno;
      pv_close(fd);
      return ret;
   }
   return fd;
}

int
pv_read_full(int fd, void *buf, size_t size)
{
   char *p = buf;
   while (size) {
      ssize_t r = read(fd, p, size);
      if (r == 0)
         return -EPIPE;
      if (r < 0) {
         if (errno == EINTR)
            continue;
         return -errno;
      }
      p += r;
      size -= (size_t)r;
   }
   return 0;
}

long
pv_read_some(int fd, void *buf, size_t size)
{
   for (;;) {
      ssize_t r = read(fd, buf, size);
      if (r > 0)
         return (long)r;
      if (r == 0)
         return -EPIPE;
      if (errno != EINTR)
         return -errno;
   }
}

long
pv_read_nowait(int fd, void *buf, size_t size)
{
   for (;;) {
      ssize_t r = recv(fd, buf, size, MSG_DONTWAIT);
      if (r > 0)
         return (long)r;
      if (r == 0)
         return -EPIPE;
      if (errno == EWOULDBLOCK)
         return -EAGAIN;
      if (errno != EINTR)
         return -errno;
   }
}

int
pv_write_full(int fd, const void *buf, size_t size)
{
   const char *p = buf;
   while (size) {
      ssize_t r = send(fd, p, size, MSG_NOSIGNAL);
      if (r < 0 && errno == ENOTSOCK)
         r = write(fd, p, size);
      if (r < 0) {
         if (errno == EINTR)
            continue;
         return -errno;
      }
      p += r;
      size -= (size_t)r;
   }
   return 0;
}

int
pv_send_fd(int sock, int fd)
{
   char byte = 0;
   struct iovec iov = { &byte, 1 };
   union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int))];
   } ctl;
   memset(&ctl, 0, sizeof(ctl));
   struct msghdr msg = { 0 };
   msg.msg_iov = &iov;
   msg.msg_iovlen = 1;
   msg.msg_control = ctl.buf;
   msg.msg_controllen = sizeof(ctl.buf);
   struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
   c->cmsg_level = SOL_SOCKET;
   c->cmsg_type = SCM_RIGHTS;
   c->cmsg_len = CMSG_LEN(sizeof(int));
   memcpy(CMSG_DATA(c), &fd, sizeof(int));
   for (;;) {
      ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
      if (r == 1)
         return 0;
      if (r < 0 && errno == EINTR)
         continue;
      return r < 0 ? -errno : -EIO;
   }
}

int
pv_recv_fd(int sock, int *fd_out)
{
   char byte;
   struct iovec iov = { &byte, 1 };
   union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int))];
   } ctl;
   struct msghdr msg = { 0 };
   msg.msg_iov = &iov;
   msg.msg_iovlen = 1;
   msg.msg_control = ctl.buf;
   msg.msg_controllen = sizeof(ctl.buf);
   ssize_t r;
   do {
#ifdef MSG_CMSG_CLOEXEC
      r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
#else
      r = recvmsg(sock, &msg, 0);
#endif
   } while (r < 0 && errno == EINTR);
   if (r < 0)
      return -errno;
   if (r == 0)
      return -EPIPE;
   struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
   if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
       c->cmsg_len != CMSG_LEN(sizeof(int)))
      return -EBADMSG;
   memcpy(fd_out, CMSG_DATA(c), sizeof(int));
#ifndef MSG_CMSG_CLOEXEC
   set_cloexec(*fd_out);
#endif
   return 0;
}

void
pv_heap_release_free(void)
{
#if defined(__GLIBC__)
   malloc_trim(0);
#endif
}

bool
pv_heap_keep(size_t bytes)
{
#ifdef __GLIBC__
   /* Setting either disables glibc's own adjustment of both, which raises
    * them only after a large mmapped block is freed: the drivers' per-draw
    * buffers are smaller and never trigger it.  32 MiB is the largest
    * mmap threshold glibc accepts on 64-bit. */
   int keep = bytes > INT_MAX ? INT_MAX : (int)bytes;
   return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, keep) == 1;
#else
   (void)bytes;
   return false;
#endif
}
