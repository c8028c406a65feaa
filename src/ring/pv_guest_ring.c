/* pv_guest_ring.c — see pv_guest_ring.h. */
#include "ring/pv_guest_ring.h"

#include <string.h>

#include "platform/pv_platform.h"

size_t
pv_guest_ring_layout(struct pv_ring_layout *l, uint32_t buf_size)
{
   memset(l, 0, sizeof(*l));
   l->head_offset = 0;
   l->tail_offset = 64;
   l->status_offset = 128;
   l->buffer_offset = 192;
   l->buffer_size = buf_size;
   l->extra_offset = 192 + (uint64_t)buf_size;
   l->extra_size = 4;
   l->size = l->extra_offset + l->extra_size;
   l->resource_size = l->size;
   return (size_t)l->size;
}

void
pv_guest_ring_init(struct pv_guest_ring *g, uint8_t *base, const struct pv_ring_layout *l)
{
   g->base = base;
   g->layout = *l;
   g->head = (_Atomic uint32_t *)(base + l->head_offset);
   g->tail = (_Atomic uint32_t *)(base + l->tail_offset);
   g->status = (_Atomic uint32_t *)(base + l->status_offset);
   g->buffer = base + l->buffer_offset;
   g->buf_size = (uint32_t)l->buffer_size;
   g->cur = 0;
}

static void
relax(unsigned *iter)
{
   if (++*iter < 256)
      pv_cpu_relax();
   else
      pv_yield();
}

uint32_t
pv_guest_ring_write(struct pv_guest_ring *g, struct pv_ring *ring, const void *data, size_t size)
{
   unsigned iter = 0;
   while (g->cur + (uint32_t)size - atomic_load_explicit(g->head, memory_order_acquire) >
          g->buf_size)
      relax(&iter);
   uint32_t pos = g->cur & (g->buf_size - 1);
   size_t first = g->buf_size - pos < size ? g->buf_size - pos : size;
   memcpy(g->buffer + pos, data, first);
   memcpy(g->buffer, (const uint8_t *)data + first, size - first);
   g->cur += (uint32_t)size;
   atomic_store_explicit(g->tail, g->cur, memory_order_seq_cst);
   if (ring && (atomic_load(g->status) & PV_RING_STATUS_IDLE))
      pv_ring_notify(ring);
   return g->cur;
}

void
pv_guest_ring_wait(struct pv_guest_ring *g, uint32_t seqno)
{
   unsigned iter = 0;
   while (!pv_ring_seqno_reached(atomic_load_explicit(g->head, memory_order_acquire), seqno))
      relax(&iter);
}
