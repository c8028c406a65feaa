/*
 * sync.h — sync objects, pending waits and fence timelines of a context.
 *
 * Everything here is guarded by pv_sync_state.lock (the lock is dropped
 * only around the embedder's fence_retired callback).  Fences of a timeline
 * form a FIFO; retiring seqno S retires every fence with seqno <= S, in
 * order, sets their syncs, and completes the waits that became satisfied.
 *
 * Timelines 1…63 belong to guest VkQueues.  The queue code binds one with
 * pv_context_bind_timeline(); from then on every fence queued on it calls
 * the hook's submit_fence() with a fresh seqno, and the queue code calls
 * pv_context_retire_timeline(ctx, ring_idx, seqno) once all work submitted
 * to the queue before that call has completed (e.g. an empty vkQueueSubmit
 * with a VkFence, waited on by the queue's thread).
 */
#ifndef PV_RENDERER_SYNC_H
#define PV_RENDERER_SYNC_H

#include <pthread.h>
#include <stdint.h>

#include "platform/pv_platform.h"
#include "pvvenus.h"
#include "util/pv_budget.h"
#include "util/pv_idmap.h"

struct pv_context;
struct pv_sync;
struct pv_fence;
struct pv_wait;

/*
 * Called without context locks held, right after a fence with `seqno` was
 * queued on bound timeline `ring_idx`.  Must arrange for
 * pv_context_retire_timeline(ctx, ring_idx, seqno) to be called (from any
 * thread, even from inside this call) once the queue finished all work
 * submitted before.  A negative return makes the context fatal.
 */
typedef int (*pv_timeline_submit_fn)(void *data, struct pv_context *ctx, uint32_t ring_idx,
                                     uint64_t seqno);

/* A fence queued while held (pv_context_hold_fences): what to hand to its
 * timeline once released. */
struct pv_held_fence {
   struct pv_held_fence *next;
   uint64_t hold;    /* the newest hold taken when it was queued */
   uint64_t seqno;
   uint32_t ring_idx;
};

struct pv_timeline {
   struct pv_fence *head, *tail; /* pending fences, oldest first */
   uint64_t last_seqno;          /* last seqno handed out */
   pv_timeline_submit_fn submit; /* NULL: unbound (always NULL for 0) */
   void *data;
   uint32_t calls;               /* submit calls under way (outside the lock) */
};

/*
 * Pending waits of every context of a renderer: each holds an fd (two
 * with the pipe fallback), and fds are the process's, so a per-context
 * cap alone lets a few clients exhaust them for all.
 */
struct pv_sync_state {
   pthread_mutex_t lock;
   pthread_cond_t calls_done;   /* a timeline's last submit call returned */
   struct pv_budget *budget;    /* the renderer's pending waits */
   struct pv_idmap syncs;       /* sync_id → struct pv_sync * */
   struct pv_wait *waits;       /* pending waits */
   uint32_t wait_count;
   struct pv_timeline timelines[PV_MAX_TIMELINES];
   /* Retired fences waiting for their fence_retired callback, in
    * retirement order; one thread at a time delivers them. */
   struct pv_fence *retired_head, *retired_tail;
   int delivering;
   /* Holds taken and released (pv_context_hold_fences), and the fences
    * queued since the oldest unreleased one, in order; one thread at a
    * time hands them on (`releasing`). */
   uint64_t holds_taken, holds_released;
   struct pv_held_fence *held_head, *held_tail;
   uint32_t held_count;
   int releasing;
};

/*
 * Retired fences of every context of a renderer, waiting for
 * pv_renderer_poll() (PV_RENDERER_FENCES_POLLED).  Its own lock, taken
 * after a context's sync lock, never before.
 */
struct pv_fence_queue {
   pthread_mutex_t lock;
   struct pv_fence *head, *tail;
   pv_pollfd fd; /* readable while head != NULL */
};

int pv_fence_queue_init(struct pv_fence_queue *q);
void pv_fence_queue_fini(struct pv_fence_queue *q);
/* Drop the queued fences of `ctx` (it is being destroyed). */
void pv_fence_queue_forget(struct pv_fence_queue *q, const struct pv_context *ctx);

int pv_sync_state_init(struct pv_sync_state *s, uint32_t max_syncs,
                       struct pv_budget *budget);
/* Frees syncs, waits (never signalled) and pending fences (not reported). */
void pv_sync_state_fini(struct pv_sync_state *s);

/*
 * Bind timeline `ring_idx` (1…63) to a queue.  -EINVAL for 0 or out of
 * range, -EBUSY if already bound (the guest must unbind first: the context
 * is not made fatal here; the caller decides).
 */
int pv_context_bind_timeline(struct pv_context *ctx, uint32_t ring_idx,
                             pv_timeline_submit_fn submit, void *data);

/*
 * Unbind (queue destroyed).  Fences still pending on the timeline retire
 * now, in order: the queue code calls this only after its queue went idle
 * or was lost.  The ring_idx may be bound again afterwards (Mesa reuses
 * them, docs/PROTOCOL.md §14 N26).
 */
void pv_context_unbind_timeline(struct pv_context *ctx, uint32_t ring_idx);

/*
 * Holding fences back until work elsewhere has been reached.  A guest
 * orders its virtqueue behind its ring with vkWaitRingSeqnoMESA and then
 * queues a fence; waiting for the ring there would block the virtqueue's
 * thread, and hand the fence over to it only after a wake-up.  Instead the
 * renderer takes a hold: fences queued from then on get their seqnos at
 * once but reach their timeline's queue (or, on timeline 0, retire) only
 * once the hold is released, in the order they were queued, fences of later
 * holds after those of earlier ones.  Release from any thread, once, with the
 * token the hold returned; releasing a token releases every older hold too.
 * At most 1024 fences are held per context: past that, a fence first waits
 * for the holds through the context's settle hook.
 */
uint64_t pv_context_hold_fences(struct pv_context *ctx);
void pv_context_release_fences(struct pv_context *ctx, uint64_t token);

/* Retire every fence of timeline `ring_idx` with seqno <= `seqno`. */
void pv_context_retire_timeline(struct pv_context *ctx, uint32_t ring_idx, uint64_t seqno);

#endif /* PV_RENDERER_SYNC_H */
