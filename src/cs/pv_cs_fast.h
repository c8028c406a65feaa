/*
 * pv_cs_fast.h — the primitives of the generated fast decoders
 * (pv_cs_fast.c in the build directory, codegen/pv_gen_fast.py).
 *
 * A fast decoder handles one command's common shape straight-line, with
 * its members' types and offsets known at compile time: no table walk.
 * It never reports an error.  Anything outside the shape it was generated
 * for — a pNext chain, a NULL the table engine would have to judge, a bad
 * enum value, an unknown handle, a short stream, a failed allocation —
 * makes it give up, and pv_cs_decode_args() runs the table engine on the
 * same bytes from the start, which accepts or rejects with its message.
 * So the engine stays the one definition of what is valid; a fast decoder
 * only has to accept a subset of it and produce the same arguments
 * (test_cs_fast checks both on generated and mutated streams).
 *
 * Only for pv_cs_fast.c; every function returns false to give up.
 */
#ifndef PV_CS_FAST_H
#define PV_CS_FAST_H

#include <string.h>

#include "cs/pv_cs_desc.h"
#include "cs/pv_cs_engine.h"

/* The decoder, and a cursor of our own: the decoder's moves only when
 * the whole command was decoded. */
struct pvf {
   struct pv_cs_decoder *d;
   const uint8_t *p;
   const uint8_t *e;
};

static inline bool
pvf_u32(struct pvf *f, uint32_t *v)
{
   if ((size_t)(f->e - f->p) < 4)
      return false;
   memcpy(v, f->p, 4);
   f->p += 4;
   return true;
}

static inline bool
pvf_u64(struct pvf *f, uint64_t *v)
{
   if ((size_t)(f->e - f->p) < 8)
      return false;
   memcpy(v, f->p, 8);
   f->p += 8;
   return true;
}

/* A scalar sent as 4 bytes; enum_index != 0: a member of that enum. */
static inline bool
pvf_s32(struct pvf *f, void *dst, unsigned size, uint16_t enum_index)
{
   uint32_t v;
   if (!pvf_u32(f, &v) || (enum_index && !pv_cs_enum_valid(enum_index, (int32_t)v)))
      return false;
   pv_cs_store_uint(dst, size, v);
   return true;
}

/* A scalar sent as 8 bytes (64-bit values, size_t). */
static inline bool
pvf_s64(struct pvf *f, void *dst, unsigned size)
{
   uint64_t v;
   if (!pvf_u64(f, &v) || (size < 8 && v > SIZE_MAX))
      return false;
   pv_cs_store_uint(dst, size, v);
   return true;
}

/* A handle: VK_NULL_HANDLE only where not `required`; obj (may be NULL)
 * gets the renderer's object. */
static inline bool
pvf_handle(struct pvf *f, VkObjectType type, bool required, void *dst, unsigned size,
           struct pv_object **obj)
{
   uint64_t id;
   if (!pvf_u64(f, &id))
      return false;
   if (!id)
      return !required;
   struct pv_object *o = f->d->lookup(f->d->user, id, type);
   if (!o)
      return false;
   pv_cs_store_handle(dst, size, o->handle);
   if (obj)
      *obj = o;
   return true;
}

/* A NULL marker (pNext, pAllocator, an opaque pointer): 0 only. */
static inline bool
pvf_null(struct pvf *f)
{
   uint64_t v;
   return pvf_u64(f, &v) && v == 0;
}

/* An array's size against its count: equal (0 = NULL for a count of 0). */
static inline bool
pvf_count(struct pvf *f, uint64_t expected, uint64_t *n)
{
   return pvf_u64(f, n) && *n == expected;
}

/* (v + add) / div, the len rule of a count member. */
static inline bool
pvf_len(uint64_t v, uint64_t add, uint64_t div, uint64_t *out)
{
   if (v > UINT64_MAX - add)
      return false;
   *out = (v + add) / div;
   return true;
}

/* Room for n elements that take at least `wire` bytes each on the wire. */
static inline void *
pvf_alloc(struct pvf *f, uint64_t n, size_t size, size_t wire)
{
   if (n > (size_t)(f->e - f->p) / wire)
      return NULL;
   return pv_cs_alloc(f->d, (size_t)n, size);
}

/* A fixed-size byte array (char name[N]): N bytes, padded to 4. */
static inline bool
pvf_fixed_bytes(struct pvf *f, void *dst, size_t n)
{
   if (pv_cs_align4(n) > (size_t)(f->e - f->p))
      return false;
   memcpy(dst, f->p, n);
   f->p += pv_cs_align4(n);
   return true;
}

/* n bytes of void/uint8_t data, padded to 4 on the wire. */
static inline bool
pvf_bytes(struct pvf *f, uint64_t n, void **out)
{
   if (n > (size_t)(f->e - f->p)) /* before aligning: n near SIZE_MAX wraps */
      return false;
   void *b = pv_cs_alloc(f->d, (size_t)n, 1);
   *out = b;
   return b && pvf_fixed_bytes(f, b, (size_t)n);
}

#endif /* PV_CS_FAST_H */
