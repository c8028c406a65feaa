/* vk_workload.c — see vk_workload.h. */
#include "bench/vk_workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/pv_platform.h"
#include "tests/client/client_vk.h"

#include "saxpy_spv.h"

void
pv_wl_native(struct pv_vkt *t)
{
#define VKT_NATIVE(n) t->n = vk##n;
   VKT_FUNCS(VKT_NATIVE)
#undef VKT_NATIVE
   t->client = NULL;
   t->name = "native";
   t->robust = false;
   t->extension = NULL;
   t->memory = PV_WL_MEMORY_DRIVER;
}

static void
pv_wl_native_device(struct pv_vkt *t, VkDevice dev)
{
#define VKT_DEVICE(n) t->n = (PFN_vk##n)vkGetDeviceProcAddr(dev, "vk" #n);
   VKT_DEVICE_FUNCS(VKT_DEVICE)
#undef VKT_DEVICE
}

void
pv_wl_through(struct pv_vkt *t, struct pv_vnc *c)
{
#define VKT_THROUGH(n) t->n = pv_cvk_vk##n;
   VKT_FUNCS(VKT_THROUGH)
#undef VKT_THROUGH
   t->client = c;
   t->robust = false;
   t->extension = NULL;
   t->memory = PV_WL_MEMORY_DRIVER;
   t->name = "through";
   pv_cvk_use(c);
}

int
pv_wl_map(struct pv_vkt *t, VkDevice dev, VkDeviceMemory mem, VkDeviceSize size, struct pv_wl_mapping *m)
{
   memset(m, 0, sizeof(*m));
   if (!t->client)
      return vkMapMemory(dev, mem, 0, VK_WHOLE_SIZE, 0, &m->ptr) == VK_SUCCESS ? 0 : -EIO;
   int ret = pv_vnc_map_memory(t->client, (uint64_t)(uintptr_t)mem, size, false, &m->blob);
   m->ptr = ret ? NULL : m->blob.map;
   return ret;
}

void
pv_wl_unmap(struct pv_vkt *t, VkDevice dev, VkDeviceMemory mem, struct pv_wl_mapping *m)
{
   if (!t->client)
      vkUnmapMemory(dev, mem);
   else
      pv_vnc_unmap_memory(t->client, &m->blob);
}

/* ---- a device with a compute pipeline ---------------------------------------- */

static bool
device_has(VkPhysicalDevice pd, const char *name)
{
   uint32_t n = 0;
   if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS)
      return false;
   VkExtensionProperties *e = calloc(n ? n : 1, sizeof(*e));
   bool found = false;
   if (e && vkEnumerateDeviceExtensionProperties(pd, NULL, &n, e) == VK_SUCCESS) {
      for (uint32_t i = 0; i < n && !found; i++)
         found = !strcmp(e[i].extensionName, name);
   }
   free(e);
   return found;
}

int
pv_wl_open_device(struct pv_wl_gpu *g)
{
   struct pv_vkt *t = g->t;
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .pApplicationName = "pv-venus bench", .apiVersion = VK_API_VERSION_1_1 };
   VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                .pApplicationInfo = &app };
   if (t->CreateInstance(&ici, NULL, &g->instance) != VK_SUCCESS)
      return -1;
   uint32_t n = 1;
   VkResult r = t->EnumeratePhysicalDevices(g->instance, &n, &g->pdev);
   if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || n < 1)
      return -1;
   t->GetPhysicalDeviceMemoryProperties(g->pdev, &g->mem);
   VkQueueFamilyProperties qf[16];
   uint32_t nq = 16;
   t->GetPhysicalDeviceQueueFamilyProperties(g->pdev, &nq, qf);
   g->family = UINT32_MAX;
   for (uint32_t i = 0; i < nq && g->family == UINT32_MAX; i++) {
      if (qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
         g->family = i;
   }
   if (g->family == UINT32_MAX)
      return -1;
   const float prio = 1.0f;
   VkDeviceQueueCreateInfo q = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                 .queueFamilyIndex = g->family, .queueCount = 1,
                                 .pQueuePriorities = &prio };
   VkPhysicalDeviceFeatures robust = { .robustBufferAccess = VK_TRUE };
   VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                              .queueCreateInfoCount = 1, .pQueueCreateInfos = &q,
                              .pEnabledFeatures = t->robust ? &robust : NULL };
   g->has_extension = t->extension && !t->client && device_has(g->pdev, t->extension);
   if (g->has_extension) {
      dci.enabledExtensionCount = 1;
      dci.ppEnabledExtensionNames = &t->extension;
   }
   if (t->CreateDevice(g->pdev, &dci, NULL, &g->dev) != VK_SUCCESS)
      return -1;
   if (!t->client)
      pv_wl_native_device(t, g->dev);
   t->GetDeviceQueue(g->dev, g->family, 0, &g->queue);
   return g->queue ? 0 : -1;
}

void
pv_wl_close_device(struct pv_wl_gpu *g)
{
   g->t->DestroyDevice(g->dev, NULL);
   g->t->DestroyInstance(g->instance, NULL);
}

int
pv_wl_open(struct pv_wl_gpu *g, struct pv_vkt *t)
{
   memset(g, 0, sizeof(*g));
   g->t = t;
   if (pv_wl_open_device(g))
      return -1;
   VkShaderModuleCreateInfo smci = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                     .codeSize = sizeof(pv_saxpy_spv), .pCode = pv_saxpy_spv };
   VkDescriptorSetLayoutBinding b[2] = {
      { 0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL },
      { 1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL },
   };
   VkDescriptorSetLayoutCreateInfo dslci = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, .bindingCount = 2, .pBindings = b };
   VkPushConstantRange pcr = { VK_SHADER_STAGE_COMPUTE_BIT, 0, 8 };
   VkPipelineLayoutCreateInfo plci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                       .setLayoutCount = 1, .pSetLayouts = &g->dsl,
                                       .pushConstantRangeCount = 1, .pPushConstantRanges = &pcr };
   VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 16 };
   VkDescriptorPoolCreateInfo dpci = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                       .maxSets = 8, .poolSizeCount = 1, .pPoolSizes = &ps };
   VkCommandPoolCreateInfo cpci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                    .queueFamilyIndex = g->family };
   VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   if (t->CreateShaderModule(g->dev, &smci, NULL, &g->shader) ||
       t->CreateDescriptorSetLayout(g->dev, &dslci, NULL, &g->dsl) ||
       t->CreatePipelineLayout(g->dev, &plci, NULL, &g->layout) ||
       t->CreateDescriptorPool(g->dev, &dpci, NULL, &g->dpool) ||
       t->CreateCommandPool(g->dev, &cpci, NULL, &g->cpool) ||
       t->CreateFence(g->dev, &fci, NULL, &g->fence))
      return -1;
   VkComputePipelineCreateInfo cci = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                 .stage = VK_SHADER_STAGE_COMPUTE_BIT, .module = g->shader, .pName = "main" },
      .layout = g->layout };
   return t->CreateComputePipelines(g->dev, VK_NULL_HANDLE, 1, &cci, NULL, &g->pipeline) ? -1 : 0;
}

void
pv_wl_close(struct pv_wl_gpu *g)
{
   struct pv_vkt *t = g->t;
   t->DestroyFence(g->dev, g->fence, NULL);
   t->DestroyCommandPool(g->dev, g->cpool, NULL);
   t->DestroyDescriptorPool(g->dev, g->dpool, NULL);
   t->DestroyPipeline(g->dev, g->pipeline, NULL);
   t->DestroyPipelineLayout(g->dev, g->layout, NULL);
   t->DestroyDescriptorSetLayout(g->dev, g->dsl, NULL);
   t->DestroyShaderModule(g->dev, g->shader, NULL);
   pv_wl_close_device(g);
}

VkCommandBuffer
pv_wl_cmd(struct pv_wl_gpu *g)
{
   VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = g->cpool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1 };
   VkCommandBuffer cb = VK_NULL_HANDLE;
   g->t->AllocateCommandBuffers(g->dev, &ai, &cb);
   return cb;
}

/* Submit (cb may be NULL: an empty submit) and wait for the fence. */
void
pv_wl_submit_wait(struct pv_wl_gpu *g, VkCommandBuffer cb)
{
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = cb ? 1 : 0,
                       .pCommandBuffers = cb ? &cb : NULL };
   g->t->QueueSubmit(g->queue, 1, &si, g->fence);
   g->t->WaitForFences(g->dev, 1, &g->fence, VK_TRUE, UINT64_MAX);
   g->t->ResetFences(g->dev, 1, &g->fence);
}

/* Imported memory starts on, and spans, whole huge pages: a multiple of
 * any driver's minImportedHostPointerAlignment. */
#define HOST_ALIGN ((size_t)2 << 20)

static void
host_free(struct pv_wl_buffer *b)
{
   if (b->host_fd >= 0) {
      pv_shm_unmap(b->host, b->host_size);
      pv_close(b->host_fd);
   } else if (b->host) {
      munmap(b->host, b->host_size);
   }
   b->host = NULL;
   b->host_fd = -1;
}

/* Private anonymous memory at a HOST_ALIGN boundary, asked for on huge
 * pages (transparent huge pages; the kernel may still give small ones). */
static void *
huge_alloc(size_t size)
{
#ifdef MADV_HUGEPAGE
   uint8_t *p = mmap(NULL, size + HOST_ALIGN, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
   if (p == MAP_FAILED)
      return NULL;
   uint8_t *a = (uint8_t *)(((uintptr_t)p + HOST_ALIGN - 1) & ~(uintptr_t)(HOST_ALIGN - 1));
   if (a > p)
      munmap(p, (size_t)(a - p));
   if (p + HOST_ALIGN > a)
      munmap(a + size, (size_t)(p + HOST_ALIGN - a));
   madvise(a, size, MADV_HUGEPAGE);
   return a;
#else
   (void)size;
   return NULL; /* no transparent huge pages to ask for */
#endif
}

static int
host_alloc(enum pv_wl_memory kind, size_t size, struct pv_wl_buffer *b)
{
   b->host_size = size;
   if (kind == PV_WL_MEMORY_SHARED) {
      int fd = pv_shm_create("pv-venus-bench", size);
      b->host = fd >= 0 ? pv_shm_map_aligned(fd, size, HOST_ALIGN) : NULL;
      if (b->host)
         b->host_fd = fd;
      else if (fd >= 0)
         pv_close(fd);
   } else {
      b->host = huge_alloc(size);
   }
   return b->host ? 0 : -1;
}

static uint32_t
host_visible_type(const struct pv_wl_gpu *g, uint32_t bits)
{
   const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                      VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
   for (uint32_t i = 0; i < g->mem.memoryTypeCount; i++)
      if ((bits & (1u << i)) && (g->mem.memoryTypes[i].propertyFlags & want) == want)
         return i;
   return UINT32_MAX;
}

/* The buffer's memory from host memory of kind t->memory, imported. */
static int
import_host_memory(struct pv_wl_gpu *g, const VkMemoryRequirements *req, struct pv_wl_buffer *b)
{
   PFN_vkGetMemoryHostPointerPropertiesEXT props = (PFN_vkGetMemoryHostPointerPropertiesEXT)
      vkGetDeviceProcAddr(g->dev, "vkGetMemoryHostPointerPropertiesEXT");
   size_t size = ((size_t)req->size + HOST_ALIGN - 1) & ~(HOST_ALIGN - 1);
   if (!g->has_extension || !props || host_alloc(g->t->memory, size, b))
      return -1;
   VkMemoryHostPointerPropertiesEXT hp = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT };
   if (props(g->dev, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, b->host, &hp))
      return -1;
   VkImportMemoryHostPointerInfoEXT import = {
      .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
      .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
      .pHostPointer = b->host };
   VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .pNext = &import,
                                .allocationSize = size,
                                .memoryTypeIndex = host_visible_type(g, req->memoryTypeBits &
                                                                           hp.memoryTypeBits) };
   if (mai.memoryTypeIndex == UINT32_MAX || g->t->AllocateMemory(g->dev, &mai, NULL, &b->mem))
      return -1;
   return 0;
}

int
pv_wl_buffer_create(struct pv_wl_gpu *g, VkDeviceSize size, struct pv_wl_buffer *b)
{
   struct pv_vkt *t = g->t;
   memset(b, 0, sizeof(*b));
   b->host_fd = -1;
   VkBufferCreateInfo bci = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size,
                              .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT };
   if (t->CreateBuffer(g->dev, &bci, NULL, &b->buf))
      return -1;
   VkMemoryRequirements req;
   t->GetBufferMemoryRequirements(g->dev, b->buf, &req);
   b->size = req.size;
   int ret;
   if (!t->client && t->memory != PV_WL_MEMORY_DRIVER) {
      ret = import_host_memory(g, &req, b);
   } else {
      VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                   .allocationSize = req.size,
                                   .memoryTypeIndex = host_visible_type(g, req.memoryTypeBits) };
      ret = mai.memoryTypeIndex == UINT32_MAX || t->AllocateMemory(g->dev, &mai, NULL, &b->mem);
   }
   if (!ret && !t->BindBufferMemory(g->dev, b->buf, b->mem, 0) &&
       !pv_wl_map(t, g->dev, b->mem, req.size, &b->map))
      return 0;
   t->DestroyBuffer(g->dev, b->buf, NULL);
   if (b->mem)
      t->FreeMemory(g->dev, b->mem, NULL);
   host_free(b);
   return -1;
}

long
pv_wl_buffer_huge_kb(const struct pv_wl_buffer *b)
{
   FILE *f = b->host ? fopen("/proc/self/smaps", "r") : NULL;
   if (!f)
      return -1;
   char line[256];
   long kb = -1;
   bool in = false;
   while (fgets(line, sizeof(line), f)) {
      unsigned long lo, hi;
      if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
         in = lo <= (uintptr_t)b->host && (uintptr_t)b->host < hi;
      else if (in && (!strncmp(line, "AnonHugePages:", 14) ||
                      !strncmp(line, "ShmemPmdMapped:", 15)))
         kb = (kb < 0 ? 0 : kb) + strtol(strchr(line, ':') + 1, NULL, 10);
   }
   fclose(f);
   return kb;
}

void
pv_wl_buffer_destroy(struct pv_wl_gpu *g, struct pv_wl_buffer *b)
{
   pv_wl_unmap(g->t, g->dev, b->mem, &b->map);
   g->t->DestroyBuffer(g->dev, b->buf, NULL);
   g->t->FreeMemory(g->dev, b->mem, NULL);
   host_free(b);
}

VkDescriptorSet
pv_wl_saxpy_set(struct pv_wl_gpu *g, struct pv_wl_buffer *x, struct pv_wl_buffer *y)
{
   VkDescriptorSetAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                      .descriptorPool = g->dpool, .descriptorSetCount = 1,
                                      .pSetLayouts = &g->dsl };
   VkDescriptorSet set = VK_NULL_HANDLE;
   g->t->AllocateDescriptorSets(g->dev, &ai, &set);
   VkDescriptorBufferInfo bi[2] = { { x->buf, 0, VK_WHOLE_SIZE }, { y->buf, 0, VK_WHOLE_SIZE } };
   VkWriteDescriptorSet w[2];
   for (int i = 0; i < 2; i++)
      w[i] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, .dstSet = set,
                                     .dstBinding = (uint32_t)i, .descriptorCount = 1,
                                     .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                     .pBufferInfo = &bi[i] };
   g->t->UpdateDescriptorSets(g->dev, 2, w, 0, NULL);
   return set;
}

void
pv_wl_record_saxpy(struct pv_wl_gpu *g, VkCommandBuffer cb, VkDescriptorSet set, uint32_t n, float a)
{
   struct pv_vkt *t = g->t;
   struct {
      float a;
      uint32_t n;
   } pc = { a, n };
   VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
   t->BeginCommandBuffer(cb, &bi);
   t->CmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->pipeline);
   t->CmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, g->layout, 0, 1, &set, 0, NULL);
   t->CmdPushConstants(cb, g->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(pc), &pc);
   t->CmdDispatch(cb, (n + 255) / 256, 1, 1);
   t->EndCommandBuffer(cb);
}

