/*
 * fuzz_execute — libFuzzer target: bytes -> pv_context_submit on a live
 * context over the host Vulkan driver (lavapipe in CI), so the handlers
 * and the driver behind them see what a hostile guest can send.
 *
 * Input: byte 0 = mode, the rest = a Venus command stream (cut to a
 * multiple of 4).  Every input gets a fresh context with two 1 MiB shm
 * blobs (resource ids 1 and 2: the ids Mesa's first ring and reply shmems
 * get, so streams cut from real captures find them).  With mode bit 0 set,
 * a prefix built with the generated encoders runs first: reply stream on
 * resource 2, instance 1, physical device 2, device 3, queue 4 (timeline
 * 1), command pool 5, command buffer 6 in the recording state; the input
 * can then reach the deep handlers with small ids.  The context is
 * destroyed afterwards, which tears down every Vulkan object it made.
 *
 * A stream may wait forever on work of its own that never runs (a fence
 * behind a semaphore nobody signals).  The server ends such a wait when
 * the client goes away (its ring stops); here a watchdog plays that part:
 * an input still running after WATCHDOG_NS makes its context fatal, which
 * ends the wait within one slice (semaphore.c).  A wait that cannot be
 * ended that way (one inside the driver) still trips libFuzzer's -timeout.
 */
#include "fuzz_util.h"

#include <pthread.h>
#include <time.h>

#include "renderer/core/context.h"

#define WATCHDOG_NS 5000000000ull

#define MODE_DEVICE_PREFIX 0x1u

enum {
   ID_INSTANCE = 1,
   ID_PHYSICAL_DEVICE = 2,
   ID_DEVICE = 3,
   ID_QUEUE = 4,
   ID_POOL = 5,
   ID_CMD = 6,
};

#define REPLY_SIZE (1u << 20)

static bool
encode_prefix(struct pv_fuzz_stream *s, uint32_t reply_res)
{
   struct pv_cs_encoder *e = &s->enc;
   VkCommandStreamDescriptionMESA desc = { reply_res, 0, REPLY_SIZE };
   struct pv_vkSetReplyCommandStreamMESA_args sr = { .pStream = &desc };

   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .pApplicationName = "fuzz", .apiVersion = VK_API_VERSION_1_3 };
   VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                .pApplicationInfo = &app };
   VkInstance inst = VK_NULL_HANDLE;
   uint64_t inst_id = ID_INSTANCE;
   struct pv_vkCreateInstance_args ci = { .pCreateInfo = &ici, .pInstance = &inst,
                                          .pInstance_ids = &inst_id, .pInstance_count = 1 };

   uint32_t count = 1;
   VkPhysicalDevice pd = VK_NULL_HANDLE;
   uint64_t pd_id = ID_PHYSICAL_DEVICE;
   struct pv_vkEnumeratePhysicalDevices_args ep = {
      .instance = (VkInstance)(uintptr_t)ID_INSTANCE, .pPhysicalDeviceCount = &count,
      .pPhysicalDevices = &pd, .pPhysicalDevices_ids = &pd_id, .pPhysicalDevices_count = 1,
   };

   float prio = 1.0f;
   VkDeviceQueueCreateInfo qci = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                   .queueFamilyIndex = 0, .queueCount = 1,
                                   .pQueuePriorities = &prio };
   VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                              .queueCreateInfoCount = 1, .pQueueCreateInfos = &qci };
   VkDevice dev = VK_NULL_HANDLE;
   uint64_t dev_id = ID_DEVICE;
   struct pv_vkCreateDevice_args cd = {
      .physicalDevice = (VkPhysicalDevice)(uintptr_t)ID_PHYSICAL_DEVICE, .pCreateInfo = &dci,
      .pDevice = &dev, .pDevice_ids = &dev_id, .pDevice_count = 1,
   };

   VkDeviceQueueTimelineInfoMESA tl = {
      .sType = (VkStructureType)1000384005 /* DEVICE_QUEUE_TIMELINE_INFO_MESA */, .ringIdx = 1,
   };
   VkDeviceQueueInfo2 qi = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_INFO_2, .pNext = &tl,
                             .queueFamilyIndex = 0, .queueIndex = 0 };
   VkQueue q = VK_NULL_HANDLE;
   uint64_t q_id = ID_QUEUE;
   struct pv_vkGetDeviceQueue2_args gq = {
      .device = (VkDevice)(uintptr_t)ID_DEVICE, .pQueueInfo = &qi, .pQueue = &q,
      .pQueue_ids = &q_id, .pQueue_count = 1,
   };

   VkCommandPoolCreateInfo pci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                   .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT };
   VkCommandPool pool = VK_NULL_HANDLE;
   uint64_t pool_id = ID_POOL;
   struct pv_vkCreateCommandPool_args cp = {
      .device = (VkDevice)(uintptr_t)ID_DEVICE, .pCreateInfo = &pci, .pCommandPool = &pool,
      .pCommandPool_ids = &pool_id, .pCommandPool_count = 1,
   };

   VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = (VkCommandPool)(uintptr_t)ID_POOL,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1 };
   VkCommandBuffer cb = VK_NULL_HANDLE;
   uint64_t cb_id = ID_CMD;
   struct pv_vkAllocateCommandBuffers_args ac = {
      .device = (VkDevice)(uintptr_t)ID_DEVICE, .pAllocateInfo = &ai, .pCommandBuffers = &cb,
      .pCommandBuffers_ids = &cb_id, .pCommandBuffers_count = 1,
   };

   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
   struct pv_vkBeginCommandBuffer_args bc = {
      .commandBuffer = (VkCommandBuffer)(uintptr_t)ID_CMD, .pBeginInfo = &bi,
   };

   /* replies requested where Mesa asks for them (calls, not async) */
   return pv_encode_vkSetReplyCommandStreamMESA(e, 0, &sr) &&
          pv_encode_vkCreateInstance(e, 1, &ci) &&
          pv_encode_vkEnumeratePhysicalDevices(e, 1, &ep) &&
          pv_encode_vkCreateDevice(e, 1, &cd) && pv_encode_vkGetDeviceQueue2(e, 1, &gq) &&
          pv_encode_vkCreateCommandPool(e, 0, &cp) &&
          pv_encode_vkAllocateCommandBuffers(e, 0, &ac) &&
          pv_encode_vkBeginCommandBuffer(e, 0, &bc);
}

static struct {
   pthread_mutex_t lock;
   pthread_t thread;
   struct pv_context *ctx; /* the input's, while it runs */
   uint64_t deadline;
} watchdog = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t
now_ns(void)
{
   struct timespec t;
   clock_gettime(CLOCK_MONOTONIC, &t);
   return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void *
watchdog_main(void *arg)
{
   (void)arg;
   for (;;) {
      struct timespec nap = { 0, 100000000 };
      nanosleep(&nap, NULL);
      pthread_mutex_lock(&watchdog.lock);
      if (watchdog.ctx && now_ns() > watchdog.deadline) {
         pv_context_set_fatal(watchdog.ctx, "fuzz watchdog: the input still runs after %llu s",
                              WATCHDOG_NS / 1000000000ull);
         watchdog.ctx = NULL;
      }
      pthread_mutex_unlock(&watchdog.lock);
   }
   return NULL;
}

/* Watch ctx from now on (NULL: stop watching). */
static void
watch(struct pv_context *ctx)
{
   static bool started;
   pthread_mutex_lock(&watchdog.lock);
   if (!started)
      started = pthread_create(&watchdog.thread, NULL, watchdog_main, NULL) == 0;
   watchdog.ctx = ctx;
   watchdog.deadline = now_ns() + WATCHDOG_NS;
   pthread_mutex_unlock(&watchdog.lock);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   static struct pv_fuzz_stream prefix;
   static bool prefix_ok, reported;
   if (size < 1)
      return 0;
   uint8_t mode = data[0];
   data++;
   size = (size - 1) & ~(size_t)3;

   struct pv_context *ctx;
   if (pv_context_create(pv_fuzz_renderer(), "fuzz", PV_CAPSET_VENUS, &ctx))
      return 0;
   watch(ctx);
   struct pv_fuzz_shm ring_mem, reply;
   if (pv_fuzz_shm_create(ctx, REPLY_SIZE, &ring_mem) ||
       pv_fuzz_shm_create(ctx, REPLY_SIZE, &reply))
      goto out;
   if (mode & MODE_DEVICE_PREFIX) {
      if (!prefix.enc.buf) {
         pv_fuzz_stream_init(&prefix);
         prefix_ok = encode_prefix(&prefix, reply.res_id);
      }
      if (!prefix_ok || pv_context_submit(ctx, prefix.buf, prefix.enc.pos)) {
         if (!reported)
            fprintf(stderr, "fuzz_execute: the device prefix failed: %s\n",
                    prefix_ok ? pv_context_fatal_reason(ctx) : prefix.enc.error);
         reported = true;
         goto out;
      }
   }
   if (size) {
      /* the stream is read only during the call, from the caller's memory
       * (pv_context_submit's contract): give it an exact-size copy so that
       * ASan sees any overread */
      uint8_t *copy = malloc(size);
      if (copy) {
         memcpy(copy, data, size);
         (void)pv_context_submit(ctx, copy, size);
         free(copy);
      }
   }
out:
   watch(NULL);
   pv_fuzz_shm_unmap(&ring_mem);
   pv_fuzz_shm_unmap(&reply);
   pv_context_destroy(ctx);
   return 0;
}
