/*
 * descriptor_limits.c — descriptors per shader stage against the device's
 * per-stage limits.
 *
 * Drivers size per-stage binding tables from these limits and fill them
 * with running counts: lavapipe keeps eight inline uniform block sizes per
 * stage in its set layout and writes the ninth past them.  The spec holds
 * pipeline layouts to the limits; a set layout past one can be part of no
 * valid pipeline layout, so set layouts are held to them as well.
 */
#include "renderer/objects/descriptor_limits.h"

#include <stddef.h>
#include <string.h>

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

static const char *const class_names[PV_DC_COUNT] = {
   "samplers", "uniform buffers", "storage buffers", "sampled images",
   "storage images", "input attachments", "inline uniform blocks",
};

/* Where each limit is read from: the VkPhysicalDeviceLimits, the inline
 * uniform block properties or the descriptor indexing properties (the
 * update-after-bind limits), at the offset of its field, every one a
 * uint32_t.  The four limits of a class are named alike:
 * maxPerStageDescriptor[UpdateAfterBind]X, maxDescriptorSet[UpdateAfterBind]X. */
enum limit_src { FROM_LIMITS, FROM_IUB, FROM_DI };

struct limit_field {
   uint8_t src; /* enum limit_src */
   uint16_t offset;
};

#define LIM(f) { FROM_LIMITS, offsetof(VkPhysicalDeviceLimits, f) }
#define IUB(f) { FROM_IUB, offsetof(VkPhysicalDeviceInlineUniformBlockProperties, f) }
#define DI(f) { FROM_DI, offsetof(VkPhysicalDeviceDescriptorIndexingProperties, f) }
#define CLASS(X, ORDINARY, AFTER_BIND)                                                      \
   { { ORDINARY(maxPerStageDescriptor##X), AFTER_BIND(maxPerStageDescriptorUpdateAfterBind##X) }, \
     { ORDINARY(maxDescriptorSet##X), AFTER_BIND(maxDescriptorSetUpdateAfterBind##X) } }

/* [class][per stage, per set][ordinary, update-after-bind] */
static const struct limit_field limit_fields[PV_DC_COUNT][2][2] = {
   [PV_DC_SAMPLERS] = CLASS(Samplers, LIM, DI),
   [PV_DC_UNIFORM_BUFFERS] = CLASS(UniformBuffers, LIM, DI),
   [PV_DC_STORAGE_BUFFERS] = CLASS(StorageBuffers, LIM, DI),
   [PV_DC_SAMPLED_IMAGES] = CLASS(SampledImages, LIM, DI),
   [PV_DC_STORAGE_IMAGES] = CLASS(StorageImages, LIM, DI),
   [PV_DC_INPUT_ATTACHMENTS] = CLASS(InputAttachments, LIM, DI),
   [PV_DC_INLINE_BLOCKS] = CLASS(InlineUniformBlocks, IUB, IUB),
};

static uint32_t
limit_of(const void *const src[3], struct limit_field f)
{
   uint32_t v;
   memcpy(&v, (const char *)src[f.src] + f.offset, sizeof(v));
   return v;
}

void
pv_descriptor_limits_query(struct pv_physical_device *pdev)
{
   const VkPhysicalDeviceLimits *l = &pdev->props.limits;
   struct pv_descriptor_limits *dl = &pdev->desc_limits;
   VkPhysicalDeviceInlineUniformBlockProperties iub = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_INLINE_UNIFORM_BLOCK_PROPERTIES };
   VkPhysicalDeviceDescriptorIndexingProperties di = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DESCRIPTOR_INDEXING_PROPERTIES };
   VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2 };
   bool has_iub = pdev->props.apiVersion >= VK_API_VERSION_1_3 ||
                  pv_physical_device_offers(pdev, "VK_EXT_inline_uniform_block");
   bool has_di = pdev->props.apiVersion >= VK_API_VERSION_1_2 ||
                 pv_physical_device_offers(pdev, "VK_EXT_descriptor_indexing");
   if (has_iub) {
      iub.pNext = p2.pNext;
      p2.pNext = &iub;
   }
   if (has_di) {
      di.pNext = p2.pNext;
      p2.pNext = &di;
   }
   if (p2.pNext && pdev->props.apiVersion >= VK_API_VERSION_1_1)
      vkGetPhysicalDeviceProperties2(pdev->handle, &p2);
   const void *src[] = { l, &iub, &di };
   uint32_t *r = dl->per_stage[0], *u = dl->per_stage[1];
   uint32_t *rs = dl->per_set[0], *us = dl->per_set[1];
   for (unsigned c = 0; c < PV_DC_COUNT; c++) {
      r[c] = limit_of(src, limit_fields[c][0][0]);
      u[c] = limit_of(src, limit_fields[c][0][1]);
      rs[c] = limit_of(src, limit_fields[c][1][0]);
      us[c] = limit_of(src, limit_fields[c][1][1]);
      /* lavapipe (Mesa 22.3) sizes its per-stage state by the ordinary
       * limits even for update-after-bind layouts: on CPU devices those
       * hold for every layout.  Elsewhere the update-after-bind limits are
       * never below the ordinary ones. */
      if (pdev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU || u[c] < r[c])
         u[c] = r[c];
      if (pdev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU || us[c] < rs[c])
         us[c] = rs[c];
   }
   dl->max_inline_block = iub.maxInlineUniformBlockSize;
}

static unsigned
classes_of(VkDescriptorType type, enum pv_desc_class out[2])
{
   switch (type) {
   case VK_DESCRIPTOR_TYPE_SAMPLER:
      out[0] = PV_DC_SAMPLERS;
      return 1;
   case VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER:
      out[0] = PV_DC_SAMPLERS;
      out[1] = PV_DC_SAMPLED_IMAGES;
      return 2;
   case VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE:
   case VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER:
      out[0] = PV_DC_SAMPLED_IMAGES;
      return 1;
   case VK_DESCRIPTOR_TYPE_STORAGE_IMAGE:
   case VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER:
      out[0] = PV_DC_STORAGE_IMAGES;
      return 1;
   case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER:
   case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC:
      out[0] = PV_DC_UNIFORM_BUFFERS;
      return 1;
   case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER:
   case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC:
      out[0] = PV_DC_STORAGE_BUFFERS;
      return 1;
   case VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT:
      out[0] = PV_DC_INPUT_ATTACHMENTS;
      return 1;
   case VK_DESCRIPTOR_TYPE_INLINE_UNIFORM_BLOCK:
      out[0] = PV_DC_INLINE_BLOCKS;
      return 1;
   default:
      return 0;
   }
}

bool
pv_tally_binding(struct pv_dispatcher *d, const struct pv_physical_device *pdev,
                 struct pv_stage_tally *t, const VkDescriptorSetLayoutBinding *b)
{
   enum pv_desc_class cls[2];
   unsigned n = classes_of(b->descriptorType, cls);
   uint64_t count = b->descriptorCount;
   if (b->binding >= PV_MAX_BINDING_NUMBER)
      return pv_dispatch_fail(d, "binding number %u (numbers stay below %u)", b->binding,
                              PV_MAX_BINDING_NUMBER), false;
   if (b->descriptorType == VK_DESCRIPTOR_TYPE_INLINE_UNIFORM_BLOCK) {
      /* descriptorCount is the block's size in bytes; it takes one slot */
      if (count % 4 || count > pdev->desc_limits.max_inline_block)
         return pv_dispatch_fail(d, "binding %u: an inline uniform block of %u bytes (the "
                                 "device holds %u, in multiples of 4)", b->binding,
                                 b->descriptorCount, pdev->desc_limits.max_inline_block),
                false;
      count = count ? 1 : 0;
   }
   for (unsigned i = 0; i < n; i++)
      t->total[cls[i]] += count;
   for (unsigned s = 0; s < PV_TALLY_STAGES; s++)
      if (b->stageFlags & (1u << s))
         for (unsigned i = 0; i < n; i++)
            t->n[s][cls[i]] += count;
   return true;
}

void
pv_tally_add(struct pv_stage_tally *t, const struct pv_stage_tally *u)
{
   for (unsigned c = 0; c < PV_DC_COUNT; c++)
      t->total[c] += u->total[c];
   for (unsigned s = 0; s < PV_TALLY_STAGES; s++)
      for (unsigned c = 0; c < PV_DC_COUNT; c++)
         t->n[s][c] += u->n[s][c];
}

bool
pv_tally_ok(struct pv_dispatcher *d, const struct pv_physical_device *pdev,
            const struct pv_stage_tally *t, unsigned which, const char *what)
{
   const uint32_t *max = pdev->desc_limits.per_stage[which];
   const uint32_t *set_max = pdev->desc_limits.per_set[which];
   for (unsigned c = 0; c < PV_DC_COUNT; c++)
      if (t->total[c] > set_max[c])
         return pv_dispatch_fail(d, "%s: %llu %s in all, the device's limit is %u", what,
                                 (unsigned long long)t->total[c], class_names[c], set_max[c]),
                false;
   for (unsigned s = 0; s < PV_TALLY_STAGES; s++)
      for (unsigned c = 0; c < PV_DC_COUNT; c++)
         if (t->n[s][c] > max[c])
            return pv_dispatch_fail(d, "%s: %llu %s in stage 0x%x, the device's limit is %u",
                                    what, (unsigned long long)t->n[s][c], class_names[c],
                                    1u << s, max[c]),
                   false;
   return true;
}
