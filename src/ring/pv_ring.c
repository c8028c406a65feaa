/*
 * pv_ring.c — the reader side of the Venus shared-memory ring.
 * The contract is in pv_ring.h; this file keeps to three ideas:
 *  - the guest owns tail, we own head: tail is loaded with acquire order
 *    and head stored with release order after each command, so a guest
 *    that sees head pass a command also sees its reply;
 *  - nothing guest-written is trusted twice: bytes are copied out once and
 *    the distance tail - head is checked against the buffer size;
 *  - IDLE follows the Dekker pattern with the guest (we set IDLE then load
 *    tail; the guest stores tail then loads status), so either we see the
 *    new tail or the guest sees IDLE and notifies.
 */
#include "ring/pv_ring.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"

/* Waiting for work: spin, then yield, then sleep with a doubling period.
 * The spin keeps a request/reply round trip in microseconds while the
 * guest is busy; the sleeps keep an idle guest from costing a core.  The
 * spin is short because the kernel tends to wake a thread on its waker's
 * CPU: a reader woken by a notify that spins there keeps the notifier
 * (the guest, or the thread that relays its notify) from seeing the
 * reply.  Yielding lets it run (pv-venus bench ring: 32 us idle round trip
 * with a 20 us spin, 13-16 us with 0-3 us on a 2-core VM). */
#define SPIN_NS 3000ull
#define YIELD_NS 100000ull
#define SLEEP_MIN_NS 10000ull
#define SLEEP_MAX_NS 200000ull
/* While IDLE we block on notify, but re-check tail this often anyway so a
 * notify the guest decided not to send (rate limit) costs latency, not a hang. */
#define IDLE_RECHECK_NS 50000000ull

struct pv_ring {
   struct pv_ring_params p;
   _Atomic uint32_t *head, *tail, *status;
   uint8_t *buffer;
   uint32_t buf_size;
   uint8_t *extra;
   uint64_t extra_size;
   uint8_t *linear;   /* private copy of the ready bytes */
   uint32_t cur;      /* our head */
   pv_event wake;
   /* pv_ring_wait_head(): waiters count themselves in, and the reader
    * signals `progress` after publishing head only while there are any. */
   pv_event progress;
   _Atomic uint32_t head_waiters;
   /* pv_ring_kick(): `kicked` until the reader restarts its wait;
    * `kicked_at` is the command count at the last kick, so a ring with no
    * command since is not kicked again. */
   atomic_bool kicked;
   _Atomic uint64_t kicked_at;
   atomic_bool stop, fatal, sleeping;
   bool started;
   pv_thread thread;
   _Atomic uint64_t commands, bytes, sleeps, idles, wakeups;
};

static int
fail(char *err, size_t err_size, const char *fmt, ...)
{
   if (err && err_size) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err, err_size, fmt, ap);
      va_end(ap);
   }
   return -EINVAL;
}

/* ---- layout validation -------------------------------------------------- */

struct region {
   const char *name;
   uint64_t off, size;
};

static int
check_region(const struct pv_ring_layout *l, const struct region *r, char *err, size_t n)
{
   if (r->off % 4 || r->size % 4)
      return fail(err, n, "ring %s region [%llu, +%llu) is not 4-byte aligned", r->name,
                  (unsigned long long)r->off, (unsigned long long)r->size);
   if (r->off > l->size || r->size > l->size - r->off)
      return fail(err, n, "ring %s region [%llu, +%llu) lies outside the ring's %llu bytes",
                  r->name, (unsigned long long)r->off, (unsigned long long)r->size,
                  (unsigned long long)l->size);
   return 0;
}

int
pv_ring_layout_validate(const struct pv_ring_layout *l, char *err, size_t n)
{
   if (l->offset > l->resource_size || l->size > l->resource_size - l->offset)
      return fail(err, n, "ring [%llu, +%llu) lies outside its %llu-byte resource",
                  (unsigned long long)l->offset, (unsigned long long)l->size,
                  (unsigned long long)l->resource_size);
   if (l->offset % 4)
      return fail(err, n, "ring offset %llu is not 4-byte aligned", (unsigned long long)l->offset);
   const struct region r[5] = {
      { "head", l->head_offset, 4 },
      { "tail", l->tail_offset, 4 },
      { "status", l->status_offset, 4 },
      { "buffer", l->buffer_offset, l->buffer_size },
      { "extra", l->extra_offset, l->extra_size },
   };
   for (int i = 0; i < 5; i++) {
      int ret = check_region(l, &r[i], err, n);
      if (ret)
         return ret;
   }
   uint64_t bs = l->buffer_size;
   if (bs < 4 || bs > PV_RING_MAX_BUFFER_SIZE || (bs & (bs - 1)))
      return fail(err, n, "ring buffer size %llu is not a power of two in [4, %u]",
                  (unsigned long long)bs, PV_RING_MAX_BUFFER_SIZE);
   for (int i = 0; i < 5; i++) {
      for (int j = i + 1; j < 5; j++) {
         if (r[i].size && r[j].size && r[i].off < r[j].off + r[j].size &&
             r[j].off < r[i].off + r[i].size)
            return fail(err, n, "ring %s and %s regions overlap", r[i].name, r[j].name);
      }
   }
   return 0;
}

/* ---- lifetime ------------------------------------------------------------ */

int
pv_ring_create(const struct pv_ring_params *params, struct pv_ring **out, char *err,
               size_t err_size)
{
   const struct pv_ring_layout *l = &params->layout;
   int ret = pv_ring_layout_validate(l, err, err_size);
   if (ret)
      return ret;
   if (!params->base || !params->consume)
      return fail(err, err_size, "ring has no memory or no consumer");

   struct pv_ring *ring = calloc(1, sizeof(*ring));
   if (!ring || !(ring->linear = malloc(l->buffer_size))) {
      free(ring);
      return -ENOMEM;
   }
   ring->p = *params;
   if (ring->p.idle_timeout_ns < 1000)
      ring->p.idle_timeout_ns = 1000;
   ring->head = (_Atomic uint32_t *)(params->base + l->head_offset);
   ring->tail = (_Atomic uint32_t *)(params->base + l->tail_offset);
   ring->status = (_Atomic uint32_t *)(params->base + l->status_offset);
   ring->buffer = params->base + l->buffer_offset;
   ring->buf_size = (uint32_t)l->buffer_size;
   ring->extra = params->base + l->extra_offset;
   ring->extra_size = l->extra_size;

   /* A ring starts empty at position 0 (the reference host insists too). */
   if (atomic_load(ring->head) != 0 || atomic_load(ring->status) != 0) {
      free(ring->linear);
      free(ring);
      return fail(err, err_size, "ring head and status must be 0 at creation");
   }
   ret = pv_event_init(&ring->wake);
   if (!ret && (ret = pv_event_init(&ring->progress)))
      pv_event_fini(&ring->wake);
   if (ret) {
      free(ring->linear);
      free(ring);
      return ret;
   }
   *out = ring;
   return 0;
}

void
pv_ring_set_fatal(struct pv_ring *ring)
{
   atomic_store(&ring->fatal, true);
   atomic_fetch_or(ring->status, PV_RING_STATUS_FATAL);
   pv_event_signal(&ring->wake);
   pv_event_signal(&ring->progress);
}

bool
pv_ring_is_fatal(const struct pv_ring *ring)
{
   return atomic_load(&ring->fatal);
}

bool
pv_ring_stopping(const struct pv_ring *ring)
{
   return atomic_load_explicit(&ring->stop, memory_order_relaxed);
}

void
pv_ring_set_alive(struct pv_ring *ring)
{
   atomic_fetch_or(ring->status, PV_RING_STATUS_ALIVE);
}

uint32_t
pv_ring_head(const struct pv_ring *ring)
{
   return atomic_load(ring->head); /* seq_cst: ring_gate.c pairs with it */
}

int
pv_ring_wait_head(struct pv_ring *ring, uint64_t seqno, uint64_t slice_ns)
{
   atomic_fetch_add(&ring->head_waiters, 1);
   int ret = 0;
   for (;;) {
      uint32_t seen = pv_event_peek(&ring->progress);
      if (pv_ring_seqno_reached(atomic_load(ring->head), (uint32_t)seqno))
         break;
      if (atomic_load(&ring->fatal) || pv_ring_stopping(ring)) {
         ret = -EIO;
         break;
      }
      if (pv_event_wait(&ring->progress, seen, slice_ns) == -ETIMEDOUT) {
         /* a slice passed: let the caller look at its own state */
         ret = pv_ring_seqno_reached(atomic_load(ring->head), (uint32_t)seqno) ? 0 : -ETIMEDOUT;
         break;
      }
   }
   atomic_fetch_sub(&ring->head_waiters, 1);
   return ret;
}

void
pv_ring_notify(struct pv_ring *ring)
{
   if (atomic_load_explicit(&ring->sleeping, memory_order_relaxed))
      atomic_fetch_add_explicit(&ring->wakeups, 1, memory_order_relaxed);
   pv_event_signal(&ring->wake);
}

void
pv_ring_kick(struct pv_ring *ring)
{
   uint64_t commands = atomic_load_explicit(&ring->commands, memory_order_relaxed);
   if (atomic_exchange_explicit(&ring->kicked_at, commands, memory_order_relaxed) == commands)
      return; /* the guest's work goes elsewhere (an empty submit's fence) */
   atomic_store_explicit(&ring->kicked, true, memory_order_relaxed);
   pv_ring_notify(ring);
}

int
pv_ring_write_extra(struct pv_ring *ring, uint64_t offset, uint32_t value)
{
   if (offset % 4 || offset > ring->extra_size || ring->extra_size - offset < 4)
      return -EINVAL;
   atomic_store_explicit((_Atomic uint32_t *)(ring->extra + offset), value,
                         memory_order_release);
   return 0;
}

void
pv_ring_get_stats(const struct pv_ring *ring, struct pv_ring_stats *out)
{
   out->commands = atomic_load_explicit(&ring->commands, memory_order_relaxed);
   out->bytes = atomic_load_explicit(&ring->bytes, memory_order_relaxed);
   out->sleeps = atomic_load_explicit(&ring->sleeps, memory_order_relaxed);
   out->idles = atomic_load_explicit(&ring->idles, memory_order_relaxed);
   out->wakeups = atomic_load_explicit(&ring->wakeups, memory_order_relaxed);
}

/* ---- the reader ------------------------------------------------------------ */

static void
ring_fatal(struct pv_ring *ring, const char *what, unsigned long long value)
{
   pv_error(ring->p.log, "ring %s: FATAL: %s %llu", ring->p.name ? ring->p.name : "?", what, value);
   pv_ring_set_fatal(ring);
}

/* Copy `n` ready bytes out (two pieces if they wrap) and consume them
 * command by command, publishing head after each. */
static void
consume_ready(struct pv_ring *ring, uint32_t n)
{
   uint32_t pos = ring->cur & (ring->buf_size - 1);
   uint32_t first = ring->buf_size - pos < n ? ring->buf_size - pos : n;
   memcpy(ring->linear, ring->buffer + pos, first);
   memcpy(ring->linear + first, ring->buffer, n - first);

   size_t off = 0;
   while (off < n && !atomic_load_explicit(&ring->fatal, memory_order_relaxed)) {
      size_t used = 0;
      int ret = ring->p.consume(ring->p.user, ring->linear + off, n - off, &used);
      if (ret < 0 || used == 0 || used > n - off) {
         ring_fatal(ring, "the consumer rejected the command at ring position", ring->cur);
         return;
      }
      off += used;
      ring->cur += (uint32_t)used;
      /* counted before head is published: whoever sees the head sees them */
      atomic_fetch_add_explicit(&ring->commands, 1, memory_order_relaxed);
      atomic_fetch_add_explicit(&ring->bytes, used, memory_order_relaxed);
      /* seq_cst store, then load of head_waiters: pairs with the waiter's
       * increment and load of head (Dekker), so a waiter either sees the
       * new head or is signalled; ring_gate.c pairs with it the same way */
      atomic_store(ring->head, ring->cur);
      if (atomic_load(&ring->head_waiters))
         pv_event_signal(&ring->progress);
      if (ring->p.on_progress)
         ring->p.on_progress(ring->p.user);
   }
}

/* Set IDLE and block until notified; see the Dekker note at the top. */
static void
go_idle(struct pv_ring *ring, uint32_t seen)
{
   atomic_fetch_or(ring->status, PV_RING_STATUS_IDLE);
   if (atomic_load(ring->tail) == ring->cur) {
      atomic_fetch_add_explicit(&ring->idles, 1, memory_order_relaxed);
      atomic_store(&ring->sleeping, true);
      while (!atomic_load(&ring->stop) && pv_event_peek(&ring->wake) == seen &&
             atomic_load(ring->tail) == ring->cur)
         pv_event_wait(&ring->wake, seen, IDLE_RECHECK_NS);
      atomic_store(&ring->sleeping, false);
   }
   atomic_fetch_and(ring->status, ~PV_RING_STATUS_IDLE);
}

/* How long the ring has been empty, and how the reader has waited so far. */
struct wait_state {
   uint64_t active_since; /* last command, wake-up or kick */
   unsigned spins;
   unsigned naps;
};

static void
reset_wait(struct wait_state *w)
{
   w->active_since = pv_now_ns();
   w->spins = 0;
   w->naps = 0;
}

/* Nothing to read: spin, yield or nap, depending on how long the ring has
 * been empty; after the idle timeout go IDLE.  Naps start at SLEEP_MIN_NS
 * and double every four naps up to SLEEP_MAX_NS: a guest that writes while
 * we nap is not notified (it notifies only on IDLE), so the nap length is
 * the latency it pays.  The idle timeout restarts after a wake-up (§14 N14). */
static void
wait_for_work(struct pv_ring *ring, uint32_t seen, struct wait_state *w)
{
   if (++w->spins % 64) {
      pv_cpu_relax();
      return;
   }
   uint64_t empty_for = pv_now_ns() - w->active_since;
   if (empty_for < SPIN_NS) {
      pv_cpu_relax();
   } else if (empty_for < YIELD_NS) {
      pv_yield();
   } else if (empty_for >= ring->p.idle_timeout_ns) {
      go_idle(ring, seen);
      reset_wait(w);
   } else {
      unsigned shift = w->naps / 4 < 8 ? w->naps / 4 : 8;
      uint64_t nap = SLEEP_MIN_NS << shift;
      uint64_t left = ring->p.idle_timeout_ns - empty_for;
      if (nap > SLEEP_MAX_NS)
         nap = SLEEP_MAX_NS;
      if (nap > left)
         nap = left;
      w->naps++;
      atomic_fetch_add_explicit(&ring->sleeps, 1, memory_order_relaxed);
      atomic_store(&ring->sleeping, true);
      pv_event_wait(&ring->wake, seen, nap);
      atomic_store(&ring->sleeping, false);
   }
}

static void *
ring_main(void *arg)
{
   struct pv_ring *ring = arg;
   struct wait_state w;
   pv_thread_precise_timers(); /* naps are the latency a writing guest pays */
   reset_wait(&w);
   while (!atomic_load_explicit(&ring->stop, memory_order_relaxed) &&
          !atomic_load_explicit(&ring->fatal, memory_order_relaxed)) {
      uint32_t seen = pv_event_peek(&ring->wake);
      uint32_t n = atomic_load_explicit(ring->tail, memory_order_acquire) - ring->cur;
      if (n > ring->buf_size) {
         ring_fatal(ring, "the guest's tail ran ahead of head by more than the buffer:", n);
         break;
      }
      if (n) {
         consume_ready(ring, n);
         reset_wait(&w);
      } else if (atomic_load_explicit(&ring->kicked, memory_order_relaxed) &&
                 atomic_exchange_explicit(&ring->kicked, false, memory_order_relaxed)) {
         reset_wait(&w); /* a guest command is due: spin and yield again */
      } else {
         wait_for_work(ring, seen, &w);
      }
   }
   if (ring->p.on_progress)
      ring->p.on_progress(ring->p.user);
   return NULL;
}

int
pv_ring_start(struct pv_ring *ring)
{
   char name[16];
   snprintf(name, sizeof(name), "pv-ring");
   int ret = pv_thread_start(&ring->thread, name, ring_main, ring);
   if (!ret)
      ring->started = true;
   return ret;
}

void
pv_ring_destroy(struct pv_ring *ring)
{
   if (!ring)
      return;
   atomic_store(&ring->stop, true);
   pv_event_signal(&ring->wake);
   pv_event_signal(&ring->progress);
   if (ring->started)
      pv_thread_join(&ring->thread);
   pv_event_fini(&ring->wake);
   pv_event_fini(&ring->progress);
   free(ring->linear);
   free(ring);
}
