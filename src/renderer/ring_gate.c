/*
 * ring_gate.c — vkWaitRingSeqnoMESA on the context without blocking it
 * (the contract is in ring_gate.h).
 *
 * The context's thread opens gates, the ring's thread closes them.  A gate
 * is pushed, `gated` set, then head read again, all seq_cst; the ring's
 * thread stores head, then reads `gated`: so either the opener sees the new
 * head or the ring's thread sees the gate (Dekker), and no gate is left
 * behind a head that already passed it.
 */
#include "renderer/ring_gate.h"

#include <errno.h>
#include <string.h>

#include "renderer/core/sync.h"

void
pv_ring_gate_init(struct pv_vk_ring *r)
{
   pthread_mutex_init(&r->gate_lock, NULL);
   r->ngates = 0;
   atomic_init(&r->gated, false);
}

void
pv_ring_gate_fini(struct pv_vk_ring *r)
{
   if (r->vk->gate_ring == r)
      r->vk->gate_ring = NULL;
   pthread_mutex_destroy(&r->gate_lock);
}

/* Drop the gates `head` reached (all with `all`); the newest token dropped,
 * or 0.  Called with gate_lock held. */
static uint64_t
pop_reached_locked(struct pv_vk_ring *r, uint32_t head, bool all)
{
   uint32_t n = 0;
   while (n < r->ngates && (all || pv_ring_seqno_reached(head, r->gates[n].seqno)))
      n++;
   if (!n)
      return 0;
   uint64_t token = r->gates[n - 1].token;
   memmove(r->gates, r->gates + n, (r->ngates - n) * sizeof(r->gates[0]));
   r->ngates -= n;
   atomic_store(&r->gated, r->ngates != 0);
   return token;
}

/* Release what `head` reached; everything if the ring can no longer get
 * there (fatal), so no fence waits for it forever. */
static void
release_reached(struct pv_vk_ring *r, bool all)
{
   pthread_mutex_lock(&r->gate_lock);
   uint64_t token = pop_reached_locked(r, pv_ring_head(r->ring), all);
   pthread_mutex_unlock(&r->gate_lock);
   if (token)
      pv_context_release_fences(r->vk->ctx, token);
}

void
pv_ring_gate_progress(void *ring)
{
   struct pv_vk_ring *r = ring;
   if (!atomic_load(&r->gated))
      return;
   /* Stopping for teardown, the gates stay: their fences die with the
    * context.  Fatal, they go, so the guest's fences still retire. */
   if (pv_ring_stopping(r->ring))
      return;
   release_reached(r, pv_ring_is_fatal(r->ring));
}

/* The old way: block until the ring got there.  0 or -EIO. */
static int
wait_ring(struct pv_vk_context *vk, struct pv_vk_ring *r, uint32_t seqno)
{
   pv_ring_notify(r->ring);
   int ret;
   /* the slices only let a context that failed elsewhere stop waiting */
   while ((ret = pv_ring_wait_head(r->ring, seqno, 100000000ull)) == -ETIMEDOUT &&
          !pv_context_is_fatal(vk->ctx))
      ;
   return ret ? -EIO : 0;
}

int
pv_ring_gate_settle(struct pv_vk_context *vk)
{
   struct pv_vk_ring *r = vk->gate_ring;
   if (!r)
      return 0;
   vk->gate_ring = NULL;
   pthread_mutex_lock(&r->gate_lock);
   bool any = r->ngates != 0;
   uint32_t last = any ? r->gates[r->ngates - 1].seqno : 0;
   pthread_mutex_unlock(&r->gate_lock);
   if (!any)
      return 0;
   /* Reached, the ring's thread releases the gates (it may still be at it:
    * fences queued meanwhile line up behind theirs). */
   if (!wait_ring(vk, r, last))
      return 0;
   release_reached(r, true);
   return -EIO;
}

void
pv_ring_gate_open(struct pv_dispatcher *d, struct pv_vk_ring *r, uint32_t seqno)
{
   struct pv_vk_context *vk = d->vk;
   if (vk->gate_ring && vk->gate_ring != r && pv_ring_gate_settle(vk))
      return pv_dispatch_fail(d, "ring failed before an earlier vkWaitRingSeqnoMESA");
   pthread_mutex_lock(&r->gate_lock);
   if (pv_ring_seqno_reached(pv_ring_head(r->ring), seqno)) {
      pthread_mutex_unlock(&r->gate_lock);
      return;
   }
   if (r->ngates == sizeof(r->gates) / sizeof(r->gates[0])) {
      pthread_mutex_unlock(&r->gate_lock);
      if (wait_ring(vk, r, seqno))
         pv_dispatch_fail(d, "ring failed before seqno %u", seqno);
      return;
   }
   r->gates[r->ngates].seqno = seqno;
   r->gates[r->ngates].token = pv_context_hold_fences(vk->ctx);
   r->ngates++;
   atomic_store(&r->gated, true);
   pthread_mutex_unlock(&r->gate_lock);
   vk->gate_ring = r;
   pv_ring_notify(r->ring);
   /* the Dekker half of the opener (see the top): head read again */
   release_reached(r, pv_ring_is_fatal(r->ring));
}
