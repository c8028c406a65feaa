/*
 * test_renderer_api.c — the public API and the context internals the vtest
 * server stands on: capset, shm blobs and resource references/pins, syncs
 * and pollable waits, fence timelines and their hooks, the id map.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "platform/pv_platform.h"
#include "pvvenus.h"
#include "renderer/core/context.h"
#include "util/pv_idmap.h"
#include "renderer/core/resource.h"
#include "renderer/core/sync.h"
#include "tests/pv_test.h"

static int
readable(int fd, int timeout_ms)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   int r = poll(&p, 1, timeout_ms);
   return r > 0 && (p.revents & POLLIN);
}

/* Collects log lines so tests can check that something was logged. */
struct log_capture {
   int errors;
   int lines;
   char last[256];
};

static void
capture_log(void *user, enum pv_venus_log_level level, const char *msg)
{
   struct log_capture *cap = user;
   if (level == PV_VENUS_LOG_ERROR)
      cap->errors++;
   cap->lines++;
   snprintf(cap->last, sizeof(cap->last), "%s", msg);
}

static struct pv_renderer *
new_renderer(struct log_capture *cap)
{
   struct pv_renderer_config cfg = {
      .log_fn = capture_log,
      .log_user = cap,
      .log_level = PV_VENUS_LOG_WARN,
   };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   return r;
}

static void
test_capset(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer *r = new_renderer(&cap);
   uint32_t w[41];
   size_t size = 0;
   CHECK_EQ(pv_renderer_get_capset(r, PV_CAPSET_VENUS, 0, NULL, &size), 0);
   CHECK_EQ(size, 160);
   size = 100;
   CHECK_EQ(pv_renderer_get_capset(r, PV_CAPSET_VENUS, 0, w, &size), -ENOSPC);
   size = sizeof(w);
   CHECK_EQ(pv_renderer_get_capset(r, PV_CAPSET_VENUS, 1, w, &size), -EINVAL);
   CHECK_EQ(pv_renderer_get_capset(r, 1, 0, w, &size), -EINVAL);
   size = sizeof(w);
   CHECK_EQ(pv_renderer_get_capset(r, PV_CAPSET_VENUS, 0, w, &size), 0);
   CHECK_EQ(size, 160);
   CHECK_EQ(w[0], 1);                   /* wire_format_version */
   CHECK(w[1] >= ((1u << 22) | (1u << 12))); /* vk_xml_version >= 1.1.0 */
   CHECK_EQ(w[2], 1);                   /* command_serialization spec */
   CHECK_EQ(w[3], 3);                   /* venus_protocol spec */
   CHECK_EQ(w[4], 1);                   /* supports_blob_id_0 */
   CHECK_EQ(w[5] & 1, 1);               /* mask valid */
   CHECK_EQ(w[37], 1);                  /* allow_vk_wait_syncs */
   CHECK_EQ(w[38], 1);                  /* supports_multiple_timelines */
   CHECK_EQ(w[39], 0);                  /* use_guest_vram */
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "x", 1, &ctx), -EINVAL);
   CHECK(ctx == NULL);
   pv_renderer_destroy(r);
}

static void
test_config(void)
{
   struct pv_renderer *r = NULL;
   struct pv_renderer_config cfg = { .flags = 1u << 31 };
   CHECK_EQ(pv_renderer_create(&cfg, &r), -EINVAL);
   cfg = (struct pv_renderer_config){ .page_size = 12288 }; /* not a power of two */
   CHECK_EQ(pv_renderer_create(&cfg, &r), -EINVAL);
   cfg = (struct pv_renderer_config){ .page_size = 2048 };
   CHECK_EQ(pv_renderer_create(&cfg, &r), -EINVAL);
   CHECK_EQ(pv_renderer_create(NULL, &r), 0);
   pv_renderer_destroy(r);
   cfg = (struct pv_renderer_config){ .flags = PV_RENDERER_NO_BUSY_WAIT };
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   pv_renderer_destroy(r);
}

static void
test_shm_blob(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer *r = new_renderer(&cap);
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "blob\ttest", PV_CAPSET_VENUS, &ctx), 0);
   CHECK(!strcmp(ctx->name, "blob?test"));
   /* No device yet, so nothing that busy-waits. */
   CHECK(!pv_context_busy_waits(ctx));
   CHECK(!pv_context_busy_waits(NULL));
   uint32_t id = 0, id2 = 0;
   struct pv_blob_info info;
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, PV_BLOB_FLAG_MAPPABLE, 8192, 0, &id,
                                   &info), 0);
   CHECK(id >= 1);
   CHECK_EQ(info.fd_type, PV_BLOB_FD_SHM);
   CHECK_EQ(info.size, 8192);
   CHECK(info.fd >= 0);
   unsigned char *guest = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, info.fd, 0);
   CHECK(guest != MAP_FAILED);
   pv_close(info.fd);
   if (guest == MAP_FAILED)
      return;
   for (int i = 0; i < 8192; i++)
      guest[i] = (unsigned char)(i * 7);
   struct pv_resource *res = pv_context_get_resource(ctx, id);
   CHECK(res && res->map && res->size == 8192);
   if (res) {
      CHECK(!memcmp(res->map, guest, 8192));
      ((unsigned char *)res->map)[100] = 0xab;
      CHECK_EQ(guest[100], 0xab);
   }
   /* Unref by the guest while a transient reference is held: fine. */
   CHECK_EQ(pv_context_unref_resource(ctx, id), 0);
   CHECK(pv_context_get_resource(ctx, id) == NULL);
   CHECK_EQ(pv_context_unref_resource(ctx, id), -ENOENT);
   if (res)
      CHECK_EQ(((unsigned char *)res->map)[100], 0xab); /* still mapped */
   pv_resource_unref(res);
   munmap(guest, 8192);

   /* Bad requests fail without an fd and without poisoning the context. */
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, 3, 4096, 0, &id2, &info), -EINVAL);
   CHECK_EQ(info.fd, -1);
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_GUEST, 1, 4096, 0, &id2, &info), -EINVAL);
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, 1, 0, 0, &id2, &info), -EINVAL);
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, 1, UINT64_MAX, 0, &id2, &info),
            -EINVAL);
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, 1, 4096, 42, &id2, &info), -ENOTSUP);
   CHECK_EQ(info.fd, -1);
   CHECK(!pv_context_is_fatal(ctx));
   CHECK(pv_context_fatal_reason(ctx) == NULL);
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

static void
test_pinned_unref_is_fatal(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer *r = new_renderer(&cap);
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "pin", PV_CAPSET_VENUS, &ctx), 0);
   uint32_t id = 0;
   struct pv_blob_info info;
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, 1, 4096, 0, &id, &info), 0);
   pv_close(info.fd);
   struct pv_resource *ring = pv_context_pin_resource(ctx, id);
   CHECK(ring != NULL);
   CHECK_EQ(pv_context_unref_resource(ctx, id), -EBUSY);
   CHECK(pv_context_is_fatal(ctx));
   CHECK(pv_context_fatal_reason(ctx) && strstr(pv_context_fatal_reason(ctx), "resource"));
   CHECK_EQ(cap.errors, 1);
   if (ring) {
      /* The "ring thread" may still read it. */
      memset(ring->map, 0x5a, 4096);
      pv_resource_unpin(ctx, ring);
   }
   /* A second fatal reason is ignored and not logged again. */
   pv_context_set_fatal(ctx, "second");
   CHECK_EQ(cap.errors, 1);
   CHECK_EQ(pv_context_submit(ctx, "abcd", 4), -EIO);
   CHECK_EQ(pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, 1, 4096, 0, &id, &info), -EIO);
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

static void
test_submit_placeholder(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer *r = new_renderer(&cap);
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "submit", PV_CAPSET_VENUS, &ctx), 0);
   CHECK_EQ(pv_context_submit(ctx, NULL, 0), 0);
   CHECK(!pv_context_is_fatal(ctx));
   /* An unknown command (type 0xffffffff) can never be valid. */
   uint32_t garbage[2] = { 0xffffffffu, 0 };
   CHECK_EQ(pv_context_submit(ctx, garbage, sizeof(garbage)), -EIO);
   CHECK(pv_context_is_fatal(ctx));
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

static void
test_syncs_and_waits(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer *r = new_renderer(&cap);
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "sync", PV_CAPSET_VENUS, &ctx), 0);
   uint32_t a = 0, b = 0;
   uint64_t v = 0;
   CHECK_EQ(pv_sync_create(ctx, 5, &a), 0);
   CHECK_EQ(pv_sync_create(ctx, 0, &b), 0);
   CHECK(a && b && a != b);
   CHECK_EQ(pv_sync_read(ctx, a, &v), 0);
   CHECK_EQ(v, 5);
   CHECK_EQ(pv_sync_write(ctx, a, 3), 0); /* may go down */
   CHECK_EQ(pv_sync_read(ctx, a, &v), 0);
   CHECK_EQ(v, 3);
   CHECK_EQ(pv_sync_read(ctx, 999, &v), -ENOENT);
   CHECK_EQ(pv_sync_write(ctx, 999, 1), -ENOENT);

   /* all: readable only once both are reached */
   struct pv_sync_point pts[2] = { { a, 10 }, { b, 1ull << 40 } };
   int fd = -1, fd_any = -1, fd_to = -1, fd_now = -1;
   CHECK_EQ(pv_sync_wait(ctx, 0, pts, 2, UINT64_MAX, &fd), 0);
   CHECK_EQ(pv_sync_wait(ctx, PV_SYNC_WAIT_ANY, pts, 2, UINT64_MAX, &fd_any), 0);
   CHECK_EQ(pv_sync_wait(ctx, 0, pts, 2, 1000000 /* 1 ms */, &fd_to), 0);
   CHECK(!readable(fd, 20) && !readable(fd_any, 0));
   CHECK_EQ(pv_sync_write(ctx, a, 9), 0);
   CHECK(!readable(fd, 0) && !readable(fd_any, 0));
   CHECK_EQ(pv_sync_write(ctx, a, 10), 0);
   CHECK(!readable(fd, 0));
   CHECK(readable(fd_any, 0));
   CHECK_EQ(pv_sync_write(ctx, b, (1ull << 40) - 1), 0);
   CHECK(!readable(fd, 0));
   CHECK_EQ(pv_sync_write(ctx, b, 1ull << 40), 0);
   CHECK(readable(fd, 0));
   /* The 1 ms wait's timeout passed long ago, but the condition now holds:
    * signalling late is correct; signalling at the timeout would not be. */
   CHECK(readable(fd_to, 0));
   /* Already satisfied: readable at once.  Count 0: satisfied. */
   CHECK_EQ(pv_sync_wait(ctx, 0, pts, 2, 0, &fd_now), 0);
   CHECK(readable(fd_now, 0));
   pv_close(fd_now);
   CHECK_EQ(pv_sync_wait(ctx, 0, NULL, 0, 0, &fd_now), 0);
   CHECK(readable(fd_now, 0));
   pv_close(fd_now);
   pv_close(fd);
   pv_close(fd_any);
   pv_close(fd_to);

   /* A timed-out wait never becomes readable on its own. */
   pts[0].value = 100;
   CHECK_EQ(pv_sync_wait(ctx, 0, pts, 1, 10 * 1000000ull, &fd), 0);
   CHECK(!readable(fd, 60));
   pv_close(fd);

   /* Bad arguments */
   CHECK_EQ(pv_sync_wait(ctx, 2, pts, 1, 0, &fd), -EINVAL);
   CHECK_EQ(fd, -1);
   struct pv_sync_point bad = { 12345, 1 };
   CHECK_EQ(pv_sync_wait(ctx, 0, &bad, 1, 0, &fd), -ENOENT);

   /* A wait keeps its sync alive after unref. */
   pts[0].value = 200;
   CHECK_EQ(pv_sync_wait(ctx, 0, pts, 1, UINT64_MAX, &fd), 0);
   CHECK_EQ(pv_sync_unref(ctx, a), 0);
   CHECK_EQ(pv_sync_unref(ctx, a), -ENOENT);
   CHECK(!readable(fd, 0));
   pv_close(fd);
   /* Destroying the context with pending waits frees them. */
   CHECK_EQ(pv_sync_wait(ctx, 0, &pts[1], 1, UINT64_MAX, &fd), 0);
   pv_close(fd);
   pts[1].value = UINT64_MAX;
   CHECK_EQ(pv_sync_wait(ctx, 0, &pts[1], 1, UINT64_MAX, &fd), 0);
   pv_context_destroy(ctx);
   CHECK(!readable(fd, 0));
   pv_close(fd);
   pv_renderer_destroy(r);
}

/* ---- timelines ---------------------------------------------------------- */

struct retired_log {
   unsigned n;
   uint64_t ids[16];
   uint32_t rings[16];
};

static void
on_retired(void *user, struct pv_context *ctx, uint32_t ring_idx, uint64_t fence_id)
{
   (void)ctx;
   struct retired_log *log = user;
   if (log->n < 16) {
      log->rings[log->n] = ring_idx;
      log->ids[log->n] = fence_id;
   }
   log->n++;
}

struct fake_queue {
   unsigned submits;
   uint64_t last_seqno;
   int fail;
};

static int
fake_submit(void *data, struct pv_context *ctx, uint32_t ring_idx, uint64_t seqno)
{
   (void)ctx;
   (void)ring_idx;
   struct fake_queue *q = data;
   q->submits++;
   q->last_seqno = seqno;
   return q->fail ? -EIO : 0;
}

static void
test_timelines(void)
{
   struct retired_log rl = { 0 };
   struct log_capture cap = { 0 };
   struct pv_renderer_config cfg = {
      .log_fn = capture_log, .log_user = &cap, .log_level = PV_VENUS_LOG_WARN,
      .fence_retired = on_retired, .fence_user = &rl,
   };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "tl", PV_CAPSET_VENUS, &ctx), 0);
   uint32_t s = 0;
   uint64_t v = 0;
   CHECK_EQ(pv_sync_create(ctx, 0, &s), 0);

   /* Timeline 0 retires at once. */
   struct pv_sync_point p = { s, 7 };
   CHECK_EQ(pv_context_submit_fence(ctx, 0, 100, &p, 1), 0);
   CHECK_EQ(pv_sync_read(ctx, s, &v), 0);
   CHECK_EQ(v, 7);
   CHECK_EQ(rl.n, 1);
   CHECK_EQ(rl.ids[0], 100);
   struct pv_sync_point unknown = { 777, 1 };
   CHECK_EQ(pv_context_submit_fence(ctx, 0, 101, &unknown, 1), -ENOENT);
   CHECK(!pv_context_is_fatal(ctx));

   /* Bound timeline: retire in order, only up to the given seqno. */
   struct fake_queue q = { 0 };
   CHECK_EQ(pv_context_bind_timeline(ctx, 0, fake_submit, &q), -EINVAL);
   CHECK_EQ(pv_context_bind_timeline(ctx, 64, fake_submit, &q), -EINVAL);
   CHECK_EQ(pv_context_bind_timeline(ctx, 3, fake_submit, &q), 0);
   CHECK_EQ(pv_context_bind_timeline(ctx, 3, fake_submit, &q), -EBUSY);
   p.value = 8;
   CHECK_EQ(pv_context_submit_fence(ctx, 3, 200, &p, 1), 0);
   uint64_t first = q.last_seqno;
   p.value = 9;
   CHECK_EQ(pv_context_submit_fence(ctx, 3, 201, &p, 1), 0);
   CHECK_EQ(q.submits, 2);
   CHECK_EQ(pv_sync_read(ctx, s, &v), 0);
   CHECK_EQ(v, 7);
   pv_context_retire_timeline(ctx, 3, first);
   CHECK_EQ(pv_sync_read(ctx, s, &v), 0);
   CHECK_EQ(v, 8);
   CHECK_EQ(rl.n, 2);
   /* Unbinding retires what is left. */
   pv_context_unbind_timeline(ctx, 3);
   CHECK_EQ(pv_sync_read(ctx, s, &v), 0);
   CHECK_EQ(v, 9);
   CHECK_EQ(rl.n, 3);
   CHECK(rl.ids[1] == 200 && rl.ids[2] == 201 && rl.rings[2] == 3);

   /* A failing hook, an unbound timeline, and ring_idx 64 are fatal. */
   CHECK_EQ(pv_context_submit_fence(ctx, 5, 300, NULL, 0), -EINVAL);
   CHECK(pv_context_is_fatal(ctx));
   CHECK(strstr(pv_context_fatal_reason(ctx), "timeline 5") != NULL);
   pv_context_destroy(ctx);

   CHECK_EQ(pv_context_create(r, "tl2", PV_CAPSET_VENUS, &ctx), 0);
   CHECK_EQ(pv_context_submit_fence(ctx, 64, 1, NULL, 0), -EINVAL);
   CHECK(pv_context_is_fatal(ctx));
   pv_context_destroy(ctx);

   CHECK_EQ(pv_context_create(r, "tl3", PV_CAPSET_VENUS, &ctx), 0);
   q.fail = 1;
   CHECK_EQ(pv_context_bind_timeline(ctx, 1, fake_submit, &q), 0);
   CHECK(pv_context_submit_fence(ctx, 1, 1, NULL, 0) < 0);
   CHECK(pv_context_is_fatal(ctx));
   /* Pending fences at destroy are freed without a callback. */
   unsigned before = rl.n;
   pv_context_destroy(ctx);
   CHECK_EQ(rl.n, before);
   pv_renderer_destroy(r);
}

/* A hook that takes its time, as vkQueueSubmit may, on the thread that
 * submits the fence; `done` tells when it returned. */
struct slow_hook {
   atomic_bool entered, done;
};

static int
slow_submit(void *data, struct pv_context *ctx, uint32_t ring_idx, uint64_t seqno)
{
   (void)ctx, (void)ring_idx, (void)seqno;
   struct slow_hook *h = data;
   atomic_store(&h->entered, true);
   pv_sleep_ns(200 * 1000 * 1000);
   atomic_store(&h->done, true);
   return 0;
}

static void *
submit_on_thread(void *arg)
{
   pv_context_submit_fence(arg, 2, 1, NULL, 0);
   return NULL;
}

/* Unbinding a timeline while another thread's fence is inside its hook
 * returns only after the hook did: the queue frees what the hook uses
 * once the unbind returns (a guest destroying its device on the ring
 * while the context's thread queues a fence). */
static void
test_unbind_waits_for_hook(void)
{
   struct pv_renderer *r = NULL;
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_renderer_create(NULL, &r), 0);
   CHECK_EQ(pv_context_create(r, "unbind", PV_CAPSET_VENUS, &ctx), 0);
   struct slow_hook h;
   atomic_init(&h.entered, false);
   atomic_init(&h.done, false);
   CHECK_EQ(pv_context_bind_timeline(ctx, 2, slow_submit, &h), 0);
   pthread_t t;
   CHECK_EQ(pthread_create(&t, NULL, submit_on_thread, ctx), 0);
   while (!atomic_load(&h.entered))
      pv_sleep_ns(1000 * 1000);
   pv_context_unbind_timeline(ctx, 2);
   CHECK(atomic_load(&h.done));
   pthread_join(t, NULL);
   CHECK(!pv_context_is_fatal(ctx));
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

static uint64_t settle_token;
static unsigned settles;

/* A settle hook that releases the hold the test took. */
static int
release_on_settle(struct pv_context *ctx)
{
   settles++;
   pv_context_release_fences(ctx, settle_token);
   return 0;
}

/* Fences queued while held reach their timelines only when released, in
 * queue order, each hold's after the older ones'; timeline 0's retire
 * then.  A timeline unbound meanwhile retired its fences already. */
static void
test_held_fences(void)
{
   struct retired_log rl = { 0 };
   struct pv_renderer_config cfg = { .fence_retired = on_retired, .fence_user = &rl,
                                     .log_level = PV_VENUS_LOG_WARN };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "held", PV_CAPSET_VENUS, &ctx), 0);
   struct fake_queue q = { 0 }, q2 = { 0 };
   CHECK_EQ(pv_context_bind_timeline(ctx, 1, fake_submit, &q), 0);
   CHECK_EQ(pv_context_bind_timeline(ctx, 2, fake_submit, &q2), 0);

   uint64_t t1 = pv_context_hold_fences(ctx);
   CHECK_EQ(pv_context_submit_fence(ctx, 1, 10, NULL, 0), 0);
   CHECK_EQ(pv_context_submit_fence(ctx, 0, 11, NULL, 0), 0);
   uint64_t t2 = pv_context_hold_fences(ctx);
   CHECK_EQ(pv_context_submit_fence(ctx, 1, 12, NULL, 0), 0);
   CHECK_EQ(q.submits, 0);
   CHECK_EQ(rl.n, 0);
   pv_context_release_fences(ctx, t1);
   CHECK_EQ(q.submits, 1); /* fence 10; 12 waits for the second hold */
   CHECK_EQ(q.last_seqno, 1);
   CHECK_EQ(rl.n, 1);
   CHECK_EQ(rl.ids[0], 11);
   /* not held itself, but queued behind the held fence 12 */
   CHECK_EQ(pv_context_submit_fence(ctx, 2, 13, NULL, 0), 0);
   CHECK_EQ(q2.submits, 0);
   pv_context_release_fences(ctx, t2);
   CHECK_EQ(q.submits, 2);
   CHECK_EQ(q.last_seqno, 2);
   CHECK_EQ(q2.submits, 1);
   /* nothing held: at once */
   CHECK_EQ(pv_context_submit_fence(ctx, 1, 14, NULL, 0), 0);
   CHECK_EQ(q.submits, 3);
   pv_context_release_fences(ctx, t2); /* twice: nothing more */
   CHECK_EQ(q.submits, 3);

   /* the newer token releases the older hold too */
   uint64_t t3 = pv_context_hold_fences(ctx);
   uint64_t t4 = pv_context_hold_fences(ctx);
   CHECK(t3 < t4);
   CHECK_EQ(pv_context_submit_fence(ctx, 1, 15, NULL, 0), 0);
   pv_context_release_fences(ctx, t4);
   CHECK_EQ(q.submits, 4);

   /* unbound while held: retired by the unbind, never handed to a queue */
   uint32_t s = 0;
   uint64_t v = 0;
   CHECK_EQ(pv_sync_create(ctx, 0, &s), 0);
   struct pv_sync_point p = { s, 5 };
   uint64_t t5 = pv_context_hold_fences(ctx);
   CHECK_EQ(pv_context_submit_fence(ctx, 2, 16, &p, 1), 0);
   pv_context_unbind_timeline(ctx, 2);
   CHECK_EQ(pv_sync_read(ctx, s, &v), 0);
   CHECK_EQ(v, 5);
   pv_context_release_fences(ctx, t5);
   CHECK_EQ(q2.submits, 1);

   /* past 1024 held fences the next one waits for the holds first (the
    * settle hook, which here releases them) */
   uint64_t t6 = pv_context_hold_fences(ctx);
   for (unsigned i = 0; i < 1024; i++)
      CHECK_EQ(pv_context_submit_fence(ctx, 1, 100 + i, NULL, 0), 0);
   CHECK_EQ(q.submits, 4);
   settle_token = t6;
   ctx->settle = release_on_settle;
   CHECK_EQ(pv_context_submit_fence(ctx, 1, 2000, NULL, 0), 0);
   CHECK_EQ(settles, 1);
   CHECK_EQ(q.submits, 4 + 1025);
   ctx->settle = NULL;

   /* held at destroy: freed without a callback */
   pv_context_hold_fences(ctx);
   CHECK_EQ(pv_context_submit_fence(ctx, 1, 17, NULL, 0), 0);
   unsigned before = rl.n;
   pv_context_destroy(ctx);
   CHECK_EQ(rl.n, before);
   CHECK_EQ(q.submits, 4 + 1025);
   pv_renderer_destroy(r);
}

/* virtio-gpu resources: the caller's ids, attach to a second context with
 * pins per context, a VMM mapping that outlives every context, 16 KiB
 * pages. */
static void
test_virtio_resources(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer_config cfg = { .log_fn = capture_log, .log_user = &cap,
                                     .log_level = PV_VENUS_LOG_WARN, .page_size = 16384 };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   CHECK_EQ(pv_renderer_page_size(r), 16384);
   struct pv_context *a = NULL, *b = NULL;
   CHECK_EQ(pv_context_create(r, "a", PV_CAPSET_VENUS, &a), 0);
   CHECK_EQ(pv_context_create(r, "b", PV_CAPSET_VENUS, &b), 0);
   /* ids that share their low 16 bits must not crowd one slot */
   for (uint32_t i = 1; i <= 64; i++)
      CHECK_EQ(pv_context_create_blob_with_id(a, i << 16, PV_BLOB_TYPE_HOST3D,
                                              PV_BLOB_FLAG_MAPPABLE, 4096, 0, NULL), 0);
   CHECK_EQ(pv_context_create_blob_with_id(a, 1u << 16, PV_BLOB_TYPE_HOST3D,
                                           PV_BLOB_FLAG_MAPPABLE, 4096, 0, NULL), -EEXIST);
   CHECK_EQ(pv_context_create_blob_with_id(a, 0, PV_BLOB_TYPE_HOST3D, PV_BLOB_FLAG_MAPPABLE, 4096,
                                           0, NULL), -EINVAL);
   /* Mesa's ring size maps as whole 16 KiB pages at a 16 KiB boundary */
   CHECK_EQ(pv_context_create_blob_with_id(a, 7, PV_BLOB_TYPE_HOST3D, PV_BLOB_FLAG_MAPPABLE,
                                           131268, 0, NULL), 0);
   struct pv_resource_mapping m;
   CHECK_EQ(pv_context_map_resource(a, 7, &m), 0);
   CHECK_EQ(m.size, 147456);
   CHECK_EQ((uintptr_t)m.ptr % 16384, 0);
   CHECK_EQ(m.caching, PV_MAP_CACHE_CACHED);
   memcpy(m.ptr, "seen", 5);
   struct pv_resource_mapping none;
   CHECK_EQ(pv_context_map_resource(a, 8, &none), -ENOENT);
   CHECK(none.ptr == NULL);
   /* attach: the same memory under the same id; again is a no-op */
   CHECK_EQ(pv_context_attach_resource(b, a, 7), 0);
   CHECK_EQ(pv_context_attach_resource(b, a, 7), 0);
   CHECK_EQ(pv_context_attach_resource(b, a, 9), -ENOENT);
   struct pv_resource *ring = pv_context_pin_resource(b, 7);
   CHECK(ring && !strcmp(ring->map, "seen"));
   /* a's detach is fine although b's "ring" pins it; b's would be fatal */
   CHECK_EQ(pv_context_unref_resource(a, 7), 0);
   CHECK(!pv_context_is_fatal(a) && !pv_context_is_fatal(b));
   pv_resource_unpin(b, ring);
   CHECK_EQ(pv_context_unref_resource(b, 7), 0);
   int fd = 0;
   enum pv_blob_fd_type type;
   CHECK_EQ(pv_context_export_resource(a, 1u << 16, &fd, &type), -ENOTSUP); /* shm keeps no fd */
   CHECK_EQ(fd, -1);
   pv_context_destroy(a);
   pv_context_destroy(b);
   CHECK(!strcmp(m.ptr, "seen")); /* the mapping outlives the contexts */
   pv_resource_mapping_release(&m);
   CHECK(m.ptr == NULL && m.res == NULL);
   pv_resource_mapping_release(&m); /* again: ignored */
   pv_renderer_destroy(r);
}

/* The default blob limits are reached, and named, before the kernel's
 * mapping limit (vm.max_map_count, 65,530 by default) is: max_blobs of
 * the context, or max_total_blobs (half the kernel's) if that is lower. */
static void
test_default_blob_limit(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer *r = new_renderer(&cap);
   struct pv_renderer_usage u;
   CHECK_EQ(pv_renderer_get_usage(r, &u), 0);
   uint64_t kernel = pv_mapping_limit();
   CHECK(u.blobs.limit == (kernel ? kernel / 2 : 32768));
   struct pv_context *ctx = NULL;
   CHECK_EQ(pv_context_create(r, "many", PV_CAPSET_VENUS, &ctx), 0);
   uint32_t made = 0;
   int ret = 0;
   while (!ret && made <= (1u << 16))
      if (!(ret = pv_context_create_blob_with_id(ctx, made + 1, PV_BLOB_TYPE_HOST3D,
                                                 PV_BLOB_FLAG_MAPPABLE, 4096, 0, NULL)))
         made++;
   CHECK_EQ(ret, -ENOSPC);
   bool total_first = u.blobs.limit < 32768;
   CHECK_EQ(made, total_first ? u.blobs.limit : 32768);
   CHECK(strstr(cap.last, total_first ? "max_total_blobs" : "max_blobs") != NULL);
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

/* Contexts, blobs and shared memory count against budgets for the whole
 * renderer: past one, the request fails naming it, repeated refusals are
 * logged once a second, and everything comes back when its holder goes
 * (a VMM's mapping holds its blob past the contexts). */
static void
test_process_budgets(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer_config cfg = { .log_fn = capture_log, .log_user = &cap,
                                     .log_level = PV_VENUS_LOG_WARN, .max_contexts = 2,
                                     .max_total_blobs = 3, .max_total_shm_bytes = 3 * 4096,
                                     .page_size = 4096 };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   struct pv_context *a = NULL, *b = NULL, *c = NULL;
   CHECK_EQ(pv_context_create(r, "a", PV_CAPSET_VENUS, &a), 0);
   CHECK_EQ(pv_context_create(r, "b", PV_CAPSET_VENUS, &b), 0);
   CHECK_EQ(pv_context_create(r, "c", PV_CAPSET_VENUS, &c), -ENOSPC);
   CHECK(c == NULL && strstr(cap.last, "max_contexts") != NULL);
   int lines = cap.lines;
   for (int i = 0; i < 100; i++)
      CHECK_EQ(pv_context_create(r, "c", PV_CAPSET_VENUS, &c), -ENOSPC);
   CHECK(cap.lines - lines <= 1); /* a storm of refusals, one line a second at most */

   const uint32_t T = PV_BLOB_TYPE_HOST3D, F = PV_BLOB_FLAG_MAPPABLE;
   CHECK_EQ(pv_context_create_blob_with_id(a, 1, T, F, 4096, 0, NULL), 0);
   CHECK_EQ(pv_context_create_blob_with_id(b, 2, T, F, 100, 0, NULL), 0); /* a whole page */
   CHECK_EQ(pv_context_create_blob_with_id(a, 3, T, F, 8192, 0, NULL), -ENOSPC);
   CHECK(strstr(cap.last, "max_total_shm_bytes") != NULL);
   struct pv_renderer_usage u;
   CHECK_EQ(pv_renderer_get_usage(r, &u), 0);
   CHECK(u.contexts.used == 2 && u.contexts.limit == 2);
   CHECK(u.blobs.used == 2 && u.blobs.limit == 3); /* the refused one gave its blob back */
   CHECK(u.shm_bytes.used == 2 * 4096 && u.shm_bytes.limit == 3 * 4096);
   CHECK(u.rings.used == 0 && u.rings.limit == 4096);
   /* attached elsewhere, a blob still counts once */
   CHECK_EQ(pv_context_attach_resource(b, a, 1), 0);
   CHECK_EQ(pv_renderer_get_usage(r, &u), 0);
   CHECK(u.blobs.used == 2 && u.shm_bytes.used == 2 * 4096);
   CHECK_EQ(pv_context_create_blob_with_id(b, 3, T, F, 4096, 0, NULL), 0);
   CHECK_EQ(pv_context_create_blob_with_id(a, 4, T, F, 4096, 0, NULL), -ENOSPC);
   CHECK(strstr(cap.last, "max_total_blobs") != NULL);

   struct pv_resource_mapping m;
   CHECK_EQ(pv_context_map_resource(b, 1, &m), 0);
   pv_context_destroy(a);
   pv_context_destroy(b);
   CHECK_EQ(pv_renderer_get_usage(r, &u), 0);
   CHECK(u.contexts.used == 0 && u.blobs.used == 1 && u.shm_bytes.used == 4096);
   pv_resource_mapping_release(&m);
   CHECK_EQ(pv_renderer_get_usage(r, &u), 0);
   CHECK(u.blobs.used == 0 && u.shm_bytes.used == 0);
   CHECK_EQ(pv_context_create(r, "c", PV_CAPSET_VENUS, &c), 0);
   pv_context_destroy(c);
   CHECK_EQ(cap.errors, 0);
   pv_renderer_destroy(r);
}

/* Pending waits count against one budget for all contexts: the next one
 * over it fails (and says so) until a wait completes or a context goes. */
static void
test_pending_wait_budget(void)
{
   struct log_capture cap = { 0 };
   struct pv_renderer_config cfg = { .log_fn = capture_log, .log_user = &cap,
                                     .log_level = PV_VENUS_LOG_WARN, .max_pending_waits = 3 };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   struct pv_context *a = NULL, *b = NULL;
   CHECK_EQ(pv_context_create(r, "a", PV_CAPSET_VENUS, &a), 0);
   CHECK_EQ(pv_context_create(r, "b", PV_CAPSET_VENUS, &b), 0);
   uint32_t sa = 0, sb = 0;
   CHECK_EQ(pv_sync_create(a, 0, &sa), 0);
   CHECK_EQ(pv_sync_create(b, 0, &sb), 0);
   struct pv_sync_point pa = { sa, 1 }, pb = { sb, 1 };
   int fds[4] = { -1, -1, -1, -1 };
   CHECK_EQ(pv_sync_wait(a, 0, &pa, 1, UINT64_MAX, &fds[0]), 0);
   CHECK_EQ(pv_sync_wait(a, 0, &pa, 1, UINT64_MAX, &fds[1]), 0);
   CHECK_EQ(pv_sync_wait(b, 0, &pb, 1, UINT64_MAX, &fds[2]), 0);
   CHECK_EQ(pv_sync_wait(b, 0, &pb, 1, UINT64_MAX, &fds[3]), -ENOSPC);
   CHECK(strstr(cap.last, "max_pending_waits") != NULL);
   /* a satisfied wait needs no budget */
   struct pv_sync_point done = { sb, 0 };
   int now = -1;
   CHECK_EQ(pv_sync_wait(b, 0, &done, 1, UINT64_MAX, &now), 0);
   CHECK(readable(now, 0));
   pv_close(now);
   /* a's waits complete: b may wait again */
   CHECK_EQ(pv_sync_write(a, sa, 1), 0);
   CHECK(readable(fds[0], 1000) && readable(fds[1], 1000));
   CHECK_EQ(pv_sync_wait(b, 0, &pb, 1, UINT64_MAX, &fds[3]), 0);
   /* a destroyed context gives its pending waits back */
   CHECK_EQ(pv_sync_wait(a, 0, &(struct pv_sync_point){ sa, 2 }, 1, UINT64_MAX, &now), 0);
   pv_close(now);
   CHECK_EQ(pv_sync_wait(b, 0, &pb, 1, UINT64_MAX, &now), -ENOSPC);
   pv_context_destroy(a);
   CHECK_EQ(pv_sync_wait(b, 0, &pb, 1, UINT64_MAX, &now), 0);
   pv_close(now);
   for (int i = 0; i < 4; i++)
      pv_close(fds[i]);
   pv_context_destroy(b);
   pv_renderer_destroy(r);
}

struct polled {
   pthread_t thread;
   unsigned calls;
   bool other_thread;
   uint64_t last;
};

static void
polled_retired(void *user, struct pv_context *ctx, uint32_t ring_idx, uint64_t fence_id)
{
   (void)ctx, (void)ring_idx;
   struct polled *p = user;
   p->calls++;
   p->last = fence_id;
   p->other_thread |= !pthread_equal(pthread_self(), p->thread);
}

/* PV_RENDERER_FENCES_POLLED: nothing is delivered until pv_renderer_poll,
 * on the caller's thread; the fd says when; a destroyed context's queued
 * fences are dropped. */
static void
test_polled_fences(void)
{
   struct polled p = { .thread = pthread_self() };
   struct pv_renderer_config cfg = { .flags = PV_RENDERER_FENCES_POLLED,
                                     .fence_retired = polled_retired, .fence_user = &p };
   struct pv_renderer *r = NULL;
   CHECK_EQ(pv_renderer_create(&cfg, &r), 0);
   int fd = pv_renderer_fence_fd(r);
   CHECK(fd >= 0);
   CHECK(!readable(fd, 0));
   struct pv_context *a = NULL, *b = NULL;
   CHECK_EQ(pv_context_create(r, "a", PV_CAPSET_VENUS, &a), 0);
   CHECK_EQ(pv_context_create(r, "b", PV_CAPSET_VENUS, &b), 0);
   CHECK_EQ(pv_context_submit_fence(a, 0, 11, NULL, 0), 0);
   CHECK_EQ(pv_context_submit_fence(a, 0, 12, NULL, 0), 0);
   CHECK_EQ(pv_context_submit_fence(b, 0, 21, NULL, 0), 0);
   CHECK_EQ(p.calls, 0);
   CHECK(readable(fd, 0));
   pv_context_destroy(b); /* its fence 21 is dropped */
   CHECK_EQ(pv_renderer_poll(r), 2);
   CHECK(p.calls == 2 && p.last == 12 && !p.other_thread);
   CHECK(!readable(fd, 0));
   CHECK_EQ(pv_renderer_poll(r), 0);
   pv_context_destroy(a);
   pv_renderer_destroy(r);
   struct pv_renderer_config plain = { 0 };
   CHECK_EQ(pv_renderer_create(&plain, &r), 0);
   CHECK_EQ(pv_renderer_fence_fd(r), -EINVAL);
   CHECK_EQ(pv_renderer_poll(r), 0);
   pv_renderer_destroy(r);
}

static void
test_idmap(void)
{
   struct pv_idmap m;
   pv_idmap_init(&m, 5000);
   static int vals[5000];
   uint32_t ids[5000];
   for (int i = 0; i < 5000; i++)
      CHECK_EQ(pv_idmap_add(&m, &vals[i], &ids[i]), 0);
   uint32_t extra;
   CHECK_EQ(pv_idmap_add(&m, &vals[0], &extra), -ENOSPC);
   for (int i = 0; i < 5000; i += 2)
      CHECK(pv_idmap_remove(&m, ids[i]) == &vals[i]);
   int bad = 0;
   for (int i = 0; i < 5000; i++)
      bad += pv_idmap_get(&m, ids[i]) != ((i & 1) ? &vals[i] : NULL);
   CHECK_EQ(bad, 0);
   CHECK(pv_idmap_get(&m, 0) == NULL);
   /* New ids never collide with live ones. */
   for (int i = 0; i < 2500; i++) {
      CHECK_EQ(pv_idmap_add(&m, &vals[0], &extra), 0);
      CHECK(extra != 0);
   }
   CHECK_EQ(m.count, 5000);
   pv_idmap_fini(&m);
}

#ifdef __linux__
/* Page faults a thread takes allocating 1 MiB in 8 KiB pieces, touching
 * and freeing it, 20 times: what a CPU driver's per-draw buffers do on a
 * ring thread. */
static void *
churn(void *arg)
{
   long *faults = arg;
   struct rusage a, b;
   void *p[128];
   getrusage(RUSAGE_THREAD, &a);
   for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 128; i++) {
         p[i] = malloc(8192);
         if (p[i])
            memset(p[i], round, 8192);
      }
      for (int i = 0; i < 128; i++)
         free(p[i]);
   }
   getrusage(RUSAGE_THREAD, &b);
   *faults = b.ru_minflt - a.ru_minflt;
   return NULL;
}

static long
churn_faults(void)
{
   pthread_t t;
   long faults = -1;
   CHECK_EQ(pthread_create(&t, NULL, churn, &faults), 0);
   pthread_join(t, NULL);
   return faults;
}
#endif

/* pv_process_keep_freed_heap: a thread's freed heap stays for its next
 * allocations instead of being faulted back in every time. */
static void
test_keep_freed_heap(void)
{
#ifdef __linux__
   long before = churn_faults();
   int ret = pv_process_keep_freed_heap(64u << 20);
   if (ret == -ENOTSUP) {
      printf("  skipped the fault count: this allocator has no such setting\n");
      return;
   }
   CHECK_EQ(ret, 0);
   long after = churn_faults();
   printf("  page faults of 20 rounds of 1 MiB: %ld with the C library's policy, %ld kept\n",
          before, after);
   /* only the first round faults once the memory is kept */
   CHECK(after * 4 < before);
#else
   int ret = pv_process_keep_freed_heap(64u << 20);
   CHECK(ret == 0 || ret == -ENOTSUP);
#endif
}

int
main(void)
{
   /* First: a large block freed by any other test makes glibc raise its
    * thresholds itself, and the C library's policy would look the same. */
   RUN(test_keep_freed_heap);
   RUN(test_config);
   RUN(test_capset);
   RUN(test_shm_blob);
   RUN(test_pinned_unref_is_fatal);
   RUN(test_submit_placeholder);
   RUN(test_syncs_and_waits);
   RUN(test_timelines);
   RUN(test_unbind_waits_for_hook);
   RUN(test_held_fences);
   RUN(test_idmap);
   RUN(test_virtio_resources);
   RUN(test_polled_fences);
   RUN(test_default_blob_limit);
   RUN(test_pending_wait_budget);
   RUN(test_process_budgets);
   return pv_test_summary();
}
