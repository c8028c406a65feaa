/*
 * pv_cs_guest.c — the guest side of the protocol: encoding commands and
 * decoding replies, for our test client, the protocol tests and the
 * benchmarks.  Its own library (pv_cs_guest): libpvvenus, the host, does
 * not carry it.
 */
#include "cs/pv_cs_desc.h"
#include "cs/pv_cs_engine.h"

bool
pv_cs_encode_command(struct pv_cs_encoder *e, const struct pv_cs_command_info *info,
                     uint32_t flags, const void *args)
{
   e->command = info->name;
   return pv_cs_write_u32(e, info->id) && pv_cs_write_u32(e, flags) &&
          pv_cs_encode_members(e, info, args, false);
}

static bool
read_return(struct pv_cs_decoder *d, const struct pv_cs_command_info *info, uint8_t *args)
{
   uint64_t v = 0;
   uint32_t v32;
   if (info->ret_kind == PV_CS_K_U64) {
      if (!pv_cs_read_u64(d, &v))
         return false;
   } else {
      if (!pv_cs_read_u32(d, &v32))
         return false;
      v = v32;
   }
   pv_cs_store_uint(args + info->ret_offset, info->ret_size, v);
   return true;
}

bool
pv_cs_decode_reply(struct pv_cs_decoder *d, const struct pv_cs_command_info *info, void *argp)
{
   uint8_t *args = argp;
   const struct pv_cs_member *sib = &pv_cs_members[info->first];
   uint32_t type;
   d->command = info->name;
   if (!pv_cs_read_u32(d, &type))
      return false;
   if (type != info->id)
      return pv_cs_decoder_fail(d, "reply for command %u", type);
   if (info->has_return && !read_return(d, info, args))
      return false;
   bool raw = d->raw_handles, lenient = d->lenient, ok = true;
   d->raw_handles = true; /* the client has no host handles */
   d->lenient = true;     /* what the host driver wrote is not checked */
   for (unsigned i = 0; ok && i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (!(m->flags & PV_CS_F_OUT))
         continue;
      ok = (m->flags & PV_CS_F_HANDLE_IDS)
              ? pv_cs_read_out_handles(d, m, sib, args, info->name, false)
              : pv_cs_decode_member(d, m, sib, args, info->name);
   }
   d->raw_handles = raw;
   d->lenient = lenient;
   return ok;
}
