/* resource.c — blob resources: plain shared memory and exported memory. */
#include "renderer/resource.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"
#include "renderer/context.h"
#include "renderer/recorder.h"

static void
resource_free(struct pv_resource *res)
{
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

static struct pv_resource *
lookup_ref(struct pv_context *ctx, uint32_t res_id, int pin)
{
   pthread_mutex_lock(&ctx->res_lock);
   struct pv_resource *res = pv_idmap_get(&ctx->resources, res_id);
   if (res) {
      atomic_fetch_add_explicit(&res->refs, 1, memory_order_relaxed);
      res->pins += pin ? 1 : 0;
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
   if (res->pins)
      res->pins--;
   pthread_mutex_unlock(&ctx->res_lock);
   pv_resource_unref(res);
}

/* Put a new resource (holding the table's reference) into the table. */
static int
insert(struct pv_context *ctx, struct pv_resource *res)
{
   atomic_init(&res->refs, 1);
   pthread_mutex_lock(&ctx->res_lock);
   int ret = pv_idmap_add(&ctx->resources, res, &res->id);
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

static int
create_shm(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags, uint64_t size,
           uint32_t *res_id, struct pv_blob_info *info)
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
   if (!reserve_shm_bytes(ctx, size))
      return -ENOSPC;
   struct pv_resource *res = calloc(1, sizeof(*res));
   if (!res) {
      release_shm_bytes(ctx, size);
      return -ENOMEM;
   }
   int fd = pv_shm_create("pv-venus-blob", (size_t)size);
   if (fd < 0) {
      pv_warn(ctx->log, "ctx %u: shm blob of %" PRIu64 " bytes: %s", ctx->serial, size, strerror(-fd));
      release_shm_bytes(ctx, size);
      free(res);
      return fd;
   }
   res->map = pv_shm_map(fd, (size_t)size);
   if (!res->map) {
      int err = -errno;
      pv_warn(ctx->log, "ctx %u: mapping shm blob of %" PRIu64 " bytes: %s", ctx->serial, size,
              strerror(errno));
      pv_close(fd);
      release_shm_bytes(ctx, size);
      free(res);
      return err ? err : -ENOMEM;
   }
   res->owns_map = 1;
   res->size = size;
   res->fd_type = PV_BLOB_FD_SHM;
   int ret = insert(ctx, res);
   if (ret) {
      pv_warn(ctx->log, "ctx %u: resource table: %s%s", ctx->serial, strerror(-ret),
              ret == -ENOSPC ? " (limit max_blobs)" : "");
      pv_close(fd);
      release_shm_bytes(ctx, size);
      resource_free(res);
      return ret;
   }
   *res_id = res->id;
   info->fd = fd;
   info->fd_type = PV_BLOB_FD_SHM;
   info->size = size;
   info->map_caching = PV_MAP_CACHE_CACHED;
   pv_debug(ctx->log, "ctx %u: res %u = shm %" PRIu64 " bytes", ctx->serial, res->id, size);
   return 0;
}

static int
create_exported(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags, uint64_t size,
                uint64_t blob_id, uint32_t *res_id, struct pv_blob_info *info)
{
   if (!ctx->export_memory) {
      pv_warn(ctx->log, "ctx %u: blob_id %" PRIu64 ": exporting device memory is not implemented",
              ctx->serial, blob_id);
      return -ENOTSUP;
   }
   struct pv_export_result out = { .fd = -1 };
   int ret = ctx->export_memory(ctx, blob_id, blob_type, blob_flags, size, &out);
   if (ret || out.fd < 0) {
      pv_warn(ctx->log, "ctx %u: exporting memory %" PRIu64 " failed (%d)", ctx->serial, blob_id, ret);
      if (!ret && out.release)
         out.release(out.priv);
      return ret ? ret : -EIO;
   }
   struct pv_resource *res = calloc(1, sizeof(*res));
   if (!res) {
      pv_close(out.fd);
      if (out.release)
         out.release(out.priv);
      return -ENOMEM;
   }
   res->fd_type = out.fd_type;
   res->size = out.size;
   res->map = out.map;
   res->priv = out.priv;
   res->release = out.release;
   ret = insert(ctx, res);
   if (ret) {
      pv_close(out.fd);
      resource_free(res);
      return ret;
   }
   *res_id = res->id;
   info->fd = out.fd;
   info->fd_type = out.fd_type;
   info->size = out.size;
   info->map_caching = out.map_caching;
   pv_debug(ctx->log, "ctx %u: res %u = memory %" PRIu64 " (%" PRIu64 " bytes, fd type %d)",
            ctx->serial, res->id, blob_id, out.size, (int)out.fd_type);
   return 0;
}

PV_API int
pv_context_create_blob(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags,
                       uint64_t size, uint64_t blob_id, uint32_t *res_id,
                       struct pv_blob_info *info)
{
   if (info) {
      memset(info, 0, sizeof(*info));
      info->fd = -1;
   }
   if (!ctx || !res_id || !info)
      return -EINVAL;
   if (pv_context_is_fatal(ctx))
      return -EIO;
   int ret = blob_id == 0 ? create_shm(ctx, blob_type, blob_flags, size, res_id, info)
                          : create_exported(ctx, blob_type, blob_flags, size, blob_id, res_id, info);
   if (!ret && ctx->recorder) {
      struct {
         uint32_t type, flags;
         uint64_t size, blob_id;
         uint32_t res_id;
      } __attribute__((packed)) rec = { blob_type, blob_flags, size, blob_id, *res_id };
      pv_recorder_write(ctx->recorder, PV_RECORD_BLOB, NULL, 0, &rec, sizeof(rec));
   }
   return ret;
}

PV_API int
pv_context_unref_resource(struct pv_context *ctx, uint32_t res_id)
{
   if (!ctx)
      return -EINVAL;
   pv_recorder_write(ctx->recorder, PV_RECORD_UNREF, NULL, 0, &res_id, sizeof(res_id));
   pthread_mutex_lock(&ctx->res_lock);
   struct pv_resource *res = pv_idmap_remove(&ctx->resources, res_id);
   uint32_t pins = res ? res->pins : 0;
   if (res && res->owns_map && res->fd_type == PV_BLOB_FD_SHM)
      ctx->shm_bytes -= res->size;
   pthread_mutex_unlock(&ctx->res_lock);
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

void
pv_context_resources_fini(struct pv_context *ctx)
{
   struct pv_idmap *m = &ctx->resources;
   for (uint32_t i = 0; i < m->cap; i++) {
      if (m->slots[i].key)
         pv_resource_unref(m->slots[i].val);
   }
   pv_idmap_fini(m);
}
