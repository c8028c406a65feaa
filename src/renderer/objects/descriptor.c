/*
 * descriptor.c — descriptor set layouts and sets, remembered well enough to
 * check descriptor writes and copies before the driver trusts them.
 *
 * A write names a binding, a first array element and a count; drivers index
 * their descriptor storage with those directly.  lavapipe wrote to a wild
 * address for a binding and element far past the layout (a fuzzer's
 * finding).  So every set keeps a copy of its layout's bindings (a layout
 * may be destroyed while its sets live on), and every write and copy is
 * checked: each binding it touches exists, has the write's type, and holds
 * the elements, rolling over into the following bindings as the spec says.
 */
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/descriptor.h"
#include "renderer/objects/buffer.h"
#include "renderer/handlers.h"
#include "renderer/objects/memory.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_context.h"

/* VK_DESCRIPTOR_TYPE_MUTABLE_EXT: a binding that takes several types. */
#define MUTABLE_TYPE 1000351000u

static int
cmp_binding(const void *a, const void *b)
{
   const struct pv_binding *x = a, *y = b;
   return x->binding < y->binding ? -1 : x->binding > y->binding;
}

/* Types whose descriptors can hold a sampler. */
static bool
holds_sampler(uint32_t type)
{
   return type == VK_DESCRIPTOR_TYPE_SAMPLER ||
          type == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER || type == MUTABLE_TYPE;
}

bool
pv_sampler_compares(struct pv_dispatcher *d, VkSampler h)
{
   const struct pv_sampler *s = h ? (const struct pv_sampler *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_SAMPLER, (uint64_t)h) : NULL;
   return s && s->compare;
}

static uint8_t
immutable_flags(struct pv_dispatcher *d, const VkDescriptorSetLayoutBinding *b)
{
   if (!b->pImmutableSamplers || (b->descriptorType != VK_DESCRIPTOR_TYPE_SAMPLER &&
                                  b->descriptorType != VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER))
      return 0;
   uint8_t f = PV_IMMUTABLE_SAMPLERS;
   for (uint32_t k = 0; k < b->descriptorCount; k++)
      if (pv_sampler_compares(d, b->pImmutableSamplers[k]))
         f |= PV_IMMUTABLE_COMPARE;
   return f;
}

void
pv_handle_vkCreateDescriptorSetLayout(struct pv_dispatcher *d,
                                      struct pv_vkCreateDescriptorSetLayout_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkDescriptorSetLayoutCreateInfo *ci = a->pCreateInfo;
   if (!dev || !ci || !a->pSetLayout || (ci->bindingCount && !ci->pBindings))
      return pv_dispatch_fail(d, "device, pCreateInfo, pBindings or pSetLayout is NULL");
   struct pv_set_layout *l = calloc(1, sizeof(*l) + ci->bindingCount * sizeof(l->b[0]));
   if (!l)
      return pv_dispatch_fail(d, "out of memory");
   l->update_after_bind =
      (ci->flags & VK_DESCRIPTOR_SET_LAYOUT_CREATE_UPDATE_AFTER_BIND_POOL_BIT) != 0;
   for (uint32_t i = 0; i < ci->bindingCount; i++) {
      if (!pv_tally_binding(d, dev->pdev, &l->tally, &ci->pBindings[i])) {
         free(l);
         return;
      }
   }
   if (!pv_tally_ok(d, dev->pdev, &l->tally, l->update_after_bind, "set layout")) {
      free(l);
      return;
   }
   a->ret = dev->table.CreateDescriptorSetLayout(dev->handle, ci, NULL, a->pSetLayout);
   if (a->ret != VK_SUCCESS) {
      free(l);
      return;
   }
   l->count = ci->bindingCount;
   for (uint32_t i = 0; i < ci->bindingCount; i++)
      l->b[i] = (struct pv_binding){ ci->pBindings[i].binding, ci->pBindings[i].descriptorType,
                                     ci->pBindings[i].descriptorCount,
                                     ci->pBindings[i].stageFlags,
                                     immutable_flags(d, &ci->pBindings[i]) };
   qsort(l->b, l->count, sizeof(l->b[0]), cmp_binding);
   l->obj = (struct pv_vk_object){ { a->pSetLayout_ids[0], VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT,
                                     (uint64_t)*a->pSetLayout },
                                   dev, 0, 0 };
   if (!pv_dispatch_bind(d, &l->obj.base)) {
      dev->table.DestroyDescriptorSetLayout(dev->handle, *a->pSetLayout, NULL);
      free(l);
   }
}

/* The per-stage limits across a pipeline layout's sets: the ordinary ones
 * count the sets without update-after-bind, the looser ones count all. */
static bool
layout_limits_ok(struct pv_dispatcher *d, const struct pv_device *dev,
                 const struct pv_set_layout **sl, uint32_t n)
{
   struct pv_stage_tally *t = calloc(2, sizeof(*t));
   if (!t)
      return pv_dispatch_fail(d, "out of memory"), false;
   for (uint32_t i = 0; i < n; i++) {
      if (!sl[i])
         continue;
      if (!sl[i]->update_after_bind)
         pv_tally_add(&t[0], &sl[i]->tally);
      pv_tally_add(&t[1], &sl[i]->tally);
   }
   bool ok = pv_tally_ok(d, dev->pdev, &t[0], 0, "pipeline layout") &&
             pv_tally_ok(d, dev->pdev, &t[1], 1, "pipeline layout");
   free(t);
   return ok;
}

/* The set layouts of a pipeline layout, copied; NULL if one is unknown or
 * together they exceed a per-stage limit. */
static struct pv_pipeline_layout *
copy_layouts(struct pv_dispatcher *d, const struct pv_device *dev,
             const VkPipelineLayoutCreateInfo *ci)
{
   size_t total = 0;
   const struct pv_set_layout **sl = calloc(ci->setLayoutCount + 1, sizeof(*sl));
   for (uint32_t i = 0; sl && i < ci->setLayoutCount; i++) {
      if (!ci->pSetLayouts || !ci->pSetLayouts[i])
         continue;
      sl[i] = (const struct pv_set_layout *)pv_object_table_lookup_handle(
         &d->vk->objects, VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT, (uint64_t)ci->pSetLayouts[i]);
      if (!sl[i]) {
         free(sl);
         pv_dispatch_fail(d, "set layout %u is unknown", i);
         return NULL;
      }
      total += sl[i]->count;
   }
   if (sl && !layout_limits_ok(d, dev, sl, ci->setLayoutCount)) {
      free(sl);
      return NULL;
   }
   struct pv_pipeline_layout *l =
      sl ? calloc(1, sizeof(*l) + ci->setLayoutCount * sizeof(l->sets[0]) + total * sizeof(l->b[0]))
         : NULL;
   if (!l) {
      free(sl);
      pv_dispatch_fail(d, "out of memory");
      return NULL;
   }
   l->set_count = ci->setLayoutCount;
   l->sets = (struct pv_layout_set *)(l + 1);
   l->b = (struct pv_binding *)(l->sets + l->set_count);
   uint32_t at = 0;
   for (uint32_t i = 0; i < l->set_count; i++) {
      l->sets[i] = (struct pv_layout_set){ at, sl[i] ? sl[i]->count : 0, sl[i] != NULL };
      if (sl[i])
         memcpy(l->b + at, sl[i]->b, sl[i]->count * sizeof(l->b[0]));
      at += l->sets[i].count;
   }
   free(sl);
   return l;
}

void
pv_handle_vkCreatePipelineLayout(struct pv_dispatcher *d, struct pv_vkCreatePipelineLayout_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pCreateInfo || !a->pPipelineLayout)
      return pv_dispatch_fail(d, "device, pCreateInfo or pPipelineLayout is NULL");
   struct pv_pipeline_layout *l = copy_layouts(d, dev, a->pCreateInfo);
   if (!l)
      return;
   a->ret = dev->table.CreatePipelineLayout(dev->handle, a->pCreateInfo, NULL, a->pPipelineLayout);
   if (a->ret != VK_SUCCESS) {
      free(l);
      return;
   }
   l->obj = (struct pv_vk_object){ { a->pPipelineLayout_ids[0], VK_OBJECT_TYPE_PIPELINE_LAYOUT,
                                     (uint64_t)*a->pPipelineLayout }, dev, 0, 0 };
   if (!pv_dispatch_bind(d, &l->obj.base)) {
      dev->table.DestroyPipelineLayout(dev->handle, *a->pPipelineLayout, NULL);
      free(l);
   }
}

/* A set: its pool, and a copy of its layout's bindings. */
static int find_binding(const struct pv_binding *bs, uint32_t n, uint32_t binding);
static const struct pv_descriptor_set *set_of(struct pv_dispatcher *d, VkDescriptorSet handle);
static void copy_dynamic_slack(struct pv_dispatcher *d, const VkCopyDescriptorSet *c);

static bool
is_dynamic(uint32_t type)
{
   return type == VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC ||
          type == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC;
}

/* Sets a descriptor's compare bit (its index in binding, then element
 * order), keeping the count. */
static void
set_compare(struct pv_descriptor_set *s, uint64_t at, bool on)
{
   uint8_t bit = (uint8_t)(1u << (at % 8)), *byte = &s->compare[at / 8];
   if (on && !(*byte & bit))
      *byte |= bit, s->compare_count++;
   else if (!on && (*byte & bit))
      *byte &= (uint8_t)~bit, s->compare_count--;
}

/* A set of layout `l` whose last binding holds `last_count` descriptors
 * (fewer with a variable count). */
static struct pv_descriptor_set *
new_set(const struct pv_set_layout *l, uint32_t last_count, struct pv_device *dev, uint64_t id,
        VkDescriptorSet handle, VkDescriptorPool pool)
{
   uint64_t dyn = 0, total = 0;
   bool samplers = false;
   for (uint32_t i = 0; i < l->count; i++) {
      uint32_t n = i + 1 == l->count ? last_count : l->b[i].count;
      if (is_dynamic(l->b[i].type))
         dyn += n;
      samplers |= holds_sampler(l->b[i].type);
      total += n;
   }
   if (dyn > UINT32_MAX / 8)
      return NULL;
   /* the slack array follows the bindings, 8-byte aligned; then the
    * compare bits */
   size_t slack_at = (sizeof(struct pv_descriptor_set) + l->count * sizeof(struct pv_binding) + 7) &
                     ~(size_t)7;
   size_t compare_at = slack_at + dyn * sizeof(uint64_t);
   struct pv_descriptor_set *s = calloc(1, compare_at + (samplers ? (total + 7) / 8 : 0));
   if (!s)
      return NULL;
   s->obj = (struct pv_vk_object){ { id, VK_OBJECT_TYPE_DESCRIPTOR_SET, (uint64_t)handle }, dev,
                                   (uint64_t)pool, 0 };
   s->count = l->count;
   memcpy(s->b, l->b, l->count * sizeof(s->b[0]));
   if (s->count)
      s->b[s->count - 1].count = last_count;
   s->dyn_count = (uint32_t)dyn;
   s->dyn_slack = (uint64_t *)((char *)s + slack_at);
   for (uint64_t i = 0; i < dyn; i++)
      s->dyn_slack[i] = PV_SLACK_UNKNOWN;
   s->compare = samplers ? (uint8_t *)s + compare_at : NULL;
   for (uint64_t i = 0, at = 0; s->compare && i < s->count; at += s->b[i++].count)
      for (uint32_t k = 0; (s->b[i].immutable & PV_IMMUTABLE_COMPARE) && k < s->b[i].count; k++)
         set_compare(s, at + k, true);
   return s;
}

/* The dynamic-offset index of element `element` of binding index `bi`. */
static uint32_t
dyn_index(const struct pv_descriptor_set *s, uint32_t bi, uint32_t element)
{
   uint32_t n = 0;
   for (uint32_t i = 0; i < bi; i++)
      if (is_dynamic(s->b[i].type))
         n += s->b[i].count;
   return n + element;
}

void
pv_binding_locate(const struct pv_binding *bs, uint32_t n, uint32_t binding, uint32_t element,
                  uint32_t *bi, uint32_t *el)
{
   int i = find_binding(bs, n, binding);
   while (i >= 0 && i < (int)n && element >= bs[i].count)
      element -= bs[i++].count;
   *bi = i < 0 ? n : (uint32_t)i;
   *el = element;
}

static void
locate(const struct pv_descriptor_set *s, uint32_t binding, uint32_t element, uint32_t *bi,
       uint32_t *el)
{
   pv_binding_locate(s->b, s->count, binding, element, bi, el);
}

/* The dynamic-offset slot of the descriptor `element` places past
 * (binding, 0), rolling over bindings; -1 if that descriptor is not
 * dynamic. */
static int64_t
dyn_slot(const struct pv_descriptor_set *s, uint32_t binding, uint32_t element)
{
   uint32_t bi, el;
   locate(s, binding, element, &bi, &el);
   if (bi >= s->count || !is_dynamic(s->b[bi].type))
      return -1;
   uint32_t at = dyn_index(s, bi, el);
   return at < s->dyn_count ? (int64_t)at : -1;
}

/* Record the slack of the dynamic descriptors a write (already checked)
 * sets. */
static void
note_dynamic_writes(struct pv_dispatcher *d, struct pv_descriptor_set *s,
                    const VkWriteDescriptorSet *w)
{
   if (!is_dynamic(w->descriptorType) || !w->pBufferInfo)
      return;
   for (uint32_t k = 0; k < w->descriptorCount; k++) {
      int64_t at = dyn_slot(s, w->dstBinding, w->dstArrayElement + k);
      if (at < 0)
         continue;
      const VkDescriptorBufferInfo *info = &w->pBufferInfo[k];
      const struct pv_buffer *b = info->buffer ? (const struct pv_buffer *)
         pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_BUFFER,
                                       (uint64_t)info->buffer) : NULL;
      VkDeviceSize range;
      s->dyn_slack[at] = b && pv_buffer_range(b, info->offset, info->range, &range)
                            ? b->size - info->offset - range /* buffer_infos_ok held */
                            : PV_SLACK_UNKNOWN;
   }
}

/* The compare bit of element `el` of binding index `bi`, by its index in
 * binding, then element order. */
static uint64_t
flat_at(const struct pv_descriptor_set *s, uint32_t bi, uint32_t el)
{
   uint64_t at = el;
   for (uint32_t i = 0; i < bi; i++)
      at += s->b[i].count;
   return at;
}

static bool
compare_bit(const struct pv_descriptor_set *s, uint64_t at)
{
   return (s->compare[at / 8] >> (at % 8)) & 1;
}

/* A walk over consecutive descriptors from (binding, element), rolling
 * over bindings as writes and copies do; `at` is the current one's
 * compare bit index, which steps by one.  Each step is O(1), so a write
 * of many descriptors over many bindings stays linear. */
struct slot_walk {
   const struct pv_descriptor_set *s;
   uint32_t bi, el;
   uint64_t at;
};

static struct slot_walk
walk_start(const struct pv_descriptor_set *s, uint32_t binding, uint32_t element)
{
   struct slot_walk w = { s, 0, 0, 0 };
   locate(s, binding, element, &w.bi, &w.el);
   w.at = w.bi < s->count ? flat_at(s, w.bi, w.el) : 0;
   return w;
}

static void
walk_next(struct slot_walk *w)
{
   w->at++;
   for (w->el++; w->bi < w->s->count && w->el >= w->s->b[w->bi].count; w->bi++)
      w->el -= w->s->b[w->bi].count;
}

/* Whether a write or copy may put a sampler in the current descriptor. */
static bool
walk_at_sampler(const struct slot_walk *w)
{
   return w->s->compare && w->bi < w->s->count && holds_sampler(w->s->b[w->bi].type) &&
          !(w->s->b[w->bi].immutable & PV_IMMUTABLE_SAMPLERS);
}

/* Record which descriptors a write (already checked) gave a comparing
 * sampler, or took one from. */
static void
note_compare_writes(struct pv_dispatcher *d, struct pv_descriptor_set *s,
                    const VkWriteDescriptorSet *w)
{
   if (!s || !s->compare || w->descriptorType == VK_DESCRIPTOR_TYPE_INLINE_UNIFORM_BLOCK)
      return;
   bool samples = w->descriptorType == VK_DESCRIPTOR_TYPE_SAMPLER ||
                  w->descriptorType == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
   struct slot_walk to = walk_start(s, w->dstBinding, w->dstArrayElement);
   for (uint32_t k = 0; k < w->descriptorCount; k++, walk_next(&to))
      if (walk_at_sampler(&to))
         set_compare(s, to.at, samples && w->pImageInfo &&
                                  pv_sampler_compares(d, w->pImageInfo[k].sampler));
}

/* Copies carry compare bits along. */
static void
copy_compare(struct pv_dispatcher *d, const VkCopyDescriptorSet *c)
{
   const struct pv_descriptor_set *src = set_of(d, c->srcSet);
   struct pv_descriptor_set *dst = (struct pv_descriptor_set *)set_of(d, c->dstSet);
   if (!src || !dst || !dst->compare)
      return;
   struct slot_walk from = walk_start(src, c->srcBinding, c->srcArrayElement);
   struct slot_walk to = walk_start(dst, c->dstBinding, c->dstArrayElement);
   for (uint32_t k = 0; k < c->descriptorCount; k++, walk_next(&from), walk_next(&to))
      if (walk_at_sampler(&to))
         set_compare(dst, to.at, src->compare && from.bi < src->count &&
                                    compare_bit(src, from.at));
}

bool
pv_descriptor_set_compares(const struct pv_descriptor_set *s, uint32_t binding)
{
   if (!s->compare_count)
      return false;
   int i = find_binding(s->b, s->count, binding);
   if (i < 0)
      return false;
   uint64_t at = flat_at(s, (uint32_t)i, 0);
   for (uint32_t k = 0; k < s->b[i].count; k++)
      if (compare_bit(s, at + k))
         return true;
   return false;
}

static const VkDescriptorSetVariableDescriptorCountAllocateInfo *
variable_counts(const VkDescriptorSetAllocateInfo *ai)
{
   for (const VkBaseInStructure *s = ai->pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_DESCRIPTOR_SET_VARIABLE_DESCRIPTOR_COUNT_ALLOCATE_INFO)
         return (const VkDescriptorSetVariableDescriptorCountAllocateInfo *)s;
   }
   return NULL;
}

/* What a driver keeps per descriptor, about.  A guest can allocate sets
 * of its largest layout without end (Vulkan bounds a pool's sets, not the
 * pools), so each set's descriptors count against max_device_memory. */
#define DESCRIPTOR_BYTES 64

/* Descriptors the last binding of set `i` holds: a variable-count
 * binding (always the last) only what was allocated for the set. */
static uint32_t
last_binding_count(const struct pv_set_layout *l,
                   const VkDescriptorSetVariableDescriptorCountAllocateInfo *var, uint32_t i)
{
   uint32_t n = l->b[l->count - 1].count;
   if (var && i < var->descriptorSetCount && var->pDescriptorCounts &&
       var->pDescriptorCounts[i] < n)
      n = var->pDescriptorCounts[i];
   return n;
}

static uint64_t
set_bytes(const struct pv_set_layout *l, const VkDescriptorSetVariableDescriptorCountAllocateInfo *var,
          uint32_t i)
{
   uint64_t n = 0;
   for (uint32_t b = 0; l->count && b < l->count - 1; b++)
      n += l->b[b].count;
   if (l->count)
      n += last_binding_count(l, var, i);
   return (n + 1) * DESCRIPTOR_BYTES;
}

void
pv_handle_vkAllocateDescriptorSets(struct pv_dispatcher *d,
                                   struct pv_vkAllocateDescriptorSets_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkDescriptorSetAllocateInfo *ai = a->pAllocateInfo;
   if (!dev || !ai || !ai->pSetLayouts || !a->pDescriptorSets ||
       a->pDescriptorSets_count < ai->descriptorSetCount)
      return pv_dispatch_fail(d, "device, pAllocateInfo, pSetLayouts or pDescriptorSets is NULL");
   struct pv_set_layout **layouts = calloc(ai->descriptorSetCount + 1, sizeof(*layouts));
   for (uint32_t i = 0; layouts && i < ai->descriptorSetCount; i++) {
      layouts[i] = (struct pv_set_layout *)pv_object_table_lookup_handle(
         &d->vk->objects, VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT, (uint64_t)ai->pSetLayouts[i]);
      if (!layouts[i]) {
         free(layouts);
         return pv_dispatch_fail(d, "set layout %u is unknown", i);
      }
   }
   if (!layouts)
      return pv_dispatch_fail(d, "out of memory");
   const VkDescriptorSetVariableDescriptorCountAllocateInfo *var = variable_counts(ai);
   uint64_t total = 0;
   for (uint32_t i = 0; i < ai->descriptorSetCount; i++)
      total += set_bytes(layouts[i], var, i); /* each below 2^44: no overflow */
   if (!pv_memory_charge(d->vk, total, "descriptor sets")) {
      free(layouts);
      a->ret = VK_ERROR_OUT_OF_POOL_MEMORY;
      return;
   }
   a->ret = dev->table.AllocateDescriptorSets(dev->handle, ai, a->pDescriptorSets);
   if (a->ret != VK_SUCCESS)
      pv_memory_uncharge(d->vk, total);
   for (uint32_t i = 0; a->ret == VK_SUCCESS && i < ai->descriptorSetCount; i++) {
      uint32_t last = layouts[i]->count ? last_binding_count(layouts[i], var, i) : 0;
      struct pv_descriptor_set *s = new_set(layouts[i], last, dev, a->pDescriptorSets_ids[i],
                                            a->pDescriptorSets[i], ai->descriptorPool);
      uint64_t bytes = set_bytes(layouts[i], var, i);
      total -= bytes;
      if (s)
         s->charged = bytes;
      if (!s || !pv_dispatch_bind(d, &s->obj.base)) {
         free(s);
         pv_dispatch_fail(d, "cannot keep descriptor set %u", i);
         pv_memory_uncharge(d->vk, bytes + total); /* this set and those not reached */
         break;
      }
   }
   free(layouts);
}

/* Index of `binding` in sorted bindings bs[0..n), or -1. */
static int
find_binding(const struct pv_binding *bs, uint32_t n, uint32_t binding)
{
   for (uint32_t i = 0; i < n; i++) {
      if (bs[i].binding == binding)
         return (int)i;
   }
   return -1;
}

/* [element, element + count) from `binding` on, rolling over into the
 * following bindings of bs[0..n), all of `type` (or any type when type is
 * ~0u). */
static bool
bindings_hold(const struct pv_binding *bs, uint32_t n, uint32_t binding, uint32_t element,
              uint32_t count, uint32_t type)
{
   int i = find_binding(bs, n, binding);
   if (i < 0)
      return false;
   while (count) {
      const struct pv_binding *b = &bs[i];
      if (type != ~0u && b->type != type && b->type != MUTABLE_TYPE)
         return false;
      if (element < b->count) {
         uint32_t here = b->count - element < count ? b->count - element : count;
         count -= here;
         element = 0;
      } else {
         element -= b->count;
      }
      if (count && ++i >= (int)n)
         return false;
   }
   return true;
}

static bool
range_ok(const struct pv_descriptor_set *s, uint32_t binding, uint32_t element, uint32_t count,
         uint32_t type)
{
   return bindings_hold(s->b, s->count, binding, element, count, type);
}

/* Buffer descriptors: shaders reach [offset, offset + range) of the buffer,
 * robust access bounds them by the range only, so the range must lie in
 * the buffer, and the buffer on memory. */
static bool
buffer_infos_ok(struct pv_dispatcher *d, const VkWriteDescriptorSet *w)
{
   switch (w->descriptorType) {
   case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER:
   case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER:
   case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC:
   case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC:
      break;
   case VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER:
   case VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER:
      for (uint32_t i = 0; w->pTexelBufferView && i < w->descriptorCount; i++)
         if (w->pTexelBufferView[i] &&
             !pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_BUFFER_VIEW,
                                            (uint64_t)w->pTexelBufferView[i]))
            return pv_dispatch_fail(d, "texel buffer view %u is unknown", i), false;
      return true;
   default:
      return true;
   }
   if (!w->pBufferInfo)
      return pv_dispatch_fail(d, "pBufferInfo is NULL"), false;
   for (uint32_t i = 0; i < w->descriptorCount; i++) {
      const VkDescriptorBufferInfo *bi = &w->pBufferInfo[i];
      if (!bi->buffer)
         continue; /* nullDescriptor */
      const struct pv_buffer *b = pv_buffer_lookup(d, NULL, bi->buffer);
      if (!b)
         return false;
      VkDeviceSize range;
      if (!pv_buffer_range(b, bi->offset, bi->range, &range))
         return pv_dispatch_fail(d, "buffer descriptor %u: [%llu, +%llu) outside its %llu-byte "
                                 "buffer", i, (unsigned long long)bi->offset,
                                 (unsigned long long)bi->range, (unsigned long long)b->size),
                false;
   }
   return true;
}

static const struct pv_descriptor_set *
set_of(struct pv_dispatcher *d, VkDescriptorSet handle)
{
   return (const struct pv_descriptor_set *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_DESCRIPTOR_SET, (uint64_t)handle);
}

void
pv_handle_vkUpdateDescriptorSets(struct pv_dispatcher *d, struct pv_vkUpdateDescriptorSets_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || (a->descriptorWriteCount && !a->pDescriptorWrites) ||
       (a->descriptorCopyCount && !a->pDescriptorCopies))
      return pv_dispatch_fail(d, "device, pDescriptorWrites or pDescriptorCopies is NULL");
   for (uint32_t i = 0; i < a->descriptorWriteCount; i++) {
      const VkWriteDescriptorSet *w = &a->pDescriptorWrites[i];
      const struct pv_descriptor_set *s = set_of(d, w->dstSet);
      if (!s || !range_ok(s, w->dstBinding, w->dstArrayElement, w->descriptorCount,
                          w->descriptorType))
         return pv_dispatch_fail(d, "write %u: binding %u elements [%u, +%u) of type %d are not "
                                 "in its set", i, w->dstBinding, w->dstArrayElement,
                                 w->descriptorCount, w->descriptorType);
      if (!buffer_infos_ok(d, w))
         return;
   }
   for (uint32_t i = 0; i < a->descriptorCopyCount; i++) {
      const VkCopyDescriptorSet *c = &a->pDescriptorCopies[i];
      const struct pv_descriptor_set *src = set_of(d, c->srcSet), *dst = set_of(d, c->dstSet);
      /* Same type on both sides: drivers size the copy by the type (an
       * inline uniform block counts bytes, other bindings descriptors). */
      int sb = src ? find_binding(src->b, src->count, c->srcBinding) : -1;
      uint32_t type = sb >= 0 ? src->b[sb].type : ~0u;
      if (!src || !dst || sb < 0 ||
          !range_ok(src, c->srcBinding, c->srcArrayElement, c->descriptorCount, type) ||
          !range_ok(dst, c->dstBinding, c->dstArrayElement, c->descriptorCount, type))
         return pv_dispatch_fail(d, "copy %u: a range is not in its set, or the types differ", i);
   }
   dev->table.UpdateDescriptorSets(dev->handle, a->descriptorWriteCount, a->pDescriptorWrites,
                                   a->descriptorCopyCount, a->pDescriptorCopies);
   for (uint32_t i = 0; i < a->descriptorWriteCount; i++) {
      struct pv_descriptor_set *s =
         (struct pv_descriptor_set *)set_of(d, a->pDescriptorWrites[i].dstSet);
      note_dynamic_writes(d, s, &a->pDescriptorWrites[i]);
      note_compare_writes(d, s, &a->pDescriptorWrites[i]);
   }
   for (uint32_t i = 0; i < a->descriptorCopyCount; i++) {
      copy_dynamic_slack(d, &a->pDescriptorCopies[i]);
      copy_compare(d, &a->pDescriptorCopies[i]);
   }
}

/* Copies carry dynamic descriptors' slack along. */
static void
copy_dynamic_slack(struct pv_dispatcher *d, const VkCopyDescriptorSet *c)
{
   const struct pv_descriptor_set *src = set_of(d, c->srcSet);
   struct pv_descriptor_set *dst = (struct pv_descriptor_set *)set_of(d, c->dstSet);
   for (uint32_t k = 0; src && dst && k < c->descriptorCount; k++) {
      int64_t to = dyn_slot(dst, c->dstBinding, c->dstArrayElement + k);
      int64_t from = dyn_slot(src, c->srcBinding, c->srcArrayElement + k);
      if (to >= 0)
         dst->dyn_slack[to] = from >= 0 ? src->dyn_slack[from] : PV_SLACK_UNKNOWN;
   }
}

/* Dynamic offsets: one per dynamic descriptor of the bound sets, each
 * keeping its descriptor's range inside the buffer (lavapipe adds the
 * offset to the range's start and reads or writes there). */
void
pv_handle_vkCmdBindDescriptorSets(struct pv_dispatcher *d,
                                  struct pv_vkCmdBindDescriptorSets_args *a)
{
   struct pv_device *dev = pv_gen_device(d, a->commandBuffer_obj,
                                         offsetof(struct pv_vk_device_table, CmdBindDescriptorSets));
   if (!dev)
      return;
   uint32_t at = 0;
   for (uint32_t i = 0; a->pDescriptorSets_objs && i < a->descriptorSetCount; i++) {
      const struct pv_descriptor_set *s = (const struct pv_descriptor_set *)a->pDescriptorSets_objs[i];
      for (uint32_t j = 0; s && j < s->dyn_count; j++, at++) {
         if (at >= a->dynamicOffsetCount)
            return pv_dispatch_fail(d, "%u dynamic offsets for more dynamic descriptors",
                                    a->dynamicOffsetCount);
         if (s->dyn_slack[j] != PV_SLACK_UNKNOWN && a->pDynamicOffsets[at] > s->dyn_slack[j])
            return pv_dispatch_fail(d, "dynamic offset %u (%u) moves set %u's descriptor past its "
                                    "buffer", at, a->pDynamicOffsets[at], a->firstSet + i);
      }
   }
   if (at != a->dynamicOffsetCount)
      return pv_dispatch_fail(d, "%u dynamic offsets for %u dynamic descriptors",
                              a->dynamicOffsetCount, at);
   dev->table.CmdBindDescriptorSets(a->commandBuffer, a->pipelineBindPoint, a->layout,
                                    a->firstSet, a->descriptorSetCount, a->pDescriptorSets,
                                    a->dynamicOffsetCount, a->pDynamicOffsets);
}

/* Push descriptors write straight into the set `set` of a pipeline layout:
 * the same checks as vkUpdateDescriptorSets, against the layout's copy. */
void
pv_handle_vkCmdPushDescriptorSet(struct pv_dispatcher *d, struct pv_vkCmdPushDescriptorSet_args *a)
{
   struct pv_device *dev = pv_gen_device(d, a->commandBuffer_obj,
                                         offsetof(struct pv_vk_device_table, CmdPushDescriptorSet));
   if (!dev)
      return;
   const struct pv_pipeline_layout *l = (const struct pv_pipeline_layout *)a->layout_obj;
   if (!l || a->set >= l->set_count || !l->sets[a->set].present ||
       (a->descriptorWriteCount && !a->pDescriptorWrites))
      return pv_dispatch_fail(d, "set %u is not in the pipeline layout", a->set);
   const struct pv_layout_set *s = &l->sets[a->set];
   for (uint32_t i = 0; i < a->descriptorWriteCount; i++) {
      const VkWriteDescriptorSet *w = &a->pDescriptorWrites[i];
      if (!bindings_hold(l->b + s->first, s->count, w->dstBinding, w->dstArrayElement,
                         w->descriptorCount, w->descriptorType))
         return pv_dispatch_fail(d, "write %u: binding %u elements [%u, +%u) are not in set %u",
                                 i, w->dstBinding, w->dstArrayElement, w->descriptorCount, a->set);
      if (!buffer_infos_ok(d, w))
         return;
   }
   dev->table.CmdPushDescriptorSet(a->commandBuffer, a->pipelineBindPoint, a->layout, a->set,
                                   a->descriptorWriteCount, a->pDescriptorWrites);
}

/* A texel buffer view reaches [offset, offset + range) of a bound buffer. */
void
pv_handle_vkCreateBufferView(struct pv_dispatcher *d, struct pv_vkCreateBufferView_args *a)
{
   struct pv_device *dev = pv_gen_device(d, a->device_obj,
                                         offsetof(struct pv_vk_device_table, CreateBufferView));
   if (!dev)
      return;
   const VkBufferViewCreateInfo *ci = a->pCreateInfo;
   const struct pv_buffer *b = pv_buffer_lookup(d, NULL, ci->buffer);
   if (!b)
      return;
   VkDeviceSize range;
   if (ci->offset >= b->size || !pv_buffer_range(b, ci->offset, ci->range, &range))
      return pv_dispatch_fail(d, "buffer view [%llu, +%llu) outside its %llu-byte buffer",
                              (unsigned long long)ci->offset, (unsigned long long)ci->range,
                              (unsigned long long)b->size);
   a->ret = dev->table.CreateBufferView(dev->handle, ci, NULL, a->pView);
   pv_gen_bind(d, dev, a->ret, VK_OBJECT_TYPE_BUFFER_VIEW, a->pView_ids, a->pView,
               sizeof(*a->pView), a->pView_count, 0);
}
