/*
 * context.h — the renderer and context internals (not public).
 *
 * A pv_context is one guest Vulkan client.  This header gives the code
 * inside the library (dispatch, rings, Vulkan-object handlers) what it
 * needs: the logger, the fatal flag, the resource table, and the hooks
 * that the Vulkan layer fills in (export_memory, per-timeline fences,
 * on_destroy).
 *
 * Locking: submit_lock (held by pv_context_submit while a command stream
 * runs) may be held while taking res_lock or sync.lock; res_lock and
 * sync.lock are never held together.  No lock is held while a hook or a
 * user callback runs, except submit_lock in pv_context_submit().
 */
#ifndef PV_RENDERER_CONTEXT_H
#define PV_RENDERER_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform/pv_platform.h"
#include "pvvenus.h"
#include "util/pv_budget.h"
#include "util/pv_idmap.h"
#include "renderer/core/sync.h"
#include "util/pv_log.h"

/* ---- renderer ----------------------------------------------------------- */

struct pv_recorder;

struct pv_renderer {
   struct pv_logger log;
   /* The Vulkan loader builds a trampoline for every entry-point name it
    * does not know, in state shared by the whole process; asking for such
    * names from several threads at once crashes it (seen with 16 clients
    * creating devices together).  Dispatch tables load under this lock. */
   pthread_mutex_t loader_lock;
   /* Which memory types of a host device can import our shared memory
    * (memory.c).  Finding out takes a throwaway VkDevice, tens of
    * milliseconds on a GPU driver: once per device and driver, not once
    * per client.  Keyed by device and driver UUID and driver version. */
   pthread_mutex_t probe_lock;
   struct pv_import_probe {
      uint8_t device_uuid[16], driver_uuid[16]; /* VK_UUID_SIZE */
      uint32_t driver_version, bits;
   } probes[8];
   uint32_t probe_count;
   char *record_dir; /* NULL: no recording */
   struct pv_renderer_config config;
   uint64_t max_shm_blob_size;
   uint64_t page_size;              /* mappable blob sizes are multiples */
   struct pv_context_limits limits; /* resolved: no zero fields */
   _Atomic uint32_t next_ctx_serial;
   struct pv_fence_queue polled; /* PV_RENDERER_FENCES_POLLED only */
   /* What all contexts together hold (pvvenus.h, "process-wide budgets"). */
   struct pv_budget contexts;
   struct pv_budget rings;     /* taken by the Vulkan layer's rings */
   struct pv_budget blobs;     /* once per resource, however many hold it */
   struct pv_budget shm_bytes; /* once per shm resource */
   struct pv_budget waits;     /* pending sync waits */
};

/* ---- hooks the Vulkan layer fills in ------------------------------------ */

/* What export_memory returns for a blob_id != 0. */
struct pv_export_result {
   int fd;                        /* handed to the caller of create_blob */
   enum pv_blob_fd_type fd_type;
   enum pv_map_caching map_caching;
   uint64_t size;
   void *map;                     /* host mapping if one exists, else NULL */
   void *priv;                    /* passed to release() */
   void (*release)(void *priv);   /* called when the resource is freed; may be NULL */
   int (*dup_fd)(void *priv);     /* a new fd for the memory, or -errno; may be NULL */
};

/*
 * Export the guest VkDeviceMemory with object id `blob_id` as a blob.
 * Returns 0 and fills *out, or a negative errno (logged by the caller; the
 * create_blob request fails, the context stays healthy).
 */
typedef int (*pv_export_memory_fn)(struct pv_context *ctx, uint64_t blob_id, uint32_t blob_type,
                                   uint32_t blob_flags, uint64_t size,
                                   struct pv_export_result *out);

/* ---- context ------------------------------------------------------------ */

#define PV_CONTEXT_NAME_MAX 64
/* Defaults of struct pv_context_limits (pvvenus.h documents them). */
#define PV_DEFAULT_MAX_OBJECTS (1u << 20)
#define PV_DEFAULT_MAX_DEVICE_MEMORY (16ull << 30)
#define PV_DEFAULT_MAX_BLOBS (1u << 15)
#define PV_DEFAULT_MAX_SHM_BYTES (4ull << 30)
#define PV_DEFAULT_MAX_RINGS 64u
#define PV_DEFAULT_MAX_SYNCS (1u << 16)

struct pv_context {
   struct pv_renderer *renderer;
   const struct pv_logger *log;
   char name[PV_CONTEXT_NAME_MAX];
   uint32_t serial;    /* for logs */
   uint32_t capset_id;
   void *user;         /* embedder's pointer */
   struct pv_recorder *recorder; /* NULL unless recording */

   _Atomic bool fatal;
   pthread_mutex_t fatal_lock;
   char fatal_reason[256]; /* immutable once `fatal` is set */

   pthread_mutex_t submit_lock; /* serializes pv_context_submit() */

   pthread_mutex_t res_lock;
   uint64_t shm_bytes;          /* live shm blobs (res_lock) */
   struct pv_idmap resources;   /* res_id → struct pv_res_entry * (resource.c) */

   struct pv_sync_state sync;   /* syncs, waits, timelines (sync.h) */

   /* --- filled in by the Vulkan layer (dispatch.c and friends) --- */
   /* Set once a device of the context busy-waits (device.c), read by
    * pv_context_busy_waits() for the embedder's threads. */
   _Atomic bool busy_wait;
   /* blob_id != 0 export; NULL ⇒ create_blob fails with -ENOTSUP. */
   pv_export_memory_fn export_memory;
   /* Called before a resource operation that may depend on work the
    * context's stream ordered behind a ring (ring_gate.h), and before a
    * fence past the cap of held ones (sync.c): waits for that work;
    * nonzero if it can no longer happen (the context is then fatal).
    * May be NULL. */
   int (*settle)(struct pv_context *ctx);
   /* Called first thing in pv_context_destroy: stop rings and threads,
    * drop resource pins, destroy Vulkan objects.  May be NULL. */
   void (*on_destroy)(struct pv_context *ctx);
   /* Private state of the Vulkan layer. */
   void *vk;
};

/* Mark the context fatal.  The first reason wins and is logged at error
 * level; later calls do nothing.  Thread-safe. */
void pv_context_set_fatal(struct pv_context *ctx, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));

#endif /* PV_RENDERER_CONTEXT_H */
