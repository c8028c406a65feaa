/*
 * pv_guest_ring.h — the guest's side of a Venus ring, for tests and
 * benchmarks: lays a ring out in shared memory the way Mesa does
 * (docs/PROTOCOL.md §3.1), writes commands at tail and waits for head.
 */
#ifndef PV_GUEST_RING_H
#define PV_GUEST_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring/pv_ring.h"

struct pv_guest_ring {
   uint8_t *base;
   struct pv_ring_layout layout;
   _Atomic uint32_t *head, *tail, *status;
   uint8_t *buffer;
   uint32_t buf_size;
   uint32_t cur; /* our tail */
};

/* Mesa's layout for a buffer of `buf_size` bytes: head 0, tail 64,
 * status 128, buffer 192, extra 4 bytes after it.  Returns the total size. */
size_t pv_guest_ring_layout(struct pv_ring_layout *l, uint32_t buf_size);

/* Attach to zeroed memory `base` laid out by pv_guest_ring_layout. */
void pv_guest_ring_init(struct pv_guest_ring *g, uint8_t *base, const struct pv_ring_layout *l);

/* Copy `size` bytes in at tail (wrapping), waiting for space first, then
 * publish tail with release order.  Returns the new tail (the seqno).
 * If `ring` is not NULL and the reader is IDLE, notify it as Mesa does. */
uint32_t pv_guest_ring_write(struct pv_guest_ring *g, struct pv_ring *ring, const void *data,
                             size_t size);

/* Wait until head has reached `seqno` (wrap-aware). Spins, then yields. */
void pv_guest_ring_wait(struct pv_guest_ring *g, uint32_t seqno);

#endif
