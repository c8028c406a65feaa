/*
 * vk_context.h — the Vulkan side of a context: its object table, rings and
 * the dispatcher for context-submitted streams.  Hangs off pv_context::vk,
 * created on the first submission.
 */
#ifndef PV_RENDERER_VK_CONTEXT_H
#define PV_RENDERER_VK_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>

#include "renderer/core/context.h"
#include "renderer/vk/object_table.h"
#include "renderer/vk/dispatch.h"
#include "ring/pv_ring.h"


struct pv_instance;

/* One guest ring (vkCreateRingMESA). */
struct pv_vk_ring {
   struct pv_vk_ring *next;
   uint64_t id;                  /* the guest's ring id (its own namespace) */
   struct pv_vk_context *vk;
   struct pv_resource *res;      /* pinned shm holding the ring */
   struct pv_ring *ring;
   struct pv_dispatcher disp;
   bool monitored;
   /* vkSubmitVirtqueueSeqnoMESA / vkWaitVirtqueueSeqnoMESA */
   _Atomic uint64_t vq_seqno;
   pv_event vq_event;
   /* vkWaitRingSeqnoMESA on the context (ring_gate.c): the positions the
    * context's stream waits for, oldest first, each with the fence hold
    * taken for it; `gated` while there are any. */
   pthread_mutex_t gate_lock;
   struct pv_ring_gate {
      uint32_t seqno;
      uint64_t token;
   } gates[8];
   uint32_t ngates;
   atomic_bool gated;
};

struct pv_vk_context {
   struct pv_context *ctx;
   struct pv_object_table objects;
   struct pv_dispatcher disp;     /* streams submitted on the context */
   pthread_mutex_t rings_lock;
   struct pv_vk_ring *rings;
   unsigned ring_count;
   struct pv_ring_monitor *monitor; /* created with the first monitored ring */
   struct pv_instance *instance;    /* one per context */
   _Atomic uint64_t device_memory;  /* bytes of live VkDeviceMemory */
   pthread_mutex_t semaphore_lock;  /* semaphores' signal tracking (semaphore.c) */
   pthread_mutex_t sampling_lock;   /* command buffers' sampling records (compare_sampling.c) */
   /* pv-venus replay: commands arrive from a recording in one thread, so
    * cross-dispatcher waits and indirect streams (recorded separately) are
    * skipped. */
   bool replaying;
   atomic_bool spirv_warned; /* shader.c, builds without SPIRV-Tools */
   /* The ring the context's stream last waited for (ring_gate.c); only
    * the context's own thread touches it. */
   struct pv_vk_ring *gate_ring;
   /* Called for every device child freed (object_free.c), so the layers
    * above the objects (the guards) drop what they keep for it; set by
    * vk_context.c, NULL: nothing to drop. */
   void (*on_object_free)(struct pv_vk_context *vk, struct pv_object *obj);
   /* Called when a queue's work the guest may wait for completed
    * (queue.c's retire thread), so the rings expect the guest's next
    * command (transport.c kicks them); NULL: nothing to do. */
   void (*on_completion)(struct pv_vk_context *vk);
};

/* Create ctx->vk if needed and install the context hooks. */
int pv_vk_context_get(struct pv_context *ctx, struct pv_vk_context **out);

/* Ring bookkeeping (transport.c). */
struct pv_vk_ring *pv_vk_ring_find(struct pv_vk_context *vk, uint64_t id);
void pv_vk_rings_destroy_all(struct pv_vk_context *vk);
/* pv_ring_kick() every ring of the context (on_completion). */
void pv_vk_rings_kick(struct pv_vk_context *vk);

#endif
