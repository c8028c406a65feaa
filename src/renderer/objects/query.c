/*
 * query.c — query pools, and the query ranges and result layouts checked
 * against them.
 *
 * Drivers index a pool's storage with the query numbers a command names,
 * and write results for (count − 1) × stride + one result's size bytes
 * into the guest's buffer or reply; lavapipe trusts both, so an index past
 * the pool or a result layout larger than its destination writes outside
 * the driver's or our own memory.  The pool remembers its size and the
 * values each query yields; every command that names queries is checked
 * against that before the driver sees it.
 */
#include <stdlib.h>

#include "renderer/objects/query.h"

#include "renderer/objects/buffer.h"
#include "renderer/handlers.h"
#include "renderer/objects/memory.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_context.h"

struct pv_query_pool {
   struct pv_vk_object obj;
   uint32_t count;
   uint32_t values; /* results per query; 0 for types we do not know */
   uint64_t charged;
};

static uint32_t
values_per_query(const VkQueryPoolCreateInfo *info)
{
   switch ((int)info->queryType) {
   case VK_QUERY_TYPE_OCCLUSION:
   case VK_QUERY_TYPE_TIMESTAMP:
   case 1000382000: /* VK_QUERY_TYPE_PRIMITIVES_GENERATED_EXT */
   case 1000328000: /* VK_QUERY_TYPE_MESH_PRIMITIVES_GENERATED_EXT */
   case 1000023000: /* VK_QUERY_TYPE_RESULT_STATUS_ONLY_KHR */
   case 1000150000: /* VK_QUERY_TYPE_ACCELERATION_STRUCTURE_COMPACTED_SIZE_KHR */
   case 1000150001: /* ..._SERIALIZATION_SIZE_KHR */
   case 1000386000: /* ..._SIZE_KHR */
   case 1000386001: /* ..._SERIALIZATION_BOTTOM_LEVEL_POINTERS_KHR */
      return 1;
   case VK_QUERY_TYPE_PIPELINE_STATISTICS:
      return (uint32_t)__builtin_popcount(info->pipelineStatistics);
   case 1000028004: /* VK_QUERY_TYPE_TRANSFORM_FEEDBACK_STREAM_EXT */
      return 2;
   default:
      return 0;
   }
}

/* What a driver keeps per query, about: its results and availability as
 * 64-bit words.  A guest's queryCount has no limit in Vulkan; this counts
 * it against max_device_memory (memory.c) so a pool of 2^32 queries fails
 * like a device out of memory instead of asking the host for it. */
static uint64_t
pool_bytes(const VkQueryPoolCreateInfo *info)
{
   uint32_t values = values_per_query(info);
   return (uint64_t)info->queryCount * ((values ? values : 1) + 1) * 8;
}

uint64_t
pv_query_pool_charged(const struct pv_object *pool)
{
   return ((const struct pv_query_pool *)pool)->charged;
}

void
pv_handle_vkCreateQueryPool(struct pv_dispatcher *d, struct pv_vkCreateQueryPool_args *a)
{
   struct pv_device *dev = pv_gen_device(d, a->device_obj,
                                         offsetof(struct pv_vk_device_table, CreateQueryPool));
   if (!dev)
      return;
   if (!a->pCreateInfo)
      return pv_dispatch_fail(d, "pCreateInfo is NULL");
   uint64_t bytes = pool_bytes(a->pCreateInfo);
   if (!pv_memory_charge(d->vk, bytes, "a query pool")) {
      a->ret = VK_ERROR_OUT_OF_DEVICE_MEMORY;
      return;
   }
   struct pv_query_pool *pool = calloc(1, sizeof(*pool));
   if (!pool) {
      pv_memory_uncharge(d->vk, bytes);
      return pv_dispatch_fail(d, "out of memory");
   }
   a->ret = dev->table.CreateQueryPool(dev->handle, a->pCreateInfo, NULL, a->pQueryPool);
   if (a->ret != VK_SUCCESS) {
      pv_memory_uncharge(d->vk, bytes);
      free(pool);
      return;
   }
   pool->charged = bytes;
   pool->count = a->pCreateInfo->queryCount;
   pool->values = values_per_query(a->pCreateInfo);
   pool->obj = (struct pv_vk_object){
      { a->pQueryPool_ids[0], VK_OBJECT_TYPE_QUERY_POOL, (uint64_t)*a->pQueryPool }, dev, 0, 0 };
   if (!pv_dispatch_bind(d, &pool->obj.base)) {
      dev->table.DestroyQueryPool(dev->handle, *a->pQueryPool, NULL);
      pv_memory_uncharge(d->vk, bytes);
      free(pool);
   }
}

bool
pv_query_range_ok(struct pv_dispatcher *d, const struct pv_object *pool_obj, uint32_t first,
                  uint32_t count)
{
   const struct pv_query_pool *pool = (const struct pv_query_pool *)pool_obj;
   if (!pool || (first <= pool->count && count <= pool->count - first))
      return true; /* a missing pool is the handler's to report */
   pv_dispatch_fail(d, "queries %u + %u are not inside the pool's %u", first, count, pool->count);
   return false;
}

/* Bytes that `count` results at `stride` take: (count − 1) × stride + one
 * result; false (context failed) for a layout that cannot be measured. */
static bool
results_extent(struct pv_dispatcher *d, const struct pv_query_pool *pool, uint32_t count,
               VkDeviceSize stride, VkQueryResultFlags flags, VkDeviceSize *extent)
{
   uint64_t word = (flags & VK_QUERY_RESULT_64_BIT) ? 8 : 4;
   uint64_t words = pool->values + ((flags & (VK_QUERY_RESULT_WITH_AVAILABILITY_BIT | 0x10)) ? 1 : 0);
   if (!pool->values || stride % word || (count > 1 && stride > UINT64_MAX / count)) {
      pv_dispatch_fail(d, "query results of this pool or stride %llu cannot be laid out safely",
                       (unsigned long long)stride);
      return false;
   }
   *extent = count ? (count - 1) * stride + words * word : 0;
   return true;
}

void
pv_handle_vkGetQueryPoolResults(struct pv_dispatcher *d, struct pv_vkGetQueryPoolResults_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->device_obj, offsetof(struct pv_vk_device_table, GetQueryPoolResults));
   const struct pv_query_pool *pool = (const struct pv_query_pool *)a->queryPool_obj;
   VkDeviceSize extent;
   if (!dev || !pool || !results_extent(d, pool, a->queryCount, a->stride, a->flags, &extent))
      return;
   if (extent > a->dataSize || !a->pData)
      return pv_dispatch_fail(d, "%u query results need %llu bytes; dataSize is %zu",
                              a->queryCount, (unsigned long long)extent, a->dataSize);
   a->ret = dev->table.GetQueryPoolResults(dev->handle, a->queryPool, a->firstQuery,
                                           a->queryCount, a->dataSize, a->pData, a->stride,
                                           a->flags);
}

void
pv_handle_vkCmdCopyQueryPoolResults(struct pv_dispatcher *d,
                                    struct pv_vkCmdCopyQueryPoolResults_args *a)
{
   struct pv_device *dev = pv_gen_device(
      d, a->commandBuffer_obj, offsetof(struct pv_vk_device_table, CmdCopyQueryPoolResults));
   const struct pv_query_pool *pool = (const struct pv_query_pool *)a->queryPool_obj;
   const struct pv_buffer *dst = pv_buffer_lookup(d, a->dstBuffer_obj, a->dstBuffer);
   VkDeviceSize extent;
   if (!dev || !pool || !dst ||
       !results_extent(d, pool, a->queryCount, a->stride, a->flags, &extent))
      return;
   if (a->dstOffset > dst->size || extent > dst->size - a->dstOffset)
      return pv_dispatch_fail(d, "%u query results of %llu bytes at offset %llu do not fit the "
                              "buffer's %llu", a->queryCount, (unsigned long long)extent,
                              (unsigned long long)a->dstOffset, (unsigned long long)dst->size);
   dev->table.CmdCopyQueryPoolResults(a->commandBuffer, a->queryPool, a->firstQuery,
                                      a->queryCount, a->dstBuffer, a->dstOffset, a->stride,
                                      a->flags);
}
