/*
 * virgl_state.c — the renderer behind the ABI: init, reset, cleanup,
 * capsets, fence delivery and logging.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/pv_platform.h"
#include "virgl_internal.h"

struct pv_virgl pv_virgl = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- logging -------------------------------------------------------------- */

/* The VMM's log sinks (virgl_set_log_callback, virgl_set_debug_callback). */
static struct {
   pthread_mutex_t lock;
   virgl_log_callback_type fn;
   void *user;
   virgl_free_data_callback_type free_user;
   virgl_debug_callback_type debug_fn;
} sinks = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
call_debug(virgl_debug_callback_type fn, const char *fmt, ...)
{
   va_list ap;
   va_start(ap, fmt);
   fn(fmt, ap);
   va_end(ap);
}

/* Every line of ours and of the renderer ends here. */
static void
log_sink(void *user, enum pv_log_level level, const char *msg)
{
   (void)user;
   static const enum virgl_log_level_flags to_virgl[] = {
      [PV_LOG_ERROR] = VIRGL_LOG_LEVEL_ERROR, [PV_LOG_WARN] = VIRGL_LOG_LEVEL_WARNING,
      [PV_LOG_INFO] = VIRGL_LOG_LEVEL_INFO,   [PV_LOG_DEBUG] = VIRGL_LOG_LEVEL_DEBUG,
      [PV_LOG_TRACE] = VIRGL_LOG_LEVEL_DEBUG,
   };
   pthread_mutex_lock(&sinks.lock);
   if (sinks.fn)
      sinks.fn(to_virgl[level], msg, sinks.user);
   else if (sinks.debug_fn)
      call_debug(sinks.debug_fn, "pv-venus: %s\n", msg);
   else
      fprintf(stderr, "pv-venus: %s: %s\n", pv_log_level_name(level), msg);
   pthread_mutex_unlock(&sinks.lock);
}

static void
renderer_log(void *user, enum pv_venus_log_level level, const char *msg)
{
   log_sink(user, (enum pv_log_level)(level - 1), msg);
}

VIRGL_EXPORT void
virgl_set_log_callback(virgl_log_callback_type cb, void *user_data,
                       virgl_free_data_callback_type free_user_data_cb)
{
   pthread_mutex_lock(&sinks.lock);
   if (sinks.free_user)
      sinks.free_user(sinks.user);
   sinks.fn = cb;
   sinks.user = user_data;
   sinks.free_user = free_user_data_cb;
   pthread_mutex_unlock(&sinks.lock);
}

VIRGL_EXPORT virgl_debug_callback_type
virgl_set_debug_callback(virgl_debug_callback_type cb)
{
   pthread_mutex_lock(&sinks.lock);
   virgl_debug_callback_type old = sinks.debug_fn;
   sinks.debug_fn = cb;
   pthread_mutex_unlock(&sinks.lock);
   return old;
}

/* ---- process-wide set-up ---------------------------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init_once(void)
{
   pthread_mutexattr_t attr;
   pthread_mutexattr_init(&attr);
   pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
   pthread_mutex_init(&pv_virgl.poll_lock, &attr);
   pthread_mutexattr_destroy(&attr);
   pv_logger_init(&pv_virgl.log, log_sink, NULL);
   pv_idmap_init(&pv_virgl.contexts, 1u << 16);
   pv_idmap_init(&pv_virgl.resources, 1u << 20);
}

void
pv_virgl_once(void)
{
   pthread_once(&once, init_once);
}

/* ---- fences ----------------------------------------------------------------- */

/* fence_retired of the renderer: in order per (context, ring).  From
 * virgl_renderer_poll(), or with ASYNC_FENCE_CB from any thread.  Reads
 * only what stays fixed while contexts live. */
static void
fence_retired(void *user, struct pv_context *pvctx, uint32_t ring_idx, uint64_t fence_id)
{
   (void)user;
   const struct pv_virgl_ctx *c = pv_context_get_user(pvctx);
   const struct virgl_renderer_callbacks *cb = pv_virgl.cb;
   if (!c || !cb)
      return;
   if (c == &pv_virgl.ctx0) {
      if (cb->write_fence)
         cb->write_fence(pv_virgl.cookie, (uint32_t)fence_id);
   } else if (pv_virgl.cb_version >= 3 && cb->write_context_fence) {
      cb->write_context_fence(pv_virgl.cookie, c->id, ring_idx, fence_id);
   }
}

/* How long the first poll after a ring fence may wait for it:
 * PV_VENUS_POLL_WAIT_US microseconds (0 turns it off). */
static uint64_t
poll_wait_from_env(void)
{
   const char *s = getenv("PV_VENUS_POLL_WAIT_US");
   return (s && *s ? strtoull(s, NULL, 0) : PV_VIRGL_DEFAULT_POLL_WAIT_US) * 1000;
}

/* The page size of VMM mappings: PV_VENUS_PAGE_SIZE when set (a VMM whose
 * hypervisor maps in larger pages than the host's), else the host's. */
static uint32_t
page_size_from_env(void)
{
   const char *s = getenv("PV_VENUS_PAGE_SIZE");
   return s && *s ? (uint32_t)strtoul(s, NULL, 0) : 0;
}

/* PV_VENUS_WSI_DMA_BUF=1: PV_RENDERER_SERVE_WSI_MEMORY (pvvenus.h), for
 * Mesa 25.0 guests' swapchains. */
static uint32_t
wsi_flag_from_env(void)
{
   const char *s = getenv("PV_VENUS_WSI_DMA_BUF");
   return s && *s && strcmp(s, "0") ? PV_RENDERER_SERVE_WSI_MEMORY : 0;
}

/* PV_VENUS_BUSY_WAIT=0: PV_RENDERER_NO_BUSY_WAIT (pvvenus.h). */
static uint32_t
busy_wait_flag_from_env(void)
{
   const char *s = getenv("PV_VENUS_BUSY_WAIT");
   return s && !strcmp(s, "0") ? PV_RENDERER_NO_BUSY_WAIT : 0;
}

/* PV_VENUS_HEAP_KEEP_MIB (default 64, 0: the C library's own policy): the
 * freed heap memory kept for reuse (pv_process_keep_freed_heap). */
static void
keep_heap_from_env(void)
{
   const char *s = getenv("PV_VENUS_HEAP_KEEP_MIB");
   unsigned long mib = s && *s ? strtoul(s, NULL, 0) : PV_VIRGL_DEFAULT_HEAP_KEEP_MIB;
   if (mib) /* the library caps it at what the C library takes */
      pv_process_keep_freed_heap(mib > SIZE_MAX >> 20 ? SIZE_MAX : (size_t)mib << 20);
}

static int
make_renderer(bool polled, struct pv_renderer **out)
{
   struct pv_renderer_config cfg = {
      .log_fn = renderer_log,
      .flags = (polled ? PV_RENDERER_FENCES_POLLED : 0) | wsi_flag_from_env() |
               busy_wait_flag_from_env(),
      .fence_retired = fence_retired,
      .page_size = page_size_from_env(),
   };
   keep_heap_from_env();
   int ret = pv_renderer_create(&cfg, out);
   if (ret)
      pv_error(&pv_virgl.log, "virgl: cannot create the renderer: %s%s", strerror(-ret),
               ret == -EINVAL ? " (check PV_VENUS_PAGE_SIZE: a power of two, 4096..1048576)" : "");
   return ret;
}

struct pv_renderer *
pv_virgl_renderer_locked(void)
{
   if (!pv_virgl.renderer)
      make_renderer(false, &pv_virgl.renderer);
   return pv_virgl.renderer;
}

/* ---- init / reset / cleanup ------------------------------------------------- */

static bool
same_init(void *cookie, int flags, struct virgl_renderer_callbacks *cb)
{
   return pv_virgl.cookie == cookie && pv_virgl.flags == flags && pv_virgl.cb == cb;
}

static int
init_locked(void *cookie, int flags, struct virgl_renderer_callbacks *cb)
{
   if (!cb || cb->version < 1 || cb->version > VIRGL_RENDERER_CALLBACKS_VERSION) {
      pv_error(&pv_virgl.log, "virgl: init: callback table version %d (1..%d served)",
               cb ? cb->version : -1, VIRGL_RENDERER_CALLBACKS_VERSION);
      return -1;
   }
   if (!(flags & VIRGL_RENDERER_VENUS))
      pv_warn(&pv_virgl.log, "virgl: init flags 0x%x ask for no Venus; only Venus is served", flags);
   bool async = (flags & VIRGL_RENDERER_ASYNC_FENCE_CB) != 0;
   /* A renderer made for an early capset query has the wrong fence mode. */
   pv_renderer_destroy(pv_virgl.renderer);
   pv_virgl.renderer = NULL;
   if (make_renderer(!async, &pv_virgl.renderer))
      return -1;
   pv_virgl.ctx0.id = 0;
   if (pv_context_create(pv_virgl.renderer, "virtio-gpu ctx 0", PV_CAPSET_VENUS,
                         &pv_virgl.ctx0.pv)) {
      pv_renderer_destroy(pv_virgl.renderer);
      pv_virgl.renderer = NULL;
      return -1;
   }
   pv_context_set_user(pv_virgl.ctx0.pv, &pv_virgl.ctx0);
   pv_virgl.cookie = cookie;
   pv_virgl.flags = flags;
   pv_virgl.cb = cb;
   pv_virgl.cb_version = cb->version;
   pv_virgl.async = async;
   pv_virgl.poll_wait_ns = async ? 0 : poll_wait_from_env();
   atomic_store(&pv_virgl.ring_fence_since_poll, false);
   pv_virgl.initialized = true;
   pv_info(&pv_virgl.log, "virgl: initialized in-process (flags 0x%x, callbacks v%d, fences %s)",
           flags, cb->version, async ? "from library threads" : "from virgl_renderer_poll");
   return 0;
}

VIRGL_EXPORT int
virgl_renderer_init(void *cookie, int flags, struct virgl_renderer_callbacks *cb)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   int ret;
   if (pv_virgl.initialized) {
      /* QEMU initializes again after each device reset. */
      ret = same_init(cookie, flags, cb) ? 0 : -EBUSY;
      if (ret)
         pv_error(&pv_virgl.log, "virgl: init while initialized with other arguments");
   } else {
      ret = init_locked(cookie, flags, cb);
   }
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT void
virgl_renderer_reset(void)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.poll_lock);
   pthread_mutex_lock(&pv_virgl.lock);
   pv_virgl_ctx_drop_all();
   pv_virgl_res_drop_all();
   /* The destroyed contexts' undelivered fences went with them; ctx 0's
    * may still arrive, which a VMM that emptied its queue ignores. */
   pthread_mutex_unlock(&pv_virgl.lock);
   pthread_mutex_unlock(&pv_virgl.poll_lock);
}

VIRGL_EXPORT void
virgl_renderer_cleanup(void *cookie)
{
   (void)cookie;
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.poll_lock);
   pthread_mutex_lock(&pv_virgl.lock);
   pv_virgl_ctx_drop_all();
   pv_virgl_res_drop_all();
   pv_context_destroy(pv_virgl.ctx0.pv);
   pv_virgl.ctx0.pv = NULL;
   pv_renderer_destroy(pv_virgl.renderer);
   pv_virgl.renderer = NULL;
   pv_virgl.initialized = false;
   pv_virgl.cb = NULL;
   pv_virgl.cookie = NULL;
   pv_virgl.flags = 0;
   pthread_mutex_unlock(&pv_virgl.lock);
   pthread_mutex_unlock(&pv_virgl.poll_lock);
}

/*
 * Without async callbacks a VMM hears of a fence only when it polls: QEMU
 * polls right after each batch of commands and then on a 10 ms timer.  A
 * ring fence created in that batch usually retires within microseconds to
 * a few milliseconds of GPU time, just after the first poll, and would
 * wait for the timer.  So the first poll after a ring fence was created
 * may wait up to poll_wait_ns for a fence to retire; later (timer) polls
 * never wait, so the VMM's thread is held at most that long per batch.
 */
static void
wait_for_new_ring_fence(void)
{
   if (!pv_virgl.poll_wait_ns || !atomic_exchange(&pv_virgl.ring_fence_since_poll, false))
      return;
   int fd = pv_renderer_fence_fd(pv_virgl.renderer);
   if (fd >= 0)
      pv_fd_wait_readable(fd, pv_virgl.poll_wait_ns);
}

VIRGL_EXPORT void
virgl_renderer_poll(void)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.poll_lock);
   if (pv_virgl.initialized && !pv_virgl.async) {
      wait_for_new_ring_fence();
      pv_renderer_poll(pv_virgl.renderer);
   }
   pthread_mutex_unlock(&pv_virgl.poll_lock);
}

VIRGL_EXPORT int
virgl_renderer_get_poll_fd(void)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   int fd = pv_virgl.initialized && !pv_virgl.async ? pv_renderer_fence_fd(pv_virgl.renderer) : -1;
   pthread_mutex_unlock(&pv_virgl.lock);
   return fd < 0 ? -1 : fd;
}

/* Every context's fences come out of one queue: polling one polls all. */
VIRGL_EXPORT void
virgl_renderer_context_poll(uint32_t ctx_id)
{
   (void)ctx_id;
   virgl_renderer_poll();
}

VIRGL_EXPORT int
virgl_renderer_context_get_poll_fd(uint32_t ctx_id)
{
   (void)ctx_id;
   return virgl_renderer_get_poll_fd();
}

/* There is no GL context to make current. */
VIRGL_EXPORT void
virgl_renderer_force_ctx_0(void)
{
}

/* ---- capsets ------------------------------------------------------------------ */

/* The size of capset `set`, 0 when it is not served. */
static uint32_t
capset_size_locked(uint32_t set)
{
   struct pv_renderer *r = set == VIRGL_RENDERER_CAPSET_VENUS ? pv_virgl_renderer_locked() : NULL;
   size_t size = 0;
   if (!r || pv_renderer_get_capset(r, PV_CAPSET_VENUS, 0, NULL, &size))
      return 0;
   return (uint32_t)size;
}

VIRGL_EXPORT void
virgl_renderer_get_cap_set(uint32_t set, uint32_t *max_ver, uint32_t *max_size)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   uint32_t size = capset_size_locked(set);
   pthread_mutex_unlock(&pv_virgl.lock);
   if (max_ver)
      *max_ver = 0; /* Venus has version 0 only; the others are absent */
   if (max_size)
      *max_size = size;
}

VIRGL_EXPORT void
virgl_renderer_fill_caps(uint32_t set, uint32_t version, void *caps)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   size_t size = capset_size_locked(set);
   if (!caps || !size || version != 0 ||
       pv_renderer_get_capset(pv_virgl.renderer, PV_CAPSET_VENUS, version, caps, &size))
      pv_warn(&pv_virgl.log, "virgl: fill_caps: capset %u version %u is not served", set, version);
   pthread_mutex_unlock(&pv_virgl.lock);
}
