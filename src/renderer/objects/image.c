/*
 * image.c — images, and the checks that keep image regions inside their
 * images and buffers.
 *
 * The host driver trusts valid usage: lavapipe turns the regions of a
 * copy, blit, resolve or clear into memcpy-like loops over the image's and
 * the buffer's memory, so a guest that names a mip level, layer or texel
 * past an image's end, or buffer bytes past a buffer's end, makes the
 * driver read or write the server's own memory.  Every guest-given region
 * the driver turns into a memory access is checked here against what
 * vkCreateImage asked for (and buffers against their size, buffer.c), and
 * every image against the memory it is bound to; a violation makes the
 * context fatal before the driver sees it.  Shader accesses are kept in
 * bounds by robustImageAccess, turned on at device creation.
 *
 * The checks are in texel blocks (what the driver addresses), so that a
 * valid region at a compressed image's ragged edge passes.
 */
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "renderer/objects/buffer.h"
#include "renderer/handlers.h"
#include "renderer/objects/image.h"
#include "renderer/objects/wsi_emulation.h"
#include "renderer/objects/memory.h"
#include "renderer/vk/passthrough.h"
#include "renderer/vk/vk_context.h"

/* The shape of a new image against VkImageCreateInfo's rules and what the
 * device reports for its format, type, tiling, usage and flags: drivers
 * lay images out from these numbers unchecked (lavapipe asserts on a zero
 * extent or level count, then computes with it). */
static bool
image_create_ok(struct pv_dispatcher *d, const struct pv_device *dev, const VkImageCreateInfo *ci)
{
   const VkExtent3D *e = &ci->extent;
   uint32_t largest = e->width > e->height ? e->width : e->height;
   largest = largest > e->depth ? largest : e->depth;
   uint32_t max_levels = 1;
   while (max_levels < 32 && (largest >> max_levels))
      max_levels++;
   if (!e->width || !e->height || !e->depth || !ci->mipLevels || !ci->arrayLayers ||
       (ci->imageType == VK_IMAGE_TYPE_1D && (e->height != 1 || e->depth != 1)) ||
       (ci->imageType == VK_IMAGE_TYPE_2D && e->depth != 1) ||
       (ci->imageType == VK_IMAGE_TYPE_3D && ci->arrayLayers != 1) ||
       ci->mipLevels > max_levels)
      return pv_dispatch_fail(d, "image type %d of %ux%ux%u, %u levels, %u layers",
                              (int)ci->imageType, e->width, e->height, e->depth, ci->mipLevels,
                              ci->arrayLayers), false;
   if (((ci->flags & VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT) &&
        (ci->imageType != VK_IMAGE_TYPE_2D || e->width != e->height || ci->arrayLayers < 6)) ||
       ((ci->flags & VK_IMAGE_CREATE_2D_ARRAY_COMPATIBLE_BIT) && ci->imageType != VK_IMAGE_TYPE_3D))
      return pv_dispatch_fail(d, "image flags 0x%x do not fit type %d, %ux%u, %u layers",
                              ci->flags, (int)ci->imageType, e->width, e->height, ci->arrayLayers),
             false;
   if (ci->tiling == VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT)
      return true; /* its limits need the modifier: the driver's own query */
   VkImageFormatProperties fp;
   VkResult r = vkGetPhysicalDeviceImageFormatProperties(dev->pdev->handle, ci->format,
                                                         ci->imageType, ci->tiling, ci->usage,
                                                         ci->flags, &fp);
   if (r != VK_SUCCESS)
      return pv_dispatch_fail(d, "format %d is not supported for this image (%d)",
                              (int)ci->format, (int)r), false;
   if (e->width > fp.maxExtent.width || e->height > fp.maxExtent.height ||
       e->depth > fp.maxExtent.depth || ci->mipLevels > fp.maxMipLevels ||
       ci->arrayLayers > fp.maxArrayLayers || !(ci->samples & fp.sampleCounts))
      return pv_dispatch_fail(d, "image of %ux%ux%u, %u levels, %u layers, %u samples beyond "
                              "format %d's %ux%ux%u, %u, %u, 0x%x", e->width, e->height,
                              e->depth, ci->mipLevels, ci->arrayLayers, (unsigned)ci->samples,
                              (int)ci->format, fp.maxExtent.width, fp.maxExtent.height,
                              fp.maxExtent.depth, fp.maxMipLevels, fp.maxArrayLayers,
                              (unsigned)fp.sampleCounts), false;
   return true;
}

void
pv_handle_vkCreateImage(struct pv_dispatcher *d, struct pv_vkCreateImage_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   const VkImageCreateInfo *ci = a->pCreateInfo;
   if (!dev || !ci || !a->pImage)
      return pv_dispatch_fail(d, "device, pCreateInfo or pImage is NULL");
   struct pv_wsi_image wsi; /* a served modifier becomes linear tiling */
   a->ret = pv_wsi_image_create_info(dev->pdev, (VkImageCreateInfo *)ci, &wsi);
   if (a->ret != VK_SUCCESS || !image_create_ok(d, dev, ci))
      return;
   struct pv_image *img = calloc(1, sizeof(*img));
   if (!img)
      return pv_dispatch_fail(d, "out of memory");
   a->ret = dev->table.CreateImage(dev->handle, ci, NULL, a->pImage);
   if (a->ret == VK_SUCCESS && (a->ret = pv_wsi_image_created(dev, &wsi, *a->pImage)) != VK_SUCCESS)
      dev->table.DestroyImage(dev->handle, *a->pImage, NULL);
   if (a->ret != VK_SUCCESS) {
      free(img);
      return;
   }
   img->linear_modifier = wsi.linear_modifier;
   img->type = ci->imageType;
   img->format = ci->format;
   img->fmt = pv_format_info(ci->format);
   img->extent = ci->extent;
   /* Dimensions a type does not have count as 1 (what valid usage says
    * they are), so a region is never checked against more than the
    * driver allocated. */
   if (ci->imageType != VK_IMAGE_TYPE_3D)
      img->extent.depth = 1;
   if (ci->imageType == VK_IMAGE_TYPE_1D)
      img->extent.height = 1;
   img->mip_levels = ci->mipLevels;
   img->array_layers = ci->arrayLayers;
   img->samples = ci->samples;
   img->flags = ci->flags;
   img->usage = ci->usage;
   img->obj = (struct pv_vk_object){ { a->pImage_ids[0], VK_OBJECT_TYPE_IMAGE, (uint64_t)*a->pImage },
                                     dev, 0, 0 };
   if (!pv_dispatch_bind(d, &img->obj.base)) {
      dev->table.DestroyImage(dev->handle, *a->pImage, NULL);
      free(img);
   }
}

/* ---- binding ------------------------------------------------------------------ */

static const VkBindImagePlaneMemoryInfo *
plane_info(const void *next)
{
   for (const VkBaseInStructure *s = next; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_BIND_IMAGE_PLANE_MEMORY_INFO)
         return (const VkBindImagePlaneMemoryInfo *)s;
   }
   return NULL;
}

/* A bind must leave the whole image (or the disjoint plane being bound)
 * inside the memory; the image then holds a reference to it.  A v2 bind
 * may name an image bound already: each plane of a disjoint image binds
 * separately, and the image holds one reference, to the first plane's
 * memory.  False after failing. */
static bool
image_bind_ok(struct pv_dispatcher *d, struct pv_device *dev, struct pv_image *img,
              const VkBindImageMemoryInfo *b, bool v2)
{
   const VkBindImagePlaneMemoryInfo *plane = plane_info(b->pNext);
   VkMemoryRequirements2 req = { .sType = VK_STRUCTURE_TYPE_MEMORY_REQUIREMENTS_2 };
   if (plane) {
      if (!dev->table.GetImageMemoryRequirements2) {
         pv_dispatch_fail(d, "plane bind without host vkGetImageMemoryRequirements2");
         return false;
      }
      VkImagePlaneMemoryRequirementsInfo pi = {
         .sType = VK_STRUCTURE_TYPE_IMAGE_PLANE_MEMORY_REQUIREMENTS_INFO,
         .planeAspect = plane->planeAspect };
      VkImageMemoryRequirementsInfo2 info = {
         .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_REQUIREMENTS_INFO_2, .pNext = &pi,
         .image = b->image };
      dev->table.GetImageMemoryRequirements2(dev->handle, &info, &req);
   } else {
      dev->table.GetImageMemoryRequirements(dev->handle, b->image, &req.memoryRequirements);
   }
   return pv_bind_fits(d, b->memory, b->memoryOffset, req.memoryRequirements.size, "image") &&
          ((v2 && img->memory) || pv_memory_bind(d, &img->memory, b->memory));
}

/* Checked as one bind of a vkBindImageMemory2 without a plane, except
 * that the image must not be bound yet. */
void
pv_handle_vkBindImageMemory(struct pv_dispatcher *d, struct pv_vkBindImageMemory_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->image_obj || !a->memory_obj)
      return pv_dispatch_fail(d, "device, image or memory is NULL");
   VkBindImageMemoryInfo b = { VK_STRUCTURE_TYPE_BIND_IMAGE_MEMORY_INFO, NULL, a->image,
                               a->memory, a->memoryOffset };
   if (image_bind_ok(d, dev, (struct pv_image *)a->image_obj, &b, false))
      a->ret = dev->table.BindImageMemory(dev->handle, a->image, a->memory, a->memoryOffset);
}

void
pv_handle_vkBindImageMemory2(struct pv_dispatcher *d, struct pv_vkBindImageMemory2_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   if (!dev || !a->pBindInfos || !dev->table.BindImageMemory2)
      return pv_dispatch_fail(d, "device or pBindInfos is NULL, or no host vkBindImageMemory2");
   for (uint32_t i = 0; i < a->bindInfoCount; i++) {
      const VkBindImageMemoryInfo *b = &a->pBindInfos[i];
      struct pv_image *img = (struct pv_image *)pv_object_table_lookup_handle(
         &d->vk->objects, VK_OBJECT_TYPE_IMAGE, (uint64_t)b->image);
      /* A null memory is valid only with a swapchain, which Venus lacks. */
      if (!b->image || !img || !image_bind_ok(d, dev, img, b, true))
         return pv_dispatch_fail(d, "bind %u is invalid", i);
   }
   a->ret = dev->table.BindImageMemory2(dev->handle, a->bindInfoCount, a->pBindInfos);
}

/* ---- what a check is about, for the fatal message ---------------------------- */

struct where {
   struct pv_dispatcher *d;
   const char *what;  /* "region", "range" */
   uint32_t index;
   const char *side;  /* "source image", "destination buffer", … */
};

static bool
bad(const struct where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
bad(const struct where *w, const char *fmt, ...)
{
   char msg[160];
   va_list ap;
   va_start(ap, fmt);
   vsnprintf(msg, sizeof(msg), fmt, ap);
   va_end(ap);
   pv_dispatch_fail(w->d, "%s %u: %s: %s", w->what, w->index, w->side, msg);
   return false;
}

static struct pv_image *
any_image_of(struct pv_dispatcher *d, struct pv_object *obj, VkImage handle)
{
   if (!obj && handle)
      obj = pv_object_table_lookup_handle(&d->vk->objects, VK_OBJECT_TYPE_IMAGE, (uint64_t)handle);
   if (!obj)
      pv_dispatch_fail(d, "an image is NULL or unknown");
   return (struct pv_image *)obj;
}

/* An image that commands may touch: one without memory has no storage
 * behind it, and lavapipe would write through a null base. */
struct pv_image *
pv_image_of(struct pv_dispatcher *d, struct pv_object *obj, VkImage handle)
{
   struct pv_image *img = any_image_of(d, obj, handle);
   if (img && !img->memory && !(img->flags & VK_IMAGE_CREATE_SPARSE_BINDING_BIT)) {
      pv_dispatch_fail(d, "an image is used before it is bound to memory");
      return NULL;
   }
   return img;
}

static struct pv_device *
cmd_device(struct pv_dispatcher *d, struct pv_object *cb)
{
   struct pv_device *dev = cb ? ((struct pv_vk_object *)cb)->device : NULL;
   if (!dev)
      pv_dispatch_fail(d, "commandBuffer is NULL");
   return dev;
}

static uint64_t
ceil_div(uint64_t a, uint64_t b)
{
   return a / b + (a % b != 0);
}

/* A dimension of mip level `level` (level < 32 is not guaranteed: the
 * driver may accept any mipLevels). */
static uint32_t
mip_dim(uint32_t dim, uint32_t level)
{
   uint32_t d = level < 32 ? dim >> level : 0;
   return d ? d : 1;
}

/* ---- the part of an image a region names --------------------------------------- */

/* How an aspect of an image is laid out: texel block (bytes in a buffer
 * copy, extent in texels) and subsampling (planes of multi-planar formats). */
struct aspect_geom {
   uint32_t elem, bw, bh, bd;
   uint32_t w_div, h_div;
};

static const VkImageAspectFlags plane_bits[3] = { VK_IMAGE_ASPECT_PLANE_0_BIT,
                                                  VK_IMAGE_ASPECT_PLANE_1_BIT,
                                                  VK_IMAGE_ASPECT_PLANE_2_BIT };

/* The geometry of `aspect` of img; false if the format lacks it.  A copy
 * between images may name depth and stencil together; every other region
 * names one aspect. */
static bool
aspect_geom(const struct pv_image *img, VkImageAspectFlags aspect, struct aspect_geom *g)
{
   const struct pv_format_info *f = img->fmt;
   *g = (struct aspect_geom){ f->block_size, f->block_w, f->block_h, f->block_d, 1, 1 };
   if (f->planes) {
      for (uint32_t i = 0; i < f->planes; i++) {
         if (aspect == plane_bits[i]) {
            *g = (struct aspect_geom){ f->plane[i].block_size, 1, 1, 1, f->plane[i].w_div,
                                       f->plane[i].h_div };
            return true;
         }
      }
      return false;
   }
   if (!f->depth_size && !f->stencil)
      return aspect == VK_IMAGE_ASPECT_COLOR_BIT;
   if (aspect == VK_IMAGE_ASPECT_DEPTH_BIT && f->depth_size)
      g->elem = f->depth_size;
   else if (aspect == VK_IMAGE_ASPECT_STENCIL_BIT && f->stencil)
      g->elem = 1;
   else if (aspect != (VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT) ||
            !f->depth_size || !f->stencil)
      return false;
   return true;
}

/* The layers a subresource names, VK_REMAINING_ARRAY_LAYERS resolved
 * (maintenance5 allows it in copies). */
static bool
layers_ok(const struct where *w, const struct pv_image *img, uint32_t base, uint32_t count,
          uint32_t *resolved)
{
   if (base < img->array_layers && count == VK_REMAINING_ARRAY_LAYERS)
      count = img->array_layers - base;
   if (count == 0 || base >= img->array_layers || count > img->array_layers - base)
      return bad(w, "layers [%u, +%u) outside its %u array layers", base, count,
                 img->array_layers);
   *resolved = count;
   return true;
}

/* [off, off + ext) inside [0, dim) texels, compared in whole blocks of
 * `b` texels: the driver addresses blocks, and a region at a compressed
 * image's edge may end inside the last block. */
static bool
axis_ok(const struct where *w, char axis, int32_t off, uint64_t ext, uint32_t dim, uint32_t b)
{
   if (off < 0 || ceil_div((uint64_t)off + ext, b) > ceil_div(dim, b))
      return bad(w, "%c [%d, +%llu) outside the level's %u texels", axis, off,
                 (unsigned long long)ext, dim);
   return true;
}

/* One image side of a region: mip level, layers, aspect and texels. */
struct image_side {
   const struct pv_image *img;
   const VkImageSubresourceLayers *sub;
   VkOffset3D off;
   uint64_t w, h, d;     /* extent in this image's texels */
   bool depth_is_layers; /* a 2D side of a copy with a 3D image: depth counts layers */
   struct aspect_geom g; /* out */
   uint32_t layers;      /* out */
};

static bool
image_side_ok(const struct where *w, struct image_side *s)
{
   const struct pv_image *img = s->img;
   if (!img->fmt)
      return bad(w, "image format %d is unknown", (int)img->format);
   if (s->sub->mipLevel >= img->mip_levels)
      return bad(w, "mip level %u of %u", s->sub->mipLevel, img->mip_levels);
   if (!layers_ok(w, img, s->sub->baseArrayLayer, s->sub->layerCount, &s->layers))
      return false;
   if (s->depth_is_layers && (s->off.z != 0 || s->d > img->array_layers - s->sub->baseArrayLayer))
      return bad(w, "depth %llu at z %d is more than its layers",
                 (unsigned long long)s->d, s->off.z);
   if (!aspect_geom(img, s->sub->aspectMask, &s->g))
      return bad(w, "aspect mask 0x%x does not fit format %d", s->sub->aspectMask,
                 (int)img->format);
   uint32_t lv = s->sub->mipLevel;
   return axis_ok(w, 'x', s->off.x, s->w, (uint32_t)ceil_div(mip_dim(img->extent.width, lv), s->g.w_div), s->g.bw) &&
          axis_ok(w, 'y', s->off.y, s->h, (uint32_t)ceil_div(mip_dim(img->extent.height, lv), s->g.h_div), s->g.bh) &&
          (s->depth_is_layers ||
           axis_ok(w, 'z', s->off.z, s->d, mip_dim(img->extent.depth, lv), s->g.bd));
}

/* ---- buffer <-> image copies ---------------------------------------------------- */

/* The end of the bytes a buffer<->image region addresses (Vulkan spec,
 * "Buffer and Image Addressing"): blocks in rows of bufferRowLength
 * texels, rows in images of bufferImageHeight rows (0: tight), one image
 * per depth slice and layer; the last block addressed ends the range.
 * False on overflow. */
static bool
buffer_end(const VkBufferImageCopy *r, const struct aspect_geom *g, uint32_t layers, uint64_t *end)
{
   const VkExtent3D *e = &r->imageExtent;
   uint64_t bw = ceil_div(e->width, g->bw), bh = ceil_div(e->height, g->bh);
   uint64_t slices = ceil_div(e->depth, g->bd) * layers; /* < 2^64: both < 2^32 */
   *end = r->bufferOffset;
   if (!bw || !bh || !slices)
      return true; /* nothing addressed */
   uint64_t row = ceil_div(r->bufferRowLength ? r->bufferRowLength : e->width, g->bw);
   uint64_t rows = ceil_div(r->bufferImageHeight ? r->bufferImageHeight : e->height, g->bh);
   uint64_t n;
   return !__builtin_mul_overflow(slices - 1, rows, &n) && !__builtin_add_overflow(n, bh - 1, &n) &&
          !__builtin_mul_overflow(n, row, &n) && !__builtin_add_overflow(n, bw, &n) &&
          !__builtin_mul_overflow(n, g->elem, &n) && !__builtin_add_overflow(n, r->bufferOffset, end);
}

bool
pv_image_memory_region_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *img,
                          const VkBufferImageCopy *r, uint64_t bytes, bool to_image,
                          const char *memory)
{
   struct where w = { d, "region", i, to_image ? "destination image" : "source image" };
   if (__builtin_popcount(r->imageSubresource.aspectMask) != 1)
      return bad(&w, "aspect mask 0x%x is not one aspect", r->imageSubresource.aspectMask);
   struct image_side s = { img, &r->imageSubresource, r->imageOffset, r->imageExtent.width,
                           r->imageExtent.height, r->imageExtent.depth, false, { 0 }, 0 };
   if (!image_side_ok(&w, &s))
      return false;
   char side[48];
   snprintf(side, sizeof(side), "%s %s", to_image ? "source" : "destination", memory);
   w.side = side;
   uint64_t end;
   if (!buffer_end(r, &s.g, s.layers, &end))
      return bad(&w, "its byte range overflows");
   if (end > bytes)
      return bad(&w, "bytes [%llu, %llu) outside its %llu-byte %s",
                 (unsigned long long)r->bufferOffset, (unsigned long long)end,
                 (unsigned long long)bytes, memory);
   return true;
}

/* Region i of a VkBufferImageCopy array or (v2) a VkBufferImageCopy2 one,
 * which has the same fields behind sType and pNext. */
static VkBufferImageCopy
buffer_image_at(const void *regions, uint32_t i, bool v2)
{
   if (!v2)
      return ((const VkBufferImageCopy *)regions)[i];
   const VkBufferImageCopy2 *r = (const VkBufferImageCopy2 *)regions + i;
   return (VkBufferImageCopy){ r->bufferOffset, r->bufferRowLength, r->bufferImageHeight,
                               r->imageSubresource, r->imageOffset, r->imageExtent };
}

/* A buffer<->image copy, either direction, v1 or v2: the objects (NULL:
 * look the handles up, as inside a v2 info struct) and the regions. */
struct buffer_image {
   struct pv_object *buf_obj, *img_obj;
   VkBuffer buf;
   VkImage img;
   uint32_t count;
   const void *regions;
   bool v2, to_image;
};

/* Both resources and every region of x, for the command buffer's device
 * `dev` (NULL: failed already); false after failing.  The source is
 * looked up first, so the first fault named is the source's. */
static bool
buffer_image_ok(struct pv_dispatcher *d, const struct pv_device *dev, const struct buffer_image *x)
{
   struct pv_buffer *buf = x->to_image ? pv_buffer_lookup(d, x->buf_obj, x->buf) : NULL;
   struct pv_image *img = pv_image_of(d, x->img_obj, x->img);
   if (!x->to_image)
      buf = pv_buffer_lookup(d, x->buf_obj, x->buf);
   if (!dev || !buf || !img || (x->count && !x->regions))
      return false;
   for (uint32_t i = 0; i < x->count; i++) {
      VkBufferImageCopy r = buffer_image_at(x->regions, i, x->v2);
      if (!pv_image_memory_region_ok(d, i, img, &r, buf->size, x->to_image, "buffer"))
         return false;
   }
   return true;
}

void
pv_handle_vkCmdCopyBufferToImage(struct pv_dispatcher *d, struct pv_vkCmdCopyBufferToImage_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct buffer_image x = { a->srcBuffer_obj, a->dstImage_obj, a->srcBuffer, a->dstImage,
                             a->regionCount, a->pRegions, false, true };
   if (buffer_image_ok(d, dev, &x))
      dev->table.CmdCopyBufferToImage(a->commandBuffer, a->srcBuffer, a->dstImage,
                                      a->dstImageLayout, a->regionCount, a->pRegions);
}

void
pv_handle_vkCmdCopyImageToBuffer(struct pv_dispatcher *d, struct pv_vkCmdCopyImageToBuffer_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct buffer_image x = { a->dstBuffer_obj, a->srcImage_obj, a->dstBuffer, a->srcImage,
                             a->regionCount, a->pRegions, false, false };
   if (buffer_image_ok(d, dev, &x))
      dev->table.CmdCopyImageToBuffer(a->commandBuffer, a->srcImage, a->srcImageLayout,
                                      a->dstBuffer, a->regionCount, a->pRegions);
}

void
pv_handle_vkCmdCopyBufferToImage2(struct pv_dispatcher *d,
                                  struct pv_vkCmdCopyBufferToImage2_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   const VkCopyBufferToImageInfo2 *info = a->pCopyBufferToImageInfo;
   if (!dev || !info || !dev->table.CmdCopyBufferToImage2)
      return pv_dispatch_fail(d, "pCopyBufferToImageInfo is NULL or no host command");
   struct buffer_image x = { NULL, NULL, info->srcBuffer, info->dstImage, info->regionCount,
                             info->pRegions, true, true };
   if (buffer_image_ok(d, dev, &x))
      dev->table.CmdCopyBufferToImage2(a->commandBuffer, info);
}

void
pv_handle_vkCmdCopyImageToBuffer2(struct pv_dispatcher *d,
                                  struct pv_vkCmdCopyImageToBuffer2_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   const VkCopyImageToBufferInfo2 *info = a->pCopyImageToBufferInfo;
   if (!dev || !info || !dev->table.CmdCopyImageToBuffer2)
      return pv_dispatch_fail(d, "pCopyImageToBufferInfo is NULL or no host command");
   struct buffer_image x = { NULL, NULL, info->dstBuffer, info->srcImage, info->regionCount,
                             info->pRegions, true, false };
   if (buffer_image_ok(d, dev, &x))
      dev->table.CmdCopyImageToBuffer2(a->commandBuffer, info);
}

/* ---- image <-> image copies, resolves, blits ------------------------------------ */

/* One region of an image<->image command, whichever struct holds it: the
 * fields are named alike in VkImageCopy, VkImageResolve and VkImageBlit
 * and their v2 forms, so one view points into any of them. */
struct pair_region {
   const VkImageSubresourceLayers *src_sub, *dst_sub;
   const VkOffset3D *src_off, *dst_off; /* a copy's offset, a blit's two corners */
   const VkExtent3D *extent;            /* a copy's; NULL for a blit */
};

enum pair_layout { COPY_V1, COPY_V2, RESOLVE_V1, RESOLVE_V2, BLIT_V1, BLIT_V2 };

#define COPY_VIEW(r)                                                                     \
   ((struct pair_region){ &(r)->srcSubresource, &(r)->dstSubresource, &(r)->srcOffset,   \
                          &(r)->dstOffset, &(r)->extent })
#define BLIT_VIEW(r)                                                                     \
   ((struct pair_region){ &(r)->srcSubresource, &(r)->dstSubresource, (r)->srcOffsets,   \
                          (r)->dstOffsets, NULL })

static struct pair_region
pair_region_at(enum pair_layout layout, const void *regions, uint32_t i)
{
   switch (layout) {
   case COPY_V1:
      return COPY_VIEW((const VkImageCopy *)regions + i);
   case COPY_V2:
      return COPY_VIEW((const VkImageCopy2 *)regions + i);
   case RESOLVE_V1:
      return COPY_VIEW((const VkImageResolve *)regions + i);
   case RESOLVE_V2:
      return COPY_VIEW((const VkImageResolve2 *)regions + i);
   case BLIT_V1:
      return BLIT_VIEW((const VkImageBlit *)regions + i);
   case BLIT_V2:
      break;
   }
   return BLIT_VIEW((const VkImageBlit2 *)regions + i);
}

static uint32_t
raw_layers(const struct pv_image *img, const VkImageSubresourceLayers *s)
{
   if (s->layerCount == VK_REMAINING_ARRAY_LAYERS && s->baseArrayLayer < img->array_layers)
      return img->array_layers - s->baseArrayLayer;
   return s->layerCount;
}

bool
pv_image_whole_subresource(const struct pv_image *img, const VkImageSubresourceLayers *sub,
                           VkOffset3D offset, VkExtent3D extent, uint32_t *layers)
{
   uint32_t level = sub->mipLevel, n = raw_layers(img, sub);
   if (level >= img->mip_levels || sub->baseArrayLayer >= img->array_layers || !n ||
       n > img->array_layers - sub->baseArrayLayer || __builtin_popcount(sub->aspectMask) != 1 ||
       offset.x || offset.y || offset.z || extent.width != mip_dim(img->extent.width, level) ||
       extent.height != mip_dim(img->extent.height, level) ||
       extent.depth != mip_dim(img->extent.depth, level))
      return false;
   *layers = n;
   return true;
}

/* extent is in source texels; between formats of different block extents
 * it covers the same blocks in the destination (spec: copies between
 * compressed and uncompressed images).  Between a 3D and a 2D image the
 * 3D depth and the 2D layers are the same slices. */
static bool
image_copy_region_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *src,
                     const struct pv_image *dst, const struct pair_region *r)
{
   bool src3d = src->type == VK_IMAGE_TYPE_3D, dst3d = dst->type == VK_IMAGE_TYPE_3D;
   struct where w = { d, "region", i, "source image" };
   struct image_side s = { src, r->src_sub, *r->src_off, r->extent->width, r->extent->height,
                           r->extent->depth, !src3d && dst3d, { 0 }, 0 };
   if (src3d && !dst3d && raw_layers(dst, r->dst_sub) > s.d)
      s.d = raw_layers(dst, r->dst_sub);
   if (!image_side_ok(&w, &s))
      return false;
   w.side = "destination image";
   struct aspect_geom dg;
   if (!dst->fmt || !aspect_geom(dst, r->dst_sub->aspectMask, &dg))
      return bad(&w, "aspect mask 0x%x does not fit format %d", r->dst_sub->aspectMask,
                 (int)dst->format);
   struct image_side t = { dst, r->dst_sub, *r->dst_off,
                           ceil_div(s.w, s.g.bw) * dg.bw, ceil_div(s.h, s.g.bh) * dg.bh,
                           ceil_div(s.d, s.g.bd) * dg.bd, !dst3d && src3d, { 0 }, 0 };
   if (dst3d && !src3d && s.layers > t.d)
      t.d = s.layers;
   return image_side_ok(&w, &t);
}

bool
pv_image_copy_regions_ok(struct pv_dispatcher *d, const struct pv_image *src,
                         const struct pv_image *dst, uint32_t count, const VkImageCopy2 *regions)
{
   if (count && !regions)
      return pv_dispatch_fail(d, "pRegions is NULL"), false;
   for (uint32_t i = 0; i < count; i++) {
      struct pair_region r = pair_region_at(COPY_V2, regions, i);
      if (!image_copy_region_ok(d, i, src, dst, &r))
         return false;
   }
   return true;
}

/* Blit offsets are corners in either order; each must lie in [0, dim]. */
static bool
blit_side_ok(const struct where *w, const struct pv_image *img, const VkImageSubresourceLayers *sub,
             const VkOffset3D o[2])
{
   VkOffset3D lo = { o[0].x < o[1].x ? o[0].x : o[1].x, o[0].y < o[1].y ? o[0].y : o[1].y,
                     o[0].z < o[1].z ? o[0].z : o[1].z };
   struct image_side s = { img, sub, lo,
                           (uint64_t)((int64_t)o[0].x + o[1].x - 2 * (int64_t)lo.x),
                           (uint64_t)((int64_t)o[0].y + o[1].y - 2 * (int64_t)lo.y),
                           (uint64_t)((int64_t)o[0].z + o[1].z - 2 * (int64_t)lo.z), false,
                           { 0 }, 0 };
   return image_side_ok(w, &s);
}

static bool
blit_region_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *src,
               const struct pv_image *dst, const struct pair_region *r)
{
   struct where w = { d, "region", i, "source image" };
   if (!blit_side_ok(&w, src, r->src_sub, r->src_off))
      return false;
   w.side = "destination image";
   return blit_side_ok(&w, dst, r->dst_sub, r->dst_off);
}

/* A copy, resolve or blit, v1 or v2: the command buffer, both images
 * (objects, or NULL to look the handles up, as inside a v2 info struct)
 * and the regions.  A v2 command names its entry in the host table, which
 * may lack it (HOST_CMD); the v1 ones are Vulkan 1.0 core. */
struct image_pair {
   struct pv_object *cb, *src_obj, *dst_obj;
   VkImage src, dst;
   uint32_t count;
   const void *regions;
   enum pair_layout layout;
   const char *v2_name;
   size_t v2_fn;
};

#define HOST_CMD(fn) "vk" #fn, offsetof(struct pv_vk_device_table, fn)

static bool
host_has(struct pv_dispatcher *d, const struct pv_device *dev, const char *name, size_t fn)
{
   void (*entry)(void);
   memcpy(&entry, (const char *)&dev->table + fn, sizeof(entry));
   return entry || (pv_dispatch_fail(d, "no host %s", name), false);
}

/* The command buffer's device once both images and every region are
 * checked; NULL after failing. */
static struct pv_device *
image_pair_ok(struct pv_dispatcher *d, const struct image_pair *p)
{
   struct pv_device *dev = cmd_device(d, p->cb);
   struct pv_image *src = pv_image_of(d, p->src_obj, p->src);
   struct pv_image *dst = pv_image_of(d, p->dst_obj, p->dst);
   if (!dev || !src || !dst || (p->count && !p->regions) ||
       (p->v2_name && !host_has(d, dev, p->v2_name, p->v2_fn)))
      return NULL;
   for (uint32_t i = 0; i < p->count; i++) {
      struct pair_region r = pair_region_at(p->layout, p->regions, i);
      if (!(r.extent ? image_copy_region_ok(d, i, src, dst, &r)
                     : blit_region_ok(d, i, src, dst, &r)))
         return NULL;
   }
   return dev;
}

void
pv_handle_vkCmdCopyImage(struct pv_dispatcher *d, struct pv_vkCmdCopyImage_args *a)
{
   struct image_pair p = { a->commandBuffer_obj, a->srcImage_obj, a->dstImage_obj, a->srcImage,
                           a->dstImage, a->regionCount, a->pRegions, COPY_V1, NULL, 0 };
   struct pv_device *dev = image_pair_ok(d, &p);
   if (dev)
      dev->table.CmdCopyImage(a->commandBuffer, a->srcImage, a->srcImageLayout, a->dstImage,
                              a->dstImageLayout, a->regionCount, a->pRegions);
}

void
pv_handle_vkCmdCopyImage2(struct pv_dispatcher *d, struct pv_vkCmdCopyImage2_args *a)
{
   const VkCopyImageInfo2 *info = a->pCopyImageInfo;
   if (!info)
      return pv_dispatch_fail(d, "pCopyImageInfo is NULL");
   struct image_pair p = { a->commandBuffer_obj, NULL, NULL, info->srcImage, info->dstImage,
                           info->regionCount, info->pRegions, COPY_V2, HOST_CMD(CmdCopyImage2) };
   struct pv_device *dev = image_pair_ok(d, &p);
   if (dev)
      dev->table.CmdCopyImage2(a->commandBuffer, info);
}

void
pv_handle_vkCmdResolveImage(struct pv_dispatcher *d, struct pv_vkCmdResolveImage_args *a)
{
   struct image_pair p = { a->commandBuffer_obj, a->srcImage_obj, a->dstImage_obj, a->srcImage,
                           a->dstImage, a->regionCount, a->pRegions, RESOLVE_V1, NULL, 0 };
   struct pv_device *dev = image_pair_ok(d, &p);
   if (dev)
      dev->table.CmdResolveImage(a->commandBuffer, a->srcImage, a->srcImageLayout, a->dstImage,
                                 a->dstImageLayout, a->regionCount, a->pRegions);
}

void
pv_handle_vkCmdResolveImage2(struct pv_dispatcher *d, struct pv_vkCmdResolveImage2_args *a)
{
   const VkResolveImageInfo2 *info = a->pResolveImageInfo;
   if (!info)
      return pv_dispatch_fail(d, "pResolveImageInfo is NULL");
   struct image_pair p = { a->commandBuffer_obj, NULL, NULL, info->srcImage, info->dstImage,
                           info->regionCount, info->pRegions, RESOLVE_V2,
                           HOST_CMD(CmdResolveImage2) };
   struct pv_device *dev = image_pair_ok(d, &p);
   if (dev)
      dev->table.CmdResolveImage2(a->commandBuffer, info);
}

void
pv_handle_vkCmdBlitImage(struct pv_dispatcher *d, struct pv_vkCmdBlitImage_args *a)
{
   struct image_pair p = { a->commandBuffer_obj, a->srcImage_obj, a->dstImage_obj, a->srcImage,
                           a->dstImage, a->regionCount, a->pRegions, BLIT_V1, NULL, 0 };
   struct pv_device *dev = image_pair_ok(d, &p);
   if (dev)
      dev->table.CmdBlitImage(a->commandBuffer, a->srcImage, a->srcImageLayout, a->dstImage,
                              a->dstImageLayout, a->regionCount, a->pRegions, a->filter);
}

void
pv_handle_vkCmdBlitImage2(struct pv_dispatcher *d, struct pv_vkCmdBlitImage2_args *a)
{
   const VkBlitImageInfo2 *info = a->pBlitImageInfo;
   if (!info)
      return pv_dispatch_fail(d, "pBlitImageInfo is NULL");
   struct image_pair p = { a->commandBuffer_obj, NULL, NULL, info->srcImage, info->dstImage,
                           info->regionCount, info->pRegions, BLIT_V2, HOST_CMD(CmdBlitImage2) };
   struct pv_device *dev = image_pair_ok(d, &p);
   if (dev)
      dev->table.CmdBlitImage2(a->commandBuffer, info);
}

/* ---- clears and queries of subresources ---------------------------------------- */

/* A subresource range, VK_REMAINING_* honoured. */
static bool
subresource_range_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *img,
                     const VkImageSubresourceRange *r)
{
   struct where w = { d, "range", i, "image" };
   uint32_t levels = r->levelCount, layers;
   if (r->baseMipLevel < img->mip_levels && levels == VK_REMAINING_MIP_LEVELS)
      levels = img->mip_levels - r->baseMipLevel;
   if (levels == 0 || r->baseMipLevel >= img->mip_levels ||
       levels > img->mip_levels - r->baseMipLevel)
      return bad(&w, "mip levels [%u, +%u) outside its %u levels", r->baseMipLevel,
                 r->levelCount, img->mip_levels);
   return layers_ok(&w, img, r->baseArrayLayer, r->layerCount, &layers);
}

bool
pv_image_range_ok(struct pv_dispatcher *d, uint32_t i, const struct pv_image *img,
                  const VkImageSubresourceRange *r)
{
   return subresource_range_ok(d, i, img, r);
}

static bool
ranges_ok(struct pv_dispatcher *d, const struct pv_image *img, uint32_t count,
          const VkImageSubresourceRange *ranges)
{
   if (count && !ranges) {
      pv_dispatch_fail(d, "pRanges is NULL");
      return false;
   }
   for (uint32_t i = 0; i < count; i++) {
      if (!subresource_range_ok(d, i, img, &ranges[i]))
         return false;
   }
   return true;
}

void
pv_handle_vkCmdClearColorImage(struct pv_dispatcher *d, struct pv_vkCmdClearColorImage_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct pv_image *img = pv_image_of(d, a->image_obj, a->image);
   if (dev && img && ranges_ok(d, img, a->rangeCount, a->pRanges))
      dev->table.CmdClearColorImage(a->commandBuffer, a->image, a->imageLayout, a->pColor,
                                    a->rangeCount, a->pRanges);
}

void
pv_handle_vkCmdClearDepthStencilImage(struct pv_dispatcher *d,
                                      struct pv_vkCmdClearDepthStencilImage_args *a)
{
   struct pv_device *dev = cmd_device(d, a->commandBuffer_obj);
   struct pv_image *img = pv_image_of(d, a->image_obj, a->image);
   if (dev && img && ranges_ok(d, img, a->rangeCount, a->pRanges))
      dev->table.CmdClearDepthStencilImage(a->commandBuffer, a->image, a->imageLayout,
                                           a->pDepthStencil, a->rangeCount, a->pRanges);
}

/* lavapipe reads past its level array for a mip level the image lacks (a
 * fuzzer's finding, fuzz/findings/execute-subresource-layout-miplevel). */
static bool
subresource_ok(struct pv_dispatcher *d, const struct pv_image *img, const VkImageSubresource *s)
{
   struct aspect_geom g;
   if (s->mipLevel >= img->mip_levels || s->arrayLayer >= img->array_layers)
      return pv_dispatch_fail(d, "mip level %u / layer %u outside %u levels / %u layers",
                              s->mipLevel, s->arrayLayer, img->mip_levels, img->array_layers),
             false;
   /* one aspect the format has (lavapipe asserts, then reads a plane it lacks) */
   if (!img->fmt || (s->aspectMask & (s->aspectMask - 1)) || !aspect_geom(img, s->aspectMask, &g))
      return pv_dispatch_fail(d, "aspect mask 0x%x does not name one aspect of format %d",
                              s->aspectMask, (int)img->format),
             false;
   return true;
}

void
pv_handle_vkGetImageSubresourceLayout(struct pv_dispatcher *d,
                                      struct pv_vkGetImageSubresourceLayout_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   struct pv_image *img = any_image_of(d, a->image_obj, a->image);
   if (!dev || !img || !a->pSubresource || !a->pLayout)
      return pv_dispatch_fail(d, "device, image, pSubresource or pLayout is NULL");
   pv_wsi_plane_aspect(img, (VkImageSubresource *)a->pSubresource);
   if (subresource_ok(d, img, a->pSubresource))
      dev->table.GetImageSubresourceLayout(dev->handle, a->image, a->pSubresource, a->pLayout);
}

void
pv_handle_vkGetImageSubresourceLayout2(struct pv_dispatcher *d,
                                       struct pv_vkGetImageSubresourceLayout2_args *a)
{
   struct pv_device *dev = (struct pv_device *)a->device_obj;
   struct pv_image *img = any_image_of(d, a->image_obj, a->image);
   if (!dev || !img || !a->pSubresource || !a->pLayout || !dev->table.GetImageSubresourceLayout2)
      return pv_dispatch_fail(d, "an argument is NULL or no host command");
   pv_wsi_plane_aspect(img, (VkImageSubresource *)&a->pSubresource->imageSubresource);
   if (subresource_ok(d, img, &a->pSubresource->imageSubresource))
      dev->table.GetImageSubresourceLayout2(dev->handle, a->image, a->pSubresource, a->pLayout);
}

/* ---- robustImageAccess ------------------------------------------------------------ */

static bool
robust_image_supported(const struct pv_physical_device *p)
{
   if (p->props.apiVersion < VK_API_VERSION_1_3 &&
       !pv_physical_device_offers(p, VK_EXT_IMAGE_ROBUSTNESS_EXTENSION_NAME))
      return false;
   VkPhysicalDeviceImageRobustnessFeatures rob = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_ROBUSTNESS_FEATURES };
   VkPhysicalDeviceFeatures2 f = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                   .pNext = &rob };
   vkGetPhysicalDeviceFeatures2(p->handle, &f);
   return rob.robustImageAccess;
}

/* Shader image accesses outside an image must not reach the host's memory
 * (on lavapipe images are host memory).  The feature goes where the guest
 * put its features (a chain may not hold both structs); else our own
 * struct is chained in, where the device version or the guest's
 * extensions make it valid.  The decoded create info is our own scratch
 * copy, so it may be changed. */
void
pv_image_force_robust_access(const struct pv_physical_device *p, VkDeviceCreateInfo *info,
                             VkPhysicalDeviceImageRobustnessFeatures *own)
{
   if (!robust_image_supported(p))
      return;
   if (pv_create_info_set_feature(
          info, VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
          offsetof(VkPhysicalDeviceVulkan13Features, robustImageAccess),
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_ROBUSTNESS_FEATURES,
          offsetof(VkPhysicalDeviceImageRobustnessFeatures, robustImageAccess)))
      return;
   bool core = p->props.apiVersion >= VK_API_VERSION_1_3 &&
               p->instance->api_version >= VK_API_VERSION_1_3;
   if (!core && !pv_create_info_enables(info, VK_EXT_IMAGE_ROBUSTNESS_EXTENSION_NAME))
      return;
   *own = (VkPhysicalDeviceImageRobustnessFeatures){
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_ROBUSTNESS_FEATURES,
      .pNext = (void *)info->pNext, .robustImageAccess = VK_TRUE };
   info->pNext = own;
}

/* ---- image views -------------------------------------------------------------------- */

/* The aspects an image has: those a view's range may name. */
static VkImageAspectFlags
image_aspects(const struct pv_image *img)
{
   const struct pv_format_info *f = img->fmt;
   if (!f)
      return VK_IMAGE_ASPECT_COLOR_BIT;
   if (f->planes)
      return VK_IMAGE_ASPECT_COLOR_BIT | ((VK_IMAGE_ASPECT_PLANE_0_BIT << f->planes) -
                                          VK_IMAGE_ASPECT_PLANE_0_BIT);
   if (f->depth_size || f->stencil)
      return (f->depth_size ? VK_IMAGE_ASPECT_DEPTH_BIT : 0) |
             (f->stencil ? VK_IMAGE_ASPECT_STENCIL_BIT : 0);
   return VK_IMAGE_ASPECT_COLOR_BIT;
}

/* A view's format other than its image's: drivers address the image's
 * memory in the view's texels, so those must be the size of the image's
 * (of the plane's the view names), and the image must allow the
 * reinterpretation (VkImageViewCreateInfo's format rules). */
static bool
view_format_ok(const struct pv_image *img, VkFormat format, VkImageAspectFlags aspect)
{
   const struct pv_format_info *f = img->fmt, *v = pv_format_info(format);
   if (format == img->format)
      return true;
   if (!f || !v || !(img->flags & VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT) || f->depth_size ||
       f->stencil || v->planes || v->depth_size || v->stencil)
      return false;
   bool texel = v->block_w == 1 && v->block_h == 1 && v->block_d == 1;
   if (f->planes) {
      for (uint32_t i = 0; i < f->planes; i++)
         if (aspect == plane_bits[i])
            return texel && v->block_size == f->plane[i].block_size;
      return false;
   }
   if (v->block_size != f->block_size)
      return false;
   return (v->block_w == f->block_w && v->block_h == f->block_h && v->block_d == f->block_d) ||
          (texel && (img->flags & VK_IMAGE_CREATE_BLOCK_TEXEL_VIEW_COMPATIBLE_BIT));
}

/* The view type against the image's type and flags; 2D views of a 3D
 * image count its depth slices as layers, one level at a time. */
static bool
view_type_ok(const struct pv_image *img, VkImageViewType t, bool *slices)
{
   *slices = false;
   switch (t) {
   case VK_IMAGE_VIEW_TYPE_1D:
   case VK_IMAGE_VIEW_TYPE_1D_ARRAY:
      return img->type == VK_IMAGE_TYPE_1D;
   case VK_IMAGE_VIEW_TYPE_2D:
   case VK_IMAGE_VIEW_TYPE_2D_ARRAY:
      *slices = img->type == VK_IMAGE_TYPE_3D;
      return img->type == VK_IMAGE_TYPE_2D ||
             (*slices && (img->flags & (VK_IMAGE_CREATE_2D_ARRAY_COMPATIBLE_BIT |
                                        VK_IMAGE_CREATE_2D_VIEW_COMPATIBLE_BIT_EXT)));
   case VK_IMAGE_VIEW_TYPE_3D:
      return img->type == VK_IMAGE_TYPE_3D;
   case VK_IMAGE_VIEW_TYPE_CUBE:
   case VK_IMAGE_VIEW_TYPE_CUBE_ARRAY:
      return img->type == VK_IMAGE_TYPE_2D && (img->flags & VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT);
   default:
      return false;
   }
}

/* The levels and layers of a view, resolved into v; false (context fatal)
 * where they leave the image or do not fit the view type. */
static bool
view_range_ok(struct pv_dispatcher *d, const struct pv_image *img, const VkImageViewCreateInfo *ci,
              struct pv_image_view *v)
{
   const VkImageSubresourceRange *r = &ci->subresourceRange;
   bool slices;
   if (!view_type_ok(img, ci->viewType, &slices))
      return pv_dispatch_fail(d, "view type %d does not fit image type %d (flags 0x%x)",
                              (int)ci->viewType, (int)img->type, img->flags), false;
   if (!r->aspectMask || (r->aspectMask & ~image_aspects(img)) ||
       !view_format_ok(img, ci->format, r->aspectMask))
      return pv_dispatch_fail(d, "view format %d, aspects 0x%x do not fit image format %d "
                              "(flags 0x%x)", (int)ci->format, r->aspectMask, (int)img->format,
                              img->flags), false;
   if (slices) {
      struct pv_image as_layers = *img;
      as_layers.array_layers = r->baseMipLevel < img->mip_levels
                                  ? mip_dim(img->extent.depth, r->baseMipLevel) : 1;
      if (r->levelCount != 1)
         return pv_dispatch_fail(d, "a 2D view of a 3D image names %u levels", r->levelCount),
                false;
      if (!subresource_range_ok(d, 0, &as_layers, r))
         return false;
      v->layers = r->layerCount == VK_REMAINING_ARRAY_LAYERS
                     ? as_layers.array_layers - r->baseArrayLayer : r->layerCount;
   } else {
      if (!subresource_range_ok(d, 0, img, r))
         return false;
      v->layers = img->type == VK_IMAGE_TYPE_3D ? mip_dim(img->extent.depth, r->baseMipLevel)
                  : r->layerCount == VK_REMAINING_ARRAY_LAYERS
                     ? img->array_layers - r->baseArrayLayer : r->layerCount;
   }
   bool cube = ci->viewType == VK_IMAGE_VIEW_TYPE_CUBE ||
               ci->viewType == VK_IMAGE_VIEW_TYPE_CUBE_ARRAY;
   if ((cube && v->layers % 6) || (ci->viewType == VK_IMAGE_VIEW_TYPE_CUBE && v->layers != 6))
      return pv_dispatch_fail(d, "a cube view of %u layers", v->layers), false;
   uint32_t levels = r->levelCount == VK_REMAINING_MIP_LEVELS
                        ? img->mip_levels - r->baseMipLevel : r->levelCount;
   for (const VkBaseInStructure *s = ci->pNext; s; s = s->pNext) {
      const VkImageViewMinLodCreateInfoEXT *lod = (const void *)s;
      if (s->sType == VK_STRUCTURE_TYPE_IMAGE_VIEW_MIN_LOD_CREATE_INFO_EXT &&
          !(lod->minLod >= 0.0f && lod->minLod <= (float)(r->baseMipLevel + levels - 1)))
         return pv_dispatch_fail(d, "minLod %g past the view's levels", (double)lod->minLod),
                false;
   }
   v->width = mip_dim(img->extent.width, r->baseMipLevel);
   v->height = mip_dim(img->extent.height, r->baseMipLevel);
   return true;
}

/* A view names levels and layers of a bound image: drivers size the view's
 * storage from them, and render or store through it. */
void
pv_handle_vkCreateImageView(struct pv_dispatcher *d, struct pv_vkCreateImageView_args *a)
{
   struct pv_device *dev = pv_gen_device(d, a->device_obj,
                                         offsetof(struct pv_vk_device_table, CreateImageView));
   if (!dev)
      return;
   struct pv_image *img = pv_image_of(d, NULL, a->pCreateInfo->image);
   struct pv_image_view shape = { 0 };
   if (!img || !view_range_ok(d, img, a->pCreateInfo, &shape))
      return;
   struct pv_image_view *v = malloc(sizeof(*v));
   if (!v)
      return pv_dispatch_fail(d, "out of memory");
   *v = shape;
   a->ret = dev->table.CreateImageView(dev->handle, a->pCreateInfo, NULL, a->pView);
   if (a->ret != VK_SUCCESS) {
      free(v);
      return;
   }
   v->obj = (struct pv_vk_object){ { a->pView_ids[0], VK_OBJECT_TYPE_IMAGE_VIEW,
                                     (uint64_t)*a->pView }, dev, 0, 0 };
   if (!pv_dispatch_bind(d, &v->obj.base)) {
      dev->table.DestroyImageView(dev->handle, *a->pView, NULL);
      free(v);
   }
}
