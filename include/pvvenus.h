/*
 * pvvenus.h — PearVisor Venus, the public embedding API.
 *
 * A hypervisor (or the bundled vtest server, `pv-venus serve`) links this
 * library to serve Mesa's "venus" Vulkan driver running in a guest.  The
 * library knows nothing about sockets or virtqueues: the embedder turns its
 * transport into the calls below.
 *
 * Objects
 *   struct pv_renderer  one per process (or per VM); holds the logger and
 *                       the configuration.
 *   struct pv_context   one per guest Vulkan client (a virtio-gpu context,
 *                       or one vtest connection).  Holds the resources
 *                       attached to it, its sync objects, its 64 fence
 *                       timelines, its Vulkan objects and rings.  A
 *                       context never sees another context's objects; a
 *                       fault in one context (a "fatal" context) never
 *                       affects another.
 *
 * Two transports, one API
 *   vtest (pv-venus serve): the library chooses resource ids
 *   (pv_context_create_blob) and hands every blob out as an fd; fences
 *   complete vtest sync objects.
 *   virtio-gpu (a VMM): the guest chooses resource ids
 *   (pv_context_create_blob_with_id), a resource may be attached to several
 *   contexts (pv_context_attach_resource), the VMM maps blobs into the
 *   guest's host-memory window (pv_context_map_resource, sizes rounded to
 *   the host page size), and context fences on ring indices complete
 *   through fence_retired — from a library thread, or from
 *   pv_renderer_poll() on the VMM's own thread (PV_RENDERER_FENCES_POLLED).
 *
 * Conventions
 *   - Functions that can fail return 0 on success and a negative errno
 *     value on failure (-EINVAL bad argument, -ENOENT unknown id, -ENOMEM,
 *     -ENOTSUP not implemented, -EIO the context is fatal, …).  Nothing
 *     aborts on guest-controlled input; every id, size and count coming
 *     from a guest may be passed through unchecked.
 *   - File descriptors returned through an out parameter belong to the
 *     caller, who must close them.  The library never closes a caller's fd.
 *   - Thread safety: pv_renderer_* functions may be called from any thread.
 *     The functions of one context may be called concurrently from several
 *     threads (they lock internally), except pv_context_destroy, which must
 *     not race with any other call on that context.  Distinct contexts are
 *     fully independent.
 *   - Callbacks (log sink, fence_retired) may be invoked from any thread,
 *     including library-internal ones.  fence_retired may call back into
 *     the API, except pv_context_submit and pv_context_destroy of the
 *     context it is called for (it may run inside that context's command
 *     execution).  The log sink must not call into the API.
 */
#ifndef PVVENUS_H
#define PVVENUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PV_API
#define PV_API __attribute__((visibility("default")))
#endif

/* ---- constants ---------------------------------------------------------- */

/* The one capset this renderer serves (virtio-gpu capset id VENUS). */
#define PV_CAPSET_VENUS 4u
#define PV_CAPSET_VENUS_MAX_VERSION 0u
#define PV_CAPSET_VENUS_SIZE 160u

/* Fence timelines per context (vtest MAX_TIMELINE_COUNT).  Timeline 0 is the
 * "CPU" timeline; 1…63 are bound to guest VkQueues by the guest's
 * VkDeviceQueueTimelineInfoMESA. */
#define PV_MAX_TIMELINES 64u

/* ---- renderer ----------------------------------------------------------- */

struct pv_renderer;
struct pv_context;

/* Log levels.  PV_VENUS_LOG_DEFAULT in a config means "from the
 * PV_VENUS_DEBUG environment variable (error, warn, info, debug, trace),
 * info when unset". */
enum pv_venus_log_level {
   PV_VENUS_LOG_DEFAULT = 0,
   PV_VENUS_LOG_ERROR = 1,
   PV_VENUS_LOG_WARN = 2,
   PV_VENUS_LOG_INFO = 3,
   PV_VENUS_LOG_DEBUG = 4,
   PV_VENUS_LOG_TRACE = 5,
};

/* Receives one complete line (no trailing newline).  `msg` is valid only
 * during the call.  Called concurrently from several threads. */
typedef void (*pv_venus_log_fn)(void *user, enum pv_venus_log_level level, const char *msg);

/* Called when a fence submitted with pv_context_submit_fence() retires, in
 * submission order per (context, timeline), after the syncs it lists were
 * set.  Useful to complete virtio-gpu fences.  Runs on an arbitrary thread,
 * even from inside pv_context_submit_fence() (a fence on timeline 0
 * retires at once); with PV_RENDERER_FENCES_POLLED only inside
 * pv_renderer_poll(). */
typedef void (*pv_fence_retired_fn)(void *user, struct pv_context *ctx, uint32_t ring_idx,
                                    uint64_t fence_id);

/*
 * Per-context limits: what one guest may make the host hold.  A zero field
 * selects the default given beside it.  Hitting a limit is logged with the
 * limit's name; an allocation the guest may see fail (device memory, query
 * pools, descriptor sets) fails as a full device would, anything else makes the context fatal
 * or fails the vtest request.
 */
struct pv_context_limits {
   uint32_t max_objects;        /* live Vulkan objects; default 1,048,576 */
   /* Bytes of live VkDeviceMemory, plus what query pools (8 bytes per
    * query and 8 per result value) and descriptor sets (64 bytes per
    * descriptor) are estimated to hold in the driver; default 16 GiB.
    * Past it the guest sees VK_ERROR_OUT_OF_DEVICE_MEMORY (memory, query
    * pools) or VK_ERROR_OUT_OF_POOL_MEMORY (descriptor sets). */
   uint64_t max_device_memory;
   /* Live blob resources; default 32,768.  Each is a mapping of this
    * process, and Linux allows 65,530 by default (vm.max_map_count), some
    * of which the host driver needs: past that a blob would fail with a
    * mapping error instead of this limit's name. */
   uint32_t max_blobs;
   uint64_t max_shm_bytes;      /* bytes of live shared-memory blobs; default 4 GiB */
   uint32_t max_rings;          /* live rings; default 64 */
   uint32_t max_syncs;          /* live vtest sync objects; default 65,536 */
};

struct pv_renderer_config {
   /* Log sink; NULL writes "pv-venus: LEVEL: message" lines to stderr. */
   pv_venus_log_fn log_fn;
   void *log_user;
   enum pv_venus_log_level log_level;
   /* PV_RENDERER_* flags below; an unknown bit gives -EINVAL. */
   uint32_t flags;
   /* Largest plain shared-memory blob (blob_id 0) a guest may create, in
    * bytes; 0 selects the default, 1 GiB. */
   uint64_t max_shm_blob_size;
   /* Optional; see pv_fence_retired_fn. */
   pv_fence_retired_fn fence_retired;
   void *fence_user;
   /* Limits of every context; zeros take the defaults. */
   struct pv_context_limits limits;
   /* Record every context's guest traffic into this directory (one file
    * per context, see `pv-venus replay`); NULL takes the PV_VENUS_RECORD
    * environment variable; unset or empty records nothing.  Copied. */
   const char *record_dir;
   /* The host page size that sizes of mappable blobs are rounded up to,
    * in bytes: a power of two from 4096 to 1 MiB, or 0 for the page size
    * of this host.  A VMM whose hypervisor maps guest memory in larger
    * units sets it (16384 for Hypervisor.framework on Apple silicon, where
    * hv_vm_map refuses sizes that are not a multiple of 16 KiB). */
   uint32_t page_size;
   /* Pending sync waits (pv_sync_wait) of all contexts together: each
    * holds a file descriptor (two with the pipe fallback of non-Linux
    * hosts), and descriptors are the process's.  0: a quarter of the
    * open-files limit at creation (RLIMIT_NOFILE), at least 64.  Past it
    * pv_sync_wait gives -ENOSPC and logs the limit's name. */
   uint32_t max_pending_waits;
   /* More process-wide budgets: what all contexts together may hold, so
    * that many guests, each within `limits`, cannot exhaust the process.
    * 0 selects the default beside each.  A refusal fails the request as
    * the matching per-context limit does and logs the budget's name (at
    * most one line a second per budget); pv_renderer_get_usage() reads
    * them. */
   uint32_t max_contexts;        /* live contexts; pv_context_create gives -ENOSPC; default 1024 */
   uint32_t max_total_rings;     /* live rings, a reader thread each; default 4096 */
   /* Live blobs, a mapping each, counted once however many contexts hold
    * them; default half of the system's mapping limit where it has one
    * (Linux vm.max_map_count: 32,765 of 65,530), else 32,768. */
   uint32_t max_total_blobs;
   /* Bytes of live shared-memory blobs; default half the host's physical
    * memory (16 GiB where it cannot be read). */
   uint64_t max_total_shm_bytes;
};

/* config.flags: fence_retired is called only from pv_renderer_poll(), on
 * the caller's thread, never from a library thread; pv_renderer_fence_fd()
 * tells when to call it.  For VMMs whose fence completion is not
 * thread-safe (QEMU without async fence callbacks, crosvm). */
#define PV_RENDERER_FENCES_POLLED (1u << 0)
/* config.flags: offer guests what a window system's dma-buf path needs,
 * served by the renderer where the host driver lacks it:
 * VK_KHR_external_memory_fd and VK_EXT_external_memory_dma_buf (export of
 * host-visible memory, which the renderer backs with shared memory; in a
 * VM the guest kernel makes the dma-buf of the blob, through vtest the
 * guest gets the shared-memory fd), VK_EXT_image_drm_format_modifier
 * (DRM_FORMAT_MOD_LINEAR only, as linear tiling) and
 * VK_EXT_queue_family_foreign.  Mesa 25.0's venus offers VK_KHR_swapchain
 * only with all three.  Opt-in because venus from 25.2 on then presents
 * through dma-bufs instead of its CPU path, which needs a display server
 * that imports them (DRI3; Xvfb has none); where the host has the
 * extensions itself they are offered either way. */
#define PV_RENDERER_SERVE_WSI_MEMORY (1u << 1)
/* config.flags: never busy-wait.  By default, for a guest device that is a
 * GPU on a host with at least 8 CPUs, the renderer trades spare CPU time
 * for latency: a queue's retire thread polls each fence (yielding between
 * polls) for up to 1 ms before it sleeps on it, so the GPU's completion
 * reaches the guest without a sleeping thread to wake first; then it wakes
 * the context's ring readers, which spin and yield again as after a
 * command, so the guest's next command (due once it sees the fence) finds
 * them awake.  It costs up to a core per queue while work is in flight,
 * and a reader's spin after each completion.  Never on a CPU device
 * (lavapipe, SwiftShader): there the cores do the guest's work.  An
 * embedder's own threads can follow the same policy through
 * pv_context_busy_waits(); the vtest server does. */
#define PV_RENDERER_NO_BUSY_WAIT (1u << 2)

/* Create a renderer.  `config` may be NULL (all defaults); it is copied.
 * On success *out receives the renderer, owned by the caller. */
PV_API int pv_renderer_create(const struct pv_renderer_config *config, struct pv_renderer **out);

/* Destroy a renderer.  All its contexts must have been destroyed first.
 * NULL is accepted. */
PV_API void pv_renderer_destroy(struct pv_renderer *r);

/* Let the C library keep up to `bytes` of freed heap memory for reuse,
 * per heap (glibc: fixed mmap and trim thresholds; it makes up to 8 heaps
 * a core for threads), instead of handing it back to the system at once.  A CPU host driver (lavapipe) allocates and frees
 * buffers on the threads that call it, every draw: on the renderer's
 * ring threads, whose heaps glibc trims past 128 KiB, so each draw took
 * its memory back page fault by page fault (glmark2's shading scene
 * through lavapipe: 114,000 faults in 4 s and 181 frames a second; with
 * 64 MiB kept, 328 faults and 536 frames a second).  Process-wide, so the
 * process's owner decides: pv-venus serve and the virglrenderer drop-in
 * keep 64 MiB.  Returns 0, or -ENOTSUP where the C library has no such
 * setting (then nothing changed). */
PV_API int pv_process_keep_freed_heap(size_t bytes);

/*
 * Copy capset `capset_id` at `version` into `buf`.
 *   On entry *size is the capacity of `buf`; on return it holds the capset's
 *   size (160 for Venus) whenever the capset exists.  With buf == NULL only
 *   the size is returned.
 * Returns 0, -EINVAL for a capset/version this renderer does not serve
 * (only PV_CAPSET_VENUS version 0 exists), or -ENOSPC if *size on entry was
 * too small (nothing copied).
 */
PV_API int pv_renderer_get_capset(struct pv_renderer *r, uint32_t capset_id, uint32_t version,
                                  void *buf, size_t *size);

/* One process-wide budget: how much is held now, and its limit. */
struct pv_budget_usage {
   uint64_t used;
   uint64_t limit;
};

/* What all contexts of a renderer hold against its budgets, for operators
 * and tests.  Each figure is read separately (not one snapshot). */
struct pv_renderer_usage {
   struct pv_budget_usage contexts;      /* config.max_contexts */
   struct pv_budget_usage rings;         /* config.max_total_rings */
   struct pv_budget_usage blobs;         /* config.max_total_blobs */
   struct pv_budget_usage shm_bytes;     /* config.max_total_shm_bytes */
   struct pv_budget_usage pending_waits; /* config.max_pending_waits */
};

/* Fill *out; -EINVAL for NULL arguments. */
PV_API int pv_renderer_get_usage(const struct pv_renderer *r, struct pv_renderer_usage *out);

/* The page size mappable blob sizes are rounded to (config.page_size, or
 * this host's). */
PV_API uint32_t pv_renderer_page_size(const struct pv_renderer *r);

/*
 * With PV_RENDERER_FENCES_POLLED: an fd, owned by the renderer (do not
 * close it), that is readable (POLLIN) while retired fences wait for
 * pv_renderer_poll().  -EINVAL without the flag.
 */
PV_API int pv_renderer_fence_fd(struct pv_renderer *r);

/*
 * With PV_RENDERER_FENCES_POLLED: call fence_retired, on this thread, for
 * every fence that retired since the last call, in retirement order, and
 * make the fence fd unreadable again.  Returns how many were delivered.
 * The callback may call any function of the API, pv_context_destroy()
 * included (the destroyed context's remaining fences are dropped).  Must
 * not run concurrently with itself or with pv_context_destroy().  Without
 * the flag it does nothing and returns 0.
 */
PV_API unsigned pv_renderer_poll(struct pv_renderer *r);

/* ---- contexts ----------------------------------------------------------- */

/*
 * Create a context for one guest client.  `name` (may be NULL) is used in
 * logs only; it is copied, truncated and sanitized.  `capset_id` must be
 * PV_CAPSET_VENUS (-EINVAL otherwise).  The context is owned by the caller
 * and must be destroyed before the renderer.
 */
PV_API int pv_context_create(struct pv_renderer *r, const char *name, uint32_t capset_id,
                             struct pv_context **out);

/* Destroy a context and everything it owns: resources (mappings are
 * unmapped; fds handed out earlier stay valid in their holders), syncs,
 * pending waits (their fds never become readable; with the pipe fallback
 * of non-Linux hosts a poller sees POLLHUP without POLLIN), pending fences
 * (dropped without calling fence_retired) and Vulkan objects and rings.
 * NULL is accepted. */
PV_API void pv_context_destroy(struct pv_context *ctx);

/* An opaque pointer for the embedder, returned by pv_context_get_user(). */
PV_API void pv_context_set_user(struct pv_context *ctx, void *user);
PV_API void *pv_context_get_user(const struct pv_context *ctx);

/* A context becomes fatal on the first malformed or forbidden guest
 * action (bad command stream, unref of a resource a ring still uses, fence
 * on an unbound timeline, …).  The reason is logged once.  A fatal context
 * executes nothing more; the embedder should report the device lost (vtest:
 * drop the client) and destroy it.  Thread-safe. */
PV_API bool pv_context_is_fatal(const struct pv_context *ctx);
/* The first fatal reason, or NULL while the context is healthy.  The
 * string stays valid until the context is destroyed. */
PV_API const char *pv_context_fatal_reason(const struct pv_context *ctx);

/* True once the guest created a device that busy-waits (a GPU on a host
 * with 8 or more CPUs, unless PV_RENDERER_NO_BUSY_WAIT): spare cores are
 * then worth trading for latency, and an embedder thread that waits for
 * the guest's next request may poll for it a while before it sleeps (the
 * vtest server polls the client's socket for up to 1 ms).  Thread-safe;
 * false for NULL. */
PV_API bool pv_context_busy_waits(const struct pv_context *ctx);

/* ---- blob resources ----------------------------------------------------- */

/* Blob types and flags: the virtio-gpu / vtest values. */
#define PV_BLOB_TYPE_GUEST 1u
#define PV_BLOB_TYPE_HOST3D 2u
#define PV_BLOB_TYPE_HOST3D_GUEST 3u

#define PV_BLOB_FLAG_MAPPABLE (1u << 0)
#define PV_BLOB_FLAG_SHAREABLE (1u << 1)
#define PV_BLOB_FLAG_CROSS_DEVICE (1u << 2)

enum pv_blob_fd_type {
   PV_BLOB_FD_NONE = 0,
   PV_BLOB_FD_SHM = 1,    /* mmap-able shared memory (memfd / shm_open) */
   PV_BLOB_FD_DMABUF = 2, /* Linux dma-buf */
   PV_BLOB_FD_OPAQUE = 3, /* driver-specific; not mmap-able by a guest */
};

/* Caching of a mapping (virtio-gpu VIRTIO_GPU_MAP_CACHE_* values). */
enum pv_map_caching {
   PV_MAP_CACHE_NONE = 0,
   PV_MAP_CACHE_CACHED = 1,
   PV_MAP_CACHE_UNCACHED = 2,
   PV_MAP_CACHE_WC = 3,
};

struct pv_blob_info {
   int fd;                       /* owned by the caller; close it when done */
   enum pv_blob_fd_type fd_type;
   uint64_t size;                /* bytes mappable from offset 0 of fd */
   enum pv_map_caching map_caching;
};

/*
 * Create a blob resource.
 *   blob_id == 0 and blob_flags == PV_BLOB_FLAG_MAPPABLE exactly (type
 *   HOST3D): plain shared memory of `size` bytes, zero-filled, which the
 *   renderer maps too (Venus rings, reply and command buffers live there).
 *   blob_id != 0: export the guest VkDeviceMemory whose object id is
 *   blob_id (-ENOTSUP until device memory export is implemented).
 * On success *res_id receives a new id (>= 1, unique in this context while
 * the resource lives; freed ids may be reused later) and *info describes
 * the fd the caller now owns.  On failure nothing is created and no fd is
 * returned (info->fd == -1).
 */
PV_API int pv_context_create_blob(struct pv_context *ctx, uint32_t blob_type, uint32_t blob_flags,
                                  uint64_t size, uint64_t blob_id, uint32_t *res_id,
                                  struct pv_blob_info *info);

/*
 * The same as pv_context_create_blob, with the resource id chosen by the
 * caller (virtio-gpu: the guest chooses it): `res_id` >= 1, not attached to
 * this context yet (-EEXIST otherwise).  With info == NULL no fd is made:
 * a VMM that maps the blob with pv_context_map_resource() needs none, and
 * a blob costs no file descriptor for its lifetime.  Sizes are rounded up
 * to the renderer's page size (pv_renderer_page_size): info->size and the
 * mapping's size say how much.
 */
PV_API int pv_context_create_blob_with_id(struct pv_context *ctx, uint32_t res_id,
                                          uint32_t blob_type, uint32_t blob_flags,
                                          uint64_t size, uint64_t blob_id,
                                          struct pv_blob_info *info);

/*
 * Drop this context's reference to resource `res_id`: the vtest unref, and
 * the virtio-gpu detach (a VMM detaches a resource from every context it
 * is attached to when the guest unrefs it).  -ENOENT for an id not
 * attached here.  The memory lives on while another context holds the
 * resource or a mapping of it exists.  If a ring or the reply stream of
 * this context still uses the resource, the context becomes fatal (the
 * memory stays mapped until those users are gone) and -EBUSY is returned.
 */
PV_API int pv_context_unref_resource(struct pv_context *ctx, uint32_t res_id);

/*
 * Attach resource `res_id` of context `src` to context `dst` under the same
 * id (virtio-gpu CTX_ATTACH_RESOURCE): Venus commands of `dst` may then name
 * it.  Attaching a resource to a context that already holds it is a no-op
 * (0).  -ENOENT if `src` does not hold `res_id`; -EEXIST if `dst` holds a
 * different resource under that id; -ENOSPC at dst's max_blobs.
 */
PV_API int pv_context_attach_resource(struct pv_context *dst, struct pv_context *src,
                                      uint32_t res_id);

struct pv_resource;

/* A host mapping of a resource, for the VMM to map into the guest. */
struct pv_resource_mapping {
   void *ptr;                   /* aligned to the renderer's page size */
   uint64_t size;               /* a multiple of the renderer's page size */
   enum pv_map_caching caching;
   struct pv_resource *res;     /* opaque: keeps the memory alive */
};

/*
 * Map resource `res_id` for the VMM.  The memory stays valid, whatever the
 * guest or the contexts do, until pv_resource_mapping_release(); the VMM
 * must have removed it from the guest by then.  -ENOENT for an unknown id,
 * -EINVAL for a resource with no host mapping (device memory that is not
 * host-visible).  The memory is the one the host driver and the guest's
 * rings use: writes are seen both ways without copies.
 */
PV_API int pv_context_map_resource(struct pv_context *ctx, uint32_t res_id,
                                   struct pv_resource_mapping *out);

/* Release a mapping (NULL or an already released one is ignored; the
 * struct is cleared).  Needs no context: it may outlive them all. */
PV_API void pv_resource_mapping_release(struct pv_resource_mapping *m);

/*
 * A new fd for resource `res_id` where the host can make one (shared
 * memory on Linux; not on hosts whose driver cannot export memory), so a
 * VMM can share the blob with another process.  On success *fd_out is
 * owned by the caller and *fd_type says what it is.  -ENOTSUP where no fd
 * can be made (the blob was created without one).
 */
PV_API int pv_context_export_resource(struct pv_context *ctx, uint32_t res_id, int *fd_out,
                                      enum pv_blob_fd_type *fd_type);

/* ---- command submission -------------------------------------------------- */

/*
 * Decode and execute a Venus command stream of `size` bytes (a multiple of
 * 4) on the context, synchronously: when it returns, every command has
 * been executed and its reply written.  `data` is only read during the
 * call.  Returns 0, -EIO if the context is or became fatal (the stream was
 * malformed or a command failed fatally), -EINVAL for a bad size.
 * Submissions on one context are serialized.
 */
PV_API int pv_context_submit(struct pv_context *ctx, const void *data, size_t size);

/* A (sync object, value) pair. */
struct pv_sync_point {
   uint32_t sync_id;
   uint64_t value;
};

/*
 * Queue a fence on timeline `ring_idx` (< PV_MAX_TIMELINES) behind
 * everything submitted so far.  When it retires, each listed sync is set to
 * its value and fence_retired(fence_id) is called.  Fences of one timeline
 * retire in submission order.
 *   Timeline 0 retires at once (all commands submitted before ran already:
 *   pv_context_submit is synchronous).  Timeline N > 0 retires when the
 *   VkQueue the guest bound to N has finished all work submitted before.
 * `syncs` (may be NULL when count is 0) is copied.  Unknown sync ids give
 * -ENOENT and queue nothing.  A timeline >= PV_MAX_TIMELINES or a timeline
 * N > 0 that no queue is bound to makes the context fatal (-EINVAL).
 */
PV_API int pv_context_submit_fence(struct pv_context *ctx, uint32_t ring_idx, uint64_t fence_id,
                                   const struct pv_sync_point *syncs, uint32_t count);

/* ---- sync objects (vtest SYNC_*) ---------------------------------------- */

/*
 * A sync object is a 64-bit counter owned by a context, set by
 * pv_sync_write() or by a retiring fence, and waited on through a pollable
 * fd.  Ids are chosen by the library (>= 1).
 */
PV_API int pv_sync_create(struct pv_context *ctx, uint64_t initial_value, uint32_t *sync_id);
/* Drop the sync.  Pending fences and waits that reference it keep it alive
 * until they are done. -ENOENT for an unknown id. */
PV_API int pv_sync_unref(struct pv_context *ctx, uint32_t sync_id);
PV_API int pv_sync_read(struct pv_context *ctx, uint32_t sync_id, uint64_t *value);
/* Set the value (not a maximum: it may go down) and wake satisfied waits. */
PV_API int pv_sync_write(struct pv_context *ctx, uint32_t sync_id, uint64_t value);

#define PV_SYNC_WAIT_ANY (1u << 0)

/*
 * Start waiting until every sync (with PV_SYNC_WAIT_ANY: any one) has a
 * value >= its point's value.  On success *fd_out receives a new fd, owned
 * by the caller, that becomes readable (POLLIN) once the condition held.
 * It never becomes readable before that — not even when the timeout
 * passes: `timeout_ns` (UINT64_MAX = forever) only bounds how long the
 * library keeps watching, so the caller's own poll() timeout decides
 * VK_TIMEOUT.  A wait with count 0 is satisfied at once.  Unknown ids give
 * -ENOENT; too many pending waits on the context give -ENOSPC.
 */
PV_API int pv_sync_wait(struct pv_context *ctx, uint32_t flags, const struct pv_sync_point *points,
                        uint32_t count, uint64_t timeout_ns, int *fd_out);

#ifdef __cplusplus
}
#endif

#endif /* PVVENUS_H */
