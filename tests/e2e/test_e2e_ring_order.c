/*
 * test_e2e_ring_order — the context's stream ordered behind the ring with
 * vkWaitRingSeqnoMESA (ring_gate.h), as Mesa's venus driver uses it, over
 * vtest on lavapipe:
 *
 *   - a fence queued behind a ring position not reached yet is held, and
 *     the context goes on meanwhile: here the ring waits for a virtqueue
 *     seqno that the context sends only after the fence, which a context
 *     blocked in the wait would never send; the fence retires once the ring
 *     got there;
 *   - a blob of device memory that the ring allocates after the wait is
 *     created: the blob waits for the ring, while a SYNC_READ sent before
 *     it is answered before the ring got there;
 *   - a ring that turns fatal short of the position releases the fence, so
 *     the guest's wait ends.
 */
#include <errno.h>
#include <string.h>

#include "tests/e2e/e2e.h"
#include "tests/pv_test.h"

static struct e2e_server srv;

/* A guest device named after the test's log; false (checked) if not. */
static bool
open_dev(struct e2e_dev *d, struct e2e_log *lg)
{
   if (!e2e_dev_open(d, lg, srv.path, lg->name, NULL))
      return true;
   CHECK(0);
   pv_vnc_abandon(&d->c);
   return false;
}

/* vkWaitRingSeqnoMESA(ring, seqno) on the context, with `sync` (if not
 * NULL) signalled on timeline 1 (the device's first queue) after it. */
static int
wait_ring_then_fence(struct pv_vnc *c, uint32_t seqno, const struct pv_vtc_sync *sync)
{
   struct pv_vkWaitRingSeqnoMESA_args w = { .ring = c->ring_id, .seqno = seqno };
   uint8_t buf[64];
   struct pv_cs_encoder e;
   pv_cs_encoder_init(&e, buf, sizeof(buf));
   if (!pv_encode_vkWaitRingSeqnoMESA(&e, 0, &w))
      return -E2BIG;
   return pv_vtc_submit_cmd2(&c->vtc, buf, e.pos, 1, sync, sync ? 1 : 0);
}

/* The ring waits for virtqueue seqno 1; the context's fence behind the
 * ring's position after that wait must not keep the context from sending
 * seqno 1. */
static void
test_fence_held(void)
{
   struct e2e_log lg_ = { "fence-held", 0 }, *lg = &lg_;
   struct e2e_dev d;
   if (!open_dev(&d, lg))
      return;
   struct pv_vnc *c = &d.c;
   struct pv_vkWaitVirtqueueSeqnoMESA_args vq = { .seqno = 1 };
   CHECK_OK(PV_VNC_SEND(c, vkWaitVirtqueueSeqnoMESA, &vq));
   uint32_t behind = c->last_seqno;
   struct pv_vtc_sync s = { 0, 1 };
   CHECK_OK(pv_vtc_sync_create(&c->vtc, 0, &s.id));
   CHECK_OK(wait_ring_then_fence(c, behind, &s));
   /* answered: the context is not stuck; 0: the fence waits for the ring */
   uint64_t v = 99;
   CHECK_OK(pv_vtc_sync_read(&c->vtc, s.id, &v));
   CHECK_EQ(v, 0);
   struct pv_vkSubmitVirtqueueSeqnoMESA_args sq = { .ring = c->ring_id, .seqno = 1 };
   CHECK_OK(pv_vnc_submit_context(c, PV_CMD_vkSubmitVirtqueueSeqnoMESA, &sq));
   int fd = -1;
   CHECK_OK(pv_vtc_sync_wait(&c->vtc, 0, 10000, &s, 1, &fd));
   CHECK_EQ(pv_vtc_poll_readable(fd, 10000), 1);
   pv_close(fd);
   CHECK_OK(pv_vtc_sync_read(&c->vtc, s.id, &v));
   CHECK_EQ(v, 1);
   CHECK_OK(pv_vtc_sync_unref(&c->vtc, s.id));
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK_EQ(lg->failures, 0);
}

struct late_write {
   struct pv_vnc *c;
   const void *cmd;
   size_t size;
   atomic_bool written;
};

/* Write the command into the ring 500 ms from now, without a notify (the
 * main thread owns the socket): the reader finds it on its own. */
static void *
late_writer(void *arg)
{
   struct late_write *w = arg;
   pv_sleep_ns(500ull * 1000 * 1000);
   atomic_store(&w->written, true);
   pv_guest_ring_write(&w->c->ring, NULL, w->cmd, w->size);
   return NULL;
}

static void
test_blob_waits_for_ring(void)
{
   struct e2e_log lg_ = { "blob-waits", 0 }, *lg = &lg_;
   struct e2e_dev d;
   if (!open_dev(&d, lg))
      return;
   struct pv_vnc *c = &d.c;
   uint64_t mem = pv_vnc_new_id(c);
   VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = 65536, .memoryTypeIndex = d.coherent_type };
   struct pv_vkAllocateMemory_args a = { .device = E2E_H(VkDevice, d.device),
                                         .pAllocateInfo = &ai, .pMemory_ids = &mem,
                                         .pMemory_count = 1 };
   uint8_t buf[256];
   struct pv_cs_encoder e;
   pv_cs_encoder_init(&e, buf, sizeof(buf));
   CHECK(pv_encode_vkAllocateMemory(&e, 0, &a));
   struct late_write w = { .c = c, .cmd = buf, .size = e.pos };
   atomic_init(&w.written, false);
   CHECK_OK(pv_vnc_wait_idle(c));
   uint32_t after_alloc = c->ring.cur + (uint32_t)e.pos;
   pv_thread t;
   CHECK_EQ(pv_thread_start(&t, "late-writer", late_writer, &w), 0);
   CHECK_OK(wait_ring_then_fence(c, after_alloc, NULL));
   uint32_t s = 0;
   CHECK_OK(pv_vtc_sync_create(&c->vtc, 0, &s));
   CHECK(!atomic_load(&w.written)); /* answered before the ring got there */
   struct pv_vnc_mapping m;
   CHECK_OK(pv_vnc_map_memory(c, mem, ai.allocationSize, false, &m));
   CHECK(atomic_load(&w.written));
   pv_thread_join(&t);
   c->last_seqno = after_alloc;
   if (m.map) {
      memset(m.map, 0x5a, 64);
      pv_vnc_unmap_memory(c, &m);
   }
   struct pv_vkFreeMemory_args f = { .device = E2E_H(VkDevice, d.device),
                                     .memory = E2E_H(VkDeviceMemory, mem) };
   CHECK_OK(PV_VNC_SEND(c, vkFreeMemory, &f));
   CHECK_OK(pv_vtc_sync_unref(&c->vtc, s));
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK_EQ(lg->failures, 0);
}

static void
test_fatal_ring_releases(void)
{
   struct e2e_log lg_ = { "fatal-releases", 0 }, *lg = &lg_;
   struct e2e_dev d;
   if (!open_dev(&d, lg))
      return;
   struct pv_vnc *c = &d.c;
   CHECK_OK(pv_vnc_wait_idle(c));
   struct pv_vtc_sync s = { 0, 1 };
   CHECK_OK(pv_vtc_sync_create(&c->vtc, 0, &s.id));
   CHECK_OK(wait_ring_then_fence(c, c->ring.cur + 64, &s));
   uint64_t v = 99;
   CHECK_OK(pv_vtc_sync_read(&c->vtc, s.id, &v)); /* the gate is open */
   CHECK_EQ(v, 0);
   /* a tail past the whole buffer: the ring turns fatal, the context not */
   atomic_store(c->ring.tail, c->ring.cur + c->ring.buf_size + 64);
   struct pv_vkNotifyRingMESA_args n = { .ring = c->ring_id };
   CHECK_OK(pv_vnc_submit_context(c, PV_CMD_vkNotifyRingMESA, &n));
   int fd = -1;
   CHECK_OK(pv_vtc_sync_wait(&c->vtc, 0, 10000, &s, 1, &fd));
   CHECK_EQ(pv_vtc_poll_readable(fd, 10000), 1);
   pv_close(fd);
   CHECK(pv_vnc_ring_status(c) & PV_RING_STATUS_FATAL);
   pv_vnc_abandon(c);
   CHECK(e2e_wait_clients(&srv, 0));
   CHECK_EQ(lg->failures, 0);
}

int
main(void)
{
   if (!e2e_main_start(&srv))
      return 1;
   RUN(test_fence_held);
   RUN(test_blob_waits_for_ring);
   RUN(test_fatal_ring_releases);
   e2e_server_stop(&srv);
   return pv_test_summary();
}
