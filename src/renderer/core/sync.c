/* sync.c — vtest-style sync objects, pollable waits and fence timelines. */
#include "renderer/core/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"
#include "renderer/core/context.h"

/* Most points in one fence or wait (Mesa sends one). */
#define MAX_POINTS 4096u
/* Most fences held per context (pv_context_hold_fences): past it the next
 * fence waits for the holds (the settle hook) instead of queueing, so a
 * guest that never lets its ring get there cannot grow the list. */
#define MAX_HELD 1024u
/* Most pending waits per context: each holds an fd or two. */
#define MAX_WAITS 256u
/*
 * A wait is never signalled when its timeout passes (the guest's own poll
 * timeout reports VK_TIMEOUT).  We keep watching for this long after the
 * deadline before dropping it: dropping closes our end, and with the pipe
 * fallback a closed write end reads as POLLHUP, which a guest still polling
 * would take for an error.
 */
#define WAIT_GRACE_NS (10ull * 1000000000ull)

struct pv_sync {
   uint32_t id;
   uint32_t refs; /* table + fences + waits; guarded by the state lock */
   uint64_t value;
};

struct pv_sync_ref {
   struct pv_sync *sync;
   uint64_t value;
};

struct pv_wait {
   struct pv_wait *next;
   pv_pollfd pfd;
   int any;
   uint64_t deadline_ns; /* UINT64_MAX: none */
   uint32_t count;
   struct pv_sync_ref pts[];
};

struct pv_fence {
   struct pv_fence *next;
   struct pv_context *ctx; /* set when it waits in a pv_fence_queue */
   uint64_t seqno;
   uint64_t fence_id;
   uint32_t ring_idx;
   uint32_t count;
   struct pv_sync_ref pts[];
};

/* ---- state -------------------------------------------------------------- */

int
pv_sync_state_init(struct pv_sync_state *s, uint32_t max_syncs, struct pv_budget *budget)
{
   memset(s, 0, sizeof(*s));
   s->budget = budget;
   if (pthread_mutex_init(&s->lock, NULL))
      return -ENOMEM;
   if (pthread_cond_init(&s->calls_done, NULL)) {
      pthread_mutex_destroy(&s->lock);
      return -ENOMEM;
   }
   pv_idmap_init(&s->syncs, max_syncs);
   return 0;
}

static void
sync_put(struct pv_sync *sync)
{
   if (--sync->refs == 0)
      free(sync);
}

static void
put_points(struct pv_sync_ref *pts, uint32_t count)
{
   for (uint32_t i = 0; i < count; i++)
      sync_put(pts[i].sync);
}

static void
free_fence_list(struct pv_fence *f)
{
   while (f) {
      struct pv_fence *next = f->next;
      put_points(f->pts, f->count);
      free(f);
      f = next;
   }
}

static void
wait_free(struct pv_wait *w)
{
   pv_pollfd_destroy(&w->pfd);
   put_points(w->pts, w->count);
   free(w);
}

/* Free a registered wait and give its place in the renderer's budget back. */
static void
wait_release(struct pv_sync_state *s, struct pv_wait *w)
{
   pv_budget_give(s->budget, 1);
   wait_free(w);
}

/* The syncs table's reference, for pv_idmap_drain. */
static void
table_sync_put(void *val)
{
   sync_put(val);
}

void
pv_sync_state_fini(struct pv_sync_state *s)
{
   for (struct pv_wait *w = s->waits, *next; w; w = next) {
      next = w->next;
      wait_release(s, w);
   }
   for (uint32_t i = 0; i < PV_MAX_TIMELINES; i++)
      free_fence_list(s->timelines[i].head);
   free_fence_list(s->retired_head);
   while (s->held_head) {
      struct pv_held_fence *h = s->held_head;
      s->held_head = h->next;
      free(h);
   }
   pv_idmap_drain(&s->syncs, table_sync_put);
   pthread_cond_destroy(&s->calls_done);
   pthread_mutex_destroy(&s->lock);
}

/* ---- waits -------------------------------------------------------------- */

static int
wait_satisfied(const struct pv_wait *w)
{
   if (w->count == 0)
      return 1;
   for (uint32_t i = 0; i < w->count; i++) {
      int reached = w->pts[i].sync->value >= w->pts[i].value;
      if (reached && w->any)
         return 1;
      if (!reached && !w->any)
         return 0;
   }
   return !w->any;
}

static uint64_t
wait_expiry(const struct pv_wait *w)
{
   return w->deadline_ns > UINT64_MAX - WAIT_GRACE_NS ? UINT64_MAX
                                                      : w->deadline_ns + WAIT_GRACE_NS;
}

/*
 * Complete satisfied waits and drop those past their expiry.  `cutoff`
 * lowers the expiry to "deadline passed" when the table is full.
 */
static void
update_waits_locked(struct pv_sync_state *s, int cutoff)
{
   uint64_t now = pv_now_ns();
   for (struct pv_wait **pw = &s->waits; *pw;) {
      struct pv_wait *w = *pw;
      int done = wait_satisfied(w);
      if (done)
         pv_pollfd_signal(&w->pfd);
      else if (now < (cutoff ? w->deadline_ns : wait_expiry(w))) {
         pw = &w->next;
         continue;
      }
      *pw = w->next;
      s->wait_count--;
      wait_release(s, w);
   }
}

/* Resolve ids to referenced syncs.  Returns 0 or -ENOENT (nothing held). */
static int
resolve_points_locked(struct pv_sync_state *s, const struct pv_sync_point *in, uint32_t count,
                      struct pv_sync_ref *out)
{
   for (uint32_t i = 0; i < count; i++) {
      struct pv_sync *sync = pv_idmap_get(&s->syncs, in[i].sync_id);
      if (!sync) {
         put_points(out, i);
         return -ENOENT;
      }
      sync->refs++;
      out[i].sync = sync;
      out[i].value = in[i].value;
   }
   return 0;
}

static int
dup_cloexec(int fd)
{
   int ret = fcntl(fd, F_DUPFD_CLOEXEC, 0);
   return ret < 0 ? -errno : ret;
}

static int
check_points_arg(const struct pv_sync_point *pts, uint32_t count)
{
   if (count > MAX_POINTS)
      return -E2BIG;
   return count && !pts ? -EINVAL : 0;
}

/* Register `w` (points resolved, its pv_pollfd made); called locked.  A
 * wait satisfied since it was first checked completes here instead. */
static int
start_wait_locked(struct pv_context *ctx, struct pv_wait *w)
{
   struct pv_sync_state *s = &ctx->sync;
   if (wait_satisfied(w)) {
      /* the caller's copy keeps the signalled state (the counter, or the
       * byte in the pipe) after we close our ends */
      pv_pollfd_signal(&w->pfd);
      wait_free(w);
      return 0;
   }
   if (s->wait_count >= MAX_WAITS) {
      update_waits_locked(s, 1);
      if (s->wait_count >= MAX_WAITS) {
         pv_warn(ctx->log, "ctx %u: too many pending sync waits (%u per context)", ctx->serial,
                 MAX_WAITS);
         return -ENOSPC;
      }
   }
   if (!pv_budget_take(s->budget, 1)) {
      update_waits_locked(s, 1);
      if (!pv_budget_take_logged(s->budget, 1, ctx->log, ctx->serial))
         return -ENOSPC;
   }
   w->next = s->waits;
   s->waits = w;
   s->wait_count++;
   return 0;
}

/* The fd the caller polls for a wait not satisfied when it came: our
 * pv_pollfd's read end, duplicated for the caller; made outside the sync
 * lock, as these are system calls that other threads need not wait for. */
static int
make_wait_fd(struct pv_wait *w)
{
   int ret = pv_pollfd_create(&w->pfd);
   if (ret)
      return ret;
   int fd = dup_cloexec(w->pfd.read_fd);
   if (fd < 0)
      pv_pollfd_destroy(&w->pfd);
   return fd;
}

/* Resolve `w`'s points (w->count of them) and check them under the lock:
 * 1 = satisfied (points put back), 0 = pending (points held by `w`), or a
 * negative errno (nothing held).  Expired waits are reclaimed on the way. */
static int
check_wait(struct pv_sync_state *s, struct pv_wait *w, const struct pv_sync_point *points)
{
   pthread_mutex_lock(&s->lock);
   int ret = resolve_points_locked(s, points, w->count, w->pts);
   if (!ret) {
      update_waits_locked(s, 0);
      ret = wait_satisfied(w);
      if (ret)
         put_points(w->pts, w->count);
   }
   pthread_mutex_unlock(&s->lock);
   return ret;
}

/* Register a pending wait (its points held), or complete it if it was
 * satisfied meanwhile.  0 with the caller's fd in *fd_out, `w` now owned by
 * the table (or freed); or a negative errno with `w` freed. */
static int
register_wait(struct pv_context *ctx, struct pv_wait *w, int *fd_out)
{
   struct pv_sync_state *s = &ctx->sync;
   int fd = make_wait_fd(w);
   pthread_mutex_lock(&s->lock);
   int ret = fd < 0 ? fd : start_wait_locked(ctx, w);
   if (ret)
      put_points(w->pts, w->count);
   pthread_mutex_unlock(&s->lock);
   if (!ret) {
      *fd_out = fd;
      return 0;
   }
   if (fd >= 0) {
      pv_close(fd);
      pv_pollfd_destroy(&w->pfd);
   }
   free(w);
   return ret;
}

PV_API int
pv_sync_wait(struct pv_context *ctx, uint32_t flags, const struct pv_sync_point *points,
             uint32_t count, uint64_t timeout_ns, int *fd_out)
{
   if (fd_out)
      *fd_out = -1;
   if (!ctx || !fd_out || (flags & ~PV_SYNC_WAIT_ANY))
      return -EINVAL;
   int ret = check_points_arg(points, count);
   if (ret)
      return ret;
   struct pv_wait *w = calloc(1, sizeof(*w) + (size_t)count * sizeof(w->pts[0]));
   if (!w)
      return -ENOMEM;
   w->any = !!(flags & PV_SYNC_WAIT_ANY);
   w->count = count;
   uint64_t now = pv_now_ns();
   w->deadline_ns = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;

   /* Most waits are satisfied when they come (the guest waits for what a
    * SYNC_WRITE or a retired fence already set): those get a readable fd
    * made outside the lock, and nothing is registered. */
   ret = check_wait(&ctx->sync, w, points);
   if (ret == 0) {
      ret = register_wait(ctx, w, fd_out);
   } else {
      free(w);
      if (ret > 0) {
         int fd = pv_pollfd_ready();
         *fd_out = fd < 0 ? -1 : fd;
         ret = fd < 0 ? fd : 0;
      }
   }
   pv_trace(ctx->log, "ctx %u: sync wait (%u points, %s) -> %d", ctx->serial, count,
            (flags & PV_SYNC_WAIT_ANY) ? "any" : "all", ret);
   return ret;
}

/* ---- sync objects ------------------------------------------------------- */

PV_API int
pv_sync_create(struct pv_context *ctx, uint64_t initial_value, uint32_t *sync_id)
{
   if (!ctx || !sync_id)
      return -EINVAL;
   struct pv_sync *sync = calloc(1, sizeof(*sync));
   if (!sync)
      return -ENOMEM;
   sync->refs = 1;
   sync->value = initial_value;
   pthread_mutex_lock(&ctx->sync.lock);
   int ret = pv_idmap_add(&ctx->sync.syncs, sync, &sync->id);
   pthread_mutex_unlock(&ctx->sync.lock);
   if (ret) {
      free(sync);
      return ret;
   }
   *sync_id = sync->id;
   pv_trace(ctx->log, "ctx %u: sync %u created = %" PRIu64, ctx->serial, sync->id, initial_value);
   return 0;
}

PV_API int
pv_sync_unref(struct pv_context *ctx, uint32_t sync_id)
{
   if (!ctx)
      return -EINVAL;
   pthread_mutex_lock(&ctx->sync.lock);
   struct pv_sync *sync = pv_idmap_remove(&ctx->sync.syncs, sync_id);
   if (sync)
      sync_put(sync);
   pthread_mutex_unlock(&ctx->sync.lock);
   return sync ? 0 : -ENOENT;
}

PV_API int
pv_sync_read(struct pv_context *ctx, uint32_t sync_id, uint64_t *value)
{
   if (!ctx || !value)
      return -EINVAL;
   pthread_mutex_lock(&ctx->sync.lock);
   struct pv_sync *sync = pv_idmap_get(&ctx->sync.syncs, sync_id);
   if (sync)
      *value = sync->value;
   pthread_mutex_unlock(&ctx->sync.lock);
   return sync ? 0 : -ENOENT;
}

PV_API int
pv_sync_write(struct pv_context *ctx, uint32_t sync_id, uint64_t value)
{
   if (!ctx)
      return -EINVAL;
   pthread_mutex_lock(&ctx->sync.lock);
   struct pv_sync *sync = pv_idmap_get(&ctx->sync.syncs, sync_id);
   if (sync) {
      sync->value = value;
      update_waits_locked(&ctx->sync, 0);
   }
   pthread_mutex_unlock(&ctx->sync.lock);
   pv_trace(ctx->log, "ctx %u: sync %u = %" PRIu64 "%s", ctx->serial, sync_id, value,
            sync ? "" : " (unknown)");
   return sync ? 0 : -ENOENT;
}

/* ---- timelines ---------------------------------------------------------- */

/* Move fences with seqno <= `seqno` to the retired queue and apply them. */
static void
retire_locked(struct pv_sync_state *s, uint32_t ring_idx, uint64_t seqno)
{
   struct pv_timeline *tl = &s->timelines[ring_idx];
   int any = 0;
   while (tl->head && tl->head->seqno <= seqno) {
      struct pv_fence *f = tl->head;
      tl->head = f->next;
      f->next = NULL;
      for (uint32_t i = 0; i < f->count; i++)
         f->pts[i].sync->value = f->pts[i].value;
      put_points(f->pts, f->count);
      f->count = 0;
      if (s->retired_tail)
         s->retired_tail->next = f;
      else
         s->retired_head = f;
      s->retired_tail = f;
      any = 1;
   }
   if (!tl->head)
      tl->tail = NULL;
   if (any)
      update_waits_locked(s, 0);
}

/* ---- fences delivered by pv_renderer_poll -------------------------------- */

int
pv_fence_queue_init(struct pv_fence_queue *q)
{
   q->head = q->tail = NULL;
   if (pthread_mutex_init(&q->lock, NULL))
      return -ENOMEM;
   int ret = pv_pollfd_create(&q->fd);
   if (ret)
      pthread_mutex_destroy(&q->lock);
   return ret;
}

void
pv_fence_queue_fini(struct pv_fence_queue *q)
{
   free_fence_list(q->head);
   pv_pollfd_destroy(&q->fd);
   pthread_mutex_destroy(&q->lock);
}

static void
fence_queue_push(struct pv_fence_queue *q, struct pv_fence *f)
{
   pthread_mutex_lock(&q->lock);
   f->next = NULL;
   if (q->tail)
      q->tail->next = f;
   else
      q->head = f;
   q->tail = f;
   pv_pollfd_signal(&q->fd);
   pthread_mutex_unlock(&q->lock);
}

void
pv_fence_queue_forget(struct pv_fence_queue *q, const struct pv_context *ctx)
{
   pthread_mutex_lock(&q->lock);
   struct pv_fence **link = &q->head;
   q->tail = NULL;
   while (*link) {
      struct pv_fence *f = *link;
      if (f->ctx == ctx) {
         *link = f->next;
         free(f);
      } else {
         q->tail = f;
         link = &f->next;
      }
   }
   pthread_mutex_unlock(&q->lock);
}

PV_API int
pv_renderer_fence_fd(struct pv_renderer *r)
{
   if (!r || !(r->config.flags & PV_RENDERER_FENCES_POLLED))
      return -EINVAL;
   return r->polled.fd.read_fd;
}

PV_API unsigned
pv_renderer_poll(struct pv_renderer *r)
{
   if (!r || !(r->config.flags & PV_RENDERER_FENCES_POLLED))
      return 0;
   struct pv_fence_queue *q = &r->polled;
   unsigned n = 0;
   pthread_mutex_lock(&q->lock);
   pv_pollfd_clear(&q->fd);
   /* One at a time: the callback may destroy a context, whose fences
    * behind this one then leave the queue (pv_fence_queue_forget). */
   while (q->head) {
      struct pv_fence *f = q->head;
      q->head = f->next;
      if (!q->head)
         q->tail = NULL;
      pthread_mutex_unlock(&q->lock);
      if (r->config.fence_retired)
         r->config.fence_retired(r->config.fence_user, f->ctx, f->ring_idx, f->fence_id);
      free(f);
      n++;
      pthread_mutex_lock(&q->lock);
   }
   pthread_mutex_unlock(&q->lock);
   return n;
}

/*
 * Report retired fences in order.  Only one thread delivers at a time; a
 * retirement during delivery (even from inside the callback) just queues,
 * so callbacks never nest and never reorder.  Called with the lock held;
 * drops it around each callback.
 */
static void
deliver_locked(struct pv_context *ctx)
{
   struct pv_sync_state *s = &ctx->sync;
   const struct pv_renderer_config *cfg = &ctx->renderer->config;
   if (s->delivering)
      return;
   s->delivering = 1;
   while (s->retired_head) {
      struct pv_fence *f = s->retired_head;
      s->retired_head = f->next;
      if (!s->retired_head)
         s->retired_tail = NULL;
      if (cfg->flags & PV_RENDERER_FENCES_POLLED) {
         f->ctx = ctx;
         fence_queue_push(&ctx->renderer->polled, f);
         continue;
      }
      if (cfg->fence_retired) {
         pthread_mutex_unlock(&s->lock);
         cfg->fence_retired(cfg->fence_user, ctx, f->ring_idx, f->fence_id);
         pthread_mutex_lock(&s->lock);
      }
      free(f);
   }
   s->delivering = 0;
}

void
pv_context_retire_timeline(struct pv_context *ctx, uint32_t ring_idx, uint64_t seqno)
{
   if (!ctx || ring_idx >= PV_MAX_TIMELINES)
      return;
   pthread_mutex_lock(&ctx->sync.lock);
   retire_locked(&ctx->sync, ring_idx, seqno);
   deliver_locked(ctx);
   pthread_mutex_unlock(&ctx->sync.lock);
}

int
pv_context_bind_timeline(struct pv_context *ctx, uint32_t ring_idx, pv_timeline_submit_fn submit,
                         void *data)
{
   if (!ctx || !submit || ring_idx == 0 || ring_idx >= PV_MAX_TIMELINES)
      return -EINVAL;
   int ret = 0;
   pthread_mutex_lock(&ctx->sync.lock);
   struct pv_timeline *tl = &ctx->sync.timelines[ring_idx];
   if (tl->submit) {
      ret = -EBUSY;
   } else {
      tl->submit = submit;
      tl->data = data;
   }
   pthread_mutex_unlock(&ctx->sync.lock);
   pv_debug(ctx->log, "ctx %u: timeline %u bind -> %d", ctx->serial, ring_idx, ret);
   return ret;
}

void
pv_context_unbind_timeline(struct pv_context *ctx, uint32_t ring_idx)
{
   if (!ctx || ring_idx == 0 || ring_idx >= PV_MAX_TIMELINES)
      return;
   pthread_mutex_lock(&ctx->sync.lock);
   struct pv_timeline *tl = &ctx->sync.timelines[ring_idx];
   tl->submit = NULL;
   tl->data = NULL;
   /* A fence submitted from another thread (the context's, while the ring
    * thread destroys the queue) may be inside the hook: the caller frees
    * what the hook uses once we return. */
   while (tl->calls)
      pthread_cond_wait(&ctx->sync.calls_done, &ctx->sync.lock);
   retire_locked(&ctx->sync, ring_idx, UINT64_MAX);
   deliver_locked(ctx);
   pthread_mutex_unlock(&ctx->sync.lock);
   pv_debug(ctx->log, "ctx %u: timeline %u unbound", ctx->serial, ring_idx);
}

/* Queue `f` on its timeline; returns the bound hook (NULL for 0). */
static int
queue_fence_locked(struct pv_context *ctx, struct pv_fence *f, pv_timeline_submit_fn *submit,
                   void **data)
{
   struct pv_timeline *tl = &ctx->sync.timelines[f->ring_idx];
   if (f->ring_idx != 0 && !tl->submit)
      return -EINVAL;
   f->seqno = ++tl->last_seqno;
   if (tl->tail)
      tl->tail->next = f;
   else
      tl->head = f;
   tl->tail = f;
   *submit = tl->submit;
   *data = tl->data;
   return 0;
}

/* Hand a queued fence to its timeline: timeline 0 retires at once
 * (pv_context_submit is synchronous), a bound one goes to its queue.
 * The caller took `submit` under the lock and counted the call in the
 * timeline's `calls` (call_begin_locked); this ends it. */
static int
fence_go(struct pv_context *ctx, uint32_t ring_idx, uint64_t seqno, pv_timeline_submit_fn submit,
         void *data)
{
   if (ring_idx == 0) {
      pv_context_retire_timeline(ctx, 0, seqno);
      return 0;
   }
   int ret = submit(data, ctx, ring_idx, seqno);
   pthread_mutex_lock(&ctx->sync.lock);
   if (--ctx->sync.timelines[ring_idx].calls == 0)
      pthread_cond_broadcast(&ctx->sync.calls_done);
   pthread_mutex_unlock(&ctx->sync.lock);
   if (ret < 0)
      pv_context_set_fatal(ctx, "timeline %u: queueing fence failed (%d)", ring_idx, ret);
   return ret < 0 ? ret : 0;
}

/* A call of a bound timeline's hook is about to start outside the lock:
 * unbinding waits for it (pv_context_unbind_timeline). */
static void
call_begin_locked(struct pv_sync_state *s, uint32_t ring_idx)
{
   if (ring_idx)
      s->timelines[ring_idx].calls++;
}

/* Whether a fence queued now must wait behind a hold or held fences. */
static bool
held_locked(const struct pv_sync_state *s)
{
   return s->holds_taken != s->holds_released || s->held_head || s->releasing;
}

uint64_t
pv_context_hold_fences(struct pv_context *ctx)
{
   pthread_mutex_lock(&ctx->sync.lock);
   uint64_t token = ++ctx->sync.holds_taken;
   pthread_mutex_unlock(&ctx->sync.lock);
   return token;
}

void
pv_context_release_fences(struct pv_context *ctx, uint64_t token)
{
   struct pv_sync_state *s = &ctx->sync;
   pthread_mutex_lock(&s->lock);
   if (token > s->holds_released && token <= s->holds_taken)
      s->holds_released = token;
   if (s->releasing) {
      pthread_mutex_unlock(&s->lock); /* the thread releasing takes them */
      return;
   }
   s->releasing = 1;
   while (s->held_head && s->held_head->hold <= s->holds_released) {
      struct pv_held_fence *h = s->held_head;
      s->held_head = h->next;
      if (!s->held_head)
         s->held_tail = NULL;
      s->held_count--;
      /* an unbound timeline retired its fences when it was unbound */
      pv_timeline_submit_fn submit = s->timelines[h->ring_idx].submit;
      void *data = s->timelines[h->ring_idx].data;
      bool go = h->ring_idx == 0 || submit;
      if (go)
         call_begin_locked(s, h->ring_idx);
      pthread_mutex_unlock(&s->lock);
      if (go)
         fence_go(ctx, h->ring_idx, h->seqno, submit, data);
      free(h);
      pthread_mutex_lock(&s->lock);
   }
   s->releasing = 0;
   pthread_mutex_unlock(&s->lock);
}

/* Put queued fence `f` behind the held fences, in `h`. */
static void
hold_fence_locked(struct pv_sync_state *s, const struct pv_fence *f, struct pv_held_fence *h)
{
   *h = (struct pv_held_fence){ .hold = s->holds_taken, .seqno = f->seqno,
                                .ring_idx = f->ring_idx };
   if (s->held_tail)
      s->held_tail->next = h;
   else
      s->held_head = h;
   s->held_tail = h;
   s->held_count++;
}

/* Too many fences held: wait (the settle hook) until the holds are
 * released.  Nonzero if they never will be (the context is fatal then). */
static int
drain_held(struct pv_context *ctx)
{
   pthread_mutex_lock(&ctx->sync.lock);
   bool full = ctx->sync.held_count >= MAX_HELD;
   pthread_mutex_unlock(&ctx->sync.lock);
   if (!full)
      return 0;
   return ctx->settle && ctx->settle(ctx) ? -EIO : 0;
}

PV_API int
pv_context_submit_fence(struct pv_context *ctx, uint32_t ring_idx, uint64_t fence_id,
                        const struct pv_sync_point *syncs, uint32_t count)
{
   if (!ctx)
      return -EINVAL;
   if (ring_idx >= PV_MAX_TIMELINES) {
      pv_context_set_fatal(ctx, "fence on timeline %u (only 0..%u exist)", ring_idx,
                           PV_MAX_TIMELINES - 1);
      return -EINVAL;
   }
   int ret = check_points_arg(syncs, count);
   if (ret || (ret = drain_held(ctx)))
      return ret;
   struct pv_fence *f = calloc(1, sizeof(*f) + (size_t)count * sizeof(f->pts[0]));
   if (!f)
      return -ENOMEM;
   f->fence_id = fence_id;
   f->ring_idx = ring_idx;
   f->count = count;

   pv_timeline_submit_fn submit = NULL;
   void *data = NULL;
   pthread_mutex_lock(&ctx->sync.lock);
   bool held = held_locked(&ctx->sync);
   struct pv_held_fence *h = held ? malloc(sizeof(*h)) : NULL;
   ret = held && !h ? -ENOMEM : resolve_points_locked(&ctx->sync, syncs, count, f->pts);
   if (!ret) {
      ret = queue_fence_locked(ctx, f, &submit, &data);
      if (ret)
         put_points(f->pts, count);
      else if (h)
         hold_fence_locked(&ctx->sync, f, h);
      else
         call_begin_locked(&ctx->sync, ring_idx);
   }
   uint64_t seqno = f->seqno;
   pthread_mutex_unlock(&ctx->sync.lock);
   if (ret) {
      free(h);
      free(f);
      if (ret == -EINVAL)
         pv_context_set_fatal(ctx, "fence on timeline %u, which no queue is bound to", ring_idx);
      return ret;
   }
   pv_trace(ctx->log, "ctx %u: fence %" PRIu64 " on timeline %u, seqno %" PRIu64 ", %u syncs%s",
            ctx->serial, fence_id, ring_idx, seqno, count, held ? ", held" : "");
   /* `f` may already be retired and freed from here on. */
   return held ? 0 : fence_go(ctx, ring_idx, seqno, submit, data);
}
