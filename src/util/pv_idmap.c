/* pv_idmap.c — see pv_idmap.h. */
#include "util/pv_idmap.h"

#include <errno.h>
#include <stdlib.h>

#define IDMAP_MIN_CAP 16u

void
pv_idmap_init(struct pv_idmap *m, uint32_t limit)
{
   m->slots = NULL;
   m->cap = 0;
   m->count = 0;
   m->next = 1;
   m->limit = limit;
}

void
pv_idmap_fini(struct pv_idmap *m)
{
   free(m->slots);
   m->slots = NULL;
   m->cap = m->count = 0;
}

/* Ids from our counter spread well by their low bits, but a virtio-gpu guest
 * chooses its own resource ids: ids that share their low bits (multiples of
 * 2^16, say) would all probe from one slot.  A full-avalanche mix spreads
 * any choice. */
static uint32_t
slot_of(uint32_t key, uint32_t cap)
{
   key ^= key >> 16;
   key *= 0x85ebca6bu;
   key ^= key >> 13;
   key *= 0xc2b2ae35u;
   key ^= key >> 16;
   return key & (cap - 1);
}

static uint32_t
home_slot(const struct pv_idmap *m, uint32_t key)
{
   return slot_of(key, m->cap);
}

static void
place(struct pv_idmap_slot *slots, uint32_t cap, uint32_t key, void *val)
{
   uint32_t i = slot_of(key, cap);
   while (slots[i].key)
      i = (i + 1) & (cap - 1);
   slots[i].key = key;
   slots[i].val = val;
}

static int
grow(struct pv_idmap *m)
{
   uint32_t cap = m->cap ? m->cap * 2 : IDMAP_MIN_CAP;
   if (cap < m->cap)
      return -ENOMEM;
   struct pv_idmap_slot *slots = calloc(cap, sizeof(*slots));
   if (!slots)
      return -ENOMEM;
   for (uint32_t i = 0; i < m->cap; i++) {
      if (m->slots[i].key)
         place(slots, cap, m->slots[i].key, m->slots[i].val);
   }
   free(m->slots);
   m->slots = slots;
   m->cap = cap;
   return 0;
}

static int64_t
find(const struct pv_idmap *m, uint32_t key)
{
   if (!key || !m->cap)
      return -1;
   for (uint32_t i = home_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
      if (m->slots[i].key == key)
         return i;
      if (!m->slots[i].key)
         return -1;
   }
}

void *
pv_idmap_get(const struct pv_idmap *m, uint32_t id)
{
   int64_t i = find(m, id);
   return i < 0 ? NULL : m->slots[i].val;
}

/* Room for one more entry: the limit, and a load of at most 1/2 so probes
 * stay short and a free id is always found. */
static int
reserve_one(struct pv_idmap *m)
{
   if (m->count >= m->limit)
      return -ENOSPC;
   if ((uint64_t)(m->count + 1) * 2 > m->cap)
      return grow(m);
   return 0;
}

int
pv_idmap_add_at(struct pv_idmap *m, uint32_t id, void *val)
{
   if (!id)
      return -EINVAL;
   if (find(m, id) >= 0)
      return -EEXIST;
   int ret = reserve_one(m);
   if (ret)
      return ret;
   place(m->slots, m->cap, id, val);
   m->count++;
   return 0;
}

int
pv_idmap_add(struct pv_idmap *m, void *val, uint32_t *id_out)
{
   int ret = reserve_one(m);
   if (ret)
      return ret;
   uint32_t id;
   do {
      id = m->next++;
   } while (!id || find(m, id) >= 0);
   place(m->slots, m->cap, id, val);
   m->count++;
   *id_out = id;
   return 0;
}

/* Is `k` cyclically in (i, j]? */
static int
between(uint32_t i, uint32_t k, uint32_t j)
{
   return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

static void
remove_at(struct pv_idmap *m, uint32_t i)
{
   /* Backward-shift deletion keeps probe chains intact without tombstones. */
   uint32_t mask = m->cap - 1;
   m->slots[i].key = 0;
   m->slots[i].val = NULL;
   for (uint32_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
      uint32_t k = home_slot(m, m->slots[j].key);
      if (between(i, k, j))
         continue;
      m->slots[i] = m->slots[j];
      m->slots[j].key = 0;
      m->slots[j].val = NULL;
      i = j;
   }
   m->count--;
}

void
pv_idmap_drain(struct pv_idmap *m, void (*fn)(void *val))
{
   for (uint32_t i = 0; i < m->cap; i++) {
      if (m->slots[i].key)
         fn(m->slots[i].val);
   }
   pv_idmap_fini(m);
}

void *
pv_idmap_remove(struct pv_idmap *m, uint32_t id)
{
   int64_t i = find(m, id);
   if (i < 0)
      return NULL;
   void *val = m->slots[i].val;
   remove_at(m, (uint32_t)i);
   return val;
}
