/*
 * test_strict — what the decoder rejects besides malformed bytes
 * (pv_cs_desc.h, PV_CS_F_REQUIRED / enum_index): a NULL where vk.xml
 * requires a pointer, string, handle or (with a non-zero count) array, and
 * an enum value the registry does not define.  Each case is encoded with
 * the client encoder, must decode when valid, and must fail with an error
 * naming the command and the field when not.
 */
#include <string.h>

#include "pv_test_util.h"

static _Alignas(16) uint8_t host_args[1 << 14];
static uint8_t buf[4096];

/* Encodes args as command `id` and decodes it on the host side; returns
 * NULL if it decoded completely, else the decoder's error (copied). */
static const char *
roundtrip(uint32_t id, const void *args)
{
   static char err[PV_CS_ERROR_MAX];
   const struct pv_cs_command_info *info = pv_cs_command_info(id);
   struct pv_test_objects objs = { 0 };
   struct pv_cs_encoder enc;
   struct pv_cs_decoder dec;
   uint32_t type, flags;
   PV_CHECK(info, "command %u not generated", id);
   pv_cs_encoder_init(&enc, buf, sizeof(buf));
   PV_CHECK(pv_cs_encode_command(&enc, info, 0, args), "encode %s: %s", info->name, enc.error);
   pv_cs_decoder_init(&dec, buf, enc.pos, pv_test_lookup, &objs);
   PV_CHECK(pv_cs_read_command_header(&dec, &type, &flags) && type == id, "header");
   bool ok = pv_cs_decode_args(&dec, info, host_args);
   const char *ret = NULL;
   if (!ok) {
      snprintf(err, sizeof(err), "%s", pv_cs_decoder_error(&dec));
      ret = err;
   } else {
      PV_CHECK(pv_cs_decoder_remaining(&dec) == 0, "%s: bytes left", info->name);
   }
   pv_cs_decoder_fini(&dec);
   return ret;
}

static void
expect_ok(const char *what, uint32_t id, const void *args)
{
   const char *err = roundtrip(id, args);
   PV_CHECK(!err, "%s: rejected: %s", what, err);
   printf("ok   %-52s decodes\n", what);
}

/* Must fail, and the error must mention every word of `needles`. */
static void
expect_reject(const char *what, uint32_t id, const void *args, const char *const *needles)
{
   const char *err = roundtrip(id, args);
   PV_CHECK(err, "%s: accepted", what);
   for (; *needles; needles++)
      PV_CHECK(strstr(err, *needles), "%s: error '%s' does not name '%s'", what, err, *needles);
   printf("ok   %-52s rejected: %s\n", what, err);
}

static void
bind_vertex_buffers(void)
{
   VkBuffer bufs[2] = { (VkBuffer)(uintptr_t)7, (VkBuffer)(uintptr_t)8 };
   VkDeviceSize offs[2] = { 0, 256 };
   struct pv_vkCmdBindVertexBuffers_args a = {
      .commandBuffer = (VkCommandBuffer)(uintptr_t)3, .firstBinding = 0, .bindingCount = 2,
      .pBuffers = bufs, .pOffsets = offs,
   };
   expect_ok("vkCmdBindVertexBuffers, 2 buffers", PV_CMD_vkCmdBindVertexBuffers, &a);
   a.pBuffers = NULL;
   expect_reject("vkCmdBindVertexBuffers, bindingCount 2, pBuffers NULL",
                 PV_CMD_vkCmdBindVertexBuffers, &a,
                 (const char *const[]){ "vkCmdBindVertexBuffers", "pBuffers", "NULL", NULL });
   a.pBuffers = bufs;
   a.pOffsets = NULL;
   expect_reject("vkCmdBindVertexBuffers, bindingCount 2, pOffsets NULL",
                 PV_CMD_vkCmdBindVertexBuffers, &a,
                 (const char *const[]){ "vkCmdBindVertexBuffers", "pOffsets", NULL });
   a.bindingCount = 0;
   a.pBuffers = NULL;
   expect_ok("vkCmdBindVertexBuffers, bindingCount 0, NULL arrays",
             PV_CMD_vkCmdBindVertexBuffers, &a);
   /* a NULL command buffer (dispatchable handle) is never valid */
   a.commandBuffer = VK_NULL_HANDLE;
   expect_reject("vkCmdBindVertexBuffers, commandBuffer VK_NULL_HANDLE",
                 PV_CMD_vkCmdBindVertexBuffers, &a,
                 (const char *const[]){ "vkCmdBindVertexBuffers", "commandBuffer", NULL });
}

static void
create_image(void)
{
   VkImageCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { 64, 64, 1 }, .mipLevels = 1,
      .arrayLayers = 1, .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = VK_IMAGE_USAGE_SAMPLED_BIT, .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
      .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
   };
   VkImage img = VK_NULL_HANDLE;
   uint64_t id = 42;
   struct pv_vkCreateImage_args a = {
      .device = (VkDevice)(uintptr_t)9, .pCreateInfo = &ci, .pImage = &img,
      .pImage_ids = &id, .pImage_count = 1,
   };
   expect_ok("vkCreateImage, R8G8B8A8_UNORM", PV_CMD_vkCreateImage, &a);
   ci.format = (VkFormat)0x7fff0000;
   expect_reject("vkCreateImage, format 0x7fff0000", PV_CMD_vkCreateImage, &a,
                 (const char *const[]){ "VkImageCreateInfo", "format", "VkFormat", NULL });
   ci.format = (VkFormat)(VK_FORMAT_ASTC_12x12_SRGB_BLOCK + 1); /* just past the 1.0 range */
   expect_reject("vkCreateImage, format ASTC_12x12_SRGB + 1", PV_CMD_vkCreateImage, &a,
                 (const char *const[]){ "format", "VkFormat", NULL });
   ci.format = VK_FORMAT_G8_B8R8_2PLANE_420_UNORM; /* an extension-range value */
   expect_ok("vkCreateImage, G8_B8R8_2PLANE_420_UNORM", PV_CMD_vkCreateImage, &a);
   ci.imageType = (VkImageType)3;
   expect_reject("vkCreateImage, imageType 3", PV_CMD_vkCreateImage, &a,
                 (const char *const[]){ "imageType", "VkImageType", NULL });
   ci.imageType = VK_IMAGE_TYPE_2D;
   ci.samples = (VkSampleCountFlagBits)3; /* FlagBits used as one value: one bit */
   expect_reject("vkCreateImage, samples 3", PV_CMD_vkCreateImage, &a,
                 (const char *const[]){ "samples", NULL });
   ci.samples = VK_SAMPLE_COUNT_1_BIT;
   ci.sharingMode = VK_SHARING_MODE_CONCURRENT;
   ci.queueFamilyIndexCount = 2;
   expect_reject("vkCreateImage, CONCURRENT, 2 families, NULL indices", PV_CMD_vkCreateImage,
                 &a, (const char *const[]){ "pQueueFamilyIndices", NULL });
   ci.sharingMode = VK_SHARING_MODE_EXCLUSIVE; /* indices unused: not even sent */
   expect_ok("vkCreateImage, EXCLUSIVE, 2 families, NULL indices", PV_CMD_vkCreateImage, &a);
   a.pImage = NULL;
   a.pImage_ids = NULL;
   a.pImage_count = 0;
   expect_reject("vkCreateImage, pImage NULL", PV_CMD_vkCreateImage, &a,
                 (const char *const[]){ "vkCreateImage", "pImage", NULL });
}

static void
create_buffer(void)
{
   VkBufferCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = 65536,
      .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT, .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
   };
   VkBuffer b = VK_NULL_HANDLE;
   uint64_t id = 42;
   struct pv_vkCreateBuffer_args a = {
      .device = (VkDevice)(uintptr_t)9, .pCreateInfo = &ci, .pBuffer = &b,
      .pBuffer_ids = &id, .pBuffer_count = 1,
   };
   expect_ok("vkCreateBuffer", PV_CMD_vkCreateBuffer, &a);
   a.pCreateInfo = NULL;
   expect_reject("vkCreateBuffer, pCreateInfo NULL", PV_CMD_vkCreateBuffer, &a,
                 (const char *const[]){ "vkCreateBuffer", "pCreateInfo", "NULL", NULL });
   a.pCreateInfo = &ci;
   a.device = VK_NULL_HANDLE;
   expect_reject("vkCreateBuffer, device VK_NULL_HANDLE", PV_CMD_vkCreateBuffer, &a,
                 (const char *const[]){ "vkCreateBuffer", "device", NULL });
}

static void
write_descriptor_sets(void)
{
   VkDescriptorBufferInfo bi = { (VkBuffer)(uintptr_t)5, 0, VK_WHOLE_SIZE };
   VkWriteDescriptorSet w = {
      .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, .dstSet = (VkDescriptorSet)(uintptr_t)4,
      .descriptorCount = 1, .descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER,
      .pBufferInfo = &bi,
   };
   struct pv_vkUpdateDescriptorSets_args a = {
      .device = (VkDevice)(uintptr_t)9, .descriptorWriteCount = 1, .pDescriptorWrites = &w,
   };
   /* noautovalidity: pImageInfo is unused for a buffer type, NULL is fine */
   expect_ok("vkUpdateDescriptorSets, UNIFORM_BUFFER, pImageInfo NULL",
             PV_CMD_vkUpdateDescriptorSets, &a);
   w.descriptorType = VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE;
   expect_reject("vkUpdateDescriptorSets, SAMPLED_IMAGE, pImageInfo NULL",
                 PV_CMD_vkUpdateDescriptorSets, &a,
                 (const char *const[]){ "VkWriteDescriptorSet", "pImageInfo", NULL });
   w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
   expect_reject("vkUpdateDescriptorSets, STORAGE_TEXEL_BUFFER, no views",
                 PV_CMD_vkUpdateDescriptorSets, &a,
                 (const char *const[]){ "pTexelBufferView", NULL });
   w.descriptorType = (VkDescriptorType)0x12345;
   expect_reject("vkUpdateDescriptorSets, descriptorType 0x12345",
                 PV_CMD_vkUpdateDescriptorSets, &a,
                 (const char *const[]){ "descriptorType", "VkDescriptorType", NULL });
}

static void
shader_stage_name(void)
{
   /* pName is required; pSpecializationInfo is optional */
   uint32_t code[5] = { 0x07230203, 0x00010000, 0, 1, 0 };
   VkShaderModuleCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = sizeof(code),
      .pCode = code,
   };
   VkShaderModule sm = VK_NULL_HANDLE;
   uint64_t id = 77;
   struct pv_vkCreateShaderModule_args a = {
      .device = (VkDevice)(uintptr_t)9, .pCreateInfo = &ci, .pShaderModule = &sm,
      .pShaderModule_ids = &id, .pShaderModule_count = 1,
   };
   expect_ok("vkCreateShaderModule", PV_CMD_vkCreateShaderModule, &a);
   ci.pCode = NULL;
   expect_reject("vkCreateShaderModule, codeSize 20, pCode NULL", PV_CMD_vkCreateShaderModule,
                 &a, (const char *const[]){ "pCode", NULL });
}

static void
input_enum_param(void)
{
   VkFormatProperties fp = { 0 };
   struct pv_vkGetPhysicalDeviceFormatProperties_args a = {
      .physicalDevice = (VkPhysicalDevice)(uintptr_t)2, .format = VK_FORMAT_R8_UNORM,
      .pFormatProperties = &fp,
   };
   expect_ok("vkGetPhysicalDeviceFormatProperties", PV_CMD_vkGetPhysicalDeviceFormatProperties,
             &a);
   a.format = (VkFormat)-5;
   expect_reject("vkGetPhysicalDeviceFormatProperties, format -5",
                 PV_CMD_vkGetPhysicalDeviceFormatProperties, &a,
                 (const char *const[]){ "vkGetPhysicalDeviceFormatProperties", "format", "-5",
                                        NULL });
   PV_CHECK(pv_cs_enum_valid(0, 12345), "enum index 0 accepts everything");
}

static void
reply_is_lenient(void)
{
   /* A reply carries what the host driver wrote: the client decoding it
    * accepts enum values its registry does not know. */
   static uint8_t rep[4096];
   VkPhysicalDeviceProperties props = { .deviceType = (VkPhysicalDeviceType)99 };
   struct pv_vkGetPhysicalDeviceProperties_args a = {
      .physicalDevice = (VkPhysicalDevice)(uintptr_t)2, .pProperties = &props,
   }, back;
   struct pv_cs_encoder enc;
   struct pv_cs_decoder dec;
   pv_cs_encoder_init(&enc, rep, sizeof(rep));
   PV_CHECK(pv_encode_reply_vkGetPhysicalDeviceProperties(&enc, &a), "%s", enc.error);
   memset(&back, 0, sizeof(back));
   pv_cs_decoder_init(&dec, rep, enc.pos, NULL, NULL);
   dec.raw_handles = true;
   PV_CHECK(pv_decode_reply_vkGetPhysicalDeviceProperties(&dec, &back), "reply: %s",
            pv_cs_decoder_error(&dec));
   PV_CHECK(back.pProperties && back.pProperties->deviceType == 99, "deviceType");
   PV_CHECK(!dec.lenient, "lenient is restored");
   pv_cs_decoder_fini(&dec);
   printf("ok   %-52s decodes\n", "reply with deviceType 99 (client side)");
}

int
main(void)
{
   bind_vertex_buffers();
   create_image();
   create_buffer();
   write_descriptor_sets();
   shader_stage_name();
   input_enum_param();
   reply_is_lenient();
   printf("ok: strict decoding\n");
   return 0;
}
