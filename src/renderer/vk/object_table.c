/* object_table.c — open-addressing hash of guest ids; see object_table.h. */
#include "renderer/vk/object_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Marks a removed slot so probe chains through it stay intact. */
#define TOMBSTONE ((struct pv_object *)(uintptr_t)1)

static size_t
hash_id(uint64_t id)
{
   id ^= id >> 33;
   id *= 0xff51afd7ed558ccdull;
   id ^= id >> 33;
   return (size_t)id;
}

/* The second index: by (host handle, type), for the few places that must
 * find the object behind a handle the host or a decoded struct holds. */
static size_t
hash_handle(uint64_t handle, VkObjectType type)
{
   return hash_id(handle * 31 + (uint64_t)type);
}

static struct pv_object **
find_by_handle(const struct pv_object_table *t, uint64_t handle, VkObjectType type)
{
   size_t mask = t->cap - 1;
   for (size_t i = hash_handle(handle, type) & mask;; i = (i + 1) & mask) {
      struct pv_object *o = t->hslots[i];
      if (!o)
         return NULL;
      if (o != TOMBSTONE && o->handle == handle && o->type == type)
         return &t->hslots[i];
   }
}

static void
place_by_handle(struct pv_object **hslots, size_t cap, struct pv_object *obj)
{
   size_t mask = cap - 1;
   size_t i = hash_handle(obj->handle, obj->type) & mask;
   while (hslots[i] && hslots[i] != TOMBSTONE)
      i = (i + 1) & mask;
   hslots[i] = obj;
}

/* Tombstone obj's slot in the handle index (it is there exactly once). */
static void
unindex_handle(struct pv_object_table *t, const struct pv_object *obj)
{
   size_t mask = t->cap - 1;
   for (size_t i = hash_handle(obj->handle, obj->type) & mask;; i = (i + 1) & mask) {
      if (!t->hslots[i])
         return;
      if (t->hslots[i] == obj) {
         t->hslots[i] = TOMBSTONE;
         return;
      }
   }
}

int
pv_object_table_init(struct pv_object_table *t, size_t limit)
{
   t->cap = 256;
   t->count = t->used = 0;
   t->limit = limit;
   t->slots = calloc(t->cap, sizeof(*t->slots));
   t->hslots = calloc(t->cap, sizeof(*t->hslots));
   int ret = t->slots && t->hslots ? pthread_rwlock_init(&t->lock, NULL) : ENOMEM;
   if (ret) {
      free(t->slots);
      free(t->hslots);
      return -ret;
   }
   return 0;
}

void
pv_object_table_fini(struct pv_object_table *t)
{
   pthread_rwlock_destroy(&t->lock);
   free(t->slots);
   free(t->hslots);
   t->slots = t->hslots = NULL;
}

/* Slot holding id, or NULL. Caller holds the lock. */
static struct pv_object **
find(const struct pv_object_table *t, uint64_t id)
{
   size_t mask = t->cap - 1;
   for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
      struct pv_object *o = t->slots[i];
      if (!o)
         return NULL;
      if (o != TOMBSTONE && o->id == id)
         return &t->slots[i];
   }
}

static void
place(struct pv_object **slots, size_t cap, struct pv_object *obj)
{
   size_t mask = cap - 1;
   size_t i = hash_id(obj->id) & mask;
   while (slots[i] && slots[i] != TOMBSTONE)
      i = (i + 1) & mask;
   slots[i] = obj;
}

/* Keep at most half the slots used, so probes stay short and always end. */
static int
grow_if_needed(struct pv_object_table *t)
{
   if ((t->used + 1) * 2 <= t->cap)
      return 0;
   size_t cap = t->count * 4 > t->cap ? t->cap * 2 : t->cap; /* rehash drops tombstones */
   struct pv_object **slots = calloc(cap, sizeof(*slots));
   struct pv_object **hslots = calloc(cap, sizeof(*hslots));
   if (!slots || !hslots) {
      free(slots);
      free(hslots);
      return -ENOMEM;
   }
   for (size_t i = 0; i < t->cap; i++) {
      if (t->slots[i] && t->slots[i] != TOMBSTONE) {
         place(slots, cap, t->slots[i]);
         place_by_handle(hslots, cap, t->slots[i]);
      }
   }
   free(t->slots);
   free(t->hslots);
   t->slots = slots;
   t->hslots = hslots;
   t->cap = cap;
   t->used = t->count;
   return 0;
}

int
pv_object_table_insert(struct pv_object_table *t, struct pv_object *obj)
{
   if (obj->id == 0)
      return -EINVAL;
   pthread_rwlock_wrlock(&t->lock);
   int ret = 0;
   if (find(t, obj->id))
      ret = -EEXIST;
   else if (t->count >= t->limit)
      ret = -ENOSPC;
   else
      ret = grow_if_needed(t);
   if (!ret) {
      place(t->slots, t->cap, obj);
      place_by_handle(t->hslots, t->cap, obj);
      t->count++;
      t->used++;
   }
   pthread_rwlock_unlock(&t->lock);
   return ret;
}

struct pv_object *
pv_object_table_lookup(struct pv_object_table *t, uint64_t id, VkObjectType type)
{
   pthread_rwlock_rdlock(&t->lock);
   struct pv_object **slot = id ? find(t, id) : NULL;
   struct pv_object *o = slot ? *slot : NULL;
   pthread_rwlock_unlock(&t->lock);
   if (o && type != VK_OBJECT_TYPE_UNKNOWN && o->type != type)
      return NULL;
   return o;
}

struct pv_object *
pv_object_table_lookup_cached(struct pv_object_table *t, struct pv_object_cache *cache,
                              uint64_t id, VkObjectType type)
{
   uint64_t gen = atomic_load_explicit(&t->generation, memory_order_acquire);
   if (cache->generation != gen) {
      memset(cache->slot, 0, sizeof(cache->slot));
      cache->generation = gen;
   }
   unsigned i = (unsigned)(id % PV_OBJECT_CACHE_SIZE);
   struct pv_object *o;
   if (id && cache->slot[i].id == id) {
      o = cache->slot[i].obj;
   } else {
      if (!(o = pv_object_table_lookup(t, id, VK_OBJECT_TYPE_UNKNOWN)))
         return NULL;
      cache->slot[i].id = id;
      cache->slot[i].obj = o;
   }
   return type == VK_OBJECT_TYPE_UNKNOWN || o->type == type ? o : NULL;
}

/* Called with the write lock held. */
static void
invalidate_caches(struct pv_object_table *t)
{
   atomic_fetch_add_explicit(&t->generation, 1, memory_order_release);
}

struct pv_object *
pv_object_table_remove(struct pv_object_table *t, uint64_t id, VkObjectType type)
{
   pthread_rwlock_wrlock(&t->lock);
   struct pv_object **slot = id ? find(t, id) : NULL;
   struct pv_object *o = NULL;
   if (slot && (type == VK_OBJECT_TYPE_UNKNOWN || (*slot)->type == type)) {
      o = *slot;
      unindex_handle(t, o);
      *slot = TOMBSTONE;
      t->count--;
      invalidate_caches(t);
   }
   pthread_rwlock_unlock(&t->lock);
   return o;
}

void
pv_object_table_drain(struct pv_object_table *t, void (*fn)(void *, struct pv_object *), void *user)
{
   pthread_rwlock_wrlock(&t->lock);
   struct pv_object **slots = t->slots;
   size_t cap = t->cap;
   t->slots = calloc(t->cap, sizeof(*t->slots));
   memset(t->hslots, 0, t->cap * sizeof(*t->hslots));
   t->count = t->used = 0;
   invalidate_caches(t);
   pthread_rwlock_unlock(&t->lock);
   for (size_t i = 0; i < cap; i++) {
      if (slots[i] && slots[i] != TOMBSTONE)
         fn(user, slots[i]);
   }
   free(slots);
}

void
pv_object_table_for_each(struct pv_object_table *t, void (*fn)(void *, struct pv_object *), void *user)
{
   pthread_rwlock_rdlock(&t->lock);
   for (size_t i = 0; i < t->cap; i++) {
      if (t->slots[i] && t->slots[i] != TOMBSTONE)
         fn(user, t->slots[i]);
   }
   pthread_rwlock_unlock(&t->lock);
}

uint64_t
pv_object_table_find_handle(struct pv_object_table *t, VkObjectType type, uint64_t handle)
{
   struct pv_object *o = pv_object_table_lookup_handle(t, type, handle);
   return o ? o->id : 0;
}

struct pv_object *
pv_object_table_lookup_handle(struct pv_object_table *t, VkObjectType type, uint64_t handle)
{
   pthread_rwlock_rdlock(&t->lock);
   struct pv_object **slot = handle ? find_by_handle(t, handle, type) : NULL;
   struct pv_object *o = slot ? *slot : NULL;
   pthread_rwlock_unlock(&t->lock);
   return o;
}

void
pv_object_table_remove_matching(struct pv_object_table *t,
                                bool (*match)(void *user, const struct pv_object *),
                                void (*fn)(void *user, struct pv_object *), void *user)
{
   struct pv_object **hits = NULL;
   size_t n = 0, cap = 0;
   pthread_rwlock_wrlock(&t->lock);
   for (size_t i = 0; i < t->cap; i++) {
      struct pv_object *o = t->slots[i];
      if (!o || o == TOMBSTONE || !match(user, o))
         continue;
      if (n == cap) {
         size_t ncap = cap ? cap * 2 : 16;
         struct pv_object **h = realloc(hits, ncap * sizeof(*h));
         if (!h)
            break; /* out of memory: the rest stay bound; teardown retries */
         hits = h;
         cap = ncap;
      }
      hits[n++] = o;
      unindex_handle(t, o);
      t->slots[i] = TOMBSTONE;
      t->count--;
   }
   if (n)
      invalidate_caches(t);
   pthread_rwlock_unlock(&t->lock);
   for (size_t i = 0; i < n; i++)
      fn(user, hits[i]);
   free(hits);
}
