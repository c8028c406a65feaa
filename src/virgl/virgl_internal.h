/*
 * virgl_internal.h — the state behind the virglrenderer ABI.
 *
 * The ABI is a set of global functions, so its state is one process-wide
 * instance (pv_virgl).  It is built on pvvenus.h only: each virtio-gpu
 * context is a pv_context, each blob a resource of the contexts it is
 * attached to, plus the 2D resources that only the VMM's console uses.
 *
 * Locking: `lock` guards the tables and is held around library calls,
 * except pv_renderer_poll() and pv_context_destroy(), which run under the
 * recursive `poll_lock` (the library forbids running them together, and a
 * fence callback delivered by the poll may destroy a context).  Fence
 * callbacks never take `lock`: with async callbacks they come from library
 * threads that pv_context_destroy() joins while `lock` may be held.
 */
#ifndef PV_VIRGL_INTERNAL_H
#define PV_VIRGL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pvvenus.h"
#include "util/pv_idmap.h"
#include "util/pv_log.h"
#include "virglrenderer.h"

/* The transfer box: virtio-gpu's box, six 32-bit fields. */
struct virgl_box {
   uint32_t x, y, z, w, h, d;
};

/* A virtio-gpu context (ctx_id >= 1), or the hidden ctx 0 that global
 * fences run on. */
struct pv_virgl_ctx {
   uint32_t id;
   struct pv_context *pv;
};

enum pv_virgl_res_kind { PV_VIRGL_RES_BLOB, PV_VIRGL_RES_2D };

struct pv_virgl_res {
   uint32_t id;
   enum pv_virgl_res_kind kind;
   void *priv;                  /* virgl_renderer_resource_set_priv */
   struct iovec *iov;           /* the VMM's backing, handed back at detach */
   int iov_count;
   /* blob */
   uint32_t *ctxs;              /* ids of the contexts it is attached to */
   uint32_t ctx_count, ctx_cap;
   struct pv_resource_mapping map; /* ptr NULL: no host mapping */
   bool mapped;                 /* handed to the VMM by resource_map */
   /* 2D */
   uint32_t format, width, height, stride;
   uint8_t *pixels;
};

struct pv_virgl {
   pthread_mutex_t lock;
   pthread_mutex_t poll_lock; /* recursive */
   bool initialized;
   void *cookie;
   int flags;
   struct virgl_renderer_callbacks *cb;
   int cb_version;
   bool async;                /* ASYNC_FENCE_CB: callbacks from any thread */
   struct pv_renderer *renderer;
   struct pv_logger log;
   struct pv_idmap contexts;  /* ctx_id → struct pv_virgl_ctx * */
   struct pv_idmap resources; /* res_id → struct pv_virgl_res * */
   struct pv_virgl_ctx ctx0;
   uint64_t bytes_2d;         /* pixels of live 2D resources */
   /* Polled fences (no ASYNC_FENCE_CB): a ring fence was created since the
    * last virgl_renderer_poll, which may then wait up to poll_wait_ns for
    * it (PV_VENUS_POLL_WAIT_US; see virgl_state.c). */
   atomic_bool ring_fence_since_poll;
   uint64_t poll_wait_ns;
};

extern struct pv_virgl pv_virgl;

/* Most 2D pixels held at once, and the largest side of one resource. */
#define PV_VIRGL_MAX_2D_BYTES (512ull << 20)
#define PV_VIRGL_MAX_2D_SIDE 16384u
/* Default of PV_VENUS_POLL_WAIT_US (virgl_state.c). */
#define PV_VIRGL_DEFAULT_POLL_WAIT_US 1000u
/* Freed heap memory kept for reuse, MiB (PV_VENUS_HEAP_KEEP_MIB; pvvenus.h's
 * pv_process_keep_freed_heap says why). */
#define PV_VIRGL_DEFAULT_HEAP_KEEP_MIB 64u

/* Set up the locks and logger once per process. */
void pv_virgl_once(void);

/* The renderer, created on first use (capsets may be asked before init).
 * Called with `lock`.  NULL if it cannot be made. */
struct pv_renderer *pv_virgl_renderer_locked(void);

/* Lookups, with `lock`; NULL (and a log line naming `what`) when unknown. */
struct pv_virgl_ctx *pv_virgl_ctx_get(uint32_t ctx_id, const char *what);
struct pv_virgl_res *pv_virgl_res_get(uint32_t res_id, const char *what);

/* Add a new resource to the table, with `lock`: 0 or a negative errno. */
int pv_virgl_res_insert(struct pv_virgl_res *res);
/* Free a resource already out of the table, with `lock`. */
void pv_virgl_res_free(struct pv_virgl_res *res);
/* The 2D part of pv_virgl_res_free. */
void pv_virgl_2d_free(struct pv_virgl_res *res);
/* A blob's list of the contexts it is attached to (virgl_context.c). */
int pv_virgl_res_add_ctx(struct pv_virgl_res *r, uint32_t ctx_id);
/* Detach a blob from every live context that holds it. */
void pv_virgl_res_detach_all(struct pv_virgl_res *r);
/* Drop every resource and context (reset, cleanup); with poll_lock and
 * lock. */
void pv_virgl_res_drop_all(void);
void pv_virgl_ctx_drop_all(void);

#endif /* PV_VIRGL_INTERNAL_H */
