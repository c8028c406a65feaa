/*
 * semaphore.c — semaphores, and what keeps a guest from hanging teardown.
 *
 * A guest can queue work that waits on a timeline value nobody will ever
 * signal, or park its ring thread in vkWaitSemaphores / vkWaitForFences
 * behind such work, and then disconnect.  Waiting for the device to go
 * idle would then block the server forever.  So semaphores remember
 * whether they are timelines, and teardown first signals every timeline
 * semaphore of the device past anything the guest can wait for
 * (pv_device_release_waits), then waits with a deadline.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"

#include "renderer/handlers.h"
#include "renderer/objects/inflight.h"
#include "renderer/objects/semaphore.h"
#include "renderer/vk/vk_context.h"

static const VkSemaphoreTypeCreateInfo *
type_info(const VkSemaphoreCreateInfo *info)
{
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO)
         return (const VkSemaphoreTypeCreateInfo *)s;
   }
   return NULL;
}

/* Sync-fd payloads are ours where the host has none (see the end of this
 * file): the host semaphore must not be asked to export one.  The decoded
 * create info is our own scratch copy. */
static void
drop_sync_fd_export(const VkSemaphoreCreateInfo *info)
{
   for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_EXPORT_SEMAPHORE_CREATE_INFO)
         ((VkExportSemaphoreCreateInfo *)s)->handleTypes &=
            ~(VkExternalSemaphoreHandleTypeFlags)VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_SYNC_FD_BIT;
   }
}

void
pv_handle_vkCreateSemaphore(struct pv_dispatcher *d, struct pv_vkCreateSemaphore_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pCreateInfo || !a->pSemaphore)
      return pv_dispatch_fail(d, "device, pCreateInfo or pSemaphore is NULL");
   struct pv_semaphore *sem = calloc(1, sizeof(*sem));
   if (!sem)
      return pv_dispatch_fail(d, "out of memory");
   if (dev->pdev->served & PV_SERVED_SYNC_FD)
      drop_sync_fd_export(a->pCreateInfo);
   a->ret = dev->table.CreateSemaphore(dev->handle, a->pCreateInfo, NULL, a->pSemaphore);
   if (a->ret != VK_SUCCESS) {
      free(sem);
      return;
   }
   const VkSemaphoreTypeCreateInfo *ti = type_info(a->pCreateInfo);
   sem->timeline = ti && ti->semaphoreType == VK_SEMAPHORE_TYPE_TIMELINE;
   sem->reachable = sem->timeline ? ti->initialValue : 0;
   sem->obj = (struct pv_vk_object){ { a->pSemaphore_ids[0], VK_OBJECT_TYPE_SEMAPHORE,
                                       (uint64_t)*a->pSemaphore },
                                     dev, 0, 0 };
   if (!pv_dispatch_bind(d, &sem->obj.base)) {
      dev->table.DestroySemaphore(dev->handle, *a->pSemaphore, NULL);
      free(sem);
   }
}

struct release {
   struct pv_device *dev;
   struct pv_semaphore **sems;
   size_t count, cap;
};

static void
collect_timeline(void *user, struct pv_object *o)
{
   struct release *r = user;
   struct pv_semaphore *s = (struct pv_semaphore *)o;
   if (o->type != VK_OBJECT_TYPE_SEMAPHORE || s->obj.device != r->dev || !s->timeline)
      return;
   if (r->count == r->cap) {
      size_t cap = r->cap ? r->cap * 2 : 16;
      struct pv_semaphore **n = realloc(r->sems, cap * sizeof(*n));
      if (!n)
         return;
      r->sems = n;
      r->cap = cap;
   }
   r->sems[r->count++] = s;
}

void
pv_device_release_waits(struct pv_vk_context *vk, struct pv_device *dev)
{
   struct release r = { .dev = dev };
   pv_object_table_for_each(&vk->objects, collect_timeline, &r);
   uint64_t step = dev->pdev->max_timeline_difference;
   for (size_t i = 0; i < r.count && dev->table.GetSemaphoreCounterValue && dev->table.SignalSemaphore;
        i++) {
      VkSemaphore sem = (VkSemaphore)r.sems[i]->obj.base.handle;
      uint64_t value = 0;
      if (dev->table.GetSemaphoreCounterValue(dev->handle, sem, &value) != VK_SUCCESS ||
          value > UINT64_MAX - step)
         continue;
      VkSemaphoreSignalInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO,
                                   .semaphore = sem, .value = value + step };
      dev->table.SignalSemaphore(dev->handle, &si);
   }
   free(r.sems);
}

/* ---- guest-requested host waits ----------------------------------------------------- */

/* Waits run on the ring's thread (allow_vk_wait_syncs).  They are cut into
 * slices so that a disconnect or a fatal context ends them: otherwise a
 * guest could leave a thread waiting forever on work that never runs. */
#define WAIT_SLICE_NS 100000000ull /* 100 ms */

static bool
wait_abandoned(struct pv_dispatcher *d)
{
   return pv_dispatch_failed(d) || (d->ring && pv_ring_stopping(d->ring->ring));
}

VkResult
pv_wait_sliced(struct pv_dispatcher *d, uint64_t timeout_ns,
               VkResult (*wait)(void *user, uint64_t slice_ns), void *user)
{
   uint64_t start = pv_now_ns();
   for (;;) {
      uint64_t waited = pv_now_ns() - start;
      uint64_t left = timeout_ns > waited ? timeout_ns - waited : 0;
      uint64_t slice = left < WAIT_SLICE_NS ? left : WAIT_SLICE_NS;
      VkResult r = wait(user, slice);
      if (r != VK_TIMEOUT || slice == left)
         return r;
      if (wait_abandoned(d))
         return VK_ERROR_DEVICE_LOST;
   }
}

static VkResult
fences_slice(void *user, uint64_t slice_ns)
{
   const struct pv_vkWaitForFences_args *a = user;
   const struct pv_device *dev = (const struct pv_device *)a->device_obj;
   return dev->table.WaitForFences(dev->handle, a->fenceCount, a->pFences, a->waitAll, slice_ns);
}

void
pv_handle_vkWaitForFences(struct pv_dispatcher *d, struct pv_vkWaitForFences_args *a)
{
   if (!a->device_obj || !a->pFences)
      return pv_dispatch_fail(d, "device or pFences is NULL");
   a->ret = pv_wait_sliced(d, a->timeout, fences_slice, a);
}

static VkResult
semaphores_slice(void *user, uint64_t slice_ns)
{
   const struct pv_vkWaitSemaphores_args *a = user;
   const struct pv_device *dev = (const struct pv_device *)a->device_obj;
   return dev->table.WaitSemaphores(dev->handle, a->pWaitInfo, slice_ns);
}

void
pv_handle_vkWaitSemaphores(struct pv_dispatcher *d, struct pv_vkWaitSemaphores_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pWaitInfo || !dev->table.WaitSemaphores)
      return pv_dispatch_fail(d, "device or pWaitInfo is NULL, or no host vkWaitSemaphores");
   a->ret = pv_wait_sliced(d, a->timeout, semaphores_slice, a);
}

/* ---- binary semaphores' pending signals ---------------------------------------------- */

/* A queue operation may wait on a binary semaphore only once a signal
 * operation for it was submitted, and every signal that one depends on
 * too (VUID-vkQueueSubmit-pWaitSemaphores-03238).  Mesa's common queue
 * code, when a queue runs its submissions on a thread (always on
 * lavapipe; on other Mesa drivers once a timeline wait-before-signal
 * started one), waits inside vkQueueSubmit, with no timeout, until the
 * thread has handed the signal's submission to the driver.  That can be
 * never (it waits for a timeline value nobody signals), or on lavapipe,
 * whose thread also executes, after any amount of earlier work.  A ring
 * thread parked in the driver cannot be stopped, and its context could not
 * be torn down.
 *
 * So we keep the spec's model.  Binary semaphores know whether a signal is
 * pending; a wait with none fails the context.  A pending signal also
 * knows what its submission may wait behind: the timeline values that work
 * on its queue up to it waits for and no submission was seen to reach
 * ("gates"), and on CPU devices the submission's number.  A wait first
 * waits here, in slices that a client leaving ends, until those values
 * are reached and that submission is done; then vkQueueSubmit finds the
 * signal handed to the driver.
 *
 * Venus submits on its primary ring only, so the guest's order is ours.
 * Waits on the semaphores its WSI "acquires" guest-side never reach us:
 * Mesa venus drops them from the batch.  A submission the host driver then
 * refuses leaves its signals counted; the driver fails later ones too. */

void
pv_semaphore_fini(struct pv_semaphore *s)
{
   free(s->gates);
   s->gates = NULL;
   s->gate_count = 0;
}

void
pv_semaphore_queue_fini(struct pv_queue *q)
{
   free(q->gates.v);
   q->gates = (struct pv_semaphore_gates){ 0 };
}

/* Add a gate, or raise the value of the one on the same timeline. */
static bool
gates_add(struct pv_semaphore_gates *gs, struct pv_semaphore_gate g)
{
   for (uint32_t i = 0; i < gs->n; i++) {
      if (gs->v[i].timeline == g.timeline) {
         if (g.value > gs->v[i].value)
            gs->v[i].value = g.value;
         return true;
      }
   }
   if (gs->n == gs->cap) {
      uint32_t cap = gs->cap ? 2 * gs->cap : 8;
      struct pv_semaphore_gate *v = realloc(gs->v, cap * sizeof(*v));
      if (!v)
         return false;
      gs->v = v;
      gs->cap = cap;
   }
   gs->v[gs->n++] = g;
   return true;
}

struct walk {
   struct pv_dispatcher *d;
   struct pv_device *dev;
   struct pv_queue *queue;
   bool after;              /* the submission was made: note its number */
   const char *error;       /* first reason to fail the context */
   struct pv_semaphore_gates wait_for; /* gates of the binary signals the batches consume */
   uint64_t wait_submission; /* and the latest of their submissions */
};

static struct pv_semaphore *
semaphore(struct pv_dispatcher *d, VkSemaphore h)
{
   return (struct pv_semaphore *)pv_object_table_lookup_handle(&d->vk->objects,
                                                                VK_OBJECT_TYPE_SEMAPHORE,
                                                                (uint64_t)h);
}

/* Whether a timeline reaches `value` by what was submitted or signaled. */
static bool
reachable(struct pv_semaphore *s, uint64_t value)
{
   if (s->reachable >= value)
      return true;
   const struct pv_device *dev = s->obj.device;
   uint64_t now = 0;
   if (dev->table.GetSemaphoreCounterValue &&
       dev->table.GetSemaphoreCounterValue(dev->handle, (VkSemaphore)s->obj.base.handle, &now) ==
          VK_SUCCESS &&
       now > s->reachable)
      s->reachable = now;
   return s->reachable >= value;
}

static bool
gate_reached(struct pv_dispatcher *d, struct pv_semaphore_gate g)
{
   struct pv_semaphore *s = semaphore(d, g.timeline);
   return !s || reachable(s, g.value); /* a destroyed one gates nothing */
}

/* Drop the queue's gates that are reached now. */
static void
queue_prune(struct pv_dispatcher *d, struct pv_queue *q)
{
   uint32_t kept = 0;
   for (uint32_t i = 0; i < q->gates.n; i++)
      if (!gate_reached(d, q->gates.v[i]))
         q->gates.v[kept++] = q->gates.v[i];
   q->gates.n = kept;
}

static void
batch_wait(struct walk *w, VkSemaphore h, uint64_t value)
{
   struct pv_semaphore *s = semaphore(w->d, h);
   if (!s || w->error)
      return;
   if (s->timeline) {
      struct pv_semaphore_gate g = { h, value };
      if (!reachable(s, value) && !gates_add(&w->queue->gates, g))
         w->error = "out of memory";
      return;
   }
   if (!s->signal_pending) {
      w->error = "waits on a binary semaphore with no signal submitted for it";
      return;
   }
   s->signal_pending = false;
   for (uint32_t i = 0; i < s->gate_count && !w->error; i++)
      if (!gates_add(&w->wait_for, s->gates[i]))
         w->error = "out of memory";
   if (s->submission > w->wait_submission)
      w->wait_submission = s->submission;
   pv_semaphore_fini(s);
}

static void
batch_signal(struct walk *w, VkSemaphore h, uint64_t value)
{
   struct pv_semaphore *s = semaphore(w->d, h);
   if (!s || w->error)
      return;
   if (w->after) {
      if (!s->timeline)
         s->submission = pv_inflight_submitted(w->dev);
      return;
   }
   if (s->timeline) {
      if (!w->queue->gates.n && value > s->reachable)
         s->reachable = value;
      return;
   }
   pv_semaphore_fini(s);
   s->signal_pending = true;
   s->submission = 0;
   uint32_t n = w->queue->gates.n;
   if (n && !(s->gates = malloc(n * sizeof(*s->gates)))) {
      w->error = "out of memory";
      return;
   }
   if (n)
      memcpy(s->gates, w->queue->gates.v, n * sizeof(*s->gates));
   s->gate_count = n;
}

static void
batch_op(struct walk *w, VkSemaphore h, uint64_t value, bool wait)
{
   if (!wait)
      batch_signal(w, h, value);
   else if (!w->after) /* after the submission, only signals are noted */
      batch_wait(w, h, value);
}

/* One batch's waits or signals.  `values` (VkTimelineSemaphoreSubmitInfo)
 * give the timelines' values; Mesa reads one per semaphore when it has
 * any, so their count must match. */
static void
batch_ops(struct walk *w, uint32_t n, const VkSemaphore *sems, uint32_t value_count,
          const uint64_t *values, bool wait)
{
   if (value_count && value_count != n && !w->error) {
      w->error = wait ? "VkTimelineSemaphoreSubmitInfo: its wait value count is not the batch's "
                        "wait semaphore count"
                      : "VkTimelineSemaphoreSubmitInfo: its signal value count is not the "
                        "batch's signal semaphore count";
      return;
   }
   for (uint32_t i = 0; sems && i < n; i++)
      batch_op(w, sems[i], values && value_count ? values[i] : 0, wait);
}

static void
batch_infos(struct walk *w, uint32_t n, const VkSemaphoreSubmitInfo *infos, bool wait)
{
   for (uint32_t i = 0; infos && i < n; i++)
      batch_op(w, infos[i].semaphore, infos[i].value, wait);
}

static const VkTimelineSemaphoreSubmitInfo *
timeline_values(const void *pnext)
{
   static const VkTimelineSemaphoreSubmitInfo none = { 0 };
   for (const VkBaseInStructure *s = pnext; s; s = s->pNext)
      if (s->sType == VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO)
         return (const VkTimelineSemaphoreSubmitInfo *)s;
   return &none;
}

/* The batches of a submission in order: waits, then signals.  The three
 * submit commands keep queue and result at the same places (inflight.c). */
static void
walk_batches(struct walk *w, uint32_t type, const void *args)
{
#define BATCH(b, waits, wait_sems, signals, signal_sems)                                  \
   do {                                                                                  \
      const VkTimelineSemaphoreSubmitInfo *tv = timeline_values((b)->pNext);            \
      if (!w->after)                                                                     \
         queue_prune(w->d, w->queue);                                                    \
      batch_ops(w, (b)->waits, (b)->wait_sems, tv->waitSemaphoreValueCount,              \
                tv->pWaitSemaphoreValues, true);                                         \
      batch_ops(w, (b)->signals, (b)->signal_sems, tv->signalSemaphoreValueCount,        \
                tv->pSignalSemaphoreValues, false);                                      \
   } while (0)
   if (type == PV_CMD_vkQueueSubmit) {
      const struct pv_vkQueueSubmit_args *a = args;
      for (uint32_t i = 0; a->pSubmits && i < a->submitCount; i++)
         BATCH(&a->pSubmits[i], waitSemaphoreCount, pWaitSemaphores, signalSemaphoreCount,
               pSignalSemaphores);
   } else if (type == PV_CMD_vkQueueBindSparse) {
      const struct pv_vkQueueBindSparse_args *a = args;
      for (uint32_t i = 0; a->pBindInfo && i < a->bindInfoCount; i++)
         BATCH(&a->pBindInfo[i], waitSemaphoreCount, pWaitSemaphores, signalSemaphoreCount,
               pSignalSemaphores);
   } else {
      const struct pv_vkQueueSubmit2_args *a = args;
      for (uint32_t i = 0; a->pSubmits && i < a->submitCount; i++) {
         const VkSubmitInfo2 *b = &a->pSubmits[i];
         if (!w->after)
            queue_prune(w->d, w->queue);
         batch_infos(w, b->waitSemaphoreInfoCount, b->pWaitSemaphoreInfos, true);
         batch_infos(w, b->signalSemaphoreInfoCount, b->pSignalSemaphoreInfos, false);
      }
   }
#undef BATCH
}

/* pv_wait_sliced's step: wait for the consumed signals' submission, then
 * for each of their gates not reached yet. */
static VkResult
gates_slice(void *user, uint64_t slice_ns)
{
   struct walk *w = user;
   if (w->wait_submission && !pv_inflight_wait(w->dev, w->wait_submission, slice_ns))
      return VK_TIMEOUT;
   for (uint32_t i = 0; i < w->wait_for.n; i++) {
      pthread_mutex_lock(&w->d->vk->semaphore_lock);
      bool reached = gate_reached(w->d, w->wait_for.v[i]);
      pthread_mutex_unlock(&w->d->vk->semaphore_lock);
      if (reached || !w->dev->table.WaitSemaphores)
         continue;
      VkSemaphoreWaitInfo wi = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
                                 .semaphoreCount = 1, .pSemaphores = &w->wait_for.v[i].timeline,
                                 .pValues = &w->wait_for.v[i].value };
      VkResult r = w->dev->table.WaitSemaphores(w->dev->handle, &wi, slice_ns);
      if (r != VK_SUCCESS)
         return r;
   }
   return VK_SUCCESS;
}

/* After a walk consumed binary signals: wait (abandonably) for what they
 * wait behind, then fail the context with the walk's error if any.
 * Returns whether the context is still healthy. */
static bool
finish_waits(struct walk *w)
{
   if (!w->error && (w->wait_for.n || w->wait_submission) &&
       pv_wait_sliced(w->d, UINT64_MAX, gates_slice, w) != VK_SUCCESS &&
       !pv_dispatch_failed(w->d))
      w->error = "what a binary semaphore's signal waits behind did not finish";
   free(w->wait_for.v);
   w->wait_for = (struct pv_semaphore_gates){ 0 };
   if (w->error)
      pv_dispatch_fail(w->d, "%s", w->error);
   return !pv_dispatch_failed(w->d);
}

static bool
is_submit(uint32_t type)
{
   return type == PV_CMD_vkQueueSubmit || type == PV_CMD_vkQueueSubmit2 ||
          type == PV_CMD_vkQueueBindSparse;
}

static bool
walk_init(struct walk *w, struct pv_dispatcher *d, const void *args, bool after)
{
   const struct pv_vkQueueSubmit_args *a = args;
   struct pv_queue *q = (struct pv_queue *)a->queue_obj;
   *w = (struct walk){ .d = d, .queue = q, .dev = q ? q->obj.device : NULL, .after = after };
   return q != NULL; /* a missing queue is the handler's to report */
}

static void
note_host_signal(struct pv_dispatcher *d, const struct pv_vkSignalSemaphore_args *a)
{
   pthread_mutex_lock(&d->vk->semaphore_lock);
   struct pv_semaphore *s = a->pSignalInfo ? semaphore(d, a->pSignalInfo->semaphore) : NULL;
   if (s && s->timeline && a->pSignalInfo->value > s->reachable)
      s->reachable = a->pSignalInfo->value;
   pthread_mutex_unlock(&d->vk->semaphore_lock);
}

bool
pv_semaphore_before(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   if (type == PV_CMD_vkSignalSemaphore)
      note_host_signal(d, args);
   struct walk w;
   if (!is_submit(type) || !walk_init(&w, d, args, false))
      return true;
   pthread_mutex_lock(&d->vk->semaphore_lock);
   walk_batches(&w, type, args);
   pthread_mutex_unlock(&d->vk->semaphore_lock);
   return finish_waits(&w);
}

void
pv_semaphore_after(struct pv_dispatcher *d, uint32_t type, const void *args)
{
   struct walk w;
   if (!is_submit(type) || !walk_init(&w, d, args, true) || !w.dev->inflight ||
       ((const struct pv_vkQueueSubmit_args *)args)->ret != VK_SUCCESS)
      return;
   pthread_mutex_lock(&d->vk->semaphore_lock);
   walk_batches(&w, type, args);
   pthread_mutex_unlock(&d->vk->semaphore_lock);
}

/* ---- sync-fd payloads, as venus sends them ----------------------------------------------- */

/*
 * Mesa venus never hands the host a sync fd.  For an imported sync fd it
 * waits in the guest, then asks with vkImportSemaphoreResourceMESA
 * (resource id 0) that the host semaphore be signaled; after making a sync
 * fd of a semaphore guest-side it asks with vkWaitSemaphoreResourceMESA
 * that the host semaphore's signal be consumed.  Both are queue operations
 * here: an empty batch that signals, or waits on, the semaphore on the
 * device's first queue, waited for with a fence so that nothing of ours
 * uses the semaphore once the call returns.  So every host offers
 * VK_KHR_external_semaphore_fd for binary semaphores, with or without sync
 * fds of its own (lavapipe 22.3 and MoltenVK have none), and a Mesa 25.0
 * guest, which offers synchronization2 only then, gets Vulkan 1.3.
 */

struct fence_wait {
   struct pv_device *dev;
   VkFence fence;
};

static VkResult
fence_slice(void *user, uint64_t slice_ns)
{
   const struct fence_wait *f = user;
   return f->dev->table.WaitForFences(f->dev->handle, 1, &f->fence, VK_TRUE, slice_ns);
}

/* One empty batch on the device's first queue, waited for. */
static VkResult
queue_op(struct pv_dispatcher *d, struct pv_device *dev, const VkSubmitInfo *si)
{
   if (!dev->queue_count)
      return VK_ERROR_INITIALIZATION_FAILED;
   struct pv_queue *q = &dev->queues[0];
   struct fence_wait f = { dev, VK_NULL_HANDLE };
   const VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   VkResult r = dev->table.CreateFence(dev->handle, &fci, NULL, &f.fence);
   if (r != VK_SUCCESS)
      return r;
   pthread_mutex_lock(&q->lock);
   r = dev->table.QueueSubmit(q->handle, 1, si, f.fence);
   pthread_mutex_unlock(&q->lock);
   if (r == VK_SUCCESS)
      r = pv_wait_sliced(d, UINT64_MAX, fence_slice, &f);
   if (r == VK_SUCCESS || dev->table.GetFenceStatus(dev->handle, f.fence) != VK_NOT_READY)
      dev->table.DestroyFence(dev->handle, f.fence, NULL);
   /* else abandoned with the context: the device's teardown waits it out */
   return r;
}

/* The binary semaphore `h` of a sync-fd command, or NULL after failing the
 * context. */
static struct pv_semaphore *
sync_fd_semaphore(struct pv_dispatcher *d, VkSemaphore h)
{
   struct pv_semaphore *s = semaphore(d, h);
   if (!s)
      pv_dispatch_fail(d, "sync-fd payload of an unknown semaphore");
   else if (s->timeline)
      pv_dispatch_fail(d, "sync-fd payload of a timeline semaphore (only binary ones have one)");
   return s;
}

void
pv_handle_vkImportSemaphoreResourceMESA(struct pv_dispatcher *d,
                                        struct pv_vkImportSemaphoreResourceMESA_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkImportSemaphoreResourceInfoMESA *info = a->pImportSemaphoreResourceInfo;
   if (!dev || !info)
      return pv_dispatch_fail(d, "device or pImportSemaphoreResourceInfo is NULL");
   if (info->resourceId)
      return pv_dispatch_fail(d, "semaphore payload from resource %u: only 0 (signaled) is served",
                              info->resourceId);
   pthread_mutex_lock(&d->vk->semaphore_lock);
   struct pv_semaphore *s = sync_fd_semaphore(d, info->semaphore);
   bool signal = s && !s->signal_pending; /* signaled or pending already: nothing to do */
   if (signal) {
      pv_semaphore_fini(s);
      s->signal_pending = true;
      s->submission = 0; /* ours below: done when this returns */
   }
   pthread_mutex_unlock(&d->vk->semaphore_lock);
   if (!signal)
      return;
   const VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .signalSemaphoreCount = 1,
                             .pSignalSemaphores = &info->semaphore };
   VkResult r = queue_op(d, dev, &si);
   if (r != VK_SUCCESS)
      pv_dispatch_fail(d, "signaling a semaphore for a sync-fd import failed (%d)", r);
}

void
pv_handle_vkWaitSemaphoreResourceMESA(struct pv_dispatcher *d,
                                      struct pv_vkWaitSemaphoreResourceMESA_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->semaphore_obj)
      return pv_dispatch_fail(d, "device or semaphore is NULL");
   struct walk w = { .d = d, .dev = dev, .queue = dev->queue_count ? &dev->queues[0] : NULL };
   pthread_mutex_lock(&d->vk->semaphore_lock);
   struct pv_semaphore *s = sync_fd_semaphore(d, a->semaphore);
   bool consume = s && s->signal_pending; /* no signal: nothing to consume */
   if (consume)
      batch_wait(&w, a->semaphore, 0); /* consumed as a guest batch's wait would */
   pthread_mutex_unlock(&d->vk->semaphore_lock);
   if (!finish_waits(&w) || !consume)
      return;
   const VkPipelineStageFlags stage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
   const VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .waitSemaphoreCount = 1,
                             .pWaitSemaphores = &a->semaphore, .pWaitDstStageMask = &stage };
   VkResult r = queue_op(d, dev, &si);
   if (r != VK_SUCCESS)
      pv_dispatch_fail(d, "consuming a semaphore's signal for a sync-fd export failed (%d)", r);
}
