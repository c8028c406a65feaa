/*
 * virglrenderer.h — PearVisor Venus's own statement of virglrenderer's C
 * ABI (the 1.x series), for VMMs that load libvirglrenderer.so.1: QEMU,
 * crosvm, libkrun.  Names, layouts and values are those the ABI fixes;
 * the text is ours.  Behind it runs our Venus renderer, in-process: no
 * render server, no OpenGL.
 *
 * What is served: the Venus capset and its contexts (context_init capset
 * VENUS), blob resources (shared memory and host-visible device memory),
 * their mappings, context fences on ring indices and global (ctx 0)
 * fences, plain 2D resources with guest backing and transfers (enough for
 * cursor images and for a guest that reads back what it wrote).
 * What is not: virgl (OpenGL) contexts and their capsets, GL textures (a
 * 2D resource cannot be scanned out by a GL display), dma-buf export,
 * importing blobs.  Those calls fail and log why.
 *
 * Return values follow the 1.x library so that callers which test a sign
 * keep working: the blob, map and context-fence functions return a
 * negative errno; the older entry points (submit, transfers, attach_iov,
 * get_info, context creation, create_fence) a positive one.
 *
 * Threads: every function may be called from any thread; the library locks.
 * Fence callbacks come from virgl_renderer_poll() on the caller's thread,
 * or, with VIRGL_RENDERER_ASYNC_FENCE_CB, from any thread, possibly from
 * inside the call that created the fence.
 */
#ifndef VIRGLRENDERER_H
#define VIRGLRENDERER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VIRGL_EXPORT
#define VIRGL_EXPORT __attribute__((visibility("default")))
#endif

/* The virglrenderer release whose ABI this header states. */
#define VIRGL_MAJOR_VERSION 1
#define VIRGL_MINOR_VERSION 3
#define VIRGL_MICRO_VERSION 0
#define VIRGL_CHECK_VERSION(major, minor, micro)                                 \
   (VIRGL_MAJOR_VERSION > (major) ||                                             \
    (VIRGL_MAJOR_VERSION == (major) && VIRGL_MINOR_VERSION > (minor)) ||         \
    (VIRGL_MAJOR_VERSION == (major) && VIRGL_MINOR_VERSION == (minor) &&         \
     VIRGL_MICRO_VERSION >= (micro)))

struct virgl_box;
struct iovec;

typedef void *virgl_renderer_gl_context;

struct virgl_renderer_gl_ctx_param {
   int version;
   bool shared;
   int major_ver;
   int minor_ver;
   int compat_ctx;
};

/* Highest callback table version this library reads. */
#define VIRGL_RENDERER_CALLBACKS_VERSION 4

/* The VMM's callbacks.  Fields past `version` are never read. */
struct virgl_renderer_callbacks {
   int version;
   /* A global (ctx 0) fence and every one before it completed. */
   void (*write_fence)(void *cookie, uint32_t fence);
   /* OpenGL context management: never called here (no virgl). */
   virgl_renderer_gl_context (*create_gl_context)(void *cookie, int scanout_idx,
                                                  struct virgl_renderer_gl_ctx_param *param);
   void (*destroy_gl_context)(void *cookie, virgl_renderer_gl_context ctx);
   int (*make_current)(void *cookie, int scanout_idx, virgl_renderer_gl_context ctx);
   /* version >= 2 */
   int (*get_drm_fd)(void *cookie);
   /* version >= 3: fence `fence_id` of ring `ring_idx` of context `ctx_id`
    * and every earlier one of that ring completed. */
   void (*write_context_fence)(void *cookie, uint32_t ctx_id, uint32_t ring_idx,
                               uint64_t fence_id);
   int (*get_server_fd)(void *cookie, uint32_t version);
   /* version >= 4 */
   void *(*get_egl_display)(void *cookie);
};

/* virgl_renderer_init() flags. */
#define VIRGL_RENDERER_USE_EGL (1 << 0)
#define VIRGL_RENDERER_THREAD_SYNC (1 << 1)
#define VIRGL_RENDERER_USE_GLX (1 << 2)
#define VIRGL_RENDERER_USE_SURFACELESS (1 << 3)
#define VIRGL_RENDERER_USE_GLES (1 << 4)
#define VIRGL_RENDERER_USE_EXTERNAL_BLOB (1 << 5)
#define VIRGL_RENDERER_VENUS (1 << 6)
#define VIRGL_RENDERER_NO_VIRGL (1 << 7)
#define VIRGL_RENDERER_ASYNC_FENCE_CB (1 << 8)
#define VIRGL_RENDERER_RENDER_SERVER (1 << 9)
#define VIRGL_RENDERER_DRM (1 << 10)
#define VIRGL_RENDERER_USE_VIDEO (1 << 11)
#define VIRGL_RENDERER_D3D11_SHARE_TEXTURE (1 << 12)
#define VIRGL_RENDERER_COMPAT_PROFILE (1 << 13)
#define VIRGL_RENDERER_USE_GUEST_VRAM (1 << 14)

/* Capset ids (virtio-gpu). */
#define VIRGL_RENDERER_CAPSET_VIRGL 1
#define VIRGL_RENDERER_CAPSET_VIRGL2 2
#define VIRGL_RENDERER_CAPSET_VENUS 4
#define VIRGL_RENDERER_CAPSET_DRM 6

/* Resource bind bits of virgl_renderer_resource_create_args.bind. */
#define VIRGL_RES_BIND_DEPTH_STENCIL (1 << 0)
#define VIRGL_RES_BIND_RENDER_TARGET (1 << 1)
#define VIRGL_RES_BIND_SAMPLER_VIEW (1 << 3)
#define VIRGL_RES_BIND_VERTEX_BUFFER (1 << 4)
#define VIRGL_RES_BIND_INDEX_BUFFER (1 << 5)
#define VIRGL_RES_BIND_CONSTANT_BUFFER (1 << 6)
#define VIRGL_RES_BIND_STREAM_OUTPUT (1 << 11)
#define VIRGL_RES_BIND_CURSOR (1 << 16)
#define VIRGL_RES_BIND_CUSTOM (1 << 17)
#define VIRGL_RES_BIND_SCANOUT (1 << 18)
#define VIRGL_RES_BIND_SHARED (1 << 20)

/* Classic (non-blob) resource creation; 2D is what QEMU sends for
 * VIRTIO_GPU_CMD_RESOURCE_CREATE_2D. */
struct virgl_renderer_resource_create_args {
   uint32_t handle;
   uint32_t target;
   uint32_t format;
   uint32_t bind;
   uint32_t width;
   uint32_t height;
   uint32_t depth;
   uint32_t array_size;
   uint32_t last_level;
   uint32_t nr_samples;
   uint32_t flags;
};

/* virgl_renderer_resource_info.flags */
#define VIRGL_RESOURCE_Y_0_TOP (1 << 0)

struct virgl_renderer_resource_info {
   uint32_t handle;
   uint32_t virgl_format;
   uint32_t width;
   uint32_t height;
   uint32_t depth;
   uint32_t flags;
   uint32_t tex_id;     /* GL texture name; always 0 here */
   uint32_t stride;
   int drm_fourcc;
   int fd;              /* a dma-buf of the resource, or -1 (always -1 here) */
};

#define VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION 0

struct virgl_renderer_resource_info_ext {
   int version;
   struct virgl_renderer_resource_info base;
   bool has_dmabuf_export;
   int planes;
   uint64_t modifiers;
   void *d3d_tex2d;
};

/* Blob memory kinds, flags and mapping caching: the virtio-gpu values. */
#define VIRGL_RENDERER_BLOB_MEM_GUEST 0x0001
#define VIRGL_RENDERER_BLOB_MEM_HOST3D 0x0002
#define VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST 0x0003
#define VIRGL_RENDERER_BLOB_MEM_GUEST_VRAM 0x0004

#define VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE 0x0001
#define VIRGL_RENDERER_BLOB_FLAG_USE_SHAREABLE 0x0002
#define VIRGL_RENDERER_BLOB_FLAG_USE_CROSS_DEVICE 0x0004

#define VIRGL_RENDERER_MAP_CACHE_MASK 0x0f
#define VIRGL_RENDERER_MAP_CACHE_NONE 0x00
#define VIRGL_RENDERER_MAP_CACHE_CACHED 0x01
#define VIRGL_RENDERER_MAP_CACHE_UNCACHED 0x02
#define VIRGL_RENDERER_MAP_CACHE_WC 0x03

#define VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF 0x0001
#define VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE 0x0002
#define VIRGL_RENDERER_BLOB_FD_TYPE_SHM 0x0003

struct virgl_renderer_resource_create_blob_args {
   uint32_t res_handle;
   uint32_t ctx_id;
   uint32_t blob_mem;
   uint32_t blob_flags;
   uint64_t blob_id;
   uint64_t size;
   const struct iovec *iovecs;
   uint32_t num_iovs;
};

struct virgl_renderer_resource_import_blob_args {
   uint32_t res_handle;
   uint32_t blob_mem;
   uint32_t fd_type;
   int fd;
   uint64_t size;
};

/* virgl_renderer_context_create_fence() flags */
#define VIRGL_RENDERER_FENCE_FLAG_MERGEABLE (1 << 0)
/* virgl_renderer_context_create_with_flags(): the capset id. */
#define VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK 0xff

/* Logging (the VMM may take our log lines). */
enum virgl_log_level_flags {
   VIRGL_LOG_LEVEL_DEBUG = 0,
   VIRGL_LOG_LEVEL_INFO = 1,
   VIRGL_LOG_LEVEL_WARNING = 2,
   VIRGL_LOG_LEVEL_ERROR = 3,
   VIRGL_LOG_LEVEL_SILENT = 4,
};
typedef void (*virgl_debug_callback_type)(const char *fmt, va_list ap);
typedef void (*virgl_log_callback_type)(enum virgl_log_level_flags level, const char *message,
                                        void *user_data);
typedef void (*virgl_free_data_callback_type)(void *user_data);

/* ---- the renderer --------------------------------------------------------- */

/* Start the renderer.  Calling it again with the same cookie, flags and
 * callback table (QEMU does after a device reset) succeeds and changes
 * nothing; other arguments while initialized give -EBUSY. */
VIRGL_EXPORT int virgl_renderer_init(void *cookie, int flags, struct virgl_renderer_callbacks *cb);
/* Destroy every context and resource and stop; init may follow. */
VIRGL_EXPORT void virgl_renderer_cleanup(void *cookie);
/* Destroy every context and resource; stay initialized. */
VIRGL_EXPORT void virgl_renderer_reset(void);
/* Deliver completed fences through the callbacks, on this thread. */
VIRGL_EXPORT void virgl_renderer_poll(void);
/* An fd that is readable while virgl_renderer_poll() has fences to
 * deliver; -1 with ASYNC_FENCE_CB or before init. */
VIRGL_EXPORT int virgl_renderer_get_poll_fd(void);
VIRGL_EXPORT void virgl_renderer_force_ctx_0(void);

/* Capsets may be queried before init (QEMU does at device realize): size 0
 * for the capsets not served. */
VIRGL_EXPORT void virgl_renderer_get_cap_set(uint32_t set, uint32_t *max_ver, uint32_t *max_size);
VIRGL_EXPORT void virgl_renderer_fill_caps(uint32_t set, uint32_t version, void *caps);

/* ---- contexts ------------------------------------------------------------- */

VIRGL_EXPORT int virgl_renderer_context_create(uint32_t handle, uint32_t nlen, const char *name);
VIRGL_EXPORT int virgl_renderer_context_create_with_flags(uint32_t ctx_id, uint32_t ctx_flags,
                                                          uint32_t nlen, const char *name);
VIRGL_EXPORT void virgl_renderer_context_destroy(uint32_t handle);
/* Execute `ndw` dwords of Venus commands on context `ctx_id`. */
VIRGL_EXPORT int virgl_renderer_submit_cmd(void *buffer, int ctx_id, int ndw);
/* A global fence behind all work submitted so far. */
VIRGL_EXPORT int virgl_renderer_create_fence(int client_fence_id, uint32_t ctx_id);
/* A fence on ring `ring_idx` of context `ctx_id`. */
VIRGL_EXPORT int virgl_renderer_context_create_fence(uint32_t ctx_id, uint32_t flags,
                                                     uint32_t ring_idx, uint64_t fence_id);
VIRGL_EXPORT void virgl_renderer_context_poll(uint32_t ctx_id);
VIRGL_EXPORT int virgl_renderer_context_get_poll_fd(uint32_t ctx_id);
VIRGL_EXPORT void virgl_renderer_ctx_attach_resource(int ctx_id, int res_handle);
VIRGL_EXPORT void virgl_renderer_ctx_detach_resource(int ctx_id, int res_handle);

/* ---- resources ------------------------------------------------------------ */

VIRGL_EXPORT int virgl_renderer_resource_create(struct virgl_renderer_resource_create_args *args,
                                                struct iovec *iov, uint32_t num_iovs);
VIRGL_EXPORT int virgl_renderer_resource_create_blob(
   const struct virgl_renderer_resource_create_blob_args *args);
VIRGL_EXPORT int virgl_renderer_resource_import_blob(
   const struct virgl_renderer_resource_import_blob_args *args);
VIRGL_EXPORT int virgl_renderer_resource_export_blob(uint32_t res_id, uint32_t *fd_type, int *fd);
VIRGL_EXPORT void virgl_renderer_resource_unref(uint32_t res_handle);
VIRGL_EXPORT int virgl_renderer_resource_map(uint32_t res_handle, void **map, uint64_t *out_size);
VIRGL_EXPORT int virgl_renderer_resource_map_fixed(uint32_t res_handle, void *addr);
VIRGL_EXPORT int virgl_renderer_resource_unmap(uint32_t res_handle);
VIRGL_EXPORT int virgl_renderer_resource_get_map_info(uint32_t res_handle, uint32_t *map_info);
VIRGL_EXPORT int virgl_renderer_resource_get_info(int res_handle,
                                                  struct virgl_renderer_resource_info *info);
VIRGL_EXPORT int virgl_renderer_resource_get_info_ext(int res_handle,
                                                      struct virgl_renderer_resource_info_ext *info);
VIRGL_EXPORT void virgl_renderer_resource_set_priv(uint32_t res_handle, void *priv);
VIRGL_EXPORT void *virgl_renderer_resource_get_priv(uint32_t res_handle);
/* Guest backing of a resource: the library keeps the VMM's iov array and
 * hands the same pointer back at detach; it never frees it. */
VIRGL_EXPORT int virgl_renderer_resource_attach_iov(int res_handle, struct iovec *iov, int num_iovs);
VIRGL_EXPORT void virgl_renderer_resource_detach_iov(int res_handle, struct iovec **iov,
                                                     int *num_iovs);
VIRGL_EXPORT int virgl_renderer_transfer_read_iov(uint32_t handle, uint32_t ctx_id, uint32_t level,
                                                  uint32_t stride, uint32_t layer_stride,
                                                  struct virgl_box *box, uint64_t offset,
                                                  struct iovec *iov, int iovec_cnt);
VIRGL_EXPORT int virgl_renderer_transfer_write_iov(uint32_t handle, uint32_t ctx_id, int level,
                                                   uint32_t stride, uint32_t layer_stride,
                                                   struct virgl_box *box, uint64_t offset,
                                                   struct iovec *iovec, unsigned int iovec_cnt);
VIRGL_EXPORT void virgl_renderer_get_rect(int resource_id, struct iovec *iov, unsigned int num_iovs,
                                          uint32_t offset, int x, int y, int width, int height);
/* A malloc'ed copy of a 2D resource's pixels (QEMU: the cursor image);
 * the caller frees it. */
VIRGL_EXPORT void *virgl_renderer_get_cursor_data(uint32_t resource_id, uint32_t *width,
                                                  uint32_t *height);
/* GL-only: fail. */
VIRGL_EXPORT int virgl_renderer_get_fd_for_texture(uint32_t tex_id, int *fd);
VIRGL_EXPORT int virgl_renderer_get_fd_for_texture2(uint32_t tex_id, int *fd, int *stride,
                                                    int *offset);
VIRGL_EXPORT int virgl_renderer_resource_import_eglimage(
   struct virgl_renderer_resource_create_args *args, void *image);
VIRGL_EXPORT int virgl_renderer_execute(void *execute_args, uint32_t execute_size);
VIRGL_EXPORT int virgl_renderer_export_fence(uint64_t client_fence_id, int *fd);

VIRGL_EXPORT virgl_debug_callback_type virgl_set_debug_callback(virgl_debug_callback_type cb);
VIRGL_EXPORT void virgl_set_log_callback(virgl_log_callback_type cb, void *user_data,
                                         virgl_free_data_callback_type free_user_data_cb);

#ifdef __cplusplus
}
#endif

#endif /* VIRGLRENDERER_H */
