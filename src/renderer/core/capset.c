/*
 * capset.c — the Venus capset (docs/PROTOCOL.md §2, §12, §14 M3/M4).
 *
 * Layout: 40 native-endian uint32 words, 160 bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <vulkan/vulkan_core.h>

#include "cs/pv_cs_desc.h"
#include "renderer/core/context.h"

enum {
   CAPSET_WIRE_FORMAT = 0,
   CAPSET_VK_XML_VERSION = 1,
   CAPSET_CMD_SERIALIZATION_SPEC = 2,
   CAPSET_VENUS_PROTOCOL_SPEC = 3,
   CAPSET_SUPPORTS_BLOB_ID_0 = 4,
   CAPSET_EXTENSION_MASK = 5, /* 32 words */
   CAPSET_ALLOW_VK_WAIT_SYNCS = 37,
   CAPSET_MULTIPLE_TIMELINES = 38,
   CAPSET_USE_GUEST_VRAM = 39,
   CAPSET_WORDS = 40,
};

_Static_assert(CAPSET_WORDS * 4 == PV_CAPSET_VENUS_SIZE, "Venus capset is 160 bytes");
_Static_assert(CAPSET_ALLOW_VK_WAIT_SYNCS * 4 == 148, "allow_vk_wait_syncs at byte 148");

/* The vk.xml version and extension mask of the protocol code we were
 * generated with: the guest then sends exactly the structs we decode. */
static void
protocol_info(uint32_t *vk_xml_version, uint32_t mask[32])
{
   *vk_xml_version = pv_cs_vk_xml_version;
   memcpy(mask, pv_cs_extension_mask, 32 * sizeof(uint32_t));
}

static void
fill_venus_capset(uint32_t w[CAPSET_WORDS])
{
   memset(w, 0, CAPSET_WORDS * sizeof(uint32_t));
   w[CAPSET_WIRE_FORMAT] = 1;
   protocol_info(&w[CAPSET_VK_XML_VERSION], &w[CAPSET_EXTENSION_MASK]);
   w[CAPSET_CMD_SERIALIZATION_SPEC] = 1;
   /*
    * VK_MESA_venus_protocol spec version (§14 M4).  The guest clamps it to
    * its own.  >= 2 obliges us to decode VkRingPriorityInfoMESA in
    * vkCreateRingMESA; >= 3 makes the guest pass VK_EXT_host_image_copy
    * through and send vkCopyImageToMemoryMESA / vkCopyMemoryToImageMESA
    * (297/298), so the decoder must handle them or the device extension
    * list must drop VK_EXT_host_image_copy.  Below 3 the guest caps the
    * device at Vulkan 1.3.
    */
   w[CAPSET_VENUS_PROTOCOL_SPEC] = 3;
   /* Mesa >= 24.1 relies on these three without checking (§2). */
   w[CAPSET_SUPPORTS_BLOB_ID_0] = 1;
   w[CAPSET_ALLOW_VK_WAIT_SYNCS] = 1;
   w[CAPSET_MULTIPLE_TIMELINES] = 1;
   /* Only the virtio-gpu guest backend reads it; we can map host pages. */
   w[CAPSET_USE_GUEST_VRAM] = 0;
}

PV_API int
pv_renderer_get_capset(struct pv_renderer *r, uint32_t capset_id, uint32_t version, void *buf,
                       size_t *size)
{
   if (!r || !size)
      return -EINVAL;
   if (capset_id != PV_CAPSET_VENUS || version > PV_CAPSET_VENUS_MAX_VERSION) {
      pv_debug(&r->log, "capset %u version %u is not served", capset_id, version);
      return -EINVAL;
   }
   size_t cap = *size;
   *size = PV_CAPSET_VENUS_SIZE;
   if (!buf)
      return 0;
   if (cap < PV_CAPSET_VENUS_SIZE)
      return -ENOSPC;
   uint32_t w[CAPSET_WORDS];
   fill_venus_capset(w);
   memcpy(buf, w, sizeof(w));
   return 0;
}
