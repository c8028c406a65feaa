/* native.c — see native.h. */
#include "tests/e2e/native.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define E(st, T, ext, api) { VK_STRUCTURE_TYPE_##st, sizeof(T), ext, api }

const struct e2e_chain_entry e2e_property_entries[] = {
   E(PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES, VkPhysicalDeviceVulkan11Properties, NULL, VK_API_VERSION_1_2),
   E(PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES, VkPhysicalDeviceVulkan12Properties, NULL, VK_API_VERSION_1_2),
   E(PHYSICAL_DEVICE_VULKAN_1_3_PROPERTIES, VkPhysicalDeviceVulkan13Properties, NULL, VK_API_VERSION_1_3),
   E(PHYSICAL_DEVICE_DRIVER_PROPERTIES, VkPhysicalDeviceDriverProperties, NULL, VK_API_VERSION_1_2),
   E(PHYSICAL_DEVICE_ID_PROPERTIES, VkPhysicalDeviceIDProperties, NULL, VK_API_VERSION_1_1),
   E(PHYSICAL_DEVICE_SUBGROUP_PROPERTIES, VkPhysicalDeviceSubgroupProperties, NULL, VK_API_VERSION_1_1),
   E(PHYSICAL_DEVICE_PUSH_DESCRIPTOR_PROPERTIES_KHR, VkPhysicalDevicePushDescriptorPropertiesKHR,
     "VK_KHR_push_descriptor", 0),
   E(PHYSICAL_DEVICE_LINE_RASTERIZATION_PROPERTIES_EXT, VkPhysicalDeviceLineRasterizationPropertiesEXT,
     "VK_EXT_line_rasterization", 0),
   E(PHYSICAL_DEVICE_TRANSFORM_FEEDBACK_PROPERTIES_EXT, VkPhysicalDeviceTransformFeedbackPropertiesEXT,
     "VK_EXT_transform_feedback", 0),
   E(PHYSICAL_DEVICE_VERTEX_ATTRIBUTE_DIVISOR_PROPERTIES_EXT,
     VkPhysicalDeviceVertexAttributeDivisorPropertiesEXT, "VK_EXT_vertex_attribute_divisor", 0),
   E(PHYSICAL_DEVICE_MULTI_DRAW_PROPERTIES_EXT, VkPhysicalDeviceMultiDrawPropertiesEXT,
     "VK_EXT_multi_draw", 0),
   E(PHYSICAL_DEVICE_PROVOKING_VERTEX_PROPERTIES_EXT, VkPhysicalDeviceProvokingVertexPropertiesEXT,
     "VK_EXT_provoking_vertex", 0),
   E(PHYSICAL_DEVICE_CUSTOM_BORDER_COLOR_PROPERTIES_EXT, VkPhysicalDeviceCustomBorderColorPropertiesEXT,
     "VK_EXT_custom_border_color", 0),
   E(PHYSICAL_DEVICE_ROBUSTNESS_2_PROPERTIES_EXT, VkPhysicalDeviceRobustness2PropertiesEXT,
     "VK_EXT_robustness2", 0),
   E(PHYSICAL_DEVICE_GRAPHICS_PIPELINE_LIBRARY_PROPERTIES_EXT,
     VkPhysicalDeviceGraphicsPipelineLibraryPropertiesEXT, "VK_EXT_graphics_pipeline_library", 0),
};
const unsigned e2e_property_entry_count =
   sizeof(e2e_property_entries) / sizeof(e2e_property_entries[0]);

const struct e2e_chain_entry e2e_feature_entries[] = {
   E(PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, VkPhysicalDeviceVulkan11Features, NULL, VK_API_VERSION_1_2),
   E(PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, VkPhysicalDeviceVulkan12Features, NULL, VK_API_VERSION_1_2),
   E(PHYSICAL_DEVICE_VULKAN_1_3_FEATURES, VkPhysicalDeviceVulkan13Features, NULL, VK_API_VERSION_1_3),
   E(PHYSICAL_DEVICE_CUSTOM_BORDER_COLOR_FEATURES_EXT, VkPhysicalDeviceCustomBorderColorFeaturesEXT,
     "VK_EXT_custom_border_color", 0),
   E(PHYSICAL_DEVICE_ROBUSTNESS_2_FEATURES_EXT, VkPhysicalDeviceRobustness2FeaturesEXT,
     "VK_EXT_robustness2", 0),
   E(PHYSICAL_DEVICE_LINE_RASTERIZATION_FEATURES_EXT, VkPhysicalDeviceLineRasterizationFeaturesEXT,
     "VK_EXT_line_rasterization", 0),
   E(PHYSICAL_DEVICE_PROVOKING_VERTEX_FEATURES_EXT, VkPhysicalDeviceProvokingVertexFeaturesEXT,
     "VK_EXT_provoking_vertex", 0),
   E(PHYSICAL_DEVICE_TRANSFORM_FEEDBACK_FEATURES_EXT, VkPhysicalDeviceTransformFeedbackFeaturesEXT,
     "VK_EXT_transform_feedback", 0),
   E(PHYSICAL_DEVICE_MULTI_DRAW_FEATURES_EXT, VkPhysicalDeviceMultiDrawFeaturesEXT,
     "VK_EXT_multi_draw", 0),
   E(PHYSICAL_DEVICE_INDEX_TYPE_UINT8_FEATURES_EXT, VkPhysicalDeviceIndexTypeUint8FeaturesEXT,
     "VK_EXT_index_type_uint8", 0),
   E(PHYSICAL_DEVICE_EXTENDED_DYNAMIC_STATE_2_FEATURES_EXT,
     VkPhysicalDeviceExtendedDynamicState2FeaturesEXT, "VK_EXT_extended_dynamic_state2", 0),
   E(PHYSICAL_DEVICE_COLOR_WRITE_ENABLE_FEATURES_EXT, VkPhysicalDeviceColorWriteEnableFeaturesEXT,
     "VK_EXT_color_write_enable", 0),
};
const unsigned e2e_feature_entry_count = sizeof(e2e_feature_entries) / sizeof(e2e_feature_entries[0]);

bool
e2e_has_ext(const VkExtensionProperties *e, uint32_t n, const char *name)
{
   for (uint32_t i = 0; i < n; i++) {
      if (!strcmp(e[i].extensionName, name))
         return true;
   }
   return false;
}

void
e2e_chain_build(struct e2e_chain *ch, const struct e2e_chain_entry *entries, unsigned n,
                uint32_t api, const VkExtensionProperties *exts, uint32_t ext_count)
{
   memset(ch, 0, sizeof(*ch));
   VkBaseOutStructure *prev = NULL;
   for (unsigned i = 0; i < n && ch->count < 32; i++) {
      const struct e2e_chain_entry *e = &entries[i];
      if (e->ext ? !e2e_has_ext(exts, ext_count, e->ext) : api < e->min_api)
         continue;
      VkBaseOutStructure *s = calloc(1, e->size);
      if (!s)
         continue;
      s->sType = e->stype;
      if (prev)
         prev->pNext = s;
      else
         ch->head = s;
      prev = s;
      ch->sizes[ch->count] = e->size;
      ch->nodes[ch->count++] = s;
   }
}

void
e2e_chain_free(struct e2e_chain *ch)
{
   for (unsigned i = 0; i < ch->count; i++)
      free(ch->nodes[i]);
   memset(ch, 0, sizeof(*ch));
}

/* ---- native queries ---------------------------------------------------------- */

static VkInstance native_instance;
static VkPhysicalDevice native_pdev;

int
e2e_native_query(struct e2e_native *n)
{
   memset(n, 0, sizeof(*n));
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .apiVersion = VK_API_VERSION_1_3 };
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pApplicationInfo = &app };
   if (vkCreateInstance(&ci, NULL, &native_instance) != VK_SUCCESS)
      return -1;
   uint32_t count = 1;
   VkResult r = vkEnumeratePhysicalDevices(native_instance, &count, &native_pdev);
   if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || !count)
      return -1;
   vkGetPhysicalDeviceProperties(native_pdev, &n->props);
   vkGetPhysicalDeviceFeatures(native_pdev, &n->features);
   vkEnumerateDeviceExtensionProperties(native_pdev, NULL, &n->ext_count, NULL);
   n->exts = calloc(n->ext_count ? n->ext_count : 1, sizeof(*n->exts));
   if (!n->exts ||
       vkEnumerateDeviceExtensionProperties(native_pdev, NULL, &n->ext_count, n->exts) != VK_SUCCESS)
      return -1;
   n->fam_count = 16;
   vkGetPhysicalDeviceQueueFamilyProperties(native_pdev, &n->fam_count, n->fams);
   vkGetPhysicalDeviceMemoryProperties(native_pdev, &n->mem);
   return 0;
}

void
e2e_native_fill_chains(struct e2e_native *n, const VkExtensionProperties *offered,
                       uint32_t offered_count)
{
   e2e_chain_build(&n->props_chain, e2e_property_entries, e2e_property_entry_count,
                   n->props.apiVersion, offered, offered_count);
   e2e_chain_build(&n->features_chain, e2e_feature_entries, e2e_feature_entry_count,
                   n->props.apiVersion, offered, offered_count);
   VkPhysicalDeviceProperties2 p = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                     .pNext = n->props_chain.head };
   vkGetPhysicalDeviceProperties2(native_pdev, &p);
   VkPhysicalDeviceFeatures2 f = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                   .pNext = n->features_chain.head };
   vkGetPhysicalDeviceFeatures2(native_pdev, &f);
}

void
e2e_native_free(struct e2e_native *n)
{
   e2e_chain_free(&n->props_chain);
   e2e_chain_free(&n->features_chain);
   free(n->exts);
   if (native_instance)
      vkDestroyInstance(native_instance, NULL);
   native_instance = NULL;
   memset(n, 0, sizeof(*n));
}

/* ---- field-by-field comparison ------------------------------------------------- */

static const struct pv_cs_struct *
find_ext(const struct pv_cs_struct *root, int32_t stype)
{
   for (unsigned i = 0; i < root->ext_count; i++) {
      const struct pv_cs_struct *s = &pv_cs_structs[pv_cs_pnext[root->ext_first + i]];
      if (s->stype == stype)
         return s;
   }
   return NULL;
}

static void *
load_ptr(const void *p)
{
   void *v;
   memcpy(&v, p, sizeof(v));
   return v;
}

static uint64_t
as_u64(const uint8_t *p, unsigned size)
{
   uint64_t v = 0;
   memcpy(&v, p, size < 8 ? size : 8);
   return v;
}

static int compare_struct(struct e2e_log *lg, const char *path, const struct pv_cs_struct *s,
                          const uint8_t *a, const uint8_t *b, bool chain, unsigned depth);

static int
compare_elem(struct e2e_log *lg, const char *path, const struct pv_cs_member *m, const uint8_t *a,
             const uint8_t *b, unsigned depth)
{
   if (m->kind == PV_CS_K_STRUCT)
      return compare_struct(lg, path, &pv_cs_structs[m->type], a, b, true, depth + 1);
   if (!memcmp(a, b, m->elem_size))
      return 0;
   fprintf(stderr, "%s: %s differs: guest 0x%" PRIx64 ", native 0x%" PRIx64 "\n", lg->name, path,
           as_u64(a, m->elem_size), as_u64(b, m->elem_size));
   return 1;
}

static int
compare_struct(struct e2e_log *lg, const char *path, const struct pv_cs_struct *s, const uint8_t *a,
               const uint8_t *b, bool chain, unsigned depth)
{
   const struct pv_cs_member *sib = &pv_cs_members[s->first];
   char sub[256];
   int diffs = 0;
   if (depth > 8)
      return 0;
   for (unsigned i = 0; i < s->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      snprintf(sub, sizeof(sub), "%s.%s", path, m->name);
      switch (m->shape) {
      case PV_CS_S_STYPE:
         if (memcmp(a + m->offset, b + m->offset, 4)) {
            fprintf(stderr, "%s: %s differs\n", lg->name, sub);
            diffs++;
         }
         break;
      case PV_CS_S_VALUE:
         diffs += compare_elem(lg, sub, m, a + m->offset, b + m->offset, depth);
         break;
      case PV_CS_S_FIXED:
         if (m->kind == PV_CS_K_U8) {
            if (memcmp(a + m->offset, b + m->offset, m->len_const)) {
               fprintf(stderr, "%s: %s differs\n", lg->name, sub);
               diffs++;
            }
            break;
         }
         for (uint32_t k = 0; k < m->len_const; k++) {
            snprintf(sub, sizeof(sub), "%s.%s[%u]", path, m->name, k);
            diffs += compare_elem(lg, sub, m, a + m->offset + (size_t)k * m->elem_size,
                                  b + m->offset + (size_t)k * m->elem_size, depth);
         }
         break;
      case PV_CS_S_PNEXT:
         if (!chain)
            break;
         for (const VkBaseOutStructure *an = load_ptr(a + m->offset); an; an = an->pNext) {
            const VkBaseOutStructure *bn = load_ptr(b + m->offset);
            while (bn && bn->sType != an->sType)
               bn = bn->pNext;
            const struct pv_cs_struct *ext = find_ext(s, an->sType);
            if (!bn || !ext) {
               fprintf(stderr, "%s: %s: no native counterpart for sType %d\n", lg->name, path,
                       an->sType);
               diffs++;
               continue;
            }
            diffs += compare_struct(lg, ext->name, ext, (const uint8_t *)an,
                                    (const uint8_t *)bn, false, depth + 1);
         }
         break;
      default:
         break; /* pointers inside properties: not compared */
      }
   }
   return diffs;
}

int
e2e_compare_param(struct e2e_log *lg, uint32_t cmd_id, const char *param, const void *a,
                  const void *b)
{
   const struct pv_cs_command_info *info = pv_cs_command_info(cmd_id);
   if (!info)
      return 1;
   for (unsigned i = 0; i < info->count; i++) {
      const struct pv_cs_member *m = &pv_cs_members[info->first + i];
      if (strcmp(m->name, param) || m->kind != PV_CS_K_STRUCT)
         continue;
      const struct pv_cs_struct *s = &pv_cs_structs[m->type];
      return compare_struct(lg, s->name, s, a, b, true, 0);
   }
   fprintf(stderr, "%s: %s has no struct parameter %s\n", lg->name, info->name, param);
   return 1;
}
