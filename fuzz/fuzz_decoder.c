/*
 * fuzz_decoder — libFuzzer target for the command-stream decoder.
 *
 * The input is a command stream as a guest would put in a ring.  Commands
 * are decoded one by one until the first error (there is no length prefix
 * to resynchronise on); each decoded command also gets its reply encoded.
 * The lookup rejects some ids so that the handle-error paths run too.
 * Every command is decoded twice, with the generated fast decoders and by
 * the tables alone (src/cs/pv_cs_fast.h): both must accept the same bytes
 * and give arguments that encode the same, or the target aborts.
 * Built only with -Dfuzz=true and clang; seeds in fuzz/corpus/ are commands
 * cut from the real guest captures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/pv_cs_generated.h"

struct fuzz_objects {
   struct pv_object obj;
};

static struct pv_object *
fuzz_lookup(void *user, uint64_t id, VkObjectType type)
{
   struct fuzz_objects *f = user;
   if (id % 61 == 0)
      return NULL;
   f->obj.id = id;
   f->obj.type = type;
   f->obj.handle = id ^ 0x5a5a0000ull;
   return &f->obj;
}

static uint64_t
fuzz_handle_to_id(void *user, VkObjectType type, uint64_t handle)
{
   (void)user;
   (void)type;
   return handle ^ 0x5a5a0000ull;
}

/* The arguments as a guest would have encoded them (0 on failure). */
static size_t
reencode(const struct pv_cs_command_info *info, const void *args, uint8_t *out, size_t cap)
{
   struct pv_cs_encoder enc;
   pv_cs_encoder_init(&enc, out, cap);
   enc.handle_to_id = fuzz_handle_to_id;
   return pv_cs_encode_command(&enc, info, 0, args) ? enc.pos : 0;
}

/* The tables alone decode the command at `at` as the fast path did. */
static void
check_tables_agree(const struct pv_cs_command_info *info, const uint8_t *at, const uint8_t *end,
                   bool fast_ok, size_t fast_len, const void *fast_args)
{
   static _Alignas(16) uint8_t args[1 << 14];
   static uint8_t a[1 << 16], b[1 << 16];
   struct fuzz_objects objs;
   struct pv_cs_decoder dec;
   uint32_t type, flags;
   memset(&objs, 0, sizeof(objs));
   pv_cs_decoder_init(&dec, at, (size_t)(end - at), fuzz_lookup, &objs);
   dec.scratch_limit = 16u << 20;
   dec.tables_only = true;
   bool ok = pv_cs_read_command_header(&dec, &type, &flags) && pv_cs_decode_args(&dec, info, args);
   if (ok != fast_ok || (ok && (size_t)(dec.cur - at) != fast_len))
      abort(); /* a fast decoder took what the tables refuse, or the reverse */
   if (ok) {
      size_t na = reencode(info, fast_args, a, sizeof(a));
      size_t nb = reencode(info, args, b, sizeof(b));
      if (na != nb || memcmp(a, b, na))
         abort(); /* the two decoded different arguments */
   }
   pv_cs_decoder_fini(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   static _Alignas(16) uint8_t args[1 << 14];
   static uint8_t reply[1 << 16];
   struct fuzz_objects objs;
   struct pv_cs_decoder dec;
   memset(&objs, 0, sizeof(objs));
   pv_cs_decoder_init(&dec, data, size, fuzz_lookup, &objs);
   dec.scratch_limit = 16u << 20;
   while (pv_cs_decoder_remaining(&dec) > 0) {
      uint32_t type, flags;
      const uint8_t *at = dec.cur;
      pv_cs_decoder_reset_scratch(&dec);
      if (!pv_cs_read_command_header(&dec, &type, &flags))
         break;
      const struct pv_cs_command_info *info = pv_cs_command_info(type);
      if (!info)
         break;
      bool ok = pv_cs_decode_args(&dec, info, args);
      if (pv_cs_fast_decoders[info - pv_cs_commands])
         check_tables_agree(info, at, dec.end, ok, (size_t)(dec.cur - at), args);
      if (!ok)
         break;
      struct pv_cs_encoder enc;
      pv_cs_encoder_init(&enc, reply, sizeof(reply));
      enc.handle_to_id = fuzz_handle_to_id;
      (void)pv_cs_encode_reply(&enc, info, args);
   }
   pv_cs_decoder_fini(&dec);
   return 0;
}
