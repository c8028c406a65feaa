/*
 * object_table.h — a context's guest id → object map (docs/PROTOCOL.md §7).
 *
 * Guest ids are 64-bit values the guest chooses; 0 is never valid, an id is
 * bound at most once, and every lookup checks the object's type.  Every
 * ring of a context decodes on its own thread, so the table takes a
 * reader/writer lock: lookups share it, insert/remove take it alone.
 */
#ifndef PV_OBJECT_TABLE_H
#define PV_OBJECT_TABLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "renderer/vk/pv_object.h"

struct pv_object_table {
   pthread_rwlock_t lock;
   struct pv_object **slots; /* by id; open addressing; NULL = empty, TOMBSTONE = removed */
   struct pv_object **hslots;/* the same objects by (host handle, type); same capacity */
   size_t cap;               /* power of two */
   size_t count;             /* live objects */
   size_t used;              /* live + tombstones */
   size_t limit;             /* most live objects allowed */
   /* Bumped (under the write lock) whenever an object leaves the table, so
    * readers' caches know their entries may be stale. */
   atomic_uint_fast64_t generation;
};

/* A reader's cache of recent lookups (one per decoding thread): streams
 * name the same command buffer and layout over and over, and a hit skips
 * the lock and the probe.  Entries hold only objects that were bound; any
 * removal from the table empties every cache.  A hit is exactly as safe as
 * a locked lookup whose result is used after the lock is dropped. */
#define PV_OBJECT_CACHE_SIZE 8
struct pv_object_cache {
   uint64_t generation;
   struct { uint64_t id; struct pv_object *obj; } slot[PV_OBJECT_CACHE_SIZE];
};

int pv_object_table_init(struct pv_object_table *t, size_t limit);
/* Frees the table only; call pv_object_table_drain first to reach the
 * objects. */
void pv_object_table_fini(struct pv_object_table *t);

/* Bind obj->id.  -EINVAL for id 0, -EEXIST if bound, -ENOSPC at the limit,
 * -ENOMEM. */
int pv_object_table_insert(struct pv_object_table *t, struct pv_object *obj);
/* The object bound to id if it has `type` (VK_OBJECT_TYPE_UNKNOWN: any). */
struct pv_object *pv_object_table_lookup(struct pv_object_table *t, uint64_t id, VkObjectType type);
/* pv_object_table_lookup through a reader's cache (zeroed before first use). */
struct pv_object *pv_object_table_lookup_cached(struct pv_object_table *t,
                                               struct pv_object_cache *cache, uint64_t id,
                                               VkObjectType type);
/* Unbind and return the object bound to id if it has `type`, else NULL. */
struct pv_object *pv_object_table_remove(struct pv_object_table *t, uint64_t id, VkObjectType type);
/* Remove every object, calling fn on each, without the lock held
 * (teardown: afterwards only pv_object_table_fini is allowed). */
void pv_object_table_drain(struct pv_object_table *t, void (*fn)(void *user, struct pv_object *),
                           void *user);
/* Remove every object for which match(user, obj) is true, then call
 * fn(user, obj) on each, outside the lock. */
void pv_object_table_remove_matching(struct pv_object_table *t,
                                     bool (*match)(void *user, const struct pv_object *),
                                     void (*fn)(void *user, struct pv_object *), void *user);
/* Call fn on every object under the read lock (fn must not touch the table). */
void pv_object_table_for_each(struct pv_object_table *t, void (*fn)(void *user, struct pv_object *),
                              void *user);
/* The id bound to a host handle of `type`, 0 if none. */
uint64_t pv_object_table_find_handle(struct pv_object_table *t, VkObjectType type, uint64_t handle);
/* The object behind a host handle of `type` (handles inside decoded
 * structs), or NULL. */
struct pv_object *pv_object_table_lookup_handle(struct pv_object_table *t, VkObjectType type,
                                               uint64_t handle);

#endif
