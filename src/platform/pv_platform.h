/*
 * pv_platform.h — the only interface to operating-system facilities.
 *
 * Everything outside src/platform/ reaches the OS through these functions.
 * Each facility has a portable POSIX implementation (what macOS uses) and,
 * where Linux offers something faster or simpler, a Linux path chosen at
 * build time.  Building with -Dportable=true forces every POSIX fallback so
 * the suite can exercise them on Linux.
 *
 * Conventions: functions that can fail return 0 (or a non-negative fd) on
 * success and a negative errno value on failure.  Every fd created here has
 * FD_CLOEXEC set.  All functions are thread-safe unless stated otherwise.
 */
#ifndef PV_PLATFORM_H
#define PV_PLATFORM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "linux" or "posix": which backend this build uses (for logs and tests). */
const char *pv_platform_backend(void);

/* Hand memory the allocator holds free back to the system, where the C
 * library can (glibc keeps per-thread arenas that a burst of client
 * threads grows and never shrinks); a no-op elsewhere.  It walks the whole
 * heap (tens of ms for a large one): call it rarely, e.g. when the last
 * client left. */
void pv_heap_release_free(void);

/* Lets the C library keep up to `bytes` of freed heap memory for reuse,
 * and serve allocations below 32 MiB from its heaps, instead of handing
 * memory back to the system at once and taking it again, fault by fault,
 * on the next allocation.  A CPU Vulkan driver (lavapipe) allocates and
 * frees buffers on the thread that calls it, every draw: on our ring
 * threads, whose per-thread heaps glibc otherwise trims past 128 KiB.
 * Process-wide, so for whoever owns the process to call (pv-venus serve,
 * the virglrenderer drop-in); pv_heap_release_free() still hands it all
 * back.  Returns false where the C library has no such setting (not
 * glibc); then nothing changed. */
bool pv_heap_keep(size_t bytes);

/* ---- anonymous shared memory ------------------------------------------ */

/* Create an anonymous shared-memory object of `size` bytes, zero-filled,
 * and return an fd that can be mmap'ed by this process or, passed over a
 * socket, by another.  memfd on Linux; shm_open + shm_unlink elsewhere.
 * `name` is a debugging hint only. */
int pv_shm_create(const char *name, size_t size);

/* Map `size` bytes of `fd` at offset 0, shared, read-write.  Returns NULL on
 * failure (errno set). */
void *pv_shm_map(int fd, size_t size);

/* pv_shm_map at an address that is a multiple of `align` (a power of two;
 * a VMM's page size, which may exceed the host's).  Undo it with
 * pv_shm_unmap. */
void *pv_shm_map_aligned(int fd, size_t size, size_t align);

/* Undo pv_shm_map.  NULL is accepted and ignored. */
void pv_shm_unmap(void *ptr, size_t size);

/* Size of a memory page. */
size_t pv_page_size(void);

/* Bytes of physical memory, or 0 where the system does not say. */
uint64_t pv_phys_mem_bytes(void);

/* How many mappings the system lets one process hold (Linux's
 * vm.max_map_count), or 0 where there is no such limit or it cannot be
 * read. */
uint64_t pv_mapping_limit(void);

/* Close an fd if it is >= 0; keeps errno. */
void pv_close(int fd);

/* Tell a leak checker (LeakSanitizer) that `p` is kept on purpose for the
 * life of the process: memory a stuck driver may still use.  A no-op
 * without one. */
void pv_keep_for_ever(const void *p);

/* ---- threads ---------------------------------------------------------- */

typedef struct pv_thread {
   pthread_t handle;
} pv_thread;

/* Start `fn(arg)` on a new thread named `name` (truncated to what the OS
 * allows). */
int pv_thread_start(pv_thread *t, const char *name, void *(*fn)(void *), void *arg);
/* Wait for the thread to end. */
void pv_thread_join(pv_thread *t);

/* ---- wait / wake ------------------------------------------------------ */

/*
 * pv_event: a wake-up counter for one or more waiters.  A waiter reads the
 * counter with pv_event_peek(), re-checks its condition, then calls
 * pv_event_wait() with the value it read; any pv_event_signal() after the
 * peek makes the wait return at once, so no wake-up is ever lost.
 * Linux: futex on the counter, woken only while someone waits on it (a
 * signal nobody waits for costs no system call).  Portable: mutex +
 * condition variable.
 */
typedef struct pv_event {
   _Atomic uint32_t seq;
   _Atomic uint32_t waiters; /* Linux: threads inside pv_event_wait() */
   pthread_mutex_t lock;
   pthread_cond_t cond;
} pv_event;

int pv_event_init(pv_event *ev);
void pv_event_fini(pv_event *ev);
uint32_t pv_event_peek(pv_event *ev);
void pv_event_signal(pv_event *ev);
/* Returns 0 when the counter moved past `seen`, -ETIMEDOUT after
 * `timeout_ns` (UINT64_MAX = forever).  May return 0 spuriously. */
int pv_event_wait(pv_event *ev, uint32_t seen, uint64_t timeout_ns);

/*
 * pv_pollfd: a one-shot readiness fd for another process to poll().  The
 * read end becomes readable (POLLIN) after pv_pollfd_signal().  eventfd on
 * Linux, a pipe elsewhere.
 */
typedef struct pv_pollfd {
   int read_fd;  /* hand this out (dup it if it must outlive the pv_pollfd) */
   int write_fd; /* == read_fd for eventfd */
} pv_pollfd;

int pv_pollfd_create(pv_pollfd *p);
void pv_pollfd_signal(pv_pollfd *p);
/* Make the read end unreadable again (drain what signals left), so the
 * pv_pollfd can be signalled anew: a level-triggered "something waits". */
void pv_pollfd_clear(pv_pollfd *p);
void pv_pollfd_destroy(pv_pollfd *p);
/* The read end of a pv_pollfd that is readable already, for a wait that
 * was satisfied when it came (the caller owns it); or -errno.  One system
 * call on Linux (an eventfd created with a count of 1). */
int pv_pollfd_ready(void);

/* Wait until `fd` is readable or `timeout_ns` passed (EINTR retried).
 * Returns 1 readable, 0 timed out, or -errno.  Linux waits to the
 * microsecond (ppoll); elsewhere the wait rounds up to a millisecond. */
int pv_fd_wait_readable(int fd, uint64_t timeout_ns);

/* ---- clocks ----------------------------------------------------------- */

/* Monotonic time in nanoseconds. */
uint64_t pv_now_ns(void);
/* Sleep at least `ns` nanoseconds (EINTR is retried). */
void pv_sleep_ns(uint64_t ns);
/* Give up the CPU to another runnable thread. */
void pv_yield(void);
/* Let the calling thread's short sleeps and timed waits end when asked:
 * Linux otherwise lets a 10 us nap overrun by its 50 us default timer
 * slack, which a thread polling a ring pays as latency.  A no-op where the
 * system has no such setting. */
void pv_thread_precise_timers(void);
/* CPUs online now (at least 1). */
unsigned pv_cpu_count(void);
/* A CPU pause hint for spin loops. */
static inline void
pv_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
   __builtin_ia32_pause();
#elif defined(__aarch64__)
   __asm__ __volatile__("yield");
#endif
}

/* ---- UNIX sockets ----------------------------------------------------- */

/* Bind and listen on a SOCK_STREAM UNIX socket at `path`, replacing a stale
 * socket file there. */
int pv_socket_listen(const char *path, int backlog);
/* Accept one connection (retries EINTR). */
int pv_socket_accept(int listen_fd);
/* Connect to the UNIX socket at `path`. */
int pv_socket_connect(const char *path);

/* Read exactly `size` bytes.  Returns 0, -EPIPE on end of stream, or
 * -errno. */
int pv_read_full(int fd, void *buf, size_t size);
/* Read what is there, 1 to `size` bytes (blocking until there is some).
 * Returns the count, -EPIPE on end of stream, or -errno. */
long pv_read_some(int fd, void *buf, size_t size);
/* pv_read_some() that never blocks: -EAGAIN when nothing is there yet. */
long pv_read_nowait(int fd, void *buf, size_t size);
/* Write exactly `size` bytes without raising SIGPIPE.  Returns 0 or
 * -errno. */
int pv_write_full(int fd, const void *buf, size_t size);

/* Send one fd with exactly one data byte (0), the vtest convention. */
int pv_send_fd(int sock, int fd);
/* Receive one byte carrying one fd; *fd_out gets it.  -EBADMSG when the
 * message carries no fd, -EPIPE on end of stream. */
int pv_recv_fd(int sock, int *fd_out);

#endif /* PV_PLATFORM_H */
