/*
 * vk_context.c — creation and teardown of the Vulkan side of a context.
 *
 * Teardown order matters: rings first (their threads decode and may touch
 * any object), then objects from the leaves up (device children, devices,
 * the instance), so no host object outlives its parent.
 */
#include <errno.h>
#include <stdlib.h>

#include "renderer/memory.h"
#include "renderer/vk_context.h"
#include "renderer/vk_objects.h"

/* 0: owned by a parent; 1: devices; 2: device children. */
static int
teardown_level(VkObjectType type)
{
   switch (type) {
   case VK_OBJECT_TYPE_INSTANCE:
   case VK_OBJECT_TYPE_PHYSICAL_DEVICE:
   case VK_OBJECT_TYPE_QUEUE:
      return 0;
   case VK_OBJECT_TYPE_DEVICE:
      return 1;
   default:
      return 2;
   }
}

void
pv_vk_object_destroy(struct pv_vk_context *vk, struct pv_object *obj)
{
   switch (obj->type) {
   case VK_OBJECT_TYPE_DEVICE:
      pv_device_destroy(vk, (struct pv_device *)obj);
      break;
   case VK_OBJECT_TYPE_DEVICE_MEMORY:
      pv_memory_destroy(vk, (struct pv_memory *)obj);
      break;
   default:
      pv_warn(vk->ctx->log, "%s: no teardown for object type %d (id %llu)", vk->ctx->name,
              obj->type, (unsigned long long)obj->id);
      pv_object_table_remove(&vk->objects, obj->id, obj->type);
      break;
   }
}

/* No other thread runs at teardown, and removal only leaves tombstones,
 * so walking the slots while destroying is safe. */
static void
destroy_objects_of_level(struct pv_vk_context *vk, int level)
{
   struct pv_object_table *t = &vk->objects;
   for (size_t i = 0; i < t->cap; i++) {
      struct pv_object *o = t->slots[i];
      if ((uintptr_t)o > 1 && teardown_level(o->type) == level)
         pv_vk_object_destroy(vk, o);
   }
}

static void
vk_context_destroy(struct pv_context *ctx)
{
   struct pv_vk_context *vk = ctx->vk;
   if (!vk)
      return;
   pv_vk_rings_destroy_all(vk);
   pv_dispatcher_fini(&vk->disp);

   /* Leaves first (device children), then devices (which take their
    * queues), then the instance (which takes its physical devices). */
   destroy_objects_of_level(vk, 2);
   destroy_objects_of_level(vk, 1);
   if (vk->instance)
      pv_instance_destroy(vk, vk->instance);
   pv_object_table_fini(&vk->objects);
   pthread_mutex_destroy(&vk->rings_lock);
   free(vk->handlers);
   free(vk);
   ctx->vk = NULL;
}

int
pv_vk_context_get(struct pv_context *ctx, struct pv_vk_context **out)
{
   if (ctx->vk) {
      *out = ctx->vk;
      return 0;
   }
   struct pv_vk_context *vk = calloc(1, sizeof(*vk));
   if (!vk)
      return -ENOMEM;
   vk->ctx = ctx;
   vk->handlers = pv_handler_table_create();
   if (!vk->handlers || pv_object_table_init(&vk->objects, PV_VK_MAX_OBJECTS)) {
      free(vk->handlers);
      free(vk);
      return -ENOMEM;
   }
   pthread_mutex_init(&vk->rings_lock, NULL);
   pv_dispatcher_init(&vk->disp, vk, NULL);
   ctx->vk = vk;
   ctx->on_destroy = vk_context_destroy;
   ctx->export_memory = pv_memory_export;
   *out = vk;
   return 0;
}
