/*
 * virgl_context.c — virtio-gpu contexts: creation with a capset, command
 * submission, fences, and attaching resources.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "virgl_internal.h"

struct pv_virgl_ctx *
pv_virgl_ctx_get(uint32_t ctx_id, const char *what)
{
   struct pv_virgl_ctx *c = pv_virgl.initialized ? pv_idmap_get(&pv_virgl.contexts, ctx_id) : NULL;
   if (!c)
      pv_warn(&pv_virgl.log, "virgl: %s: no context %u%s", what, ctx_id,
              pv_virgl.initialized ? "" : " (not initialized)");
   return c;
}

/* The guest's name, bounded (QEMU passes the guest's length unchecked
 * beside a 64-byte buffer), for logs. */
static void
copy_name(char *dst, size_t cap, uint32_t nlen, const char *name)
{
   size_t n = name ? nlen : 0;
   if (n >= cap)
      n = cap - 1;
   if (n)
      memcpy(dst, name, n);
   dst[n] = '\0';
}

static int
create_locked(uint32_t ctx_id, uint32_t capset, uint32_t nlen, const char *name)
{
   struct pv_virgl_ctx *c = pv_idmap_get(&pv_virgl.contexts, ctx_id);
   if (c)
      return 0; /* the same Venus context again: as the reference does */
   char buf[64];
   copy_name(buf, sizeof(buf), nlen, name);
   c = calloc(1, sizeof(*c));
   if (!c)
      return ENOMEM;
   c->id = ctx_id;
   int ret = pv_context_create(pv_virgl.renderer, buf, capset, &c->pv);
   if (!ret) {
      pv_context_set_user(c->pv, c);
      ret = pv_idmap_add_at(&pv_virgl.contexts, ctx_id, c);
      if (ret)
         pv_context_destroy(c->pv);
   }
   if (ret) {
      pv_warn(&pv_virgl.log, "virgl: context %u: %s", ctx_id, strerror(-ret));
      free(c);
      return -ret;
   }
   pv_debug(&pv_virgl.log, "virgl: context %u '%s' created", ctx_id, buf);
   return 0;
}

VIRGL_EXPORT int
virgl_renderer_context_create_with_flags(uint32_t ctx_id, uint32_t ctx_flags, uint32_t nlen,
                                         const char *name)
{
   pv_virgl_once();
   uint32_t capset = ctx_flags & VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK;
   pthread_mutex_lock(&pv_virgl.lock);
   int ret = EINVAL;
   if (!pv_virgl.initialized)
      pv_warn(&pv_virgl.log, "virgl: context %u created before init", ctx_id);
   else if (!ctx_id || (ctx_flags & ~VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK))
      pv_warn(&pv_virgl.log, "virgl: context %u with flags 0x%x refused", ctx_id, ctx_flags);
   else if (capset != VIRGL_RENDERER_CAPSET_VENUS)
      pv_warn(&pv_virgl.log, "virgl: context %u asks for capset %u; only Venus (%u) is served",
              ctx_id, capset, VIRGL_RENDERER_CAPSET_VENUS);
   else
      ret = create_locked(ctx_id, PV_CAPSET_VENUS, nlen, name);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

/* Without context_init flags a guest asks for an OpenGL (virgl) context. */
VIRGL_EXPORT int
virgl_renderer_context_create(uint32_t handle, uint32_t nlen, const char *name)
{
   return virgl_renderer_context_create_with_flags(handle, VIRGL_RENDERER_CAPSET_VIRGL2, nlen, name);
}

static void
destroy_ctx(void *val)
{
   struct pv_virgl_ctx *c = val;
   pv_context_destroy(c->pv); /* joins its threads: no fence callback after this */
   pv_debug(&pv_virgl.log, "virgl: context %u destroyed", c->id);
   free(c);
}

VIRGL_EXPORT void
virgl_renderer_context_destroy(uint32_t handle)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.poll_lock);
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_ctx *c = pv_virgl_ctx_get(handle, "context_destroy")
                               ? pv_idmap_remove(&pv_virgl.contexts, handle) : NULL;
   if (c)
      destroy_ctx(c);
   pthread_mutex_unlock(&pv_virgl.lock);
   pthread_mutex_unlock(&pv_virgl.poll_lock);
}

void
pv_virgl_ctx_drop_all(void)
{
   pv_idmap_drain(&pv_virgl.contexts, destroy_ctx);
}

VIRGL_EXPORT int
virgl_renderer_submit_cmd(void *buffer, int ctx_id, int ndw)
{
   pv_virgl_once();
   if (ndw < 0 || (ndw && !buffer)) {
      pv_warn(&pv_virgl.log, "virgl: submit of %d dwords at %p refused", ndw, buffer);
      return EINVAL;
   }
   if ((uintptr_t)buffer % 4)
      return EFAULT;
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_ctx *c = pv_virgl_ctx_get((uint32_t)ctx_id, "submit_cmd");
   /* A fatal context logged its reason; the guest sees it in its ring. */
   int ret = !c ? EINVAL : pv_context_submit(c->pv, buffer, (size_t)ndw * 4) ? EINVAL : 0;
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

/* A global fence: no GL work to wait for, so it retires at once, through
 * the same delivery as context fences (poll, or the async callback). */
VIRGL_EXPORT int
virgl_renderer_create_fence(int client_fence_id, uint32_t ctx_id)
{
   (void)ctx_id;
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   int ret = EINVAL;
   if (pv_virgl.initialized)
      ret = -pv_context_submit_fence(pv_virgl.ctx0.pv, 0, (uint32_t)client_fence_id, NULL, 0);
   else
      pv_warn(&pv_virgl.log, "virgl: fence %d before init", client_fence_id);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_context_create_fence(uint32_t ctx_id, uint32_t flags, uint32_t ring_idx,
                                    uint64_t fence_id)
{
   (void)flags; /* MERGEABLE allows skipping callbacks; we deliver each */
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_ctx *c = pv_virgl_ctx_get(ctx_id, "context_create_fence");
   int ret = -EINVAL;
   if (c && pv_virgl.cb_version < 3)
      pv_warn(&pv_virgl.log, "virgl: context fence %" PRIu64 ": callbacks v%d cannot report it",
              fence_id, pv_virgl.cb_version);
   else if (c && ring_idx >= PV_MAX_TIMELINES)
      pv_warn(&pv_virgl.log, "virgl: context %u: fence on ring %u (0..%u exist)", ctx_id, ring_idx,
              PV_MAX_TIMELINES - 1);
   else if (c)
      ret = pv_context_submit_fence(c->pv, ring_idx, fence_id, NULL, 0);
   if (!ret && ring_idx)
      atomic_store(&pv_virgl.ring_fence_since_poll, true);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

/* ---- attaching resources --------------------------------------------------- */

static bool
has_ctx(const struct pv_virgl_res *r, uint32_t ctx_id, uint32_t *index)
{
   for (uint32_t i = 0; i < r->ctx_count; i++) {
      if (r->ctxs[i] == ctx_id) {
         if (index)
            *index = i;
         return true;
      }
   }
   return false;
}

int
pv_virgl_res_add_ctx(struct pv_virgl_res *r, uint32_t ctx_id)
{
   if (r->ctx_count == r->ctx_cap) {
      uint32_t cap = r->ctx_cap ? r->ctx_cap * 2 : 4;
      uint32_t *n = realloc(r->ctxs, cap * sizeof(*n));
      if (!n)
         return -ENOMEM;
      r->ctxs = n;
      r->ctx_cap = cap;
   }
   r->ctxs[r->ctx_count++] = ctx_id;
   return 0;
}

/* Attach blob `r` to `dst` from any live context that holds it. */
static int
attach_blob(struct pv_virgl_res *r, struct pv_virgl_ctx *dst)
{
   int ret = -ENOENT;
   for (uint32_t i = 0; i < r->ctx_count && ret == -ENOENT; i++) {
      struct pv_virgl_ctx *src = pv_idmap_get(&pv_virgl.contexts, r->ctxs[i]);
      if (src)
         ret = pv_context_attach_resource(dst->pv, src->pv, r->id);
   }
   if (ret == -ENOENT)
      pv_warn(&pv_virgl.log, "virgl: resource %u: no live context holds it to attach it to %u",
              r->id, dst->id);
   return ret ? ret : pv_virgl_res_add_ctx(r, dst->id);
}

VIRGL_EXPORT void
virgl_renderer_ctx_attach_resource(int ctx_id, int res_handle)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_ctx *c = pv_virgl_ctx_get((uint32_t)ctx_id, "ctx_attach_resource");
   struct pv_virgl_res *r = c ? pv_virgl_res_get((uint32_t)res_handle, "ctx_attach_resource") : NULL;
   /* 2D resources are the VMM's alone: a Venus context never names them. */
   if (r && r->kind == PV_VIRGL_RES_BLOB && !has_ctx(r, c->id, NULL))
      attach_blob(r, c);
   pthread_mutex_unlock(&pv_virgl.lock);
}

VIRGL_EXPORT void
virgl_renderer_ctx_detach_resource(int ctx_id, int res_handle)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_ctx *c = pv_virgl_ctx_get((uint32_t)ctx_id, "ctx_detach_resource");
   struct pv_virgl_res *r = c ? pv_virgl_res_get((uint32_t)res_handle, "ctx_detach_resource") : NULL;
   uint32_t i;
   if (r && r->kind == PV_VIRGL_RES_BLOB && has_ctx(r, c->id, &i)) {
      r->ctxs[i] = r->ctxs[--r->ctx_count];
      /* -EBUSY (a ring still reads it) made the context fatal and logged. */
      pv_context_unref_resource(c->pv, r->id);
   }
   pthread_mutex_unlock(&pv_virgl.lock);
}

/* Detach a blob from every live context holding it (its unref). */
void
pv_virgl_res_detach_all(struct pv_virgl_res *r)
{
   for (uint32_t i = 0; i < r->ctx_count; i++) {
      struct pv_virgl_ctx *c = pv_idmap_get(&pv_virgl.contexts, r->ctxs[i]);
      if (c)
         pv_context_unref_resource(c->pv, r->id);
   }
   r->ctx_count = 0;
}
