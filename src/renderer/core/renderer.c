/* renderer.c — the renderer instance: configuration and logging. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "renderer/core/context.h"

#define DEFAULT_MAX_SHM_BLOB_SIZE (1ull << 30)

_Static_assert(PV_VENUS_LOG_ERROR == PV_LOG_ERROR + 1 && PV_VENUS_LOG_TRACE == PV_LOG_TRACE + 1,
               "public log levels are the internal ones plus one");

/* Forwards internal log lines to the embedder's sink. */
static void
log_trampoline(void *user, enum pv_log_level level, const char *msg)
{
   const struct pv_renderer *r = user;
   r->config.log_fn(r->config.log_user, (enum pv_venus_log_level)(level + 1), msg);
}

#define OR_DEFAULT(v, d) ((v) ? (v) : (d))

/* A quarter of the open-files limit (each pending wait holds an fd; the
 * rest is for clients, blobs and the driver), at least 64. */
static uint32_t
default_pending_waits(void)
{
   struct rlimit rl;
   if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
      return 1u << 16;
   rlim_t q = rl.rlim_cur / 4;
   return q < 64 ? 64 : q > (1u << 20) ? (1u << 20) : (uint32_t)q;
}

/* Half of the system's mapping limit (the host driver and the C library
 * need mappings too), or 32,768 where there is none. */
static uint64_t
default_total_blobs(void)
{
   uint64_t m = pv_mapping_limit();
   return m ? (m / 2 > UINT32_MAX ? UINT32_MAX : m / 2) : 32768;
}

/* Half of physical memory: shared memory is RAM the guest can fill. */
static uint64_t
default_total_shm(void)
{
   uint64_t phys = pv_phys_mem_bytes();
   return phys ? phys / 2 : 16ull << 30;
}

static void
init_budgets(struct pv_renderer *r, const struct pv_renderer_config *cfg)
{
   pv_budget_init(&r->contexts, "max_contexts", OR_DEFAULT(cfg->max_contexts, 1024));
   pv_budget_init(&r->rings, "max_total_rings", OR_DEFAULT(cfg->max_total_rings, 4096));
   pv_budget_init(&r->blobs, "max_total_blobs",
                  cfg->max_total_blobs ? cfg->max_total_blobs : default_total_blobs());
   pv_budget_init(&r->shm_bytes, "max_total_shm_bytes",
                  cfg->max_total_shm_bytes ? cfg->max_total_shm_bytes : default_total_shm());
   pv_budget_init(&r->waits, "max_pending_waits",
                  cfg->max_pending_waits ? cfg->max_pending_waits : default_pending_waits());
}

static void
resolve_limits(struct pv_context_limits *out, const struct pv_context_limits *in)
{
   out->max_objects = OR_DEFAULT(in->max_objects, PV_DEFAULT_MAX_OBJECTS);
   out->max_device_memory = OR_DEFAULT(in->max_device_memory, PV_DEFAULT_MAX_DEVICE_MEMORY);
   out->max_blobs = OR_DEFAULT(in->max_blobs, PV_DEFAULT_MAX_BLOBS);
   out->max_shm_bytes = OR_DEFAULT(in->max_shm_bytes, PV_DEFAULT_MAX_SHM_BYTES);
   out->max_rings = OR_DEFAULT(in->max_rings, PV_DEFAULT_MAX_RINGS);
   out->max_syncs = OR_DEFAULT(in->max_syncs, PV_DEFAULT_MAX_SYNCS);
}

PV_API int
pv_renderer_create(const struct pv_renderer_config *config, struct pv_renderer **out)
{
   if (out)
      *out = NULL;
   if (!out)
      return -EINVAL;
   struct pv_renderer_config cfg = { 0 };
   if (config)
      cfg = *config;
   if ((cfg.flags & ~(PV_RENDERER_FENCES_POLLED | PV_RENDERER_SERVE_WSI_MEMORY | PV_RENDERER_NO_BUSY_WAIT)) || cfg.log_level > PV_VENUS_LOG_TRACE)
      return -EINVAL;
   uint64_t page = cfg.page_size ? cfg.page_size : pv_page_size();
   if (page < 4096 || page > (1u << 20) || (page & (page - 1)))
      return -EINVAL;
   struct pv_renderer *r = calloc(1, sizeof(*r));
   if (!r)
      return -ENOMEM;
   if ((cfg.flags & PV_RENDERER_FENCES_POLLED) && pv_fence_queue_init(&r->polled)) {
      free(r);
      return -ENOMEM;
   }
   r->page_size = page;
   init_budgets(r, &cfg);
   r->config = cfg;
   pthread_mutex_init(&r->loader_lock, NULL);
   pthread_mutex_init(&r->probe_lock, NULL);
   pv_logger_init(&r->log, cfg.log_fn ? log_trampoline : NULL, r);
   if (cfg.log_level != PV_VENUS_LOG_DEFAULT)
      r->log.level = (enum pv_log_level)(cfg.log_level - 1);
   r->max_shm_blob_size = cfg.max_shm_blob_size ? cfg.max_shm_blob_size : DEFAULT_MAX_SHM_BLOB_SIZE;
   resolve_limits(&r->limits, &cfg.limits);
   const char *rec = cfg.record_dir ? cfg.record_dir : getenv("PV_VENUS_RECORD");
   r->record_dir = rec && *rec ? strdup(rec) : NULL;
   r->config.record_dir = NULL; /* the copy above is what we keep */
   atomic_init(&r->next_ctx_serial, 0);
   pv_debug(&r->log, "renderer created (platform %s)", pv_platform_backend());
   *out = r;
   return 0;
}

PV_API uint32_t
pv_renderer_page_size(const struct pv_renderer *r)
{
   return r ? (uint32_t)r->page_size : 0;
}

static void
usage_of(struct pv_budget_usage *out, const struct pv_budget *b)
{
   out->used = atomic_load_explicit(&((struct pv_budget *)b)->used, memory_order_relaxed);
   out->limit = b->limit;
}

PV_API int
pv_renderer_get_usage(const struct pv_renderer *r, struct pv_renderer_usage *out)
{
   if (!r || !out)
      return -EINVAL;
   usage_of(&out->contexts, &r->contexts);
   usage_of(&out->rings, &r->rings);
   usage_of(&out->blobs, &r->blobs);
   usage_of(&out->shm_bytes, &r->shm_bytes);
   usage_of(&out->pending_waits, &r->waits);
   return 0;
}

PV_API int
pv_process_keep_freed_heap(size_t bytes)
{
   return pv_heap_keep(bytes) ? 0 : -ENOTSUP;
}

PV_API void
pv_renderer_destroy(struct pv_renderer *r)
{
   if (!r)
      return;
   uint64_t live = atomic_load(&r->contexts.used), blobs = atomic_load(&r->blobs.used);
   if (live || blobs) {
      /* Those contexts, or mappings the embedder still holds, point at r:
       * leaking it beats a use-after-free. */
      pv_error(&r->log, "renderer destroyed with %" PRIu64 " live contexts and %" PRIu64
               " live blobs; leaking it", live, blobs);
      return;
   }
   if (r->config.flags & PV_RENDERER_FENCES_POLLED)
      pv_fence_queue_fini(&r->polled);
   free(r->record_dir);
   pthread_mutex_destroy(&r->loader_lock);
   pthread_mutex_destroy(&r->probe_lock);
   free(r);
}
