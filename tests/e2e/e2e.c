/* e2e.c — see e2e.h. */
#include "tests/e2e/e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STYPE_DEVICE_QUEUE_TIMELINE_INFO_MESA 1000384005

/* ---- server ------------------------------------------------------------------ */

static void *
server_main(void *arg)
{
   struct e2e_server *s = arg;
   pv_vtest_server_run(s->srv);
   return NULL;
}

/* Renderer log lines go to stderr as usual; errors are also kept. */
static void
log_sink(void *user, enum pv_venus_log_level level, const char *msg)
{
   static const char *names[] = { "", "error", "warn", "info", "debug", "trace" };
   struct e2e_server *s = user;
   fprintf(stderr, "pv-venus: %s: %s\n", level <= PV_VENUS_LOG_TRACE ? names[level] : "?", msg);
   if (level != PV_VENUS_LOG_ERROR)
      return;
   pthread_mutex_lock(&s->lock);
   snprintf(s->errors[s->error_count % 32], sizeof(s->errors[0]), "%s", msg);
   s->error_count++;
   pthread_mutex_unlock(&s->lock);
}

bool
e2e_server_logged(struct e2e_server *s, const char *a, const char *b)
{
   bool found = false;
   pthread_mutex_lock(&s->lock);
   unsigned n = s->error_count < 32 ? s->error_count : 32;
   for (unsigned i = 0; i < n && !found; i++)
      found = strstr(s->errors[i], a) && strstr(s->errors[i], b);
   pthread_mutex_unlock(&s->lock);
   return found;
}

/*
 * The host driver stays loaded for the whole process: the Vulkan loader
 * unloads an ICD with its last instance, and LeakSanitizer then reports
 * every allocation that only the unloaded driver's globals referenced
 * (lavapipe/LLVM caches) as leaked from "<unknown module>".  One instance
 * held in a global for the process's life keeps those reachable.
 */
static VkInstance pinned_instance;

static void
pin_host_driver(void)
{
   if (pinned_instance)
      return;
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
   if (vkCreateInstance(&ci, NULL, &pinned_instance) != VK_SUCCESS) {
      pinned_instance = VK_NULL_HANDLE;
      return;
   }
   uint32_t n = 1;
   VkPhysicalDevice pd;
   vkEnumeratePhysicalDevices(pinned_instance, &n, &pd);
}

int
e2e_server_start(struct e2e_server *s)
{
   return e2e_server_start_config(s, &(struct pv_renderer_config){ 0 });
}

bool
e2e_main_start(struct e2e_server *s)
{
   signal(SIGPIPE, SIG_IGN);
   int ret = e2e_server_start(s);
   if (ret)
      fprintf(stderr, "cannot start the server: %s\n", strerror(-ret));
   return ret == 0;
}

int
e2e_server_start_config(struct e2e_server *s, const struct pv_renderer_config *base)
{
   pin_host_driver();
   memset(s, 0, sizeof(*s));
   pthread_mutex_init(&s->lock, NULL);
   snprintf(s->dir, sizeof(s->dir), "/tmp/pv-e2e-XXXXXX");
   if (!mkdtemp(s->dir))
      return -errno;
   snprintf(s->path, sizeof(s->path), "%s/sock", s->dir);
   pv_logger_init(&s->log, NULL, NULL);
   struct pv_renderer_config rc = *base;
   rc.log_fn = log_sink;
   rc.log_user = s;
   int ret = pv_renderer_create(&rc, &s->renderer);
   if (ret)
      return ret;
   struct pv_vtest_server_config cfg = {
      .socket_path = s->path, .renderer = s->renderer, .log = &s->log,
   };
   ret = pv_vtest_server_create(&cfg, &s->srv);
   if (ret)
      return ret;
   return pv_thread_start(&s->thread, "server", server_main, s);
}

void
e2e_server_stop(struct e2e_server *s)
{
   pv_vtest_server_stop(s->srv);
   pv_thread_join(&s->thread);
   pv_vtest_server_destroy(s->srv);
   pv_renderer_destroy(s->renderer);
   rmdir(s->dir);
   pthread_mutex_destroy(&s->lock);
}

bool
e2e_wait_clients(struct e2e_server *s, unsigned n)
{
   for (int i = 0; i < 1000; i++) {
      if (pv_vtest_server_client_count(s->srv) == n)
         return true;
      pv_sleep_ns(10 * 1000 * 1000);
   }
   return false;
}

int
e2e_count_fds(void)
{
   int n = 0;
   for (int fd = 0; fd < 4096; fd++)
      n += fcntl(fd, F_GETFD) >= 0;
   return n;
}

int
e2e_wait_fds(int n)
{
   int now = e2e_count_fds();
   for (int i = 0; i < 500 && now != n; i++) {
      pv_sleep_ns(10 * 1000 * 1000);
      now = e2e_count_fds();
   }
   return now;
}

VkPhysicalDevice
e2e_host_device(VkInstance *inst)
{
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .apiVersion = VK_API_VERSION_1_1 };
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pApplicationInfo = &app };
   *inst = VK_NULL_HANDLE;
   if (vkCreateInstance(&ci, NULL, inst) != VK_SUCCESS) {
      *inst = VK_NULL_HANDLE;
      return VK_NULL_HANDLE;
   }
   uint32_t n = 1;
   VkPhysicalDevice pd = VK_NULL_HANDLE;
   VkResult r = vkEnumeratePhysicalDevices(*inst, &n, &pd);
   return (r == VK_SUCCESS || r == VK_INCOMPLETE) && n ? pd : VK_NULL_HANDLE;
}

double
e2e_ms(void)
{
   return (double)pv_now_ns() / 1e6;
}

bool
e2e_ok_(struct e2e_log *lg, struct pv_vnc *c, int ret, const char *what, const char *file, int line)
{
   if (!ret)
      return true;
   fprintf(stderr, "%s: %s:%d: %s = %d (%s): %s\n", lg->name, file, line, what, ret,
           strerror(-ret), c ? pv_vnc_error(c) : "");
   lg->failures++;
   return false;
}

/* ---- device bring-up ------------------------------------------------------------- */

int
e2e_dev_open(struct e2e_dev *d, struct e2e_log *lg, const char *path, const char *name,
             const void *features)
{
   return e2e_dev_open_ext(d, lg, path, name, features, NULL);
}

int
e2e_dev_open_ext(struct e2e_dev *d, struct e2e_log *lg, const char *path, const char *name,
                 const void *features, const char *extension)
{
   memset(d, 0, sizeof(*d));
   d->log = lg;
   struct pv_vnc *c = &d->c;
   OK(pv_vnc_open(c, path, name));
   return e2e_dev_start(d, lg, name, features, extension);
}

int
e2e_dev_start(struct e2e_dev *d, struct e2e_log *lg, const char *name, const void *features,
              const char *extension)
{
   d->log = lg;
   struct pv_vnc *c = &d->c;

   /* What Mesa's vkCreateInstance sends (docs/PROTOCOL.md §10). */
   uint32_t version = 0;
   struct pv_vkEnumerateInstanceVersion_args ev = { .pApiVersion = &version };
   OK(PV_VNC_CALL(c, vkEnumerateInstanceVersion, &ev));
   REQUIRE(ev.ret == VK_SUCCESS && version >= VK_API_VERSION_1_1);

   VkApplicationInfo app = {
      .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .pApplicationName = name,
      .apiVersion = VK_API_VERSION_1_3,
   };
   VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                .pApplicationInfo = &app };
   d->instance = pv_vnc_new_id(c);
   VkInstance inst = VK_NULL_HANDLE;
   struct pv_vkCreateInstance_args ci = {
      .pCreateInfo = &ici, .pInstance = &inst, .pInstance_ids = &d->instance, .pInstance_count = 1,
   };
   OK(PV_VNC_CALL(c, vkCreateInstance, &ci));
   REQUIRE(ci.ret == VK_SUCCESS && PV_VNC_ID(inst) == d->instance);

   uint32_t count = 0;
   struct pv_vkEnumeratePhysicalDevices_args ep = {
      .instance = E2E_H(VkInstance, d->instance), .pPhysicalDeviceCount = &count,
   };
   OK(PV_VNC_CALL(c, vkEnumeratePhysicalDevices, &ep));
   REQUIRE(ep.ret == VK_SUCCESS && count >= 1);
   uint64_t ids[8];
   VkPhysicalDevice pds[8];
   count = count > 8 ? 8 : count;
   for (uint32_t i = 0; i < count; i++)
      ids[i] = pv_vnc_new_id(c);
   ep.pPhysicalDevices = pds;
   ep.pPhysicalDevices_ids = ids;
   ep.pPhysicalDevices_count = count;
   OK(PV_VNC_CALL(c, vkEnumeratePhysicalDevices, &ep));
   REQUIRE(ep.ret == VK_SUCCESS || ep.ret == VK_INCOMPLETE);
   d->pdev = ids[0];
   REQUIRE(PV_VNC_ID(pds[0]) == ids[0]);

   /* queue families: one that does graphics and compute */
   uint32_t nfam = 0;
   struct pv_vkGetPhysicalDeviceQueueFamilyProperties2_args qf = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pQueueFamilyPropertyCount = &nfam,
   };
   OK(PV_VNC_CALL(c, vkGetPhysicalDeviceQueueFamilyProperties2, &qf));
   REQUIRE(nfam >= 1 && nfam <= 16);
   VkQueueFamilyProperties2 fams[16];
   for (uint32_t i = 0; i < nfam; i++)
      fams[i] = (VkQueueFamilyProperties2){ .sType = VK_STRUCTURE_TYPE_QUEUE_FAMILY_PROPERTIES_2 };
   qf.pQueueFamilyProperties = fams;
   OK(PV_VNC_CALL(c, vkGetPhysicalDeviceQueueFamilyProperties2, &qf));
   const VkQueueFlags want = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT;
   d->family = UINT32_MAX;
   for (uint32_t i = 0; i < nfam && d->family == UINT32_MAX; i++) {
      if ((fams[i].queueFamilyProperties.queueFlags & want) == want)
         d->family = i;
   }
   REQUIRE(d->family != UINT32_MAX);
   d->queue_count = fams[d->family].queueFamilyProperties.queueCount >= 2 ? 2 : 1;

   VkPhysicalDeviceMemoryProperties2 mp = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2 };
   struct pv_vkGetPhysicalDeviceMemoryProperties2_args gm = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pMemoryProperties = &mp,
   };
   OK(PV_VNC_CALL(c, vkGetPhysicalDeviceMemoryProperties2, &gm));
   d->mem = mp.memoryProperties;
   const VkMemoryPropertyFlags coherent = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                          VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
   d->coherent_type = UINT32_MAX;
   for (uint32_t i = 0; i < d->mem.memoryTypeCount && d->coherent_type == UINT32_MAX; i++) {
      if ((d->mem.memoryTypes[i].propertyFlags & coherent) == coherent)
         d->coherent_type = i;
   }
   REQUIRE(d->coherent_type != UINT32_MAX);

   const float prio[2] = { 1.0f, 1.0f };
   VkDeviceQueueCreateInfo qci = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, .queueFamilyIndex = d->family,
      .queueCount = d->queue_count, .pQueuePriorities = prio,
   };
   VkDeviceCreateInfo dci = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .pNext = features,
      .queueCreateInfoCount = 1, .pQueueCreateInfos = &qci,
      .enabledExtensionCount = extension ? 1 : 0, .ppEnabledExtensionNames = &extension,
   };
   d->device = pv_vnc_new_id(c);
   VkDevice dev = VK_NULL_HANDLE;
   struct pv_vkCreateDevice_args cd = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pCreateInfo = &dci, .pDevice = &dev,
      .pDevice_ids = &d->device, .pDevice_count = 1,
   };
   OK(PV_VNC_CALL(c, vkCreateDevice, &cd));
   REQUIRE(cd.ret == VK_SUCCESS && PV_VNC_ID(dev) == d->device);

   /* One vkGetDeviceQueue2 per queue, bound to ring_idx 1, 2 (§7). */
   for (uint32_t i = 0; i < d->queue_count; i++) {
      VkDeviceQueueTimelineInfoMESA tl = {
         .sType = (VkStructureType)STYPE_DEVICE_QUEUE_TIMELINE_INFO_MESA, .ringIdx = 1 + i,
      };
      VkDeviceQueueInfo2 qi = {
         .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_INFO_2, .pNext = &tl,
         .queueFamilyIndex = d->family, .queueIndex = i,
      };
      d->queues[i] = pv_vnc_new_id(c);
      VkQueue q = VK_NULL_HANDLE;
      struct pv_vkGetDeviceQueue2_args gq = {
         .device = E2E_H(VkDevice, d->device), .pQueueInfo = &qi, .pQueue = &q,
         .pQueue_ids = &d->queues[i], .pQueue_count = 1,
      };
      OK(PV_VNC_CALL(c, vkGetDeviceQueue2, &gq));
      REQUIRE(PV_VNC_ID(q) == d->queues[i]);
   }
   return 0;
}

int
e2e_dev_close(struct e2e_dev *d)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   if (d->device) {
      struct pv_vkDestroyDevice_args a = { .device = E2E_H(VkDevice, d->device) };
      E2E_OK(lg, c, PV_VNC_SEND(c, vkDestroyDevice, &a));
   }
   if (d->instance) {
      struct pv_vkDestroyInstance_args a = { .instance = E2E_H(VkInstance, d->instance) };
      E2E_OK(lg, c, PV_VNC_SEND(c, vkDestroyInstance, &a));
   }
   int ret = pv_vnc_close(c);
   E2E_OK(lg, c, ret);
   return ret;
}

/* ---- resources --------------------------------------------------------------------- */

/* A memory type of `type_bits`, the coherent host-visible one if it is
 * among them; UINT32_MAX if none. */
static uint32_t
memory_type(const struct e2e_dev *d, uint32_t type_bits)
{
   if (type_bits & (1u << d->coherent_type))
      return d->coherent_type;
   for (uint32_t i = 0; i < d->mem.memoryTypeCount; i++) {
      if (type_bits & (1u << i))
         return i;
   }
   return UINT32_MAX;
}

int
e2e_alloc_memory(struct e2e_dev *d, VkDeviceSize size, uint32_t type_bits, uint64_t *memory)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   uint32_t type = memory_type(d, type_bits);
   REQUIRE(type != UINT32_MAX);
   VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = size, .memoryTypeIndex = type };
   *memory = pv_vnc_new_id(c);
   struct pv_vkAllocateMemory_args a = {
      .device = E2E_H(VkDevice, d->device), .pAllocateInfo = &ai, .pMemory_ids = memory,
      .pMemory_count = 1,
   };
   OK(PV_VNC_SEND(c, vkAllocateMemory, &a)); /* Mesa: async on the ring */
   return 0;
}

int
e2e_image_create(struct e2e_dev *d, const VkImageCreateInfo *ii, const void *alloc_next,
                 uint64_t *image, uint64_t *memory)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkDevice dev = E2E_H(VkDevice, d->device);
   *image = pv_vnc_new_id(c);
   struct pv_vkCreateImage_args ci = { .device = dev, .pCreateInfo = ii, .pImage_ids = image,
                                       .pImage_count = 1 };
   OK(PV_VNC_CALL(c, vkCreateImage, &ci));
   REQUIRE(ci.ret == VK_SUCCESS);
   VkMemoryRequirements req = { 0 };
   struct pv_vkGetImageMemoryRequirements_args gr = {
      .device = dev, .image = E2E_H(VkImage, *image), .pMemoryRequirements = &req };
   OK(PV_VNC_CALL(c, vkGetImageMemoryRequirements, &gr));
   uint32_t type = memory_type(d, req.memoryTypeBits);
   REQUIRE(type != UINT32_MAX);
   VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .pNext = alloc_next, .allocationSize = req.size,
                               .memoryTypeIndex = type };
   *memory = pv_vnc_new_id(c);
   struct pv_vkAllocateMemory_args am = { .device = dev, .pAllocateInfo = &ai,
                                          .pMemory_ids = memory, .pMemory_count = 1 };
   OK(PV_VNC_CALL(c, vkAllocateMemory, &am));
   REQUIRE(am.ret == VK_SUCCESS);
   struct pv_vkBindImageMemory_args bm = { .device = dev, .image = E2E_H(VkImage, *image),
                                           .memory = E2E_H(VkDeviceMemory, *memory) };
   OK(PV_VNC_CALL(c, vkBindImageMemory, &bm));
   REQUIRE(bm.ret == VK_SUCCESS);
   return 0;
}

int
e2e_buffer_create(struct e2e_dev *d, VkDeviceSize size, VkBufferUsageFlags usage, bool keep_fd,
                  struct e2e_buffer *b)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   memset(b, 0, sizeof(*b));
   b->map.fd = -1;
   b->size = size;
   VkBufferCreateInfo bi = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size,
                             .usage = usage, .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
   b->buffer = pv_vnc_new_id(c);
   struct pv_vkCreateBuffer_args cb = {
      .device = E2E_H(VkDevice, d->device), .pCreateInfo = &bi, .pBuffer_ids = &b->buffer,
      .pBuffer_count = 1,
   };
   OK(PV_VNC_SEND(c, vkCreateBuffer, &cb));
   VkMemoryRequirements req = { 0 };
   struct pv_vkGetBufferMemoryRequirements_args gr = {
      .device = E2E_H(VkDevice, d->device), .buffer = E2E_H(VkBuffer, b->buffer),
      .pMemoryRequirements = &req,
   };
   OK(PV_VNC_CALL(c, vkGetBufferMemoryRequirements, &gr));
   REQUIRE(req.size >= size && req.memoryTypeBits & (1u << d->coherent_type));
   b->alloc_size = req.size;
   if (e2e_alloc_memory(d, req.size, 1u << d->coherent_type, &b->memory))
      return -1;
   struct pv_vkBindBufferMemory_args bm = {
      .device = E2E_H(VkDevice, d->device), .buffer = E2E_H(VkBuffer, b->buffer),
      .memory = E2E_H(VkDeviceMemory, b->memory),
   };
   OK(PV_VNC_CALL(c, vkBindBufferMemory, &bm));
   REQUIRE(bm.ret == VK_SUCCESS);
   OK(pv_vnc_map_memory(c, b->memory, b->alloc_size, keep_fd, &b->map));
   return 0;
}

void
e2e_buffer_destroy(struct e2e_dev *d, struct e2e_buffer *b)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   /* Mesa's order for a freed mapping: unref the blob, then vkFreeMemory. */
   pv_vnc_unmap_memory(c, &b->map);
   struct pv_vkDestroyBuffer_args db = { .device = E2E_H(VkDevice, d->device),
                                         .buffer = E2E_H(VkBuffer, b->buffer) };
   E2E_OK(lg, c, PV_VNC_SEND(c, vkDestroyBuffer, &db));
   struct pv_vkFreeMemory_args fm = { .device = E2E_H(VkDevice, d->device),
                                      .memory = E2E_H(VkDeviceMemory, b->memory) };
   E2E_OK(lg, c, PV_VNC_SEND(c, vkFreeMemory, &fm));
}

int
e2e_cmd_begin(struct e2e_dev *d, struct e2e_cmd *cb)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkCommandPoolCreateInfo pi = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .queueFamilyIndex = d->family };
   cb->pool = pv_vnc_new_id(c);
   struct pv_vkCreateCommandPool_args cp = {
      .device = E2E_H(VkDevice, d->device), .pCreateInfo = &pi, .pCommandPool_ids = &cb->pool,
      .pCommandPool_count = 1,
   };
   OK(PV_VNC_SEND(c, vkCreateCommandPool, &cp));
   VkCommandBufferAllocateInfo ai = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = E2E_H(VkCommandPool, cb->pool), .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = 1,
   };
   cb->cmd = pv_vnc_new_id(c);
   struct pv_vkAllocateCommandBuffers_args ac = {
      .device = E2E_H(VkDevice, d->device), .pAllocateInfo = &ai, .pCommandBuffers_ids = &cb->cmd,
      .pCommandBuffers_count = 1,
   };
   OK(PV_VNC_SEND(c, vkAllocateCommandBuffers, &ac));
   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
   struct pv_vkBeginCommandBuffer_args b = {
      .commandBuffer = E2E_H(VkCommandBuffer, cb->cmd), .pBeginInfo = &bi,
   };
   OK(PV_VNC_SEND(c, vkBeginCommandBuffer, &b));
   return 0;
}

int
e2e_cmd_end(struct e2e_dev *d, struct e2e_cmd *cb)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   struct pv_vkEndCommandBuffer_args e = { .commandBuffer = E2E_H(VkCommandBuffer, cb->cmd) };
   OK(PV_VNC_SEND(c, vkEndCommandBuffer, &e));
   return 0;
}

void
e2e_cmd_destroy(struct e2e_dev *d, struct e2e_cmd *cb)
{
   struct pv_vnc *c = &d->c;
   struct pv_vkDestroyCommandPool_args a = { .device = E2E_H(VkDevice, d->device),
                                             .commandPool = E2E_H(VkCommandPool, cb->pool) };
   E2E_OK(d->log, c, PV_VNC_SEND(c, vkDestroyCommandPool, &a));
}

int
e2e_shader(struct e2e_dev *d, const uint32_t *code, size_t bytes, uint64_t *module)
{
   struct pv_vnc *c = &d->c;
   struct e2e_log *lg = d->log;
   VkShaderModuleCreateInfo si = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = bytes, .pCode = code };
   *module = pv_vnc_new_id(c);
   struct pv_vkCreateShaderModule_args a = {
      .device = E2E_H(VkDevice, d->device), .pCreateInfo = &si, .pShaderModule_ids = module,
      .pShaderModule_count = 1,
   };
   OK(PV_VNC_SEND(c, vkCreateShaderModule, &a));
   return 0;
}
