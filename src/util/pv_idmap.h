/*
 * pv_idmap.h — a uint32 id → pointer table that also hands out the ids.
 *
 * Used for the guest-visible ids the renderer chooses (resource ids, sync
 * ids) and for ids a virtio-gpu guest chooses itself (resource ids).  Open
 * addressing with linear probing from a hashed home slot, so no choice of
 * ids makes the probes long.  Not thread-safe: the owner locks.
 */
#ifndef PV_UTIL_IDMAP_H
#define PV_UTIL_IDMAP_H

#include <stdint.h>

struct pv_idmap_slot {
   uint32_t key; /* 0 = empty */
   void *val;
};

struct pv_idmap {
   struct pv_idmap_slot *slots;
   uint32_t cap;   /* power of two, or 0 before the first insert */
   uint32_t count;
   uint32_t next;  /* next id to try */
   uint32_t limit; /* most entries allowed */
};

void pv_idmap_init(struct pv_idmap *m, uint32_t limit);
/* Frees the table only (pv_idmap_drain frees the values too). */
void pv_idmap_fini(struct pv_idmap *m);
/* Insert `val` under a fresh id (>= 1, not in use).  -ENOSPC at the
 * limit, -ENOMEM. */
int pv_idmap_add(struct pv_idmap *m, void *val, uint32_t *id_out);
/* Insert `val` under the caller's `id`.  -EINVAL for id 0, -EEXIST if the
 * id is in use, -ENOSPC at the limit, -ENOMEM. */
int pv_idmap_add_at(struct pv_idmap *m, uint32_t id, void *val);
void *pv_idmap_get(const struct pv_idmap *m, uint32_t id);
/* Call fn(val) for every entry, then empty the table (it stays usable). */
void pv_idmap_drain(struct pv_idmap *m, void (*fn)(void *val));
/* Remove and return the entry, or NULL. */
void *pv_idmap_remove(struct pv_idmap *m, uint32_t id);

#endif /* PV_UTIL_IDMAP_H */
