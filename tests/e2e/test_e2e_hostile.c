/*
 * test_e2e_hostile — one client's death or malice never touches another.
 *
 * A "bystander" client keeps working on its own thread (buffers created,
 * mapped, written and read back through blobs, property queries, device
 * idle) during everything below, and must see no error at all.
 *
 *   killed      clients die mid-message: half a vtest header, half a
 *               SUBMIT_CMD2 payload, half a command in the ring with half a
 *               RESOURCE_CREATE_BLOB on the socket and a device with mapped
 *               memory alive, one while its ring thread is blocked in a
 *               host vkWaitSemaphores, and three with a queue gated on a
 *               timeline value nobody signals: idle, in vkQueueWaitIdle,
 *               and submitting a wait on the gated work's binary signal.  The server frees each (client count
 *               back to the bystander alone).
 *   malformed   clients with a device send one bad command on their ring:
 *               an array size that disagrees with its count, an unknown
 *               command id, a handle of the wrong type, an unknown handle,
 *               the forbidden vkGetDeviceQueue, a reply stream outside its
 *               resource.  Each time the ring's status gets FATAL, the
 *               renderer logs why (checked), the client's next call fails
 *               with -EIO and the server drops it at its next message.
 *
 * At the end the process has exactly the fds it had at the start.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/e2e/e2e.h"
#include "tests/pv_test.h"
#include "vtest/vtest_protocol.h"

#ifdef PV_E2E_HAVE_SHADERS
#include "sample_plain_comp.spv.h"
#endif

static struct e2e_server srv;

/* ---- the bystander ------------------------------------------------------------ */

static struct {
   pv_thread thread;
   atomic_bool stop;
   atomic_uint iterations;
   int failures;
} by;

static int
bystander_iteration(struct e2e_dev *d, uint32_t round)
{
   struct e2e_buffer b;
   if (e2e_buffer_create(d, 4096, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, false, &b))
      return -1;
   uint32_t *p = b.map.map;
   for (uint32_t i = 0; i < 1024; i++)
      p[i] = round * 1024 + i;
   bool same = true;
   for (uint32_t i = 0; i < 1024; i++)
      same &= p[i] == round * 1024 + i;
   E2E_EXPECT(d->log, same);
   e2e_buffer_destroy(d, &b);
   VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2 };
   struct pv_vkGetPhysicalDeviceProperties2_args a = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pProperties = &props,
   };
   if (!E2E_OK(d->log, &d->c, PV_VNC_CALL(&d->c, vkGetPhysicalDeviceProperties2, &a)))
      return -1;
   E2E_EXPECT(d->log, props.properties.apiVersion >= VK_API_VERSION_1_1);
   struct pv_vkDeviceWaitIdle_args w = { .device = E2E_H(VkDevice, d->device) };
   if (!E2E_OK(d->log, &d->c, PV_VNC_CALL(&d->c, vkDeviceWaitIdle, &w)))
      return -1;
   E2E_EXPECT(d->log, w.ret == VK_SUCCESS);
   return 0;
}

static void *
bystander_main(void *arg)
{
   (void)arg;
   struct e2e_log lg = { "bystander", 0 };
   struct e2e_dev d;
   if (e2e_dev_open(&d, &lg, srv.path, "bystander", NULL)) {
      pv_vnc_abandon(&d.c);
   } else {
      for (uint32_t round = 0; !atomic_load(&by.stop); round++) {
         if (bystander_iteration(&d, round))
            break;
         atomic_fetch_add(&by.iterations, 1);
      }
      e2e_dev_close(&d);
   }
   by.failures = lg.failures;
   atomic_store(&by.stop, true);
   return NULL;
}

/* Let the bystander finish `n` more iterations (it runs meanwhile). */
static bool
bystander_progress(unsigned n)
{
   unsigned start = atomic_load(&by.iterations);
   for (int i = 0; i < 2000 && !atomic_load(&by.stop); i++) {
      if (atomic_load(&by.iterations) >= start + n)
         return true;
      pv_sleep_ns(5 * 1000 * 1000);
   }
   return false;
}

/* ---- killed clients ---------------------------------------------------------------- */

static void
kill_in_header(void)
{
   struct pv_vtc v;
   CHECK_EQ(pv_vtc_open_venus(&v, srv.path, "victim-header"), 0);
   uint32_t half = 24; /* 4 of the 8 header bytes of a SUBMIT_CMD2 */
   CHECK_EQ(pv_vtc_send(&v, &half, 4), 0);
   pv_vtc_close(&v);
}

static void
kill_in_submit(void)
{
   struct pv_vtc v;
   CHECK_EQ(pv_vtc_open_venus(&v, srv.path, "victim-submit"), 0);
   uint32_t msg[2 + 10] = { 100, PV_VCMD_SUBMIT_CMD2, 1, 1, 9, 91 };
   CHECK_EQ(pv_vtc_send(&v, msg, sizeof(msg)), 0); /* 10 of 100 dwords */
   pv_vtc_close(&v);
}

/* A device with mapped memory, half a command in the ring, half a
 * RESOURCE_CREATE_BLOB on the socket. */
static void
kill_with_objects(void)
{
   struct e2e_log lg = { "victim-objects", 0 };
   struct e2e_dev d;
   struct e2e_buffer b;
   memset(&b, 0, sizeof(b));
   if (!e2e_dev_open(&d, &lg, srv.path, lg.name, NULL) &&
       !e2e_buffer_create(&d, 65536, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, false, &b)) {
      memset(b.map.map, 0x5a, 65536);
      CHECK_EQ(pv_vnc_wait_idle(&d.c), 0);
      /* the first 16 bytes of a vkCreateBuffer */
      uint32_t part[4] = { PV_CMD_vkCreateBuffer, 0, (uint32_t)d.device, 0 };
      CHECK_EQ(pv_vnc_write_raw(&d.c, part, sizeof(part)), 0);
      uint32_t blob[3] = { 6, PV_VCMD_RESOURCE_CREATE_BLOB, 2 };
      CHECK_EQ(pv_vtc_send(&d.c.vtc, blob, sizeof(blob)), 0);
   }
   CHECK_EQ(lg.failures, 0);
   pv_vnc_abandon(&d.c); /* no teardown; the buffer's mapping is dropped with it */
   if (b.map.map)
      munmap(b.map.map, b.map.size);
}

/* A victim with a device, a timeline semaphore and a fence. */
static bool
victim_with_sync(struct e2e_dev *d, struct e2e_log *lg, uint64_t *sem, uint64_t *fence)
{
   VkPhysicalDeviceVulkan12Features f12 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .timelineSemaphore = VK_TRUE,
   };
   if (e2e_dev_open(d, lg, srv.path, lg->name, &f12))
      return false;
   struct pv_vnc *c = &d->c;
   VkSemaphoreTypeCreateInfo ti = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO,
                                    .semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE };
   VkSemaphoreCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, .pNext = &ti };
   VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   *sem = pv_vnc_new_id(c);
   *fence = pv_vnc_new_id(c);
   struct pv_vkCreateSemaphore_args cs = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &si,
                                           .pSemaphore_ids = sem, .pSemaphore_count = 1 };
   struct pv_vkCreateFence_args cf = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &fi,
                                       .pFence_ids = fence, .pFence_count = 1 };
   return E2E_OK(lg, c, PV_VNC_SEND(c, vkCreateSemaphore, &cs)) &&
          E2E_OK(lg, c, PV_VNC_SEND(c, vkCreateFence, &cf));
}

/* A submission that waits for timeline value 1, which nobody signals, and
 * signals binary semaphore `binary` if not 0. */
static bool
submit_gated(struct e2e_dev *d, struct e2e_log *lg, uint64_t sem, uint64_t fence, uint64_t binary)
{
   uint64_t one = 1;
   VkSemaphore s = E2E_H(VkSemaphore, sem), b = E2E_H(VkSemaphore, binary);
   VkPipelineStageFlags stage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
   VkTimelineSemaphoreSubmitInfo ts = { .sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO,
                                        .waitSemaphoreValueCount = 1, .pWaitSemaphoreValues = &one };
   VkSubmitInfo sub = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .pNext = &ts,
                        .waitSemaphoreCount = 1, .pWaitSemaphores = &s,
                        .pWaitDstStageMask = &stage, .signalSemaphoreCount = binary ? 1 : 0,
                        .pSignalSemaphores = &b };
   struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                       .pSubmits = &sub, .fence = E2E_H(VkFence, fence) };
   return E2E_OK(lg, &d->c, PV_VNC_SEND(&d->c, vkQueueSubmit, &qs));
}

/* A binary semaphore, and a submission that waits on it. */
static bool
create_binary(struct e2e_dev *d, struct e2e_log *lg, uint64_t *sem)
{
   *sem = pv_vnc_new_id(&d->c);
   VkSemaphoreCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO };
   struct pv_vkCreateSemaphore_args cs = { .device = E2E_H(VkDevice, d->device), .pCreateInfo = &ci,
                                           .pSemaphore_ids = sem, .pSemaphore_count = 1 };
   return E2E_OK(lg, &d->c, PV_VNC_SEND(&d->c, vkCreateSemaphore, &cs));
}

static int
submit_binary_wait(struct e2e_dev *d, uint64_t sem)
{
   VkSemaphore s = E2E_H(VkSemaphore, sem);
   VkPipelineStageFlags stage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
   VkSubmitInfo sub = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .waitSemaphoreCount = 1,
                        .pWaitSemaphores = &s, .pWaitDstStageMask = &stage };
   struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                       .pSubmits = &sub };
   return PV_VNC_SEND(&d->c, vkQueueSubmit, &qs);
}

/* Killed while its ring thread is blocked in the host's vkWaitSemaphores
 * (1.5 s on a value nobody signals): the server frees it once the host
 * call returns. */
static void
kill_while_waiting(void)
{
   struct e2e_log lg = { "victim-waiting", 0 };
   struct e2e_dev d;
   uint64_t sem, fence;
   if (victim_with_sync(&d, &lg, &sem, &fence)) {
      uint64_t one = 1;
      VkSemaphore s = E2E_H(VkSemaphore, sem);
      VkSemaphoreWaitInfo wi = { .sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO,
                                 .semaphoreCount = 1, .pSemaphores = &s, .pValues = &one };
      struct pv_vkWaitSemaphores_args w = { .device = E2E_H(VkDevice, d.device), .pWaitInfo = &wi,
                                            .timeout = 1500ull * 1000 * 1000 };
      CHECK(E2E_OK(&lg, &d.c, PV_VNC_SEND(&d.c, vkWaitSemaphores, &w)));
      pv_sleep_ns(100 * 1000 * 1000); /* the ring thread is in the wait now */
      CHECK(!(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL));
   }
   CHECK_EQ(lg.failures, 0);
   pv_vnc_abandon(&d.c);
}

/* Killed with a queue submission that waits for a timeline value nobody
 * will ever signal, and its ring thread then
 *   GATED_VTEST_IDLE   idle (the vtest fence wait is the client's),
 *   GATED_QUEUE_IDLE   in vkQueueWaitIdle on that queue,
 *   GATED_BINARY_WAIT  submitting a wait on a binary semaphore the gated
 *                      submission signals (Mesa would wait inside
 *                      vkQueueSubmit for the gated one to be handed over).
 * Teardown must still free the client: the waits end when the client goes;
 * teardown releases the device's timeline waits and waits for idle with a
 * deadline. */
enum gated { GATED_VTEST_IDLE, GATED_QUEUE_IDLE, GATED_BINARY_WAIT };

static bool
kill_with_gated_submission(enum gated how)
{
   static const char *const names[] = { "victim-gated", "victim-gated-queue-idle",
                                        "victim-gated-binary-wait" };
   struct e2e_log lg = { names[how], 0 };
   struct e2e_dev d;
   uint64_t sem, fence, binary = 0;
   if (victim_with_sync(&d, &lg, &sem, &fence) &&
       (how != GATED_BINARY_WAIT || create_binary(&d, &lg, &binary))) {
      CHECK(submit_gated(&d, &lg, sem, fence, binary));
      if (how == GATED_QUEUE_IDLE) {
         struct pv_vkQueueWaitIdle_args w = { .queue = E2E_H(VkQueue, d.queues[0]) };
         CHECK(E2E_OK(&lg, &d.c, PV_VNC_SEND(&d.c, vkQueueWaitIdle, &w)));
      } else if (how == GATED_BINARY_WAIT) {
         CHECK(E2E_OK(&lg, &d.c, submit_binary_wait(&d, binary)));
      } else {
         CHECK_EQ(pv_vnc_wait_idle(&d.c), 0);
      }
      pv_sleep_ns(100 * 1000 * 1000); /* the ring thread is in the wait now */
      CHECK(!(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL));
   }
   CHECK_EQ(lg.failures, 0);
   pv_vnc_abandon(&d.c);
   return true;
}

static void
test_killed(void)
{
   void (*kills[])(void) = { kill_in_header, kill_in_submit, kill_with_objects, kill_while_waiting };
   for (unsigned i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
      kills[i]();
      CHECK(e2e_wait_clients(&srv, 1)); /* only the bystander is left */
      CHECK(bystander_progress(1));
   }
   for (enum gated how = GATED_VTEST_IDLE; how <= GATED_BINARY_WAIT; how++) {
      if (kill_with_gated_submission(how)) {
         CHECK(e2e_wait_clients(&srv, 1));
         CHECK(bystander_progress(1));
      }
   }
}

/* Send the creation of a pipeline layout without sets or push constants. */
static int
empty_pipeline_layout(struct e2e_dev *d, uint64_t *layout)
{
   *layout = pv_vnc_new_id(&d->c);
   VkPipelineLayoutCreateInfo li = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO };
   struct pv_vkCreatePipelineLayout_args la = { .device = E2E_H(VkDevice, d->device),
                                                .pCreateInfo = &li, .pPipelineLayout_ids = layout,
                                                .pPipelineLayout_count = 1 };
   return PV_VNC_SEND(&d->c, vkCreatePipelineLayout, &la);
}

/* On a CPU device, releasing objects waits for the work submitted before
 * (lavapipe would otherwise run it on freed memory); work that never ends
 * turns the release into a fatal error after the deadline, and the server
 * still frees the client. */
static void
test_release_while_stuck(void)
{
   struct e2e_log lg = { "victim-release-stuck", 0 };
   struct e2e_dev d;
   uint64_t sem, fence;
   if (victim_with_sync(&d, &lg, &sem, &fence)) {
      struct pv_vnc *c = &d.c;
      VkPhysicalDeviceProperties props = { 0 };
      struct pv_vkGetPhysicalDeviceProperties_args pa = {
         .physicalDevice = E2E_H(VkPhysicalDevice, d.pdev), .pProperties = &props };
      CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkGetPhysicalDeviceProperties, &pa)));
      if (props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU) {
         printf("  skipped: '%s' is not a CPU device; releases wait only there\n",
                props.deviceName);
         pv_vnc_abandon(c);
         CHECK(e2e_wait_clients(&srv, 1));
         return;
      }
      uint64_t layout;
      CHECK(E2E_OK(&lg, c, empty_pipeline_layout(&d, &layout)));
      CHECK(submit_gated(&d, &lg, sem, fence, 0));
      struct pv_vkDestroyPipelineLayout_args dl = { .device = E2E_H(VkDevice, d.device),
                                                    .pipelineLayout = E2E_H(VkPipelineLayout, layout) };
      CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkDestroyPipelineLayout, &dl)));
      double t0 = e2e_ms();
      bool fatal = false;
      for (int i = 0; i < 1500 && !fatal; i++) {
         fatal = (pv_vnc_ring_status(c) & PV_RING_STATUS_FATAL) != 0;
         if (!fatal)
            pv_sleep_ns(10 * 1000 * 1000);
      }
      printf("  release behind stuck work: fatal after %.1f s\n", (e2e_ms() - t0) / 1e3);
      CHECK(fatal);
      CHECK(e2e_server_logged(&srv, "victim-release-stuck", "never finishes"));
   }
   CHECK_EQ(lg.failures, 0);
   pv_vnc_abandon(&d.c);
   CHECK(e2e_wait_clients(&srv, 1));
}

/* ---- counts that size host memory ------------------------------------------------------ */

/* A query pool of 2^32 − 1 queries asks the driver for tens of GB of host
 * memory: it counts against max_device_memory (16 GiB by default) and
 * fails like a full device, and the context goes on. */
static void
test_huge_query_pool(void)
{
   struct e2e_log lg = { "huge-query-pool", 0 };
   struct e2e_dev d;
   if (e2e_dev_open(&d, &lg, srv.path, lg.name, NULL)) {
      CHECK(0);
      pv_vnc_abandon(&d.c);
      return;
   }
   struct pv_vnc *c = &d.c;
   VkQueryPoolCreateInfo qi = { .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                .queryType = VK_QUERY_TYPE_OCCLUSION, .queryCount = UINT32_MAX };
   uint64_t pool = pv_vnc_new_id(c);
   struct pv_vkCreateQueryPool_args a = { .device = E2E_H(VkDevice, d.device), .pCreateInfo = &qi,
                                          .pQueryPool_ids = &pool, .pQueryPool_count = 1 };
   CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkCreateQueryPool, &a)));
   CHECK_EQ(a.ret, VK_ERROR_OUT_OF_DEVICE_MEMORY);
   qi.queryCount = 16; /* the context lives on */
   pool = pv_vnc_new_id(c);
   CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkCreateQueryPool, &a)));
   CHECK_EQ(a.ret, VK_SUCCESS);
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK(e2e_wait_clients(&srv, 1));
}

/* ---- SPIR-V policy ---------------------------------------------------------- */

/* A fragment shader that reads gl_SampleID without declaring the
 * SampleRateShading capability, as Mesa 22.3's zink writes it (drivers run
 * it; spirv-val asks for the declaration).  Assembled from:
 *   OpCapability Shader
 *   %1 = OpExtInstImport "GLSL.std.450"
 *   OpMemoryModel Logical GLSL450
 *   OpEntryPoint Fragment %main "main" %out %sid
 *   OpExecutionMode %main OriginUpperLeft
 *   OpDecorate %out Location 0
 *   OpDecorate %sid BuiltIn SampleId
 *   OpDecorate %sid Flat
 *   %void = OpTypeVoid
 *   %3 = OpTypeFunction %void
 *   %float = OpTypeFloat 32
 *   %int = OpTypeInt 32 1
 *   %v4float = OpTypeVector %float 4
 *   %_ptr_Output_v4float = OpTypePointer Output %v4float
 *   %out = OpVariable %_ptr_Output_v4float Output
 *   %_ptr_Input_int = OpTypePointer Input %int
 *   %sid = OpVariable %_ptr_Input_int Input
 *   %main = OpFunction %void None %3
 *   %5 = OpLabel
 *   %6 = OpLoad %int %sid
 *   %7 = OpConvertSToF %float %6
 *   %8 = OpCompositeConstruct %v4float %7 %7 %7 %7
 *   OpStore %out %8
 *   OpReturn
 *   OpFunctionEnd
 */
static const uint32_t sample_id_undeclared[] = {
   0x07230203, 0x00010300, 0x00070000, 0x00000010, 0x00000000, 0x00020011,
   0x00000001, 0x0006000b, 0x00000001, 0x4c534c47, 0x6474732e, 0x3035342e,
   0x00000000, 0x0003000e, 0x00000000, 0x00000001, 0x0007000f, 0x00000004,
   0x00000002, 0x6e69616d, 0x00000000, 0x00000003, 0x00000004, 0x00030010,
   0x00000002, 0x00000007, 0x00040047, 0x00000003, 0x0000001e, 0x00000000,
   0x00040047, 0x00000004, 0x0000000b, 0x00000012, 0x00030047, 0x00000004,
   0x0000000e, 0x00020013, 0x00000005, 0x00030021, 0x00000006, 0x00000005,
   0x00030016, 0x00000007, 0x00000020, 0x00040015, 0x00000008, 0x00000020,
   0x00000001, 0x00040017, 0x00000009, 0x00000007, 0x00000004, 0x00040020,
   0x0000000a, 0x00000003, 0x00000009, 0x0004003b, 0x0000000a, 0x00000003,
   0x00000003, 0x00040020, 0x0000000b, 0x00000001, 0x00000008, 0x0004003b,
   0x0000000b, 0x00000004, 0x00000001, 0x00050036, 0x00000005, 0x00000002,
   0x00000000, 0x00000006, 0x000200f8, 0x0000000c, 0x0004003d, 0x00000008,
   0x0000000d, 0x00000004, 0x0004006f, 0x00000007, 0x0000000e, 0x0000000d,
   0x00070050, 0x00000009, 0x0000000f, 0x0000000e, 0x0000000e, 0x0000000e,
   0x0000000e, 0x0003003e, 0x00000003, 0x0000000f, 0x000100fd, 0x00010038
};

/* SPIR-V that drivers accept is not refused; SPIR-V that is refused, sent
 * without waiting for the reply as Mesa does, fails the pipeline made from
 * it with a Vulkan error, and the context goes on. */
static void
test_spirv_policy(void)
{
   struct e2e_log lg = { "spirv-policy", 0 };
   struct e2e_dev d;
   if (e2e_dev_open(&d, &lg, srv.path, lg.name, NULL)) {
      CHECK(0);
      pv_vnc_abandon(&d.c);
      return;
   }
   struct pv_vnc *c = &d.c;
   VkDevice dev = E2E_H(VkDevice, d.device);
   uint64_t module = pv_vnc_new_id(c);
   VkShaderModuleCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = sizeof(sample_id_undeclared),
                                   .pCode = sample_id_undeclared };
   struct pv_vkCreateShaderModule_args ma = { .device = dev, .pCreateInfo = &si,
                                              .pShaderModule_ids = &module,
                                              .pShaderModule_count = 1 };
   CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkCreateShaderModule, &ma)));
   CHECK_EQ(ma.ret, VK_SUCCESS);

   /* a header and then nonsense: refused, without a reply */
   static const uint32_t nonsense[] = { 0x07230203, 0x00010000, 0, 16, 0, 0xdeadbeef, 0xdeadbeef };
   uint64_t refused = pv_vnc_new_id(c);
   si.codeSize = sizeof(nonsense);
   si.pCode = nonsense;
   ma.pShaderModule_ids = &refused;
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkCreateShaderModule, &ma)));
   uint64_t layout = pv_vnc_new_id(c), pipeline = pv_vnc_new_id(c);
   VkPipelineLayoutCreateInfo li = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO };
   struct pv_vkCreatePipelineLayout_args la = { .device = dev, .pCreateInfo = &li,
                                                .pPipelineLayout_ids = &layout,
                                                .pPipelineLayout_count = 1 };
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkCreatePipelineLayout, &la)));
   VkComputePipelineCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                 .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                 .module = E2E_H(VkShaderModule, refused), .pName = "main" },
      .layout = E2E_H(VkPipelineLayout, layout) };
   VkPipeline ph;
   struct pv_vkCreateComputePipelines_args ca = { .device = dev, .createInfoCount = 1,
                                                  .pCreateInfos = &ci, .pPipelines = &ph,
                                                  .pPipelines_ids = &pipeline,
                                                  .pPipelines_count = 1 };
   CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkCreateComputePipelines, &ca)));
   CHECK_EQ(ca.ret, VK_ERROR_UNKNOWN);
   /* the guest destroys what it made; the context is healthy */
   struct pv_vkDestroyShaderModule_args da = { .device = dev,
                                               .shaderModule = E2E_H(VkShaderModule, refused) };
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkDestroyShaderModule, &da)));
   struct pv_vkDeviceWaitIdle_args wa = { .device = dev };
   CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkDeviceWaitIdle, &wa)));
   CHECK_EQ(wa.ret, VK_SUCCESS);
   CHECK_EQ(lg.failures, 0);
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK(e2e_wait_clients(&srv, 1));
}

/* Rings are reader threads: all clients together may hold
 * max_total_rings.  The client whose ring would pass it is refused (its
 * context fatal, the reason logged); when another client leaves, the next
 * one gets a ring. */
static void
test_ring_budget(void)
{
   static struct e2e_server small;
   CHECK_EQ(e2e_server_start_config(&small, &(struct pv_renderer_config){ .max_total_rings = 2 }), 0);
   struct pv_vnc a, b, c;
   CHECK_EQ(pv_vnc_open(&a, small.path, "ring-a"), 0);
   CHECK_EQ(pv_vnc_open(&b, small.path, "ring-b"), 0);
   CHECK(pv_vnc_open(&c, small.path, "ring-c") != 0);
   pv_vnc_abandon(&c);
   CHECK(e2e_server_logged(&small, "max_total_rings", "all contexts"));
   struct pv_renderer_usage u;
   CHECK_EQ(pv_renderer_get_usage(small.renderer, &u), 0);
   CHECK(u.rings.used == 2 && u.rings.limit == 2);
   CHECK_EQ(pv_vnc_close(&a), 0);
   CHECK(e2e_wait_clients(&small, 1));
   CHECK_EQ(pv_vnc_open(&c, small.path, "ring-c"), 0);
   CHECK_EQ(pv_vnc_close(&c), 0);
   CHECK_EQ(pv_vnc_close(&b), 0);
   CHECK(e2e_wait_clients(&small, 0));
   CHECK_EQ(pv_renderer_get_usage(small.renderer, &u), 0);
   CHECK(u.rings.used == 0 && u.contexts.used == 0 && u.blobs.used == 0);
   e2e_server_stop(&small);
}

/* ---- malformed commands -------------------------------------------------------------- */

/* Bring a victim up, let `bad` write its command, and check that the ring
 * turns FATAL with a logged reason containing `why`, that calls fail with
 * -EIO, and that the server drops the client at its next message. */
static void
malformed(const char *name, const char *why, int (*bad)(struct e2e_dev *d), const char *extension)
{
   struct e2e_log lg = { name, 0 };
   struct e2e_dev d;
   if (e2e_dev_open_ext(&d, &lg, srv.path, name, NULL, extension)) {
      CHECK(0);
      pv_vnc_abandon(&d.c);
      return;
   }
   struct pv_vnc *c = &d.c;
   CHECK_EQ(bad(&d), 0);
   bool fatal = false;
   for (int i = 0; i < 500 && !fatal; i++) {
      fatal = (pv_vnc_ring_status(c) & PV_RING_STATUS_FATAL) != 0;
      if (!fatal)
         pv_sleep_ns(10 * 1000 * 1000);
   }
   CHECK(fatal);
   if (!e2e_server_logged(&srv, name, why))
      fprintf(stderr, "%s: no fatal reason with '%s' was logged\n", name, why);
   CHECK(e2e_server_logged(&srv, name, why));
   uint32_t version = 0;
   struct pv_vkEnumerateInstanceVersion_args ev = { .pApiVersion = &version };
   CHECK_EQ(PV_VNC_CALL(c, vkEnumerateInstanceVersion, &ev), -EIO);
   /* the next message on the socket: the server drops the client */
   struct pv_vkNotifyRingMESA_args n = { .ring = c->ring_id };
   pv_vnc_submit_context(c, PV_CMD_vkNotifyRingMESA, &n);
   uint32_t sync = 0;
   int ret = pv_vtc_sync_create(&c->vtc, 0, &sync);
   CHECK(ret == -EPIPE || ret == -ECONNRESET);
   CHECK(e2e_wait_clients(&srv, 1));
   pv_vnc_abandon(c);
}

static int
bad_array_size(struct e2e_dev *d)
{
   uint32_t count = 1;
   uint64_t id = d->pdev;
   struct pv_vkEnumeratePhysicalDevices_args a = {
      .instance = E2E_H(VkInstance, d->instance), .pPhysicalDeviceCount = &count,
      .pPhysicalDevices_ids = &id, .pPhysicalDevices_count = 1,
   };
   uint8_t buf[64];
   struct pv_cs_encoder e;
   pv_cs_encoder_init(&e, buf, sizeof(buf));
   if (!pv_encode_vkEnumeratePhysicalDevices(&e, 0, &a) || e.pos != 44)
      return -1;
   uint64_t two = 2; /* array_size 2 against *pPhysicalDeviceCount 1 */
   memcpy(buf + 28, &two, 8);
   return pv_vnc_write_raw(&d->c, buf, e.pos);
}

static int
bad_command_id(struct e2e_dev *d)
{
   uint32_t cmd[4] = { 100000, 0, 0, 0 };
   return pv_vnc_write_raw(&d->c, cmd, sizeof(cmd));
}

static int
bad_handle_type(struct e2e_dev *d)
{
   VkPhysicalDeviceProperties props;
   struct pv_vkGetPhysicalDeviceProperties_args a = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->instance), /* an instance's id */
      .pProperties = &props,
   };
   return PV_VNC_SEND(&d->c, vkGetPhysicalDeviceProperties, &a);
}

static int
bad_handle_id(struct e2e_dev *d)
{
   struct pv_vkDestroyBuffer_args a = { .device = E2E_H(VkDevice, d->device),
                                        .buffer = E2E_H(VkBuffer, 424242) };
   return PV_VNC_SEND(&d->c, vkDestroyBuffer, &a);
}

static int
bad_get_device_queue(struct e2e_dev *d)
{
   uint64_t id = pv_vnc_new_id(&d->c);
   struct pv_vkGetDeviceQueue_args a = { .device = E2E_H(VkDevice, d->device),
                                         .pQueue_ids = &id, .pQueue_count = 1 };
   return PV_VNC_SEND(&d->c, vkGetDeviceQueue, &a);
}

static int
bad_reply_stream(struct e2e_dev *d)
{
   VkCommandStreamDescriptionMESA s = { .resourceId = d->c.reply_res,
                                        .offset = PV_VNC_REPLY_SHM_SIZE - 16, .size = 64 };
   struct pv_vkSetReplyCommandStreamMESA_args a = { .pStream = &s };
   return PV_VNC_SEND(&d->c, vkSetReplyCommandStreamMESA, &a);
}

/* A null element inside a struct's handle array: VkSubmitInfo's command
 * buffers (the decoder checks these like parameter arrays). */
static int
bad_null_submit_element(struct e2e_dev *d)
{
   VkCommandBuffer cbs[1] = { VK_NULL_HANDLE };
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = cbs };
   struct pv_vkQueueSubmit_args a = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                      .pSubmits = &si };
   return PV_VNC_SEND(&d->c, vkQueueSubmit, &a);
}

/* A submission waiting on a binary semaphore no signal was submitted for
 * (Mesa's threaded queue would wait inside vkQueueSubmit for ever). */
static int
bad_binary_wait(struct e2e_dev *d)
{
   struct e2e_log lg = { "bad-binary-wait", 0 };
   uint64_t sem;
   return create_binary(d, &lg, &sem) ? submit_binary_wait(d, sem) : -1;
}

/* Two sets that each hold the device's per-stage storage buffer limit:
 * their pipeline layout holds twice that (lavapipe indexes fixed per-stage
 * tables with such counts). */
static int
bad_stage_limit(struct e2e_dev *d)
{
   VkPhysicalDeviceProperties props;
   struct pv_vkGetPhysicalDeviceProperties_args pp = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pProperties = &props };
   if (PV_VNC_CALL(&d->c, vkGetPhysicalDeviceProperties, &pp))
      return -1;
   VkDevice dev = E2E_H(VkDevice, d->device);
   uint64_t dsl = pv_vnc_new_id(&d->c), pl = pv_vnc_new_id(&d->c);
   VkDescriptorSetLayoutBinding lb = { 0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                       props.limits.maxPerStageDescriptorStorageBuffers,
                                       VK_SHADER_STAGE_COMPUTE_BIT, NULL };
   VkDescriptorSetLayoutCreateInfo dli = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, .bindingCount = 1,
      .pBindings = &lb };
   struct pv_vkCreateDescriptorSetLayout_args da = { .device = dev, .pCreateInfo = &dli,
                                                     .pSetLayout_ids = &dsl,
                                                     .pSetLayout_count = 1 };
   VkDescriptorSetLayout two[2] = { E2E_H(VkDescriptorSetLayout, dsl),
                                    E2E_H(VkDescriptorSetLayout, dsl) };
   VkPipelineLayoutCreateInfo pli = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                      .setLayoutCount = 2, .pSetLayouts = two };
   struct pv_vkCreatePipelineLayout_args pa = { .device = dev, .pCreateInfo = &pli,
                                                .pPipelineLayout_ids = &pl,
                                                .pPipelineLayout_count = 1 };
   int ret = PV_VNC_SEND(&d->c, vkCreateDescriptorSetLayout, &da);
   return ret ? ret : PV_VNC_SEND(&d->c, vkCreatePipelineLayout, &pa);
}

/* A set layout of one `type` descriptor at binding 0 for the compute
 * stage, a pool and a set of it. */
static int
one_descriptor_set(struct e2e_dev *d, VkDescriptorType type, uint64_t *dsl, uint64_t *set)
{
   uint64_t pool = pv_vnc_new_id(&d->c);
   VkDevice dev = E2E_H(VkDevice, d->device);
   *dsl = pv_vnc_new_id(&d->c);
   *set = pv_vnc_new_id(&d->c);
   VkDescriptorSetLayoutBinding lb = { 0, type, 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL };
   VkDescriptorSetLayoutCreateInfo dli = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, .bindingCount = 1,
      .pBindings = &lb };
   struct pv_vkCreateDescriptorSetLayout_args da = { .device = dev, .pCreateInfo = &dli,
                                                     .pSetLayout_ids = dsl,
                                                     .pSetLayout_count = 1 };
   VkDescriptorPoolSize ps = { type, 1 };
   VkDescriptorPoolCreateInfo pi = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                     .maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &ps };
   struct pv_vkCreateDescriptorPool_args pa = { .device = dev, .pCreateInfo = &pi,
                                                .pDescriptorPool_ids = &pool,
                                                .pDescriptorPool_count = 1 };
   VkDescriptorSetLayout l = E2E_H(VkDescriptorSetLayout, *dsl);
   VkDescriptorSetAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                      .descriptorPool = E2E_H(VkDescriptorPool, pool),
                                      .descriptorSetCount = 1, .pSetLayouts = &l };
   VkDescriptorSet sh;
   struct pv_vkAllocateDescriptorSets_args aa = { .device = dev, .pAllocateInfo = &ai,
                                                  .pDescriptorSets = &sh,
                                                  .pDescriptorSets_ids = set,
                                                  .pDescriptorSets_count = 1 };
   return PV_VNC_SEND(&d->c, vkCreateDescriptorSetLayout, &da) ||
                PV_VNC_SEND(&d->c, vkCreateDescriptorPool, &pa) ||
                PV_VNC_SEND(&d->c, vkAllocateDescriptorSets, &aa)
             ? -1 : 0;
}

/* A set of one `type` buffer descriptor over [0, range) of a new 4096-byte
 * buffer; returns the last send's result. */
static int
buffer_set(struct e2e_dev *d, VkDescriptorType type, VkDeviceSize range, uint64_t *dsl,
           uint64_t *set)
{
   struct e2e_buffer b;
   if (e2e_buffer_create(d, 4096, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, false, &b) ||
       one_descriptor_set(d, type, dsl, set))
      return -1;
   VkDescriptorBufferInfo bi = { E2E_H(VkBuffer, b.buffer), 0, range };
   VkWriteDescriptorSet w = { .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                              .dstSet = E2E_H(VkDescriptorSet, *set), .dstBinding = 0,
                              .descriptorCount = 1, .descriptorType = type, .pBufferInfo = &bi };
   struct pv_vkUpdateDescriptorSets_args ua = { .device = E2E_H(VkDevice, d->device),
                                                .descriptorWriteCount = 1,
                                                .pDescriptorWrites = &w };
   return PV_VNC_SEND(&d->c, vkUpdateDescriptorSets, &ua);
}

/* A 16x16 sampled image of `format` bound to memory, and a view of it
 * as `view_format`. */
static int
sampled_view(struct e2e_dev *d, VkFormat format, VkFormat view_format, uint64_t *view)
{
   uint64_t img = pv_vnc_new_id(&d->c), mem;
   VkDevice dev = E2E_H(VkDevice, d->device);
   *view = pv_vnc_new_id(&d->c);
   VkImageCreateInfo ii = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = format, .extent = { 16, 16, 1 }, .mipLevels = 1,
      .arrayLayers = 1, .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = VK_IMAGE_USAGE_SAMPLED_BIT };
   struct pv_vkCreateImage_args ia = { .device = dev, .pCreateInfo = &ii, .pImage_ids = &img,
                                       .pImage_count = 1 };
   VkMemoryRequirements req;
   struct pv_vkGetImageMemoryRequirements_args ra = { .device = dev, .image = E2E_H(VkImage, img),
                                                      .pMemoryRequirements = &req };
   if (PV_VNC_SEND(&d->c, vkCreateImage, &ia) ||
       PV_VNC_CALL(&d->c, vkGetImageMemoryRequirements, &ra) ||
       e2e_alloc_memory(d, req.size, req.memoryTypeBits, &mem))
      return -1;
   struct pv_vkBindImageMemory_args ba = { .device = dev, .image = E2E_H(VkImage, img),
                                           .memory = E2E_H(VkDeviceMemory, mem) };
   VkImageViewCreateInfo vi = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO, .image = E2E_H(VkImage, img),
      .viewType = VK_IMAGE_VIEW_TYPE_2D, .format = view_format,
      .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
   struct pv_vkCreateImageView_args va = { .device = dev, .pCreateInfo = &vi, .pView_ids = view,
                                           .pView_count = 1 };
   return PV_VNC_SEND(&d->c, vkBindImageMemory, &ba) || PV_VNC_SEND(&d->c, vkCreateImageView, &va)
             ? -1 : 0;
}

/* Indices into the driver's fixed-size state, recorded into a command
 * buffer: lavapipe would write past its arrays when it executes them. */
static int
record_bad(struct e2e_dev *d, int which)
{
   struct e2e_cmd cb;
   if (e2e_cmd_begin(d, &cb))
      return -1;
   VkCommandBuffer h = E2E_H(VkCommandBuffer, cb.cmd);
   if (which == 0) {
      VkViewport vp = { 0, 0, 1, 1, 0, 1 };
      struct pv_vkCmdSetViewport_args a = { .commandBuffer = h, .firstViewport = 1000,
                                            .viewportCount = 1, .pViewports = &vp };
      return PV_VNC_SEND(&d->c, vkCmdSetViewport, &a);
   }
   if (which == 1) {
      uint64_t layout;
      if (empty_pipeline_layout(d, &layout))
         return -1;
      uint32_t v[4] = { 0 };
      struct pv_vkCmdPushConstants_args a = { .commandBuffer = h,
                                              .layout = E2E_H(VkPipelineLayout, layout),
                                              .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
                                              .offset = 4096, .size = sizeof(v), .pValues = v };
      return PV_VNC_SEND(&d->c, vkCmdPushConstants, &a);
   }
   if (which == 5) { /* a buffer never bound to memory, filled */
      uint64_t buf = pv_vnc_new_id(&d->c);
      VkBufferCreateInfo bi = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = 4096,
                                .usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT };
      struct pv_vkCreateBuffer_args ba = { .device = E2E_H(VkDevice, d->device),
                                           .pCreateInfo = &bi, .pBuffer_ids = &buf,
                                           .pBuffer_count = 1 };
      if (PV_VNC_SEND(&d->c, vkCreateBuffer, &ba))
         return -1;
      struct pv_vkCmdFillBuffer_args a = { .commandBuffer = h, .dstBuffer = E2E_H(VkBuffer, buf),
                                           .dstOffset = 0, .size = 256, .data = 7 };
      return PV_VNC_SEND(&d->c, vkCmdFillBuffer, &a);
   }
   if (which == 6) { /* a view of an image never bound to memory */
      uint64_t img = pv_vnc_new_id(&d->c), view = pv_vnc_new_id(&d->c);
      VkImageCreateInfo ii = {
         .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
         .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { 16, 16, 1 }, .mipLevels = 1,
         .arrayLayers = 1, .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
         .usage = VK_IMAGE_USAGE_SAMPLED_BIT };
      struct pv_vkCreateImage_args ia = { .device = E2E_H(VkDevice, d->device),
                                          .pCreateInfo = &ii, .pImage_ids = &img,
                                          .pImage_count = 1 };
      if (PV_VNC_SEND(&d->c, vkCreateImage, &ia))
         return -1;
      VkImageViewCreateInfo vi = {
         .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO, .image = E2E_H(VkImage, img),
         .viewType = VK_IMAGE_VIEW_TYPE_2D, .format = VK_FORMAT_R8G8B8A8_UNORM,
         .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 } };
      struct pv_vkCreateImageView_args va = { .device = E2E_H(VkDevice, d->device),
                                              .pCreateInfo = &vi, .pView_ids = &view,
                                              .pView_count = 1 };
      return PV_VNC_SEND(&d->c, vkCreateImageView, &va);
   }
   if (which == 10) { /* a 4-byte view of a bound 2-byte image that is not mutable */
      uint64_t view;
      return sampled_view(d, VK_FORMAT_R8G8_UNORM, VK_FORMAT_R8G8B8A8_UNORM, &view);
   }
   if (which == 7) { /* push descriptors into a set the layout lacks */
      uint64_t layout;
      if (empty_pipeline_layout(d, &layout))
         return -1;
      VkDescriptorBufferInfo bi = { VK_NULL_HANDLE, 0, VK_WHOLE_SIZE };
      VkWriteDescriptorSet w = { .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                 .dstBinding = 7, .descriptorCount = 1,
                                 .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                 .pBufferInfo = &bi };
      struct pv_vkCmdPushDescriptorSet_args a = {
         .commandBuffer = h, .pipelineBindPoint = VK_PIPELINE_BIND_POINT_COMPUTE,
         .layout = E2E_H(VkPipelineLayout, layout), .set = 0, .descriptorWriteCount = 1,
         .pDescriptorWrites = &w };
      return PV_VNC_SEND(&d->c, vkCmdPushDescriptorSet, &a);
   }
   if (which == 8) { /* a storage buffer descriptor past its buffer's end */
      uint64_t dsl, set;
      return buffer_set(d, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 8192, &dsl, &set);
   }
   if (which == 9) { /* a dynamic offset moving a descriptor past its buffer */
      uint64_t dsl, set, layout = pv_vnc_new_id(&d->c);
      if (buffer_set(d, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC, 1024, &dsl, &set))
         return -1;
      VkDescriptorSetLayout l = E2E_H(VkDescriptorSetLayout, dsl);
      VkPipelineLayoutCreateInfo li = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                        .setLayoutCount = 1, .pSetLayouts = &l };
      struct pv_vkCreatePipelineLayout_args la = {
         .device = E2E_H(VkDevice, d->device), .pCreateInfo = &li,
         .pPipelineLayout_ids = &layout, .pPipelineLayout_count = 1 };
      VkDescriptorSet sh = E2E_H(VkDescriptorSet, set);
      uint32_t offset = 4096;
      struct pv_vkCmdBindDescriptorSets_args a = {
         .commandBuffer = h, .pipelineBindPoint = VK_PIPELINE_BIND_POINT_COMPUTE,
         .layout = E2E_H(VkPipelineLayout, layout), .descriptorSetCount = 1,
         .pDescriptorSets = &sh, .dynamicOffsetCount = 1, .pDynamicOffsets = &offset };
      if (PV_VNC_SEND(&d->c, vkCreatePipelineLayout, &la))
         return -1;
      return PV_VNC_SEND(&d->c, vkCmdBindDescriptorSets, &a);
   }
   if (which >= 3) {
      uint64_t pool = pv_vnc_new_id(&d->c);
      VkQueryPoolCreateInfo qi = { .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                   .queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = 4 };
      struct pv_vkCreateQueryPool_args qa = { .device = E2E_H(VkDevice, d->device),
                                              .pCreateInfo = &qi, .pQueryPool_ids = &pool,
                                              .pQueryPool_count = 1 };
      if (PV_VNC_SEND(&d->c, vkCreateQueryPool, &qa))
         return -1;
      if (which == 3) {
         struct pv_vkCmdResetQueryPool_args a = { .commandBuffer = h,
                                                  .queryPool = E2E_H(VkQueryPool, pool),
                                                  .firstQuery = 2, .queryCount = 8 };
         return PV_VNC_SEND(&d->c, vkCmdResetQueryPool, &a);
      }
      uint64_t data[4];
      struct pv_vkGetQueryPoolResults_args a = {
         .device = E2E_H(VkDevice, d->device), .queryPool = E2E_H(VkQueryPool, pool),
         .firstQuery = 0, .queryCount = 4, .dataSize = sizeof(data), .pData = data,
         .stride = 64, .flags = VK_QUERY_RESULT_64_BIT };
      return PV_VNC_SEND(&d->c, vkGetQueryPoolResults, &a);
   }
   VkBuffer b = VK_NULL_HANDLE;
   VkDeviceSize off = 0;
   struct pv_vkCmdBindVertexBuffers_args a = { .commandBuffer = h, .firstBinding = 0xfffffff0u,
                                               .bindingCount = 1, .pBuffers = &b,
                                               .pOffsets = &off };
   return PV_VNC_SEND(&d->c, vkCmdBindVertexBuffers, &a);
}

static int bad_viewport_index(struct e2e_dev *d) { return record_bad(d, 0); }
static int bad_push_constant_range(struct e2e_dev *d) { return record_bad(d, 1); }
static int bad_vertex_binding(struct e2e_dev *d) { return record_bad(d, 2); }
static int bad_query_range(struct e2e_dev *d) { return record_bad(d, 3); }
static int bad_query_results(struct e2e_dev *d) { return record_bad(d, 4); }
static int bad_unbound_buffer(struct e2e_dev *d) { return record_bad(d, 5); }
static int bad_unbound_image_view(struct e2e_dev *d) { return record_bad(d, 6); }
static int bad_push_descriptor_set(struct e2e_dev *d) { return record_bad(d, 7); }
static int bad_descriptor_range(struct e2e_dev *d) { return record_bad(d, 8); }
static int bad_dynamic_offset(struct e2e_dev *d) { return record_bad(d, 9); }
static int bad_view_format(struct e2e_dev *d) { return record_bad(d, 10); }

#ifdef PV_E2E_HAVE_SHADERS
/* A set of one combined image sampler, written with a sampler that
 * compares, and a compute pipeline reading it through textureLod. */
static int
compare_sampler_set(struct e2e_dev *d, uint64_t *set, uint64_t *layout, uint64_t *pipeline)
{
   VkDevice dev = E2E_H(VkDevice, d->device);
   uint64_t view, sampler = pv_vnc_new_id(&d->c), dsl, module;
   *layout = pv_vnc_new_id(&d->c), *pipeline = pv_vnc_new_id(&d->c);
   VkSamplerCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO,
                              .compareEnable = VK_TRUE, .compareOp = VK_COMPARE_OP_LESS,
                              .maxLod = 1.0f };
   struct pv_vkCreateSampler_args sa = { .device = dev, .pCreateInfo = &si,
                                         .pSampler_ids = &sampler, .pSampler_count = 1 };
   const VkDescriptorType type = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
   if (sampled_view(d, VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM, &view) ||
       PV_VNC_SEND(&d->c, vkCreateSampler, &sa) || one_descriptor_set(d, type, &dsl, set) ||
       e2e_shader(d, spv_sample_plain_comp, sizeof(spv_sample_plain_comp), &module))
      return -1;
   VkDescriptorSetLayout l = E2E_H(VkDescriptorSetLayout, dsl);
   VkDescriptorImageInfo ii = { E2E_H(VkSampler, sampler), E2E_H(VkImageView, view),
                                VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL };
   VkWriteDescriptorSet w = { .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                              .dstSet = E2E_H(VkDescriptorSet, *set), .descriptorCount = 1,
                              .descriptorType = type, .pImageInfo = &ii };
   struct pv_vkUpdateDescriptorSets_args ua = { .device = dev, .descriptorWriteCount = 1,
                                                .pDescriptorWrites = &w };
   VkPipelineLayoutCreateInfo li = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                     .setLayoutCount = 1, .pSetLayouts = &l };
   struct pv_vkCreatePipelineLayout_args la = { .device = dev, .pCreateInfo = &li,
                                                .pPipelineLayout_ids = layout,
                                                .pPipelineLayout_count = 1 };
   VkComputePipelineCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                 .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                 .module = E2E_H(VkShaderModule, module), .pName = "main" },
      .layout = E2E_H(VkPipelineLayout, *layout) };
   VkPipeline ph;
   struct pv_vkCreateComputePipelines_args ca = { .device = dev, .createInfoCount = 1,
                                                  .pCreateInfos = &ci, .pPipelines = &ph,
                                                  .pPipelines_ids = pipeline,
                                                  .pPipelines_count = 1 };
   return PV_VNC_SEND(&d->c, vkUpdateDescriptorSets, &ua) ||
                PV_VNC_SEND(&d->c, vkCreatePipelineLayout, &la) ||
                PV_VNC_SEND(&d->c, vkCreateComputePipelines, &ca)
             ? -1 : 0;
}

/* A dispatch whose shader samples a comparing sampler plainly, submitted
 * (llvmpipe crashed compiling it). */
static int
bad_compare_sampler(struct e2e_dev *d)
{
   uint64_t set, layout, pipeline;
   struct e2e_cmd cb;
   if (compare_sampler_set(d, &set, &layout, &pipeline) || e2e_cmd_begin(d, &cb))
      return -1;
   VkCommandBuffer h = E2E_H(VkCommandBuffer, cb.cmd);
   VkDescriptorSet sh = E2E_H(VkDescriptorSet, set);
   struct pv_vkCmdBindPipeline_args bp = { .commandBuffer = h,
                                           .pipelineBindPoint = VK_PIPELINE_BIND_POINT_COMPUTE,
                                           .pipeline = E2E_H(VkPipeline, pipeline) };
   struct pv_vkCmdBindDescriptorSets_args bs = {
      .commandBuffer = h, .pipelineBindPoint = VK_PIPELINE_BIND_POINT_COMPUTE,
      .layout = E2E_H(VkPipelineLayout, layout), .descriptorSetCount = 1, .pDescriptorSets = &sh };
   struct pv_vkCmdDispatch_args da = { .commandBuffer = h, .groupCountX = 1, .groupCountY = 1,
                                       .groupCountZ = 1 };
   VkSubmitInfo sub = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                        .pCommandBuffers = &h };
   struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, d->queues[0]), .submitCount = 1,
                                       .pSubmits = &sub };
   if (PV_VNC_SEND(&d->c, vkCmdBindPipeline, &bp) ||
       PV_VNC_SEND(&d->c, vkCmdBindDescriptorSets, &bs) ||
       PV_VNC_SEND(&d->c, vkCmdDispatch, &da) || e2e_cmd_end(d, &cb))
      return -1;
   return PV_VNC_SEND(&d->c, vkQueueSubmit, &qs);
}
#endif

static void
test_malformed(void)
{
   static const struct {
      const char *name, *why;
      int (*bad)(struct e2e_dev *d);
      const char *extension;
   } cases[] = {
      { "bad-array-size", "array size", bad_array_size, NULL },
      { "bad-command-id", "100000", bad_command_id, NULL },
      { "bad-handle-type", "wrong type", bad_handle_type, NULL },
      { "bad-handle-id", "424242", bad_handle_id, NULL },
      { "bad-get-device-queue", "command id 17", bad_get_device_queue, NULL },
      { "bad-reply-stream", "reply stream", bad_reply_stream, NULL },
      { "bad-viewport-index", "firstViewport 1000", bad_viewport_index, NULL },
      { "bad-push-constant-range", "offset 4096", bad_push_constant_range, NULL },
      { "bad-vertex-binding", "firstBinding 4294967280", bad_vertex_binding, NULL },
      { "bad-query-range", "queries 2 + 8", bad_query_range, NULL },
      { "bad-query-results", "need 200 bytes", bad_query_results, NULL },
      { "bad-unbound-buffer", "before it is bound", bad_unbound_buffer, NULL },
      { "bad-unbound-image-view", "before it is bound", bad_unbound_image_view, NULL },
      { "bad-push-descriptor-set", "set 0 is not in the pipeline layout", bad_push_descriptor_set,
        "VK_KHR_push_descriptor" },
      { "bad-descriptor-range", "outside its 4096-byte buffer", bad_descriptor_range, NULL },
      { "bad-dynamic-offset", "past its buffer", bad_dynamic_offset, NULL },
      { "bad-view-format", "do not fit image format 16", bad_view_format, NULL },
      { "bad-stage-limit", "storage buffers in ", bad_stage_limit, NULL }, /* per stage or in all */
      { "bad-null-submit-element", "pCommandBuffers: VK_NULL_HANDLE", bad_null_submit_element,
        NULL },
      { "bad-binary-wait", "no signal submitted", bad_binary_wait, NULL },
#ifdef PV_E2E_HAVE_SHADERS
      { "bad-compare-sampler", "a sampler there compares", bad_compare_sampler, NULL },
#endif
   };
   for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      malformed(cases[i].name, cases[i].why, cases[i].bad, cases[i].extension);
      CHECK(bystander_progress(1));
   }
}

int
main(void)
{
   if (!e2e_main_start(&srv))
      return 1;
   double t0 = e2e_ms();
   int fds = e2e_count_fds();
   CHECK_EQ(pv_thread_start(&by.thread, "bystander", bystander_main, NULL), 0);
   CHECK(bystander_progress(1));
   RUN(test_killed);
   RUN(test_malformed);
   RUN(test_release_while_stuck);
   RUN(test_huge_query_pool);
   RUN(test_spirv_policy);
   RUN(test_ring_budget);
   atomic_store(&by.stop, true);
   pv_thread_join(&by.thread);
   printf("bystander: %u iterations, %d failures\n", atomic_load(&by.iterations), by.failures);
   CHECK_EQ(by.failures, 0);
   CHECK(e2e_wait_clients(&srv, 0));
   CHECK_EQ(e2e_wait_fds(fds), fds);
   e2e_server_stop(&srv);
   printf("e2e hostile: %.0f ms\n", e2e_ms() - t0);
   return pv_test_summary();
}
