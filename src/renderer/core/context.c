/* context.c — context lifetime, the fatal flag, command submission. */
#include "renderer/core/context.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/vk/dispatch.h"
#include "renderer/core/recorder.h"
#include "renderer/core/resource.h"

/* Names come from the guest: keep them short and printable for logs. */
static void
copy_name(char *dst, size_t cap, const char *src)
{
   size_t n = 0;
   for (; src && src[n] && n + 1 < cap; n++) {
      unsigned char c = (unsigned char)src[n];
      dst[n] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
   }
   dst[n] = '\0';
   if (!n)
      snprintf(dst, cap, "unnamed");
}

static int
init_locks(struct pv_context *ctx)
{
   if (pthread_mutex_init(&ctx->fatal_lock, NULL))
      return -ENOMEM;
   if (pthread_mutex_init(&ctx->submit_lock, NULL))
      goto fail_submit;
   if (pthread_mutex_init(&ctx->res_lock, NULL))
      goto fail_res;
   if (pv_sync_state_init(&ctx->sync, ctx->renderer->limits.max_syncs, &ctx->renderer->waits))
      goto fail_sync;
   return 0;
fail_sync:
   pthread_mutex_destroy(&ctx->res_lock);
fail_res:
   pthread_mutex_destroy(&ctx->submit_lock);
fail_submit:
   pthread_mutex_destroy(&ctx->fatal_lock);
   return -ENOMEM;
}

PV_API int
pv_context_create(struct pv_renderer *r, const char *name, uint32_t capset_id,
                  struct pv_context **out)
{
   if (out)
      *out = NULL;
   if (!r || !out)
      return -EINVAL;
   if (capset_id != PV_CAPSET_VENUS) {
      pv_warn(&r->log, "context '%s': capset %u is not served (only %u, Venus)",
              name ? name : "", capset_id, PV_CAPSET_VENUS);
      return -EINVAL;
   }
   uint32_t serial = atomic_fetch_add(&r->next_ctx_serial, 1) + 1;
   if (!pv_budget_take_logged(&r->contexts, 1, &r->log, serial))
      return -ENOSPC;
   struct pv_context *ctx = calloc(1, sizeof(*ctx));
   if (!ctx) {
      pv_budget_give(&r->contexts, 1);
      return -ENOMEM;
   }
   ctx->renderer = r;
   ctx->log = &r->log;
   ctx->capset_id = capset_id;
   ctx->serial = serial;
   copy_name(ctx->name, sizeof(ctx->name), name);
   atomic_init(&ctx->fatal, false);
   pv_idmap_init(&ctx->resources, r->limits.max_blobs);
   int ret = init_locks(ctx);
   if (ret) {
      free(ctx);
      pv_budget_give(&r->contexts, 1);
      return ret;
   }
   if (r->record_dir)
      pv_recorder_open(r->record_dir, ctx->name, ctx->serial, ctx->log, &ctx->recorder);
   pv_debug(ctx->log, "ctx %u '%s' created", ctx->serial, ctx->name);
   *out = ctx;
   return 0;
}

PV_API void
pv_context_destroy(struct pv_context *ctx)
{
   if (!ctx)
      return;
   /* The Vulkan layer stops its threads first: nothing may touch the
    * resources or syncs freed below afterwards. */
   if (ctx->on_destroy)
      ctx->on_destroy(ctx);
   if (ctx->renderer->config.flags & PV_RENDERER_FENCES_POLLED)
      pv_fence_queue_forget(&ctx->renderer->polled, ctx);
   pv_sync_state_fini(&ctx->sync);
   pv_context_resources_fini(ctx);
   pv_recorder_close(ctx->recorder);
   pthread_mutex_destroy(&ctx->res_lock);
   pthread_mutex_destroy(&ctx->submit_lock);
   pthread_mutex_destroy(&ctx->fatal_lock);
   pv_debug(ctx->log, "ctx %u '%s' destroyed", ctx->serial, ctx->name);
   pv_budget_give(&ctx->renderer->contexts, 1);
   free(ctx);
}

PV_API void
pv_context_set_user(struct pv_context *ctx, void *user)
{
   if (ctx)
      ctx->user = user;
}

PV_API void *
pv_context_get_user(const struct pv_context *ctx)
{
   return ctx ? ctx->user : NULL;
}

void
pv_context_set_fatal(struct pv_context *ctx, const char *fmt, ...)
{
   pthread_mutex_lock(&ctx->fatal_lock);
   if (atomic_load_explicit(&ctx->fatal, memory_order_relaxed)) {
      pthread_mutex_unlock(&ctx->fatal_lock);
      return;
   }
   va_list ap;
   va_start(ap, fmt);
   vsnprintf(ctx->fatal_reason, sizeof(ctx->fatal_reason), fmt, ap);
   va_end(ap);
   /* Release: a reader that sees the flag sees the finished reason. */
   atomic_store_explicit(&ctx->fatal, true, memory_order_release);
   pthread_mutex_unlock(&ctx->fatal_lock);
   pv_error(ctx->log, "ctx %u '%s' is now fatal: %s", ctx->serial, ctx->name, ctx->fatal_reason);
}

PV_API bool
pv_context_is_fatal(const struct pv_context *ctx)
{
   return !ctx || atomic_load_explicit(&ctx->fatal, memory_order_acquire);
}

PV_API bool
pv_context_busy_waits(const struct pv_context *ctx)
{
   return ctx && atomic_load_explicit(&ctx->busy_wait, memory_order_relaxed);
}

PV_API const char *
pv_context_fatal_reason(const struct pv_context *ctx)
{
   return pv_context_is_fatal(ctx) && ctx ? ctx->fatal_reason : NULL;
}

