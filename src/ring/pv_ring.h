/*
 * pv_ring.h — the shared-memory command ring of Venus (docs/PROTOCOL.md §3).
 *
 * The guest describes the layout inside one of its shared-memory resources:
 * head (written by us), tail (written by the guest), status (both), a
 * power-of-two command buffer and an "extra" region.  Head and tail are
 * free-running 32-bit byte counters.  One reader thread per ring loads tail
 * with acquire order, copies what is ready into a private linear buffer
 * (so the guest cannot change bytes under the decoder, and commands that
 * straddle the wrap point become contiguous), hands commands one at a time
 * to the consumer, and stores head with release order after each command.
 *
 * While the ring is empty the reader spins briefly, then sleeps with a
 * growing period; after the idle timeout (a minimum, measured from the last
 * command or wake-up, docs/PROTOCOL.md §14 N14) it sets IDLE and blocks until
 * pv_ring_notify().  FATAL is set on any ring or consumer error; the reader
 * then stops consuming.  ALIVE is ORed in by pv_ring_monitor (below).
 */
#ifndef PV_RING_H
#define PV_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/pv_log.h"

/* VkRingStatusFlagBitsMESA */
#define PV_RING_STATUS_IDLE 0x1u
#define PV_RING_STATUS_FATAL 0x2u
#define PV_RING_STATUS_ALIVE 0x4u

/* Largest command buffer we accept (same bound as the reference host). */
#define PV_RING_MAX_BUFFER_SIZE (16u * 1024 * 1024)

/* Where the ring lives: all offsets relative to the ring's start, which is
 * `offset` bytes into a resource of `resource_size` bytes. */
struct pv_ring_layout {
   uint64_t resource_size;
   uint64_t offset, size;
   uint64_t head_offset, tail_offset, status_offset;
   uint64_t buffer_offset, buffer_size;
   uint64_t extra_offset, extra_size;
};

/* Check a guest-provided layout: every region inside the ring and the
 * resource, 4-byte aligned begin and end, head/tail/status exactly 4 bytes,
 * pairwise disjoint, buffer size a power of two within
 * [4, PV_RING_MAX_BUFFER_SIZE].  Returns 0, or -EINVAL with a sentence
 * naming the violation in `err`. */
int pv_ring_layout_validate(const struct pv_ring_layout *l, char *err, size_t err_size);

/*
 * Consumer callback, run on the ring thread.  `data` holds `avail` > 0
 * bytes, starting at a command boundary.  Decode and execute exactly one
 * command, store its size (1..avail) in *consumed and return 0.  Return a
 * negative value to make the ring fatal.  It may block (a guest-requested
 * wait); it should then watch pv_ring_stopping().
 */
typedef int (*pv_ring_consume_fn)(void *user, const uint8_t *data, size_t avail,
                                  size_t *consumed);

struct pv_ring_params {
   uint8_t *base;              /* mapping of the ring's first byte */
   struct pv_ring_layout layout;
   uint64_t idle_timeout_ns;   /* guest's idleTimeout; clamped to >= 1 us */
   pv_ring_consume_fn consume;
   /* Optional, on the ring thread: after each head it publishes, and once
    * when the reader stops (fatal, or being destroyed); pv_ring_head(),
    * pv_ring_is_fatal() and pv_ring_stopping() tell which. */
   void (*on_progress)(void *user);
   void *user;
   const struct pv_logger *log;
   const char *name;           /* for logs and the thread name */
};

struct pv_ring_stats {
   uint64_t commands;  /* commands consumed */
   uint64_t bytes;     /* bytes consumed */
   uint64_t sleeps;    /* timed sleeps while waiting for work */
   uint64_t idles;     /* times the ring went IDLE and blocked */
   uint64_t wakeups;   /* notifies that found the reader blocked or sleeping */
};

struct pv_ring;

/* Validate the layout (see above) and the initial state (head and status
 * must read 0) and allocate the ring; the reader does not run yet.
 * On failure returns -EINVAL/-ENOMEM with a reason in `err`. */
int pv_ring_create(const struct pv_ring_params *params, struct pv_ring **out,
                   char *err, size_t err_size);
/* Start the reader thread. */
int pv_ring_start(struct pv_ring *ring);
/* Stop and join the reader (waking it wherever it waits), then free. */
void pv_ring_destroy(struct pv_ring *ring);

/* Wake the reader (vkNotifyRingMESA).  Any thread. */
void pv_ring_notify(struct pv_ring *ring);
/* Work the guest waited for is done, so its next command is due: wake the
 * reader and restart its wait as after a command (spin, yield, then naps;
 * IDLE only after another idle timeout), so that command finds the reader
 * awake and the guest sends no notify.  Nothing happens when the ring
 * consumed no command since the last kick: a guest whose work bypasses
 * the ring (fences of empty submissions) does not keep it awake.  Any
 * thread. */
void pv_ring_kick(struct pv_ring *ring);
/* Mark the ring fatal: set FATAL in status and stop consuming. */
void pv_ring_set_fatal(struct pv_ring *ring);
bool pv_ring_is_fatal(const struct pv_ring *ring);
/* True once pv_ring_destroy has begun; for blocking consumers. */
bool pv_ring_stopping(const struct pv_ring *ring);
/* OR ALIVE into the status word. */
void pv_ring_set_alive(struct pv_ring *ring);
/* The head we last published. */
uint32_t pv_ring_head(const struct pv_ring *ring);
/* Whether free-running `head` has reached `seqno` (wrap-aware, mod 2^32). */
static inline bool
pv_ring_seqno_reached(uint32_t head, uint32_t seqno)
{
   return (int32_t)(head - seqno) >= 0;
}
/* Block until head reaches `seqno` (free-running, mod 2^32): 0; -EIO if
 * the ring turns fatal or is stopping; -ETIMEDOUT after `slice_ns`
 * (UINT64_MAX: no slice) so the caller can look at its own state and wait
 * again.  The reader wakes the waiter as it publishes head: no polling. */
int pv_ring_wait_head(struct pv_ring *ring, uint64_t seqno, uint64_t slice_ns);
/* Release-store `value` at `offset` in the extra region
 * (vkWriteRingExtraMESA); -EINVAL if it does not fit. */
int pv_ring_write_extra(struct pv_ring *ring, uint64_t offset, uint32_t value);
void pv_ring_get_stats(const struct pv_ring *ring, struct pv_ring_stats *out);

/*
 * pv_ring_monitor: one thread that ORs ALIVE into every ring registered
 * with it, at half the smallest reporting period asked for so far, so a
 * guest that cleared ALIVE sees it again well inside its period even while
 * a reader is blocked in a long command (docs/PROTOCOL.md §3.3, §14 N15).
 */
struct pv_ring_monitor;

int pv_ring_monitor_create(struct pv_ring_monitor **out);
void pv_ring_monitor_destroy(struct pv_ring_monitor *mon);
/* Register a ring with a reporting period in microseconds (> 0). */
int pv_ring_monitor_add(struct pv_ring_monitor *mon, struct pv_ring *ring, uint32_t period_us);
/* Unregister (before destroying the ring). */
void pv_ring_monitor_remove(struct pv_ring_monitor *mon, struct pv_ring *ring);

#endif /* PV_RING_H */
