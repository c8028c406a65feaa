/* resource.c — blob resources: plain shared memory and exported memory. */
#include "renderer/core/resource.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"
#include "renderer/core/context.h"
#include "renderer/core/recorder.h"

/* Shared-memory bytes a resource counts against max_shm_bytes and
 * max_total_shm_bytes. */
static uint64_t
shm_charge(const struct pv_resource *res)
{
   return res->owns_map && res->fd_type == PV_BLOB_FD_SHM ? res->size : 0;
}

static void
resource_free(struct pv_resource *res)
{
   if (res->renderer) {
      pv_budget_give(&res->renderer->blobs, 1);
      pv_budget_give(&res->renderer->shm_bytes, shm_charge(res));
   }
   if (res->owns_map)
      pv_shm_unmap(res->map, (size_t)res->size);
   if (res->release)
      res->release(res->priv);
   free(res);
}

void
pv_resource_unref(struct pv_resource *res)
{
   if (res && atomic_fetch_sub_explicit(&res->refs, 1, memory_order_acq_rel) == 1)
      resource_free(res);
}

/*
 * A context's hold on a resource: one entry per context the resource is
 * attached to, holding one reference.  Pins count per entry, because a
 * ring of one context must not make another context's detach fatal.
 */
struct pv_res_entry {
   struct pv_resource *res;
   uint32_t pins; /* guarded by the context's res_lock */
};

static struct pv_resource *
lookup_ref(struct pv_context *ctx, uint32_t res_id, int pin)
{
   pthread_mutex_lock(&ctx->res_lock);
   struct pv_res_entry *e = pv_idmap_get(&ctx->resources, res_id);
   struct pv_resource *res = e ? e->res : NULL;
   if (res) {
      atomic_fetch_add_explicit(&res->refs, 1, memory_order_relaxed);
      e->pins += pin ? 1 : 0;
   }
   pthread_mutex_unlock(&ctx->res_lock);
   return res;
}

struct pv_resource *
pv_context_get_resource(struct pv_context *ctx, uint32_t res_id)
{
   return lookup_ref(ctx, res_id, 0);
}

struct pv_resource *
pv_context_pin_resource(struct pv_context *ctx, uint32_t res_id)
{
   return lookup_ref(ctx, res_id, 1);
}

void
pv_resource_unpin(struct pv_context *ctx, struct pv_resource *res)
{
   if (!res)
      return;
   pthread_mutex_lock(&ctx->res_lock);
   struct pv_res_entry *e = pv_idmap_get(&ctx->resources, res->id);
   if (e && e->res == res && e->pins) /* else the guest detached it already */
      e->pins--;
   pthread_mutex_unlock(&ctx->res_lock);
   pv_resource_unref(res);
}

/* Enter `res` into ctx's table under `res_id` (0: a fresh id, stored in
 * *id_out), taking a reference for the table.  Called with res_lock. */
static int
table_add_locked(struct pv_context *ctx, struct pv_resource *res, uint32_t res_id,
                 uint32_t *id_out)
{
   struct pv_res_entry *e = calloc(1, sizeof(*e));
   if (!e)
      return -ENOMEM;
   e->res = res;
   int ret = res_id ? pv_idmap_add_at(&ctx->resources, res_id, e)
                    : pv_idmap_add(&ctx->resources, e, id_out);
   if (ret) {
      free(e);
      return ret;
   }
   atomic_fetch_add_explicit(&res->refs, 1, memory_order_relaxed);
   return 0;
}

/* Put a new resource into the table under `res_id`, or under a fresh id
 * when it is 0.  The table's reference is the only one afterwards. */
static int
insert(struct pv_context *ctx, struct pv_resource *res, uint32_t res_id)
{
   atomic_init(&res->refs, 0);
   pthread_mutex_lock(&ctx->res_lock);
   int ret = table_add_locked(ctx, res, res_id, &res->id);
   if (!ret && res_id)
      res->id = res_id;
   pthread_mutex_unlock(&ctx->res_lock);
   return ret;
}

/* The max_shm_bytes limit counts live shared-memory blobs of the guest. */
static bool
reserve_shm_bytes(struct pv_context *ctx, uint64_t size)
{
   uint64_t max = ctx->renderer->limits.max_shm_bytes;
   pthread_mutex_lock(&ctx->res_lock);
   bool ok = ctx->shm_bytes <= max && size <= max - ctx->shm_bytes;
   if (ok)
      ctx->shm_bytes += size;
   pthread_mutex_unlock(&ctx->res_lock);
   if (!ok)
      pv_warn(ctx->log, "ctx %u: limit max_shm_bytes (%" PRIu64 ") reached: %" PRIu64
              " bytes live, %" PRIu64 " asked", ctx->serial, max, ctx->shm_bytes, size);
   return ok;
}

static void
release_shm_bytes(struct pv_context *ctx, uint64_t size)
{
   pthread_mutex_lock(&ctx->res_lock);
   ctx->shm_bytes -= size;
   pthread_mutex_unlock(&ctx->res_lock);
}

/* `size` rounded up to the renderer's page size; 0 on overflow. */
static uint64_t
page_round(const struct pv_context *ctx, uint64_t size)
{
   uint64_t page = ctx->renderer->page_size;
   return size > UINT64_MAX - (page - 1) ? 0 : (size + page - 1) & ~(page - 1);
}

/* A blob_id-0 resource: shared memory we map too.  *fd gets its fd when
 * fd != NULL. */
static int
create_shm(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags, uint64_t size,
           struct pv_resource **out, int *fd_out)
{
   /* Mesa creates every shmem as HOST3D with exactly MAPPABLE (§1.3). */
   if (blob_type != PV_BLOB_TYPE_HOST3D || blob_flags != PV_BLOB_FLAG_MAPPABLE) {
      pv_warn(ctx->log, "ctx %u: blob_id 0 needs type HOST3D and flags MAPPABLE, got type %u flags 0x%x",
              ctx->serial, blob_type, blob_flags);
      return -EINVAL;
   }
   if (size == 0 || size > ctx->renderer->max_shm_blob_size || size > SIZE_MAX) {
      pv_warn(ctx->log, "ctx %u: shm blob size %" PRIu64 " out of range (1..%" PRIu64 ")",
              ctx->serial, size, ctx->renderer->max_shm_blob_size);
      return -EINVAL;
   }
   /* A VMM maps whole host pages into the guest (krunkit#114: a 131,268-byte
    * ring blob failed in hv_vm_map), so the blob owns whole pages. */
   size = page_round(ctx, size);
   if (!size || size > SIZE_MAX)
      return -EINVAL;
   if (!reserve_shm_bytes(ctx, size))
      return -ENOSPC;
   if (!pv_budget_take_logged(&ctx->renderer->shm_bytes, size, ctx->log, ctx->serial)) {
      release_shm_bytes(ctx, size);
      return -ENOSPC;
   }
   struct pv_resource *res = calloc(1, sizeof(*res));
   int fd = res ? pv_shm_create("pv-venus-blob", (size_t)size) : -ENOMEM;
   if (fd < 0) {
      pv_warn(ctx->log, "ctx %u: shm blob of %" PRIu64 " bytes: %s", ctx->serial, size, strerror(-fd));
      pv_budget_give(&ctx->renderer->shm_bytes, size);
      release_shm_bytes(ctx, size);
      free(res);
      return fd;
   }
   res->map = pv_shm_map_aligned(fd, (size_t)size, (size_t)ctx->renderer->page_size);
   if (!res->map) {
      int err = errno ? -errno : -ENOMEM;
      pv_warn(ctx->log, "ctx %u: mapping shm blob of %" PRIu64 " bytes: %s", ctx->serial, size,
              strerror(-err));
      pv_close(fd);
      pv_budget_give(&ctx->renderer->shm_bytes, size);
      release_shm_bytes(ctx, size);
      free(res);
      return err;
   }
   res->owns_map = 1;
   res->size = size;
   res->fd_type = PV_BLOB_FD_SHM;
   res->map_caching = PV_MAP_CACHE_CACHED;
   if (fd_out)
      *fd_out = fd;
   else
      pv_close(fd); /* the mapping keeps the memory */
   *out = res;
   return 0;
}

/* A blob_id != 0 resource: a guest VkDeviceMemory the Vulkan layer
 * exports.  *fd gets its fd when fd != NULL. */
static int
create_exported(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags, uint64_t size,
                uint64_t blob_id, struct pv_resource **out, int *fd_out)
{
   if (!ctx->export_memory) {
      pv_warn(ctx->log, "ctx %u: blob_id %" PRIu64 ": exporting device memory is not implemented",
              ctx->serial, blob_id);
      return -ENOTSUP;
   }
   struct pv_export_result ex = { .fd = -1 };
   int ret = ctx->export_memory(ctx, blob_id, blob_type, blob_flags, size, &ex);
   if (ret || ex.fd < 0) {
      pv_warn(ctx->log, "ctx %u: exporting memory %" PRIu64 " failed (%d)", ctx->serial, blob_id, ret);
      if (!ret && ex.release)
         ex.release(ex.priv);
      return ret ? ret : -EIO;
   }
   struct pv_resource *res = calloc(1, sizeof(*res));
   if (!res) {
      pv_close(ex.fd);
      if (ex.release)
         ex.release(ex.priv);
      return -ENOMEM;
   }
   res->fd_type = ex.fd_type;
   res->map_caching = ex.map_caching;
   res->size = ex.size;
   res->map = ex.map;
   res->priv = ex.priv;
   res->release = ex.release;
   res->dup_fd = ex.dup_fd;
   if (fd_out)
      *fd_out = ex.fd;
   else
      pv_close(ex.fd);
   *out = res;
   return 0;
}

/* Let work the context ordered before this resource operation finish. */
static int
settle(struct pv_context *ctx)
{
   if (!ctx->settle || !ctx->settle(ctx))
      return 0;
   return -EIO;
}

/* Create a blob and put it into the table under `res_id` (0: choose one). */
static int
create_blob(struct pv_context *ctx, uint32_t res_id, uint32_t blob_type, uint32_t blob_flags,
            uint64_t size, uint64_t blob_id, uint32_t *res_id_out, struct pv_blob_info *info)
{
   /* a blob of device memory may follow that memory's allocation on a ring */
   if (pv_context_is_fatal(ctx) || (blob_id && settle(ctx)))
      return -EIO;
   struct pv_resource *res = NULL;
   int fd = -1;
   int *fdp = info ? &fd : NULL;
   if (!pv_budget_take_logged(&ctx->renderer->blobs, 1, ctx->log, ctx->serial))
      return -ENOSPC;
   int ret = blob_id == 0 ? create_shm(ctx, blob_type, blob_flags, size, &res, fdp)
                          : create_exported(ctx, blob_type, blob_flags, size, blob_id, &res, fdp);
   if (ret) {
      pv_budget_give(&ctx->renderer->blobs, 1);
      return ret;
   }
   res->renderer = ctx->renderer; /* resource_free gives both budgets back */
   ret = insert(ctx, res, res_id);
   if (ret) {
      pv_warn(ctx->log, "ctx %u: resource %u: %s%s", ctx->serial, res_id, strerror(-ret),
              ret == -ENOSPC ? " (limit max_blobs)" : "");
      pv_close(fd);
      if (shm_charge(res))
         release_shm_bytes(ctx, res->size);
      resource_free(res);
      return ret;
   }
   if (res_id_out)
      *res_id_out = res->id;
   if (info) {
      info->fd = fd;
      info->fd_type = res->fd_type;
      info->size = res->size;
      info->map_caching = res->map_caching;
   }
   pv_debug(ctx->log, "ctx %u: res %u = %s %" PRIu64 " (%" PRIu64 " bytes, fd type %d)",
            ctx->serial, res->id, blob_id ? "memory" : "shm", blob_id, res->size,
            (int)res->fd_type);
   if (ctx->recorder) {
      struct {
         uint32_t type, flags;
         uint64_t size, blob_id;
         uint32_t res_id;
      } __attribute__((packed)) rec = { blob_type, blob_flags, size, blob_id, res->id };
      pv_recorder_write(ctx->recorder, PV_RECORD_BLOB, NULL, 0, &rec, sizeof(rec));
   }
   return 0;
}

static void
clear_info(struct pv_blob_info *info)
{
   if (info) {
      memset(info, 0, sizeof(*info));
      info->fd = -1;
   }
}

PV_API int
pv_context_create_blob(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags,
                       uint64_t size, uint64_t blob_id, uint32_t *res_id,
                       struct pv_blob_info *info)
{
   clear_info(info);
   if (!ctx || !res_id || !info)
      return -EINVAL;
   return create_blob(ctx, 0, blob_type, blob_flags, size, blob_id, res_id, info);
}

PV_API int
pv_context_create_blob_with_id(struct pv_context *ctx, uint32_t res_id, uint32_t blob_type,
                               uint32_t blob_flags, uint64_t size, uint64_t blob_id,
                               struct pv_blob_info *info)
{
   clear_info(info);
   if (!ctx)
      return -EINVAL;
   if (!res_id) {
      pv_warn(ctx->log, "ctx %u: resource id 0 is not a resource", ctx->serial);
      return -EINVAL;
   }
   return create_blob(ctx, res_id, blob_type, blob_flags, size, blob_id, NULL, info);
}

PV_API int
pv_context_attach_resource(struct pv_context *dst, struct pv_context *src, uint32_t res_id)
{
   if (!dst || !src)
      return -EINVAL;
   if (pv_context_is_fatal(dst))
      return -EIO;
   struct pv_resource *res = pv_context_get_resource(src, res_id);
   if (!res) {
      pv_warn(dst->log, "ctx %u: attach of resource %u, which ctx %u does not hold", dst->serial,
              res_id, src->serial);
      return -ENOENT;
   }
   pthread_mutex_lock(&dst->res_lock);
   struct pv_res_entry *held = pv_idmap_get(&dst->resources, res_id);
   int ret = !held ? table_add_locked(dst, res, res_id, NULL) : held->res == res ? 0 : -EEXIST;
   if (!held && !ret)
      dst->shm_bytes += shm_charge(res); /* counted where it is held, like a new blob */
   pthread_mutex_unlock(&dst->res_lock);
   pv_resource_unref(res); /* the lookup's; the table took its own */
   if (ret)
      pv_warn(dst->log, "ctx %u: attach of resource %u: %s%s", dst->serial, res_id,
              strerror(-ret), ret == -ENOSPC ? " (limit max_blobs)" : "");
   else if (!held)
      pv_debug(dst->log, "ctx %u: res %u attached from ctx %u", dst->serial, res_id, src->serial);
   return ret;
}

PV_API int
pv_context_map_resource(struct pv_context *ctx, uint32_t res_id, struct pv_resource_mapping *out)
{
   if (out)
      memset(out, 0, sizeof(*out));
   if (!ctx || !out)
      return -EINVAL;
   struct pv_resource *res = pv_context_get_resource(ctx, res_id);
   if (!res) {
      pv_warn(ctx->log, "ctx %u: map of unknown resource %u", ctx->serial, res_id);
      return -ENOENT;
   }
   if (!res->map) {
      pv_warn(ctx->log, "ctx %u: resource %u has no host mapping", ctx->serial, res_id);
      pv_resource_unref(res);
      return -EINVAL;
   }
   /* Both kinds own whole pages of the renderer's page size: shm blobs are
    * rounded at creation, device memory by its import alignment. */
   out->ptr = res->map;
   out->size = res->size;
   out->caching = res->map_caching;
   out->res = res; /* the reference pv_context_get_resource took */
   return 0;
}

PV_API void
pv_resource_mapping_release(struct pv_resource_mapping *m)
{
   if (!m)
      return;
   pv_resource_unref(m->res);
   memset(m, 0, sizeof(*m));
}

PV_API int
pv_context_export_resource(struct pv_context *ctx, uint32_t res_id, int *fd_out,
                           enum pv_blob_fd_type *fd_type)
{
   if (fd_out)
      *fd_out = -1;
   if (!ctx || !fd_out || !fd_type)
      return -EINVAL;
   if (settle(ctx))
      return -EIO;
   struct pv_resource *res = pv_context_get_resource(ctx, res_id);
   if (!res) {
      pv_warn(ctx->log, "ctx %u: export of unknown resource %u", ctx->serial, res_id);
      return -ENOENT;
   }
   int fd = res->dup_fd ? res->dup_fd(res->priv) : -ENOTSUP;
   if (fd >= 0) {
      *fd_out = fd;
      *fd_type = res->fd_type;
   } else {
      pv_warn(ctx->log, "ctx %u: resource %u cannot be exported as an fd here: %s", ctx->serial,
              res_id, strerror(-fd));
   }
   pv_resource_unref(res);
   return fd >= 0 ? 0 : fd;
}

PV_API int
pv_context_unref_resource(struct pv_context *ctx, uint32_t res_id)
{
   if (!ctx)
      return -EINVAL;
   /* the guest orders the release after the ring's last use (Mesa venus
    * waits for its ring before unref'ing a blob of device memory); failed,
    * the unref still goes ahead: the context is fatal */
   settle(ctx);
   pv_recorder_write(ctx->recorder, PV_RECORD_UNREF, NULL, 0, &res_id, sizeof(res_id));
   pthread_mutex_lock(&ctx->res_lock);
   struct pv_res_entry *e = pv_idmap_remove(&ctx->resources, res_id);
   struct pv_resource *res = e ? e->res : NULL;
   uint32_t pins = e ? e->pins : 0;
   if (res)
      ctx->shm_bytes -= shm_charge(res);
   pthread_mutex_unlock(&ctx->res_lock);
   free(e);
   if (!res) {
      pv_debug(ctx->log, "ctx %u: unref of unknown resource %u", ctx->serial, res_id);
      return -ENOENT;
   }
   pv_debug(ctx->log, "ctx %u: res %u unref", ctx->serial, res_id);
   int ret = 0;
   if (pins) {
      /* A ring or the reply stream still reads this memory: the guest broke
       * the protocol.  Keep the memory (the pin holds a reference) so no
       * thread reads freed pages. */
      pv_context_set_fatal(ctx, "resource %u destroyed while a ring or the reply stream uses it",
                           res_id);
      ret = -EBUSY;
   }
   pv_resource_unref(res);
   return ret;
}

static void
entry_free(void *val)
{
   struct pv_res_entry *e = val;
   pv_resource_unref(e->res);
   free(e);
}

void
pv_context_resources_fini(struct pv_context *ctx)
{
   pv_idmap_drain(&ctx->resources, entry_free);
}
