/*
 * buffer.c — buffers, and the checks that keep buffer ranges inside
 * their memory.
 *
 * The host driver trusts valid usage: lavapipe, for one, copies with
 * memcpy whatever ranges a vkCmdCopyBuffer names, so a guest that names a
 * range past a buffer's end writes into the server's own memory (a fuzzer
 * found this).  Every guest-given offset and size that the driver turns
 * into a memory access on a buffer is checked here against the buffer's
 * size, and every buffer against the memory it is bound to; a violation
 * makes the context fatal before the driver sees it.  Shader accesses are
 * kept in bounds by robustBufferAccess, which device.c turns on.
 */
#include <stdlib.h>

#include "renderer/objects/buffer.h"
#include "renderer/objects/wsi_emulation.h"
#include "renderer/handlers.h"
#include "renderer/objects/memory.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_context.h"

void
pv_handle_vkCreateBuffer(struct pv_dispatcher *d, struct pv_vkCreateBuffer_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pCreateInfo || !a->pBuffer)
      return pv_dispatch_fail(d, "device, pCreateInfo or pBuffer is NULL");
   struct pv_buffer *buf = calloc(1, sizeof(*buf));
   if (!buf)
      return pv_dispatch_fail(d, "out of memory");
   pv_wsi_strip_handle_types(dev->pdev, a->pCreateInfo->pNext);
   a->ret = dev->table.CreateBuffer(dev->handle, a->pCreateInfo, NULL, a->pBuffer);
   if (a->ret != VK_SUCCESS) {
      free(buf);
      return;
   }
   buf->size = a->pCreateInfo->size;
   buf->sparse = (a->pCreateInfo->flags & VK_BUFFER_CREATE_SPARSE_BINDING_BIT) != 0;
   buf->obj = (struct pv_vk_object){ { a->pBuffer_ids[0], VK_OBJECT_TYPE_BUFFER, (uint64_t)*a->pBuffer },
                                     dev, 0, 0 };
   if (!pv_dispatch_bind(d, &buf->obj.base)) {
      dev->table.DestroyBuffer(dev->handle, *a->pBuffer, NULL);
      free(buf);
   }
}

/* [offset, offset + size) inside [0, limit), overflow-safe. */
static bool
range_ok(VkDeviceSize offset, VkDeviceSize size, VkDeviceSize limit)
{
   return offset <= limit && size <= limit - offset;
}

bool
pv_bind_fits(struct pv_dispatcher *d, VkDeviceMemory mem_handle, VkDeviceSize offset,
             VkDeviceSize size, const char *what)
{
   struct pv_memory *mem = (struct pv_memory *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_DEVICE_MEMORY, (uint64_t)mem_handle);
   if (!mem) {
      pv_dispatch_fail(d, "binding to memory the context does not own");
      return false;
   }
   if (!range_ok(offset, size, mem->size)) {
      pv_dispatch_fail(d, "%s of %llu bytes at offset %llu does not fit %llu bytes of memory",
                       what, (unsigned long long)size, (unsigned long long)offset,
                       (unsigned long long)mem->size);
      return false;
   }
   return true;
}

/* A bind must leave the whole buffer inside the memory; the buffer then
 * holds a reference to it.  False after failing. */
static bool
bind_ok(struct pv_dispatcher *d, struct pv_device *dev, struct pv_buffer *buf, VkBuffer handle,
        VkDeviceMemory mem_handle, VkDeviceSize offset)
{
   VkMemoryRequirements req;
   dev->table.GetBufferMemoryRequirements(dev->handle, handle, &req);
   return pv_bind_fits(d, mem_handle, offset, req.size, "buffer") &&
          pv_memory_bind(d, &buf->memory, mem_handle);
}

void
pv_handle_vkBindBufferMemory(struct pv_dispatcher *d, struct pv_vkBindBufferMemory_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->buffer_obj || !a->memory_obj)
      return pv_dispatch_fail(d, "device, buffer or memory is NULL");
   if (bind_ok(d, dev, (struct pv_buffer *)a->buffer_obj, a->buffer, a->memory, a->memoryOffset))
      a->ret = dev->table.BindBufferMemory(dev->handle, a->buffer, a->memory, a->memoryOffset);
}

void
pv_handle_vkBindBufferMemory2(struct pv_dispatcher *d, struct pv_vkBindBufferMemory2_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pBindInfos || !dev->table.BindBufferMemory2)
      return pv_dispatch_fail(d, "device or pBindInfos is NULL, or no host vkBindBufferMemory2");
   for (uint32_t i = 0; i < a->bindInfoCount; i++) {
      const VkBindBufferMemoryInfo *b = &a->pBindInfos[i];
      struct pv_buffer *buf = (struct pv_buffer *)pv_object_table_lookup_handle(
         &d->vk->objects, VK_OBJECT_TYPE_BUFFER, (uint64_t)b->buffer);
      if (!buf || !bind_ok(d, dev, buf, b->buffer, b->memory, b->memoryOffset))
         return pv_dispatch_fail(d, "bind %u is invalid", i);
   }
   a->ret = dev->table.BindBufferMemory2(dev->handle, a->bindInfoCount, a->pBindInfos);
}

/* ---- commands that touch buffer ranges ------------------------------------------ */

struct pv_buffer *
pv_buffer_lookup(struct pv_dispatcher *d, struct pv_object *obj, VkBuffer handle)
{
   if (!obj && handle)
      obj = pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_BUFFER, (uint64_t)handle);
   struct pv_buffer *b = (struct pv_buffer *)obj;
   if (!b)
      pv_dispatch_fail(d, "a buffer is NULL or unknown");
   else if (!b->memory && !b->sparse) /* no storage: lavapipe would use a null base */
      pv_dispatch_fail(d, "a buffer is used before it is bound to memory");
   return b && (b->memory || b->sparse) ? b : NULL;
}

bool
pv_buffer_range(const struct pv_buffer *b, VkDeviceSize offset, VkDeviceSize range,
                VkDeviceSize *resolved)
{
   *resolved = range != VK_WHOLE_SIZE ? range : offset <= b->size ? b->size - offset : 0;
   return range_ok(offset, *resolved, b->size);
}

static bool
check_range(struct pv_dispatcher *d, const struct pv_buffer *b, VkDeviceSize offset,
            VkDeviceSize size, const char *what)
{
   if (b && range_ok(offset, size, b->size))
      return true;
   if (b)
      pv_dispatch_fail(d, "%s [%llu, +%llu) is outside its %llu-byte buffer", what,
                       (unsigned long long)offset, (unsigned long long)size,
                       (unsigned long long)b->size);
   return false;
}

static struct pv_device *
cmd_device(struct pv_dispatcher *d, struct pv_object *cb)
{
   struct pv_device *dev = cb ? ((struct pv_vk_object *)cb)->device : NULL;
   if (!dev)
      pv_dispatch_fail(d, "commandBuffer is NULL");
   return dev;
}

void
pv_handle_vkCmdCopyBuffer(struct pv_dispatcher *d, struct pv_vkCmdCopyBuffer_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct pv_buffer *src = pv_buffer_lookup(d, a->srcBuffer_obj, a->srcBuffer);
   struct pv_buffer *dst = pv_buffer_lookup(d, a->dstBuffer_obj, a->dstBuffer);
   if (!dev || !src || !dst || (a->regionCount && !a->pRegions))
      return;
   for (uint32_t i = 0; i < a->regionCount; i++) {
      const VkBufferCopy *r = &a->pRegions[i];
      if (!check_range(d, src, r->srcOffset, r->size, "copy source") ||
          !check_range(d, dst, r->dstOffset, r->size, "copy destination"))
         return;
   }
   dev->table.CmdCopyBuffer(a->commandBuffer, a->srcBuffer, a->dstBuffer, a->regionCount,
                            a->pRegions);
}

void
pv_handle_vkCmdCopyBuffer2(struct pv_dispatcher *d, struct pv_vkCmdCopyBuffer2_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   const VkCopyBufferInfo2 *info = a->pCopyBufferInfo;
   if (!dev || !info || !dev->table.CmdCopyBuffer2)
      return pv_dispatch_fail(d, "pCopyBufferInfo is NULL or no host vkCmdCopyBuffer2");
   struct pv_buffer *src = pv_buffer_lookup(d, NULL, info->srcBuffer);
   struct pv_buffer *dst = pv_buffer_lookup(d, NULL, info->dstBuffer);
   if (!src || !dst || (info->regionCount && !info->pRegions))
      return;
   for (uint32_t i = 0; i < info->regionCount; i++) {
      const VkBufferCopy2 *r = &info->pRegions[i];
      if (!check_range(d, src, r->srcOffset, r->size, "copy source") ||
          !check_range(d, dst, r->dstOffset, r->size, "copy destination"))
         return;
   }
   dev->table.CmdCopyBuffer2(a->commandBuffer, info);
}

void
pv_handle_vkCmdUpdateBuffer(struct pv_dispatcher *d, struct pv_vkCmdUpdateBuffer_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct pv_buffer *dst = pv_buffer_lookup(d, a->dstBuffer_obj, a->dstBuffer);
   if (dev && dst && check_range(d, dst, a->dstOffset, a->dataSize, "update"))
      dev->table.CmdUpdateBuffer(a->commandBuffer, a->dstBuffer, a->dstOffset, a->dataSize,
                                 a->pData);
}

void
pv_handle_vkCmdFillBuffer(struct pv_dispatcher *d, struct pv_vkCmdFillBuffer_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct pv_buffer *dst = pv_buffer_lookup(d, a->dstBuffer_obj, a->dstBuffer);
   if (!dev || !dst)
      return;
   VkDeviceSize size = a->size == VK_WHOLE_SIZE ? 0 : a->size;
   if (check_range(d, dst, a->dstOffset, size, "fill"))
      dev->table.CmdFillBuffer(a->commandBuffer, a->dstBuffer, a->dstOffset, a->size, a->data);
}

/* Indirect arguments are read by the driver from the buffer: `count`
 * records of `record` bytes, `stride` apart, from `offset`. */
static bool
indirect_ok(struct pv_dispatcher *d, struct pv_object *obj, VkBuffer handle, VkDeviceSize offset,
            uint32_t count, uint32_t stride, VkDeviceSize record)
{
   struct pv_buffer *b = pv_buffer_lookup(d, obj, handle);
   if (!b || count == 0)
      return b != NULL;
   VkDeviceSize last = (VkDeviceSize)(count - 1) * stride; /* < 2^64: both factors < 2^32 */
   if (last > UINT64_MAX - offset) {
      pv_dispatch_fail(d, "indirect arguments overflow");
      return false;
   }
   return check_range(d, b, offset, record, "indirect arguments") &&
          check_range(d, b, offset + last, record, "indirect arguments");
}

void
pv_handle_vkCmdDispatchIndirect(struct pv_dispatcher *d, struct pv_vkCmdDispatchIndirect_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   if (dev && indirect_ok(d, a->buffer_obj, a->buffer, a->offset, 1, 0, sizeof(VkDispatchIndirectCommand)))
      dev->table.CmdDispatchIndirect(a->commandBuffer, a->buffer, a->offset);
}

void
pv_handle_vkCmdDrawIndirect(struct pv_dispatcher *d, struct pv_vkCmdDrawIndirect_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   if (dev && indirect_ok(d, a->buffer_obj, a->buffer, a->offset, a->drawCount, a->stride,
                   sizeof(VkDrawIndirectCommand)))
      dev->table.CmdDrawIndirect(a->commandBuffer, a->buffer, a->offset, a->drawCount, a->stride);
}

void
pv_handle_vkCmdDrawIndexedIndirect(struct pv_dispatcher *d,
                                   struct pv_vkCmdDrawIndexedIndirect_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   if (dev && indirect_ok(d, a->buffer_obj, a->buffer, a->offset, a->drawCount, a->stride,
                   sizeof(VkDrawIndexedIndirectCommand)))
      dev->table.CmdDrawIndexedIndirect(a->commandBuffer, a->buffer, a->offset, a->drawCount,
                                        a->stride);
}

/* ---- transform feedback: the GPU writes vertices and counters into buffers ---------- */

static bool
xfb_buffers_ok(struct pv_dispatcher *d, struct pv_object *const *objs, const VkDeviceSize *offsets,
               const VkDeviceSize *sizes, uint32_t n, VkDeviceSize counter_size)
{
   for (uint32_t i = 0; objs && i < n; i++) {
      if (!objs[i] && counter_size)
         continue; /* counter buffers may be VK_NULL_HANDLE */
      const struct pv_buffer *b = pv_buffer_lookup(d, objs[i], VK_NULL_HANDLE);
      VkDeviceSize off = offsets ? offsets[i] : 0, size;
      if (!b)
         return false;
      if (counter_size)
         size = counter_size;
      else
         pv_buffer_range(b, off, sizes ? sizes[i] : VK_WHOLE_SIZE, &size);
      if (!check_range(d, b, off, size, "transform feedback range"))
         return false;
   }
   return true;
}

void
pv_handle_vkCmdBindTransformFeedbackBuffersEXT(
   struct pv_dispatcher *d, struct pv_vkCmdBindTransformFeedbackBuffersEXT_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->commandBuffer_obj, offsetof(struct pv_vk_device_table, CmdBindTransformFeedbackBuffersEXT));
   if (dev && xfb_buffers_ok(d, a->pBuffers_objs, a->pOffsets, a->pSizes, a->bindingCount, 0))
      dev->table.CmdBindTransformFeedbackBuffersEXT(a->commandBuffer, a->firstBinding,
                                                    a->bindingCount, a->pBuffers, a->pOffsets,
                                                    a->pSizes);
}

void
pv_handle_vkCmdBeginTransformFeedbackEXT(struct pv_dispatcher *d,
                                         struct pv_vkCmdBeginTransformFeedbackEXT_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->commandBuffer_obj, offsetof(struct pv_vk_device_table, CmdBeginTransformFeedbackEXT));
   if (dev && xfb_buffers_ok(d, a->pCounterBuffers_objs, a->pCounterBufferOffsets, NULL,
                             a->counterBufferCount, 4))
      dev->table.CmdBeginTransformFeedbackEXT(a->commandBuffer, a->firstCounterBuffer,
                                              a->counterBufferCount, a->pCounterBuffers,
                                              a->pCounterBufferOffsets);
}

void
pv_handle_vkCmdEndTransformFeedbackEXT(struct pv_dispatcher *d,
                                       struct pv_vkCmdEndTransformFeedbackEXT_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->commandBuffer_obj, offsetof(struct pv_vk_device_table, CmdEndTransformFeedbackEXT));
   if (dev && xfb_buffers_ok(d, a->pCounterBuffers_objs, a->pCounterBufferOffsets, NULL,
                             a->counterBufferCount, 4))
      dev->table.CmdEndTransformFeedbackEXT(a->commandBuffer, a->firstCounterBuffer,
                                            a->counterBufferCount, a->pCounterBuffers,
                                            a->pCounterBufferOffsets);
}
