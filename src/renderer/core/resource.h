/*
 * resource.h — blob resources of a context, as the library's own code sees
 * them.
 *
 * Each context the resource is attached to holds one reference in its
 * table for the guest (dropped by RESOURCE_UNREF / detach).  Internal users
 * take their own:
 *   - pv_context_get_resource(): a short-lived reference, e.g. while one
 *     command reads a command-stream buffer.  The guest may unref the
 *     resource meanwhile; the memory stays mapped until the last reference
 *     goes.
 *   - pv_context_pin_resource(): a long-lived use that the guest must not
 *     end (a ring's shared memory, the reply stream).  Unref by the guest
 *     while pinned makes the context fatal (docs/PROTOCOL.md §1.3
 *     RESOURCE_UNREF); the memory still stays mapped until unpinned.
 * Note docs/PROTOCOL.md §14 N32: one blob_id-0 resource may serve several roles
 * over time, so nothing here ties a resource to a role.
 */
#ifndef PV_RENDERER_RESOURCE_H
#define PV_RENDERER_RESOURCE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pvvenus.h"

struct pv_context;
struct pv_renderer;

struct pv_resource {
   uint32_t id;               /* the same in every context it is attached to */
   _Atomic uint32_t refs;     /* one per context holding it, plus users */
   enum pv_blob_fd_type fd_type;
   enum pv_map_caching map_caching;
   uint64_t size;             /* bytes valid at map (when map != NULL) */
   void *map;                 /* host mapping, NULL if the host has none */
   /* How to free: shm mappings are unmapped; exported memory calls its
    * release hook. */
   int owns_map;
   void *priv;
   void (*release)(void *priv);
   /* A new fd for the memory (pv_context_export_resource), or a negative
    * errno; NULL where none can be made. */
   int (*dup_fd)(void *priv);
   /* Whose process-wide budgets (blobs, shared memory) this resource
    * holds until it is freed; it may outlive every context. */
   struct pv_renderer *renderer;
};

/* A new reference to resource `res_id`, or NULL if there is none.  Drop it
 * with pv_resource_unref().  Thread-safe. */
struct pv_resource *pv_context_get_resource(struct pv_context *ctx, uint32_t res_id);
void pv_resource_unref(struct pv_resource *res);

/* A reference plus a pin (see above), or NULL.  Drop both with
 * pv_resource_unpin(); the context must still exist then. */
struct pv_resource *pv_context_pin_resource(struct pv_context *ctx, uint32_t res_id);
void pv_resource_unpin(struct pv_context *ctx, struct pv_resource *res);

/* Drop the table's references (context teardown). */
void pv_context_resources_fini(struct pv_context *ctx);

#endif /* PV_RENDERER_RESOURCE_H */
