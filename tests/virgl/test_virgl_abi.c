/*
 * test_virgl_abi — libvirglrenderer.so.1 driven the way QEMU drives it.
 *
 *   capsets       queried before init, as QEMU does at realize: Venus 160
 *                 bytes at version 0, the GL capsets absent (size 0).
 *   init          v3 and v4 callback tables, QEMU's flags with and without
 *                 async fences; init again after reset with the same
 *                 arguments succeeds, other arguments are refused.
 *   compute       a Venus guest (our client) on a virtio-gpu context: rings,
 *                 replies and device memory are blobs the "VMM" maps with
 *                 resource_map; a compute dispatch through them is checked
 *                 bit for bit; a context fence on the queue's ring and a
 *                 global fence come back through write_context_fence /
 *                 write_fence — from virgl_renderer_poll on this thread
 *                 (and the poll fd says when), or from a library thread with
 *                 ASYNC_FENCE_CB.  Both with the host page size and with a
 *                 16 KiB page forced (PV_VENUS_PAGE_SIZE): every mapping is
 *                 aligned and sized in whole pages (a 131,268-byte ring blob
 *                 maps as 147,456 bytes).
 *   attach        a blob attached to a second context outlives the first
 *                 and can still be exported; detach and unref.
 *   2d            a 2D resource: backing attached, transfers both ways with
 *                 a sub-box, cursor data, the exact iov handed back.
 *   hostile       every entry point with unknown, reused or out-of-range
 *                 ids, sizes, rings and boxes: an error and a log line each,
 *                 other contexts keep working, no fd left behind.
 *   reset         reset drops contexts and resources; init again works.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/pv_platform.h"
#include "tests/e2e/e2e_compute.h"
#include "tests/pv_test.h"
#include "virglrenderer.h"

/* The header names the transfer box only; its layout is virtio-gpu's box,
 * which a VMM passes (QEMU casts its virtio_gpu_box). */
struct virgl_box {
   uint32_t x, y, z, w, h, d;
};

#define VENUS_FLAGS (VIRGL_RENDERER_VENUS | VIRGL_RENDERER_RENDER_SERVER)
#define ASYNC_FLAGS (VENUS_FLAGS | VIRGL_RENDERER_ASYNC_FENCE_CB | VIRGL_RENDERER_THREAD_SYNC)
#define SECOND_NS (1000ull * 1000 * 1000)

/* ---- the VMM's side: callbacks and log lines ---------------------------------- */

static struct {
   pthread_mutex_t lock;
   pthread_cond_t cond;
   uint32_t fence;              /* last write_fence */
   uint32_t ctx, ring;          /* last write_context_fence */
   uint64_t ctx_fence;
   unsigned fences, ctx_fences;
   bool other_thread;           /* a callback ran off the main thread */
   pthread_t main;
   unsigned warnings;           /* log lines at warning or error */
} vmm = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static int cookie;

static void
note_thread(void)
{
   if (!pthread_equal(pthread_self(), vmm.main))
      vmm.other_thread = true;
}

static void
write_fence(void *c, uint32_t fence)
{
   (void)c;
   pthread_mutex_lock(&vmm.lock);
   note_thread();
   vmm.fence = fence;
   vmm.fences++;
   pthread_cond_broadcast(&vmm.cond);
   pthread_mutex_unlock(&vmm.lock);
}

static void
write_context_fence(void *c, uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id)
{
   (void)c;
   pthread_mutex_lock(&vmm.lock);
   note_thread();
   vmm.ctx = ctx_id;
   vmm.ring = ring_idx;
   vmm.ctx_fence = fence_id;
   vmm.ctx_fences++;
   pthread_cond_broadcast(&vmm.cond);
   pthread_mutex_unlock(&vmm.lock);
}

static void *
get_egl_display(void *c)
{
   (void)c;
   return NULL;
}

static struct virgl_renderer_callbacks cbs_v3 = {
   .version = 3, .write_fence = write_fence, .write_context_fence = write_context_fence,
};
static struct virgl_renderer_callbacks cbs_v4 = {
   .version = 4, .write_fence = write_fence, .write_context_fence = write_context_fence,
   .get_egl_display = get_egl_display,
};

static void
log_line(enum virgl_log_level_flags level, const char *msg, void *user)
{
   (void)user;
   if (level >= VIRGL_LOG_LEVEL_WARNING) {
      __atomic_fetch_add(&vmm.warnings, 1, __ATOMIC_RELAXED);
      if (getenv("PV_TEST_VERBOSE"))
         fprintf(stderr, "  log: %s\n", msg);
   }
}

static unsigned
warnings(void)
{
   return __atomic_load_n(&vmm.warnings, __ATOMIC_RELAXED);
}

/* `expr` fails (nonzero) and logs at least one warning. */
#define CHECK_REFUSED(expr)                                                    \
   do {                                                                        \
      unsigned w_ = warnings();                                                \
      CHECK((expr) != 0);                                                      \
      CHECK(warnings() > w_);                                                  \
   } while (0)
/* A void call that must log a warning. */
#define CHECK_LOGS(stmt)                                                       \
   do {                                                                        \
      unsigned w_ = warnings();                                                \
      stmt;                                                                    \
      CHECK(warnings() > w_);                                                  \
   } while (0)

/* Wait until `cond` (over vmm, under its lock) holds; in polled mode keep
 * calling virgl_renderer_poll as QEMU's timer would. */
#define WAIT_FOR(cond, polled, ok)                                             \
   do {                                                                        \
      uint64_t until_ = pv_now_ns() + 5 * SECOND_NS;                           \
      (ok) = false;                                                            \
      while (pv_now_ns() < until_) {                                           \
         if (polled)                                                           \
            virgl_renderer_poll();                                             \
         pthread_mutex_lock(&vmm.lock);                                        \
         (ok) = (cond);                                                        \
         pthread_mutex_unlock(&vmm.lock);                                      \
         if (ok)                                                               \
            break;                                                             \
         pv_sleep_ns(100000);                                                  \
      }                                                                        \
   } while (0)

/* ---- our client over the ABI: the guest's blobs are the VMM's mappings ------- */

struct virgl_transport {
   uint32_t ctx_id;
   uint32_t next_res;
   uint32_t page;               /* every mapping must be whole pages of it */
   unsigned maps;
};

static int
vt_create_blob(void *t, uint64_t size, uint64_t blob_id, uint32_t *res_id, void **map, int *fd)
{
   struct virgl_transport *v = t;
   struct virgl_renderer_resource_create_blob_args a = {
      .res_handle = v->next_res++, .ctx_id = v->ctx_id,
      .blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D,
      .blob_flags = VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE, .blob_id = blob_id, .size = size,
   };
   int ret = virgl_renderer_resource_create_blob(&a);
   if (ret)
      return ret;
   /* What QEMU does next: get_info (must succeed; fd -1: no dma-buf), map,
    * map_info. */
   struct virgl_renderer_resource_info info = { .fd = 1234 };
   CHECK_EQ(virgl_renderer_resource_get_info((int)a.res_handle, &info), 0);
   CHECK_EQ(info.fd, -1);
   uint64_t mapped = 0;
   CHECK_EQ(virgl_renderer_resource_map(a.res_handle, map, &mapped), 0);
   CHECK(mapped >= size && mapped % v->page == 0);
   CHECK((uintptr_t)*map % v->page == 0);
   uint32_t caching = 0;
   CHECK_EQ(virgl_renderer_resource_get_map_info(a.res_handle, &caching), 0);
   CHECK_EQ(caching, VIRGL_RENDERER_MAP_CACHE_CACHED);
   if (fd) {
      uint32_t type = 0;
      CHECK_EQ(virgl_renderer_resource_export_blob(a.res_handle, &type, fd), 0);
      CHECK_EQ(type, VIRGL_RENDERER_BLOB_FD_TYPE_SHM);
   }
   v->maps++;
   *res_id = a.res_handle;
   return 0;
}

static void
vt_unmap(void *t, void *map, uint64_t size)
{
   (void)t, (void)map, (void)size; /* the VMM unmaps at unref */
}

static int
vt_unref(void *t, uint32_t res_id)
{
   struct virgl_transport *v = t;
   int ret = virgl_renderer_resource_unmap(res_id);
   struct iovec *iov = (void *)1;
   int n = -1;
   virgl_renderer_resource_detach_iov((int)res_id, &iov, &n);
   CHECK(iov == NULL && n == 0);
   virgl_renderer_resource_unref(res_id);
   v->maps--;
   return ret;
}

static int
vt_submit(void *t, const void *cmds, size_t size)
{
   struct virgl_transport *v = t;
   return virgl_renderer_submit_cmd((void *)cmds, (int)v->ctx_id, (int)(size / 4)) ? -EIO : 0;
}

static void
vt_close(void *t)
{
   (void)t;
}

static const struct pv_vnc_transport virgl_ops = {
   .create_blob = vt_create_blob, .unmap = vt_unmap, .unref = vt_unref,
   .submit = vt_submit, .submit_wait = vt_submit, /* submit_cmd runs them before returning */
   .close = vt_close,
};

static void
venus_context(uint32_t ctx_id, const char *name)
{
   CHECK_EQ(virgl_renderer_context_create_with_flags(ctx_id, VIRGL_RENDERER_CAPSET_VENUS,
                                                     (uint32_t)strlen(name), name), 0);
}

/* ---- tests ----------------------------------------------------------------------- */

static void
test_capsets(void)
{
   uint32_t ver = 9, size = 9;
   virgl_renderer_get_cap_set(VIRGL_RENDERER_CAPSET_VENUS, &ver, &size);
   CHECK_EQ(ver, 0);
   CHECK_EQ(size, 160);
   uint32_t caps[40];
   memset(caps, 0xab, sizeof(caps));
   virgl_renderer_fill_caps(VIRGL_RENDERER_CAPSET_VENUS, 0, caps);
   CHECK_EQ(caps[4], 1);                /* supports_blob_id_0 */
   CHECK_EQ(caps[38], 1);               /* supports_multiple_timelines */
   CHECK_EQ(caps[39], 0);               /* use_guest_vram */
   const uint32_t absent[] = { VIRGL_RENDERER_CAPSET_VIRGL, VIRGL_RENDERER_CAPSET_VIRGL2,
                               VIRGL_RENDERER_CAPSET_DRM, 3, 5, 99 };
   for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
      ver = size = 9;
      virgl_renderer_get_cap_set(absent[i], &ver, &size);
      CHECK(ver == 0 && size == 0);
   }
   CHECK_LOGS(virgl_renderer_fill_caps(VIRGL_RENDERER_CAPSET_VENUS, 1, caps));
}

static void
test_init(void)
{
   struct virgl_renderer_callbacks bad = { .version = 5 };
   CHECK(virgl_renderer_init(&cookie, VENUS_FLAGS, &bad) != 0);
   CHECK(virgl_renderer_init(&cookie, VENUS_FLAGS, NULL) != 0);
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   /* QEMU's reset path: init again, same arguments, no cleanup between */
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   CHECK_EQ(virgl_renderer_init(&cookie, ASYNC_FLAGS, &cbs_v3), -EBUSY);
   CHECK(virgl_renderer_get_poll_fd() >= 0);
   virgl_renderer_force_ctx_0();
   virgl_renderer_cleanup(NULL);
   CHECK_EQ(virgl_renderer_get_poll_fd(), -1);
   CHECK_EQ(virgl_renderer_init(&cookie, ASYNC_FLAGS, &cbs_v4), 0);
   CHECK_EQ(virgl_renderer_get_poll_fd(), -1); /* async: nothing to poll */
   virgl_renderer_cleanup(NULL);
}

/* Fences: a context fence on the queue's ring behind the dispatch, and a
 * global one.  Polled: nothing arrives off this thread, the poll fd turns
 * readable, virgl_renderer_poll delivers.  Async: a library thread does. */
static void
check_fences(uint32_t ctx_id, bool polled)
{
   pthread_mutex_lock(&vmm.lock);
   unsigned ctx_before = vmm.ctx_fences, before = vmm.fences;
   pthread_mutex_unlock(&vmm.lock);
   CHECK_EQ(virgl_renderer_context_create_fence(ctx_id, VIRGL_RENDERER_FENCE_FLAG_MERGEABLE, 1,
                                                0x100000001ull), 0);
   CHECK_EQ(virgl_renderer_create_fence(42, 0), 0);
   bool ok;
   if (polled) {
      struct pollfd p = { .fd = virgl_renderer_get_poll_fd(), .events = POLLIN };
      CHECK_EQ(poll(&p, 1, 5000), 1);
   }
   WAIT_FOR(vmm.ctx_fences > ctx_before && vmm.fences > before, polled, ok);
   CHECK(ok);
   pthread_mutex_lock(&vmm.lock);
   CHECK(vmm.ctx == ctx_id && vmm.ring == 1 && vmm.ctx_fence == 0x100000001ull);
   CHECK_EQ(vmm.fence, 42);
   CHECK(polled ? !vmm.other_thread : true);
   pthread_mutex_unlock(&vmm.lock);
}

static void
compute_through(const char *name, int flags, struct virgl_renderer_callbacks *cb, uint32_t page)
{
   char env[32];
   snprintf(env, sizeof(env), "%u", page);
   setenv("PV_VENUS_PAGE_SIZE", env, 1);
   vmm.other_thread = false;
   CHECK_EQ(virgl_renderer_init(&cookie, flags, cb), 0);
   bool polled = !(flags & VIRGL_RENDERER_ASYNC_FENCE_CB);
   venus_context(1, name);
   struct virgl_transport vt = { .ctx_id = 1, .next_res = 100, .page = page };
   struct e2e_log lg = { .name = name };
   struct e2e_dev d;
   memset(&d, 0, sizeof(d));
   CHECK_EQ(pv_vnc_open_transport(&d.c, &virgl_ops, &vt), 0);
   /* the ring blob as Mesa sizes it: whole pages once mapped */
   uint64_t ring_size = 0;
   void *ring_map = NULL;
   CHECK_EQ(virgl_renderer_resource_map(d.c.ring_res, &ring_map, &ring_size), -EINVAL); /* mapped */
   CHECK_EQ(virgl_renderer_resource_unmap(d.c.ring_res), 0);
   CHECK_EQ(virgl_renderer_resource_map(d.c.ring_res, &ring_map, &ring_size), 0);
   CHECK_EQ(ring_size, (PV_VNC_RING_SHM_SIZE + page - 1) / page * page);
   CHECK(ring_map == d.c.ring_map);

   struct e2e_compute k;
   struct e2e_buffer a, b, out;
   struct e2e_cmd cmd;
   uint64_t fence = 0;
   struct e2e_push p = { .n = E2E_N, .mul = 3, .xor_mask = 0x5a5a5a5a };
   bool up = !e2e_dev_start(&d, &lg, name, NULL, NULL) && !e2e_compute_create(&d, &k) &&
             !e2e_buffer_create(&d, E2E_BYTES, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, false, &a) &&
             !e2e_buffer_create(&d, E2E_BYTES, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, false, &b) &&
             !e2e_buffer_create(&d, E2E_BYTES, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, false, &out);
   CHECK(up);
   if (up) {
      e2e_fill(a.map.map, 7);
      e2e_fill(b.map.map, 8);
      memset(out.map.map, 0, E2E_BYTES);
      CHECK(!e2e_bind_set(&d, &k, 0, &a, &b, &out) && !e2e_record(&d, &k, 0, &p, &cmd) &&
            !e2e_create_fence(&d, &fence) && !e2e_submit(&d, 0, &cmd, 0, 0, 0, fence));
      CHECK_EQ(e2e_wait_fence(&d, fence, 30 * SECOND_NS, NULL), VK_SUCCESS);
      CHECK_EQ(e2e_mismatches(a.map.map, b.map.map, out.map.map, &p), 0);
      check_fences(1, polled);
      e2e_destroy_fence(&d, fence);
      e2e_cmd_destroy(&d, &cmd);
      e2e_buffer_destroy(&d, &a);
      e2e_buffer_destroy(&d, &b);
      e2e_buffer_destroy(&d, &out);
      e2e_compute_destroy(&d, &k);
   }
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK_EQ(vt.maps, 0);
   virgl_renderer_context_destroy(1);
   virgl_renderer_cleanup(NULL);
   unsetenv("PV_VENUS_PAGE_SIZE");
}

static void
test_compute_polled(void)
{
   compute_through("compute-polled", VENUS_FLAGS, &cbs_v3, (uint32_t)pv_page_size());
}

static void
test_compute_async(void)
{
   compute_through("compute-async", ASYNC_FLAGS, &cbs_v4, (uint32_t)pv_page_size());
}

static void
test_compute_16k_pages(void)
{
   compute_through("compute-16k", VENUS_FLAGS, &cbs_v3, 16384);
}

static int
shm_blob(uint32_t ctx_id, uint32_t res_id, uint64_t size)
{
   struct virgl_renderer_resource_create_blob_args a = {
      .res_handle = res_id, .ctx_id = ctx_id, .blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D,
      .blob_flags = VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE, .size = size,
   };
   return virgl_renderer_resource_create_blob(&a);
}

static void
test_attach(void)
{
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   venus_context(1, "a");
   venus_context(2, "b");
   CHECK_EQ(shm_blob(1, 5, 4096), 0);
   virgl_renderer_ctx_attach_resource(1, 5); /* the creator: already attached */
   virgl_renderer_ctx_attach_resource(2, 5);
   void *map;
   uint64_t size;
   CHECK_EQ(virgl_renderer_resource_map(5, &map, &size), 0);
   memcpy(map, "venus", 6);
   virgl_renderer_context_destroy(1);
   uint32_t type;
   int fd = -1;
   CHECK_EQ(virgl_renderer_resource_export_blob(5, &type, &fd), -EOPNOTSUPP); /* shm keeps no fd */
   CHECK(!strcmp(map, "venus")); /* still mapped after its creator left */
   virgl_renderer_ctx_detach_resource(2, 5);
   CHECK_EQ(virgl_renderer_resource_unmap(5), 0);
   virgl_renderer_resource_unref(5);
   virgl_renderer_context_destroy(2);
   virgl_renderer_cleanup(NULL);
}

static void
test_2d(void)
{
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   struct virgl_renderer_resource_create_args a = {
      .handle = 9, .target = 2, .format = 1, .bind = 1 << 1, .width = 64, .height = 64,
      .depth = 1, .array_size = 1, .flags = 1,
   };
   CHECK_EQ(virgl_renderer_resource_create(&a, NULL, 0), 0);
   static uint32_t guest[64 * 64], back[16 * 8];
   for (unsigned i = 0; i < 64 * 64; i++)
      guest[i] = i * 2654435761u;
   struct iovec iov[2] = { { guest, sizeof(guest) / 2 }, { (uint8_t *)guest + sizeof(guest) / 2,
                                                           sizeof(guest) / 2 } };
   CHECK_EQ(virgl_renderer_resource_attach_iov(9, iov, 2), 0);
   struct virgl_box all = { 0, 0, 0, 64, 64, 1 };
   CHECK_EQ(virgl_renderer_transfer_write_iov(9, 0, 0, 0, 0, &all, 0, NULL, 0), 0);
   uint32_t w = 0, h = 0;
   uint32_t *px = virgl_renderer_get_cursor_data(9, &w, &h);
   CHECK(px && w == 64 && h == 64 && !memcmp(px, guest, sizeof(guest)));
   free(px);
   /* a 16x8 box at (8, 4) read back tightly packed */
   struct virgl_box sub = { 8, 4, 0, 16, 8, 1 };
   struct iovec out = { back, sizeof(back) };
   CHECK_EQ(virgl_renderer_transfer_read_iov(9, 0, 0, 16 * 4, 0, &sub, 0, &out, 1), 0);
   unsigned bad = 0;
   for (unsigned y = 0; y < 8; y++)
      for (unsigned x = 0; x < 16; x++)
         bad += back[y * 16 + x] != guest[(4 + y) * 64 + 8 + x];
   CHECK_EQ(bad, 0);
   struct iovec *got = NULL;
   int n = 0;
   virgl_renderer_resource_detach_iov(9, &got, &n);
   CHECK(got == iov && n == 2);
   virgl_renderer_resource_unref(9);
   virgl_renderer_cleanup(NULL);
}

static void
hostile_contexts(void)
{
   CHECK_REFUSED(virgl_renderer_context_create_with_flags(0, VIRGL_RENDERER_CAPSET_VENUS, 1, "x"));
   CHECK_REFUSED(virgl_renderer_context_create_with_flags(3, VIRGL_RENDERER_CAPSET_VIRGL2, 1, "x"));
   CHECK_REFUSED(virgl_renderer_context_create_with_flags(3, 0x104, 1, "x"));
   CHECK_REFUSED(virgl_renderer_context_create(3, 1, "x"));
   /* a name length past the name (QEMU does not clamp it) */
   char name[64] = "long";
   CHECK_EQ(virgl_renderer_context_create_with_flags(4, VIRGL_RENDERER_CAPSET_VENUS, 1u << 30, name), 0);
   virgl_renderer_context_destroy(4);
   CHECK_LOGS(virgl_renderer_context_destroy(4));
   uint32_t cmd[4] = { 0 };
   CHECK_REFUSED(virgl_renderer_submit_cmd(cmd, 4, 4));            /* destroyed */
   CHECK(virgl_renderer_submit_cmd((uint8_t *)cmd + 1, 1, 1) != 0);  /* unaligned */
   CHECK_REFUSED(virgl_renderer_submit_cmd(cmd, 1, -1));
   CHECK_REFUSED(virgl_renderer_submit_cmd(NULL, 1, 4));
   CHECK_REFUSED(virgl_renderer_context_create_fence(77, 0, 1, 1));   /* no context */
   CHECK_REFUSED(virgl_renderer_context_create_fence(1, 0, 64, 1));   /* no such ring */
   /* a fence on a ring no queue is bound to: the guest broke the protocol */
   venus_context(6, "victim");
   CHECK_REFUSED(virgl_renderer_context_create_fence(6, 0, 5, 1));
   CHECK(virgl_renderer_submit_cmd(cmd, 6, 4) != 0); /* fatal now (said once, above) */
   virgl_renderer_context_destroy(6);
   /* garbage on a context makes it fatal, not the process */
   venus_context(7, "garbage");
   uint32_t junk[8] = { 0xdeadbeef, 0x7fffffff, 1, 2, 3, 4, 5, 6 };
   CHECK_REFUSED(virgl_renderer_submit_cmd(junk, 7, 8));
   virgl_renderer_context_destroy(7);
   CHECK_LOGS(virgl_renderer_ctx_attach_resource(1, 999));
   CHECK_LOGS(virgl_renderer_ctx_attach_resource(99, 1));
   CHECK_LOGS(virgl_renderer_ctx_detach_resource(99, 1));
}

static void
hostile_blobs(void)
{
   CHECK_REFUSED(shm_blob(1, 0, 4096));             /* id 0 */
   CHECK_REFUSED(shm_blob(9, 20, 4096));            /* no context */
   CHECK_REFUSED(shm_blob(1, 20, 0));               /* size 0 */
   CHECK_REFUSED(shm_blob(1, 20, 8ull << 30));      /* past the shm blob limit */
   CHECK_REFUSED(shm_blob(1, 20, UINT64_MAX));
   CHECK_EQ(shm_blob(1, 20, 4096), 0);
   CHECK_REFUSED(shm_blob(1, 20, 4096));            /* reused id */
   struct virgl_renderer_resource_create_blob_args g = {
      .res_handle = 21, .ctx_id = 1, .blob_mem = VIRGL_RENDERER_BLOB_MEM_GUEST, .size = 4096,
   };
   CHECK_REFUSED(virgl_renderer_resource_create_blob(&g));
   g.blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D;
   g.blob_id = 0x1234; /* no such device memory */
   CHECK_REFUSED(virgl_renderer_resource_create_blob(&g));
   CHECK_REFUSED(virgl_renderer_resource_create_blob(NULL));
   void *map;
   uint64_t size;
   CHECK_REFUSED(virgl_renderer_resource_map(999, &map, &size));
   CHECK_EQ(virgl_renderer_resource_map(20, &map, &size), 0);
   CHECK_REFUSED(virgl_renderer_resource_map(20, &map, &size));       /* twice */
   CHECK_EQ(virgl_renderer_resource_map_fixed(20, map), -EOPNOTSUPP);  /* QEMU falls back */
   CHECK_EQ(virgl_renderer_resource_unmap(20), 0);
   CHECK_REFUSED(virgl_renderer_resource_unmap(20));
   CHECK_REFUSED(virgl_renderer_resource_get_info(999, &(struct virgl_renderer_resource_info){ 0 }));
   virgl_renderer_resource_unref(20);
   CHECK_LOGS(virgl_renderer_resource_unref(20));   /* double unref */
   CHECK_REFUSED(virgl_renderer_resource_import_blob(
      &(struct virgl_renderer_resource_import_blob_args){ .res_handle = 22 }));
}

static void
hostile_2d(void)
{
   struct virgl_renderer_resource_create_args a = {
      .handle = 30, .target = 2, .format = 1, .width = 64, .height = 64, .depth = 1,
      .array_size = 1,
   };
   struct virgl_renderer_resource_create_args bad = a;
   bad.format = 94; /* not a 2D format */
   CHECK_REFUSED(virgl_renderer_resource_create(&bad, NULL, 0));
   bad = a, bad.width = 16385;
   CHECK_REFUSED(virgl_renderer_resource_create(&bad, NULL, 0));
   bad = a, bad.target = 3; /* 3D: OpenGL's */
   CHECK_REFUSED(virgl_renderer_resource_create(&bad, NULL, 0));
   bad = a, bad.handle = 0;
   CHECK_REFUSED(virgl_renderer_resource_create(&bad, NULL, 0));
   /* many large ones: the 2D budget says no before memory runs out */
   unsigned made = 0;
   for (uint32_t i = 0; i < 40; i++) {
      struct virgl_renderer_resource_create_args big = a;
      big.handle = 1000 + i, big.width = big.height = 4096;
      if (!virgl_renderer_resource_create(&big, NULL, 0))
         made++;
   }
   CHECK(made < 40);
   for (uint32_t i = 0; i < 40; i++)
      if (i < made)
         virgl_renderer_resource_unref(1000 + i);
   CHECK_EQ(virgl_renderer_resource_create(&a, NULL, 0), 0);
   CHECK_REFUSED(virgl_renderer_resource_create(&a, NULL, 0)); /* reused id */
   struct virgl_box box = { 0, 0, 0, 64, 64, 1 };
   CHECK_REFUSED(virgl_renderer_transfer_write_iov(30, 0, 0, 0, 0, &box, 0, NULL, 0)); /* no backing */
   static uint8_t small[1024];
   struct iovec iov = { small, sizeof(small) };
   CHECK_EQ(virgl_renderer_resource_attach_iov(30, &iov, 1), 0);
   CHECK_REFUSED(virgl_renderer_resource_attach_iov(30, &iov, 1));                 /* twice */
   CHECK_REFUSED(virgl_renderer_transfer_write_iov(30, 0, 0, 0, 0, &box, 0, NULL, 0)); /* short */
   struct virgl_box out = { 60, 0, 0, 8, 1, 1 };
   CHECK_REFUSED(virgl_renderer_transfer_write_iov(30, 0, 0, 0, 0, &out, 0, NULL, 0));
   struct virgl_box wrap = { 0xffffffffu, 0, 0, 2, 1, 1 };
   CHECK_REFUSED(virgl_renderer_transfer_read_iov(30, 0, 0, 0, 0, &wrap, 0, NULL, 0));
   struct virgl_box one = { 0, 0, 0, 1, 1, 1 };
   CHECK_REFUSED(virgl_renderer_transfer_write_iov(30, 0, 0, 0, 0, &one, UINT64_MAX - 2, NULL, 0));
   CHECK_REFUSED(virgl_renderer_transfer_write_iov(30, 0, 1, 0, 0, &one, 0, NULL, 0)); /* level */
   CHECK_REFUSED(virgl_renderer_transfer_write_iov(30, 0, 0, 0, 0, NULL, 0, NULL, 0));
   void *map;
   uint64_t size;
   CHECK_REFUSED(virgl_renderer_resource_map(30, &map, &size)); /* not a blob */
   struct virgl_renderer_resource_info_ext ext;
   CHECK_REFUSED(virgl_renderer_resource_get_info_ext(30, &ext)); /* no GL texture to show */
   struct iovec *got;
   int n;
   virgl_renderer_resource_detach_iov(30, &got, &n);
   CHECK(got == &iov && n == 1);
   virgl_renderer_resource_unref(30);
   int fd = 0;
   CHECK_REFUSED(virgl_renderer_get_fd_for_texture(1, &fd));
   CHECK_EQ(fd, -1);
   CHECK_REFUSED(virgl_renderer_export_fence(1, &fd));
}

static void
test_hostile(void)
{
   int fds = e2e_count_fds();
   /* before init */
   CHECK_REFUSED(virgl_renderer_context_create_with_flags(1, VIRGL_RENDERER_CAPSET_VENUS, 1, "x"));
   CHECK_REFUSED(virgl_renderer_create_fence(1, 0));
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   venus_context(1, "bystander");
   struct virgl_transport vt = { .ctx_id = 1, .next_res = 100, .page = (uint32_t)pv_page_size() };
   struct e2e_log lg = { .name = "bystander" };
   struct e2e_dev d;
   memset(&d, 0, sizeof(d));
   CHECK(!pv_vnc_open_transport(&d.c, &virgl_ops, &vt) && !e2e_dev_start(&d, &lg, "b", NULL, NULL));
   hostile_contexts();
   hostile_blobs();
   hostile_2d();
   /* the bystander still works */
   uint64_t fence = 0;
   CHECK(!e2e_create_fence(&d, &fence));
   e2e_destroy_fence(&d, fence);
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);
   virgl_renderer_context_destroy(1);
   virgl_renderer_cleanup(NULL);
   CHECK_EQ(e2e_wait_fds(fds), fds);
}

static void
test_reset(void)
{
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   venus_context(1, "before");
   CHECK_EQ(shm_blob(1, 40, 65536), 0);
   virgl_renderer_reset();
   uint32_t cmd[1] = { 0 };
   CHECK(virgl_renderer_submit_cmd(cmd, 1, 0) != 0); /* gone */
   void *map;
   uint64_t size;
   CHECK(virgl_renderer_resource_map(40, &map, &size) != 0);
   CHECK_EQ(virgl_renderer_init(&cookie, VENUS_FLAGS, &cbs_v3), 0);
   venus_context(1, "after");
   CHECK_EQ(shm_blob(1, 40, 65536), 0);
   virgl_renderer_cleanup(NULL);
}

int
main(void)
{
   vmm.main = pthread_self();
   virgl_set_log_callback(log_line, NULL, NULL);
   RUN(test_capsets);
   RUN(test_init);
   RUN(test_compute_polled);
   RUN(test_compute_async);
   RUN(test_compute_16k_pages);
   RUN(test_attach);
   RUN(test_2d);
   RUN(test_hostile);
   RUN(test_reset);
   return pv_test_summary();
}
