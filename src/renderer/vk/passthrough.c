/* passthrough.c — see passthrough.h. */
#include "renderer/vk/passthrough.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/vk/vk_context.h"

static bool
has_entry(const void *table, size_t offset)
{
   void (*fn)(void);
   memcpy(&fn, (const char *)table + offset, sizeof(fn));
   return fn != NULL;
}

struct pv_device *
pv_gen_device(struct pv_dispatcher *d, struct pv_object *first, size_t pfn_offset)
{
   struct pv_device *dev = NULL;
   if (first) {
      if (first->type == VK_OBJECT_TYPE_DEVICE)
         dev = (struct pv_device *)first;
      else
         dev = ((struct pv_vk_object *)first)->device;
   }
   if (!dev) {
      pv_dispatch_fail(d, "its dispatchable handle is NULL");
      return NULL;
   }
   if (!has_entry(&dev->table, pfn_offset)) {
      pv_dispatch_fail(d, "the host device does not provide it");
      return NULL;
   }
   return dev;
}

struct pv_instance *
pv_gen_instance(struct pv_dispatcher *d, struct pv_object *first, size_t pfn_offset)
{
   struct pv_instance *inst = NULL;
   if (first) {
      if (first->type == VK_OBJECT_TYPE_INSTANCE)
         inst = (struct pv_instance *)first;
      else
         inst = ((struct pv_physical_device *)first)->instance;
   }
   if (!inst) {
      pv_dispatch_fail(d, "its dispatchable handle is NULL");
      return NULL;
   }
   if (!has_entry(&inst->table, pfn_offset)) {
      pv_dispatch_fail(d, "the host instance does not provide it");
      return NULL;
   }
   return inst;
}

void
pv_gen_queue_lock(struct pv_object *queue)
{
   pthread_mutex_lock(&((struct pv_queue *)queue)->lock);
}

void
pv_gen_queue_unlock(struct pv_object *queue)
{
   pthread_mutex_unlock(&((struct pv_queue *)queue)->lock);
}

static uint64_t
read_handle(const void *handles, size_t size, uint32_t i)
{
   if (size == sizeof(void *) && size != sizeof(uint64_t)) {
      void *p;
      memcpy(&p, (const char *)handles + (size_t)i * size, size);
      return (uint64_t)(uintptr_t)p;
   }
   uint64_t h;
   memcpy(&h, (const char *)handles + (size_t)i * size, sizeof(h));
   return h;
}

void
pv_gen_bind(struct pv_dispatcher *d, struct pv_device *dev, VkResult ret, VkObjectType type,
            const uint64_t *ids, const void *handles, size_t handle_size, uint32_t count,
            uint64_t parent)
{
   if (ret < VK_SUCCESS || !handles)
      return;
   for (uint32_t i = 0; i < count; i++) {
      uint64_t h = read_handle(handles, handle_size, i);
      if (!h)
         continue; /* e.g. a pipeline that was not created */
      /* Some carry a little state of their own (vk_objects.h). */
      size_t size = type == VK_OBJECT_TYPE_COMMAND_BUFFER ? sizeof(struct pv_command_buffer)
                    : type == VK_OBJECT_TYPE_COMMAND_POOL ? sizeof(struct pv_command_pool)
                    : type == VK_OBJECT_TYPE_PIPELINE     ? sizeof(struct pv_pipeline)
                    : type == VK_OBJECT_TYPE_SAMPLER      ? sizeof(struct pv_sampler)
                                                          : sizeof(struct pv_vk_object);
      struct pv_vk_object *obj = calloc(1, size);
      if (!obj) {
         pv_dispatch_fail(d, "out of memory");
         return;
      }
      *obj = (struct pv_vk_object){ { ids[i], type, h }, dev, parent, 0 };
      if (!pv_dispatch_bind(d, &obj->base)) {
         /* The host object stays until its device goes: the context is
          * fatal now and will be torn down. */
         free(obj);
         return;
      }
   }
}

static PFN_vkVoidFunction
first_proc(PFN_vkVoidFunction (*get)(void *, const char *), void *owner, va_list ap)
{
   PFN_vkVoidFunction fn = NULL;
   for (const char *name = va_arg(ap, const char *); name && !fn; name = va_arg(ap, const char *))
      fn = get(owner, name);
   return fn;
}

static PFN_vkVoidFunction
get_instance_proc(void *owner, const char *name)
{
   return vkGetInstanceProcAddr((VkInstance)owner, name);
}

static PFN_vkVoidFunction
get_device_proc(void *owner, const char *name)
{
   return vkGetDeviceProcAddr((VkDevice)owner, name);
}

PFN_vkVoidFunction
pv_gen_instance_proc(VkInstance instance, ...)
{
   va_list ap;
   va_start(ap, instance);
   PFN_vkVoidFunction fn = first_proc(get_instance_proc, (void *)instance, ap);
   va_end(ap);
   return fn;
}

PFN_vkVoidFunction
pv_gen_device_proc(VkDevice device, ...)
{
   va_list ap;
   va_start(ap, device);
   PFN_vkVoidFunction fn = first_proc(get_device_proc, (void *)device, ap);
   va_end(ap);
   return fn;
}
