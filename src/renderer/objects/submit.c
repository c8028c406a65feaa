/*
 * submit.c — vkQueueSubmit and vkQueueSubmit2.
 *
 * The host driver gets the guest's batches as they are, with one addition
 * on a CPU device whose submissions are numbered with a timeline semaphore
 * of ours (objects/inflight.c, which says why): the last batch also
 * signals the submission's number, so no second submission has to follow
 * it.  Where the last batch carries an extension struct we do not know how
 * to extend (one that counts signal semaphores, like device-group info),
 * or memory runs out, the batches go as they are and an empty submission
 * signals the number instead.  The guards around these commands
 * (`pv-venus info --route vkQueueSubmit`) see the guest's arguments, never
 * our amended copy.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/handlers.h"
#include "renderer/objects/inflight.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_objects.h"

/* Our number as a signal of the batches' last, kept alive for the call. */
struct amended {
   VkSemaphore sem;
   uint64_t value;
   void *batches;       /* copy of the guest's batches */
   VkSemaphore *sems;   /* the last batch's signal semaphores, ours last */
   uint64_t *values;    /* and their timeline values */
   VkSemaphoreSubmitInfo *infos; /* vkQueueSubmit2's */
   VkTimelineSemaphoreSubmitInfo timeline;
   VkProtectedSubmitInfo protected_info;
   VkPerformanceQuerySubmitInfoKHR perf;
};

static void
amended_free(struct amended *m)
{
   free(m->batches);
   free(m->sems);
   free(m->values);
   free(m->infos);
}

/* The last batch's pNext chain rebuilt around our timeline values: only
 * the structs that count no signal semaphores (or are the timeline values
 * themselves) are carried over; false on any other. */
static bool
rebuild_chain(struct amended *m, const void *chain, const VkTimelineSemaphoreSubmitInfo **guest_tl)
{
   bool protected_seen = false, perf_seen = false;
   *guest_tl = NULL;
   for (const VkBaseInStructure *s = chain; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO && !*guest_tl)
         *guest_tl = (const VkTimelineSemaphoreSubmitInfo *)s;
      else if (s->sType == VK_STRUCTURE_TYPE_PROTECTED_SUBMIT_INFO && !protected_seen)
         m->protected_info = *(const VkProtectedSubmitInfo *)s, protected_seen = true;
      else if (s->sType == VK_STRUCTURE_TYPE_PERFORMANCE_QUERY_SUBMIT_INFO_KHR && !perf_seen)
         m->perf = *(const VkPerformanceQuerySubmitInfoKHR *)s, perf_seen = true;
      else
         return false;
   }
   m->perf.pNext = NULL;
   m->protected_info.pNext = perf_seen ? &m->perf : NULL;
   m->timeline = *guest_tl ? **guest_tl
                           : (VkTimelineSemaphoreSubmitInfo){
                                .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO };
   m->timeline.pNext = protected_seen ? (void *)&m->protected_info
                       : perf_seen    ? (void *)&m->perf
                                      : NULL;
   return true;
}

/* A copy of the guest's `count` batches, `size` bytes each (with none,
 * one of ours of type `stype`), in m->batches: its last batch, or NULL. */
static void *
copy_batches(struct amended *m, uint32_t count, const void *guest, size_t size,
             VkStructureType stype)
{
   uint32_t n = count ? count : 1;
   char *b = calloc(n, size);
   m->batches = b;
   if (!b || (count && !guest))
      return NULL;
   if (count)
      memcpy(b, guest, count * size);
   else
      ((VkBaseOutStructure *)b)->sType = stype;
   return b + (size_t)(n - 1) * size;
}

/* vkQueueSubmit's batches with our signal added to the last (or, with no
 * batches, to one of our own); false where that cannot be done. */
static bool
amend_submit(struct amended *m, uint32_t count, const void *guest_batches, const void **out)
{
   VkSubmitInfo *last = copy_batches(m, count, guest_batches, sizeof(VkSubmitInfo),
                                     VK_STRUCTURE_TYPE_SUBMIT_INFO);
   const VkTimelineSemaphoreSubmitInfo *tl;
   if (!last || !rebuild_chain(m, last->pNext, &tl))
      return false;
   uint32_t signals = last->signalSemaphoreCount;
   /* values for each signal, or none (binary semaphores only) */
   uint32_t values = tl && tl->pSignalSemaphoreValues ? tl->signalSemaphoreValueCount : 0;
   if ((values && values != signals) || (signals && !last->pSignalSemaphores) ||
       signals == UINT32_MAX)
      return false;
   m->sems = calloc((size_t)signals + 1, sizeof(*m->sems));
   m->values = calloc((size_t)signals + 1, sizeof(*m->values));
   if (!m->sems || !m->values)
      return false;
   if (signals)
      memcpy(m->sems, last->pSignalSemaphores, signals * sizeof(*m->sems));
   if (values)
      memcpy(m->values, tl->pSignalSemaphoreValues, values * sizeof(*m->values));
   m->sems[signals] = m->sem;
   m->values[signals] = m->value;
   m->timeline.signalSemaphoreValueCount = signals + 1;
   m->timeline.pSignalSemaphoreValues = m->values;
   last->pNext = &m->timeline;
   last->signalSemaphoreCount = signals + 1;
   last->pSignalSemaphores = m->sems;
   *out = m->batches;
   return true;
}

/* The same for vkQueueSubmit2, whose signals carry their own values. */
static bool
amend_submit2(struct amended *m, uint32_t count, const void *guest_batches, const void **out)
{
   VkSubmitInfo2 *last = copy_batches(m, count, guest_batches, sizeof(VkSubmitInfo2),
                                      VK_STRUCTURE_TYPE_SUBMIT_INFO_2);
   if (!last)
      return false;
   uint32_t signals = last->signalSemaphoreInfoCount;
   m->infos = calloc((size_t)signals + 1, sizeof(*m->infos));
   if (!m->infos || (signals && !last->pSignalSemaphoreInfos) || signals == UINT32_MAX)
      return false;
   if (signals)
      memcpy(m->infos, last->pSignalSemaphoreInfos, signals * sizeof(*m->infos));
   m->infos[signals] = (VkSemaphoreSubmitInfo){ .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SUBMIT_INFO,
                                                .semaphore = m->sem, .value = m->value,
                                                .stageMask = VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT };
   last->signalSemaphoreInfoCount = signals + 1;
   last->pSignalSemaphoreInfos = m->infos;
   *out = m->batches;
   return true;
}

static VkResult
call_submit(struct pv_device *dev, VkQueue q, uint32_t n, const void *batches, VkFence fence)
{
   return dev->table.QueueSubmit(q, n, batches, fence);
}

static VkResult
call_submit2(struct pv_device *dev, VkQueue q, uint32_t n, const void *batches, VkFence fence)
{
   return dev->table.QueueSubmit2(q, n, batches, fence);
}

struct submit_kind {
   bool (*amend)(struct amended *m, uint32_t count, const void *guest, const void **out);
   VkResult (*call)(struct pv_device *dev, VkQueue q, uint32_t n, const void *batches,
                    VkFence fence);
};

/* Submit the guest's batches under the queue's lock, numbered on a CPU
 * device: by our signal in the last batch where it can ride there, else by
 * an empty submission after them. */
static VkResult
submit(struct pv_device *dev, struct pv_object *queue_obj, VkQueue queue, uint32_t count,
       const void *batches, VkFence fence, const struct submit_kind *kind)
{
   struct amended m = { 0 };
   const void *ours;
   VkResult ret;
   pv_gen_queue_lock(queue_obj);
   bool signaled = pv_inflight_next_signal(dev, &m.sem, &m.value) &&
                   kind->amend(&m, count, batches, &ours);
   if (signaled) {
      ret = kind->call(dev, queue, count ? count : 1, ours, fence);
      if (ret == VK_SUCCESS)
         pv_inflight_signaled(dev, m.value);
   } else {
      ret = kind->call(dev, queue, count, batches, fence);
   }
   pv_gen_queue_unlock(queue_obj);
   amended_free(&m);
   uint64_t number;
   if (ret == VK_SUCCESS && dev->inflight && !signaled)
      pv_inflight_mark_submission(dev, (struct pv_queue *)queue_obj, &number);
   return ret;
}

void
pv_handle_vkQueueSubmit(struct pv_dispatcher *d, struct pv_vkQueueSubmit_args *a)
{
   static const struct submit_kind kind = { amend_submit, call_submit };
   struct pv_device *dev =
      pv_gen_device(d, a->queue_obj, offsetof(struct pv_vk_device_table, QueueSubmit));
   if (dev)
      a->ret = submit(dev, a->queue_obj, a->queue, a->submitCount, a->pSubmits, a->fence, &kind);
}

void
pv_handle_vkQueueSubmit2(struct pv_dispatcher *d, struct pv_vkQueueSubmit2_args *a)
{
   static const struct submit_kind kind = { amend_submit2, call_submit2 };
   struct pv_device *dev =
      pv_gen_device(d, a->queue_obj, offsetof(struct pv_vk_device_table, QueueSubmit2));
   if (dev)
      a->ret = submit(dev, a->queue_obj, a->queue, a->submitCount, a->pSubmits, a->fence, &kind);
}
