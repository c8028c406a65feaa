/*
 * test_faults — hostile-guest faults not covered by the vtest, e2e-hostile
 * and protocol suites, each with a second client computing at the same
 * time: the offending client is refused or dropped, the process lives,
 * the bystander's saxpy results stay correct, and the process's fd count
 * comes back.
 *
 *   - a blob for a memory id that does not exist;
 *   - a ring whose regions overlap or lie outside its resource;
 *   - sizes that overflow 32 and 64 bits (allocation, blob, update data);
 *   - a buffer copy past the buffer's end (the driver would memcpy it);
 *   - an unknown sType in a pNext chain;
 *   - a flood of fds sent to the server;
 *   - a disconnect in the middle of a blob creation.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/vk_workload.h"
#include "e2e/e2e.h"
#include "platform/pv_platform.h"
#include "pv_test.h"

static struct e2e_server srv;

/* ---- the bystander: saxpy until told to stop ------------------------------- */

struct bystander {
   pv_thread thread;
   atomic_bool stop;
   atomic_int rounds, bad, failed;
};

static void *
bystander_main(void *arg)
{
   struct bystander *b = arg;
   struct pv_vnc c;
   struct pv_vkt t;
   struct pv_wl_gpu g;
   struct pv_wl_buffer x, y;
   const uint32_t n = 4096;
   if (pv_vnc_open(&c, srv.path, "bystander")) {
      atomic_store(&b->failed, 1);
      return NULL;
   }
   pv_wl_through(&t, &c);
   if (pv_wl_open(&g, &t) || pv_wl_buffer_create(&g, n * 4, &x) ||
       pv_wl_buffer_create(&g, n * 4, &y)) {
      atomic_store(&b->failed, 1);
      pv_vnc_abandon(&c);
      return NULL;
   }
   float *xs = x.map.ptr, *ys = y.map.ptr;
   VkDescriptorSet set = pv_wl_saxpy_set(&g, &x, &y);
   VkCommandBuffer cb = pv_wl_cmd(&g);
   pv_wl_record_saxpy(&g, cb, set, n, 3.0f);
   while (!atomic_load(&b->stop)) {
      int r = atomic_load(&b->rounds);
      for (uint32_t i = 0; i < n; i++) {
         xs[i] = (float)(i + (uint32_t)r);
         ys[i] = 1.0f;
      }
      pv_wl_submit_wait(&g, cb);
      int bad = 0;
      for (uint32_t i = 0; i < n; i++)
         bad += ys[i] != 3.0f * (float)(i + (uint32_t)r) + 1.0f;
      atomic_fetch_add(&b->bad, bad);
      atomic_fetch_add(&b->rounds, 1);
   }
   pv_wl_buffer_destroy(&g, &x);
   pv_wl_buffer_destroy(&g, &y);
   pv_wl_close(&g);
   if (pv_vnc_close(&c))
      atomic_store(&b->failed, 1);
   return NULL;
}

/* The bystander has completed `more` further rounds, all correct. */
static bool
bystander_progress(struct bystander *b, int more)
{
   int target = atomic_load(&b->rounds) + more;
   double end = e2e_ms() + 20000;
   while (atomic_load(&b->rounds) < target && !atomic_load(&b->failed) && e2e_ms() < end)
      pv_sleep_ns(1000000);
   return atomic_load(&b->rounds) >= target && !atomic_load(&b->bad) && !atomic_load(&b->failed);
}

/* The victim's connection was closed by the server: a read sees EOF. */
static bool
dropped(struct pv_vtc *c)
{
   uint32_t hdr[2];
   return pv_read_full(c->fd, hdr, sizeof(hdr)) < 0;
}

/* ---- faults ----------------------------------------------------------------- */

static void
fault_blob_for_unknown_memory(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, srv.path, "victim-blob"), 0);
   uint32_t res = 0;
   int fd = -1;
   CHECK(pv_vtc_create_blob(&c, 2, 1, 65536, 0x123456789ull, &res, &fd) != 0);
   CHECK_EQ(fd, -1);
   pv_vtc_close(&c);
}

/* A vkCreateRingMESA whose layout is described by `mutate`. */
static void
bad_ring(const char *name, void (*mutate)(VkRingCreateInfoMESA *info))
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, srv.path, name), 0);
   uint32_t res;
   void *map;
   CHECK_EQ(pv_vtc_create_shm(&c, 131268, &res, &map), 0);
   VkRingCreateInfoMESA info = {
      .sType = (VkStructureType)1000384000, .resourceId = res, .offset = 0, .size = 131268,
      .idleTimeout = 1000000, .headOffset = 0, .tailOffset = 64, .statusOffset = 128,
      .bufferOffset = 192, .bufferSize = 131072, .extraOffset = 131264, .extraSize = 4,
   };
   mutate(&info);
   uint8_t buf[256];
   struct pv_cs_encoder enc;
   pv_cs_encoder_init(&enc, buf, sizeof(buf));
   struct pv_vkCreateRingMESA_args a = { .ring = 0x1000, .pCreateInfo = &info };
   CHECK(pv_encode_vkCreateRingMESA(&enc, 0, &a));
   CHECK_EQ(pv_vtc_submit_cmd2(&c, buf, enc.pos, 0, NULL, 0), 0);
   /* The context is fatal: the server drops the client at its next
    * message. */
   uint32_t v;
   pv_vtc_sync_create(&c, 0, &v);
   CHECK(dropped(&c));
   pv_shm_unmap(map, 131268);
   pv_vtc_close(&c);
}

static void
overlap(VkRingCreateInfoMESA *i)
{
   i->statusOffset = 200; /* inside the buffer */
}

static void
outside(VkRingCreateInfoMESA *i)
{
   i->size = 1ull << 40; /* beyond the resource */
}

static void
wrapping(VkRingCreateInfoMESA *i)
{
   i->bufferOffset = UINT64_MAX - 63; /* offset + size wraps around */
}

static void
fault_bad_rings(void)
{
   bad_ring("victim-ring-overlap", overlap);
   bad_ring("victim-ring-outside", outside);
   bad_ring("victim-ring-wrap", wrapping);
}

static void
fault_huge_sizes(void)
{
   /* A 2^63-byte shm blob is refused (and the client dropped). */
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, srv.path, "victim-size-blob"), 0);
   uint32_t res;
   int fd = -1;
   CHECK(pv_vtc_create_blob(&c, 2, 1, 1ull << 63, 0, &res, &fd) != 0);
   pv_vtc_close(&c);

   /* vkCmdUpdateBuffer claiming 2^32 + 4 bytes of data in a short stream:
    * a decode error, the context fatal. */
   struct e2e_log lg = { "victim-size-update", 0 };
   struct e2e_dev d;
   CHECK_EQ(e2e_dev_open(&d, &lg, srv.path, "victim-size-update", NULL), 0);
   struct e2e_cmd cb;
   struct e2e_buffer buf;
   CHECK_EQ(e2e_cmd_begin(&d, &cb), 0);
   CHECK_EQ(e2e_buffer_create(&d, 4096, VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &buf), 0);
   uint32_t words[16] = { PV_CMD_vkCmdUpdateBuffer, 0 };
   uint64_t fields[] = { cb.cmd, buf.buffer, 0 /* offset */, (1ull << 32) + 4 /* dataSize */,
                         (1ull << 32) + 4 /* pData's array size */ };
   memcpy(&words[2], fields, sizeof(fields));
   CHECK_EQ(pv_vnc_write_raw(&d.c, words, 8 + sizeof(fields)), 0);
   CHECK(pv_vnc_wait_seqno(&d.c, d.c.last_seqno) != 0 ||
         (pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL));
   CHECK(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL);
   pv_vnc_abandon(&d.c);

   /* A 2^64-1 byte vkAllocateMemory is the driver's to refuse: an error
    * the guest sees, not a fatal context. */
   CHECK_EQ(e2e_dev_open(&d, &lg, srv.path, "victim-size-alloc", NULL), 0);
   uint64_t mem_id = pv_vnc_new_id(&d.c);
   VkDeviceMemory mem = E2E_H(VkDeviceMemory, mem_id);
   VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = UINT64_MAX, .memoryTypeIndex = d.coherent_type };
   struct pv_vkAllocateMemory_args am = { .device = E2E_H(VkDevice, d.device), .pAllocateInfo = &mai,
                                          .pMemory = &mem, .pMemory_ids = &mem_id, .pMemory_count = 1 };
   CHECK_EQ(PV_VNC_CALL(&d.c, vkAllocateMemory, &am), 0);
   CHECK(am.ret != VK_SUCCESS);
   CHECK(!(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL));
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK_EQ(lg.failures, 0);
}

/* A copy past a buffer's end: lavapipe would memcpy into the server's own
 * memory (a fuzzer's finding); the range check must stop it first. */
static void
fault_copy_out_of_range(void)
{
   struct e2e_log lg = { "victim-copy", 0 };
   struct e2e_dev d;
   CHECK_EQ(e2e_dev_open(&d, &lg, srv.path, "victim-copy", NULL), 0);
   struct e2e_cmd cb;
   struct e2e_buffer src, dst;
   CHECK_EQ(e2e_cmd_begin(&d, &cb), 0);
   CHECK_EQ(e2e_buffer_create(&d, 4096, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, false, &src), 0);
   CHECK_EQ(e2e_buffer_create(&d, 4096, VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &dst), 0);
   VkBufferCopy region = { .srcOffset = 448, .dstOffset = 0, .size = 16392 };
   struct pv_vkCmdCopyBuffer_args a = {
      .commandBuffer = E2E_H(VkCommandBuffer, cb.cmd), .srcBuffer = E2E_H(VkBuffer, src.buffer),
      .dstBuffer = E2E_H(VkBuffer, dst.buffer), .regionCount = 1, .pRegions = &region };
   PV_VNC_SEND(&d.c, vkCmdCopyBuffer, &a);
   pv_vnc_wait_seqno(&d.c, d.c.last_seqno);
   CHECK(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL);
   pv_vnc_abandon(&d.c);
}

static void
fault_unknown_stype(void)
{
   struct e2e_log lg = { "victim-stype", 0 };
   struct e2e_dev d;
   CHECK_EQ(e2e_dev_open(&d, &lg, srv.path, "victim-stype", NULL), 0);
   /* A VkBufferCreateInfo whose pNext chain holds sType 0x7eadbeef. */
   struct {
      uint32_t type, flags;
      uint64_t device, create_present;
      uint32_t stype;
      uint64_t next_present;
      uint32_t bogus_stype;
      uint64_t next_end;
   } __attribute__((packed)) cmd = { PV_CMD_vkCreateBuffer, 0, d.device, 1,
                                     VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, 1, 0x7eadbeef, 0 };
   uint8_t words[256] = { 0 };
   memcpy(words, &cmd, sizeof(cmd));
   CHECK_EQ(pv_vnc_write_raw(&d.c, words, 128), 0);
   pv_vnc_wait_seqno(&d.c, d.c.last_seqno);
   CHECK(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL);
   pv_vnc_abandon(&d.c);
}

static void
fault_fd_flood(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, srv.path, "victim-fds"), 0);
   int shm = pv_shm_create("flood", 4096);
   /* Each fd rides on one byte of what the server reads as a message
    * header: the server must not keep them. */
   for (int i = 0; i < 200; i++)
      pv_send_fd(c.fd, shm);
   pv_close(shm);
   pv_vtc_close(&c);
}

static void
fault_disconnect_in_blob_creation(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, srv.path, "victim-blob-cut"), 0);
   /* A RESOURCE_CREATE_BLOB cut after its size words, then gone. */
   uint32_t msg[2 + 4] = { 6, 18, 2, 1, 4096, 0 };
   CHECK_EQ(pv_vtc_send(&c, msg, sizeof(msg)), 0);
   pv_vtc_close(&c);
   /* And one whose reply (with its fd) is never read. */
   CHECK_EQ(pv_vtc_open_venus(&c, srv.path, "victim-blob-unread"), 0);
   uint32_t full[2 + 6] = { 6, 18, 2, 1, 1 << 20, 0, 0, 0 };
   CHECK_EQ(pv_vtc_send(&c, full, sizeof(full)), 0);
   shutdown(c.fd, SHUT_RDWR);
   pv_vtc_close(&c);
}

static void
test_faults(void)
{
   static struct bystander b;
   CHECK_EQ(e2e_server_start(&srv), 0);
   int fds = e2e_count_fds();
   CHECK_EQ(pv_thread_start(&b.thread, "bystander", bystander_main, &b), 0);
   CHECK(bystander_progress(&b, 2));
   int during = -1;
   void (*faults[])(void) = { fault_blob_for_unknown_memory, fault_bad_rings, fault_huge_sizes,
                              fault_copy_out_of_range, fault_unknown_stype, fault_fd_flood,
                              fault_disconnect_in_blob_creation };
   const char *names[] = { "blob for unknown memory", "bad ring layouts", "huge sizes",
                           "copy past a buffer's end", "unknown sType", "fd flood",
                           "disconnect in blob creation" };
   for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
      faults[i]();
      CHECK(e2e_wait_clients(&srv, 1)); /* the victims are gone */
      bool ok = bystander_progress(&b, 2);
      CHECK(ok);
      printf("  %-30s victim refused or dropped; bystander %s (%d rounds so far)\n", names[i],
             ok ? "correct" : "FAILED", atomic_load(&b.rounds));
      if (i == 0)
         during = e2e_count_fds();
   }
   atomic_store(&b.stop, true);
   pv_thread_join(&b.thread);
   CHECK_EQ(atomic_load(&b.failed), 0);
   CHECK_EQ(atomic_load(&b.bad), 0);
   CHECK(e2e_wait_clients(&srv, 0));
   int after = e2e_wait_fds(fds);
   printf("  fds: %d with the bystander alone, %d after everything\n", during, after);
   CHECK_EQ(after, fds);
   e2e_server_stop(&srv);
}

int
main(void)
{
   RUN(test_faults);
   return pv_test_summary();
}
