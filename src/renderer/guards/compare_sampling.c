/*
 * compare_sampling.c — a sampler that compares (compareEnable) is read
 * only by depth-reference instructions.
 *
 * llvmpipe builds a shader variant per bound sampler state at draw time,
 * and for a comparing sampler read by a plain OpImageSample* it clamps a
 * depth reference the instruction does not have; LLVM then crashed
 * compiling the result (fuzz/findings/README.md, found from a vkcube
 * stream whose sampler was mutated to compare).  The shader side and the
 * sampler side only meet at execution, and descriptor sets may change
 * between recording and submission, so:
 *
 *  - spirv_resources.c finds the bindings each stage samples without a
 *    depth reference; pipeline.c keeps them per pipeline (libraries
 *    included) as a shared pv_plain_samplers list (plain_samplers.h);
 *  - descriptor.c keeps a bit per descriptor holding a comparing sampler
 *    (writes, copies, immutable samplers);
 *  - here, each command buffer remembers what is bound, and each draw or
 *    dispatch whose pipeline samples plainly records the (set, binding)
 *    pairs it reads that way; push descriptors, which are snapshots, are
 *    held against the pipeline at the draw;
 *  - at vkQueueSubmit, every recorded pair (and those of secondaries
 *    executed) is looked up in the set as it is now: a comparing sampler
 *    there fails the context before the driver runs anything.
 *
 * The records are guest-sized, so they count against max_device_memory.
 * Commands added by later extensions (vkCmdBindDescriptorSets2,
 * descriptor buffers, shader objects) are not followed: the protocol or
 * lavapipe 22.3 lacks them.
 */
#include "renderer/guards/guards.h"

#include <stdlib.h>
#include <string.h>

#include "renderer/guards/cmd_state.h"
#include "renderer/objects/descriptor.h"
#include "renderer/objects/memory.h"
#include "renderer/objects/queue.h"
#include "renderer/spirv/plain_samplers.h"
#include "renderer/vk/vk_context.h"

#define MAX_SETS 32     /* bound set indices followed (maxBoundDescriptorSets) */
#define MAX_PUSHED 64   /* comparing samplers pushed, remembered per buffer */
#define PUSHED UINT64_MAX
#define DEDUP_WINDOW 8  /* records compared with before adding one */

enum { USE_SET, USE_SECONDARY };
struct use {
   uint64_t handle; /* a descriptor set, or a secondary command buffer */
   uint32_t binding, kind;
};
struct pushed {
   uint32_t point, set, binding, element;
};

struct pv_cb_sampling {
   struct pv_plain_samplers *pipeline[2]; /* bound: graphics, compute */
   uint64_t sets[2][MAX_SETS];            /* bound set handles, or PUSHED */
   struct pushed pushed[MAX_PUSHED];
   uint32_t npushed;
   struct use *uses;
   size_t nuses, cap;
   uint64_t charged;
};

/* ---- command buffers' records (under vk->sampling_lock) ---- */

static int
point_index(VkPipelineBindPoint point)
{
   return point == VK_PIPELINE_BIND_POINT_GRAPHICS ? 0
          : point == VK_PIPELINE_BIND_POINT_COMPUTE ? 1 : -1;
}

static struct pv_cb_sampling *
sampling_of(struct pv_dispatcher *d, struct pv_command_buffer *cb)
{
   if (!cb->sampling && !(cb->sampling = calloc(1, sizeof(*cb->sampling))))
      pv_dispatch_fail(d, "out of memory");
   return cb->sampling;
}

/* Begin and reset: nothing bound, nothing recorded (the memory stays). */
static void
sampling_reset(struct pv_cb_sampling *s)
{
   for (int p = 0; p < 2; p++)
      pv_plain_samplers_unref(s->pipeline[p]);
   struct use *uses = s->uses;
   size_t cap = s->cap;
   uint64_t charged = s->charged;
   memset(s, 0, sizeof(*s));
   s->uses = uses, s->cap = cap, s->charged = charged;
}

/* A command buffer is freed: its records go with it. */
static void
sampling_forget(struct pv_vk_context *vk, struct pv_object *obj)
{
   if (obj->type != VK_OBJECT_TYPE_COMMAND_BUFFER)
      return;
   struct pv_command_buffer *cb = (struct pv_command_buffer *)obj;
   struct pv_cb_sampling *s = cb->sampling;
   if (!s)
      return;
   sampling_reset(s);
   pv_memory_uncharge(vk, s->charged);
   free(s->uses);
   free(s);
   cb->sampling = NULL;
}

static bool
add_use(struct pv_dispatcher *d, struct pv_cb_sampling *s, struct use u)
{
   for (size_t i = s->nuses; i > 0 && i + DEDUP_WINDOW > s->nuses; i--)
      if (!memcmp(&s->uses[i - 1], &u, sizeof(u)))
         return true;
   if (s->nuses == s->cap) {
      size_t cap = s->cap ? 2 * s->cap : 16, more = (cap - s->cap) * sizeof(u);
      if (!pv_memory_charge(d->vk, more, "command buffer sampling records"))
         return pv_dispatch_fail(d, "the command buffer's sampling records reach the "
                                    "context's device memory limit"), false;
      struct use *uses = realloc(s->uses, cap * sizeof(u));
      if (!uses) {
         pv_memory_uncharge(d->vk, more);
         return pv_dispatch_fail(d, "out of memory"), false;
      }
      s->uses = uses, s->cap = cap, s->charged += more;
   }
   s->uses[s->nuses++] = u;
   return true;
}

static bool
pushed_compares(const struct pv_cb_sampling *s, uint32_t point, uint32_t set, uint32_t binding)
{
   for (uint32_t i = 0; i < s->npushed; i++)
      if (s->pushed[i].point == point && s->pushed[i].set == set &&
          s->pushed[i].binding == binding)
         return true;
   return false;
}

/* A draw or dispatch at bind point `point`: record the pairs its pipeline
 * samples plainly; a pushed comparing sampler among them fails now. */
static void
note_draw(struct pv_dispatcher *d, struct pv_cb_sampling *s, int point)
{
   const struct pv_plain_samplers *p = s->pipeline[point];
   for (uint32_t i = 0; p && i < p->count; i++) {
      uint32_t set = p->b[i].set, binding = p->b[i].binding;
      uint64_t h = set < MAX_SETS ? s->sets[point][set] : 0;
      if (h == PUSHED && pushed_compares(s, (uint32_t)point, set, binding))
         return pv_dispatch_fail(d, "a draw samples set %u binding %u without a depth "
                                 "reference, and a sampler pushed there compares", set, binding);
      if (h && h != PUSHED && !add_use(d, s, (struct use){ h, binding, USE_SET }))
         return;
   }
}

/* Push descriptor writes (already checked against the layout): which
 * elements now hold a comparing sampler. */
static void
note_push(struct pv_dispatcher *d, struct pv_cb_sampling *s,
          const struct pv_vkCmdPushDescriptorSet_args *a, int point)
{
   const struct pv_pipeline_layout *l = (const struct pv_pipeline_layout *)a->layout_obj;
   if (!l || a->set >= l->set_count)
      return;
   if (a->set < MAX_SETS)
      s->sets[point][a->set] = PUSHED;
   const struct pv_binding *bs = l->b + l->sets[a->set].first;
   uint32_t n = l->sets[a->set].count;
   for (uint32_t i = 0; i < a->descriptorWriteCount; i++) {
      const VkWriteDescriptorSet *w = &a->pDescriptorWrites[i];
      bool samples = w->descriptorType == VK_DESCRIPTOR_TYPE_SAMPLER ||
                     w->descriptorType == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
      for (uint32_t k = 0; samples && k < w->descriptorCount; k++) {
         uint32_t b, el;
         pv_binding_locate(bs, n, w->dstBinding, w->dstArrayElement + k, &b, &el);
         if (b >= n)
            break;
         bool on = (bs[b].immutable & PV_IMMUTABLE_SAMPLERS)
                      ? (bs[b].immutable & PV_IMMUTABLE_COMPARE) != 0
                      : w->pImageInfo && pv_sampler_compares(d, w->pImageInfo[k].sampler);
         struct pushed p = { (uint32_t)point, a->set, bs[b].binding, el };
         uint32_t at = 0;
         while (at < s->npushed && memcmp(&s->pushed[at], &p, sizeof(p)))
            at++;
         if (at < s->npushed && !on)
            s->pushed[at] = s->pushed[--s->npushed];
         else if (at == s->npushed && on && s->npushed == MAX_PUSHED)
            return pv_dispatch_fail(d, "more than %d comparing samplers pushed", MAX_PUSHED);
         else if (at == s->npushed && on)
            s->pushed[s->npushed++] = p;
      }
   }
}

static void
note_bind_sets(struct pv_cb_sampling *s, const struct pv_vkCmdBindDescriptorSets_args *a,
               int point)
{
   for (uint32_t i = 0; a->pDescriptorSets && i < a->descriptorSetCount; i++)
      if (a->firstSet + i < MAX_SETS && a->firstSet + i >= a->firstSet)
         s->sets[point][a->firstSet + i] = (uint64_t)a->pDescriptorSets[i];
}

static void
note_pipeline(struct pv_cb_sampling *s, const struct pv_vkCmdBindPipeline_args *a, int point)
{
   const struct pv_pipeline *p = (const struct pv_pipeline *)a->pipeline_obj;
   pv_plain_samplers_unref(s->pipeline[point]);
   s->pipeline[point] = p ? pv_plain_samplers_ref(p->plain) : NULL;
}

static void
note_execute(struct pv_dispatcher *d, struct pv_cb_sampling *s,
             const struct pv_vkCmdExecuteCommands_args *a)
{
   for (uint32_t i = 0; a->pCommandBuffers && i < a->commandBufferCount; i++)
      if (!add_use(d, s, (struct use){ (uint64_t)(uintptr_t)a->pCommandBuffers[i], 0,
                                       USE_SECONDARY }))
         return;
}

/* Index into pipeline[] and sets[] of a draw or dispatch command's bind
 * point, or -1 for other commands. */
static int
draw_point(uint32_t type)
{
   int point = pv_gen_draw_bind_point(type);
   return point < 0 ? -1 : point_index((VkPipelineBindPoint)point);
}

/* Whether command `type` changes or reads what a command buffer records:
 * most commands do neither, and the route runs nothing for them. */
static bool
noted_command(uint32_t type)
{
   switch (type) {
   case PV_CMD_vkBeginCommandBuffer: case PV_CMD_vkResetCommandBuffer:
   case PV_CMD_vkCmdBindPipeline: case PV_CMD_vkCmdBindDescriptorSets:
   case PV_CMD_vkCmdPushDescriptorSet: case PV_CMD_vkCmdExecuteCommands:
      return true;
   default:
      return draw_point(type) >= 0;
   }
}

/* Whether noted command `type` matters for `cb` now: a draw only once
 * something was bound, so draws pass without taking the lock until then. */
static bool
followed(uint32_t type, const struct pv_command_buffer *cb)
{
   return draw_point(type) < 0 || cb->sampling;
}

static void
note_command(struct pv_dispatcher *d, struct pv_command_buffer *cb, uint32_t type,
             const void *args)
{
   int point = draw_point(type);
   if (point >= 0) {
      if (cb->sampling)
         note_draw(d, cb->sampling, point);
      return;
   }
   switch (type) {
   case PV_CMD_vkBeginCommandBuffer:
   case PV_CMD_vkResetCommandBuffer:
      if (cb->sampling)
         sampling_reset(cb->sampling);
      return;
   case PV_CMD_vkCmdBindPipeline: {
      const struct pv_vkCmdBindPipeline_args *a = args;
      if ((point = point_index(a->pipelineBindPoint)) >= 0 && sampling_of(d, cb))
         note_pipeline(cb->sampling, a, point);
      return;
   }
   case PV_CMD_vkCmdBindDescriptorSets: {
      const struct pv_vkCmdBindDescriptorSets_args *a = args;
      if ((point = point_index(a->pipelineBindPoint)) >= 0 && sampling_of(d, cb))
         note_bind_sets(cb->sampling, a, point);
      return;
   }
   case PV_CMD_vkCmdPushDescriptorSet: {
      const struct pv_vkCmdPushDescriptorSet_args *a = args;
      if ((point = point_index(a->pipelineBindPoint)) >= 0 && sampling_of(d, cb))
         note_push(d, cb->sampling, a, point);
      return;
   }
   case PV_CMD_vkCmdExecuteCommands:
      if (sampling_of(d, cb))
         note_execute(d, cb->sampling, args);
      return;
   default:
      return;
   }
}

static void
sampling_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   if (info->id == PV_CMD_vkCreateSampler) {
      const struct pv_vkCreateSampler_args *a = args;
      struct pv_sampler *s = a->ret == VK_SUCCESS && a->pSampler_ids
         ? (struct pv_sampler *)pv_object_table_lookup(&d->vk->objects, a->pSampler_ids[0],
                                                       VK_OBJECT_TYPE_SAMPLER) : NULL;
      if (s)
         s->compare = a->pCreateInfo->compareEnable != VK_FALSE;
      return;
   }
   /* the rest are noted commands on a command buffer (sampling_watch) */
   struct pv_command_buffer *cb = pv_cmd_first_command_buffer(info, args);
   if (!cb || !followed(info->id, cb))
      return;
   pthread_mutex_lock(&d->vk->sampling_lock);
   note_command(d, cb, info->id, args);
   pthread_mutex_unlock(&d->vk->sampling_lock);
}

/* ---- at submission ---- */

static bool
records_ok(struct pv_dispatcher *d, const struct pv_command_buffer *cb, int depth)
{
   const struct pv_cb_sampling *s = cb->sampling;
   for (size_t i = 0; s && i < s->nuses; i++) {
      const struct use *u = &s->uses[i];
      if (u->kind == USE_SECONDARY) {
         const struct pv_command_buffer *sec = (const struct pv_command_buffer *)
            pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_COMMAND_BUFFER,
                                          u->handle);
         if (sec && depth < 2 && !records_ok(d, sec, depth + 1))
            return false;
         continue;
      }
      const struct pv_descriptor_set *set = (const struct pv_descriptor_set *)
         pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_DESCRIPTOR_SET, u->handle);
      if (set && pv_descriptor_set_compares(set, u->binding))
         return pv_dispatch_fail(d, "a submitted command buffer samples binding %u of a set "
                                 "without a depth reference, and a sampler there compares",
                                 u->binding), false;
   }
   return true;
}

static bool
submitted_ok(void *user, VkCommandBuffer h)
{
   struct pv_dispatcher *d = user;
   const struct pv_command_buffer *cb = (const struct pv_command_buffer *)
      pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_COMMAND_BUFFER,
                                    (uint64_t)(uintptr_t)h);
   if (!cb)
      return true;
   pthread_mutex_lock(&d->vk->sampling_lock);
   bool ok = records_ok(d, cb, 0);
   pthread_mutex_unlock(&d->vk->sampling_lock);
   return ok;
}

/* Submissions only (sampling_watch). */
static bool
sampling_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info, const void *args)
{
   return pv_queue_each_submitted(info->id, args, submitted_ok, d);
}

/* Submissions are checked; sampler creation and the commands that change
 * or read what a command buffer records are noted. */
static unsigned
sampling_watch(uint32_t id)
{
   if (id == PV_CMD_vkQueueSubmit || id == PV_CMD_vkQueueSubmit2)
      return PV_GUARD_BEFORE;
   const struct pv_cs_command_info *info = pv_cs_command_info(id);
   bool noted = id == PV_CMD_vkCreateSampler ||
                (info && info->category == PV_CS_CAT_COMMAND_BUFFER && noted_command(id));
   return noted ? PV_GUARD_AFTER : 0;
}

const struct pv_guard pv_guard_compare_sampling = {
   .name = "compare_sampling",
   .file = "guards/compare_sampling.c",
   .what = "a comparing sampler read without a depth reference (llvmpipe crashed compiling it): "
           "records what command buffers bind and draw with, checks them at submission",
   .watches = sampling_watch,
   .before = sampling_before,
   .after = sampling_after,
   .forget = sampling_forget,
};
