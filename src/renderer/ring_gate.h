/*
 * ring_gate.h — vkWaitRingSeqnoMESA on the context without blocking it.
 *
 * A guest orders its context stream (the virtqueue) behind its ring with
 * vkWaitRingSeqnoMESA(ring, seqno): what follows must happen after the ring
 * reached seqno.  Mesa venus sends it before each fence that must follow a
 * queue submission made on the ring, and before creating or releasing a
 * blob of memory allocated on the ring.  Blocking the context's thread
 * there costs a wake-up per submission (the ring's thread, then the
 * context's) before the fence even reaches the queue, and keeps the
 * context's later messages waiting.
 *
 * So the wait opens a gate instead: fences queued after it are held
 * (pv_context_hold_fences) and released by the ring's thread as soon as it
 * publishes the position (so a fence follows the queue submission it
 * orders behind at once, from the same thread); everything else that
 * depends on the ring's work waits for the gate first (pv_ring_gate_settle):
 * every later command on the context but the ring's own seqno and notify
 * commands, and the resource operations that can depend on it (a blob of
 * device memory, an export, an unref: the core's settle hook).
 */
#ifndef PV_RENDERER_RING_GATE_H
#define PV_RENDERER_RING_GATE_H

#include <stdint.h>

#include "renderer/vk/vk_context.h"

/* The vkWaitRingSeqnoMESA handler's work: nothing if ring `r` is there
 * already; else a gate (or, with too many open, a plain wait). */
void pv_ring_gate_open(struct pv_dispatcher *d, struct pv_vk_ring *r, uint32_t seqno);
/* Wait until the context's open gates are reached.  0, or -EIO if the ring
 * failed or stopped first (its held fences are released then). */
int pv_ring_gate_settle(struct pv_vk_context *vk);
/* The ring's on_progress hook: release the gates its head reached (all of
 * them if it turned fatal). */
void pv_ring_gate_progress(void *ring);
void pv_ring_gate_init(struct pv_vk_ring *r);
/* The ring is being freed: forget its gates (their fences stay held; the
 * context is being torn down or already failed). */
void pv_ring_gate_fini(struct pv_vk_ring *r);

#endif
