/*
 * dispatcher.c — a dispatcher's state and the services every handler
 * uses: failing the context (naming the command), binding new objects,
 * the reply stream.  The command loop that drives a dispatcher is above
 * (dispatch.c); nothing here calls upward.
 */
#include "renderer/vk/dispatch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "renderer/core/resource.h"
#include "renderer/vk/vk_context.h"

static struct pv_object *
lookup_object(void *user, uint64_t id, VkObjectType type)
{
   struct pv_dispatcher *d = user;
   return pv_object_table_lookup_cached(&d->vk->objects, &d->objects, id, type);
}

void
pv_dispatcher_init(struct pv_dispatcher *d, struct pv_vk_context *vk, struct pv_vk_ring *ring)
{
   memset(d, 0, sizeof(*d));
   d->vk = vk;
   d->ring = ring;
   pv_cs_decoder_init(&d->dec, NULL, 0, lookup_object, d);
   pv_cs_decoder_init(&d->nested, NULL, 0, lookup_object, d);
}

static void
reply_stream_clear(struct pv_dispatcher *d)
{
   if (d->reply.res)
      pv_resource_unpin(d->vk->ctx, d->reply.res);
   memset(&d->reply, 0, sizeof(d->reply));
}

void
pv_dispatcher_fini(struct pv_dispatcher *d)
{
   reply_stream_clear(d);
   pv_cs_decoder_fini(&d->dec);
   pv_cs_decoder_fini(&d->nested);
}

/* Every ring of the context stops (FATAL in its status word) and a guest
 * blocked in vkWaitVirtqueueSeqnoMESA wakes: the context is fatal. */
static void
rings_set_fatal(struct pv_vk_context *vk)
{
   pthread_mutex_lock(&vk->rings_lock);
   for (struct pv_vk_ring *r = vk->rings; r; r = r->next) {
      pv_ring_set_fatal(r->ring);
      pv_event_signal(&r->vq_event);
   }
   pthread_mutex_unlock(&vk->rings_lock);
}

bool
pv_dispatch_failed(const struct pv_dispatcher *d)
{
   return pv_context_is_fatal(d->vk->ctx);
}

void
pv_dispatch_fail(struct pv_dispatcher *d, const char *fmt, ...)
{
   char msg[200];
   va_list ap;
   va_start(ap, fmt);
   vsnprintf(msg, sizeof(msg), fmt, ap);
   va_end(ap);
   pv_context_set_fatal(d->vk->ctx, "%s%s%s", d->cmd ? d->cmd->name : "", d->cmd ? ": " : "",
                        msg);
   rings_set_fatal(d->vk);
}

bool
pv_dispatch_bind(struct pv_dispatcher *d, struct pv_object *obj)
{
   int ret = pv_object_table_insert(&d->vk->objects, obj);
   if (!ret)
      return true;
   pv_dispatch_fail(d, "cannot bind object id %llu: %s", (unsigned long long)obj->id,
                    ret == -EINVAL   ? "id 0 is reserved"
                    : ret == -EEXIST ? "the id is in use"
                    : ret == -ENOSPC ? "limit max_objects reached"
                                     : "out of memory");
   return false;
}

int
pv_dispatch_set_reply_stream(struct pv_dispatcher *d, uint32_t res_id, uint64_t offset,
                             uint64_t size)
{
   reply_stream_clear(d);
   struct pv_resource *res = pv_context_pin_resource(d->vk->ctx, res_id);
   if (!res)
      return -ENOENT;
   if (!res->map || offset > res->size || size > res->size - offset) {
      pv_resource_unpin(d->vk->ctx, res);
      return -EINVAL;
   }
   d->reply = (struct pv_reply_stream){ res, offset, size, 0 };
   return 0;
}
