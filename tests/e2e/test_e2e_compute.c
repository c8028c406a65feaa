/*
 * test_e2e_compute — GPU work through the server, checked bit for bit:
 *
 *   compute        a compute shader over three HOST_VISIBLE|COHERENT
 *                  buffers that the guest maps through blobs: inputs
 *                  written through the guest mapping, dispatch, submit with
 *                  a fence, vkWaitForFences (synchronous call), results read
 *                  through the mapping; a second mmap of the same blob fd
 *                  sees the GPU's writes, also those of a later dispatch.
 *   fence_blocks   a submission gated on a timeline semaphore the guest
 *                  signals later: until then vkGetFenceStatus is NOT_READY,
 *                  vkWaitForFences times out (and a 50 ms wait really takes
 *                  50 ms) and the output is untouched; after the signal the
 *                  fence wait returns SUCCESS with the results in place.
 *                  A long dispatch (a few hundred ms of hashing) is also
 *                  waited for and its results checked.
 *   timeline       two dependent dispatches chained by timeline values
 *                  1 → 2 → 3 across two queues (one queue when the device
 *                  has only one, which is said), released by
 *                  vkSignalSemaphore, waited with vkWaitSemaphores, counter
 *                  value checked with vkGetSemaphoreCounterValue.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/e2e/e2e_compute.h"
#include "tests/pv_test.h"

#define N E2E_N
#define BYTES E2E_BYTES

static struct e2e_server srv;

static int
create_timeline(struct e2e_dev *d, uint64_t *sem)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkSemaphoreTypeCreateInfo ti = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                    .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
   VkSemaphoreCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &ti };
   *sem = pv_vnc_new_id(c);
   struct pv_vkCreateSemaphore_args a = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &si,
                                          .pSemaphore_ids = sem, .pSemaphore_count = 1 };
   OK(PV_VNC_CALL(c, vkCreateSemaphore, &a));
   REQUIRE(a.ret == VK_SUCCESS);
   return 0;
}

static void
destroy_semaphore(struct e2e_dev *d, uint64_t sem)
{
   struct pv_vkDestroySemaphore_args a = { .device = E2E_H(VkDevice, d->device),
                                           .semaphore = E2E_H(VkSemaphore, sem) };
   E2E_OK(d->log, &d->c, PV_VNC_SEND(&d->c, vkDestroySemaphore, &a));
}

static VkResult
fence_status(struct e2e_dev *d, uint64_t fence)
{
   struct pv_vkGetFenceStatus_args a = { .device = E2E_H(VkDevice, d->device),
                                         .fence = E2E_H(VkFence, fence) };
   if (!E2E_OK(d->log, &d->c, PV_VNC_CALL(&d->c, vkGetFenceStatus, &a)))
      return VK_ERROR_DEVICE_LOST;
   return a.ret;
}

static int
signal_semaphore(struct e2e_dev *d, uint64_t sem, uint64_t value)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkSemaphoreSignalInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO,
                                .semaphore = E2E_H(VkSemaphore, sem), .value = value };
   struct pv_vkSignalSemaphore_args a = { .device = E2E_H(VkDevice, d->device), .pSignalInfo = &si };
   OK(PV_VNC_CALL(c, vkSignalSemaphore, &a));
   REQUIRE(a.ret == VK_SUCCESS);
   return 0;
}

static uint64_t
counter_value(struct e2e_dev *d, uint64_t sem)
{
   uint64_t v = UINT64_MAX;
   struct pv_vkGetSemaphoreCounterValue_args a = { .device = E2E_H(VkDevice, d->device),
                                                   .semaphore = E2E_H(VkSemaphore, sem), .pValue = &v };
   if (!E2E_OK(d->log, &d->c, PV_VNC_CALL(&d->c, vkGetSemaphoreCounterValue, &a)) ||
       a.ret != VK_SUCCESS)
      return UINT64_MAX;
   return v;
}

#define SECOND_NS (1000ull * 1000 * 1000)

/* ---- the tests ------------------------------------------------------------------ */

struct fixture {
   struct e2e_log lg;
   struct e2e_dev d;
   struct e2e_compute k;
   struct e2e_buffer a, b, out, out2;
   bool up;
};

static bool
fixture_open(struct fixture *f, const char *name)
{
   memset(f, 0, sizeof(*f));
   f->lg.name = name;
   VkPhysicalDeviceVulkan13Features f13 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES, .synchronization2 = VK_TRUE,
   };
   VkPhysicalDeviceVulkan12Features f12 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .pNext = &f13,
      .timelineSemaphore = VK_TRUE,
   };
   const VkBufferUsageFlags usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
   f->up = !e2e_dev_open(&f->d, &f->lg, srv.path, name, &f12) && !e2e_compute_create(&f->d, &f->k) &&
           !e2e_buffer_create(&f->d, BYTES, usage, false, &f->a) &&
           !e2e_buffer_create(&f->d, BYTES, usage, false, &f->b) &&
           !e2e_buffer_create(&f->d, BYTES, usage, true, &f->out) &&
           !e2e_buffer_create(&f->d, BYTES, usage, false, &f->out2) &&
           !e2e_bind_set(&f->d, &f->k, 0, &f->a, &f->b, &f->out) &&
           !e2e_bind_set(&f->d, &f->k, 1, &f->out, &f->b, &f->out2);
   if (f->up) {
      e2e_fill(f->a.map.map, 1);
      e2e_fill(f->b.map.map, 2);
      memset(f->out.map.map, 0xab, BYTES);
      memset(f->out2.map.map, 0xab, BYTES);
   }
   return f->up;
}

static int
fixture_close(struct fixture *f)
{
   if (f->up) {
      e2e_buffer_destroy(&f->d, &f->out2);
      e2e_buffer_destroy(&f->d, &f->out);
      e2e_buffer_destroy(&f->d, &f->b);
      e2e_buffer_destroy(&f->d, &f->a);
      e2e_compute_destroy(&f->d, &f->k);
      e2e_dev_close(&f->d);
   } else {
      pv_vnc_abandon(&f->d.c);
   }
   return f->lg.failures;
}

static void
test_compute(void)
{
   struct fixture f;
   int fds = e2e_count_fds();
   if (fixture_open(&f, "e2e-compute")) {
      struct e2e_dev *d = &f.d;
      struct e2e_push p = { N, 2654435761u, 0x5a5a5a5au, 0 };
      struct e2e_cmd cb;
      uint64_t fence = 0;
      double ms = 0;
      CHECK(!e2e_record(d, &f.k, 0, &p, &cb) && !e2e_create_fence(d, &fence) &&
            !e2e_submit(d, 0, &cb, 0, 0, 0, fence));
      CHECK_EQ(e2e_wait_fence(d, fence, 10 * SECOND_NS, &ms), VK_SUCCESS);
      CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, f.out.map.map, &p), 0);
      printf("dispatch of %u invocations + fence wait: %.1f ms\n", N, ms);

      /* A second mapping of the same blob fd sees what the GPU wrote... */
      uint32_t *again = mmap(NULL, f.out.alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                             f.out.map.fd, 0);
      CHECK(again != MAP_FAILED);
      if (again != MAP_FAILED) {
         CHECK(!memcmp(again, f.out.map.map, BYTES));
         /* ...and what it writes later. */
         struct e2e_push p2 = { N, 7u, 0xffffffffu, 0 };
         struct e2e_cmd cb2;
         struct pv_vkResetFences_args rf = { .device = E2E_H(VkDevice, d->device), .fenceCount = 1,
                                             .pFences = (VkFence[]){ E2E_H(VkFence, fence) } };
         CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkResetFences, &rf)) && rf.ret == VK_SUCCESS);
         CHECK(!e2e_record(d, &f.k, 0, &p2, &cb2) && !e2e_submit(d, 0, &cb2, 0, 0, 0, fence));
         CHECK_EQ(e2e_wait_fence(d, fence, 10 * SECOND_NS, NULL), VK_SUCCESS);
         CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, again, &p2), 0);
         CHECK(!memcmp(again, f.out.map.map, BYTES));
         munmap(again, f.out.alloc_size);
         e2e_cmd_destroy(d, &cb2);
      }
      e2e_cmd_destroy(d, &cb);
      e2e_destroy_fence(d, fence);
      CHECK(!(pv_vnc_ring_status(&d->c) & PV_RING_STATUS_FATAL));
   }
   CHECK_EQ(fixture_close(&f), 0);
   CHECK(e2e_wait_clients(&srv, 0));
   CHECK_EQ(e2e_wait_fds(fds), fds);
}

#define STYPE_IMPORT_SEMAPHORE_RESOURCE_INFO_MESA 1000384004

static int
create_binary(struct e2e_dev *d, uint64_t *sem)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkSemaphoreCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO };
   *sem = pv_vnc_new_id(c);
   struct pv_vkCreateSemaphore_args a = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &si,
                                          .pSemaphore_ids = sem, .pSemaphore_count = 1 };
   OK(PV_VNC_CALL(c, vkCreateSemaphore, &a));
   REQUIRE(a.ret == VK_SUCCESS);
   return 0;
}

/* What Mesa venus sends for a sync fd it imported (after waiting for it
 * in the guest): "make the host semaphore signaled". */
static int
import_signaled(struct e2e_dev *d, uint64_t sem, uint32_t resource)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkImportSemaphoreResourceInfoMESA ri = {
      .sType = (VkStructureType)STYPE_IMPORT_SEMAPHORE_RESOURCE_INFO_MESA,
      .semaphore = E2E_H(VkSemaphore, sem), .resourceId = resource,
   };
   struct pv_vkImportSemaphoreResourceMESA_args a = { .device = E2E_H(VkDevice, d->device),
                                                      .pImportSemaphoreResourceInfo = &ri };
   OK(PV_VNC_SEND(c, vkImportSemaphoreResourceMESA, &a));
   return 0;
}

/* Sync-fd payloads of binary semaphores, offered on every host: the
 * capability Mesa 25.0 asks for before it offers synchronization2, an
 * import (a dispatch waiting on the semaphore runs), an export's wait
 * (the signal of a dispatch consumed, so the semaphore can be imported
 * and waited on again), and a resource id that is not 0 (fatal). */
static void
test_sync_fd_semaphores(void)
{
   struct fixture f;
   if (fixture_open(&f, "e2e-sync-fd")) {
      struct e2e_dev *d = &f.d;
      VkPhysicalDeviceExternalSemaphoreInfo ei = {
         .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_SEMAPHORE_INFO,
         .handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_SYNC_FD_BIT };
      VkExternalSemaphoreProperties ep = { .sType = VK_STRUCTURE_TYPE_EXTERNAL_SEMAPHORE_PROPERTIES };
      struct pv_vkGetPhysicalDeviceExternalSemaphoreProperties_args q = {
         .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pExternalSemaphoreInfo = &ei,
         .pExternalSemaphoreProperties = &ep };
      CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkGetPhysicalDeviceExternalSemaphoreProperties, &q)));
      CHECK(ep.externalSemaphoreFeatures & VK_EXTERNAL_SEMAPHORE_FEATURE_IMPORTABLE_BIT);
      CHECK(ep.externalSemaphoreFeatures & VK_EXTERNAL_SEMAPHORE_FEATURE_EXPORTABLE_BIT);
      uint64_t sem = 0, fence = 0;
      struct e2e_push p = { N, 5u, 0x0f0f0f0fu, 0 };
      struct e2e_cmd cb;
      CHECK(!create_binary(d, &sem) && !e2e_create_fence(d, &fence) &&
            !e2e_record(d, &f.k, 0, &p, &cb));
      for (int round = 0; round < 2; round++) {
         /* imported, then waited on by a dispatch */
         CHECK(!import_signaled(d, sem, 0) && !e2e_submit(d, 0, &cb, sem, 1, 0, fence));
         CHECK_EQ(e2e_wait_fence(d, fence, 10 * SECOND_NS, NULL), VK_SUCCESS);
         CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, f.out.map.map, &p), 0);
         struct pv_vkResetFences_args rf = { .device = E2E_H(VkDevice, d->device), .fenceCount = 1,
                                             .pFences = (VkFence[]){ E2E_H(VkFence, fence) } };
         CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkResetFences, &rf)));
         /* signaled by a dispatch, then its signal consumed as for an export */
         CHECK(!e2e_submit(d, 0, &cb, sem, 0, 1, 0));
         struct pv_vkWaitSemaphoreResourceMESA_args w = { .device = E2E_H(VkDevice, d->device),
                                                          .semaphore = E2E_H(VkSemaphore, sem) };
         CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_SEND(&d->c, vkWaitSemaphoreResourceMESA, &w)));
      }
      CHECK(!(pv_vnc_ring_status(&d->c) & PV_RING_STATUS_FATAL));
      /* a payload from a resource is not served */
      CHECK(!import_signaled(d, sem, 7));
      CHECK(pv_vnc_wait_idle(&d->c) != 0 || (pv_vnc_ring_status(&d->c) & PV_RING_STATUS_FATAL));
      CHECK(pv_vnc_ring_status(&d->c) & PV_RING_STATUS_FATAL);
      CHECK(e2e_server_logged(&srv, "resource 7", "only 0"));
      f.up = false; /* the context is gone: fixture_close abandons the client */
   }
   fixture_close(&f);
}

static void
test_fence_blocks(void)
{
   struct fixture f;
   if (fixture_open(&f, "e2e-fence")) {
      struct e2e_dev *d = &f.d;
      struct e2e_push p = { N, 3u, 0x01234567u, 0 };
      struct e2e_cmd cb;
      uint64_t fence = 0, sem = 0;
      CHECK(!e2e_record(d, &f.k, 0, &p, &cb) && !e2e_create_fence(d, &fence) && !create_timeline(d, &sem));
      /* Gated: the GPU cannot start before we signal 1. */
      CHECK(!e2e_submit(d, 0, &cb, sem, 1, 0, fence));
      for (int i = 0; i < 5; i++) {
         CHECK_EQ(fence_status(d, fence), VK_NOT_READY);
         pv_sleep_ns(5 * 1000 * 1000);
      }
      CHECK_EQ(e2e_wait_fence(d, fence, 0, NULL), VK_TIMEOUT);
      double ms = 0;
      CHECK_EQ(e2e_wait_fence(d, fence, 50 * 1000 * 1000, &ms), VK_TIMEOUT);
      CHECK(ms >= 45.0);
      CHECK_EQ(((uint32_t *)f.out.map.map)[0], 0xabababab); /* untouched */
      CHECK_EQ(counter_value(d, sem), 0);
      CHECK(!signal_semaphore(d, sem, 1));
      CHECK_EQ(e2e_wait_fence(d, fence, 10 * SECOND_NS, NULL), VK_SUCCESS);
      CHECK_EQ(fence_status(d, fence), VK_SUCCESS);
      CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, f.out.map.map, &p), 0);
      printf("gated submission: NOT_READY until signalled, a 50 ms fence wait took %.1f ms\n", ms);

      /* A long dispatch: the wait returns once every invocation is done. */
      struct e2e_push lp = { N, 5u, 0x0f0f0f0fu, 4000 };
      struct e2e_cmd lcb;
      struct pv_vkResetFences_args rf = { .device = E2E_H(VkDevice, d->device), .fenceCount = 1,
                                          .pFences = (VkFence[]){ E2E_H(VkFence, fence) } };
      CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkResetFences, &rf)) && rf.ret == VK_SUCCESS);
      CHECK(!e2e_record(d, &f.k, 0, &lp, &lcb) && !e2e_submit(d, 0, &lcb, 0, 0, 0, fence));
      double t0 = e2e_ms();
      VkResult right_after = fence_status(d, fence);
      CHECK(right_after == VK_NOT_READY || right_after == VK_SUCCESS);
      CHECK_EQ(e2e_wait_fence(d, fence, 30 * SECOND_NS, NULL), VK_SUCCESS);
      double total = e2e_ms() - t0;
      CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, f.out.map.map, &lp), 0);
      printf("long dispatch (%u hash rounds per invocation): status right after submit %s, "
             "done after %.0f ms\n", lp.spin, right_after == VK_NOT_READY ? "NOT_READY" : "SUCCESS",
             total);
      e2e_cmd_destroy(d, &lcb);
      e2e_cmd_destroy(d, &cb);
      e2e_destroy_fence(d, fence);
      destroy_semaphore(d, sem);
   }
   CHECK_EQ(fixture_close(&f), 0);
   CHECK(e2e_wait_clients(&srv, 0));
}

static void
test_timeline(void)
{
   struct fixture f;
   if (fixture_open(&f, "e2e-timeline")) {
      struct e2e_dev *d = &f.d;
      uint32_t q2 = d->queue_count > 1 ? 1 : 0;
      printf("timeline: %s\n", q2 ? "across two queues"
                                  : "the device has one queue: both submissions on it");
      struct e2e_push p1 = { N, 11u, 0x13579bdfu, 0 }, p2 = { N, 13u, 0x2468ace0u, 0 };
      struct e2e_cmd cb1, cb2;
      uint64_t sem = 0;
      CHECK(!create_timeline(d, &sem) && !e2e_record(d, &f.k, 0, &p1, &cb1) &&
            !e2e_record(d, &f.k, 1, &p2, &cb2));
      if (q2) {
         /* the second queue's work first: it waits for a value that a
          * submission not yet made will signal (wait-before-signal) */
         CHECK(!e2e_submit(d, q2, &cb2, sem, 2, 3, 0));
         CHECK(!e2e_submit(d, 0, &cb1, sem, 1, 2, 0));
      } else {
         /* one queue runs its submissions in order: 1 → 2 first */
         CHECK(!e2e_submit(d, 0, &cb1, sem, 1, 2, 0));
         CHECK(!e2e_submit(d, 0, &cb2, sem, 2, 3, 0));
      }
      CHECK_EQ(counter_value(d, sem), 0);
      CHECK_EQ(((uint32_t *)f.out2.map.map)[N - 1], 0xabababab);
      CHECK(!signal_semaphore(d, sem, 1));
      uint64_t want = 3;
      VkSemaphore s = E2E_H(VkSemaphore, sem);
      VkSemaphoreWaitInfo wi = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
                                 .semaphoreCount = 1, .pSemaphores = &s, .pValues = &want };
      struct pv_vkWaitSemaphores_args w = { .device = E2E_H(VkDevice, d->device), .pWaitInfo = &wi,
                                            .timeout = 10 * SECOND_NS };
      CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkWaitSemaphores, &w)));
      CHECK_EQ(w.ret, VK_SUCCESS);
      CHECK_EQ(counter_value(d, sem), 3);
      CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, f.out.map.map, &p1), 0);
      CHECK_EQ(e2e_mismatches(f.out.map.map, f.b.map.map, f.out2.map.map, &p2), 0);
      /* queue idle, through the queue's own call */
      struct pv_vkQueueWaitIdle_args qw = { .queue = E2E_H(VkQueue, d->queues[q2]) };
      CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkQueueWaitIdle, &qw)) && qw.ret == VK_SUCCESS);
      e2e_cmd_destroy(d, &cb1);
      e2e_cmd_destroy(d, &cb2);
      destroy_semaphore(d, sem);
   }
   CHECK_EQ(fixture_close(&f), 0);
   CHECK(e2e_wait_clients(&srv, 0));
}

/* vkQueueSubmit2 of one command buffer, no semaphores (Mesa: async). */
static int
submit2(struct e2e_dev *d, const struct e2e_cmd *cb, uint64_t fence)
{
   VkCommandBufferSubmitInfo ci = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_SUBMIT_INFO,
                                    .commandBuffer = E2E_H(VkCommandBuffer, cb->cmd) };
   VkSubmitInfo2 si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO_2, .commandBufferInfoCount = 1,
                        .pCommandBufferInfos = &ci };
   struct pv_vkQueueSubmit2_args a = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                       .pSubmits = &si, .fence = E2E_H(VkFence, fence) };
   return PV_VNC_SEND(&d->c, vkQueueSubmit2, &a);
}

/* vkQueueSubmit of one command buffer whose batch carries device-group
 * info (device mask 1), which counts semaphores: the renderer numbers such
 * a submission with a submission of its own after it (submit.c). */
static int
submit_device_group(struct e2e_dev *d, const struct e2e_cmd *cb)
{
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, cb->cmd);
   const uint32_t mask = 1;
   VkDeviceGroupSubmitInfo dg = { .sType = VK_STRUCTURE_TYPE_DEVICE_GROUP_SUBMIT_INFO,
                                  .commandBufferCount = 1, .pCommandBufferDeviceMasks = &mask };
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .pNext = &dg,
                       .commandBufferCount = 1, .pCommandBuffers = &cmd };
   struct pv_vkQueueSubmit_args a = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                      .pSubmits = &si };
   return PV_VNC_SEND(&d->c, vkQueueSubmit, &a);
}

/* On a CPU device, a reset of a command buffer that a long dispatch still
 * runs returns only once the dispatch is done (the renderer waits for its
 * number): every output word is written when the reply arrives.  Through
 * vkQueueSubmit, vkQueueSubmit2 and a batch the renderer cannot add its
 * signal to.  On every device, a submission without batches still signals
 * its fence. */
static void
test_release_waits(void)
{
   struct fixture f;
   if (fixture_open(&f, "e2e-release-waits")) {
      struct e2e_dev *d = &f.d;
      uint64_t fence = 0;
      CHECK(!e2e_create_fence(d, &fence));
      VkPhysicalDeviceProperties props = { 0 };
      struct pv_vkGetPhysicalDeviceProperties_args pa = {
         .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pProperties = &props };
      CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkGetPhysicalDeviceProperties, &pa)));
      bool cpu = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
      if (!cpu) /* there, resetting pending work is the guest's error to make */
         printf("release waits: skipped, '%s' is not a CPU device\n", props.deviceName);
      static const char *const hows[] = { "vkQueueSubmit", "vkQueueSubmit2",
                                          "vkQueueSubmit, device-group info" };
      for (int how = 0; cpu && how < 3; how++) {
         memset(f.out.map.map, 0xab, BYTES);
         struct e2e_push lp = { N, 5u + (uint32_t)how, 0x0f0f0f0fu, 4000 };
         struct e2e_cmd cb;
         CHECK(!e2e_record(d, &f.k, 0, &lp, &cb));
         CHECK(!(how == 2   ? submit_device_group(d, &cb)
                 : how == 1 ? submit2(d, &cb, 0)
                            : e2e_submit(d, 0, &cb, 0, 0, 0, 0)));
         double t0 = e2e_ms();
         struct pv_vkResetCommandBuffer_args r = { .commandBuffer = E2E_H(VkCommandBuffer, cb.cmd) };
         CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_CALL(&d->c, vkResetCommandBuffer, &r)) &&
               r.ret == VK_SUCCESS);
         CHECK_EQ(e2e_mismatches(f.a.map.map, f.b.map.map, f.out.map.map, &lp), 0);
         printf("release waits (%s): the reset returned after %.0f ms, the dispatch done\n",
                hows[how], e2e_ms() - t0);
         e2e_cmd_destroy(d, &cb);
      }
      struct pv_vkQueueSubmit_args none = { .queue = E2E_H(VkQueue, d->queues[0]),
                                            .fence = E2E_H(VkFence, fence) };
      CHECK(E2E_OK(&f.lg, &d->c, PV_VNC_SEND(&d->c, vkQueueSubmit, &none)));
      CHECK_EQ(e2e_wait_fence(d, fence, 10 * SECOND_NS, NULL), VK_SUCCESS);
      e2e_destroy_fence(d, fence);
   }
   CHECK_EQ(fixture_close(&f), 0);
   CHECK(e2e_wait_clients(&srv, 0));
}

int
main(void)
{
   E2E_NEED_SHADERS("the compute tests");
   if (!e2e_main_start(&srv))
      return 1;
   double t0 = e2e_ms();
   RUN(test_compute);
   RUN(test_fence_blocks);
   RUN(test_timeline);
   RUN(test_release_waits);
   RUN(test_sync_fd_semaphores);
   e2e_server_stop(&srv);
   printf("e2e compute: %.0f ms\n", e2e_ms() - t0);
   return pv_test_summary();
}
