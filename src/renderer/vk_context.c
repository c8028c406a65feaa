/*
 * vk_context.c — creation and teardown of the Vulkan side of a context.
 *
 * Teardown order matters: rings first (their threads decode and may touch
 * any object), then objects from the leaves up (device children, devices,
 * the instance), so no host object outlives its parent.
 */
#include <errno.h>
#include <stdlib.h>

#include "renderer/guards/guards.h"
#include "renderer/objects/memory.h"
#include "renderer/objects/semaphore.h"
#include "renderer/ring_gate.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

struct device_list {
   struct pv_device *dev[64];
   unsigned count;
};

static void
collect_device(void *user, struct pv_object *o)
{
   struct device_list *l = user;
   if (o->type == VK_OBJECT_TYPE_DEVICE && l->count < 64)
      l->dev[l->count++] = (struct pv_device *)o;
}

/* A ring thread may be waiting on the host for work gated on values nobody
 * will signal now: release those waits before joining it.  (A guest with
 * more than 64 devices still tears down: device_idle has a deadline.) */
static void
release_all_waits(struct pv_vk_context *vk)
{
   struct device_list l = { .count = 0 };
   pv_object_table_for_each(&vk->objects, collect_device, &l);
   for (unsigned i = 0; i < l.count; i++)
      pv_device_release_waits(vk, l.dev[i]);
}

static void
vk_context_destroy(struct pv_context *ctx)
{
   struct pv_vk_context *vk = ctx->vk;
   if (!vk)
      return;
   release_all_waits(vk);
   pv_vk_rings_destroy_all(vk);
   pv_dispatcher_fini(&vk->disp);

   /* The instance takes its devices along (and they their children and
    * queues); devices cannot outlive it (pv_instance_destroy). */
   if (vk->instance)
      pv_instance_destroy(vk, vk->instance);
   pv_object_table_fini(&vk->objects);
   pthread_mutex_destroy(&vk->rings_lock);
   pthread_mutex_destroy(&vk->semaphore_lock);
   pthread_mutex_destroy(&vk->sampling_lock);
   free(vk);
   ctx->vk = NULL;
}

/* The context's settle hook (ring_gate.h). */
static int
settle(struct pv_context *ctx)
{
   if (!ctx->vk || !pv_ring_gate_settle(ctx->vk))
      return 0;
   pv_context_set_fatal(ctx, "a ring failed before a position the context waited for");
   return -EIO;
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
   if (pv_object_table_init(&vk->objects, ctx->renderer->limits.max_objects)) {
      free(vk);
      return -ENOMEM;
   }
   pthread_mutex_init(&vk->rings_lock, NULL);
   pthread_mutex_init(&vk->semaphore_lock, NULL);
   pthread_mutex_init(&vk->sampling_lock, NULL);
   pv_dispatcher_init(&vk->disp, vk, NULL);
   ctx->vk = vk;
   ctx->on_destroy = vk_context_destroy;
   ctx->export_memory = pv_memory_export;
   ctx->settle = settle;
   vk->on_object_free = pv_guards_forget;
   vk->on_completion = pv_vk_rings_kick;
   *out = vk;
   return 0;
}
