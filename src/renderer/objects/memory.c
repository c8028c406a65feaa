/*
 * memory.c — vkAllocateMemory / vkFreeMemory and guest-mappable memory.
 *
 * The guest maps device memory through a blob: an fd it can mmap at
 * offset 0 that aliases what the GPU uses (docs/PROTOCOL.md §8).  The portable
 * way to have one on any driver that offers VK_EXT_external_memory_host
 * (lavapipe, NVIDIA, MoltenVK): allocate the shared memory ourselves,
 * map it, and import the mapping as the VkDeviceMemory.  The fd goes to
 * the guest; host, GPU and guest all see the same pages.  memfd memory is
 * zero-filled, so the guest never sees stale data.
 *
 * A shm backing is reference-counted: the VkDeviceMemory holds one
 * reference and an exported blob another, because the guest may unref the
 * blob before freeing the memory or the other way round (§14 N29).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/pv_platform.h"
#include "renderer/objects/buffer.h"
#include "renderer/handlers.h"
#include "renderer/objects/image.h"
#include "renderer/vk/loader.h"
#include "renderer/objects/memory.h"
#include "renderer/objects/wsi_emulation.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

struct pv_shm_backing {
   _Atomic uint32_t refs;
   int fd;
   void *map;
   uint64_t size;
};

static void
backing_unref(void *priv)
{
   struct pv_shm_backing *b = priv;
   if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
      return;
   pv_shm_unmap(b->map, b->size);
   pv_close(b->fd);
   free(b);
}

static int
backing_dup_fd(void *priv)
{
   struct pv_shm_backing *b = priv;
   int fd = b->fd >= 0 ? dup(b->fd) : -1;
   return fd >= 0 ? fd : -ENOTSUP;
}

void
pv_memory_abandon(struct pv_memory *mem)
{
   struct pv_shm_backing *b = mem->backing;
   if (b) { /* the mapping stays: the device may still write through it */
      pv_close(b->fd);
      b->fd = -1;
      pv_keep_for_ever(b);
   }
   free(mem);
}

static struct pv_shm_backing *
backing_create(uint64_t size, uint64_t align)
{
   struct pv_shm_backing *b = calloc(1, sizeof(*b));
   if (!b)
      return NULL;
   atomic_init(&b->refs, 1);
   b->size = size;
   b->fd = pv_shm_create("pv-venus-memory", size);
   /* Aligned as its size is: the start of whole host pages, which is what
    * the import and a VMM mapping it need. */
   b->map = b->fd >= 0 ? pv_shm_map_aligned(b->fd, size, (size_t)align) : NULL;
   if (!b->map) {
      pv_close(b->fd);
      free(b);
      return NULL;
   }
   return b;
}

bool
pv_memory_type_is_host_visible(const struct pv_physical_device *p, uint32_t type)
{
   return type < p->mem_props.memoryTypeCount &&
          (p->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
}

/* Unlink every struct of type `t` from a decoded pNext chain (our own
 * scratch copy, so relinking it is safe). */
static void
unlink_stype(const void **head, VkStructureType t)
{
   VkBaseOutStructure **link = (VkBaseOutStructure **)head;
   while (*link) {
      if ((*link)->sType == t)
         *link = (*link)->pNext;
      else
         link = &(*link)->pNext;
   }
}

/* A host-pointer import cannot also be dedicated or exportable; both are
 * the guest's hints for memory we now back ourselves. */
static const void *
import_chain(const void *guest_next, VkImportMemoryHostPointerInfoEXT *import)
{
   unlink_stype(&guest_next, VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO);
   unlink_stype(&guest_next, VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
   import->pNext = guest_next;
   return import;
}

static VkResult
allocate_host_visible(struct pv_device *dev, const VkMemoryAllocateInfo *guest,
                      struct pv_memory *mem)
{
   uint64_t align = dev->pdev->host_ptr_alignment;
   uint64_t size = (guest->allocationSize + align - 1) / align * align;
   if (size < guest->allocationSize)
      return VK_ERROR_OUT_OF_DEVICE_MEMORY;
   mem->backing = backing_create(size, align);
   if (!mem->backing)
      return VK_ERROR_OUT_OF_HOST_MEMORY;
   VkMemoryHostPointerPropertiesEXT hp = { .sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT };
   VkResult r = dev->get_host_ptr_props(dev->handle,
                                        VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
                                        mem->backing->map, &hp);
   if (r != VK_SUCCESS || !(hp.memoryTypeBits & (1u << guest->memoryTypeIndex)))
      return VK_ERROR_OUT_OF_DEVICE_MEMORY;
   VkImportMemoryHostPointerInfoEXT import = {
      .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
      .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
      .pHostPointer = mem->backing->map,
   };
   VkMemoryAllocateInfo info = *guest;
   info.pNext = import_chain(guest->pNext, &import);
   info.allocationSize = size;
   return vkAllocateMemory(dev->handle, &info, NULL, &mem->handle);
}

/* The max_device_memory limit: a guest sees it as an ordinary failed
 * allocation, as on a full GPU. */
static bool
reserve_device_memory(struct pv_vk_context *vk, uint64_t size)
{
   return pv_memory_charge(vk, size, "device memory");
}

bool
pv_memory_charge(struct pv_vk_context *vk, uint64_t size, const char *what)
{
   uint64_t max = vk->ctx->renderer->limits.max_device_memory;
   uint64_t cur = atomic_load(&vk->device_memory);
   do {
      if (cur > max || size > max - cur) {
         pv_warn(vk->ctx->log,
                 "%s: limit max_device_memory (%llu) reached: %llu bytes live, %llu asked for %s",
                 vk->ctx->name, (unsigned long long)max, (unsigned long long)cur,
                 (unsigned long long)size, what);
         return false;
      }
   } while (!atomic_compare_exchange_weak(&vk->device_memory, &cur, cur + size));
   return true;
}

void
pv_handle_vkAllocateMemory(struct pv_dispatcher *d, struct pv_vkAllocateMemory_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkMemoryAllocateInfo *info = a->pAllocateInfo;
   if (!dev || !info || !a->pMemory)
      return pv_dispatch_fail(d, "device, pAllocateInfo or pMemory is NULL");
   if (info->memoryTypeIndex >= dev->pdev->mem_props.memoryTypeCount)
      return pv_dispatch_fail(d, "memory type %u does not exist", info->memoryTypeIndex);
   if (!reserve_device_memory(d->vk, info->allocationSize)) {
      a->ret = VK_ERROR_OUT_OF_DEVICE_MEMORY;
      return;
   }
   bool backed = pv_memory_type_is_host_visible(dev->pdev, info->memoryTypeIndex) &&
                 dev->get_host_ptr_props;
   VkExternalMemoryHandleTypeFlags export_types = pv_wsi_export_types(info);
   if ((export_types & pv_wsi_served_handle_types(dev->pdev)) && !backed) {
      /* the host cannot export it and we cannot back it (wsi_emulation.c) */
      pv_warn(d->vk->ctx->log, "%s: memory type %u cannot be exported on this host",
              d->vk->ctx->name, info->memoryTypeIndex);
      atomic_fetch_sub(&d->vk->device_memory, info->allocationSize);
      a->ret = VK_ERROR_OUT_OF_DEVICE_MEMORY;
      return;
   }
   struct pv_memory *mem = calloc(1, sizeof(*mem));
   if (!mem) {
      atomic_fetch_sub(&d->vk->device_memory, info->allocationSize);
      return pv_dispatch_fail(d, "out of memory");
   }
   mem->obj.device = dev;
   atomic_init(&mem->refs, 1);
   mem->size = info->allocationSize;
   mem->type = info->memoryTypeIndex;
   mem->export_types = export_types;
   if (backed)
      a->ret = allocate_host_visible(dev, info, mem);
   else
      a->ret = vkAllocateMemory(dev->handle, info, NULL, &mem->handle);
   if (a->ret == VK_SUCCESS) {
      mem->obj.base = (struct pv_object){ a->pMemory_ids[0], VK_OBJECT_TYPE_DEVICE_MEMORY,
                                          (uint64_t)mem->handle };
      if (!pv_dispatch_bind(d, &mem->obj.base)) {
         pv_memory_release(d->vk, mem);
         return;
      }
      *a->pMemory = mem->handle;
      return;
   }
   atomic_fetch_sub(&d->vk->device_memory, mem->size);
   backing_unref(mem->backing);
   free(mem);
}

void
pv_memory_uncharge(struct pv_vk_context *vk, uint64_t size)
{
   atomic_fetch_sub(&vk->device_memory, size);
}

void
pv_memory_release(struct pv_vk_context *vk, struct pv_memory *mem)
{
   atomic_fetch_sub(&vk->device_memory, mem->size);
   vkFreeMemory(mem->obj.device->handle, mem->handle, NULL);
   backing_unref(mem->backing);
   free(mem);
}

static void
memory_unref(struct pv_vk_context *vk, struct pv_memory *mem)
{
   if (atomic_fetch_sub(&mem->refs, 1) == 1)
      pv_memory_release(vk, mem);
}

void
pv_memory_destroy(struct pv_vk_context *vk, struct pv_memory *mem)
{
   pv_object_table_remove(&vk->objects, mem->obj.base.id, VK_OBJECT_TYPE_DEVICE_MEMORY);
   memory_unref(vk, mem);
}

bool
pv_memory_bind(struct pv_dispatcher *d, struct pv_memory **slot, VkDeviceMemory handle)
{
   struct pv_memory *mem = (struct pv_memory *)pv_object_table_lookup_handle(
      &d->vk->objects, VK_OBJECT_TYPE_DEVICE_MEMORY, (uint64_t)handle);
   if (!mem || *slot) {
      pv_dispatch_fail(d, mem ? "the object is bound to memory already"
                              : "binding to memory the context does not own");
      return false;
   }
   atomic_fetch_add(&mem->refs, 1);
   *slot = mem;
   return true;
}

void
pv_memory_drop_binding(struct pv_vk_context *vk, struct pv_object *obj)
{
   struct pv_memory **slot = NULL;
   if (obj->type == VK_OBJECT_TYPE_BUFFER)
      slot = &((struct pv_buffer *)obj)->memory;
   else if (obj->type == VK_OBJECT_TYPE_IMAGE)
      slot = &((struct pv_image *)obj)->memory;
   if (slot && *slot) {
      memory_unref(vk, *slot);
      *slot = NULL;
   }
}

void
pv_handle_vkFreeMemory(struct pv_dispatcher *d, struct pv_vkFreeMemory_args *a)
{
   struct pv_memory *mem = (struct pv_memory *)a->memory_obj;
   if (!a->device_obj)
      return pv_dispatch_fail(d, "device is NULL");
   if (mem)
      pv_memory_destroy(d->vk, mem);
}

/* Guest mappings are shared memory the GPU imported: coherent, and never
 * mapped through vkMapMemory on the host, so there is nothing to flush. */
void
pv_handle_vkFlushMappedMemoryRanges(struct pv_dispatcher *d,
                                    struct pv_vkFlushMappedMemoryRanges_args *a)
{
   if (!a->device_obj)
      return pv_dispatch_fail(d, "device is NULL");
   a->ret = VK_SUCCESS;
}

void
pv_handle_vkInvalidateMappedMemoryRanges(struct pv_dispatcher *d,
                                         struct pv_vkInvalidateMappedMemoryRanges_args *a)
{
   if (!a->device_obj)
      return pv_dispatch_fail(d, "device is NULL");
   a->ret = VK_SUCCESS;
}

/* A dma-buf the driver exported, shared by the blob's holders. */
struct driver_fd {
   _Atomic uint32_t refs;
   int fd;
};

static void
driver_fd_unref(void *priv)
{
   struct driver_fd *f = priv;
   if (atomic_fetch_sub(&f->refs, 1) == 1) {
      pv_close(f->fd);
      free(f);
   }
}

static int
driver_fd_dup(void *priv)
{
   int fd = dup(((struct driver_fd *)priv)->fd);
   return fd >= 0 ? fd : -errno;
}

/* Memory of the host driver's (not host-visible), allocated for dma-buf
 * export: the driver's own dma-buf, not mappable by the guest. */
static int
export_driver_dma_buf(struct pv_memory *mem, struct pv_export_result *out)
{
   struct pv_device *dev = mem->obj.device;
   if (!dev->get_memory_fd || mem->exported)
      return dev->get_memory_fd ? -EINVAL : -ENOTSUP;
   struct driver_fd *f = calloc(1, sizeof(*f));
   if (!f)
      return -ENOMEM;
   const VkMemoryGetFdInfoKHR gi = { .sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR,
                                     .memory = mem->handle,
                                     .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT };
   if (dev->get_memory_fd(dev->handle, &gi, &f->fd) != VK_SUCCESS) {
      free(f);
      return -EIO;
   }
   int fd = dup(f->fd);
   if (fd < 0) {
      int err = -errno;
      pv_close(f->fd);
      free(f);
      return err;
   }
   atomic_init(&f->refs, 1);
   mem->exported = true;
   *out = (struct pv_export_result){
      .fd = fd, .fd_type = PV_BLOB_FD_DMABUF, .map_caching = PV_MAP_CACHE_NONE,
      .size = mem->size, .priv = f, .release = driver_fd_unref, .dup_fd = driver_fd_dup,
   };
   return 0;
}

/* RESOURCE_CREATE_BLOB with blob_id = a VkDeviceMemory's guest id. */
int
pv_memory_export(struct pv_context *ctx, uint64_t blob_id, uint32_t blob_type, uint32_t blob_flags,
                 uint64_t size, struct pv_export_result *out)
{
   (void)blob_type;
   struct pv_vk_context *vk = ctx->vk;
   struct pv_memory *mem = vk ? (struct pv_memory *)pv_object_table_lookup(
                                   &vk->objects, blob_id, VK_OBJECT_TYPE_DEVICE_MEMORY)
                              : NULL;
   if (!mem)
      return -ENOENT;
   /* venus asks for a dma-buf (CROSS_DEVICE) only of memory allocated for
    * one; the driver's own where the memory is the driver's */
   bool dma_buf = blob_flags & PV_BLOB_FLAG_CROSS_DEVICE;
   if (dma_buf && !(mem->export_types & VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT))
      return -EINVAL;
   if (!mem->backing)
      return dma_buf ? export_driver_dma_buf(mem, out) : -ENOTSUP;
   /* ours: the shared memory is the dma-buf (in a VM the guest kernel makes
    * one of the blob; through vtest the guest gets the shared memory) */
   if (size > mem->backing->size || mem->exported)
      return -EINVAL;
   int fd = dup(mem->backing->fd);
   if (fd < 0)
      return -errno;
   mem->exported = true;
   atomic_fetch_add(&mem->backing->refs, 1);
   *out = (struct pv_export_result){
      .fd = fd, .fd_type = PV_BLOB_FD_SHM, .map_caching = PV_MAP_CACHE_CACHED,
      .size = mem->backing->size, .map = mem->backing->map,
      .priv = mem->backing, .release = backing_unref, .dup_fd = backing_dup_fd,
   };
   return 0;
}

/* ---- what memory we offer ------------------------------------------------ */

static bool
host_has_extension(VkPhysicalDevice pd, const char *name)
{
   uint32_t n = 0;
   vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL);
   VkExtensionProperties *e = calloc(n ? n : 1, sizeof(*e));
   bool found = false;
   if (e && vkEnumerateDeviceExtensionProperties(pd, NULL, &n, e) >= VK_SUCCESS) {
      for (uint32_t i = 0; i < n && !found; i++)
         found = !strcmp(e[i].extensionName, name);
   }
   free(e);
   return found;
}

/* Ask the driver which memory types can import a mapping of our shared
 * memory.  That needs a VkDevice, so make a throwaway one. */
static uint32_t
probe_importable_types(struct pv_physical_device *p)
{
   const float prio = 1.0f;
   const char *ext = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
   VkDeviceQueueCreateInfo q = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                 .queueCount = 1, .pQueuePriorities = &prio };
   VkDeviceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                             .queueCreateInfoCount = 1, .pQueueCreateInfos = &q,
                             .enabledExtensionCount = 1, .ppEnabledExtensionNames = &ext };
   VkDevice dev;
   struct pv_renderer *r = p->instance->renderer;
   if (pv_loader_create_device(r, p->handle, &ci, &dev, NULL) != VK_SUCCESS)
      return 0;
   uint32_t bits = 0;
   PFN_vkGetMemoryHostPointerPropertiesEXT get = (PFN_vkGetMemoryHostPointerPropertiesEXT)
      pv_loader_device_proc(r, dev, "vkGetMemoryHostPointerPropertiesEXT");
   struct pv_shm_backing *b = backing_create(p->host_ptr_alignment, p->host_ptr_alignment);
   VkMemoryHostPointerPropertiesEXT hp = { .sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT };
   if (get && b &&
       get(dev, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, b->map, &hp) == VK_SUCCESS)
      bits = hp.memoryTypeBits;
   backing_unref(b);
   pv_loader_destroy_device(r, dev);
   return bits;
}

/* probe_importable_types, remembered per host device and driver in the
 * renderer (context.h); uncached where the driver cannot name itself
 * (id NULL: Vulkan 1.0). */
static uint32_t
importable_types(struct pv_physical_device *p, const VkPhysicalDeviceIDProperties *id)
{
   struct pv_renderer *r = p->instance->renderer;
   if (!id)
      return probe_importable_types(p);
   pthread_mutex_lock(&r->probe_lock);
   uint32_t i = 0;
   while (i < r->probe_count &&
          (memcmp(r->probes[i].device_uuid, id->deviceUUID, VK_UUID_SIZE) ||
           memcmp(r->probes[i].driver_uuid, id->driverUUID, VK_UUID_SIZE) ||
           r->probes[i].driver_version != p->props.driverVersion))
      i++;
   uint32_t bits;
   if (i < r->probe_count) {
      bits = r->probes[i].bits;
   } else {
      bits = probe_importable_types(p);
      if (i < sizeof(r->probes) / sizeof(r->probes[0])) {
         struct pv_import_probe *e = &r->probes[r->probe_count++];
         memcpy(e->device_uuid, id->deviceUUID, VK_UUID_SIZE);
         memcpy(e->driver_uuid, id->driverUUID, VK_UUID_SIZE);
         e->driver_version = p->props.driverVersion;
         e->bits = bits;
      }
   }
   pthread_mutex_unlock(&r->probe_lock);
   return bits;
}

void
pv_physical_device_probe_memory(struct pv_physical_device *p)
{
   vkGetPhysicalDeviceMemoryProperties(p->handle, &p->host_mem_props);
   p->mem_props = p->host_mem_props;
   p->has_host_ptr = host_has_extension(p->handle, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
   if (!p->has_host_ptr)
      return; /* nothing we can back: offer the driver's types unchanged */
   /* the driver's identity (the import probe's cache key) in the same query */
   VkPhysicalDeviceIDProperties id = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES };
   bool has_id = p->props.apiVersion >= VK_API_VERSION_1_1;
   VkPhysicalDeviceExternalMemoryHostPropertiesEXT hp = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT,
      .pNext = has_id ? &id : NULL };
   VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &hp };
   vkGetPhysicalDeviceProperties2(p->handle, &props);
   /* The renderer's page size, which a VMM may set above this host's: the
    * memory then owns whole VMM pages, so the VMM can map it as it is. */
   uint64_t page = p->instance->renderer->page_size;
   p->host_ptr_alignment = hp.minImportedHostPointerAlignment > page
                              ? hp.minImportedHostPointerAlignment : page;
   uint32_t importable = importable_types(p, has_id ? &id : NULL);
   const VkMemoryPropertyFlags host_bits = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                           VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                                           VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
   bool coherent_left = false;
   for (uint32_t i = 0; i < p->mem_props.memoryTypeCount; i++) {
      VkMemoryPropertyFlags *f = &p->mem_props.memoryTypes[i].propertyFlags;
      if ((*f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) && !(importable & (1u << i)))
         *f &= ~host_bits;
      coherent_left |= (*f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
   }
   /* The guest needs a coherent type or it writes out of bounds (§14 N28). */
   if (!coherent_left) {
      p->mem_props = p->host_mem_props;
      p->has_host_ptr = false;
   }
}
