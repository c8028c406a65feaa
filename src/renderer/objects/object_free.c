/*
 * object_free.c — unbinding and freeing device children: the guest id
 * goes from the table, a pool's children go with the pool, and what an
 * object owns beside itself is released (memory charges, semaphore
 * tracking, a pipeline's sampler list, and — through the context's
 * on_object_free hook — what the guard layer keeps for it).
 */
#include "renderer/objects/object_free.h"

#include <stdlib.h>

#include "renderer/objects/descriptor.h"
#include "renderer/objects/memory.h"
#include "renderer/objects/query.h"
#include "renderer/objects/semaphore.h"
#include "renderer/spirv/plain_samplers.h"
#include "renderer/vk/vk_context.h"

struct pool_ref {
   struct pv_device *dev;
   uint64_t pool;
};

/* Handles are unique per device only, so match the device too. */
static bool
child_of_pool(void *user, const struct pv_object *o)
{
   const struct pool_ref *ref = user;
   const struct pv_vk_object *v = (const struct pv_vk_object *)o;
   return (o->type == VK_OBJECT_TYPE_COMMAND_BUFFER || o->type == VK_OBJECT_TYPE_DESCRIPTOR_SET) &&
          v->parent == ref->pool && v->device == ref->dev;
}

static void
free_object(void *user, struct pv_object *o)
{
   (void)user;
   pv_vk_object_free(o);
}

void
pv_gen_unbind_children(struct pv_dispatcher *d, struct pv_device *dev, uint64_t pool)
{
   struct pool_ref ref = { dev, pool };
   if (pool)
      pv_object_table_remove_matching(&d->vk->objects, child_of_pool, free_object, &ref);
}

void
pv_gen_unbind(struct pv_dispatcher *d, struct pv_object *obj)
{
   if (!obj)
      return;
   struct pv_object *o = pv_object_table_remove(&d->vk->objects, obj->id, obj->type);
   if (!o)
      return;
   if (o->type == VK_OBJECT_TYPE_COMMAND_POOL || o->type == VK_OBJECT_TYPE_DESCRIPTOR_POOL)
      pv_gen_unbind_children(d, ((struct pv_vk_object *)o)->device, o->handle);
   pv_memory_drop_binding(d->vk, o);
   pv_vk_object_free(o);
}

void
pv_vk_object_free(struct pv_object *o)
{
   if (!o)
      return;
   if (o->type == VK_OBJECT_TYPE_SEMAPHORE)
      pv_semaphore_fini((struct pv_semaphore *)o);
   struct pv_device *dev = ((struct pv_vk_object *)o)->device;
   if (o->type == VK_OBJECT_TYPE_QUERY_POOL)
      pv_memory_uncharge(dev->vk, pv_query_pool_charged(o));
   else if (o->type == VK_OBJECT_TYPE_DESCRIPTOR_SET)
      pv_memory_uncharge(dev->vk, ((struct pv_descriptor_set *)o)->charged);
   else if (o->type == VK_OBJECT_TYPE_PIPELINE)
      pv_plain_samplers_unref(((struct pv_pipeline *)o)->plain);
   if (dev->vk->on_object_free)
      dev->vk->on_object_free(dev->vk, o);
   free(o);
}
