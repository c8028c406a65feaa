/*
 * virgl_2d.c — plain 2D resources (virtio-gpu RESOURCE_CREATE_2D): host
 * pixels, guest backing and the transfers between them.
 *
 * A Venus-only renderer has no GL textures, so these never reach a GL
 * display; they exist so that a guest's console and cursor commands
 * succeed, a guest that reads back what it wrote gets it, and the cursor
 * image reaches the VMM (virgl_renderer_get_cursor_data).  Everything a
 * guest passes here is checked: formats, sizes, boxes, offsets against
 * its backing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "virgl_internal.h"

#define PIPE_TEXTURE_2D 2u

/* The virtio-gpu 2D formats, all 4 bytes a pixel (their virgl numbers). */
static bool
format_ok(uint32_t f)
{
   static const uint32_t formats[] = { 1, 2, 3, 4, 67, 68, 121, 134 };
   for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
      if (formats[i] == f)
         return true;
   }
   return false;
}

static const char *
create_args_problem(const struct virgl_renderer_resource_create_args *a)
{
   if (!a->handle)
      return "resource id 0";
   if (a->target != PIPE_TEXTURE_2D || a->depth != 1 || a->array_size != 1 || a->last_level ||
       a->nr_samples > 1)
      return "only single-level 2D images are served (no OpenGL resources)";
   if (!format_ok(a->format))
      return "not a virtio-gpu 2D format";
   if (!a->width || !a->height || a->width > PV_VIRGL_MAX_2D_SIDE ||
       a->height > PV_VIRGL_MAX_2D_SIDE)
      return "size out of range";
   return NULL;
}

static int
create_locked(const struct virgl_renderer_resource_create_args *a, struct iovec *iov,
              uint32_t num_iovs)
{
   uint64_t bytes = (uint64_t)a->width * 4 * a->height;
   if (pv_virgl.bytes_2d + bytes > PV_VIRGL_MAX_2D_BYTES) {
      pv_warn(&pv_virgl.log, "virgl: 2D resource %u: %" PRIu64 " bytes over the 2D budget (%"
              PRIu64 " of %llu held)", a->handle, bytes, pv_virgl.bytes_2d, PV_VIRGL_MAX_2D_BYTES);
      return ENOMEM;
   }
   struct pv_virgl_res *r = calloc(1, sizeof(*r));
   uint8_t *pixels = r ? calloc(1, (size_t)bytes) : NULL;
   if (!pixels) {
      free(r);
      return ENOMEM;
   }
   *r = (struct pv_virgl_res){ .id = a->handle, .kind = PV_VIRGL_RES_2D, .format = a->format,
                               .width = a->width, .height = a->height, .stride = a->width * 4,
                               .pixels = pixels, .iov = iov, .iov_count = (int)num_iovs };
   if (pv_virgl_res_insert(r)) {
      free(pixels);
      free(r);
      return EINVAL;
   }
   pv_virgl.bytes_2d += bytes;
   return 0;
}

VIRGL_EXPORT int
virgl_renderer_resource_create(struct virgl_renderer_resource_create_args *args,
                               struct iovec *iov, uint32_t num_iovs)
{
   pv_virgl_once();
   const char *why = !args ? "no arguments" : (num_iovs && !iov) || num_iovs > INT32_MAX
                                                 ? "bad iov array" : create_args_problem(args);
   if (why) {
      pv_warn(&pv_virgl.log, "virgl: resource_create %u refused: %s", args ? args->handle : 0, why);
      return EINVAL;
   }
   pthread_mutex_lock(&pv_virgl.lock);
   int ret = create_locked(args, iov, num_iovs);
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

void
pv_virgl_2d_free(struct pv_virgl_res *r)
{
   pv_virgl.bytes_2d -= (uint64_t)r->stride * r->height;
   free(r->pixels);
}

/* ---- copies between pixels and an iov ------------------------------------------ */

/* Copy `len` bytes between `buf` and the iov at byte `offset` of it
 * (to_iov: into it).  False if the iov is shorter. */
static bool
iov_copy(const struct iovec *iov, int count, uint64_t offset, uint8_t *buf, size_t len,
         bool to_iov)
{
   for (int i = 0; i < count && len; i++) {
      size_t n = iov[i].iov_len;
      if (offset >= n) {
         offset -= n;
         continue;
      }
      size_t take = n - (size_t)offset < len ? n - (size_t)offset : len;
      uint8_t *p = (uint8_t *)iov[i].iov_base + offset;
      if (to_iov)
         memcpy(p, buf, take);
      else
         memcpy(buf, p, take);
      buf += take;
      len -= take;
      offset = 0;
   }
   return len == 0;
}

/* The box inside the resource, one level, one layer. */
static bool
box_ok(const struct pv_virgl_res *r, const struct virgl_box *b)
{
   return b && b->z == 0 && b->d <= 1 && b->w && b->h && b->x <= r->width &&
          b->w <= r->width - b->x && b->y <= r->height && b->h <= r->height - b->y;
}

/*
 * Copy `box` between the pixels and the iov (guest layout: row y of the
 * box at offset + y * stride, stride 0 meaning the resource's own).
 * Returns 0 or a positive errno.
 */
static int
transfer(struct pv_virgl_res *r, const struct virgl_box *box, uint32_t stride, uint64_t offset,
         const struct iovec *iov, int count, bool to_iov)
{
   uint32_t row = box->w * 4;
   uint64_t src_stride = stride ? stride : r->stride;
   if (src_stride < row)
      return EINVAL;
   for (uint32_t y = 0; y < box->h; y++) {
      uint64_t at = offset + (uint64_t)y * src_stride;
      if (at < offset)
         return EINVAL;
      uint8_t *px = r->pixels + (size_t)(box->y + y) * r->stride + (size_t)box->x * 4;
      if (!iov_copy(iov, count, at, px, row, to_iov))
         return EINVAL;
   }
   return 0;
}

/* The checks and the copy of both transfer directions. */
static int
transfer_iov(uint32_t handle, uint32_t level, uint32_t stride, struct virgl_box *box,
             uint64_t offset, const struct iovec *iov, int count, bool to_iov, const char *what)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get(handle, what);
   if (r && !iov) {
      iov = r->iov;
      count = r->iov_count;
   }
   const char *why = !r ? NULL
                   : r->kind != PV_VIRGL_RES_2D ? "not a 2D resource"
                   : level ? "level is not 0"
                   : !box_ok(r, box) ? "box outside the resource"
                   : !iov || count <= 0 ? "no backing attached" : NULL;
   int ret = !r || why ? EINVAL : transfer(r, box, stride, offset, iov, count, to_iov);
   if (why || (r && ret))
      pv_warn(&pv_virgl.log, "virgl: %s of resource %u refused: %s", what, handle,
              why ? why : "the backing is too short for the box");
   pthread_mutex_unlock(&pv_virgl.lock);
   return ret;
}

VIRGL_EXPORT int
virgl_renderer_transfer_write_iov(uint32_t handle, uint32_t ctx_id, int level, uint32_t stride,
                                  uint32_t layer_stride, struct virgl_box *box, uint64_t offset,
                                  struct iovec *iovec, unsigned int iovec_cnt)
{
   (void)ctx_id, (void)layer_stride;
   if (level < 0 || iovec_cnt > INT32_MAX)
      return EINVAL;
   return transfer_iov(handle, (uint32_t)level, stride, box, offset, iovec, (int)iovec_cnt, false,
                       "transfer_write");
}

VIRGL_EXPORT int
virgl_renderer_transfer_read_iov(uint32_t handle, uint32_t ctx_id, uint32_t level, uint32_t stride,
                                 uint32_t layer_stride, struct virgl_box *box, uint64_t offset,
                                 struct iovec *iov, int iovec_cnt)
{
   (void)ctx_id, (void)layer_stride;
   return transfer_iov(handle, level, stride, box, offset, iov, iovec_cnt, true, "transfer_read");
}

VIRGL_EXPORT void
virgl_renderer_get_rect(int resource_id, struct iovec *iov, unsigned int num_iovs, uint32_t offset,
                        int x, int y, int width, int height)
{
   if (x < 0 || y < 0 || width <= 0 || height <= 0 || !iov || !num_iovs || num_iovs > INT32_MAX)
      return;
   struct virgl_box box = { (uint32_t)x, (uint32_t)y, 0, (uint32_t)width, (uint32_t)height, 1 };
   transfer_iov((uint32_t)resource_id, 0, 0, &box, offset, iov, (int)num_iovs, true, "get_rect");
}

VIRGL_EXPORT void *
virgl_renderer_get_cursor_data(uint32_t resource_id, uint32_t *width, uint32_t *height)
{
   pv_virgl_once();
   pthread_mutex_lock(&pv_virgl.lock);
   struct pv_virgl_res *r = pv_virgl_res_get(resource_id, "get_cursor_data");
   void *data = NULL;
   if (r && r->kind == PV_VIRGL_RES_2D && (data = malloc((size_t)r->stride * r->height))) {
      memcpy(data, r->pixels, (size_t)r->stride * r->height);
      if (width)
         *width = r->width;
      if (height)
         *height = r->height;
   }
   pthread_mutex_unlock(&pv_virgl.lock);
   return data;
}
