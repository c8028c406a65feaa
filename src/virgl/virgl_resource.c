/*
 * virgl_resource.c — the resource table, blob resources and their
 * mappings, and what every resource answers (info, priv, unref).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "virgl_internal.h"

struct pv_virgl_res *
pv_virgl_res_get(uint32_t res_id, const char *what)
{
   struct pv_virgl_res *r = pv_idmap_get(&pv_virgl.resources, res_id);
   if (!r)
      pv_warn(&pv_virgl.log, "virgl: %s: no resource %u", what, res_id);
   return r;
}

int
pv_virgl_res_insert(struct pv_virgl_res *res)
{
   int ret = pv_idmap_add_at(&pv_virgl.resources, res->id, res);
   if (ret)
      pv_warn(&pv_virgl.log, "virgl: resource %u: %s", res->id,
              ret == -EEXIST ? "the id is in use" : ret == -ENOSPC ? "too many resources"
                                                                   : strerror(-ret));
   return ret;
}

void
pv_virgl_res_free(struct pv_virgl_res *r)
{
   if (r->kind == PV_VIRGL_RES_BLOB) {
      pv_virgl_res_detach_all(r);
      /* The VMM unmapped it from the guest already (or, with map_fixed,
       * never needed ours): the memory may go. */
      pv_resource_mapping_release(&r->map);
   } else {
      pv_virgl_2d_free(r);
   }
   /* r->iov is the VMM's: handed back by detach_iov, never freed here. */
   free(r->ctxs);
   free(r);
}

static void
free_val(void *val)
{
   pv_virgl_res_free(val);
}

void
pv_virgl_res_drop_all(void)
{
   pv_idmap_drain(&pv_virgl.resources, free_val);
}

VIRGL_EXPORT void
virgl_renderer_resource_unref(uint32_t res_handle)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get(res_handle, "resource_unref")
                               ? pv_idmap_remove(&pv_virgl.resources, res_handle) : NULL;
   if (r) {
      if (r->iov)
         pv_warn(&pv_virgl.log, "virgl: resource %u unref with its backing attached", r->id);
      pv_virgl_res_free(r);
   }
   pthread_mutex_unlock(&pv_virgl.lock);
}

/* ---- blobs -------------------------------------------------------------------- */

static bool
blob_args_ok(const struct virgl_renderer_resource_create_blob_args *a)
{
   const char *why = NULL;
   if (!a->res_handle)
      why = "resource id 0";
   else if (a->blob_mem != VIRGL_RENDERER_BLOB_MEM_HOST3D)
      why = "only host memory (HOST3D) blobs are served";
   else if (a->num_iovs || a->iovecs)
      why = "a host blob takes no guest backing";
   else if (!a->size)
      why = "size 0";
   if (why)
      pv_warn(&pv_virgl.log, "virgl: blob %u (ctx %u, mem %u, flags 0x%x, size %" PRIu64
              ") refused: %s", a->res_handle, a->ctx_id, a->blob_mem, a->blob_flags, a->size, why);
   return !why;
}

/* Create the blob in its context and keep a mapping of it (if it has one),
 * which lets the resource outlive the contexts as a virtio-gpu resource
 * does. */
static int
create_blob_locked(const struct virgl_renderer_resource_create_blob_args *a)
{
   struct pv_virgl_ctx *c = pv_virgl_ctx_get(a->ctx_id, "resource_create_blob");
   if (!c)
      return -EINVAL;
   if (pv_idmap_get(&pv_virgl.resources, a->res_handle)) {
      pv_warn(&pv_virgl.log, "virgl: blob %u: the id is in use", a->res_handle);
      return -EINVAL;
   }
   struct pv_virgl_res *r = calloc(1, sizeof(*r));
   if (!r)
      return -ENOMEM;
   r->id = a->res_handle;
   r->kind = PV_VIRGL_RES_BLOB;
   int ret = pv_context_create_blob_with_id(c->pv, r->id, PV_BLOB_TYPE_HOST3D, a->blob_flags,
                                            a->size, a->blob_id, NULL);
   if (ret) {
      free(r);
      return ret;
   }
   int map = pv_context_map_resource(c->pv, r->id, &r->map);
   ret = map && map != -EINVAL ? map : pv_virgl_res_add_ctx(r, c->id);
   if (!ret)
      ret = pv_virgl_res_insert(r);
   if (ret) {
      pv_context_unref_resource(c->pv, r->id);
      r->ctx_count = 0;
      pv_virgl_res_free(r);
   }
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_resource_create_blob(const struct virgl_renderer_resource_create_blob_args *args)
{
   pv_virgl_once();
   if (!args) {
      pv_warn(&pv_virgl.log, "virgl: resource_create_blob without arguments");
      return -EINVAL;
   }
   if (!blob_args_ok(args))
      return -EINVAL;
   pthread_mutex_lock(&pv_virgl.lock);
   int ret = create_blob_locked(args);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

/* The blob `res_handle`, or NULL with a log line. */
static struct pv_virgl_res *
blob_get(uint32_t res_handle, const char *what)
{
   struct pv_virgl_res *r = pv_virgl_res_get(res_handle, what);
   if (r && r->kind != PV_VIRGL_RES_BLOB) {
      pv_warn(&pv_virgl.log, "virgl: %s: resource %u is not a blob", what, res_handle);
      return NULL;
   }
   return r;
}

VIRGL_EXPORT int
virgl_renderer_resource_map(uint32_t res_handle, void **map, uint64_t *out_size)
{
   pv_virgl_once();
   if (!map || !out_size)
      return -EINVAL;
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = blob_get(res_handle, "resource_map");
   int ret = -EINVAL;
   if (r && !r->map.ptr)
      pv_warn(&pv_virgl.log, "virgl: resource %u has no host mapping (not MAPPABLE)", res_handle);
   else if (r && r->mapped)
      pv_warn(&pv_virgl.log, "virgl: resource %u is mapped already", res_handle);
   else if (r) {
      /* Whole pages of the renderer's page size (PV_VENUS_PAGE_SIZE). */
      *map = r->map.ptr;
      *out_size = r->map.size;
      r->mapped = true;
      ret = 0;
   }
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

/* Mapping at the VMM's address would need the blob's fd, which we keep
 * only where it was exported; the VMM falls back to resource_map. */
VIRGL_EXPORT int
virgl_renderer_resource_map_fixed(uint32_t res_handle, void *addr)
{
   (void)addr;
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   int ret = blob_get(res_handle, "resource_map_fixed") ? -EOPNOTSUPP : -EINVAL;
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_resource_unmap(uint32_t res_handle)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = blob_get(res_handle, "resource_unmap");
   int ret = r && r->mapped ? 0 : -EINVAL;
   if (r && !r->mapped)
      pv_warn(&pv_virgl.log, "virgl: resource %u is not mapped", res_handle);
   if (r)
      r->mapped = false; /* the memory stays ours until unref */
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_resource_get_map_info(uint32_t res_handle, uint32_t *map_info)
{
   pv_virgl_once();
   if (!map_info)
      return -EINVAL;
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = blob_get(res_handle, "resource_get_map_info");
   int ret = r && r->map.ptr ? 0 : -EINVAL;
   /* pv_map_caching uses the virtio-gpu values, as the ABI does. */
   *map_info = ret ? VIRGL_RENDERER_MAP_CACHE_NONE : (uint32_t)r->map.caching;
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

static uint32_t
fd_type_to_virgl(enum pv_blob_fd_type t)
{
   return t == PV_BLOB_FD_DMABUF ? VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF
        : t == PV_BLOB_FD_SHM    ? VIRGL_RENDERER_BLOB_FD_TYPE_SHM
                                 : VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE;
}

VIRGL_EXPORT int
virgl_renderer_resource_export_blob(uint32_t res_id, uint32_t *fd_type, int *fd)
{
   pv_virgl_once();
   if (!fd_type || !fd)
      return -EINVAL;
   *fd = -1;
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = blob_get(res_id, "resource_export_blob");
   int ret = -EINVAL;
   for (uint32_t i = 0; r && i < r->ctx_count && ret == -EINVAL; i++) {
      struct pv_virgl_ctx *c = pv_idmap_get(&pv_virgl.contexts, r->ctxs[i]);
      enum pv_blob_fd_type t;
      if (c && !(ret = pv_context_export_resource(c->pv, res_id, fd, &t)))
         *fd_type = fd_type_to_virgl(t);
   }
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_resource_import_blob(const struct virgl_renderer_resource_import_blob_args *args)
{
   pv_virgl_once();
   pv_warn(&pv_virgl.log, "virgl: resource_import_blob %u: importing is not served",
           args ? args->res_handle : 0);
   return -EOPNOTSUPP;
}

/* ---- what every resource answers ----------------------------------------------- */

/* A blob has no texture and no dma-buf: handle and fd -1 are all there is
 * (QEMU asks right after creating one and keeps the fd as a dma-buf).  A
 * 2D resource has no GL texture a GL display could show: scanning it out
 * is refused here, the one place that would show it. */
static int
fill_info_locked(int res_handle, struct virgl_renderer_resource_info *info)
{
   struct pv_virgl_res *r = pv_virgl_res_get((uint32_t)res_handle, "resource_get_info");
   if (!r)
      return EINVAL;
   if (r->kind == PV_VIRGL_RES_2D) {
      pv_warn(&pv_virgl.log, "virgl: resource %u is a 2D resource without a GL texture: it "
              "cannot be scanned out (this renderer serves Venus, not OpenGL)", r->id);
      return EINVAL;
   }
   memset(info, 0, sizeof(*info));
   info->handle = r->id;
   info->fd = -1;
   return 0;
}

VIRGL_EXPORT int
virgl_renderer_resource_get_info(int res_handle, struct virgl_renderer_resource_info *info)
{
   pv_virgl_once();
   if (!info)
      return EINVAL;
   pthread_mutex_lock(&pv_virgl.lock);
   int ret = fill_info_locked(res_handle, info);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_resource_get_info_ext(int res_handle, struct virgl_renderer_resource_info_ext *info)
{
   pv_virgl_once();
   if (!info)
      return EINVAL;
   pthread_mutex_lock(&pv_virgl.lock);
   memset(info, 0, sizeof(*info));
   info->version = VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION;
   int ret = fill_info_locked(res_handle, &info->base);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT void
virgl_renderer_resource_set_priv(uint32_t res_handle, void *priv)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get(res_handle, "resource_set_priv");
   if (r)
      r->priv = priv;
   pthread_mutex_unlock(&pv_virgl.lock);
}

VIRGL_EXPORT void *
virgl_renderer_resource_get_priv(uint32_t res_handle)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get(res_handle, "resource_get_priv");
   void *priv = r ? r->priv : NULL;
   pthread_mutex_unlock(&pv_virgl.lock);
   return priv;
}

VIRGL_EXPORT int
virgl_renderer_resource_attach_iov(int res_handle, struct iovec *iov, int num_iovs)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get((uint32_t)res_handle, "resource_attach_iov");
   int ret = EINVAL;
   if (r && (r->iov || num_iovs < 0 || (num_iovs && !iov)))
      pv_warn(&pv_virgl.log, "virgl: resource %d: backing refused (%s)", res_handle,
              r->iov ? "one is attached already" : "bad iov array");
   else if (r) {
      r->iov = iov;
      r->iov_count = num_iovs;
      ret = 0;
   }
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT void
virgl_renderer_resource_detach_iov(int res_handle, struct iovec **iov, int *num_iovs)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get((uint32_t)res_handle, "resource_detach_iov");
   if (iov)
      *iov = r ? r->iov : NULL;
   if (num_iovs)
      *num_iovs = r ? r->iov_count : 0;
   if (r) {
      r->iov = NULL;
      r->iov_count = 0;
   }
   pthread_mutex_unlock(&pv_virgl.lock);
}
