/*
 * test_roundtrip — every generated command, with seeded random arguments
 * built from the same tables (counts, strings, pNext chains of allowed
 * structs, unions, output shapes):
 *
 *   client encode -> host decode (exact length) -> host re-encode == bytes
 *   -> simulated driver fills outputs -> reply encode (== reply size)
 *   -> client reply decode (exact length) -> client reply re-encode == bytes
 *
 * and for commands with a generated fast decoder (pv_cs_fast.h), that it
 * agrees with the tables on the command and on mutations of it: the same
 * verdict, length and arguments, and that it takes some of them.
 *
 * plus, for one seed per command, every proper prefix must fail cleanly.
 * Usage: test_roundtrip [SEEDS]
 */
#include <string.h>

#include "cs/pv_cs_engine.h"
#include "pv_test_util.h"

#define ARENA_SIZE (16u << 20)
#define MAX_DEPTH 6

static uint64_t rng_state;
/* Filling an output shape: handles there are placeholders the guest sends
 * as 0 (the host fills them; docs/PROTOCOL.md §7 physical-device groups). */
static bool filling_output;
/* No pNext chains: the shape the fast decoders take (pv_cs_fast.h). */
static bool no_chains;
static uint8_t *arena;
static size_t arena_used;

static uint64_t
rnd(void)
{
   /* splitmix64: deterministic per seed */
   uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
   z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
   z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
   return z ^ (z >> 31);
}

static void *
aalloc(size_t n)
{
   n = (n + 15) & ~(size_t)15;
   PV_CHECK(arena_used + n <= ARENA_SIZE, "test arena full");
   void *p = arena + arena_used;
   arena_used += n;
   memset(p, 0, n);
   return p;
}

static uint64_t
get_uint(const void *p, unsigned size)
{
   uint64_t v = 0;
   switch (size) {
   case 1: { uint8_t x; memcpy(&x, p, 1); v = x; break; }
   case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
   case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
   default: memcpy(&v, p, 8); break;
   }
   return v;
}

static void *
get_ptr(const void *p)
{
   void *v;
   memcpy(&v, p, sizeof(v));
   return v;
}

static void
set_ptr(void *p, const void *v)
{
   memcpy(p, &v, sizeof(v));
}

/* Same len rules as the engine (pv_cs_exec.c eval_len). */
static uint64_t
len_of(const struct pv_cs_member *m, const struct pv_cs_member *sib, const uint8_t *base)
{
   const struct pv_cs_member *src = &sib[m->len_member];
   const uint8_t *p;
   switch (m->len_kind) {
   case PV_CS_L_CONST:
      return m->len_const;
   case PV_CS_L_MEMBER:
      return (get_uint(base + src->offset, src->elem_size) + m->len_add) / m->len_div;
   case PV_CS_L_MEMBER_PTR:
      p = get_ptr(base + src->offset);
      return p ? get_uint(p, src->elem_size) : 0;
   case PV_CS_L_PARAM_MEMBER:
      p = get_ptr(base + src->offset);
      return p ? get_uint(p + m->len_off, m->len_size) : 0;
   default:
      return 0;
   }
}

static void fill_struct(const struct pv_cs_struct *s, uint8_t *mem, unsigned depth, bool self_only);
static void fill_member(const struct pv_cs_member *m, const struct pv_cs_member *sib, uint8_t *base,
                        unsigned depth);

static uint64_t
small(void)
{
   return rnd() % 5;
}

/* A value the decoder accepts for a scalar: a member of its enum type
 * (the decoder rejects others), else small numbers. */
static uint32_t
rnd_u32(const struct pv_cs_member *m)
{
   if (m->enum_index) {
      const struct pv_cs_enum *e = &pv_cs_enums[m->enum_index - 1];
      return (uint32_t)pv_cs_enum_values[e->first + rnd() % e->count];
   }
   return (uint32_t)(rnd() % 8);
}

/* vk.xml requires the pointer/handle: the guest never sends NULL there. */
static bool
required(const struct pv_cs_member *m)
{
   return (m->flags & PV_CS_F_REQUIRED) != 0;
}

static void
fill_elem(const struct pv_cs_member *m, const struct pv_cs_member *sib, uint8_t *base, uint8_t *p,
          unsigned depth)
{
   switch (m->kind) {
   case PV_CS_K_U8: pv_cs_store_uint(p, 1, rnd()); break;
   case PV_CS_K_U16: pv_cs_store_uint(p, 2, rnd()); break;
   case PV_CS_K_U32: pv_cs_store_uint(p, 4, rnd_u32(m)); break;
   case PV_CS_K_U64: pv_cs_store_uint(p, 8, rnd()); break;
   case PV_CS_K_SIZE: pv_cs_store_uint(p, sizeof(size_t), rnd() % 16); break;
   case PV_CS_K_HANDLE:
      pv_cs_store_handle(p, m->elem_size,
                 !filling_output && (rnd() % 4 || (required(m) && m->shape == PV_CS_S_VALUE) ||
                                     (m->flags & PV_CS_F_ELEMS_REQUIRED))
                    ? 1 + rnd() % 1000
                    : 0);
      break;
   case PV_CS_K_STRUCT: fill_struct(&pv_cs_structs[m->type], p, depth + 1, false); break;
   case PV_CS_K_UNION: {
      const struct pv_cs_struct *u = &pv_cs_structs[m->type];
      const struct pv_cs_member *um = &pv_cs_members[u->first];
      unsigned j = u->default_tag;
      if (m->flags & PV_CS_F_SELECTOR) {
         do
            j = (unsigned)(rnd() % u->count);
         while (um[j].kind == PV_CS_K_INVALID);
         const struct pv_cs_member *selm = &sib[m->len_member];
         pv_cs_store_uint(base + selm->offset, selm->elem_size, um[j].aux);
      }
      fill_member(&um[j], um, p, depth + 1);
      break;
   }
   default:
      break;
   }
}

static char *
rnd_string(void)
{
   size_t n = rnd() % 12;
   char *s = aalloc(n + 1);
   for (size_t i = 0; i < n; i++)
      s[i] = (char)('a' + rnd() % 26);
   return s;
}

static void
fill_member(const struct pv_cs_member *m, const struct pv_cs_member *sib, uint8_t *base,
            unsigned depth)
{
   uint8_t *p = base + m->offset;
   uint64_t n;
   switch (m->shape) {
   case PV_CS_S_VALUE:
      if ((m->flags & PV_CS_F_COUNT) && m->enum_index) /* rasterizationSamples */
         pv_cs_store_uint(p, m->elem_size, rnd_u32(m));
      else if (m->flags & PV_CS_F_COUNT)
         pv_cs_store_uint(p, m->elem_size, small() * (m->kind == PV_CS_K_SIZE ? 4 : 1));
      else
         fill_elem(m, sib, base, p, depth);
      break;
   case PV_CS_S_FIXED:
      for (uint32_t i = 0; i < m->len_const; i++)
         fill_elem(m, sib, base, p + (size_t)i * m->elem_size, depth);
      break;
   case PV_CS_S_PTR:
      if (required(m) || (depth < MAX_DEPTH && rnd() % 4)) {
         uint8_t *q = aalloc(m->elem_size);
         if (m->flags & PV_CS_F_COUNT)
            pv_cs_store_uint(q, m->elem_size, small());
         else
            fill_elem(m, NULL, NULL, q, depth);
         set_ptr(p, q);
      }
      break;
   case PV_CS_S_ARRAY:
   case PV_CS_S_STRINGS:
      n = len_of(m, sib, base);
      if (n && (required(m) || (depth < MAX_DEPTH && rnd() % 5))) {
         PV_CHECK(n < 4096, "%s: random count %llu too large", m->name, (unsigned long long)n);
         size_t es = m->shape == PV_CS_S_STRINGS ? sizeof(char *) : m->elem_size;
         uint8_t *q = aalloc((size_t)n * es);
         for (uint64_t i = 0; i < n; i++) {
            if (m->shape == PV_CS_S_STRINGS)
               set_ptr(q + i * es, rnd_string());
            else
               fill_elem(m, NULL, NULL, q + i * es, depth);
         }
         set_ptr(p, q);
      }
      break;
   case PV_CS_S_STRING:
      if (required(m) || rnd() % 4)
         set_ptr(p, rnd_string());
      break;
   case PV_CS_S_ARRAY2:
      n = len_of(m, sib, base);
      if (n && (required(m) || (depth < MAX_DEPTH && rnd() % 5))) {
         uint8_t **outer = aalloc((size_t)n * sizeof(uint8_t *));
         for (uint64_t i = 0; i < n; i++) {
            uint64_t k = m->aux;
            if (m->aux2) {
               const struct pv_cs_member *src = &sib[m->aux2 - 1];
               const uint8_t *arr = get_ptr(base + src->offset);
               k = arr ? get_uint(arr + i * src->elem_size + m->aux, 4) : 0;
            }
            if (!k || !(rnd() % 5))
               continue;
            outer[i] = aalloc((size_t)k * m->elem_size);
            for (uint64_t j = 0; j < k; j++)
               fill_elem(m, NULL, NULL, outer[i] + j * m->elem_size, depth);
         }
         set_ptr(p, outer);
      }
      break;
   default: /* sType, pNext and pAllocator are handled by the caller */
      break;
   }
}

/* A chain of up to 3 distinct structs allowed in s's pNext. */
static void *
rnd_chain(const struct pv_cs_struct *s, unsigned depth)
{
   void *head = NULL;
   uint8_t *tail = NULL;
   unsigned k = s->ext_count && !no_chains ? (unsigned)(rnd() % 4) : 0;
   uint16_t used[4];
   for (unsigned i = 0; i < k && depth < MAX_DEPTH; i++) {
      uint16_t idx = pv_cs_pnext[s->ext_first + rnd() % s->ext_count];
      bool dup = false;
      for (unsigned j = 0; j < i; j++)
         dup |= used[j] == idx;
      if (dup)
         continue;
      used[i] = idx;
      const struct pv_cs_struct *e = &pv_cs_structs[idx];
      uint8_t *node = aalloc(e->size);
      fill_struct(e, node, depth + 1, true);
      if (tail)
         set_ptr(tail + offsetof(VkBaseOutStructure, pNext), node);
      else
         head = node;
      tail = node;
   }
   return head;
}

static void
fill_struct(const struct pv_cs_struct *s, uint8_t *mem, unsigned depth, bool self_only)
{
   const struct pv_cs_member *sib = &pv_cs_members[s->first];
   for (unsigned i = 0; i < s->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (m->shape == PV_CS_S_STYPE)
         pv_cs_store_uint(mem + m->offset, 4, (uint32_t)s->stype);
      else if (m->shape == PV_CS_S_PNEXT && !self_only)
         set_ptr(mem + m->offset, rnd_chain(s, depth));
      else if (m->shape != PV_CS_S_PNEXT)
         fill_member(m, sib, mem, depth);
   }
}

/* ---- client arguments ------------------------------------------------ */

static void
fill_params(const struct pv_cs_command_info *info, uint8_t *args)
{
   const struct pv_cs_member *sib = &pv_cs_members[info->first];
   memset(args, 0, info->args_size);
   for (unsigned i = 0; i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (m->flags & PV_CS_F_HANDLE_IDS) {
         uint64_t n = m->shape == PV_CS_S_PTR ? (required(m) || rnd() % 4 ? 1 : 0)
                                              : len_of(m, sib, args);
         if (!n || (m->shape == PV_CS_S_ARRAY && !required(m) && !(rnd() % 5)))
            continue;
         uint64_t *ids = aalloc(n * 8);
         for (uint64_t k = 0; k < n; k++)
            ids[k] = 1 + rnd() % 100000;
         set_ptr(args + m->offset, aalloc(n * m->elem_size));
         set_ptr(args + m->aux, ids);
         pv_cs_store_uint(args + m->aux2, 4, n);
         continue;
      }
      if (m->shape == PV_CS_S_PTR && (m->flags & PV_CS_F_OUT) && m->kind == PV_CS_K_STRUCT) {
         /* output structs are always given, with a random pNext chain */
         uint8_t *q = aalloc(m->elem_size);
         filling_output = true;
         fill_struct(&pv_cs_structs[m->type], q, 1, false);
         filling_output = false;
         set_ptr(args + m->offset, q);
         continue;
      }
      filling_output = (m->flags & PV_CS_F_OUT) != 0;
      fill_member(m, sib, args, 0);
      filling_output = false;
   }
}

/* ---- simulated driver: writes every output the reply carries ------------ */

static void drv_struct(const struct pv_cs_struct *s, uint8_t *mem, const struct pv_cs_struct *root,
                       bool self_only);

static void
drv_elem(const struct pv_cs_member *m, uint8_t *p)
{
   if (m->kind == PV_CS_K_STRUCT)
      drv_struct(&pv_cs_structs[m->type], p, NULL, false);
   else if (m->kind == PV_CS_K_HANDLE)
      pv_cs_store_handle(p, m->elem_size, rnd() % 3 ? PV_TEST_HANDLE_BIAS + 1 + rnd() % 1000 : 0);
   else if (m->kind <= PV_CS_K_U64)
      pv_cs_store_uint(p, m->elem_size, rnd());
}

static void
drv_member(const struct pv_cs_member *m, const struct pv_cs_member *sib, uint8_t *base)
{
   uint8_t *p = base + m->offset;
   if (m->flags & PV_CS_F_COUNT)
      return; /* counts keep the guest's value */
   switch (m->shape) {
   case PV_CS_S_VALUE:
      drv_elem(m, p);
      break;
   case PV_CS_S_FIXED:
      for (uint32_t i = 0; i < m->len_const; i++)
         drv_elem(m, p + (size_t)i * m->elem_size);
      break;
   case PV_CS_S_PTR:
      if (get_ptr(p))
         drv_elem(m, get_ptr(p));
      break;
   case PV_CS_S_ARRAY: {
      uint8_t *q = get_ptr(p);
      uint64_t n = q ? len_of(m, sib, base) : 0;
      for (uint64_t i = 0; i < n; i++)
         drv_elem(m, q + i * m->elem_size);
      break;
   }
   default:
      break;
   }
}

static const struct pv_cs_struct *
ext_desc(const struct pv_cs_struct *root, int32_t stype)
{
   for (unsigned i = 0; i < root->ext_count; i++) {
      const struct pv_cs_struct *e = &pv_cs_structs[pv_cs_pnext[root->ext_first + i]];
      if (e->stype == stype)
         return e;
   }
   return NULL;
}

static void
drv_struct(const struct pv_cs_struct *s, uint8_t *mem, const struct pv_cs_struct *root, bool self_only)
{
   const struct pv_cs_member *sib = &pv_cs_members[s->first];
   if (s->is_union)
      return; /* unions are never outputs in the protocol */
   for (unsigned i = 0; i < s->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (m->shape == PV_CS_S_PNEXT && !self_only) {
         for (uint8_t *n = get_ptr(mem + m->offset); n;
              n = get_ptr(n + offsetof(VkBaseOutStructure, pNext))) {
            int32_t st;
            memcpy(&st, n, 4);
            drv_struct(ext_desc(root ? root : s, st), n, root ? root : s, true);
         }
      } else if (m->shape != PV_CS_S_STYPE && m->shape != PV_CS_S_PNEXT) {
         drv_member(m, sib, mem);
      }
   }
}

static void
run_driver(const struct pv_cs_command_info *info, uint8_t *args)
{
   const struct pv_cs_member *sib = &pv_cs_members[info->first];
   if (info->has_return)
      pv_cs_store_uint(args + info->ret_offset, info->ret_size, info->ret_kind == PV_CS_K_U64 ? rnd() : rnd() % 8);
   for (unsigned i = 0; i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (!(m->flags & PV_CS_F_OUT) || (m->flags & PV_CS_F_HANDLE_IDS))
         continue;
      drv_member(m, sib, args);
   }
}

/* ---- the round trip -------------------------------------------------- */

static uint64_t total_bytes, total_reply_bytes, max_bytes;
static _Alignas(16) uint8_t client_args[1 << 14];
static _Alignas(16) uint8_t host_args[1 << 14];
static uint8_t buf1[1 << 20], buf2[1 << 20], rep1[1 << 20], rep2[1 << 20];

static size_t
encode(const struct pv_cs_command_info *info, uint8_t *out, const void *args, bool host)
{
   struct pv_cs_encoder e;
   pv_cs_encoder_init(&e, out, sizeof(buf1));
   e.handle_to_id = host ? pv_test_handle_to_id : NULL;
   PV_CHECK(pv_cs_encode_command(&e, info, 1, args), "%s", e.error);
   return e.pos;
}

/* ---- the generated fast decoders against the tables ------------------- */

static _Alignas(16) uint8_t fast_args[1 << 14], tables_args[1 << 14];
static uint8_t mutated[1 << 20], fast_bytes[1 << 20], tables_bytes[1 << 20];
static uint64_t fast_taken, fast_commands_seen, mutations, mutations_decoded;
static uint64_t fast_hits[1024]; /* by command index */

/* Decodes `len` bytes (header included); with `tables` the engine alone.
 * Returns the bytes consumed, or 0 on a decode error. */
static size_t
decode_one(struct pv_cs_decoder *dec, const struct pv_cs_command_info *info, const uint8_t *bytes,
           size_t len, uint8_t *args, bool tables)
{
   uint32_t type, flags;
   pv_cs_decoder_set_stream(dec, bytes, len);
   pv_cs_decoder_reset_scratch(dec);
   dec->tables_only = tables;
   bool ok = pv_cs_read_command_header(dec, &type, &flags) && type == info->id &&
             pv_cs_decode_args(dec, info, args);
   dec->tables_only = false;
   return ok ? (size_t)(dec->cur - bytes) : 0;
}

/* Both ways agree: the same verdict, the same length, and arguments that
 * re-encode to the same bytes. */
static bool
same_both_ways(const struct pv_cs_command_info *info, struct pv_cs_decoder *dec,
               const uint8_t *bytes, size_t len)
{
   uint64_t before = dec->fast_decoded;
   size_t a = decode_one(dec, info, bytes, len, fast_args, false);
   bool took_fast = dec->fast_decoded != before;
   size_t na = a ? encode(info, fast_bytes, fast_args, true) : 0;
   size_t b = decode_one(dec, info, bytes, len, tables_args, true);
   PV_CHECK(a == b, "%s: fast path consumed %zu bytes, tables %zu", info->name, a, b);
   if (a) {
      size_t nb = encode(info, tables_bytes, tables_args, true);
      PV_CHECK(na == nb && !memcmp(fast_bytes, tables_bytes, na), "%s: fast path and tables "
               "decode different arguments", info->name);
   }
   return took_fast;
}

/* The command just encoded into buf1, and mutations of it: words set to
 * 0, 1, ~0 or a random value (counts, markers, sTypes, enums and ids go
 * wrong that way). */
static void
check_fast(const struct pv_cs_command_info *info, struct pv_cs_decoder *dec, size_t n1)
{
   fast_commands_seen++;
   if (same_both_ways(info, dec, buf1, n1)) {
      fast_taken++;
      fast_hits[info - pv_cs_commands]++;
   }
   size_t words = n1 / 4;
   for (unsigned k = 0; k < 16 && words > 2; k++) {
      memcpy(mutated, buf1, n1);
      size_t w = 2 + rnd() % (words - 2); /* not the header */
      static const uint32_t vals[] = { 0, 1, 0xffffffffu, 2 };
      uint32_t v = k % 5 == 4 ? (uint32_t)rnd() : vals[k % 4];
      memcpy(mutated + w * 4, &v, 4);
      mutations++;
      same_both_ways(info, dec, mutated, n1);
      mutations_decoded += dec->failed ? 0 : 1; /* the tables' verdict, decoded last */
   }
}

static void
roundtrip(const struct pv_cs_command_info *info, struct pv_cs_decoder *dec, bool prefixes)
{
   struct pv_cs_encoder e;
   uint32_t type, flags;
   arena_used = 0;
   fill_params(info, client_args);
   size_t n1 = encode(info, buf1, client_args, false);
   total_bytes += n1;
   max_bytes = n1 > max_bytes ? n1 : max_bytes;

   pv_cs_decoder_set_stream(dec, buf1, n1);
   pv_cs_decoder_reset_scratch(dec);
   PV_CHECK(pv_cs_read_command_header(dec, &type, &flags) && type == info->id, "header");
   PV_CHECK(pv_cs_decode_args(dec, info, host_args), "%s", pv_cs_decoder_error(dec));
   PV_CHECK(pv_cs_decoder_remaining(dec) == 0, "%s: %zu bytes left", info->name,
            pv_cs_decoder_remaining(dec));
   size_t n2 = encode(info, buf2, host_args, true);
   PV_CHECK(n1 == n2 && !memcmp(buf1, buf2, n1), "%s: host re-encoding differs", info->name);

   if (pv_cs_fast_decoders[info - pv_cs_commands])
      check_fast(info, dec, n1);

   run_driver(info, host_args);
   pv_cs_encoder_init(&e, rep1, sizeof(rep1));
   e.handle_to_id = pv_test_handle_to_id;
   PV_CHECK(pv_cs_encode_reply(&e, info, host_args), "%s", e.error);
   size_t r1 = e.pos;
   total_reply_bytes += r1;
   PV_CHECK(pv_cs_reply_size(info, host_args) == r1, "%s: reply size", info->name);

   struct pv_cs_decoder cd;
   pv_cs_decoder_init(&cd, rep1, r1, NULL, NULL);
   cd.raw_handles = true;
   PV_CHECK(pv_cs_decode_reply(&cd, info, client_args), "%s", pv_cs_decoder_error(&cd));
   PV_CHECK(pv_cs_decoder_remaining(&cd) == 0, "%s: reply bytes left", info->name);
   pv_cs_encoder_init(&e, rep2, sizeof(rep2));
   PV_CHECK(pv_cs_encode_reply(&e, info, client_args), "%s", e.error);
   PV_CHECK(e.pos == r1 && !memcmp(rep1, rep2, r1), "%s: reply round trip differs", info->name);
   pv_cs_decoder_fini(&cd);

   for (size_t l = 0; prefixes && l < n1 && n1 <= 4096; l++) {
      uint8_t *copy = malloc(l ? l : 1);
      memcpy(copy, buf1, l);
      pv_cs_decoder_set_stream(dec, copy, l);
      pv_cs_decoder_reset_scratch(dec);
      bool ok = pv_cs_read_command_header(dec, &type, &flags) &&
                pv_cs_decode_args(dec, info, host_args);
      PV_CHECK(!ok, "%s: prefix %zu of %zu decoded", info->name, l, n1);
      free(copy);
   }
}

int
main(int argc, char **argv)
{
   unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 12;
   struct pv_test_objects objs = {0};
   struct pv_cs_decoder dec;
   arena = malloc(ARENA_SIZE);
   PV_CHECK(arena, "no memory");
   pv_cs_decoder_init(&dec, NULL, 0, pv_test_lookup, &objs);
   for (uint32_t c = 0; c < pv_cs_command_count; c++) {
      const struct pv_cs_command_info *info = &pv_cs_commands[c];
      PV_CHECK(pv_cs_command_info(info->id) == info, "%s: id table", info->name);
      for (unsigned s = 0; s < seeds; s++) {
         rng_state = ((uint64_t)info->id << 32) | s;
         roundtrip(info, &dec, s == 0);
      }
      /* and as many without chains where a fast decoder can take them */
      no_chains = pv_cs_fast_decoders[c] != NULL;
      for (unsigned s = 0; no_chains && s < seeds; s++) {
         rng_state = ((uint64_t)info->id << 32) | (s + seeds);
         roundtrip(info, &dec, false);
      }
      no_chains = false;
   }
   printf("ok: %u commands x %u seeds round-tripped, those with a fast decoder %u more "
          "without pNext chains (%llu command bytes, largest %llu, %llu reply bytes)\n",
          pv_cs_command_count, seeds, seeds, (unsigned long long)total_bytes,
          (unsigned long long)max_bytes, (unsigned long long)total_reply_bytes);
   /* Every fast decoder took at least one of its commands (those with
    * pNext chains go to the tables; half the seeds have none). */
   unsigned with_fast = 0, never = 0;
   for (uint32_t c = 0; c < pv_cs_command_count && c < 1024; c++) {
      if (!pv_cs_fast_decoders[c])
         continue;
      with_fast++;
      if (!fast_hits[c]) {
         never++;
         fprintf(stderr, "fast decoder of %s never took a generated command\n",
                 pv_cs_commands[c].name);
      }
   }
   PV_CHECK(pv_cs_command_count <= 1024, "fast_hits[] too small");
   PV_CHECK(!never, "%u fast decoders never ran", never);
   printf("ok: %u fast decoders agree with the tables: took %llu of %llu commands, "
          "%llu mutations (%llu still valid)\n", with_fast, (unsigned long long)fast_taken,
          (unsigned long long)fast_commands_seen, (unsigned long long)mutations,
          (unsigned long long)mutations_decoded);
   pv_cs_decoder_fini(&dec);
   free(arena);
   return 0;
}
