/*
 * pv_cs_engine.h — pieces of the table-driven engine (pv_cs_exec.c) that
 * the guest side (pv_cs_guest.c) and the fast decoders (pv_cs_fast.h)
 * share.  Not for the renderer: it uses pv_cs_desc.h.
 */
#ifndef PV_CS_ENGINE_H
#define PV_CS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cs/pv_cs_desc.h"

/* Every parameter of a command (outputs as the guest sends them: their
 * struct headers only), or with `outputs_only` the output parameters as
 * a reply carries them. */
bool pv_cs_encode_members(struct pv_cs_encoder *e, const struct pv_cs_command_info *info,
                          const void *args, bool outputs_only);

/* An output-handle parameter's ids into its *_ids / *_count fields; with
 * `host_storage` also zeroed room for the driver's handles. */
bool pv_cs_read_out_handles(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                            const struct pv_cs_member *sib, uint8_t *args, const char *owner,
                            bool host_storage);

/* One member (whole, not just a struct header) into `base`. */
bool pv_cs_decode_member(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                         const struct pv_cs_member *sib, uint8_t *base, const char *owner);

/* A `size`-byte unsigned integer field. */
static inline void
pv_cs_store_uint(void *p, unsigned size, uint64_t v)
{
   switch (size) {
   case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
   case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
   case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
   default: memcpy(p, &v, 8); break;
   }
}

/* A handle field: pointer-sized in memory when dispatchable, uint64_t (or
 * a pointer on 64-bit hosts) otherwise; `size` says which. */
static inline void
pv_cs_store_handle(void *p, unsigned size, uint64_t v)
{
   if (size == sizeof(void *)) {
      void *ptr = (void *)(uintptr_t)v;
      memcpy(p, &ptr, sizeof(ptr));
   } else {
      memcpy(p, &v, 8);
   }
}

#endif /* PV_CS_ENGINE_H */
