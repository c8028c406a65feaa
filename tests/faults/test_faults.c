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
 *   - image regions past a buffer's end, past an image's edge, at a mip
 *     level the image lacks; and valid copies at the exact edges, which
 *     must pass and copy the right texels;
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

/* Memory freed while a buffer is still bound, then a copy into that
 * buffer executed: invalid, but the guest can do it, and lavapipe writes
 * through the memory's host pointer.  The memory must outlive its
 * bindings (memory.c), so the write lands in memory that is still ours;
 * the process lives and nothing leaks when the buffer goes. */
static void
fault_memory_freed_while_bound(void)
{
   struct e2e_log lg = { "victim-freed-memory", 0 };
   struct e2e_dev d;
   CHECK_EQ(e2e_dev_open(&d, &lg, srv.path, "victim-freed-memory", NULL), 0);
   struct pv_vnc *c = &d.c;
   struct e2e_cmd cb;
   struct e2e_buffer src, dst;
   CHECK_EQ(e2e_cmd_begin(&d, &cb), 0);
   CHECK_EQ(e2e_buffer_create(&d, 4096, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, false, &src), 0);
   CHECK_EQ(e2e_buffer_create(&d, 4096, VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &dst), 0);
   pv_vnc_unmap_memory(c, &dst.map);
   struct pv_vkFreeMemory_args fm = { .device = E2E_H(VkDevice, d.device),
                                      .memory = E2E_H(VkDeviceMemory, dst.memory) };
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkFreeMemory, &fm)));
   VkBufferCopy region = { .srcOffset = 0, .dstOffset = 0, .size = 4096 };
   struct pv_vkCmdCopyBuffer_args a = {
      .commandBuffer = E2E_H(VkCommandBuffer, cb.cmd), .srcBuffer = E2E_H(VkBuffer, src.buffer),
      .dstBuffer = E2E_H(VkBuffer, dst.buffer), .regionCount = 1, .pRegions = &region };
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkCmdCopyBuffer, &a)));
   CHECK_EQ(e2e_cmd_end(&d, &cb), 0);
   VkCommandBuffer h = E2E_H(VkCommandBuffer, cb.cmd);
   VkSubmitInfo sub = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                        .pCommandBuffers = &h };
   struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, d.queues[0]), .submitCount = 1,
                                       .pSubmits = &sub };
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkQueueSubmit, &qs)));
   struct pv_vkQueueWaitIdle_args wi = { .queue = E2E_H(VkQueue, d.queues[0]) };
   CHECK(E2E_OK(&lg, c, PV_VNC_CALL(c, vkQueueWaitIdle, &wi)));
   struct pv_vkDestroyBuffer_args db = { .device = E2E_H(VkDevice, d.device),
                                         .buffer = E2E_H(VkBuffer, dst.buffer) };
   CHECK(E2E_OK(&lg, c, PV_VNC_SEND(c, vkDestroyBuffer, &db)));
   CHECK_EQ(pv_vnc_wait_idle(c), 0);
   CHECK(!(pv_vnc_ring_status(c) & PV_RING_STATUS_FATAL));
   e2e_buffer_destroy(&d, &src);
   e2e_cmd_destroy(&d, &cb);
   CHECK_EQ(e2e_dev_close(&d), 0);
   CHECK_EQ(lg.failures, 0);
}

/* ---- image regions ---------------------------------------------------------------- */

/* A 64x64 RGBA8 image of 2 mip levels and 2 layers, bound to its memory:
 * level 1 is 32x32, which the edge cases below work against. */
#define IMG_W 64
#define IMG_BUF 4096
/* A 16x16 region at (16,16) of level 1, rows 20 texels apart in the
 * buffer: it addresses ((16 - 1) * 20 + 16) * 4 = 1264 bytes, so at this
 * offset it ends exactly at the buffer's end. */
#define EDGE_OFFSET (IMG_BUF - 1264)

struct image_client {
   struct e2e_log lg;
   struct e2e_dev d;
   struct e2e_cmd cb;
   struct e2e_buffer buf;
   uint64_t image;
};

static int
image_client_open(struct image_client *v, const char *name)
{
   v->lg = (struct e2e_log){ name, 0 };
   struct pv_vnc *c = &v->d.c;
   if (e2e_dev_open(&v->d, &v->lg, srv.path, name, NULL) || e2e_cmd_begin(&v->d, &v->cb) ||
       e2e_buffer_create(&v->d, IMG_BUF,
                         VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, false,
                         &v->buf))
      return -1;
   VkDevice dev = E2E_H(VkDevice, v->d.device);
   VkImageCreateInfo ii = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO, .imageType = VK_IMAGE_TYPE_2D,
      .format = VK_FORMAT_R8G8B8A8_UNORM, .extent = { IMG_W, IMG_W, 1 }, .mipLevels = 2,
      .arrayLayers = 2, .samples = VK_SAMPLE_COUNT_1_BIT, .tiling = VK_IMAGE_TILING_OPTIMAL,
      .usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT,
   };
   v->image = pv_vnc_new_id(c);
   struct pv_vkCreateImage_args ci = { .device = dev, .pCreateInfo = &ii,
                                       .pImage_ids = &v->image, .pImage_count = 1 };
   VkMemoryRequirements req = { 0 };
   struct pv_vkGetImageMemoryRequirements_args gr = {
      .device = dev, .image = E2E_H(VkImage, v->image), .pMemoryRequirements = &req };
   uint64_t mem;
   if (PV_VNC_SEND(c, vkCreateImage, &ci) || PV_VNC_CALL(c, vkGetImageMemoryRequirements, &gr) ||
       e2e_alloc_memory(&v->d, req.size, req.memoryTypeBits, &mem))
      return -1;
   struct pv_vkBindImageMemory_args bm = { .device = dev, .image = E2E_H(VkImage, v->image),
                                           .memory = E2E_H(VkDeviceMemory, mem) };
   if (PV_VNC_CALL(c, vkBindImageMemory, &bm) || bm.ret != VK_SUCCESS)
      return -1;
   return 0;
}

/* The last command made the client's context fatal, for reason `why`. */
static void
image_client_fatal(struct image_client *v, const char *why)
{
   pv_vnc_wait_seqno(&v->d.c, v->d.c.last_seqno);
   CHECK(pv_vnc_ring_status(&v->d.c) & PV_RING_STATUS_FATAL);
   if (!e2e_server_logged(&srv, v->lg.name, why))
      fprintf(stderr, "%s: no fatal reason with '%s' was logged\n", v->lg.name, why);
   CHECK(e2e_server_logged(&srv, v->lg.name, why));
   pv_vnc_abandon(&v->d.c);
}

static VkBufferImageCopy
edge_region(VkDeviceSize offset)
{
   return (VkBufferImageCopy){ .bufferOffset = offset, .bufferRowLength = 20,
                               .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 1, 1, 1 },
                               .imageOffset = { 16, 16, 0 }, .imageExtent = { 16, 16, 1 } };
}

/* One texel past the buffer's end: the driver would read past it. */
static void
fault_image_upload_out_of_range(void)
{
   struct image_client v;
   CHECK_EQ(image_client_open(&v, "victim-image-upload"), 0);
   VkBufferImageCopy r = edge_region(EDGE_OFFSET + 4);
   struct pv_vkCmdCopyBufferToImage_args a = {
      .commandBuffer = E2E_H(VkCommandBuffer, v.cb.cmd), .srcBuffer = E2E_H(VkBuffer, v.buf.buffer),
      .dstImage = E2E_H(VkImage, v.image), .dstImageLayout = VK_IMAGE_LAYOUT_GENERAL,
      .regionCount = 1, .pRegions = &r };
   PV_VNC_SEND(&v.d.c, vkCmdCopyBufferToImage, &a);
   image_client_fatal(&v, "outside its 4096-byte buffer");
}

/* A copy whose destination runs 16 texels past level 1's edge. */
static void
fault_image_copy_past_image(void)
{
   struct image_client v;
   CHECK_EQ(image_client_open(&v, "victim-image-copy"), 0);
   VkImageCopy r = { .srcSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
                     .dstSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 1 },
                     .dstOffset = { 16, 0, 0 }, .extent = { 32, 32, 1 } };
   VkImage img = E2E_H(VkImage, v.image);
   struct pv_vkCmdCopyImage_args a = {
      .commandBuffer = E2E_H(VkCommandBuffer, v.cb.cmd), .srcImage = img,
      .srcImageLayout = VK_IMAGE_LAYOUT_GENERAL, .dstImage = img,
      .dstImageLayout = VK_IMAGE_LAYOUT_GENERAL, .regionCount = 1, .pRegions = &r };
   PV_VNC_SEND(&v.d.c, vkCmdCopyImage, &a);
   image_client_fatal(&v, "x [16, +32) outside");
}

/* Mip level 2 of a 2-level image (lavapipe indexes its level array). */
static void
fault_image_bad_mip_level(void)
{
   struct image_client v;
   CHECK_EQ(image_client_open(&v, "victim-image-mip"), 0);
   VkBufferImageCopy r = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 2, 0, 1 },
                           .imageExtent = { 1, 1, 1 } };
   struct pv_vkCmdCopyImageToBuffer_args a = {
      .commandBuffer = E2E_H(VkCommandBuffer, v.cb.cmd), .srcImage = E2E_H(VkImage, v.image),
      .srcImageLayout = VK_IMAGE_LAYOUT_GENERAL, .dstBuffer = E2E_H(VkBuffer, v.buf.buffer),
      .regionCount = 1, .pRegions = &r };
   PV_VNC_SEND(&v.d.c, vkCmdCopyImageToBuffer, &a);
   image_client_fatal(&v, "mip level 2 of 2");
}

/* A framebuffer larger than its attachment (a view of level 1, 32x32):
 * lavapipe would render and clear 64x64 texels through it. */
static void
fault_framebuffer_past_attachment(void)
{
   struct image_client v;
   CHECK_EQ(image_client_open(&v, "victim-framebuffer"), 0);
   struct pv_vnc *c = &v.d.c;
   VkDevice dev = E2E_H(VkDevice, v.d.device);
   uint64_t view = pv_vnc_new_id(c), pass = pv_vnc_new_id(c), fb = pv_vnc_new_id(c);
   VkImageViewCreateInfo vi = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO, .image = E2E_H(VkImage, v.image),
      .viewType = VK_IMAGE_VIEW_TYPE_2D, .format = VK_FORMAT_R8G8B8A8_UNORM,
      .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 1, 1, 0, 1 } };
   struct pv_vkCreateImageView_args va = { .device = dev, .pCreateInfo = &vi,
                                           .pView_ids = &view, .pView_count = 1 };
   VkAttachmentDescription ad = { .format = VK_FORMAT_R8G8B8A8_UNORM,
                                  .samples = VK_SAMPLE_COUNT_1_BIT,
                                  .loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
                                  .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
                                  .stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                  .stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
                                  .finalLayout = VK_IMAGE_LAYOUT_GENERAL };
   VkAttachmentReference ref = { 0, VK_IMAGE_LAYOUT_GENERAL };
   VkSubpassDescription sp = { .pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
                               .colorAttachmentCount = 1, .pColorAttachments = &ref };
   VkRenderPassCreateInfo ri = { .sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
                                 .attachmentCount = 1, .pAttachments = &ad, .subpassCount = 1,
                                 .pSubpasses = &sp };
   struct pv_vkCreateRenderPass_args ra = { .device = dev, .pCreateInfo = &ri,
                                            .pRenderPass_ids = &pass, .pRenderPass_count = 1 };
   VkImageView h = E2E_H(VkImageView, view);
   VkFramebufferCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
                                  .renderPass = E2E_H(VkRenderPass, pass), .attachmentCount = 1,
                                  .pAttachments = &h, .width = IMG_W, .height = IMG_W,
                                  .layers = 1 };
   struct pv_vkCreateFramebuffer_args fa = { .device = dev, .pCreateInfo = &fi,
                                             .pFramebuffer_ids = &fb, .pFramebuffer_count = 1 };
   CHECK(E2E_OK(&v.lg, c, PV_VNC_SEND(c, vkCreateImageView, &va)));
   CHECK(E2E_OK(&v.lg, c, PV_VNC_SEND(c, vkCreateRenderPass, &ra)));
   PV_VNC_SEND(c, vkCreateFramebuffer, &fa);
   image_client_fatal(&v, "view of 32x32, 1 layers, is smaller than 64x64");
}

static void
transfer_barrier(struct image_client *v, VkImageLayout from, VkAccessFlags dst_access)
{
   VkImageMemoryBarrier ib = {
      .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER, .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
      .dstAccessMask = dst_access, .oldLayout = from, .newLayout = VK_IMAGE_LAYOUT_GENERAL,
      .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED, .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
      .image = E2E_H(VkImage, v->image),
      .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, VK_REMAINING_MIP_LEVELS, 0,
                            VK_REMAINING_ARRAY_LAYERS } };
   struct pv_vkCmdPipelineBarrier_args pb = {
      .commandBuffer = E2E_H(VkCommandBuffer, v->cb.cmd),
      .srcStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT,
      .dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT,
      .imageMemoryBarrierCount = 1, .pImageMemoryBarriers = &ib };
   CHECK_EQ(PV_VNC_SEND(&v->d.c, vkCmdPipelineBarrier, &pb), 0);
}

static void
submit_wait(struct image_client *v)
{
   struct pv_vnc *c = &v->d.c;
   VkDevice dev = E2E_H(VkDevice, v->d.device);
   CHECK_EQ(e2e_cmd_end(&v->d, &v->cb), 0);
   VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
   uint64_t fence = pv_vnc_new_id(c);
   struct pv_vkCreateFence_args cf = { .device = dev, .pCreateInfo = &fi, .pFence_ids = &fence,
                                       .pFence_count = 1 };
   CHECK_EQ(PV_VNC_SEND(c, vkCreateFence, &cf), 0);
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, v->cb.cmd);
   VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = &cmd };
   struct pv_vkQueueSubmit_args qs = { .queue = E2E_H(VkQueue, v->d.queues[0]), .submitCount = 1,
                                       .pSubmits = &si, .fence = E2E_H(VkFence, fence) };
   CHECK_EQ(PV_VNC_SEND(c, vkQueueSubmit, &qs), 0);
   VkFence f = E2E_H(VkFence, fence);
   struct pv_vkWaitForFences_args wf = { .device = dev, .fenceCount = 1, .pFences = &f,
                                         .waitAll = VK_TRUE, .timeout = 10000000000ull };
   CHECK_EQ(PV_VNC_CALL(c, vkWaitForFences, &wf), 0);
   CHECK_EQ(wf.ret, VK_SUCCESS);
}

/* Valid usage at the exact edges passes and copies the right texels: an
 * upload ending at the buffer's last byte into the corner of level 1,
 * layer 1; a copy to the same corner of layer 0 (VK_REMAINING_* in the
 * barriers and the clear); a read back (the *2 form) ending at the
 * buffer's last byte. */
static void
valid_image_edges(void)
{
   struct image_client v;
   CHECK_EQ(image_client_open(&v, "valid-image-edges"), 0);
   struct e2e_buffer out;
   CHECK_EQ(e2e_buffer_create(&v.d, 16 * 16 * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &out), 0);
   uint32_t *in = (uint32_t *)((uint8_t *)v.buf.map.map + EDGE_OFFSET);
   for (uint32_t y = 0; y < 16; y++)
      for (uint32_t x = 0; x < 16; x++)
         in[y * 20 + x] = 0xab000000u | y << 8 | x;
   VkCommandBuffer cmd = E2E_H(VkCommandBuffer, v.cb.cmd);
   VkImage img = E2E_H(VkImage, v.image);
   transfer_barrier(&v, VK_IMAGE_LAYOUT_UNDEFINED, VK_ACCESS_TRANSFER_WRITE_BIT);
   VkClearColorValue zero = { .uint32 = { 0 } };
   VkImageSubresourceRange all = { VK_IMAGE_ASPECT_COLOR_BIT, 0, VK_REMAINING_MIP_LEVELS, 0,
                                   VK_REMAINING_ARRAY_LAYERS };
   struct pv_vkCmdClearColorImage_args cl = { .commandBuffer = cmd, .image = img,
                                              .imageLayout = VK_IMAGE_LAYOUT_GENERAL,
                                              .pColor = &zero, .rangeCount = 1, .pRanges = &all };
   CHECK_EQ(PV_VNC_SEND(&v.d.c, vkCmdClearColorImage, &cl), 0);
   transfer_barrier(&v, VK_IMAGE_LAYOUT_GENERAL, VK_ACCESS_TRANSFER_WRITE_BIT);
   VkBufferImageCopy up = edge_region(EDGE_OFFSET);
   struct pv_vkCmdCopyBufferToImage_args ua = {
      .commandBuffer = cmd, .srcBuffer = E2E_H(VkBuffer, v.buf.buffer), .dstImage = img,
      .dstImageLayout = VK_IMAGE_LAYOUT_GENERAL, .regionCount = 1, .pRegions = &up };
   CHECK_EQ(PV_VNC_SEND(&v.d.c, vkCmdCopyBufferToImage, &ua), 0);
   transfer_barrier(&v, VK_IMAGE_LAYOUT_GENERAL, VK_ACCESS_TRANSFER_READ_BIT);
   VkImageCopy cp = { .srcSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 1, 1, 1 },
                      .srcOffset = { 16, 16, 0 },
                      .dstSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 1 },
                      .dstOffset = { 16, 16, 0 }, .extent = { 16, 16, 1 } };
   struct pv_vkCmdCopyImage_args ca = {
      .commandBuffer = cmd, .srcImage = img, .srcImageLayout = VK_IMAGE_LAYOUT_GENERAL,
      .dstImage = img, .dstImageLayout = VK_IMAGE_LAYOUT_GENERAL, .regionCount = 1, .pRegions = &cp };
   CHECK_EQ(PV_VNC_SEND(&v.d.c, vkCmdCopyImage, &ca), 0);
   transfer_barrier(&v, VK_IMAGE_LAYOUT_GENERAL, VK_ACCESS_TRANSFER_READ_BIT);
   VkBufferImageCopy2 down = { .sType = VK_STRUCTURE_TYPE_BUFFER_IMAGE_COPY_2,
                               .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 1, 0, 1 },
                               .imageOffset = { 16, 16, 0 }, .imageExtent = { 16, 16, 1 } };
   VkCopyImageToBufferInfo2 di = { .sType = VK_STRUCTURE_TYPE_COPY_IMAGE_TO_BUFFER_INFO_2,
                                   .srcImage = img, .srcImageLayout = VK_IMAGE_LAYOUT_GENERAL,
                                   .dstBuffer = E2E_H(VkBuffer, out.buffer), .regionCount = 1,
                                   .pRegions = &down };
   struct pv_vkCmdCopyImageToBuffer2_args da = { .commandBuffer = cmd,
                                                 .pCopyImageToBufferInfo = &di };
   CHECK_EQ(PV_VNC_SEND(&v.d.c, vkCmdCopyImageToBuffer2, &da), 0);
   transfer_barrier(&v, VK_IMAGE_LAYOUT_GENERAL, VK_ACCESS_HOST_READ_BIT);
   submit_wait(&v);
   CHECK(!(pv_vnc_ring_status(&v.d.c) & PV_RING_STATUS_FATAL));
   const uint32_t *got = out.map.map;
   int wrong = 0;
   for (uint32_t y = 0; y < 16; y++)
      for (uint32_t x = 0; x < 16; x++)
         wrong += got[y * 16 + x] != (0xab000000u | y << 8 | x);
   CHECK_EQ(wrong, 0);
   CHECK_EQ(e2e_dev_close(&v.d), 0);
   CHECK_EQ(v.lg.failures, 0);
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
                              fault_copy_out_of_range, fault_memory_freed_while_bound,
                              fault_image_upload_out_of_range,
                              fault_image_copy_past_image, fault_image_bad_mip_level,
                              fault_framebuffer_past_attachment,
                              valid_image_edges, fault_unknown_stype, fault_fd_flood,
                              fault_disconnect_in_blob_creation };
   const char *names[] = { "blob for unknown memory", "bad ring layouts", "huge sizes",
                           "copy past a buffer's end", "memory freed while bound",
                           "upload past a buffer's end",
                           "image copy past the image", "bad mip level",
                           "framebuffer past its view",
                           "valid copies at the edges", "unknown sType", "fd flood",
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
